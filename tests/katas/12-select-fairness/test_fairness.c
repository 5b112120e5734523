/*
 * 12 · Select and channel starvation: the tests that grade
 * katas/12-select-fairness/fairness.c.
 *
 * Every test runs in a synctest bubble (go_synctest): virtual time, so the
 * instants asserted here are exact, and "a flood" is a channel that is full
 * on every turn, not a race against a real clock. Every wait of a test is
 * bounded by an hour of virtual time, which the test turns into a message
 * saying what is stuck.
 *
 * Fairness is asserted two ways. Where the contract fixes the order (a
 * priority with a burst limit, round-robin) the inputs are filled before the
 * call, so that every channel is ready on every turn and the order is exact.
 * Where it is select's randomness (fan_in), the bounds are wide: a fair
 * choice fails them about once in 20,000 seeds (GOKATA_SEED), a fixed order
 * always.
 *
 * A goroutine that never blocks stops virtual time itself; a real-time
 * watchdog outside the bubble names that (run_test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairness.h"
#include "gkcheck.h"
#include "kata_test.h"

#define SECS(d) ((double)(d) / SECOND) /* for messages: "%g s" */
#define MS(d)   ((double)(d) / MILLISECOND)

/* ---- The watchdog: a spin, named ----------------------------------------- */

enum { WATCHDOG_SECONDS = 5 };

static void run_test(go_func_t body, const char *if_spinning)
{
    gk_synctest_watched(body, NULL, WATCHDOG_SECONDS,
                        if_spinning ? if_spinning
                                    : "Is a loop polling with chan_try_recv (or a default) "
                                      "instead of blocking in a chan_select when nothing is "
                                      "ready, or choosing a closed channel's case on every turn?");
}

/* ---- Helpers inside a bubble --------------------------------------------- */

