/* Time: sleep, time_after, timers, tickers, in virtual time (go_synctest)
 * where the answer must be exact, in real time only where it must not. */
#include <stdlib.h>
#include <string.h>

#include "gkcheck.h"
#include "suites.h"

#define EPOCH_2000 (946684800LL * SECOND)

/* go_synctest's function gets its results back through this. */
typedef struct {
    go_time_t t[8];
    int n;
    int chosen;
} out_t;

static void sleep_three_seconds(void *arg)
{
    out_t *o = arg;
    o->t[0] = time_now();
    go_sleep(3 * SECOND);
    o->t[1] = time_now();
}

START_TEST(virtual_time_starts_in_2000_and_sleep_moves_it_exactly)
{
    out_t o = {0};
    go_synctest(sleep_three_seconds, &o);
    ck_assert_msg(o.t[0] == EPOCH_2000, "virtual time must start at 2000-01-01, got %lld",
                  (long long)o.t[0]);
    ck_assert_int_eq(o.t[1] - o.t[0], 3 * SECOND);
}
END_TEST

static void wait_for_result_or_an_hour(void *arg)
{
    out_t *o = arg;
    chan_t *results = chan_make(sizeof(int), 0); /* nobody ever sends */
    go_time_t start = time_now();
    int r;
    select_case_t cs[] = {select_recv(results, &r), select_recv(time_after(HOUR), NULL)};
    o->chosen = chan_select(cs, 2, SELECT_BLOCK);
    o->t[0] = time_now() - start;
    chan_free(results);
}

START_TEST(a_one_hour_timeout_in_select_takes_no_real_time)
{
    int64_t real_start = time_now(); /* outside the bubble: the real clock */
    out_t o = {0};
    go_synctest(wait_for_result_or_an_hour, &o);
    ck_assert_int_eq(o.chosen, 1);
    ck_assert_int_eq(o.t[0], HOUR);
    ck_assert_msg(time_since(real_start) < 60 * SECOND, "an hour of virtual time took %lld ms",
                  (long long)(time_since(real_start) / MILLISECOND));
}
END_TEST

static void send_after_one_second(void *arg)
{
    go_sleep(SECOND);
    int v = 5;
    chan_send(arg, &v);
}

static void value_beats_timeout(void *arg)
{
    out_t *o = arg;
    chan_t *c = chan_make(sizeof(int), 0);
    go(send_after_one_second, c);
    int v = 0;
    select_case_t cs[] = {select_recv(c, &v), select_recv(time_after(2 * SECOND), NULL)};
    o->chosen = chan_select(cs, 2, SELECT_BLOCK);
    o->t[0] = time_now() - EPOCH_2000;
    o->n = v;
    chan_free(c);
}

START_TEST(a_value_that_arrives_before_the_timeout_wins_the_select)
{
    out_t o = {0};
    go_synctest(value_beats_timeout, &o);
    ck_assert_int_eq(o.chosen, 0);
    ck_assert_int_eq(o.n, 5);
    ck_assert_int_eq(o.t[0], SECOND);
}
END_TEST

static void stop_before_and_after_firing(void *arg)
{
    out_t *o = arg;
    go_timer_t *t = timer_new(SECOND);
    o->t[0] = timer_stop(t);  /* stopped before firing: true */
    o->t[1] = timer_stop(t);  /* already stopped: false */
    select_case_t cs[] = {select_recv(t->C, NULL), select_recv(time_after(5 * SECOND), NULL)};
    o->t[2] = chan_select(cs, 2, SELECT_BLOCK); /* the stopped timer never fires */

    timer_reset(t, SECOND);
    go_sleep(2 * SECOND);     /* it fired at 1 s; its value waits in t->C */
    o->t[3] = timer_stop(t);  /* Go 1.23: not yet received, so still active */
    bool ok;
    o->t[4] = chan_try_recv(t->C, NULL, &ok); /* and no stale value remains */
    timer_free(t);
}

