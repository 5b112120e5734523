/*
 * 03 · select: the tests that grade katas/03-select/selecting.c.
 *
 * Every test runs in a synctest bubble (go_synctest): virtual time, so every
 * duration asserted here is exact, and a goroutine stuck forever shows up as
 * the test's own guard timer (an hour) firing, which the test turns into a
 * message saying what is stuck and why. Each call of the learner's code runs
 * in a goroutine of its own (call_t), so that the test can wait for it with
 * such a guard.
 *
 * One thing virtual time can't turn into an answer: a goroutine that never
 * blocks. The clock moves only when every goroutine of the bubble is
 * blocked, so a loop that spins (on a closed channel's case, or polling with
 * a default) stops time itself. A watchdog in real time, outside the bubble,
 * names that (run_test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "selecting.h"

#define SECS(d) ((double)(d) / SECOND) /* for messages: "%g s" */

/* ---- The watchdog: a spin, named ----------------------------------------- */

/* Real seconds before the watchdog speaks (times GOKATA_TIMEOUT_SCALE, which
 * the grader sets for its slower passes). A correct solution needs a few
 * milliseconds of real time per test; the harness's own limit is 10 s. */
enum { WATCHDOG_SECONDS = 5 };

/* Runs body(arg) in a bubble, watched. */
static void run_test(go_func_t body, void *arg, const char *if_spinning)
{
    gk_synctest_watched(body, arg, WATCHDOG_SECONDS,
                        if_spinning[0] ? if_spinning
                                       : "Is a loop polling with a default, or choosing a closed "
                                         "channel's case on every turn?");
}

/* ---- Helpers inside a bubble --------------------------------------------- */

