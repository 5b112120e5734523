/*
 * Kata 09 · Pipelines: the tests that grade pipeline.c.
 *
 * Almost every test runs in virtual time (go_synctest): the test's f takes
 * whole seconds that pass instantly, the test's feeders send at exact
 * instants, and a test asserts when each value arrived. That is how a test
 * tells "each value as soon as it arrives" from "one input after the other",
 * and "the workers keep going" from "the workers wait for the slow one".
 *
 * Every wait of a test is bounded by an hour of virtual time (no real time
 * at all): a stage that never closes its output, or never stops when the
 * pipeline is cancelled, fails with the dump of where its goroutines are
 * stuck instead of hanging.
 *
 * The test's own goroutines (the feeders that play the stage upstream) are
 * started with pipeline_go too, and follow the same rules as yours: they
 * send with a select on ctx_done, and close their channel on every way out.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "pipeline.h"

/* ---- helpers: messages ----------------------------------------------------- */

/* ---- helpers: the test's f ---------------------------------------------------- */

enum { MAX_V = 256 };

static atomic64_t calls;             /* how many times f has been called */
static long caller_of[MAX_V];        /* go_id() of the goroutine that called f(x) */
static go_duration_t work_of[MAX_V]; /* how long f(x) takes, in virtual time */

/* The f of every test: f(x) = 10x + 1. It records who called it, and takes
 * work_of[x]. A stage sends f(x) after f returns, so a test that has received
 * f(x) may read caller_of[x]. */
static int f(int x)
{
    atomic64_add(&calls, 1);
    if (x >= 0 && x < MAX_V) {
        caller_of[x] = go_id();
        if (work_of[x]) go_sleep(work_of[x]);
    }
    return 10 * x + 1;
}

static int f_of(int x)
{
    return 10 * x + 1;
}

/* Which x gave result r = f(x), for messages. */
static int x_of(int r)
{
    return (r - 1) / 10;
}

/* ---- helpers: feeders (the test's stage upstream) ----------------------------- */

typedef struct {
    pipeline_t *p;
    chan_t *out;
    const int *vals;         /* the values, or NULL for 0, 1, 2, ... until cancelled */
    int n;                   /* how many values */
    const go_duration_t *at; /* if not NULL: send vals[i] at start + at[i] */
    go_duration_t close_at;  /* with at: close at start + close_at */
    go_time_t start;
} feeder_t;