START_TEST(a_stopped_timer_never_delivers_a_stale_value)
{
    out_t o = {0};
    go_synctest(stop_before_and_after_firing, &o);
    ck_assert_msg(o.t[0] == 1, "timer_stop before firing must return true");
    ck_assert_msg(o.t[1] == 0, "a second timer_stop must return false");
    ck_assert_msg(o.t[2] == 1, "a stopped timer must not fire");
    ck_assert_msg(o.t[3] == 1, "timer_stop of a fired but unreceived timer returns true (Go 1.23)");
    ck_assert_msg(o.t[4] == 0, "after timer_stop, no stale value may be received");
}
END_TEST

static void reset_moves_the_deadline(void *arg)
{
    out_t *o = arg;
    go_timer_t *t = timer_new(5 * SECOND);
    go_sleep(2 * SECOND);
    o->t[0] = timer_reset(t, 10 * SECOND); /* still active: true */
    go_time_t fired;
    chan_recv(t->C, &fired);
    o->t[1] = fired - EPOCH_2000;
    timer_free(t);
}

START_TEST(timer_reset_restarts_the_countdown)
{
    out_t o = {0};
    go_synctest(reset_moves_the_deadline, &o);
    ck_assert(o.t[0]);
    ck_assert_msg(o.t[1] == 12 * SECOND, "expected to fire at 12 s, fired at %lld ms",
                  (long long)(o.t[1] / MILLISECOND));
}
END_TEST

static void tick_and_fall_behind(void *arg)
{
    out_t *o = arg;
    go_ticker_t *tk = ticker_new(SECOND);
    for (int i = 0; i < 3; i++) {
        go_time_t t;
        chan_recv(tk->C, &t);
        o->t[i] = t - EPOCH_2000;
    }
    go_sleep(3500 * MILLISECOND); /* ticks at 4, 5, 6 s: only one may wait */
    bool ok;
    o->t[3] = chan_try_recv(tk->C, NULL, &ok);
    o->t[4] = chan_try_recv(tk->C, NULL, &ok);
    go_time_t t;
    chan_recv(tk->C, &t);
    o->t[5] = t - EPOCH_2000;
    ticker_reset(tk, 250 * MILLISECOND);
    chan_recv(tk->C, &t);
    o->t[6] = t - EPOCH_2000;
    ticker_stop(tk);
    select_case_t cs[] = {select_recv(tk->C, NULL), select_recv(time_after(HOUR), NULL)};
    o->t[7] = chan_select(cs, 2, SELECT_BLOCK);
    ticker_free(tk);
}

START_TEST(a_ticker_ticks_on_time_and_drops_ticks_for_a_slow_reader)
{
    out_t o = {0};
    go_synctest(tick_and_fall_behind, &o);
    for (int i = 0; i < 3; i++) ck_assert_int_eq(o.t[i], (i + 1) * SECOND);
    ck_assert_msg(o.t[3] == 1 && o.t[4] == 0, "a ticker's channel holds at most one tick");
    ck_assert_int_eq(o.t[5], 7 * SECOND);
    ck_assert_int_eq(o.t[6], 7 * SECOND + 250 * MILLISECOND);
    ck_assert_msg(o.t[7] == 1, "a stopped ticker must not tick");
}
END_TEST

/* The roadmap's rate limiter: one request per tick. */
static void rate_limited_requests(void *arg)
{
    out_t *o = arg;
    go_ticker_t *limiter = ticker_new(200 * MILLISECOND);
    for (int i = 0; i < 5; i++) {
        chan_recv(limiter->C, NULL);
        o->t[i] = time_now() - EPOCH_2000;
    }
    ticker_free(limiter);
}

START_TEST(a_ticker_rate_limiter_serves_requests_at_exact_times)
{
    out_t o = {0};
    go_synctest(rate_limited_requests, &o);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(o.t[i] == (i + 1) * 200 * MILLISECOND, "request %d served at %lld ms", i,
                      (long long)(o.t[i] / MILLISECOND));
}
END_TEST