/* True if ch is closed (or receives) within limit of virtual time. */
static bool closes_within(chan_t *ch, go_duration_t limit)
{
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(time_after(limit), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/* A producer: sends first, first+1, ... (n values) on ch, sleeping gap before
 * each; then closes ch if close_after. Stops early if stop (may be NULL: a
 * case that is never ready) is closed. */
typedef struct {
    chan_t *ch;
    int first, n;
    go_duration_t gap;
    bool close_after;
    chan_t *stop;
    wg_t *wg;
} producer_t;

static void produce(void *arg)
{
    producer_t *p = arg;
    for (int i = 0; i < p->n; i++) {
        if (p->gap) go_sleep(p->gap);
        int v = p->first + i;
        select_case_t cs[] = {select_send(p->ch, &v), select_recv(p->stop, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) goto out;
    }
    if (p->close_after) chan_close(p->ch);
out:
    wg_done(p->wg);
}

/*
 * One call of the learner's code, in a goroutine of its own: the test waits
 * for `returned` with a guard, and reads the results only after that (the
 * close orders them). took is the call's duration in virtual time.
 */
typedef struct call call_t;
struct call {
    void (*run)(call_t *);
    /* arguments */
    chan_t *ch, *a, *b, *out;
    const int *vals;
    int n, max;
    int *got;
    go_duration_t d;
    /* results */
    int ret, v;
    bool closed;
    recv_status_t status;
    go_duration_t took;
    /* bookkeeping */
    chan_t *returned;
    wg_t wg;
};

static void call_body(void *arg)
{
    call_t *c = arg;
    go_duration_t start = gk_now();
    c->run(c);
    c->took = gk_now() - start;
    chan_close(c->returned);
    wg_done(&c->wg);
}

static void start_call(call_t *c, void (*run)(call_t *))
{
    c->run = run;
    c->returned = chan_make(0, 0);
    wg_add(&c->wg, 1);
    go(call_body, c);
}

/* True if the call returns within limit of virtual time. */
static bool returns_within(call_t *c, go_duration_t limit)
{
    return closes_within(c->returned, limit);
}

/* Once the call has returned: release its bookkeeping. */
static void end_call(call_t *c)
{
    wg_wait(&c->wg);
    chan_free(c->returned);
}

static void run_merge(call_t *c)
{
    merge(c->a, c->b, c->out);
}
static void run_send_or_drop(call_t *c)
{
    c->ret = send_or_drop(c->ch, c->vals, c->n);
}
static void run_drain_ready(call_t *c)
{
    c->ret = drain_ready(c->ch, c->got, c->max, &c->closed);
}
static void run_recv_timeout(call_t *c)
{
    c->status = recv_timeout(c->ch, &c->v, c->d);
}
static void run_collect_for(call_t *c)
{
    c->ret = collect_for(c->ch, c->got, c->max, c->d);
}

static const char *status_name(recv_status_t s)
{
    switch (s) {
    case RECV_VALUE:
        return "RECV_VALUE";
    case RECV_CLOSED:
        return "RECV_CLOSED";
    case RECV_TIMEOUT:
        return "RECV_TIMEOUT";
    default:
        return "not a recv_status_t";
    }
}

/* ---- Task 1: merge ------------------------------------------------------- */

enum { MAX_VALUES = 64 };

/* What the reader of merge's out saw. */
typedef struct {
    int vals[MAX_VALUES];
    int n;
    go_duration_t closed_at; /* when out was closed */
} outcome_t;

/*
 * Reads out until it is closed, as merge's caller does. Fails the test
 * unless out delivers exactly `expect` values and is then closed; if
 * nothing happens for an hour, stuck_hint says what is likely wrong. setup
 * tells the learner what the inputs did.
 */
static void read_merged(chan_t *out, int expect, outcome_t *r, const char *setup,
                        const char *stuck_hint)
{
    chan_t *guard = time_after(HOUR);
    r->n = 0;
    for (;;) {
        int v;
        select_case_t cs[] = {select_recv(out, &v), select_recv(guard, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) {
            if (expect == 0)
                ck_abort_msg("merge never closed out, though a and b were both closed from the "
                             "start: close out once both inputs are closed, so that its reader "
                             "knows there is no more");
            if (r->n >= expect)
                ck_abort_msg("merge sent all %d values, but never closed out: close out once both "
                             "a and b are closed, so that its reader knows there is no more",
                             expect);
            ck_abort_msg("merge sent %d of the %d values on out, then nothing for an hour (of "
                         "virtual time): %s",
                         r->n, expect, stuck_hint);
        }
        if (!cs[0].ok) {
            if (r->n < expect)
                ck_abort_msg("%s; merge closed out after %d of the %d values, at %g s. It must go "
                             "on until both inputs are closed. A closed channel's case is ready "
                             "on every turn: does merge count a close more than once? Set a "
                             "closed input to NULL, and its case is never chosen again",
                             setup, r->n, expect, SECS(gk_now()));
            break;
        }
        if (v == 0)
            ck_abort_msg("merge sent 0 on out, a value no input sent: it is the zero value a "
                         "receive from a closed channel gives. After chan_select, cs[i].ok is "
                         "false when case i saw its channel closed: that is no value");
        if (r->n == expect)
            ck_abort_msg("merge sent more than the %d values sent to it (the extra one: %d)",
                         expect, v);
        r->vals[r->n++] = v;
    }
    r->closed_at = gk_now();
}

/* Fails unless r holds exactly first, first+1, ..., first+n-1 (and values
 * of another input) in that relative order. */
static void expect_in_order(const outcome_t *r, const char *input, int first, int n)
{
    int next = first;
    for (int i = 0; i < r->n; i++) {
        int v = r->vals[i];
        if (v < first || v >= first + n) continue;
        ck_assert_msg(v == next,
                      "out gave %d where %d was next from %s: values from one input must "
                      "reach out in the order they were sent",
                      v, next, input);
        next++;
    }
    ck_assert_msg(next == first + n, "out gave %d of the %d values sent on %s", next - first, n,
                  input);
}

static void merge_two_producers(void *arg)
{
    (void)arg;
    chan_t *a = chan_make(sizeof(int), 0), *b = chan_make(sizeof(int), 0);
    chan_t *out = chan_make(sizeof(int), 0);
    wg_t wg = {0};
    producer_t pa = {.ch = a, .first = 1, .n = 10, .close_after = true, .wg = &wg};
    producer_t pb = {.ch = b, .first = 101, .n = 40, .close_after = true, .wg = &wg};
    wg_add(&wg, 2);
    go(produce, &pa);
    go(produce, &pb);
    call_t m = {.a = a, .b = b, .out = out};
    start_call(&m, run_merge);

    outcome_t r;
    read_merged(out, 50, &r, "a sent 10 values and b 40, then each was closed",
                "merge must go on until both a and b are closed, taking each value from "
                "whichever input has one ready");
    ck_assert_msg(returns_within(&m, HOUR), "merge closed out but has not returned");
    end_call(&m);
    wg_wait(&wg);
    expect_in_order(&r, "a", 1, 10);
    expect_in_order(&r, "b", 101, 40);
    chan_free(a);
    chan_free(b);
    chan_free(out);
}

START_TEST(test_merge_forwards_every_value_from_both_channels)
{
    run_test(merge_two_producers, NULL,
             "Is merge spinning on a closed input? Set it to NULL to switch its case off.");
}
END_TEST

/* Sends 1 on a, 101 on b, 2 on a, 102 on b, ...: waiting on a alone (or on b
 * alone) gets stuck at once, with the producer waiting to send on the other. */
typedef struct {
    chan_t *a, *b;
    wg_t *wg;
} alternate_t;

static void alternate(void *arg)
{
    alternate_t *p = arg;
    for (int i = 0; i < 10; i++) {
        int v = 1 + i, w = 101 + i;
        chan_send(p->a, &v);
        chan_send(p->b, &w);
    }
    chan_close(p->a);
    chan_close(p->b);
    wg_done(p->wg);
}

static void merge_alternating(void *arg)
{
    (void)arg;
    chan_t *a = chan_make(sizeof(int), 0), *b = chan_make(sizeof(int), 0);
    chan_t *out = chan_make(sizeof(int), 0);
    wg_t wg = {0};
    alternate_t p = {a, b, &wg};
    wg_add(&wg, 1);
    go(alternate, &p);
    call_t m = {.a = a, .b = b, .out = out};
    start_call(&m, run_merge);

    outcome_t r;
    read_merged(out, 20, &r, "a and b were sent 10 values each, in turn, then closed",
                "the producer sends on a and b in turn, and it is waiting to send on one of them "
                "while merge waits on the other alone. Wait on both at once: one chan_select "
                "with a case for a and a case for b");
    ck_assert_msg(returns_within(&m, HOUR), "merge closed out but has not returned");
    end_call(&m);
    wg_wait(&wg);
    expect_in_order(&r, "a", 1, 10);
    expect_in_order(&r, "b", 101, 10);
    chan_free(a);
    chan_free(b);
    chan_free(out);
}

START_TEST(test_merge_takes_whichever_channel_is_ready)
{
    run_test(merge_alternating, NULL,
             "Is merge spinning on a closed input? Set it to NULL to switch its case off.");
}
END_TEST

/* One input is closed from the start; the other sends 10 values, one a
 * second, then closes: at 10 s. */
static void one_closed_early(bool a_first)
{
    chan_t *a = chan_make(sizeof(int), 0), *b = chan_make(sizeof(int), 0);
    chan_t *out = chan_make(sizeof(int), 0);
    chan_t *closed = a_first ? a : b, *slow = a_first ? b : a;
    const char *closed_name = a_first ? "a" : "b", *slow_name = a_first ? "b" : "a";
    chan_close(closed);
    go_duration_t start = gk_now();
    wg_t wg = {0};
    producer_t p = {
        .ch = slow, .first = 101, .n = 10, .gap = SECOND, .close_after = true, .wg = &wg};
    wg_add(&wg, 1);
    go(produce, &p);
    call_t m = {.a = a, .b = b, .out = out};
    start_call(&m, run_merge);

    char setup[128];
    snprintf(setup, sizeof setup,
             "%s was closed from the start, and %s was sent 10 values, one a second, then closed",
             closed_name, slow_name);
    outcome_t r;
    read_merged(out, 10, &r, setup, "merge must go on until both inputs are closed");
    ck_assert_msg(r.closed_at - start == 10 * SECOND,
                  "%s; merge closed out at %g s, expected right after %s was closed, at 10 s",
                  setup, SECS(r.closed_at - start), slow_name);
    ck_assert_msg(returns_within(&m, HOUR), "merge closed out but has not returned");
    end_call(&m);
    wg_wait(&wg);
    expect_in_order(&r, slow_name, 101, 10);
    chan_free(a);
    chan_free(b);
    chan_free(out);
}

static void merge_with_one_input_closed(void *arg)
{
    (void)arg;
    one_closed_early(true);
    one_closed_early(false);
}

START_TEST(test_merge_switches_off_a_closed_channel)
{
    run_test(merge_with_one_input_closed, NULL,
             "Here one input is closed from the start, and the other's sender sleeps a second "
             "before each value: does merge keep choosing the closed input's case? It is ready on "
             "every turn, so merge never blocks and the clock never moves. Set that channel to "
             "NULL once it is closed: a case on a NULL channel is never ready.");
}
END_TEST

static void merge_two_closed(void *arg)
{
    (void)arg;
    chan_t *a = chan_make(sizeof(int), 0), *b = chan_make(sizeof(int), 0);
    chan_t *out = chan_make(sizeof(int), 0);
    chan_close(a);
    chan_close(b);
    call_t m = {.a = a, .b = b, .out = out};
    start_call(&m, run_merge);
    outcome_t r;
    read_merged(out, 0, &r, "a and b were both closed from the start", "");
    ck_assert_msg(returns_within(&m, HOUR), "merge closed out but has not returned");
    end_call(&m);
    ck_assert_msg(r.closed_at == 0, "out closed at %g s, expected at once", SECS(r.closed_at));
    chan_free(a);
    chan_free(b);
    chan_free(out);
}

START_TEST(test_merge_closes_out_when_both_inputs_are_already_closed)
{
    run_test(merge_two_closed, NULL,
             "Both inputs are closed: does merge keep choosing their cases? Set each to NULL "
             "once it is closed, and stop when both are NULL.");
}
END_TEST

/* ---- Task 2: send_or_drop, drain_ready ----------------------------------- */

static const int ONE_TO_TEN[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static void send_or_drop_into_a_buffer(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 4); /* nobody receives */
    call_t c = {.ch = ch, .vals = ONE_TO_TEN, .n = 10};
    start_call(&c, run_send_or_drop);
    if (!returns_within(&c, HOUR))
        ck_abort_msg("send_or_drop blocked: the channel's buffer (4 slots) was full and nobody "
                     "receives. It must drop a value it can't send at once: chan_select(cs, 1, "
                     "SELECT_NONBLOCK) returns SELECT_DEFAULT then, instead of waiting");
    end_call(&c);
    ck_assert_msg(c.ret == 4 && chan_len(ch) == 4,
                  "send_or_drop of 10 values into an empty buffer of 4 slots, nobody receiving: "
                  "expected 4 sent (and 4 in the buffer), got %d (%zu in the buffer)",
                  c.ret, chan_len(ch));
    for (int i = 0; i < 4; i++) {
        int v;
        chan_recv(ch, &v);
        ck_assert_msg(v == i + 1,
                      "buffer slot %d holds %d, expected %d: the first values offered are the "
                      "ones that fit",
                      i + 1, v, i + 1);
    }
    chan_free(ch);
}

START_TEST(test_send_or_drop_fills_the_buffer_and_drops_the_rest)
{
    run_test(send_or_drop_into_a_buffer, NULL, "");
}
END_TEST

typedef struct {
    chan_t *ch;
    int v;
    bool ok;
    wg_t wg;
} receiver_t;

static void receive_once(void *arg)
{
    receiver_t *r = arg;
    r->ok = chan_recv(r->ch, &r->v);
    wg_done(&r->wg);
}

static void send_or_drop_to_a_receiver(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 0);
    receiver_t r = {.ch = ch};
    wg_add(&r.wg, 1);
    go(receive_once, &r);
    go_synctest_wait(); /* the receiver is waiting in chan_recv now */
    static const int vals[3] = {7, 8, 9};
    call_t c = {.ch = ch, .vals = vals, .n = 3};
    start_call(&c, run_send_or_drop);
    if (!returns_within(&c, HOUR))
        ck_abort_msg("send_or_drop blocked: after the one waiting receiver took 7, nobody "
                     "receives on the unbuffered channel. A value that can't be sent at once is "
                     "dropped: use chan_select(cs, 1, SELECT_NONBLOCK), which returns "
                     "SELECT_DEFAULT instead of waiting");
    end_call(&c);
    ck_assert_msg(c.ret == 1,
                  "send_or_drop(7, 8, 9) on an unbuffered channel with one receiver waiting: "
                  "expected 1 sent (7, to the waiting receiver), got %d. On an unbuffered "
                  "channel a send is ready exactly when a receiver is waiting; the select "
                  "knows, chan_len and chan_cap don't",
                  c.ret);
    wg_wait(&r.wg);
    ck_assert_msg(r.v == 7, "the waiting receiver got %d, expected 7", r.v);
    chan_free(ch);
}

START_TEST(test_send_or_drop_hands_a_value_to_a_waiting_receiver)
{
    run_test(send_or_drop_to_a_receiver, NULL, "");
}
END_TEST

/* A call of drain_ready(ch, got, max, &closed) into got[] (with a guard slot
 * after max that must stay untouched). */
static call_t drain(chan_t *ch, int *got, int max)
{
    for (int i = 0; i <= max; i++)
        got[i] = -1;
    call_t c = {.ch = ch, .got = got, .max = max, .closed = true};
    start_call(&c, run_drain_ready);
    if (!returns_within(&c, HOUR))
        ck_abort_msg("drain_ready blocked on a channel with nothing ready. chan_try_recv "
                     "returns false at once when no value is ready: stop there");
    end_call(&c);
    ck_assert_msg(got[max] == -1, "drain_ready(..., max = %d) wrote past got[%d]", max, max - 1);
    return c;
}

static void drain_a_buffer(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 8);
    for (int i = 1; i <= 5; i++)
        chan_send(ch, &i);
    int got[9];

    call_t c = drain(ch, got, 3);
    ck_assert_msg(c.ret == 3,
                  "drain_ready with 5 values buffered and max = 3: expected 3 values, got %d",
                  c.ret);
    c = drain(ch, got, 8);
    ck_assert_msg(c.ret == 2,
                  "drain_ready with 2 values buffered (4 and 5) and max = 8: expected 2 values, "
                  "got %d",
                  c.ret);
    ck_assert_msg(got[0] == 4 && got[1] == 5, "drain_ready stored %d, %d, expected 4, 5", got[0],
                  got[1]);
    ck_assert_msg(!c.closed, "drain_ready set *closed on a channel that is open");
    c = drain(ch, got, 8);
    ck_assert_msg(c.ret == 0, "drain_ready on an empty channel: expected 0 values, got %d", c.ret);
    ck_assert_msg(!c.closed, "drain_ready set *closed on an empty channel that is open");
    chan_free(ch);
}

START_TEST(test_drain_ready_takes_what_is_buffered_without_waiting)
{
    run_test(drain_a_buffer, NULL, "");
}
END_TEST

static void drain_a_closed_channel(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 4);
    for (int i = 1; i <= 2; i++)
        chan_send(ch, &i);
    chan_close(ch);
    int got[9];

    call_t c = drain(ch, got, 8);
    ck_assert_msg(c.ret == 2,
                  "drain_ready on a closed channel with 2 values still buffered: expected 2 "
                  "values, got %d. The buffered values come first; then a receive gives ok == "
                  "false and no value: stop there",
                  c.ret);
    ck_assert_msg(got[0] == 1 && got[1] == 2, "drain_ready stored %d, %d, expected 1, 2", got[0],
                  got[1]);
    ck_assert_msg(c.closed,
                  "drain_ready on a closed channel (2 values buffered) left *closed false. After "
                  "the 2 values, chan_try_recv returns true with ok == false: that is how "
                  "drain_ready sees the channel closed");
    c = drain(ch, got, 8);
    ck_assert_msg(c.ret == 0 && c.closed,
                  "drain_ready on a closed, empty channel: expected 0 values and *closed true, "
                  "got %d values and *closed %s",
                  c.ret, c.closed ? "true" : "false");
    chan_free(ch);
}

START_TEST(test_drain_ready_reports_a_closed_channel)
{
    run_test(drain_a_closed_channel, NULL, "");
}
END_TEST

typedef struct {
    chan_t *ch;
    wg_t wg;
} sender_t;

static void send_42(void *arg)
{
    sender_t *s = arg;
    int v = 42;
    chan_send(s->ch, &v);
    wg_done(&s->wg);
}

static void drain_from_a_waiting_sender(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 0);
    sender_t s = {.ch = ch};
    wg_add(&s.wg, 1);
    go(send_42, &s);
    go_synctest_wait(); /* the sender is waiting in chan_send now */
    int got[5];
    call_t c = drain(ch, got, 4);
    ck_assert_msg(c.ret == 1 && got[0] == 42,
                  "drain_ready on an unbuffered channel with a sender waiting (to send 42): "
                  "expected 1 value, 42, got %d values. A waiting sender is a value ready now, "
                  "though chan_len counts only the buffer: ask chan_try_recv",
                  c.ret);
    ck_assert_msg(!c.closed, "drain_ready set *closed on a channel that is open");
    wg_wait(&s.wg);
    chan_free(ch);
}