static bool feed_one(feeder_t *fd, int v)
{
    select_case_t cs[] = {select_send(fd->out, &v), select_recv(ctx_done(fd->p->ctx), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

static void sleep_until(go_time_t t)
{
    go_duration_t d = t - time_now();
    if (d > 0) go_sleep(d);
}

static void feeder(void *arg)
{
    feeder_t *fd = arg;
    if (!fd->vals) {
        for (int v = 0;; v++)
            if (!feed_one(fd, v)) break;
    } else {
        for (int i = 0; i < fd->n; i++) {
            if (fd->at) sleep_until(fd->start + fd->at[i]);
            if (!feed_one(fd, fd->vals[i])) goto out;
        }
        if (fd->at) sleep_until(fd->start + fd->close_at);
    }
out:
    chan_close(fd->out);
}

/* Starts fd as a goroutine of fd->p; returns the channel it sends on. */
static chan_t *feed(pipeline_t *p, feeder_t *fd)
{
    fd->p = p;
    fd->out = pipeline_chan(p, sizeof(int), 0);
    fd->start = time_now();
    pipeline_go(p, feeder, fd);
    return fd->out;
}

/* ---- helpers: reading a stage's output ----------------------------------------- */

/* What closes each stage's output, for a message about one that isn't. */
static const char *who_closes(const char *stage)
{
    if (strncmp(stage, "gen", 3) == 0)
        return "gen's goroutine closes its output after its last value (at once for no values)";
    if (strncmp(stage, "apply", 5) == 0)
        return "apply's goroutine closes its output once its input is closed";
    if (strncmp(stage, "merge", 5) == 0)
        return "merge's closer goroutine closes its output once every forwarder is done "
               "(wg_wait): with no inputs, at once";
    return "the output is closed once every worker is done (wg_wait), and the input closed";
}

/* Receives one value from a stage's output, waiting at most an hour of
 * virtual time. Returns false when the output is closed. */
static bool recv_from(chan_t *out, int *v, go_leak_mark_t mark, const char *stage, int received)
{
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(out, v), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1)
        gk_fail_with_dump(mark,
                          "%s: after %d value%s, its output has neither sent another value nor "
                          "been closed for an hour. Its reader waits for the close: %s. Is a "
                          "goroutine waiting for something that never comes?",
                          stage, received, received == 1 ? "" : "s", who_closes(stage));
    return cs[0].ok;
}

/* Receives every value of out until it is closed: at most max of them into
 * got[], with the virtual time each arrived (since start) in at[] if not
 * NULL, and when the close came in *closed_at if not NULL. Returns how many. */
static int collect(chan_t *out, int *got, go_duration_t *at, int max, go_time_t start,
                   go_duration_t *closed_at, go_leak_mark_t mark, const char *stage)
{
    int n = 0, v;
    while (recv_from(out, &v, mark, stage, n)) {
        ck_assert_msg(n < max, "%s sent more than the %d values expected, then %d (= f(%d))", stage,
                      max, v, x_of(v));
        if (at) at[n] = time_since(start);
        got[n++] = v;
    }
    if (closed_at) *closed_at = time_since(start);
    return n;
}

static void check_output(chan_t *out, const char *stage)
{
    ck_assert_msg(out != NULL, "%s returned NULL: it must return its output channel", stage);
    ck_assert_msg(chan_cap(out) == 0,
                  "%s's output has a buffer of %zu: in this kata every stage's output is "
                  "unbuffered (pipeline_chan(p, sizeof(int), 0)), so that a stage runs only as "
                  "fast as its reader reads, and stops where its reader stops",
                  stage, chan_cap(out));
}

/* ---- helpers: stopping ---------------------------------------------------------- */

/* Every goroutine a stage starts must be started with pipeline_go:
 * pipeline_stop can wait only for those. */
static void check_counted(pipeline_t *p, go_leak_mark_t mark, const char *stage)
{
    long started = gk_started_since(mark);
    long counted = (long)atomic64_load(&p->started);
    ck_assert_msg(started <= counted,
                  "%s started %ld goroutine%s with go() instead of pipeline_go(): pipeline_stop "
                  "cannot wait for %s, and frees the channels while %s may still use them. "
                  "Start every goroutine of a stage with pipeline_go",
                  stage, started - counted, started - counted == 1 ? "" : "s",
                  started - counted == 1 ? "it" : "them", started - counted == 1 ? "it" : "they");
}

typedef struct {
    pipeline_t *p;
    chan_t *stopped;
} waiter_t;

static void wait_for_pipeline(void *arg)
{
    waiter_t *w = arg;
    wg_wait(&w->p->running);
    chan_close(w->stopped);
}

/* Cancels p and waits, at most an hour of virtual time, until every
 * goroutine of the pipeline has returned; fails with why and the dump of
 * the stuck goroutines if they don't. Frees nothing: pipeline_stop after. */
static void cancel_and_wait(pipeline_t *p, go_leak_mark_t mark, const char *why)
{
    pipeline_cancel(p);
    waiter_t w = {.p = p, .stopped = chan_make(0, 0)};
    go(wait_for_pipeline, &w);
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(w.stopped, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1) gk_fail_with_dump(mark, "%s", why);
    chan_free(w.stopped);
}

/* After cancel_and_wait: the stage's output must have been closed on the
 * stage's way out. */
static void check_closed(chan_t *out, const char *stage)
{
    int v;
    bool ok = true;
    bool ready = chan_try_recv(out, &v, &ok);
    ck_assert_msg(ready && !ok,
                  ready ? "%s returned, cancelled, with a value still in its output: its output "
                          "must be unbuffered"
                        : "%s returned, cancelled, without closing its output: close it on "
                          "every way out (Go: defer close(out)), or the stage reading it waits "
                          "forever",
                  stage);
}

/* The end of a test that read a stage's output to its close: every
 * goroutine must be done, or about to be. */
static void finish(pipeline_t *p, go_leak_mark_t mark, const char *stage)
{
    check_counted(p, mark, stage);
    char why[512];
    snprintf(why, sizeof why,
             "%s: its output was closed, but an hour later its goroutines have still not all "
             "returned: each one must return once it has nothing more to send",
             stage);
    cancel_and_wait(p, mark, why);
    pipeline_stop(p);
}

/* The end of a test that stopped reading a stage's output early: cancel,
 * and every goroutine must return, having closed its output. */
static void stop_early(pipeline_t *p, chan_t *out, go_leak_mark_t mark, const char *stage, int read)
{
    check_counted(p, mark, stage);
    char why[1024];
    snprintf(why, sizeof why,
             "%s: the reader took %d value%s and stopped reading, then cancelled the pipeline; "
             "an hour later, %s is still stuck. A plain chan_send waits forever "
             "for a reader that is gone: make every send a chan_select with a second case, "
             "select_recv(ctx_done(p->ctx), NULL), and return when that one is chosen",
             stage, read, read == 1 ? "" : "s", stage);
    cancel_and_wait(p, mark, why);
    check_closed(out, stage);
    pipeline_stop(p);
}

static long test_goroutine;

/* f(x) for every x with a result must have been called by a goroutine of
 * the stage: never the caller's. Returns how many different goroutines. */
static int count_callers(const int *got, int n, const char *stage)
{
    long who[MAX_V];
    int k = 0;
    for (int i = 0; i < n; i++) {
        long c = caller_of[x_of(got[i])];
        ck_assert_msg(c != test_goroutine,
                      "%s called f(%d) in the caller's goroutine: f must run in the stage's "
                      "goroutines, started with pipeline_go",
                      stage, x_of(got[i]));
        int j = 0;
        while (j < k && who[j] != c)
            j++;
        if (j == k) who[k++] = c;
    }
    return k;
}

/* ---- Task 1: gen, apply, sum, sum_of_squares --------------------------------- */

static void gen_sends_in_order(void *unused)
{
    (void)unused;
    static const int xs[] = {5, -3, 0, 42, 7, 7, 1000, -2147483647 - 1, 2147483647, 1};
    enum { N = sizeof xs / sizeof xs[0] };
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());

    chan_t *out = gen(&p, xs, N);

    check_output(out, "gen");
    int got[N];
    int n = collect(out, got, NULL, N, time_now(), NULL, mark, "gen");
    ck_assert_msg(n == N, "gen sent %d values of %d, then closed its output: it must send them all",
                  n, N);
    for (int i = 0; i < N; i++)
        ck_assert_msg(got[i] == xs[i],
                      "gen's value %d is %d, expected xs[%d] = %d: gen sends xs in order", i,
                      got[i], i, xs[i]);
    long started = gk_started_since(mark);
    ck_assert_msg(started == 1,
                  "gen started %ld goroutines, expected 1: one goroutine sends every value",
                  started);
    finish(&p, mark, "gen");
}

START_TEST(test_gen_sends_every_value_in_order_then_closes)
{
    go_synctest(gen_sends_in_order, NULL);
}
END_TEST

static void gen_of_nothing(void *unused)
{
    (void)unused;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    go_time_t start = time_now();

    chan_t *out = gen(&p, NULL, 0);

    check_output(out, "gen");
    int got[1];
    go_duration_t closed_at;
    int n = collect(out, got, NULL, 0, start, &closed_at, mark, "gen");
    ck_assert_int_eq(n, 0);
    char b[32];
    ck_assert_msg(closed_at == 0,
                  "gen of no values closed its output after %s: it must close it at once",
                  gk_fmt_duration(closed_at, b));
    finish(&p, mark, "gen");
}

START_TEST(test_gen_of_no_values_closes_at_once)
{
    go_synctest(gen_of_nothing, NULL);
}
END_TEST

static void apply_in_order(void *unused)
{
    (void)unused;
    static const int xs[] = {3, 0, 14, 8, 1, 1, 9, 200};
    enum { N = sizeof xs / sizeof xs[0] };
    test_goroutine = go_id();
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = N};
    chan_t *in = feed(&p, &fd);

    chan_t *out = apply(&p, in, f);

    check_output(out, "apply");
    int got[N];
    int n = collect(out, got, NULL, N, time_now(), NULL, mark, "apply");
    ck_assert_msg(n == N,
                  "apply sent %d results for the %d values of its input, then closed its output", n,
                  N);
    for (int i = 0; i < N; i++)
        ck_assert_msg(got[i] == f_of(xs[i]),
                      "apply's result %d is %d, expected f(%d) = %d: it sends f of each value, in "
                      "the order received",
                      i, got[i], xs[i], f_of(xs[i]));
    count_callers(got, n, "apply");
    long started = gk_started_since(mark) - 1; /* the feeder */
    ck_assert_msg(started == 1, "apply started %ld goroutines, expected 1", started);
    finish(&p, mark, "apply");
}