static go_time_t fired_at;

static void record_time(void *arg)
{
    (void)arg;
    fired_at = time_now() - EPOCH_2000;
}

static void after_func_runs_later(void *arg)
{
    out_t *o = arg;
    go_timer_t *t = time_after_func(3 * SECOND, record_time, NULL);
    go_timer_t *never = time_after_func(SECOND, record_time, NULL);
    o->t[0] = timer_stop(never);
    go_sleep(10 * SECOND);
    go_synctest_wait(); /* orders the goroutine's write before our read */
    o->t[1] = fired_at;
    timer_free(t);
    timer_free(never);
}

START_TEST(time_after_func_runs_in_its_own_goroutine_after_the_delay)
{
    out_t o = {0};
    go_synctest(after_func_runs_later, &o);
    ck_assert(o.t[0]);
    ck_assert_int_eq(o.t[1], 3 * SECOND);
}
END_TEST

static chan_t *never_sent;

static void block_forever_in_bubble(void *arg)
{
    (void)arg;
    never_sent = chan_make(0, 0);
    chan_recv(never_sent, NULL);
}

static void run_deadlocked_bubble(void *arg)
{
    go_synctest(block_forever_in_bubble, arg);
}

START_TEST(a_bubble_with_every_goroutine_blocked_and_no_timer_is_a_deadlock)
{
    GK_EXPECT_DEATH(run_deadlocked_bubble, NULL, 2,
                    "panic: deadlock: all goroutines in bubble are blocked");
    GK_EXPECT_DEATH(run_deadlocked_bubble, NULL, 2, "[chan receive]:\nblock_forever_in_bubble");
}
END_TEST

static int stage;

static void advance_stage(void *arg)
{
    stage = 1;
    chan_recv(arg, NULL);
    stage = 2;
}

static void wait_until_blocked(void *arg)
{
    out_t *o = arg;
    chan_t *c = chan_make(0, 0);
    go(advance_stage, c);
    go_synctest_wait(); /* the goroutine is blocked in chan_recv now */
    o->t[0] = stage;
    chan_send(c, NULL);
    go_synctest_wait(); /* and has exited */
    o->t[1] = stage;
    chan_free(c);
}

START_TEST(synctest_wait_returns_once_every_other_goroutine_is_blocked)
{
    out_t o = {0};
    go_synctest(wait_until_blocked, &o);
    ck_assert_int_eq(o.t[0], 1);
    ck_assert_int_eq(o.t[1], 2);
}
END_TEST

static ctx_t *shared_deadline;
static wg_t deadline_waiters;

static void wait_for_deadline(void *arg)
{
    (void)arg;
    chan_recv(ctx_done(shared_deadline), NULL);
    wg_done(&deadline_waiters); /* and exit at once: the bubble must not look idle */
}

static void deadline_wakes_three(void *arg)
{
    (void)arg;
    shared_deadline = ctx_with_timeout(ctx_background(), 250 * MILLISECOND);
    wg_add(&deadline_waiters, 3);
    for (int i = 0; i < 3; i++) go(wait_for_deadline, NULL);
    wg_wait(&deadline_waiters);
    ctx_cancel(shared_deadline);
}

START_TEST(a_deadline_that_wakes_several_goroutines_is_no_deadlock)
{
    /* Regression: the goroutine firing the deadline woke the waiters one by
     * one while counted as blocked, and the first to exit found the bubble
     * idle with no timer left: a false "deadlock". */
    for (int i = 0; i < 40; i++) go_synctest(deadline_wakes_three, NULL);
}
END_TEST

/* Go's synctest: a goroutine blocked on a channel made outside its bubble
 * is not durably blocked (someone outside may send), so the clock waits. */
static chan_t *from_outside;
static atomic64_t slept; /* 1 once the bubble's one-second sleep is over */