START_TEST(test_drain_ready_takes_a_value_from_a_waiting_sender)
{
    run_test(drain_from_a_waiting_sender, NULL, "");
}
END_TEST

/* ---- Task 3: recv_timeout, collect_for ----------------------------------- */

static void value_in_time(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 0);
    chan_t *stop = chan_make(0, 0);
    wg_t wg = {0};
    producer_t p = {.ch = ch, .first = 42, .n = 1, .gap = SECOND, .stop = stop, .wg = &wg};
    wg_add(&wg, 1);
    go(produce, &p); /* sends 42 at 1 s, unless stopped */
    call_t c = {.ch = ch, .d = 5 * SECOND};
    start_call(&c, run_recv_timeout);
    if (!returns_within(&c, HOUR))
        ck_abort_msg("recv_timeout(ch, &v, 5 s) has not returned after an hour, though a value "
                     "was sent at 1 s");
    end_call(&c);
    chan_close(stop);
    wg_wait(&wg);
    chan_free(stop);
    ck_assert_msg(c.status == RECV_VALUE && c.v == 42,
                  "recv_timeout(ch, &v, 5 s), 42 sent at 1 s: expected RECV_VALUE with v = 42, "
                  "got %s with v = %d",
                  status_name(c.status), c.v);
    ck_assert_msg(c.took == SECOND,
                  "recv_timeout(ch, &v, 5 s) returned after %g s; the value arrived at 1 s. It "
                  "must return as soon as the value arrives: wait in one select on ch and on "
                  "time_after(d), not by sleeping and then looking",
                  SECS(c.took));
    chan_free(ch);
}