START_TEST(test_apply_sends_f_of_each_value_in_order_from_its_own_goroutine)
{
    go_synctest(apply_in_order, NULL);
}
END_TEST

static void apply_with_a_slow_reader(void *unused)
{
    (void)unused;
    static int xs[20];
    for (int i = 0; i < 20; i++)
        xs[i] = i;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = 20};
    chan_t *out = apply(&p, feed(&p, &fd), f);
    check_output(out, "apply");

    int v;
    for (int i = 0; i < 3; i++)
        ck_assert_msg(recv_from(out, &v, mark, "apply", i),
                      "apply closed its output after %d of 20 values", i);
    go_synctest_wait(); /* everyone else has done all they can */
    long n = (long)atomic64_load(&calls);
    ck_assert_msg(n == 4,
                  "the reader took 3 results and stopped for a moment; by then apply had called f "
                  "%ld times, expected 4 (the 3 results read, and the one apply holds, waiting "
                  "for its reader): a stage must not run ahead of its reader",
                  n);

    int got[17];
    int rest = collect(out, got, NULL, 17, time_now(), NULL, mark, "apply");
    ck_assert_msg(rest == 17, "apply sent %d results for 20 values", rest + 3);
    finish(&p, mark, "apply");
}

START_TEST(test_apply_runs_only_one_value_ahead_of_its_reader)
{
    go_synctest(apply_with_a_slow_reader, NULL);
}
END_TEST

static void sum_all(void *unused)
{
    (void)unused;
    static const int xs[] = {2000000000, 2000000000, -5, 0, 2000000000, 7};
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = 6};
    chan_t *in = feed(&p, &fd);

    long total = sum(in);

    ck_assert_msg(total == 6000000002L,
                  "sum returned %ld, expected 6000000002 (three values of 2000000000, -5, 0 and "
                  "7)%s",
                  total, total < 6000000002L - 10 ? ": add into a long; an int overflows" : "");
    long started = gk_started_since(mark) - 1;
    ck_assert_msg(
        started == 0,
        "sum started %ld goroutines: it is the consumer, it runs in the caller's goroutine",
        started);

    feeder_t none = {.vals = xs, .n = 0};
    total = sum(feed(&p, &none));
    ck_assert_msg(total == 0, "sum of a channel closed without values returned %ld, expected 0",
                  total);
    finish(&p, mark, "sum");
}