static void wait_on_outside_channel(void *arg)
{
    wg_t *wg = arg;
    chan_recv(from_outside, NULL);
    wg_done(wg);
}

static void sleep_beside_an_outside_wait(void *arg)
{
    (void)arg;
    wg_t wg = {0};
    wg_add(&wg, 1);
    go(wait_on_outside_channel, &wg);
    go_sleep(SECOND);
    atomic64_store(&slept, 1);
    wg_wait(&wg);
}

static void run_bubble(void *arg)
{
    go_synctest(sleep_beside_an_outside_wait, NULL);
    wg_done(arg);
}

START_TEST(a_channel_made_outside_the_bubble_does_not_block_durably)
{
    from_outside = chan_make(0, 0);
    wg_t done = {0};
    wg_add(&done, 1);
    go(run_bubble, &done);
    go_wait_idle(); /* everyone parked: the bubble too, its clock stopped */
    ck_assert_msg(atomic64_load(&slept) == 0,
                  "the bubble's clock moved while a goroutine of it waited on a channel "
                  "made outside it");
    chan_send(from_outside, NULL);
    wg_wait(&done);
    ck_assert_int_eq(atomic64_load(&slept), 1);
    chan_free(from_outside);
}
END_TEST

START_TEST(real_time_sleep_and_timers_work_outside_a_bubble)
{
    /* Real time: only bounds generous enough to hold under Helgrind. */
    go_time_t start = time_now();
    go_sleep(20 * MILLISECOND);
    ck_assert(time_since(start) >= 20 * MILLISECOND);
    go_time_t fired;
    ck_assert(chan_recv(time_after(10 * MILLISECOND), &fired));
    ck_assert(fired >= start + 30 * MILLISECOND);
    ck_assert_msg(time_since(start) < 60 * SECOND, "timers took %lld ms",
                  (long long)(time_since(start) / MILLISECOND));
}
END_TEST

static void sleep_then_done(void *arg)
{
    go_sleep(30 * MILLISECOND);
    chan_close(arg);
}

START_TEST(a_goroutine_asleep_on_a_timer_is_not_a_deadlock)
{
    GK_LEAK_MARK();
    chan_t *done = chan_make(0, 0);
    go(sleep_then_done, done);
    ck_assert(!chan_recv(done, NULL)); /* everyone is parked, but a timer is pending */
    GK_ASSERT_NO_LEAKS();
    chan_free(done);
}
END_TEST

Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, virtual_time_starts_in_2000_and_sleep_moves_it_exactly);
    tcase_add_test(tc, a_one_hour_timeout_in_select_takes_no_real_time);
    tcase_add_test(tc, a_value_that_arrives_before_the_timeout_wins_the_select);
    tcase_add_test(tc, a_stopped_timer_never_delivers_a_stale_value);
    tcase_add_test(tc, timer_reset_restarts_the_countdown);
    tcase_add_test(tc, a_ticker_ticks_on_time_and_drops_ticks_for_a_slow_reader);
    tcase_add_test(tc, a_ticker_rate_limiter_serves_requests_at_exact_times);
    tcase_add_test(tc, time_after_func_runs_in_its_own_goroutine_after_the_delay);
    tcase_add_test(tc, a_bubble_with_every_goroutine_blocked_and_no_timer_is_a_deadlock);
    tcase_add_test(tc, synctest_wait_returns_once_every_other_goroutine_is_blocked);
    tcase_add_test(tc, a_deadline_that_wakes_several_goroutines_is_no_deadlock);
    tcase_add_test(tc, a_channel_made_outside_the_bubble_does_not_block_durably);
    tcase_add_test(tc, real_time_sleep_and_timers_work_outside_a_bubble);
    tcase_add_test(tc, a_goroutine_asleep_on_a_timer_is_not_a_deadlock);
    suite_add_tcase(s, tc);
    return s;
}