START_TEST(test_recv_timeout_returns_a_value_as_soon_as_it_arrives)
{
    run_test(value_in_time, NULL, "Does recv_timeout poll with a default instead of blocking?");
}
END_TEST

static void nobody_sends(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 0);
    const go_duration_t timeouts[] = {3 * SECOND, 250 * MILLISECOND};
    for (int i = 0; i < 2; i++) {
        go_duration_t d = timeouts[i];
        call_t c = {.ch = ch, .d = d};
        start_call(&c, run_recv_timeout);
        if (!returns_within(&c, HOUR))
            ck_abort_msg("recv_timeout(ch, &v, %g s) has not returned after an hour, and nobody "
                         "sends on ch: the select needs a second case, time_after(d), a channel "
                         "that receives once d has passed",
                         SECS(d));
        end_call(&c);
        ck_assert_msg(c.status == RECV_TIMEOUT,
                      "recv_timeout(ch, &v, %g s), nobody sending: expected RECV_TIMEOUT, got %s",
                      SECS(d), status_name(c.status));
        ck_assert_msg(c.took == d,
                      "recv_timeout(ch, &v, %g s), nobody sending, returned after %g s: expected "
                      "exactly %g s (time_after(d))",
                      SECS(d), SECS(c.took), SECS(d));
    }
    chan_free(ch);
}