START_TEST(test_sum_adds_every_value_until_the_channel_is_closed)
{
    go_synctest(sum_all, NULL);
}
END_TEST

START_TEST(test_sum_of_squares_chains_gen_apply_and_sum)
{
    static const int xs[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -10, 0};
    go_leak_mark_t mark = go_leak_mark();
    long total = sum_of_squares(xs, 12);
    ck_assert_msg(total == 485, "sum_of_squares(1..10, -10, 0) returned %ld, expected 485", total);
    long started = gk_started_since(mark);
    ck_assert_msg(started == 2,
                  "sum_of_squares started %ld goroutines, expected 2 (gen's and apply's): build "
                  "it from the stages, gen -> apply(square) -> sum",
                  started);
    total = sum_of_squares(NULL, 0);
    ck_assert_msg(total == 0, "sum_of_squares of no values returned %ld, expected 0", total);
}
END_TEST

/* ---- Task 2: merge, parallel_apply -------------------------------------------- */

static void merge_three(void *unused)
{
    (void)unused;
    /* Input 0: 1, 2, 3 at 1 s, 2 s, 3 s, closed at 3 s.
     * Input 1: 10 at 500 ms, 20 at 6 s, closed at 7 s.
     * Input 2: closed at once. */
    static const int v0[] = {1, 2, 3}, v1[] = {10, 20};
    static const go_duration_t at0[] = {1 * SECOND, 2 * SECOND, 3 * SECOND},
                               at1[] = {500 * MILLISECOND, 6 * SECOND};
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd[3] = {
        {.vals = v0, .n = 3, .at = at0, .close_at = 3 * SECOND},
        {.vals = v1, .n = 2, .at = at1, .close_at = 7 * SECOND},
        {.vals = v0, .n = 0, .at = at0, .close_at = 0},
    };
    go_time_t start = time_now();
    chan_t *ins[3];
    for (int i = 0; i < 3; i++)
        ins[i] = feed(&p, &fd[i]);

    chan_t *out = merge(&p, ins, 3);
    ins[0] = ins[1] = ins[2] = NULL; /* merge may not read the array after returning */

    check_output(out, "merge");
    int got[5];
    go_duration_t at[5], closed_at;
    int n = collect(out, got, at, 5, start, &closed_at, mark, "merge");
    static const int want[] = {10, 1, 2, 3, 20};
    static const int from[] = {1, 0, 0, 0, 1};
    static const go_duration_t want_at[] = {500 * MILLISECOND, 1 * SECOND, 2 * SECOND, 3 * SECOND,
                                            6 * SECOND};
    char b[32], c[32];
    ck_assert_msg(closed_at == 7 * SECOND,
                  "merge closed its output at %s, after %d of the 5 values; expected at 7 s, "
                  "when its last input was closed. Only the goroutine that waits for every "
                  "forwarder (wg_wait) may close it: a forwarder can't know it is the last",
                  gk_fmt_duration(closed_at, b), n);
    for (int i = 0; i < n && i < 5; i++) {
        int j = 0;
        while (j < 5 && want[j] != got[i])
            j++;
        ck_assert_msg(j < 5, "merge sent %d, which no input sent", got[i]);
        ck_assert_msg(at[i] == want_at[j],
                      "merge sent %d (input %d sent it at %s) at %s: it must forward each value "
                      "as soon as it arrives, with one goroutine per input, so that no input "
                      "waits for another",
                      got[i], from[j], gk_fmt_duration(want_at[j], b), gk_fmt_duration(at[i], c));
    }
    ck_assert_msg(n == 5,
                  "merge sent %d values, expected 5 (3 from input 0, 2 from input 1, none "
                  "from input 2)",
                  n);
    finish(&p, mark, "merge");
}

START_TEST(test_merge_forwards_each_value_as_it_arrives_and_closes_after_the_last_input)
{
    go_synctest(merge_three, NULL);
}
END_TEST

static void merge_nothing(void *unused)
{
    (void)unused;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    go_time_t start = time_now();

    chan_t *out = merge(&p, NULL, 0);

    check_output(out, "merge");
    int got[1];
    go_duration_t closed_at;
    collect(out, got, NULL, 0, start, &closed_at, mark, "merge of no inputs");
    char b[32];
    ck_assert_msg(closed_at == 0, "merge of no inputs closed its output after %s, expected at once",
                  gk_fmt_duration(closed_at, b));
    finish(&p, mark, "merge");
}

START_TEST(test_merge_of_no_inputs_closes_at_once)
{
    go_synctest(merge_nothing, NULL);
}
END_TEST