/* True if ch is closed (or receives) within limit of virtual time. */
static bool closes_within(chan_t *ch, go_duration_t limit)
{
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(time_after(limit), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/* A channel of cap n holding first, first+1, ..., first+n-1, closed if
 * close: ready on every turn until it is empty. */
static chan_t *filled(int first, int n, bool close)
{
    chan_t *ch = chan_make(sizeof(int), (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        int v = first + i;
        chan_send(ch, &v);
    }
    if (close) chan_close(ch);
    return ch;
}

/* A producer: sends first, first+1, ... on ch, value k at at[k] (virtual
 * time since the bubble started), then closes ch at close_at. */
enum { MAX_AT = 8 };
typedef struct {
    chan_t *ch;
    int first, n;
    go_duration_t at[MAX_AT];
    go_duration_t close_at;
    wg_t *wg;
} producer_t;

static void produce(void *arg)
{
    producer_t *p = arg;
    for (int k = 0; k < p->n; k++) {
        gk_sleep_until(p->at[k]);
        int v = p->first + k;
        chan_send(p->ch, &v);
    }
    gk_sleep_until(p->close_at);
    chan_close(p->ch);
    wg_done(p->wg);
}

static void start_producers(producer_t *ps, int n, wg_t *wg)
{
    wg_add(wg, n);
    for (int i = 0; i < n; i++) {
        ps[i].wg = wg;
        go(produce, &ps[i]);
    }
}

/* ---- A merge (fan_in or rr_merge) in a goroutine of its own ---------------- */

enum { MAX_IN = 64, MAX_GOT = 256 };

typedef void (*merge_fn)(chan_t *const *, int, chan_t *);

typedef struct {
    merge_fn fn;
    const char *name;
    chan_t *ins[MAX_IN];
    chan_t *copy[MAX_IN]; /* ins[] as given, to check it is left alone */
    int n;
    int first[MAX_IN], count[MAX_IN]; /* input i sends first[i], first[i]+1, ... (count[i]) */
    chan_t *out;
    chan_t *returned; /* closed when fn has returned */
    wg_t wg;
} merge_call_t;

static void merge_body(void *arg)
{
    merge_call_t *m = arg;
    m->fn(m->ins, m->n, m->out);
    chan_close(m->returned);
    wg_done(&m->wg);
}

static void start_merge(merge_call_t *m, merge_fn fn, const char *name)
{
    m->fn = fn;
    m->name = name;
    memcpy(m->copy, m->ins, sizeof m->ins);
    m->out = chan_make(sizeof(tagged_t), 0);
    m->returned = chan_make(0, 0);
    wg_add(&m->wg, 1);
    go(merge_body, m);
}

/* Once out is closed: the merge must return, and have left ins[] alone. */
static void end_merge(merge_call_t *m)
{
    ck_assert_msg(closes_within(m->returned, HOUR),
                  "%s closed out but has not returned an hour later", m->name);
    wg_wait(&m->wg);
    for (int i = 0; i < m->n; i++)
        if (m->ins[i] != m->copy[i])
            ck_abort_msg("%s changed ins[%d], the caller's array: work on a copy of your own (or "
                         "on an array of cases) instead",
                         m->name, i);
    chan_free(m->out);
    chan_free(m->returned);
}

/* Input i of m sends first, first+1, ..., first+count-1. */
static void values_of(merge_call_t *m, int i, int first, int count)
{
    m->first[i] = first;
    m->count[i] = count;
}

/* The input that sends v, or -1. */
static int owner_of(const merge_call_t *m, int v)
{
    for (int i = 0; i < m->n; i++)
        if (v >= m->first[i] && v < m->first[i] + m->count[i]) return i;
    return -1;
}

static void free_inputs(merge_call_t *m)
{
    for (int i = 0; i < m->n; i++)
        chan_free(m->ins[i]);
}

/* What the reader of out saw. */
typedef struct {
    tagged_t got[MAX_GOT];
    go_duration_t at[MAX_GOT]; /* when each was received */
    int n;
    go_duration_t closed_at;
} merged_t;

/*
 * Reads out until it is closed, as the merge's caller does, sleeping pace
 * after each value (0: none). Fails unless exactly expect values come, each
 * from an input in range and none the zero value of a closed channel, and
 * out is then closed. setup says what the inputs did, for the messages.
 */
static void read_merged(merge_call_t *m, int expect, go_duration_t pace, merged_t *r,
                        const char *setup)
{
    chan_t *guard = time_after(HOUR + expect * pace);
    r->n = 0;
    for (;;) {
        tagged_t t;
        select_case_t cs[] = {select_recv(m->out, &t), select_recv(guard, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) {
            if (r->n >= expect)
                ck_abort_msg("%s; %s sent all %d values, but never closed out: close out once "
                             "every input is closed, so that its reader knows there is no more",
                             setup, m->name, expect);
            ck_abort_msg("%s; %s sent %d of the %d values on out, then nothing for an hour (of "
                         "virtual time). It must go on until every input is closed, and take a "
                         "value from whichever input has one: one chan_select over all the "
                         "inputs still open",
                         setup, m->name, r->n, expect);
        }
        if (!cs[0].ok) break;
        if (t.src < 0 || t.src >= m->n)
            ck_abort_msg("%s sent {src = %d, v = %d}: src must be the index of the input in ins[] "
                         "(0 to %d)",
                         m->name, t.src, t.v, m->n - 1);
        if (t.v == 0)
            ck_abort_msg("%s sent {src = %d, v = 0}, a value no input sent: it is the zero value "
                         "a receive from a closed channel gives. After chan_select, cs[i].ok is "
                         "false when case i saw its channel closed: that is no value",
                         m->name, t.src);
        int owner = owner_of(m, t.v);
        if (owner < 0)
            ck_abort_msg("%s sent {src = %d, v = %d}: no input sent %d", m->name, t.src, t.v, t.v);
        if (owner != t.src)
            ck_abort_msg("%s sent {src = %d, v = %d}, but %d came from input %d: src must be the "
                         "index in ins[] of the input the value came from. After you drop a "
                         "closed input's case from the array, case k is no longer input k: keep "
                         "an array beside the cases that says which input each case is",
                         m->name, t.src, t.v, t.v, owner);
        if (r->n == expect)
            ck_abort_msg("%s; %s sent more than the %d values sent to it (the extra one: {src = "
                         "%d, v = %d})",
                         setup, m->name, expect, t.src, t.v);
        r->got[r->n] = t;
        r->at[r->n] = gk_now();
        r->n++;
        if (pace) go_sleep(pace);
    }
    r->closed_at = gk_now();
    if (r->n < expect)
        ck_abort_msg("%s; %s closed out after %d of the %d values, at %g s. It must go on until "
                     "every input is closed. Does it count a closed input more than once? Its "
                     "case is ready on every turn until you drop it",
                     setup, m->name, r->n, expect, SECS(r->closed_at));
}

/* Fails unless the values tagged src are first, first+1, ..., first+n-1, in
 * that order (input i of a test sends values starting at first). */
static void expect_input_in_order(const merged_t *r, const char *name, int src, int first, int n)
{
    int next = first;
    for (int i = 0; i < r->n; i++) {
        if (r->got[i].src != src) continue;
        if (r->got[i].v != next)
            ck_abort_msg(
                "%s sent {src = %d, v = %d} where %d was next from input %d: values from one "
                "input must reach out in the order they were sent, each tagged with that "
                "input's index",
                name, src, r->got[i].v, next, src);
        next++;
    }
    ck_assert_msg(next == first + n, "%s sent %d of the %d values of input %d", name, next - first,
                  n, src);
}

/* ---- Task 1: fan_in ---------------------------------------------------------- */

/* Five inputs with values at their own instants; each closes at its own
 * instant, the last at 9 s. */
static void fan_in_five(void *arg)
{
    (void)arg;
    static producer_t ps[5] = {
        {.first = 1, .n = 3, .at = {1 * SECOND, 2 * SECOND, 3 * SECOND}, .close_at = 4 * SECOND},
        {.first = 101, .n = 0, .close_at = 0},
        {.first = 201,
         .n = 4,
         .at = {500 * MILLISECOND, 600 * MILLISECOND, 5 * SECOND, 8 * SECOND},
         .close_at = 9 * SECOND},
        {.first = 301, .n = 2, .at = {2500 * MILLISECOND, 7 * SECOND}, .close_at = 7 * SECOND},
        {.first = 401, .n = 1, .at = {6 * SECOND}, .close_at = 6500 * MILLISECOND},
    };
    merge_call_t m = {.n = 5};
    wg_t wg = {0};
    for (int i = 0; i < 5; i++) {
        ps[i].ch = m.ins[i] = chan_make(sizeof(int), 0);
        values_of(&m, i, ps[i].first, ps[i].n);
    }
    start_producers(ps, 5, &wg);
    start_merge(&m, fan_in, "fan_in");
    merged_t r;
    read_merged(&m, 10, 0, &r,
                "5 inputs sent 3, 0, 4, 2 and 1 values at different instants, the last closed at "
                "9 s");
    end_merge(&m);
    wg_wait(&wg);
    for (int i = 0; i < 5; i++)
        expect_input_in_order(&r, "fan_in", i, ps[i].first, ps[i].n);
    ck_assert_msg(r.closed_at == 9 * SECOND,
                  "fan_in closed out at %g s; the last input was closed at 9 s: close out right "
                  "then, not before, not later",
                  SECS(r.closed_at));
    free_inputs(&m);
}

START_TEST(test_fan_in_forwards_every_value_tagged_with_its_input)
{
    run_test(fan_in_five, NULL);
}
END_TEST

/* Input 0 sends only at 5 s; inputs 1, 2, 3 send earlier. Waiting on input 0
 * first (or on the inputs one after another) holds them up. */
static void fan_in_instants(void *arg)
{
    (void)arg;
    static producer_t ps[4] = {
        {.first = 1, .n = 1, .at = {5 * SECOND}, .close_at = 5 * SECOND},
        {.first = 101, .n = 2, .at = {1 * SECOND, 4 * SECOND}, .close_at = 6 * SECOND},
        {.first = 201, .n = 1, .at = {2 * SECOND}, .close_at = 2 * SECOND},
        {.first = 301, .n = 2, .at = {3 * SECOND, 3500 * MILLISECOND}, .close_at = 4 * SECOND},
    };
    merge_call_t m = {.n = 4};
    wg_t wg = {0};
    for (int i = 0; i < 4; i++) {
        ps[i].ch = m.ins[i] = chan_make(sizeof(int), 0);
        values_of(&m, i, ps[i].first, ps[i].n);
    }
    start_producers(ps, 4, &wg);
    start_merge(&m, fan_in, "fan_in");
    merged_t r;
    read_merged(&m, 6, 0, &r, "input 0 sent its value at 5 s, the others earlier");
    end_merge(&m);
    wg_wait(&wg);
    for (int i = 0; i < r.n; i++) {
        const producer_t *p = &ps[r.got[i].src];
        go_duration_t sent = p->at[r.got[i].v - p->first];
        ck_assert_msg(r.at[i] == sent,
                      "fan_in sent {src = %d, v = %d} on out at %g s; input %d sent it at %g s. "
                      "Each value must leave as soon as it arrives: one chan_select over every "
                      "open input, not the inputs one after another",
                      r.got[i].src, r.got[i].v, SECS(r.at[i]), r.got[i].src, SECS(sent));
    }
    ck_assert_msg(r.closed_at == 6 * SECOND, "fan_in closed out at %g s, expected at 6 s",
                  SECS(r.closed_at));
    free_inputs(&m);
}

START_TEST(test_fan_in_forwards_each_value_at_the_instant_it_arrives)
{
    run_test(fan_in_instants, NULL);
}
END_TEST

/* Three of four inputs are closed from the start; the fourth sends a value
 * a second for 5 s. A closed input left in the select spins. */
static void fan_in_closed(void *arg)
{
    (void)arg;
    static producer_t slow = {.first = 1,
                              .n = 5,
                              .at = {SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND},
                              .close_at = 6 * SECOND};
    merge_call_t m = {.n = 4};
    for (int i = 0; i < 4; i++) {
        m.ins[i] = chan_make(sizeof(int), 0);
        if (i != 2) chan_close(m.ins[i]);
    }
    slow.ch = m.ins[2];
    values_of(&m, 2, 1, 5);
    wg_t wg = {0};
    start_producers(&slow, 1, &wg);
    start_merge(&m, fan_in, "fan_in");
    merged_t r;
    read_merged(&m, 5, 0, &r,
                "inputs 0, 1 and 3 were closed from the start; input 2 sent a value a second "
                "and was closed at 6 s");
    end_merge(&m);
    wg_wait(&wg);
    expect_input_in_order(&r, "fan_in", 2, 1, 5);
    ck_assert_msg(r.closed_at == 6 * SECOND,
                  "fan_in closed out at %g s, expected at 6 s, when the last input was closed",
                  SECS(r.closed_at));
    free_inputs(&m);
}

START_TEST(test_fan_in_drops_closed_inputs_instead_of_spinning)
{
    run_test(fan_in_closed,
             "Three inputs are closed from the start and the fourth sends a value a second: does "
             "fan_in keep choosing a closed input's case? It is ready on every turn, so fan_in "
             "never blocks and the clock never moves. Drop a closed input from the case array "
             "(or set its channel to NULL).");
}
END_TEST

/* n == 0, and n == 40 (more than any fixed array of 16 or 32). */
static void fan_in_sizes(void *arg)
{
    (void)arg;
    merge_call_t none = {.n = 0};
    start_merge(&none, fan_in, "fan_in");
    merged_t r;
    read_merged(&none, 0, 0, &r, "fan_in(ins, 0, out): no inputs at all");
    end_merge(&none);

    static merge_call_t m = {.n = 40};
    for (int i = 0; i < 40; i++) {
        m.ins[i] = filled(100 * i + 1, 2, true);
        values_of(&m, i, 100 * i + 1, 2);
    }
    start_merge(&m, fan_in, "fan_in");
    read_merged(&m, 80, 0, &r, "40 inputs, each with 2 values and closed");
    end_merge(&m);
    for (int i = 0; i < 40; i++)
        expect_input_in_order(&r, "fan_in", i, 100 * i + 1, 2);
    free_inputs(&m);
}

START_TEST(test_fan_in_handles_any_number_of_inputs)
{
    run_test(fan_in_sizes, NULL);
}
END_TEST

/* Four inputs, each holding 30 values: every input is ready on every turn
 * (until it runs out). select picks at random, so in the first 80 values
 * each input should appear about 20 times; fewer than 6 happens to a fair
 * choice about once in 20,000 seeds, and always to a fixed order or to one
 * input after another. And the fan-in is one goroutine: no goroutine per
 * input. */
static void fan_in_fair(void *arg)
{
    (void)arg;
    merge_call_t m = {.n = 4};
    for (int i = 0; i < 4; i++) {
        m.ins[i] = filled(100 * i + 1, 30, true);
        values_of(&m, i, 100 * i + 1, 30);
    }
    go_leak_mark_t mark = go_leak_mark();
    start_merge(&m, fan_in, "fan_in");
    merged_t r;
    read_merged(&m, 120, 0, &r, "4 inputs, each holding 30 values, then closed");
    long started = gk_started_since(mark);
    end_merge(&m);
    ck_assert_msg(started == 1,
                  "fan_in started %ld goroutine(s) of its own: it must be one loop in the "
                  "caller's goroutine, around one chan_select over an array of cases (a goroutine "
                  "per input is kata 09's merge; this kata is the reflect.Select way)",
                  started - 1);
    int count[4] = {0};
    for (int i = 0; i < 80; i++)
        count[r.got[i].src]++;
    for (int i = 0; i < 4; i++)
        ck_assert_msg(count[i] >= 6,
                      "4 inputs, each with 30 values ready: of the first 80 values fan_in sent, "
                      "%d, %d, %d and %d came from inputs 0 to 3. With every input ready, a "
                      "select picks each about as often (20 each); input %d got %d. Does fan_in "
                      "take the inputs in a fixed order (a loop of chan_try_recv), or drain one "
                      "before the next? One chan_select over all of them picks at random",
                      count[0], count[1], count[2], count[3], i, count[i]);
    for (int i = 0; i < 4; i++)
        expect_input_in_order(&r, "fan_in", i, 100 * i + 1, 30);
    free_inputs(&m);
}

START_TEST(test_fan_in_shares_fairly_among_busy_inputs_from_one_goroutine)
{
    run_test(fan_in_fair, NULL);
}
END_TEST

/* ---- Task 2: run_worker ------------------------------------------------------ */

enum { MAX_JOBS = 64 };

typedef struct {
    worker_t w;
    go_duration_t work;                  /* how long each job takes */
    go_duration_t started[MAX_JOBS + 1]; /* when handle was called, job by job */
    int jobs_seen[MAX_JOBS + 1];
    int calls;
    /* the call */
    int ret;
    go_duration_t returned_at;
    chan_t *returned;
    wg_t wg;
} worker_run_t;

static void handle(int job, void *arg)
{
    worker_run_t *r = arg;
    if (r->calls <= MAX_JOBS) {
        r->started[r->calls] = gk_now();
        r->jobs_seen[r->calls] = job;
    }
    r->calls++;
    if (r->work) go_sleep(r->work);
}

static void worker_body(void *arg)
{
    worker_run_t *r = arg;
    r->ret = run_worker(&r->w);
    r->returned_at = gk_now();
    chan_close(r->returned);
    wg_done(&r->wg);
}

/* quit_closed: quit is closed before run_worker is called. */
static void start_worker(worker_run_t *r, chan_t *jobs, go_duration_t work, bool quit_closed)
{
    r->w = (worker_t){.quit = chan_make(0, 0), .jobs = jobs, .handle = handle, .arg = r};
    if (quit_closed) chan_close(r->w.quit);
    r->work = work;
    r->returned = chan_make(0, 0);
    wg_add(&r->wg, 1);
    go(worker_body, r);
}

static void free_worker(worker_run_t *r)
{
    wg_wait(&r->wg);
    chan_free(r->w.quit);
    chan_free(r->w.jobs);
    chan_free(r->returned);
}

static void worker_until_jobs_closed(void *arg)
{
    (void)arg;
    static worker_run_t r;
    start_worker(&r, filled(1, 5, true), SECOND, false);
    if (!closes_within(r.returned, HOUR))
        ck_abort_msg("run_worker: jobs held 5 jobs and was closed; %d jobs handled and an hour "
                     "later it has not returned. A receive with ok == false means jobs is "
                     "closed: no more work, return",
                     r.calls);
    ck_assert_msg(r.ret == 5 && r.calls == 5,
                  "run_worker: jobs held 5 jobs and was closed: expected 5 handled (and 5 "
                  "returned), got %d calls of handle and %d returned",
                  r.calls, r.ret);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(r.jobs_seen[i] == i + 1, "job %d handled was %d, expected %d (jobs in order)",
                      i + 1, r.jobs_seen[i], i + 1);
    ck_assert_msg(r.returned_at == 5 * SECOND,
                  "run_worker returned at %g s; 5 jobs of 1 s each end at 5 s",
                  SECS(r.returned_at));
    free_worker(&r);
}

START_TEST(test_run_worker_handles_every_job_until_jobs_is_closed)
{
    run_test(worker_until_jobs_closed, NULL);
}
END_TEST

/* Idle: a job at 10 s and at 20 s, then nothing; quit closed at 1 min. */
static void worker_idle_quit(void *arg)
{
    (void)arg;
    static worker_run_t r;
    start_worker(&r, chan_make(sizeof(int), 0), SECOND, false);
    for (int j = 1; j <= 2; j++) {
        gk_sleep_until(j * 10 * SECOND);
        chan_t *guard = time_after(HOUR);
        select_case_t cs[] = {select_send(r.w.jobs, &j), select_recv(guard, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1)
            ck_abort_msg("run_worker did not take job %d in an hour (quit open, jobs open, nothing "
                         "else to do)",
                         j);
    }
    gk_sleep_until(MINUTE);
    chan_close(r.w.quit);
    if (!closes_within(r.returned, HOUR))
        ck_abort_msg("run_worker, idle (no job), has not returned an hour after quit was closed: "
                     "a goroutine leak. Its blocking select needs a case for quit too");
    ck_assert_msg(r.returned_at == MINUTE && r.ret == 2,
                  "run_worker, idle, quit closed at 60 s: expected it to return at once with 2 "
                  "jobs handled, it returned at %g s with %d",
                  SECS(r.returned_at), r.ret);
    free_worker(&r);
}

START_TEST(test_run_worker_blocks_while_idle_and_returns_at_once_when_quit_is_closed)
{
    run_test(worker_idle_quit,
             "Jobs come at 10 s and 20 s and quit is closed at 60 s: does run_worker poll (a loop "
             "of chan_try_recv, or a select with SELECT_NONBLOCK) while it has nothing to do? It "
             "must block in one select on quit and jobs.");
}
END_TEST

/* jobs always full (64 jobs, never closed), 1 s each; quit closed at k + 0.5
 * s, for k = -1 (before run_worker starts) .. 9, each time with a fresh
 * worker. Exactly k + 1 jobs, and a return at k + 1 s. */
static void worker_flood(void *arg)
{
    (void)arg;
    for (int k = -1; k < 10; k++) {
        static worker_run_t r;
        memset(&r, 0, sizeof r);
        go_duration_t t0 = gk_now();
        chan_t *jobs = filled(1, MAX_JOBS, false);
        start_worker(&r, jobs, SECOND, k < 0);
        char when[64];
        if (k < 0) {
            snprintf(when, sizeof when, "quit was closed before run_worker began");
        } else {
            go_sleep(k * SECOND + 500 * MILLISECOND);
            chan_close(r.w.quit);
            snprintf(when, sizeof when, "quit was closed at %g s, during job %d", k + 0.5, k + 1);
        }
        if (!closes_within(r.returned, HOUR))
            ck_abort_msg(
                "run_worker: jobs always has a job ready, and %s; an hour later it has not "
                "returned (%d jobs handled). Under a flood, a worker that looks at quit "
                "only when no job is ready never sees it: look at quit first, without "
                "blocking, before each job",
                when, r.calls);
        go_duration_t took = r.returned_at - t0;
        int want = k + 1;
        if (r.calls != want) {
            int late = r.calls - want;
            ck_abort_msg(
                "run_worker: jobs always has a job ready (1 s each), and %s; it handled %d jobs "
                "and returned at %g s, expected %d jobs and a return at %g s. %s",
                when, r.calls, SECS(took), want, (double)want,
                late > 2 ? "It started jobs long after quit was closed: is quit looked at only "
                           "when no job is ready (a default branch)? Under a flood that is never."
                         : "It started a job after quit was closed. With quit closed and a job "
                           "ready, one select on both picks the job half of the time: look at "
                           "quit first, on its own and without blocking (chan_try_recv), before "
                           "each job.");
        }
        ck_assert_msg(r.ret == want, "run_worker handled %d jobs but returned %d", r.calls, r.ret);
        ck_assert_msg(took == want * SECOND,
                      "run_worker: %s; it returned at %g s, expected at %d s, at the end of the "
                      "job in progress",
                      when, SECS(took), want);
        ck_assert_msg((int)chan_len(jobs) == MAX_JOBS - want,
                      "run_worker: %s; it handled %d job(s) but took %d from jobs: it received a "
                      "job it never handled (a lost job). Look at quit before taking a job, not "
                      "after",
                      when, want, MAX_JOBS - (int)chan_len(jobs));
        free_worker(&r);
    }
}

START_TEST(test_run_worker_starts_no_job_once_quit_is_closed_even_under_a_flood)
{
    run_test(worker_flood, NULL);
}
END_TEST

/* ---- Task 3: prio_recv ------------------------------------------------------- */

static const char *from_name(prio_from_t f)
{
    switch (f) {
    case FROM_HIGH:
        return "FROM_HIGH";
    case FROM_LOW:
        return "FROM_LOW";
    case BOTH_CLOSED:
        return "BOTH_CLOSED";
    default:
        return "not a prio_from_t";
    }
}

/* A consumer calling prio_recv up to max times (or until BOTH_CLOSED),
 * sleeping work after each value: its own goroutine, so that the test can
 * wait for it with a guard. */
enum { MAX_CALLS = 320 };
typedef struct {
    prio_t p;
    int max;
    go_duration_t work;
    prio_from_t from[MAX_CALLS];
    int v[MAX_CALLS];
    go_duration_t at[MAX_CALLS];
    atomic64_t calls; /* calls returned so far (read by the test when stuck) */
    chan_t *returned;
    wg_t wg;
} consumer_t;

static void consume(void *arg)
{
    consumer_t *c = arg;
    for (int i = 0; i < c->max; i++) {
        int v = 0;
        c->from[i] = prio_recv(&c->p, &v);
        c->v[i] = v;
        c->at[i] = gk_now();
        atomic64_add(&c->calls, 1);
        if (c->from[i] == BOTH_CLOSED) continue; /* called again: must stay BOTH_CLOSED */
        if (c->work) go_sleep(c->work);
    }
    chan_close(c->returned);
    wg_done(&c->wg);
}

static void start_consumer(consumer_t *c, int max, go_duration_t work)
{
    c->max = max;
    c->work = work;
    c->returned = chan_make(0, 0);
    wg_add(&c->wg, 1);
    go(consume, c);
}

static void wait_consumer(consumer_t *c, go_duration_t limit, const char *setup)
{
    if (!closes_within(c->returned, limit)) {
        long k = atomic64_load(&c->calls);
        ck_abort_msg("%s; prio_recv call %ld has not returned after an hour (%ld calls returned "
                     "before it)%s",
                     setup, k + 1, k,
                     k > 0 && c->from[k - 1] == BOTH_CLOSED
                         ? ": once both channels are closed, every call returns BOTH_CLOSED at once"
                         : ". When one channel has a value ready, prio_recv must take it rather "
                           "than wait for the other; when neither has, it waits for both in one "
                           "select");
    }
    wg_wait(&c->wg);
    chan_free(c->returned);
}

/* high holds nh values (1, 2, ...), low nl (1001, 1002, ...), both closed;
 * K = k. Every call's answer is fixed by the contract: compare with it. */
static void prio_pattern(int nh, int nl, int k)
{
    static consumer_t c;
    memset(&c, 0, sizeof c);
    c.p = (prio_t){.high = filled(1, nh, true), .low = filled(1001, nl, true), .max_burst = k};
    chan_t *high = c.p.high, *low = c.p.low;
    int calls = nh + nl + 2;
    char setup[160];
    snprintf(setup, sizeof setup, "high held %d values and low %d, both closed, max_burst = %d", nh,
             nl, k);
    start_consumer(&c, calls, 0);
    wait_consumer(&c, HOUR, setup);

    int hi = 0, lo = 0, burst = 0;
    char seq[MAX_CALLS * 2 + 1];
    int len = 0;
    for (int i = 0; i < calls; i++) {
        prio_from_t want;
        if (hi == nh && lo == nl)
            want = BOTH_CLOSED;
        else if (lo < nl && (burst >= k || hi == nh))
            want = FROM_LOW;
        else
            want = FROM_HIGH;
        prio_from_t got = c.from[i];
        if (got == FROM_HIGH || got == FROM_LOW) seq[len++] = got == FROM_HIGH ? 'H' : 'L';
        seq[len] = '\0';
        if (got != want) {
            const char *why =
                want == BOTH_CLOSED ? "every value was taken and both are closed"
                : want == FROM_LOW && hi == nh
                    ? "high was closed and empty: a closed channel is no value; set it to NULL "
                      "and take from low"
                : want == FROM_LOW ? "high had given max_burst values in a row and low had one "
                                     "ready: low's turn"
                : lo == nl ? "low was closed and empty: a closed channel is no value; set it to "
                             "NULL and take from high"
                           : "high had a value ready and fewer than max_burst highs were taken "
                             "in a row: high first";
            ck_abort_msg("%s. Call %d of prio_recv returned %s, expected %s: %s. The values "
                         "before it came from (H high, L low): %s",
                         setup, i + 1, from_name(got), from_name(want), why, seq);
        }
        if (want == FROM_HIGH) {
            ck_assert_msg(c.v[i] == hi + 1,
                          "%s. Call %d returned FROM_HIGH with %d, expected %d (high's values "
                          "in order)",
                          setup, i + 1, c.v[i], hi + 1);
            hi++;
            burst++;
        } else if (want == FROM_LOW) {
            ck_assert_msg(c.v[i] == 1001 + lo,
                          "%s. Call %d returned FROM_LOW with %d, expected %d (low's values in "
                          "order)",
                          setup, i + 1, c.v[i], 1001 + lo);
            lo++;
            burst = 0;
        }
    }
    ck_assert_msg(c.p.high == NULL && c.p.low == NULL,
                  "prio_recv returned BOTH_CLOSED but left p->high or p->low not NULL: set each to "
                  "NULL when you find it closed");
    chan_free(high);
    chan_free(low);
}

static void prio_bursts(void *arg)
{
    (void)arg;
    prio_pattern(30, 5, 3);
    prio_pattern(12, 12, 1);
    prio_pattern(20, 3, 4);
}

START_TEST(test_prio_recv_takes_low_after_max_burst_highs_in_a_row)
{
    run_test(prio_bursts, NULL);
}
END_TEST

/* high: 200 values, one a millisecond, into a buffer of 8 (then closed);
 * each value takes the consumer 2 ms, so high is never empty. low: a value
 * at 50.5 ms, 120.5 ms and 250.5 ms, then closed at 300 ms. K = 4: each low
 * value must be taken within (K + 1) * 2 ms = 10 ms. */
enum { FLOOD = 200 };

typedef struct {
    chan_t *high;
    chan_t *stop; /* closed by the test once its consumer is done */
    wg_t *wg;
} flood_t;

static void flood_high(void *arg)
{
    flood_t *f = arg;
    for (int i = 1; i <= FLOOD; i++) {
        go_sleep(MILLISECOND);
        select_case_t cs[] = {select_send(f->high, &i), select_recv(f->stop, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break;
    }
    chan_close(f->high);
    wg_done(f->wg);
}

static void prio_flood(void *arg)
{
    (void)arg;
    static consumer_t c;
    static producer_t lowp = {
        .first = 1001,
        .n = 3,
        .at = {50500 * MICROSECOND, 120500 * MICROSECOND, 250500 * MICROSECOND},
        .close_at = 300 * MILLISECOND};
    chan_t *high = chan_make(sizeof(int), 8), *low = chan_make(sizeof(int), 0);
    c.p = (prio_t){.high = high, .low = low, .max_burst = 4};
    lowp.ch = low;
    wg_t wg = {0};
    start_producers(&lowp, 1, &wg);
    static flood_t fl;
    fl = (flood_t){.high = high, .stop = chan_make(0, 0), .wg = &wg};
    wg_add(&wg, 1);
    go(flood_high, &fl);
    start_consumer(&c, FLOOD + 3 + 1, 2 * MILLISECOND);
    wait_consumer(&c, HOUR,
                  "high was flooded (a value every ms, the consumer taking 2 ms for each) and low "
                  "got 3 values");
    chan_close(fl.stop); /* in case prio_recv stopped early: the flood has no reader now */
    wg_wait(&wg);
    chan_free(fl.stop);
    int seen = 0;
    for (int i = 0; i < FLOOD + 4; i++) {
        if (c.from[i] != FROM_LOW) continue;
        if (c.v[i] < 1001 || c.v[i] > 1003)
            ck_abort_msg("prio_recv returned FROM_LOW with v = %d, a value low never sent (it "
                         "sent 1001, 1002, 1003)%s",
                         c.v[i],
                         c.v[i] == 0 ? ": 0 is what a receive from a closed channel gives. A "
                                       "closed channel is no value: set it to NULL"
                                     : "");
        go_duration_t sent = lowp.at[c.v[i] - 1001];
        go_duration_t waited = c.at[i] - sent;
        ck_assert_msg(waited <= 10 * MILLISECOND,
                      "high is flooded (never empty), max_burst = 4, each value takes 2 ms: low's "
                      "value %d, sent at %g ms, was taken at %g ms, after %g ms. It must wait "
                      "behind at most 4 highs (plus the one in progress): 10 ms. A priority that "
                      "always takes high first starves low for as long as the flood lasts",
                      c.v[i], MS(sent), MS(c.at[i]), MS(waited));
        seen++;
    }
    ck_assert_msg(seen == 3, "low's 3 values: prio_recv returned FROM_LOW %d times", seen);
    ck_assert_msg(c.from[FLOOD + 3] == BOTH_CLOSED,
                  "after all %d values, prio_recv returned %s, expected BOTH_CLOSED", FLOOD + 3,
                  from_name(c.from[FLOOD + 3]));
    chan_free(high);
    chan_free(low);
}

START_TEST(test_prio_recv_lets_low_through_a_steady_flood_of_high)
{
    run_test(prio_flood, NULL);
}
END_TEST

/* high holds 10 values; low is open and empty; K = 2. prio_recv must not
 * wait for low once its burst is used up: high has a value. Then a value
 * on low at 1 s, with high empty: FROM_LOW at 1 s. */
static void prio_only_high(void *arg)
{
    (void)arg;
    static consumer_t c;
    chan_t *high = filled(1, 10, false), *low = chan_make(sizeof(int), 0);
    c.p = (prio_t){.high = high, .low = low, .max_burst = 2};
    static producer_t lowp = {.first = 1001, .n = 1, .at = {SECOND}, .close_at = 2 * SECOND};
    lowp.ch = low;
    wg_t wg = {0};
    start_producers(&lowp, 1, &wg);
    start_consumer(&c, 11, 0);
    wait_consumer(&c, HOUR, "high held 10 values, low was empty (open), max_burst = 2");
    wg_wait(&wg);
    for (int i = 0; i < 10; i++)
        ck_assert_msg(c.from[i] == FROM_HIGH && c.v[i] == i + 1 && c.at[i] == 0,
                      "high held 10 values, low was empty, max_burst = 2: call %d returned %s "
                      "(v = %d) at %g s, expected FROM_HIGH (v = %d) at once. Once max_burst "
                      "highs are taken, low goes first only if it has a value ready: never "
                      "wait for low while high has one",
                      i + 1, from_name(c.from[i]), c.v[i], SECS(c.at[i]), i + 1);
    ck_assert_msg(c.from[10] == FROM_LOW && c.v[10] == 1001 && c.at[10] == SECOND,
                  "then high was empty and low got 1001 at 1 s: call 11 returned %s (v = %d) at "
                  "%g s, expected FROM_LOW (v = 1001) at 1 s",
                  from_name(c.from[10]), c.v[10], SECS(c.at[10]));
    chan_free(high);
    chan_free(low);
}

START_TEST(test_prio_recv_takes_high_while_low_has_nothing)
{
    run_test(prio_only_high, NULL);
}
END_TEST

/* Nothing ready: low gets 1001 at 2 s, high gets 1 at 5 s, low 1002 at 7 s,
 * then both close at 8 s. */
static void prio_blocking(void *arg)
{
    (void)arg;
    static consumer_t c;
    static producer_t ps[2] = {
        {.first = 1, .n = 1, .at = {5 * SECOND}, .close_at = 8 * SECOND},
        {.first = 1001, .n = 2, .at = {2 * SECOND, 7 * SECOND}, .close_at = 8 * SECOND},
    };
    chan_t *high = chan_make(sizeof(int), 0), *low = chan_make(sizeof(int), 0);
    ps[0].ch = high;
    ps[1].ch = low;
    c.p = (prio_t){.high = high, .low = low, .max_burst = 2};
    wg_t wg = {0};
    start_producers(ps, 2, &wg);
    start_consumer(&c, 4, 0);
    wait_consumer(&c, HOUR,
                  "nothing was ready at first: low got a value at 2 s, high at 5 s, low at 7 s, "
                  "both were closed at 8 s");
    wg_wait(&wg);
    const prio_from_t want[4] = {FROM_LOW, FROM_HIGH, FROM_LOW, BOTH_CLOSED};
    const int want_v[4] = {1001, 1, 1002, 0};
    const go_duration_t want_at[4] = {2 * SECOND, 5 * SECOND, 7 * SECOND, 8 * SECOND};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(c.from[i] == want[i] && (i == 3 || c.v[i] == want_v[i]) &&
                          c.at[i] == want_at[i],
                      "nothing ready at first; low got 1001 at 2 s, high 1 at 5 s, low 1002 at "
                      "7 s, both closed at 8 s: call %d returned %s (v = %d) at %g s, expected "
                      "%s at %g s. With nothing ready, wait in one select on both channels",
                      i + 1, from_name(c.from[i]), c.v[i], SECS(c.at[i]), from_name(want[i]),
                      SECS(want_at[i]));
    chan_free(high);
    chan_free(low);
}

START_TEST(test_prio_recv_waits_for_whichever_comes_first)
{
    run_test(prio_blocking,
             "Values come at 2 s, 5 s and 7 s here: does prio_recv poll (chan_try_recv in a "
             "loop) while nothing is ready? It must block in one select on high and low.");
}
END_TEST

/* One channel closed from the start, the other with 3 values and closed. */
static void prio_closed_one(bool high_closed)
{
    static consumer_t c;
    memset(&c, 0, sizeof c);
    chan_t *high = high_closed ? filled(1, 0, true) : filled(1, 3, true);
    chan_t *low = high_closed ? filled(1001, 3, true) : filled(1001, 0, true);
    c.p = (prio_t){.high = high, .low = low, .max_burst = 1};
    const char *setup = high_closed ? "high was closed and empty; low held 1001, 1002, 1003 and "
                                      "was closed; max_burst = 1"
                                    : "low was closed and empty; high held 1, 2, 3 and was "
                                      "closed; max_burst = 1";
    start_consumer(&c, 5, 0);
    wait_consumer(&c, HOUR, setup);
    for (int i = 0; i < 5; i++) {
        prio_from_t want = i >= 3 ? BOTH_CLOSED : high_closed ? FROM_LOW : FROM_HIGH;
        int want_v = high_closed ? 1001 + i : 1 + i;
        ck_assert_msg(c.from[i] == want && (i >= 3 || c.v[i] == want_v),
                      "%s: call %d returned %s (v = %d), expected %s%s. A closed channel is no "
                      "value: set that field to NULL and take from the other; BOTH_CLOSED only "
                      "when both are closed, and from then on at every call",
                      setup, i + 1, from_name(c.from[i]), c.v[i], from_name(want),
                      i >= 3        ? ""
                      : high_closed ? " with the next of low's values"
                                    : " with the next of high's values");
    }
    ck_assert_msg(c.p.high == NULL && c.p.low == NULL,
                  "%s: after BOTH_CLOSED, p->high and p->low must both be NULL", setup);
    chan_free(high);
    chan_free(low);
}

static void prio_closed(void *arg)
{
    (void)arg;
    prio_closed_one(true);
    prio_closed_one(false);
}

START_TEST(test_prio_recv_skips_a_closed_channel_and_reports_both_closed)
{
    run_test(prio_closed,
             "One channel is closed here: does prio_recv keep finding it ready (closed) and go "
             "round again without setting it to NULL?");
}
END_TEST

/* ---- Task 4: rr_merge -------------------------------------------------------- */

/* Inputs holding 5, 2 and 4 values, closed: every input is ready on every
 * turn until it is empty, so the order is fixed: 0 1 2 0 1 2 0 2 0 2 0. */
static void rr_turns(void *arg)
{
    (void)arg;
    static merge_call_t m = {.n = 3};
    const int sizes[3] = {5, 2, 4};
    for (int i = 0; i < 3; i++) {
        m.ins[i] = filled(100 * i + 1, sizes[i], true);
        values_of(&m, i, 100 * i + 1, sizes[i]);
    }
    start_merge(&m, rr_merge, "rr_merge");
    merged_t r;
    const char *setup = "inputs 0, 1, 2 held 5, 2 and 4 values, and were closed";
    read_merged(&m, 11, 0, &r, setup);
    end_merge(&m);
    const int want[11] = {0, 1, 2, 0, 1, 2, 0, 2, 0, 2, 0};
    char seq[64] = "", exp[64] = "";
    for (int i = 0; i < 11; i++) {
        char one[8];
        snprintf(one, sizeof one, "%s%d", i ? " " : "", r.got[i].src);
        strcat(seq, one);
        snprintf(one, sizeof one, "%s%d", i ? " " : "", want[i]);
        strcat(exp, one);
    }
    for (int i = 0; i < 11; i++)
        ck_assert_msg(r.got[i].src == want[i],
                      "%s: the values came from inputs %s; expected %s. Value %d came from input "
                      "%d, but input %d had a value ready and its turn came first: start at "
                      "input 0, take from the first input at or after next that has a value, "
                      "and set next to the one after it (skipping empty and closed inputs)",
                      setup, seq, exp, i + 1, r.got[i].src, want[i]);
    for (int i = 0; i < 3; i++)
        expect_input_in_order(&r, "rr_merge", i, 100 * i + 1, sizes[i]);
    free_inputs(&m);
}

START_TEST(test_rr_merge_takes_the_ready_inputs_in_turn)
{
    run_test(rr_turns, NULL);
}
END_TEST

/* Inputs 0, 1, 2 hold 30 values each (always ready); input 3 gets a value at
 * 3.5 s, 9.5 s, 14.5 s and 21.5 s. The reader takes a value a second. Each
 * of input 3's values must go out within 4 values: the one already on its
 * way to the reader, and at most n - 1 = 3 others. */
static void rr_late(void *arg)
{
    (void)arg;
    static merge_call_t m = {.n = 4};
    static producer_t late = {
        .first = 1001,
        .n = 4,
        .at = {3500 * MILLISECOND, 9500 * MILLISECOND, 14500 * MILLISECOND, 21500 * MILLISECOND},
        .close_at = 22500 * MILLISECOND};
    for (int i = 0; i < 3; i++) {
        m.ins[i] = filled(100 * i + 1, 30, true);
        values_of(&m, i, 100 * i + 1, 30);
    }
    m.ins[3] = late.ch = chan_make(sizeof(int), 0);
    values_of(&m, 3, 1001, 4);
    wg_t wg = {0};
    start_producers(&late, 1, &wg);
    start_merge(&m, rr_merge, "rr_merge");
    merged_t r;
    read_merged(&m, 94, SECOND, &r,
                "inputs 0, 1 and 2 held 30 values each, input 3 got 4 values late; the reader "
                "took one value a second");
    end_merge(&m);
    wg_wait(&wg);
    for (int i = 0; i < r.n; i++) {
        if (r.got[i].src != 3) continue;
        go_duration_t sent = late.at[r.got[i].v - 1001];
        int ahead = 0; /* values the reader got after it was sent, before it */
        for (int j = 0; j < i; j++)
            if (r.at[j] > sent) ahead++;
        ck_assert_msg(ahead <= 4,
                      "inputs 0, 1, 2 always had values; input 3 got value %d at %g s, and %d "
                      "values of other inputs went out after that, before it (the reader takes "
                      "one a second). Round-robin serves it within n = 4: the value already on "
                      "its way, then at most one of each other input. Take from the first input "
                      "at or after next that has a value ready, and set next to the one after "
                      "the input you took from",
                      r.got[i].v, SECS(sent), ahead);
    }
    for (int i = 0; i < 3; i++)
        expect_input_in_order(&r, "rr_merge", i, 100 * i + 1, 30);
    expect_input_in_order(&r, "rr_merge", 3, 1001, 4);
    free_inputs(&m);
}

START_TEST(test_rr_merge_serves_a_late_input_within_one_round_despite_a_flood)
{
    run_test(rr_late, NULL);
}
END_TEST

/* Nothing ready: values at their instants, an input closed from the start,
 * the last close at 6 s. And n == 0. */
static void rr_blocking(void *arg)
{
    (void)arg;
    merge_call_t none = {.n = 0};
    start_merge(&none, rr_merge, "rr_merge");
    merged_t r;
    read_merged(&none, 0, 0, &r, "rr_merge(ins, 0, out): no inputs at all");
    end_merge(&none);

    static merge_call_t m = {.n = 4};
    static producer_t ps[3] = {
        {.first = 1, .n = 1, .at = {2 * SECOND}, .close_at = 2500 * MILLISECOND},
        {.first = 101, .n = 1, .at = {3 * SECOND}, .close_at = 5 * SECOND},
        {.first = 201, .n = 2, .at = {1 * SECOND, 4 * SECOND}, .close_at = 6 * SECOND},
    };
    for (int i = 0; i < 3; i++) {
        m.ins[i] = ps[i].ch = chan_make(sizeof(int), 0);
        values_of(&m, i, ps[i].first, ps[i].n);
    }
    m.ins[3] = chan_make(sizeof(int), 0);
    chan_close(m.ins[3]);
    wg_t wg = {0};
    start_producers(ps, 3, &wg);
    start_merge(&m, rr_merge, "rr_merge");
    const char *setup = "input 3 was closed from the start; inputs 2, 0, 1, 2 sent a value at 1, "
                        "2, 3 and 4 s; the last input was closed at 6 s";
    read_merged(&m, 4, 0, &r, setup);
    end_merge(&m);
    wg_wait(&wg);
    const int want_src[4] = {2, 0, 1, 2};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(r.got[i].src == want_src[i] && r.at[i] == (i + 1) * SECOND,
                      "%s: value %d came from input %d at %g s, expected from input %d at %d s. "
                      "With nothing ready, block in one chan_select over every open input",
                      setup, i + 1, r.got[i].src, SECS(r.at[i]), want_src[i], i + 1);
    ck_assert_msg(r.closed_at == 6 * SECOND, "%s: rr_merge closed out at %g s, expected at 6 s",
                  setup, SECS(r.closed_at));
    free_inputs(&m);
}

START_TEST(test_rr_merge_waits_for_whichever_comes_first_and_closes_after_the_last)
{
    run_test(rr_blocking,
             "Values come a second apart and one input is closed from the start: does rr_merge "
             "poll its inputs in a loop while none is ready, or keep trying a closed one? It "
             "must block in one chan_select over the open inputs.");
}
END_TEST

/* Two buffered inputs, nothing ready at first. Input 0 sends at 1 s and at
 * 1.5 s: each is taken by the blocking select. Then input 1 at 1.6 s and
 * input 0 at 1.7 s, while the reader (a value a second) is away: when it
 * comes back at 2 s both wait, and the turn is input 1's. */
static void rr_turn_after_block(void *arg)
{
    (void)arg;
    static merge_call_t m = {.n = 2};
    static producer_t ps[2] = {
        {.first = 1,
         .n = 3,
         .at = {SECOND, 1500 * MILLISECOND, 1700 * MILLISECOND},
         .close_at = 3 * SECOND},
        {.first = 101, .n = 1, .at = {1600 * MILLISECOND}, .close_at = 3 * SECOND},
    };
    for (int i = 0; i < 2; i++) {
        m.ins[i] = ps[i].ch = chan_make(sizeof(int), 4);
        values_of(&m, i, ps[i].first, ps[i].n);
    }
    wg_t wg = {0};
    start_producers(ps, 2, &wg);
    start_merge(&m, rr_merge, "rr_merge");
    const char *setup = "two inputs, nothing ready at first; input 0 sent at 1 s and 1.5 s (each "
                        "taken by the blocking select), then input 1 at 1.6 s and input 0 at "
                        "1.7 s, while the reader (a value a second) was away";
    merged_t r;
    read_merged(&m, 4, SECOND, &r, setup);
    end_merge(&m);
    wg_wait(&wg);
    ck_assert_msg(r.got[1].src == 0,
                  "%s: the values came from inputs %d %d %d %d, expected 0 0 1 0. At 1.5 s input "
                  "0's value was the only one ready (input 1 sent at 1.6 s): with nothing ready, "
                  "block on every open input at once and take whichever comes first; don't wait "
                  "for the input whose turn it is",
                  setup, r.got[0].src, r.got[1].src, r.got[2].src, r.got[3].src);
    ck_assert_msg(r.got[2].src == 1,
                  "%s: the values came from inputs %d %d %d %d, expected 0 0 1 0. The last value "
                  "taken came from input 0, so when both had one ready, it was input 1's turn: "
                  "set next past the input you took from after the blocking select too, not "
                  "only after a non-blocking look",
                  setup, r.got[0].src, r.got[1].src, r.got[2].src, r.got[3].src);
    free_inputs(&m);
}

START_TEST(test_rr_merge_moves_the_turn_past_a_value_taken_while_blocked)
{
    run_test(rr_turn_after_block, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("fairness");
    kata_add_test(s, test_fan_in_forwards_every_value_tagged_with_its_input);
    kata_add_test(s, test_fan_in_forwards_each_value_at_the_instant_it_arrives);
    kata_add_test(s, test_fan_in_drops_closed_inputs_instead_of_spinning);
    kata_add_test(s, test_fan_in_handles_any_number_of_inputs);
    kata_add_test(s, test_fan_in_shares_fairly_among_busy_inputs_from_one_goroutine);
    kata_add_test(s, test_run_worker_handles_every_job_until_jobs_is_closed);
    kata_add_test(s, test_run_worker_blocks_while_idle_and_returns_at_once_when_quit_is_closed);
    kata_add_test(s, test_run_worker_starts_no_job_once_quit_is_closed_even_under_a_flood);
    kata_add_test(s, test_prio_recv_takes_low_after_max_burst_highs_in_a_row);
    kata_add_test(s, test_prio_recv_lets_low_through_a_steady_flood_of_high);
    kata_add_test(s, test_prio_recv_takes_high_while_low_has_nothing);
    kata_add_test(s, test_prio_recv_waits_for_whichever_comes_first);
    kata_add_test(s, test_prio_recv_skips_a_closed_channel_and_reports_both_closed);
    kata_add_test(s, test_rr_merge_takes_the_ready_inputs_in_turn);
    kata_add_test(s, test_rr_merge_serves_a_late_input_within_one_round_despite_a_flood);
    kata_add_test(s, test_rr_merge_waits_for_whichever_comes_first_and_closes_after_the_last);
    kata_add_test(s, test_rr_merge_moves_the_turn_past_a_value_taken_while_blocked);
    return s;
}