START_TEST(test_recv_timeout_gives_up_after_exactly_the_timeout)
{
    run_test(nobody_sends, NULL, "Does recv_timeout poll with a default instead of blocking?");
}
END_TEST

static void recv_from_closed(void *arg)
{
    (void)arg;
    chan_t *ch = chan_make(sizeof(int), 0);
    chan_close(ch);
    call_t c = {.ch = ch, .d = MINUTE};
    start_call(&c, run_recv_timeout);
    if (!returns_within(&c, HOUR))
        ck_abort_msg("recv_timeout(ch, &v, 1 min) on a closed channel has not returned after an "
                     "hour");
    end_call(&c);
    ck_assert_msg(c.status == RECV_CLOSED,
                  "recv_timeout on a closed channel: expected RECV_CLOSED, got %s. After "
                  "chan_select, cs[i].ok is false when case i saw its channel closed",
                  status_name(c.status));
    ck_assert_msg(c.took == 0,
                  "recv_timeout on a closed channel returned after %g s: a closed channel is "
                  "ready at once",
                  SECS(c.took));
    chan_free(ch);
}

START_TEST(test_recv_timeout_reports_a_closed_channel_at_once)
{
    run_test(recv_from_closed, NULL, "");
}
END_TEST

/* collect_for(ch, got, max, d) against a producer that sends first, first+1,
 * ... (n of them) one every gap, then closes ch; the producer stops when
 * collect_for has returned. */