static void parallel_12_by_4(void *unused)
{
    (void)unused;
    enum { N = 12, W = 4 };
    static int xs[N];
    for (int i = 0; i < N; i++) {
        xs[i] = i;
        work_of[i] = SECOND;
    }
    test_goroutine = go_id();
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = N};
    go_time_t start = time_now();

    chan_t *out = parallel_apply(&p, feed(&p, &fd), W, f);

    check_output(out, "parallel_apply");
    int got[N];
    go_duration_t took;
    int n = collect(out, got, NULL, N, start, &took, mark, "parallel_apply");
    bool seen[N] = {false};
    for (int i = 0; i < n; i++) {
        int x = x_of(got[i]);
        ck_assert_msg(x >= 0 && x < N && got[i] == f_of(x) && !seen[x],
                      "parallel_apply sent %d, which is not f of a value not yet handled", got[i]);
        seen[x] = true;
    }
    ck_assert_msg(n == N, "parallel_apply sent %d results for %d values, then closed its output%s",
                  n, N,
                  n < N ? ": it may close it only once every worker has sent its last result (a "
                          "WaitGroup over the workers)"
                        : "");
    char b[32];
    ck_assert_msg(took == 3 * SECOND,
                  "parallel_apply took %s for 12 values with 4 workers and f taking 1 s, expected "
                  "3 s: do 4 workers read the same input and call f at the same time?",
                  gk_fmt_duration(took, b));
    int workers = count_callers(got, n, "parallel_apply");
    ck_assert_msg(workers == W,
                  "f was called from %d different goroutines, expected %d (the workers)", workers,
                  W);
    finish(&p, mark, "parallel_apply");
}

START_TEST(test_parallel_apply_shares_the_values_among_that_many_workers_at_once)
{
    go_synctest(parallel_12_by_4, NULL);
}
END_TEST

/* Not in virtual time: real goroutines racing for the values. */
START_TEST(test_parallel_apply_handles_each_value_exactly_once)
{
    enum { N = 200, W = 5 };
    static int xs[N];
    for (int i = 0; i < N; i++)
        xs[i] = i;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = N};

    chan_t *out = parallel_apply(&p, feed(&p, &fd), W, f);

    check_output(out, "parallel_apply");
    static int got[N];
    int n = collect(out, got, NULL, N, time_now(), NULL, mark, "parallel_apply");
    int times[N] = {0};
    for (int i = 0; i < n; i++) {
        int x = x_of(got[i]);
        ck_assert_msg(x >= 0 && x < N && got[i] == f_of(x),
                      "parallel_apply sent %d, which is not f of any value", got[i]);
        times[x]++;
    }
    for (int x = 0; x < N; x++)
        ck_assert_msg(times[x] == 1,
                      "f(%d) came out %d times, of 200 values over 5 workers: each value must be "
                      "handled by exactly one worker%s",
                      x, times[x],
                      times[x] == 0 ? " (was one lost, or the output closed early?)" : "");
    ck_assert_msg(atomic64_load(&calls) == N, "f was called %lld times for %d values",
                  (long long)atomic64_load(&calls), N);
    finish(&p, mark, "parallel_apply");
}
END_TEST

/* ---- Task 3: ordered_apply ----------------------------------------------------- */

static void ordered_40(void *unused)
{
    (void)unused;
    enum { N = 40, W = 4 };
    static int xs[N];
    for (int i = 0; i < N; i++) {
        xs[i] = i;
        work_of[i] = (go_duration_t)((i * 7) % 5 + 1) * SECOND; /* 1 to 5 s, in a jumble */
    }
    test_goroutine = go_id();
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = N};

    chan_t *out = ordered_apply(&p, feed(&p, &fd), W, f);

    check_output(out, "ordered_apply");
    int got[N];
    int n = collect(out, got, NULL, N, time_now(), NULL, mark, "ordered_apply");
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == f_of(xs[i]),
                      "ordered_apply's result %d is %d = f(%d), expected f(%d) = %d: the results "
                      "must come out in the order of the input, although the workers finish out "
                      "of order",
                      i, got[i], x_of(got[i]), xs[i], f_of(xs[i]));
    ck_assert_msg(n == N, "ordered_apply sent %d results for %d values, then closed its output%s",
                  n, N, n < N ? ": it may close it only once every result has been sent" : "");
    int workers = count_callers(got, n, "ordered_apply");
    ck_assert_msg(workers == W,
                  "f was called from %d different goroutines, expected %d (the workers)", workers,
                  W);
    finish(&p, mark, "ordered_apply");
}

START_TEST(test_ordered_apply_sends_the_results_in_input_order)
{
    go_synctest(ordered_40, NULL);
}
END_TEST

typedef struct {
    const char *shape;       /* for messages */
    int n;                   /* values 0..n-1 */
    const int *secs;         /* f(i) takes secs[i] seconds */
    go_duration_t want_took; /* with 4 workers that never wait for the order */
} busy_case_t;