static call_t collect(int n, go_duration_t gap, int max, go_duration_t d, int *got)
{
    chan_t *ch = chan_make(sizeof(int), 0), *stop = chan_make(0, 0);
    wg_t wg = {0};
    producer_t p = {
        .ch = ch, .first = 1, .n = n, .gap = gap, .close_after = true, .stop = stop, .wg = &wg};
    wg_add(&wg, 1);
    go(produce, &p);
    for (int i = 0; i <= max; i++)
        got[i] = -1;
    call_t c = {.ch = ch, .got = got, .max = max, .d = d};
    start_call(&c, run_collect_for);
    if (!returns_within(&c, d + HOUR))
        ck_abort_msg("collect_for(ch, got, %d, %g s) has not returned an hour after its deadline "
                     "(%d values sent, one every %g s)",
                     max, SECS(d), n, SECS(gap));
    end_call(&c);
    chan_close(stop);
    wg_wait(&wg);
    chan_free(ch);
    chan_free(stop);
    ck_assert_msg(got[max] == -1, "collect_for(..., max = %d, ...) wrote past got[%d]", max,
                  max - 1);
    return c;
}

/* After the count is right: got[] holds 1, 2, ..., n. */
static void expect_one_to_n(const int *got, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == i + 1, "collect_for stored %d as value %d, expected %d", got[i],
                      i + 1, i + 1);
}

static void collect_with_a_deadline(void *arg)
{
    (void)arg;
    int got[21];
    call_t c = collect(10, SECOND, 20, 3500 * MILLISECOND, got);
    ck_assert_msg(c.ret == 3 && c.took == 3500 * MILLISECOND,
                  "collect_for(ch, got, 20, 3.5 s), a value every second (10 in all): expected 3 "
                  "values and a return at 3.5 s, got %d values at %g s. %s",
                  c.ret, SECS(c.took),
                  c.took > 3500 * MILLISECOND
                      ? "Is time_after called inside the loop? Each call starts a new timer, so "
                        "a value every second pushes the 3.5 s deadline back forever. Make one "
                        "before the loop."
                      : "");
    expect_one_to_n(got, 3);
}

START_TEST(test_collect_for_keeps_one_deadline_for_the_whole_collection)
{
    run_test(collect_with_a_deadline, NULL,
             "Does collect_for poll with a default instead of blocking?");
}
END_TEST

static void collect_until_closed(void *arg)
{
    (void)arg;
    int got[21];
    call_t c = collect(2, SECOND, 20, HOUR, got);
    ck_assert_msg(c.ret == 2 && c.took == 2 * SECOND,
                  "collect_for(ch, got, 20, 1 h), 2 values sent (at 1 s and 2 s) and then ch "
                  "closed: expected 2 values and a return at 2 s, got %d values at %g s. A "
                  "receive that gives ok == false means ch is closed: no value, and no more to "
                  "come",
                  c.ret, SECS(c.took));
    expect_one_to_n(got, 2);
}

START_TEST(test_collect_for_stops_when_the_channel_closes)
{
    run_test(collect_until_closed, NULL,
             "Does collect_for keep receiving from ch after it is closed? Check cs[0].ok.");
}
END_TEST

static void collect_until_full(void *arg)
{
    (void)arg;
    int got[4];
    call_t c = collect(10, SECOND, 3, HOUR, got);
    ck_assert_msg(c.ret == 3 && c.took == 3 * SECOND,
                  "collect_for(ch, got, 3, 1 h), a value every second: expected 3 values and a "
                  "return at 3 s, when got is full; got %d values at %g s",
                  c.ret, SECS(c.took));
    expect_one_to_n(got, 3);
}

START_TEST(test_collect_for_stops_when_got_is_full)
{
    run_test(collect_until_full, NULL, "Does collect_for poll with a default instead of blocking?");
}
END_TEST

/* ---- Task 4: square_worker ----------------------------------------------- */

typedef struct {
    squarer_t w;
    chan_t *exited; /* closed when square_worker has returned */
    wg_t wg;
} worker_run_t;

static void run_worker(void *arg)
{
    worker_run_t *r = arg;
    square_worker(&r->w);
    chan_close(r->exited);
    wg_done(&r->wg);
}

static void start_worker(worker_run_t *r, size_t jobs_cap)
{
    r->w = (squarer_t){.done = chan_make(0, 0),
                       .jobs = chan_make(sizeof(int), jobs_cap),
                       .results = chan_make(sizeof(int), 0)};
    r->exited = chan_make(0, 0);
    wg_add(&r->wg, 1);
    go(run_worker, r);
}

/* After the worker has returned. */
static void free_worker(worker_run_t *r)
{
    wg_wait(&r->wg);
    chan_free(r->w.done);
    chan_free(r->w.jobs);
    chan_free(r->w.results);
    chan_free(r->exited);
}

static void square_five_jobs(void *arg)
{
    (void)arg;
    worker_run_t r = {0};
    start_worker(&r, 0);
    chan_t *guard = time_after(HOUR);
    for (int j = 1; j <= 5; j++) {
        go_sleep(SECOND); /* the worker has nothing to do meanwhile */
        select_case_t give[] = {select_send(r.w.jobs, &j), select_recv(guard, NULL)};
        if (chan_select(give, 2, SELECT_BLOCK) == 1)
            ck_abort_msg("square_worker did not take job %d from jobs (it has been an hour)", j);
        int sq = 0;
        select_case_t take[] = {select_recv(r.w.results, &sq), select_recv(guard, NULL)};
        if (chan_select(take, 2, SELECT_BLOCK) == 1)
            ck_abort_msg("square_worker took job %d but sent no result on results (it has been "
                         "an hour)",
                         j);
        ck_assert_msg(take[0].ok, "results was closed: square_worker closes nothing");
        ck_assert_msg(sq == j * j, "square_worker sent %d for job %d, expected %d", sq, j, j * j);
    }
    chan_close(r.w.done);
    if (!closes_within(r.exited, HOUR))
        ck_abort_msg("square_worker has not returned an hour after done was closed (it had no "
                     "job): its select while it waits for a job needs a case for done");
    free_worker(&r);
}