static void ordered_keeps_busy(void *arg)
{
    const busy_case_t *c = arg;
    enum { W = 4 };
    static int xs[MAX_V];
    for (int i = 0; i < c->n; i++) {
        xs[i] = i;
        work_of[i] = (go_duration_t)c->secs[i] * SECOND;
    }
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = xs, .n = c->n};
    go_time_t start = time_now();

    chan_t *out = ordered_apply(&p, feed(&p, &fd), W, f);

    check_output(out, "ordered_apply");
    static int got[MAX_V];
    go_duration_t took;
    int n = collect(out, got, NULL, c->n, start, &took, mark, "ordered_apply");
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == f_of(i), "ordered_apply's result %d is f(%d), expected f(%d)", i,
                      x_of(got[i]), i);
    ck_assert_msg(n == c->n,
                  "ordered_apply sent %d results for %d values, then closed its output%s", n, c->n,
                  n < c->n ? ": it may close it only once every result has been sent" : "");
    char b[32], d[32];
    ck_assert_msg(took == c->want_took,
                  "ordered_apply took %s with 4 workers for %s, expected %s: %s",
                  gk_fmt_duration(took, b), c->shape, gk_fmt_duration(c->want_took, d),
                  took > c->want_took
                      ? "while a slow value was still being worked on, the other workers must go "
                        "on with the values after it. A result that is ready early waits in the "
                        "reorder buffer; neither the worker that made it nor the reading of new "
                        "values may wait for its turn"
                      : "do the results wait for their turn?");
    finish(&p, mark, "ordered_apply");
}

START_TEST(test_ordered_apply_keeps_every_worker_busy_while_a_slow_value_holds_up_the_output)
{
    static const int slow_first[13] = {10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const int waves[8] = {4, 3, 2, 1, 4, 3, 2, 1};
    busy_case_t a = {.shape = "13 values, the first taking 10 s and the 12 others 1 s",
                     .n = 13,
                     .secs = slow_first,
                     .want_took = 10 * SECOND};
    go_synctest(ordered_keeps_busy, &a);
    busy_case_t b = {.shape = "8 values taking 4, 3, 2, 1, 4, 3, 2 and 1 s",
                     .n = 8,
                     .secs = waves,
                     .want_took = 5 * SECOND};
    go_synctest(ordered_keeps_busy, &b);
}
END_TEST

static void ordered_nothing(void *unused)
{
    (void)unused;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    static const int none[1];
    feeder_t fd = {.vals = none, .n = 0}; /* closes at once */
    go_time_t start = time_now();

    chan_t *out = ordered_apply(&p, feed(&p, &fd), 3, f);

    check_output(out, "ordered_apply");
    int got[1];
    go_duration_t closed_at;
    collect(out, got, NULL, 0, start, &closed_at, mark, "ordered_apply of an empty input");
    char b[32];
    ck_assert_msg(closed_at == 0,
                  "ordered_apply of an empty input closed its output after %s, expected at once",
                  gk_fmt_duration(closed_at, b));
    finish(&p, mark, "ordered_apply");
}

START_TEST(test_ordered_apply_of_an_empty_input_closes_at_once)
{
    go_synctest(ordered_nothing, NULL);
}
END_TEST

/* ---- Task 4: stopping early ------------------------------------------------------ */

static void gen_cancelled(void *unused)
{
    (void)unused;
    enum { N = 100 };
    static int xs[N];
    for (int i = 0; i < N; i++)
        xs[i] = i;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());

    chan_t *out = gen(&p, xs, N);

    check_output(out, "gen");
    int v;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(recv_from(out, &v, mark, "gen", i),
                      "gen closed its output after %d of %d values", i, N);
        ck_assert_msg(v == i, "gen's value %d is %d, expected %d", i, v, i);
    }
    go_synctest_wait(); /* gen is waiting to send xs[3]: nobody will take it */
    stop_early(&p, out, mark, "gen", 3);
}

START_TEST(test_gen_stops_when_the_pipeline_is_cancelled)
{
    go_synctest(gen_cancelled, NULL);
}
END_TEST

static void apply_cancelled(void *unused)
{
    (void)unused;
    for (int i = 0; i < MAX_V; i++)
        work_of[i] = SECOND;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = NULL}; /* 0, 1, 2, ... until cancelled */

    chan_t *out = apply(&p, feed(&p, &fd), f);

    check_output(out, "apply");
    int v;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(recv_from(out, &v, mark, "apply", i),
                      "apply closed its output after %d values", i);
        ck_assert_msg(v == f_of(i), "apply's result %d is %d, expected f(%d) = %d", i, v, i,
                      f_of(i));
    }
    go_synctest_wait(); /* apply is inside f(3), which nobody will read */
    stop_early(&p, out, mark, "apply", 3);
    long n = (long)atomic64_load(&calls);
    ck_assert_msg(n == 4,
                  "apply called f %ld times; expected 4: the 3 results read and the one in "
                  "progress when the pipeline was cancelled",
                  n);
}

START_TEST(test_apply_stops_when_cancelled_although_nobody_reads_its_output)
{
    go_synctest(apply_cancelled, NULL);
}
END_TEST

static void apply_after_cancel(void *unused)
{
    (void)unused;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    /* The test is the stage upstream here, with a buffer of one value, so
     * that it can hand apply a value after the cancel without waiting. */
    chan_t *in = pipeline_chan(&p, sizeof(int), 1);

    chan_t *out = apply(&p, in, f);

    check_output(out, "apply");
    int v = 1, r;
    chan_send(in, &v);
    ck_assert_msg(recv_from(out, &r, mark, "apply", 0), "apply closed its output before its input");
    ck_assert_msg(r == f_of(1), "apply's result is %d, expected f(1) = %d", r, f_of(1));
    go_synctest_wait(); /* apply is waiting for its next value */
    pipeline_cancel(&p);
    v = 2;
    chan_send(in, &v); /* a value that arrives after the cancel */
    chan_close(in);
    stop_early(&p, out, mark, "apply", 1);
    long n = (long)atomic64_load(&calls);
    ck_assert_msg(n == 1,
                  "apply called f on a value it received after the pipeline was cancelled: check "
                  "the context (ctx_err(p->ctx) != NULL) before starting work on each value. Once "
                  "cancelled, a stage starts nothing new: nobody wants the result");
}

START_TEST(test_apply_starts_no_new_work_once_cancelled)
{
    go_synctest(apply_after_cancel, NULL);
}
END_TEST

static void merge_cancelled(void *unused)
{
    (void)unused;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd[3] = {{.vals = NULL}, {.vals = NULL}, {.vals = NULL}};
    chan_t *ins[3];
    for (int i = 0; i < 3; i++)
        ins[i] = feed(&p, &fd[i]);

    chan_t *out = merge(&p, ins, 3);

    check_output(out, "merge");
    int v;
    for (int i = 0; i < 5; i++)
        ck_assert_msg(recv_from(out, &v, mark, "merge", i),
                      "merge closed its output after %d values", i);
    go_synctest_wait(); /* every forwarder is waiting to send: nobody reads */
    stop_early(&p, out, mark, "merge", 5);
}

START_TEST(test_merge_stops_when_cancelled_although_nobody_reads_its_output)
{
    go_synctest(merge_cancelled, NULL);
}
END_TEST

static void parallel_cancelled(void *unused)
{
    (void)unused;
    for (int i = 0; i < MAX_V; i++)
        work_of[i] = (go_duration_t)(i % 3 + 1) * SECOND;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = NULL};

    chan_t *out = parallel_apply(&p, feed(&p, &fd), 3, f);

    check_output(out, "parallel_apply");
    int v;
    for (int i = 0; i < 4; i++)
        ck_assert_msg(recv_from(out, &v, mark, "parallel_apply", i),
                      "parallel_apply closed its output after %d values", i);
    go_synctest_wait();
    stop_early(&p, out, mark, "parallel_apply", 4);
}

START_TEST(test_parallel_apply_stops_when_cancelled_although_nobody_reads_its_output)
{
    go_synctest(parallel_cancelled, NULL);
}
END_TEST

static void ordered_cancelled(void *unused)
{
    (void)unused;
    for (int i = 0; i < MAX_V; i++)
        work_of[i] = (go_duration_t)((i * 7) % 5 + 1) * SECOND;
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    feeder_t fd = {.vals = NULL};

    chan_t *out = ordered_apply(&p, feed(&p, &fd), 4, f);

    check_output(out, "ordered_apply");
    int v;
    for (int i = 0; i < 6; i++) {
        ck_assert_msg(recv_from(out, &v, mark, "ordered_apply", i),
                      "ordered_apply closed its output after %d values", i);
        ck_assert_msg(v == f_of(i), "ordered_apply's result %d is f(%d), expected f(%d)", i,
                      x_of(v), i);
    }
    go_synctest_wait();
    stop_early(&p, out, mark, "ordered_apply", 6);
}

START_TEST(test_ordered_apply_stops_when_cancelled_although_nobody_reads_its_output)
{
    go_synctest(ordered_cancelled, NULL);
}
END_TEST

typedef struct {
    const int *xs;
    int n, workers, k;
    int out[MAX_V];
    int got;
    chan_t *returned; /* closed once first_k has returned */
} first_k_call_t;

static void call_first_k(void *arg)
{
    first_k_call_t *c = arg;
    c->got = first_k(c->xs, c->n, f, c->workers, c->k, c->out);
    chan_close(c->returned);
}

/* In a bubble: calls first_k in a goroutine, gives it an hour of virtual
 * time to return, then checks that nothing it started is still alive.
 * Returns how long it took. */