START_TEST(test_square_worker_squares_each_job)
{
    run_test(square_five_jobs, NULL,
             "Jobs come one a second here: does square_worker poll for them with a default (or "
             "chan_try_recv) instead of blocking in a select? With nothing to do, it must block.");
}
END_TEST

static void done_while_waiting_for_a_job(void *arg)
{
    (void)arg;
    worker_run_t r = {0};
    start_worker(&r, 0);
    go_sleep(MINUTE); /* no jobs: the worker waits */
    chan_close(r.w.done);
    go_duration_t closed_at = gk_now();
    if (!closes_within(r.exited, HOUR))
        ck_abort_msg("square_worker, waiting for a job, has not returned an hour after done was "
                     "closed: a goroutine leak. Wait for a job in a chan_select with a case for "
                     "done, and return when that case is chosen");
    ck_assert_msg(gk_now() == closed_at,
                  "square_worker returned %g s after done was closed, "
                  "expected at once",
                  SECS(gk_now() - closed_at));
    free_worker(&r);
}

START_TEST(test_square_worker_returns_when_done_is_closed_while_it_waits_for_a_job)
{
    run_test(done_while_waiting_for_a_job, NULL,
             "Does square_worker poll for jobs with a default (or chan_try_recv) instead of "
             "blocking in a select?");
}
END_TEST

static void done_while_nobody_reads(void *arg)
{
    (void)arg;
    worker_run_t r = {0};
    start_worker(&r, 1);
    int j = 3;
    chan_send(r.w.jobs, &j); /* buffered: the worker takes it, then waits to send 9 */
    go_synctest_wait();
    ck_assert_msg(chan_len(r.w.jobs) == 0, "square_worker did not take the job waiting in jobs");
    chan_close(r.w.done); /* and nobody will ever read results */
    if (!closes_within(r.exited, HOUR))
        ck_abort_msg("square_worker has not returned an hour after done was closed: it is stuck "
                     "handing a result to a reader who has stopped reading, a goroutine leak. "
                     "Send the result in a chan_select with a case for done too");
    free_worker(&r);
}

START_TEST(test_square_worker_returns_when_nobody_reads_its_result)
{
    run_test(done_while_nobody_reads, NULL,
             "Does square_worker poll with a default (or chan_try_send) instead of blocking in a "
             "select?");
}
END_TEST

static void jobs_closed(void *arg)
{
    (void)arg;
    worker_run_t r = {0};
    start_worker(&r, 0);
    chan_close(r.w.jobs); /* no more work; done stays open */
    if (!closes_within(r.exited, HOUR))
        ck_abort_msg("square_worker has not returned an hour after jobs was closed (done still "
                     "open). A receive from a closed channel gives ok == false: no job, and no "
                     "more to come, so return");
    free_worker(&r);
}

START_TEST(test_square_worker_returns_when_jobs_is_closed)
{
    run_test(jobs_closed, NULL,
             "Once jobs is closed, its case is ready on every turn: does square_worker keep "
             "choosing it? A receive with ok == false means no more jobs: return.");
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("selecting");
    kata_add_test(s, test_merge_forwards_every_value_from_both_channels);
    kata_add_test(s, test_merge_takes_whichever_channel_is_ready);
    kata_add_test(s, test_merge_switches_off_a_closed_channel);
    kata_add_test(s, test_merge_closes_out_when_both_inputs_are_already_closed);
    kata_add_test(s, test_send_or_drop_fills_the_buffer_and_drops_the_rest);
    kata_add_test(s, test_send_or_drop_hands_a_value_to_a_waiting_receiver);
    kata_add_test(s, test_drain_ready_takes_what_is_buffered_without_waiting);
    kata_add_test(s, test_drain_ready_reports_a_closed_channel);
    kata_add_test(s, test_drain_ready_takes_a_value_from_a_waiting_sender);
    kata_add_test(s, test_recv_timeout_returns_a_value_as_soon_as_it_arrives);
    kata_add_test(s, test_recv_timeout_gives_up_after_exactly_the_timeout);
    kata_add_test(s, test_recv_timeout_reports_a_closed_channel_at_once);
    kata_add_test(s, test_collect_for_keeps_one_deadline_for_the_whole_collection);
    kata_add_test(s, test_collect_for_stops_when_the_channel_closes);
    kata_add_test(s, test_collect_for_stops_when_got_is_full);
    kata_add_test(s, test_square_worker_squares_each_job);
    kata_add_test(s, test_square_worker_returns_when_done_is_closed_while_it_waits_for_a_job);
    kata_add_test(s, test_square_worker_returns_when_nobody_reads_its_result);
    kata_add_test(s, test_square_worker_returns_when_jobs_is_closed);
    return s;
}