static go_duration_t first_k_within_an_hour(first_k_call_t *c)
{
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    c->returned = chan_make(0, 0);
    go(call_first_k, c);
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(c->returned, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    go_duration_t took = time_since(start);
    if (which == 1)
        gk_fail_with_dump(mark,
                          "first_k(k = %d of %d values) has not returned an hour later. Its "
                          "pipeline_stop waits for every stage to return, and some stage does not "
                          "return when the pipeline is cancelled: a send that is not a chan_select "
                          "with select_recv(ctx_done(p->ctx), NULL), or a stage that returns "
                          "without closing its output (the stage reading it then waits forever)",
                          c->k, c->n);
    chan_free(c->returned);
    static char report[8192];
    int left = go_leak_check(mark, report, sizeof report);
    const char *dump = strstr(report, "\n\n");
    ck_assert_msg(left == 0,
                  "first_k returned, but %d goroutine%s of its pipeline %s still alive: it must "
                  "stop the pipeline (pipeline_stop) before returning, and every goroutine must "
                  "be started with pipeline_go so that pipeline_stop waits for it:\n\n%s",
                  left, left == 1 ? "" : "s", left == 1 ? "is" : "are", dump ? dump + 2 : report);
    return took;
}

static void first_5_of_100(void *unused)
{
    (void)unused;
    enum { N = 100, K = 5, W = 4 };
    static int xs[N];
    for (int i = 0; i < N; i++) {
        xs[i] = i;
        work_of[i] = SECOND;
    }
    static first_k_call_t c;
    c = (first_k_call_t){.xs = xs, .n = N, .workers = W, .k = K};

    go_duration_t took = first_k_within_an_hour(&c);

    ck_assert_msg(c.got == K, "first_k(k = 5 of 100 values) returned %d, expected 5", c.got);
    for (int i = 0; i < K; i++)
        ck_assert_msg(c.out[i] == f_of(i),
                      "first_k: out[%d] = %d, expected f(%d) = %d: the results come in the order "
                      "of xs",
                      i, c.out[i], i, f_of(i));
    char b[32];
    ck_assert_msg(took <= 3 * SECOND,
                  "first_k took %s to return the first 5 of 100 results, with 4 workers and f "
                  "taking 1 s: the 5th result is there at 2 s, and the work in progress then "
                  "ends at 3 s at the latest. Once it has k results, it must stop the pipeline "
                  "at once, not read on",
                  gk_fmt_duration(took, b));
    long n = (long)atomic64_load(&calls);
    ck_assert_msg(n <= 12,
                  "first_k called f %ld times to get 5 results with 4 workers; at most 12: the 8 "
                  "values the workers took before the 5th result arrived, and at most 4 more "
                  "started at that same instant. Once the pipeline is cancelled, no stage may "
                  "start new work",
                  n);
}

START_TEST(test_first_k_returns_the_first_k_results_and_stops_the_whole_pipeline)
{
    go_synctest(first_5_of_100, NULL);
}
END_TEST

static void first_k_edges(void *unused)
{
    (void)unused;
    static const int xs[] = {9, 4, 0, 17, 3, 11};
    static first_k_call_t c;
    c = (first_k_call_t){.xs = xs, .n = 6, .workers = 3, .k = 10};
    first_k_within_an_hour(&c);
    ck_assert_msg(c.got == 6,
                  "first_k(k = 10 of 6 values) returned %d, expected 6: every value's result",
                  c.got);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(c.out[i] == f_of(xs[i]),
                      "first_k(k = 10 of 6 values): out[%d] = %d, expected f(%d) = %d", i, c.out[i],
                      xs[i], f_of(xs[i]));

    c = (first_k_call_t){.xs = xs, .n = 6, .workers = 2, .k = 0};
    first_k_within_an_hour(&c);
    ck_assert_msg(c.got == 0, "first_k(k = 0) returned %d, expected 0", c.got);
}

START_TEST(test_first_k_with_k_beyond_the_input_returns_every_result)
{
    go_synctest(first_k_edges, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("pipeline");
    kata_add_test(s, test_gen_sends_every_value_in_order_then_closes);
    kata_add_test(s, test_gen_of_no_values_closes_at_once);
    kata_add_test(s, test_apply_sends_f_of_each_value_in_order_from_its_own_goroutine);
    kata_add_test(s, test_apply_runs_only_one_value_ahead_of_its_reader);
    kata_add_test(s, test_sum_adds_every_value_until_the_channel_is_closed);
    kata_add_test(s, test_sum_of_squares_chains_gen_apply_and_sum);
    kata_add_test(s, test_merge_forwards_each_value_as_it_arrives_and_closes_after_the_last_input);
    kata_add_test(s, test_merge_of_no_inputs_closes_at_once);
    kata_add_test(s, test_parallel_apply_shares_the_values_among_that_many_workers_at_once);
    kata_add_test(s, test_parallel_apply_handles_each_value_exactly_once);
    kata_add_test(s, test_ordered_apply_sends_the_results_in_input_order);
    kata_add_test(
        s, test_ordered_apply_keeps_every_worker_busy_while_a_slow_value_holds_up_the_output);
    kata_add_test(s, test_ordered_apply_of_an_empty_input_closes_at_once);
    kata_add_test(s, test_gen_stops_when_the_pipeline_is_cancelled);
    kata_add_test(s, test_apply_stops_when_cancelled_although_nobody_reads_its_output);
    kata_add_test(s, test_apply_starts_no_new_work_once_cancelled);
    kata_add_test(s, test_merge_stops_when_cancelled_although_nobody_reads_its_output);
    kata_add_test(s, test_parallel_apply_stops_when_cancelled_although_nobody_reads_its_output);
    kata_add_test(s, test_ordered_apply_stops_when_cancelled_although_nobody_reads_its_output);
    kata_add_test(s, test_first_k_returns_the_first_k_results_and_stops_the_whole_pipeline);
    kata_add_test(s, test_first_k_with_k_beyond_the_input_returns_every_result);
    return s;
}
