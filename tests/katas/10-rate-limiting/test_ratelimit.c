/*
 * 10 · rate limiting: the tests that grade katas/10-rate-limiting/ratelimit.c.
 *
 * Every timed test runs in a synctest bubble (go_synctest): virtual time.
 * The clock stands still while any goroutine of the test can run and jumps
 * to the next timer when all are blocked, so "the third value went out at
 * exactly 600ms" is an exact check, the same under Helgrind's slowdown.
 * Each call of the learner's code that may block runs in a goroutine of its
 * own (run_within), and the test waits for it with a guard of an hour of
 * virtual time, which turns "stuck forever" into a message.
 *
 * No two timers in a test fire at the same instant when their order could
 * matter (a call ending just as a token arrives): latencies and offers fall
 * between ticks. Where a test needs the learner's goroutines to have settled
 * (the drain of a leaky bucket waiting for its first tick) before it acts,
 * it calls go_synctest_wait(), so the outcome doesn't depend on who ran
 * first.
 *
 * One thing virtual time can't turn into an answer: a goroutine that never
 * blocks (polling a bucket in a loop) stops the clock itself. A watchdog in
 * real time, outside the bubble, names that (run_test).
 *
 * What only memory shows: a ticker or timer that is never freed. Those
 * tests count the heap in use (glibc's mallinfo2, over every arena) before
 * and after many calls. The count is exact in the plain pass, which is the
 * one that catches it; under ThreadSanitizer and Valgrind malloc is
 * replaced and the count stays flat.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "ratelimit.h"

#define MS MILLISECOND

/* ---- Messages ------------------------------------------------------------ */

/* A duration: 250ms, 1s, 1500ms. Formatted by the test's own goroutine only. */
static const char *dur(go_duration_t d)
{
    static char buf[16][24];
    static int next;
    char *b = buf[next++ % 16];
    if (d != 0 && d % SECOND == 0)
        snprintf(b, sizeof buf[0], "%llds", (long long)(d / SECOND));
    else if (d % MS == 0)
        snprintf(b, sizeof buf[0], "%lldms", (long long)(d / MS));
    else
        snprintf(b, sizeof buf[0], "%lldns", (long long)d);
    return b;
}

/* A list of durations: "0ms, 200ms, 400ms". */
static const char *durs(const go_duration_t *d, int n)
{
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];
    size_t len = 0;
    b[0] = '\0';
    for (int i = 0; i < n && len < sizeof buf[0] - 32; i++)
        len += (size_t)snprintf(b + len, sizeof buf[0] - len, "%s%s", i ? ", " : "", dur(d[i]));
    if (n == 0) snprintf(b, sizeof buf[0], "(none)");
    return b;
}

static const char *q(const char *err)
{
    static char buf[4][64];
    static int next;
    if (!err) return "NULL";
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "\"%s\"", err);
    return b;
}

/* ---- The watchdog: a spin, named ----------------------------------------- */

/* Real seconds before the watchdog speaks (times GOKATA_TIMEOUT_SCALE, which
 * the grader sets for its slower passes). A correct solution needs a few
 * milliseconds of real time per test; the harness's own limit is 10 s. */
enum { WATCHDOG_SECONDS = 5 };

/*
 * The bubble's first goroutine: the test's body, then a leak check inside
 * the bubble. go_synctest returns only once every goroutine of the bubble
 * has exited, so a goroutine left behind (a bucket's refill or drain that
 * was never stopped) would keep the test from ending, its ticker moving the
 * virtual clock forever. Checked here, it is reported as the leak it is,
 * with the line that started it.
 */
typedef struct {
    go_func_t body;
    void *arg;
} bubble_main_t;

static void bubble_main(void *p)
{
    bubble_main_t *b = p;
    go_leak_mark_t mark = go_leak_mark();
    b->body(b->arg);
    static char leaks[8192];
    if (go_leak_check(mark, leaks, sizeof leaks) != 0)
        ck_abort_msg("the test is over, and a goroutine it started is still alive, a leak. "
                     "tb_free and lb_close must stop the goroutine their bucket started, and "
                     "wait for it; fetch_all must wait for every call. %s",
                     leaks);
}

/* Runs body(arg) in a bubble, watched. */
static void run_test(go_func_t body, void *arg, const char *if_spinning)
{
    bubble_main_t b = {.body = body, .arg = arg};
    gk_synctest_watched(bubble_main, &b, WATCHDOG_SECONDS, if_spinning);
}

/* ---- Helpers inside a bubble --------------------------------------------- */

/* True if ch is closed (or receives) within limit of virtual time. */
static bool closes_within(chan_t *ch, go_duration_t limit)
{
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(time_after(limit), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/*
 * run_within: runs fn(arg) in a goroutine of its own and waits for it to
 * return, at most limit of virtual time. True if it returned (then *took is
 * how long it ran). False if it didn't: the caller must fail the test at
 * once (the goroutine still uses the guard on this stack).
 */
typedef struct {
    void (*fn)(void *);
    void *arg;
    chan_t *returned;
    go_duration_t took;
    wg_t wg;
} guarded_t;

static void guarded_body(void *p)
{
    guarded_t *g = p;
    go_duration_t start = gk_now();
    g->fn(g->arg);
    g->took = gk_now() - start;
    chan_close(g->returned);
    wg_done(&g->wg);
}

static bool run_within(void (*fn)(void *), void *arg, go_duration_t limit, go_duration_t *took)
{
    guarded_t g = {.fn = fn, .arg = arg, .returned = chan_make(0, 0)};
    wg_add(&g.wg, 1);
    go(guarded_body, &g);
    if (!closes_within(g.returned, limit)) return false;
    wg_wait(&g.wg);
    chan_free(g.returned);
    if (took) *took = g.took;
    return true;
}

enum { HEAP_CALLS = 100, HEAP_ROUNDS = 4, HEAP_SLACK = 32 /* bytes per call */ };

/* Heap bytes in use, over every arena (see the comment at the top). */
static long heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)(m.uordblks + m.hblkhd);
}

/*
 * Heap growth over `calls` calls of fn, after a warm-up (the runtime's
 * caches fill during the first few). Starting a goroutine now and then
 * grows the runtime's own pools (a few KB, once in a while): so the calls
 * are made in HEAP_ROUNDS rounds, and the smallest growth counts. A leak
 * grows the heap in every round.
 */
static long heap_growth(void (*fn)(void *), void *arg, int calls)
{
    for (int i = 0; i < 16; i++)
        fn(arg);
    long least = -1;
    for (int r = 0; r < HEAP_ROUNDS; r++) {
        long before = heap_in_use();
        for (int i = 0; i < calls / HEAP_ROUNDS; i++)
            fn(arg);
        long grew = (heap_in_use() - before) * HEAP_ROUNDS;
        if (least < 0 || grew < least) least = grew;
    }
    return least;
}

/* ---- Reading an output channel ------------------------------------------- */

enum { MAX_EVENTS = 64 };

typedef struct {
    int v;
    go_duration_t at;
} event_t;

/* A goroutine that reads out until it is closed, noting what came when. The
 * test reads the fields after `finished` is closed (the close orders them). */
typedef struct {
    chan_t *out;
    event_t ev[MAX_EVENTS];
    int n;
    go_duration_t closed_at;
    chan_t *finished;
    wg_t wg;
} reader_t;

static void read_out(void *arg)
{
    reader_t *r = arg;
    int v;
    while (chan_recv(r->out, &v))
        if (r->n < MAX_EVENTS) r->ev[r->n++] = (event_t){.v = v, .at = gk_now()};
    r->closed_at = gk_now();
    chan_close(r->finished);
    wg_done(&r->wg);
}

static void start_reader(reader_t *r, chan_t *out)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->finished = chan_make(0, 0);
    wg_add(&r->wg, 1);
    go(read_out, r);
}

/* True if out was closed within limit; then the reader's fields are
 * readable, and the reader is gone. */
static bool reader_done_within(reader_t *r, go_duration_t limit)
{
    if (!closes_within(r->finished, limit)) return false;
    wg_wait(&r->wg);
    chan_free(r->finished);
    return true;
}

static const char *event_times(const reader_t *r)
{
    go_duration_t at[MAX_EVENTS];
    for (int i = 0; i < r->n; i++)
        at[i] = r->ev[i].at;
    return durs(at, r->n);
}

static const char *event_values(const reader_t *r)
{
    static char buf[2][256];
    static int next;
    char *b = buf[next++ % 2];
    size_t len = 0;
    b[0] = '\0';
    for (int i = 0; i < r->n && len < sizeof buf[0] - 16; i++)
        len += (size_t)snprintf(b + len, sizeof buf[0] - len, "%s%d", i ? ", " : "", r->ev[i].v);
    if (r->n == 0) snprintf(b, sizeof buf[0], "(none)");
    return b;
}

/* ---- Task 1: throttle ---------------------------------------------------- */

typedef struct {
    chan_t *in, *out;
    go_duration_t every;
    chan_t *returned;
    wg_t wg;
} throttle_run_t;

static void run_throttle(void *arg)
{
    throttle_run_t *t = arg;
    throttle(t->in, t->out, t->every);
    chan_close(t->returned);
    wg_done(&t->wg);
}

static void start_throttle(throttle_run_t *t, chan_t *in, go_duration_t every)
{
    *t = (throttle_run_t){
        .in = in, .out = chan_make(sizeof(int), 0), .every = every, .returned = chan_make(0, 0)};
    wg_add(&t->wg, 1);
    go(run_throttle, t);
}

/* Waits for out to be closed and throttle to return; frees what
 * start_throttle made. */
static void finish_throttle(throttle_run_t *t, reader_t *r, const char *setup)
{
    if (!reader_done_within(r, HOUR))
        ck_abort_msg("%s: throttle sent %d value%s%s%s%s%s%s, then nothing for an hour, and never "
                     "closed out. When in is closed, the loop's receive says so (chan_recv "
                     "returns false): free the ticker, close out, return",
                     setup, r->n, r->n == 1 ? "" : "s", r->n ? " (" : "",
                     r->n ? event_values(r) : "", r->n ? ", at " : "", r->n ? event_times(r) : "",
                     r->n ? ")" : "");
    if (!closes_within(t->returned, HOUR))
        ck_abort_msg("%s: throttle closed out, but has not returned an hour later", setup);
    wg_wait(&t->wg);
    chan_free(t->returned);
    chan_free(t->out);
}

/* An in channel with values 1..n already queued, then closed. */
static chan_t *queued(int n)
{
    chan_t *in = chan_make(sizeof(int), (size_t)n + 1);
    for (int v = 1; v <= n; v++)
        chan_send(in, &v);
    chan_close(in);
    return in;
}

static void expect_values_one_to_n(const reader_t *r, int n, const char *setup)
{
    ck_assert_msg(r->n == n, "%s: throttle sent %d values (%s), expected %d, each value of in once",
                  setup, r->n, event_values(r), n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(r->ev[i].v == i + 1,
                      "%s: throttle sent %s, expected 1 to %d in the order they came from in",
                      setup, event_values(r), n);
}

static void one_per_tick(void *arg)
{
    (void)arg;
    const char *setup = "values 1..5 queued in in (then closed), a 200ms ticker";
    chan_t *in = queued(5);
    throttle_run_t t;
    reader_t r;
    start_throttle(&t, in, 200 * MS);
    start_reader(&r, t.out);
    finish_throttle(&t, &r, setup);
    chan_free(in);
    expect_values_one_to_n(&r, 5, setup);
    const go_duration_t want[] = {200 * MS, 400 * MS, 600 * MS, 800 * MS, 1000 * MS};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(
            r.ev[i].at == want[i], "%s: values went out at %s; expected %s, one per tick. %s",
            setup, event_times(&r), durs(want, 5),
            r.ev[0].at == 0 ? "The first went out at once: wait for a tick before sending each "
                              "value, the first one included (the ticker's first tick comes "
                              "after one period)."
            : r.ev[1].at - r.ev[0].at > 200 * MS
                ? "Does throttle wait for two ticks per value, or make a new ticker "
                  "for each?"
                : "");
}

START_TEST(test_throttle_sends_one_value_per_tick)
{
    run_test(one_per_tick, NULL, "Does throttle poll in with a default instead of blocking?");
}
END_TEST

static void closes_when_in_closes(void *arg)
{
    (void)arg;
    /* Nothing at all: out closed at once. */
    const char *setup = "in closed and empty from the start";
    chan_t *in = queued(0);
    throttle_run_t t;
    reader_t r;
    start_throttle(&t, in, 300 * MS);
    start_reader(&r, t.out);
    finish_throttle(&t, &r, setup);
    chan_free(in);
    ck_assert_msg(r.n == 0, "%s: throttle sent %d values, expected none", setup, r.n);
    ck_assert_msg(r.closed_at == 0,
                  "%s: throttle closed out at %s, expected at once (0ms): with no value there is "
                  "no tick to wait for. Receive from in first, then wait for the tick",
                  setup, dur(r.closed_at));

    /* Two values: out closed right after the second goes out, at 600ms. */
    setup = "values 1 and 2 queued in in (then closed), a 300ms ticker";
    in = queued(2);
    go_duration_t start = gk_now();
    start_throttle(&t, in, 300 * MS);
    start_reader(&r, t.out);
    finish_throttle(&t, &r, setup);
    chan_free(in);
    expect_values_one_to_n(&r, 2, setup);
    ck_assert_msg(r.ev[0].at - start == 300 * MS && r.ev[1].at - start == 600 * MS,
                  "%s: values went out %s and %s after the call, expected 300ms and 600ms", setup,
                  dur(r.ev[0].at - start), dur(r.ev[1].at - start));
    ck_assert_msg(r.closed_at - start == 600 * MS,
                  "%s: out was closed %s after the call; expected right after the last value "
                  "went out (600ms). %s",
                  setup, dur(r.closed_at - start),
                  r.closed_at - start > 600 * MS
                      ? "Once in is closed there is nothing left to wait a tick for: receive "
                        "from in first, then wait for the tick (not the other way round)."
                      : "");
}

START_TEST(test_throttle_closes_out_as_soon_as_in_is_closed_and_drained)
{
    run_test(closes_when_in_closes, NULL,
             "Once in is closed, chan_recv returns false at once, every time: does the loop go "
             "on after that?");
}
END_TEST

/* Sends vals[i] on ch at virtual time at[i] (times in order), then closes
 * ch. */
typedef struct {
    chan_t *ch;
    const int *vals;
    const go_duration_t *at;
    int n;
    wg_t wg;
} feeder_t;

static void feed(void *arg)
{
    feeder_t *f = arg;
    for (int i = 0; i < f->n; i++) {
        gk_sleep_until(f->at[i]);
        chan_send(f->ch, &f->vals[i]);
    }
    chan_close(f->ch);
    wg_done(&f->wg);
}

static void values_come_slowly(void *arg)
{
    (void)arg;
    const char *setup = "a 200ms ticker; values sent on in at 500ms, 900ms, and three at 2100ms";
    chan_t *in = chan_make(sizeof(int), 0);
    static const int vals[] = {1, 2, 3, 4, 5};
    static const go_duration_t at[] = {500 * MS, 900 * MS, 2100 * MS, 2100 * MS, 2100 * MS};
    feeder_t f = {.ch = in, .vals = vals, .at = at, .n = 5};
    wg_add(&f.wg, 1);
    go(feed, &f);
    throttle_run_t t;
    reader_t r;
    start_throttle(&t, in, 200 * MS);
    start_reader(&r, t.out);
    finish_throttle(&t, &r, setup);
    wg_wait(&f.wg);
    chan_free(in);
    expect_values_one_to_n(&r, 5, setup);
    const go_duration_t want[] = {500 * MS, 900 * MS, 2100 * MS, 2200 * MS, 2400 * MS};
    for (int i = 0; i < 5; i++) {
        if (r.ev[i].at == want[i]) continue;
        if (i < 3 && r.ev[i].at > at[i])
            ck_abort_msg("%s: values went out at %s; expected %s. Value %d arrived at %s, when "
                         "the ticker had ticked since the last value went out, yet it waited "
                         "until %s. A ticker ticks on its own schedule, and its channel keeps "
                         "one tick nobody received: the value can go at once. Does throttle "
                         "go_sleep(every), or make a new timer or ticker per value? Each of "
                         "those counts a whole period from the value. Make one ticker before "
                         "the loop, and receive from its channel",
                         setup, event_times(&r), durs(want, 5), i + 1, dur(at[i]), dur(r.ev[i].at));
        if (i > 0 && r.ev[i].at == r.ev[i - 1].at)
            ck_abort_msg("%s: values went out at %s; expected %s. Values %d and %d went out at "
                         "the same moment: does throttle wait for a tick before it receives the "
                         "value? Then, after a quiet spell, the tick it took while waiting for "
                         "the value and the tick the ticker kept let two through at once. "
                         "Receive a value, then wait for the tick, then send",
                         setup, event_times(&r), durs(want, 5), i, i + 1);
        ck_abort_msg("%s: values went out at %s; expected %s: after a quiet spell one value "
                     "goes at once (on the tick the ticker kept), and the next ones at the "
                     "ticker's next ticks, 2200ms and 2400ms",
                     setup, event_times(&r), durs(want, 5));
    }
}

START_TEST(test_throttle_keeps_the_tickers_schedule_when_values_come_slowly)
{
    run_test(values_come_slowly, NULL, "Does throttle poll in with a default instead of blocking?");
}
END_TEST

static void throttle_one_value(void *arg)
{
    (void)arg;
    chan_t *in = queued(1);
    chan_t *out = chan_make(sizeof(int), 1); /* room for the value: no reader needed */
    throttle(in, out, MS);
    int v = 0;
    bool open = false;
    ck_assert_msg(chan_try_recv(out, &v, &open) && open && v == 1,
                  "throttle returned without sending the one value in had");
    ck_assert_msg(chan_try_recv(out, &v, &open) && !open, "throttle returned without closing out");
    chan_free(in);
    chan_free(out);
}

static void throttle_many_times(void *arg)
{
    (void)arg;
    long grew = heap_growth(throttle_one_value, NULL, HEAP_CALLS);
    ck_assert_msg(grew < HEAP_CALLS * HEAP_SLACK,
                  "over %d calls of throttle, the heap in use grew by about %ld bytes (%ld per "
                  "call): free the ticker before returning (ticker_free stops it and frees it; "
                  "ticker_stop alone leaves its memory, and a ticker never stopped keeps "
                  "firing forever)",
                  HEAP_CALLS, grew, grew / HEAP_CALLS);
}

START_TEST(test_throttle_frees_its_ticker)
{
    run_test(throttle_many_times, NULL, "Does throttle ever return?");
}
END_TEST

/* ---- Task 2: the token bucket -------------------------------------------- */

/* How many tokens tb_allow gives in a row now (at most `upto`), checking
 * that it never waits. */
static int allow_all(tb_t *tb, int upto)
{
    go_duration_t t0 = gk_now();
    int n = 0;
    while (n < upto && tb_allow(tb))
        n++;
    ck_assert_msg(gk_now() == t0,
                  "tb_allow took %s of virtual time: it must never wait; take a token if one is "
                  "there now, else return false",
                  dur(gk_now() - t0));
    return n;
}

static void starts_full(void *arg)
{
    (void)arg;
    const int bursts[] = {3, 1};
    for (int i = 0; i < 2; i++) {
        int b = bursts[i];
        tb_t *tb = tb_new(SECOND, b);
        int n = allow_all(tb, 10);
        ck_assert_msg(n == b,
                      "a new bucket (burst %d, a token every 1s): tb_allow gave %d tokens in a "
                      "row at once, expected %d. %s",
                      b, n, b,
                      n < b ? "The bucket starts full: burst tokens before the first tick."
                            : "The bucket holds at most burst tokens.");
        tb_free(tb);
    }
}

START_TEST(test_tb_allow_starts_with_a_full_bucket_of_burst_tokens)
{
    run_test(starts_full, NULL, "");
}
END_TEST

static void refills_on_its_clock(void *arg)
{
    (void)arg;
    tb_t *tb = tb_new(100 * MS, 2);
    const char *setup = "a bucket with burst 2 and a token every 100ms, emptied at 0ms";
    ck_assert_msg(allow_all(tb, 10) == 2, "a new bucket with burst 2 did not give 2 tokens");
    gk_sleep_until(50 * MS);
    int n = allow_all(tb, 10);
    ck_assert_msg(n == 0,
                  "%s: at 50ms tb_allow gave %d tokens, expected none (the first new "
                  "token comes at 100ms)",
                  setup, n);
    for (go_duration_t at = 150 * MS; at <= 450 * MS; at += 100 * MS) {
        gk_sleep_until(at);
        n = allow_all(tb, 10);
        ck_assert_msg(n == 1,
                      "%s, then one token taken after each tick: at %s tb_allow gave %d tokens, "
                      "expected 1 (made at %s)",
                      setup, dur(at), n, dur(at - 50 * MS));
    }
    /* Nobody takes anything from 450ms to 1050ms: 6 ticks, room for 2. */
    gk_sleep_until(1050 * MS);
    n = allow_all(tb, 10);
    ck_assert_msg(n == 2,
                  "%s: after 6 ticks (500ms .. 1000ms) with nobody taking, tb_allow gave %d "
                  "tokens at 1050ms, expected 2: the bucket holds at most burst tokens, and a "
                  "token that finds it full is lost",
                  setup, n);
    gk_sleep_until(1150 * MS);
    n = allow_all(tb, 10);
    ck_assert_msg(n == 1,
                  "%s: emptied again at 1050ms, tb_allow gave %d tokens at 1150ms, expected 1 "
                  "(made at 1100ms)",
                  setup, n);
    tb_free(tb);
}

START_TEST(test_tb_allow_gets_one_new_token_every_interval_up_to_burst)
{
    run_test(refills_on_its_clock, NULL, "");
}
END_TEST

/* A tb_wait call, for run_within. */
typedef struct {
    tb_t *tb;
    ctx_t *ctx;
    const char *err;
} wait_call_t;

static void do_wait(void *arg)
{
    wait_call_t *w = arg;
    w->err = tb_wait(w->tb, w->ctx);
}

/* tb_wait(tb, ctx) in a goroutine of its own; fails the test if it has not
 * returned an hour later. Returns its error; *took, how long it waited. */
static const char *wait_for_token(tb_t *tb, ctx_t *ctx, go_duration_t *took, const char *setup)
{
    wait_call_t w = {.tb = tb, .ctx = ctx, .err = "(not set)"};
    if (!run_within(do_wait, &w, HOUR, took))
        ck_abort_msg("%s: tb_wait has not returned an hour after it was called", setup);
    return w.err;
}

static void tokens_on_the_buckets_clock(void *arg)
{
    (void)arg;
    const char *setup = "a bucket with burst 1 and a token every 100ms, made at 0ms; its first "
                        "token taken at 0ms, the one made at 100ms taken at 150ms";
    tb_t *tb = tb_new(100 * MS, 1);
    ck_assert_msg(allow_all(tb, 10) == 1, "a new bucket with burst 1 did not give 1 token");
    gk_sleep_until(150 * MS);
    int n = allow_all(tb, 10);
    ck_assert_msg(n == 1, "%s: at 150ms tb_allow gave %d tokens, expected 1 (made at 100ms)", setup,
                  n);
    const char *err = wait_for_token(tb, ctx_background(), NULL, setup);
    ck_assert_msg(err == NULL && gk_now() == 200 * MS,
                  "%s: then tb_wait returned %s at %s; expected NULL at 200ms. Tokens drop in on "
                  "the bucket's own clock, at 100ms, 200ms, 300ms, ... after tb_new (a "
                  "ticker's schedule), not 100ms after the last one was taken%s",
                  setup, q(err), dur(gk_now()),
                  gk_now() == 250 * MS ? " (x/time/rate refills continuously, counted from the "
                                         "last take: that gives 250ms here)"
                                       : "");
    tb_free(tb);
}

START_TEST(test_tb_tokens_arrive_on_the_buckets_own_clock)
{
    run_test(tokens_on_the_buckets_clock, NULL,
             "Does tb_wait poll the bucket (a loop around tb_allow) instead of blocking?");
}
END_TEST

static void burst_then_rate(void *arg)
{
    (void)arg;
    const char *setup = "8 calls of tb_wait in a row, burst 3, a token every 250ms";
    tb_t *tb = tb_new(250 * MS, 3);
    go_duration_t got[8];
    for (int i = 0; i < 8; i++) {
        const char *err = wait_for_token(tb, ctx_background(), NULL, setup);
        ck_assert_msg(err == NULL,
                      "%s: call %d returned %s, expected NULL (a token; ctx_background is never "
                      "done)",
                      setup, i + 1, q(err));
        got[i] = gk_now();
    }
    const go_duration_t want[] = {0, 0, 0, 250 * MS, 500 * MS, 750 * MS, 1000 * MS, 1250 * MS};
    for (int i = 0; i < 8; i++)
        ck_assert_msg(got[i] == want[i],
                      "%s: they returned at %s; expected %s: the burst at once, then one per "
                      "tick",
                      setup, durs(got, 8), durs(want, 8));
    tb_free(tb);
}

START_TEST(test_tb_wait_lets_a_burst_through_then_one_per_interval)
{
    run_test(burst_then_rate, NULL,
             "Does tb_wait poll the bucket (a loop around tb_allow) instead of blocking?");
}
END_TEST

enum { WAITERS = 6 };

typedef struct {
    tb_t *tb;
    const char *err[WAITERS];
    go_duration_t at[WAITERS];
    int next;
    mutex_t mu;
    wg_t wg;
} waiters_t;

static void one_waiter(void *arg)
{
    waiters_t *w = arg;
    const char *err = tb_wait(w->tb, ctx_background());
    mutex_lock(&w->mu);
    w->err[w->next] = err;
    w->at[w->next++] = gk_now();
    mutex_unlock(&w->mu);
    wg_done(&w->wg);
}

static void wait_all(void *arg)
{
    wg_wait(arg);
}

static int cmp_dur(const void *a, const void *b)
{
    go_duration_t x = *(const go_duration_t *)a, y = *(const go_duration_t *)b;
    return (x > y) - (x < y);
}

static void many_waiters(void *arg)
{
    (void)arg;
    const char *setup = "6 goroutines call tb_wait at once; burst 2, a token every 1s";
    static waiters_t w;
    memset(&w, 0, sizeof w);
    w.tb = tb_new(SECOND, 2);
    wg_add(&w.wg, WAITERS);
    for (int i = 0; i < WAITERS; i++)
        go(one_waiter, &w);
    if (!run_within(wait_all, &w.wg, HOUR, NULL))
        ck_abort_msg("%s: not all of them had a token an hour later. A token must go to one of "
                     "the waiters each second",
                     setup);
    for (int i = 0; i < WAITERS; i++)
        ck_assert_msg(w.err[i] == NULL, "%s: a tb_wait returned %s, expected NULL", setup,
                      q(w.err[i]));
    qsort(w.at, WAITERS, sizeof w.at[0], cmp_dur);
    const go_duration_t want[] = {0, 0, SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND};
    for (int i = 0; i < WAITERS; i++)
        ck_assert_msg(w.at[i] == want[i],
                      "%s: they got their tokens at %s; expected %s, each token to exactly one "
                      "of them. %s",
                      setup, durs(w.at, WAITERS), durs(want, WAITERS),
                      w.at[i] < want[i] ? "A token went to more than one: is the bucket's state "
                                          "guarded (a mutex, or a channel of tokens)?"
                                        : "");
    tb_free(w.tb);
}

START_TEST(test_tb_wait_gives_each_token_to_exactly_one_of_many_waiters)
{
    run_test(many_waiters, NULL,
             "Does tb_wait poll the bucket (a loop around tb_allow) instead of blocking?");
}
END_TEST

/* Go's time.AfterFunc(d, cancel): cancels ctx after d, in a goroutine the
 * timer starts. The caller retained ctx for it and frees the timer.
 *
 * Why a timer and not a goroutine that sleeps: this runtime's allocations
 * are visible to ThreadSanitizer, its reference counts are not; a
 * goroutine started earlier that ends up freeing a context can be reported
 * as a (false) race. A goroutine a timer starts comes after everything the
 * test did before the timer fired. */
static void cancel_now(void *ctx)
{
    ctx_cancel(ctx); /* gives back the reference retained for us */
}

static void cancelled_while_waiting(void *arg)
{
    (void)arg;
    const char *setup = "an empty bucket (burst 1, a token every 1s), tb_wait under a context "
                        "cancelled at 300ms";
    tb_t *tb = tb_new(SECOND, 1);
    ck_assert_msg(tb_allow(tb), "a new bucket with burst 1 gave no token");
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx); /* for the canceller */
    go_timer_t *canceller = time_after_func(300 * MS, cancel_now, ctx);
    go_duration_t took;
    const char *err = wait_for_token(tb, ctx, &took, setup);
    ck_assert_msg(err == CTX_CANCELED && took == 300 * MS,
                  "%s: tb_wait returned %s after %s; expected \"context canceled\" after 300ms, "
                  "the moment the context was cancelled. %s",
                  setup, q(err), dur(took),
                  err == NULL ? "It waited for the token and ignored the context: select on the "
                                "tokens and on ctx_done(ctx) together."
                              : "");
    ctx_cancel(ctx);
    timer_free(canceller);
    /* The token made at 1s was nobody's: the next caller gets it. */
    err = wait_for_token(tb, ctx_background(), &took, setup);
    ck_assert_msg(err == NULL && gk_now() == SECOND,
                  "%s: then tb_wait(ctx_background()) at 300ms returned %s at %s; expected a "
                  "token (NULL) at 1s, the next token. A tb_wait that gives up must take no "
                  "token",
                  setup, q(err), dur(gk_now()));
    tb_free(tb);
}

START_TEST(test_tb_wait_returns_canceled_the_moment_its_context_is_cancelled)
{
    run_test(cancelled_while_waiting, NULL,
             "Does tb_wait poll the bucket or the context instead of blocking in a select?");
}
END_TEST

static void deadline_while_waiting(void *arg)
{
    (void)arg;
    const char *setup = "an empty bucket (burst 1, a token every 1s), tb_wait under a context "
                        "with a 400ms timeout";
    tb_t *tb = tb_new(SECOND, 1);
    ck_assert_msg(tb_allow(tb), "a new bucket with burst 1 gave no token");
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 400 * MS);
    go_duration_t took;
    const char *err = wait_for_token(tb, ctx, &took, setup);
    ck_assert_msg(err == CTX_DEADLINE_EXCEEDED && took == 400 * MS,
                  "%s: tb_wait returned %s after %s; expected \"context deadline exceeded\" "
                  "after 400ms. %s",
                  setup, q(err), dur(took),
                  err == NULL ? "It waited for the token and ignored the context: select on "
                                "the tokens and on ctx_done(ctx) together."
                  : took == 0 ? "It gave up at once: wait until the context is done, even "
                                "when the deadline comes before the next token."
                  : err != NULL && took == 400 * MS
                      ? "Return ctx_err(ctx): it says why the context is done."
                      : "");
    ctx_cancel(ctx);
    /* The token made at 1s is still in the bucket at 1500ms. */
    gk_sleep_until(1500 * MS);
    int n = allow_all(tb, 10);
    ck_assert_msg(n == 1,
                  "%s: at 1500ms, tb_allow gave %d tokens; expected 1, the token made at 1s. A "
                  "tb_wait that gives up must take no token",
                  setup, n);
    tb_free(tb);
}

START_TEST(test_tb_wait_returns_deadline_exceeded_at_the_deadline)
{
    run_test(deadline_while_waiting, NULL,
             "Does tb_wait poll the bucket or the context instead of blocking in a select?");
}
END_TEST

enum { DONE_CALLS = 20 };

static void done_context_takes_nothing(void *arg)
{
    (void)arg;
    tb_t *tb = tb_new(SECOND, 2);
    ctx_t *cancelled = ctx_with_cancel(ctx_background());
    ctx_retain(cancelled); /* ours, after the cancel */
    ctx_cancel(cancelled);
    ctx_t *expired = ctx_with_timeout(ctx_background(), 0);
    ctx_t *ctxs[] = {cancelled, expired};
    const char *want[] = {CTX_CANCELED, CTX_DEADLINE_EXCEEDED};
    const char *what[] = {"cancelled", "past its deadline"};
    for (int c = 0; c < 2; c++) {
        int took_token = 0;
        for (int i = 0; i < DONE_CALLS; i++) {
            go_duration_t took;
            const char *err = wait_for_token(tb, ctxs[c], &took, "a full bucket");
            if (err == NULL) {
                took_token++;
                continue;
            }
            ck_assert_msg(err == want[c] && took == 0,
                          "tb_wait under a context already %s returned %s after %s; expected "
                          "%s at once (ctx_err(ctx))",
                          what[c], q(err), dur(took), q(want[c]));
        }
        ck_assert_msg(took_token == 0,
                      "tb_wait under a context already %s, with tokens in the bucket: %d of %d "
                      "calls took a token (returned NULL). When both a token and ctx_done are "
                      "ready, chan_select picks one at random: check ctx_err(ctx) first, and "
                      "return it without taking a token",
                      what[c], took_token, DONE_CALLS);
    }
    int n = allow_all(tb, 10);
    ck_assert_msg(n == 2,
                  "after %d calls of tb_wait under done contexts, the full bucket (burst 2) gave "
                  "%d tokens, expected 2: those calls must take nothing",
                  2 * DONE_CALLS, n);
    ctx_release(cancelled);
    ctx_cancel(expired);
    tb_free(tb);
}

START_TEST(test_tb_wait_under_a_done_context_returns_at_once_and_takes_nothing)
{
    run_test(done_context_takes_nothing, NULL, "");
}
END_TEST

static void wait_twice(void *tb)
{
    tb_wait(tb, ctx_background()); /* the token made at the last tick */
    tb_wait(tb, ctx_background()); /* waits for the next one */
}

static void new_wait_free(void *arg)
{
    (void)arg;
    tb_t *tb = tb_new(MS, 1);
    wait_twice(tb);
    tb_free(tb);
}

static void bucket_leaves_nothing(void *arg)
{
    (void)arg;
    /* tb_wait, many times on one goroutine: a time_after per call would
     * stay until the goroutine exits. */
    tb_t *tb = tb_new(MS, 1);
    long grew = heap_growth(wait_twice, tb, HEAP_CALLS);
    ck_assert_msg(grew < HEAP_CALLS * HEAP_SLACK,
                  "over %d pairs of tb_wait calls that each waited for a token, the heap in use "
                  "grew by about %ld bytes (%ld per pair): leave no timer behind (a time_after's "
                  "timer lives until the goroutine that made it exits; timer_new and timer_free "
                  "give it back at once)",
                  HEAP_CALLS, grew, grew / HEAP_CALLS);
    tb_free(tb);
    /* tb_new, use, tb_free. */
    grew = heap_growth(new_wait_free, NULL, HEAP_CALLS);
    ck_assert_msg(grew < HEAP_CALLS * HEAP_SLACK,
                  "over %d rounds of tb_new, tb_wait, tb_free, the heap in use grew by about %ld "
                  "bytes (%ld per round): tb_free must free what tb_new made (the ticker with "
                  "ticker_free, the channels with chan_free, the bucket itself)",
                  HEAP_CALLS, grew, grew / HEAP_CALLS);
}

START_TEST(test_tb_wait_and_tb_free_leave_nothing_behind)
{
    run_test(bucket_leaves_nothing, NULL, "");
}
END_TEST

/* ---- Task 3: the leaky bucket -------------------------------------------- */

/* Offers items[0..n-1] to lb now; stores each answer. lb_offer must not
 * wait. */
static void offer_all(lb_t *lb, const int *items, int n, bool *accepted)
{
    go_duration_t t0 = gk_now();
    for (int i = 0; i < n; i++)
        accepted[i] = lb_offer(lb, items[i]);
    ck_assert_msg(gk_now() == t0,
                  "lb_offer took %s of virtual time: it must never wait; a full bucket rejects "
                  "(returns false) at once",
                  dur(gk_now() - t0));
}

static int count_true(const bool *b, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += b[i];
    return k;
}

/* lb_close in a goroutine of its own: it waits for the drain. */
static void do_lb_close(void *lb)
{
    lb_close(lb);
}

/* Closes lb and waits for the reader to see out closed; fails with a
 * message if either takes an hour. Returns when lb_close returned. */
static go_duration_t close_bucket(lb_t *lb, reader_t *r, const char *setup)
{
    go_duration_t took;
    if (!run_within(do_lb_close, lb, HOUR, &took))
        ck_abort_msg("%s: lb_close has not returned an hour after it was called (out got %d "
                     "items: %s, at %s). It must wait until the drain has sent what is queued "
                     "and closed out, and no longer: does the drain notice the queue is closed "
                     "(chan_try_recv's ok == false)?",
                     setup, r->n, event_values(r), event_times(r));
    go_duration_t returned = gk_now();
    if (!reader_done_within(r, HOUR))
        ck_abort_msg("%s: lb_close returned, but out was never closed: the drain closes out "
                     "once the queue is closed and empty",
                     setup);
    (void)took;
    return returned;
}

static const char *const DRAIN_WAITS_ON_QUEUE =
    "Does the drain wait on the queue (chan_recv) between ticks? A goroutine waiting in a "
    "receive takes the next item directly, outside any tick, and makes room in the queue "
    "for one more. Wait for the tick first, then take an item with chan_try_recv.";

static void one_item_per_tick(void *arg)
{
    (void)arg;
    const char *setup = "5 items offered at 0ms to an empty bucket of capacity 5, one every 100ms";
    chan_t *out = chan_make(sizeof(int), 0);
    reader_t r;
    start_reader(&r, out);
    lb_t *lb = lb_new(5, 100 * MS, out);
    go_synctest_wait(); /* the drain has started, and waits */
    const int items[] = {1, 2, 3, 4, 5};
    bool ok[5];
    offer_all(lb, items, 5, ok);
    ck_assert_msg(count_true(ok, 5) == 5, "%s: lb_offer accepted %d of them, expected all 5", setup,
                  count_true(ok, 5));
    gk_sleep_until(550 * MS);
    close_bucket(lb, &r, setup);
    chan_free(out);
    ck_assert_msg(r.n == 5, "%s: out got %d items (%s), expected 5", setup, r.n, event_values(&r));
    for (int i = 0; i < 5; i++)
        ck_assert_msg(r.ev[i].v == i + 1,
                      "%s: out got %s, expected 1, 2, 3, 4, 5: the oldest item leaks first", setup,
                      event_values(&r));
    const go_duration_t want[] = {100 * MS, 200 * MS, 300 * MS, 400 * MS, 500 * MS};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(
            r.ev[i].at == want[i], "%s: items went out at %s; expected %s, one per tick. %s", setup,
            event_times(&r), durs(want, 5), r.ev[0].at < 100 * MS ? DRAIN_WAITS_ON_QUEUE : "");
}

START_TEST(test_lb_sends_one_item_per_tick_in_order)
{
    run_test(one_item_per_tick, NULL,
             "Does lb_offer wait when the bucket is full, or the drain poll the queue without "
             "waiting for a tick?");
}
END_TEST

static void rejects_overflow(void *arg)
{
    (void)arg;
    const char *setup = "a bucket of capacity 3, one every 100ms";
    chan_t *out = chan_make(sizeof(int), 0);
    reader_t r;
    start_reader(&r, out);
    lb_t *lb = lb_new(3, 100 * MS, out);
    go_synctest_wait(); /* the drain has started, and waits */
    const int first[] = {1, 2, 3, 4, 5};
    bool ok[5];
    offer_all(lb, first, 5, ok);
    int n = count_true(ok, 5);
    ck_assert_msg(n == 3,
                  "%s: items 1..5 offered at once to the empty bucket, lb_offer accepted %d; "
                  "expected 3, then false for the two that don't fit. %s",
                  setup, n,
                  n == 4   ? DRAIN_WAITS_ON_QUEUE
                  : n == 5 ? "Is the queue bounded? A buffered channel of capacity `capacity`, "
                             "and a send with a default (chan_try_send)."
                           : "");
    ck_assert_msg(ok[0] && ok[1] && ok[2] && !ok[3] && !ok[4],
                  "%s: items 1..5 offered: lb_offer answered %d %d %d %d %d, expected 1 1 1 0 0",
                  setup, ok[0], ok[1], ok[2], ok[3], ok[4]);
    /* Item 1 left at 100ms: room for one. */
    gk_sleep_until(150 * MS);
    const int second[] = {6, 7};
    offer_all(lb, second, 2, ok);
    ck_assert_msg(ok[0] && !ok[1],
                  "%s, holding 1, 2, 3: item 1 left at 100ms, and at 150ms items 6 and 7 were "
                  "offered. lb_offer answered %d %d; expected 1 0 (room for one)",
                  setup, ok[0], ok[1]);
    gk_sleep_until(450 * MS);
    close_bucket(lb, &r, setup);
    chan_free(out);
    const int want_v[] = {1, 2, 3, 6};
    const go_duration_t want[] = {100 * MS, 200 * MS, 300 * MS, 400 * MS};
    ck_assert_msg(r.n == 4, "%s: out got %s; expected 1, 2, 3, 6 (the accepted items)", setup,
                  event_values(&r));
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(r.ev[i].v == want_v[i], "%s: out got %s; expected 1, 2, 3, 6", setup,
                      event_values(&r));
        ck_assert_msg(r.ev[i].at == want[i], "%s: items went out at %s; expected %s", setup,
                      event_times(&r), durs(want, 4));
    }
}

START_TEST(test_lb_rejects_what_does_not_fit)
{
    run_test(rejects_overflow, NULL,
             "Does lb_offer wait when the bucket is full, or the drain poll the queue without "
             "waiting for a tick?");
}
END_TEST

static void idle_ticks_are_lost(void *arg)
{
    (void)arg;
    const char *setup = "a bucket of capacity 3, one every 100ms; item 1 offered at 0ms, item 2 "
                        "at 250ms, items 3 and 4 at 520ms";
    chan_t *out = chan_make(sizeof(int), 0);
    reader_t r;
    start_reader(&r, out);
    lb_t *lb = lb_new(3, 100 * MS, out);
    go_synctest_wait(); /* the drain has started, and waits */
    const int items[] = {1, 2, 3, 4};
    bool ok[4];
    offer_all(lb, &items[0], 1, &ok[0]);
    gk_sleep_until(250 * MS);
    offer_all(lb, &items[1], 1, &ok[1]);
    gk_sleep_until(520 * MS);
    offer_all(lb, &items[2], 2, &ok[2]);
    ck_assert_msg(count_true(ok, 4) == 4, "%s: lb_offer rejected one of them; there was room",
                  setup);
    gk_sleep_until(750 * MS);
    close_bucket(lb, &r, setup);
    chan_free(out);
    ck_assert_msg(r.n == 4, "%s: out got %s; expected 1, 2, 3, 4", setup, event_values(&r));
    const go_duration_t want[] = {100 * MS, 300 * MS, 600 * MS, 700 * MS};
    for (int i = 0; i < 4; i++) {
        if (r.ev[i].at == want[i]) continue;
        if (i == 1 && r.ev[1].at == 250 * MS)
            ck_abort_msg("%s: items went out at %s; expected %s. Item 2 went out the moment it "
                         "was offered: the tick at 200ms found the bucket empty and is lost, so "
                         "item 2 waits for the next tick, 300ms (a leaky bucket drips on its "
                         "own clock). %s",
                         setup, event_times(&r), durs(want, 4), DRAIN_WAITS_ON_QUEUE);
        ck_abort_msg("%s: items went out at %s; expected %s: each at the first tick after it "
                     "was offered, one per tick",
                     setup, event_times(&r), durs(want, 4));
    }
}

START_TEST(test_lb_loses_a_tick_that_finds_the_bucket_empty)
{
    run_test(idle_ticks_are_lost, NULL,
             "Does the drain poll the queue without waiting for a tick?");
}
END_TEST

enum { OFFERERS = 8, EACH = 5, LB_CAP = 10 };

typedef struct {
    lb_t *lb;
    bool accepted[OFFERERS][EACH];
    int next_id;
    mutex_t mu;
    wg_t wg;
} offerers_t;

static void offerer(void *arg)
{
    offerers_t *o = arg;
    mutex_lock(&o->mu);
    int id = o->next_id++;
    mutex_unlock(&o->mu);
    for (int k = 0; k < EACH; k++)
        o->accepted[id][k] = lb_offer(o->lb, 100 * id + k);
    wg_done(&o->wg);
}

static void many_offerers(void *arg)
{
    (void)arg;
    const char *setup = "8 goroutines offer 5 items each, at once, to an empty bucket of "
                        "capacity 10, one every 100ms";
    chan_t *out = chan_make(sizeof(int), 0);
    reader_t r;
    start_reader(&r, out);
    static offerers_t o;
    memset(&o, 0, sizeof o);
    o.lb = lb_new(LB_CAP, 100 * MS, out);
    go_synctest_wait(); /* the drain has started, and waits */
    wg_add(&o.wg, OFFERERS);
    for (int i = 0; i < OFFERERS; i++)
        go(offerer, &o);
    if (!run_within(wait_all, &o.wg, HOUR, NULL))
        ck_abort_msg("%s: some lb_offer has not returned an hour later: it must never wait", setup);
    ck_assert_msg(gk_now() == 0, "%s: lb_offer took %s: it must never wait", setup, dur(gk_now()));
    int accepted = 0;
    for (int i = 0; i < OFFERERS; i++)
        accepted += count_true(o.accepted[i], EACH);
    ck_assert_msg(accepted == LB_CAP,
                  "%s: lb_offer accepted %d of the 40 items, expected exactly 10. %s", setup,
                  accepted,
                  accepted > LB_CAP + 1    ? "Is the queue safe to use from many goroutines at "
                                             "once (a channel, or a mutex around it)?"
                  : accepted == LB_CAP + 1 ? DRAIN_WAITS_ON_QUEUE
                                           : "");
    gk_sleep_until(LB_CAP * 100 * MS + 50 * MS);
    close_bucket(o.lb, &r, setup);
    chan_free(out);
    ck_assert_msg(r.n == LB_CAP, "%s: out got %d items (%s), expected the 10 accepted", setup, r.n,
                  event_values(&r));
    for (int j = 0; j < r.n; j++) {
        int v = r.ev[j].v, id = v / 100, k = v % 100;
        ck_assert_msg(id >= 0 && id < OFFERERS && k >= 0 && k < EACH && o.accepted[id][k],
                      "%s: out got %d, an item that lb_offer rejected (or never saw)", setup, v);
        for (int i = 0; i < j; i++)
            ck_assert_msg(r.ev[i].v != v, "%s: out got item %d twice", setup, v);
        ck_assert_msg(r.ev[j].at == (j + 1) * 100 * MS,
                      "%s: items went out at %s; expected one per tick, 100ms .. 1s", setup,
                      event_times(&r));
    }
}

START_TEST(test_lb_offer_is_safe_from_many_goroutines_at_once)
{
    run_test(many_offerers, NULL,
             "Does lb_offer wait when the bucket is full, or the drain poll the queue without "
             "waiting for a tick?");
}
END_TEST

static void close_drains_the_queue(void *arg)
{
    (void)arg;
    const char *setup = "4 items offered at 0ms to a bucket of capacity 4, one every 100ms, "
                        "and lb_close called right after";
    chan_t *out = chan_make(sizeof(int), 0);
    reader_t r;
    start_reader(&r, out);
    lb_t *lb = lb_new(4, 100 * MS, out);
    go_synctest_wait(); /* the drain has started, and waits */
    const int items[] = {1, 2, 3, 4};
    bool ok[4];
    offer_all(lb, items, 4, ok);
    ck_assert_msg(count_true(ok, 4) == 4, "%s: lb_offer rejected one of them; there was room",
                  setup);
    go_duration_t returned = close_bucket(lb, &r, setup);
    chan_free(out);
    ck_assert_msg(r.n == 4,
                  "%s: out got %d items (%s) before it was closed; expected all 4: lb_close "
                  "lets what is queued leak out first (the closed queue still gives its items, "
                  "then ok == false)",
                  setup, r.n, event_values(&r));
    const go_duration_t want[] = {100 * MS, 200 * MS, 300 * MS, 400 * MS};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(r.ev[i].v == i + 1 && r.ev[i].at == want[i],
                      "%s: out got %s at %s; expected 1, 2, 3, 4 at %s: the same pace after "
                      "lb_close as before",
                      setup, event_values(&r), event_times(&r), durs(want, 4));
    ck_assert_msg(r.closed_at >= 400 * MS && r.closed_at <= 500 * MS,
                  "%s: out was closed at %s; expected after the last item went out (400ms), and "
                  "at the latest at the next tick (500ms)",
                  setup, dur(r.closed_at));
    ck_assert_msg(returned >= r.closed_at,
                  "%s: lb_close returned at %s, before out was closed (%s): it returns only once "
                  "the drain has sent what was queued, closed out and returned (wait for it: a "
                  "WaitGroup, or a channel it closes)",
                  setup, dur(returned), dur(r.closed_at));
    ck_assert_msg(returned <= 500 * MS,
                  "%s: lb_close returned at %s; out was closed at %s. It must return as soon as "
                  "the drain has returned",
                  setup, dur(returned), dur(r.closed_at));
}

START_TEST(test_lb_close_sends_what_is_queued_then_closes_out)
{
    run_test(close_drains_the_queue, NULL,
             "Does the drain poll the queue without waiting for a tick?");
}
END_TEST

static void lb_round(void *arg)
{
    (void)arg;
    chan_t *out = chan_make(sizeof(int), 1); /* room for the item: no reader needed */
    lb_t *lb = lb_new(1, MS, out);
    ck_assert_msg(lb_offer(lb, 7), "lb_offer rejected an item offered to an empty bucket");
    lb_close(lb);
    int v = 0;
    bool open = false;
    ck_assert_msg(chan_try_recv(out, &v, &open) && open && v == 7,
                  "lb_close returned before the item offered went out on out");
    ck_assert_msg(chan_try_recv(out, &v, &open) && !open,
                  "lb_close returned, and out was not closed");
    chan_free(out);
}

static void leaky_leaves_nothing(void *arg)
{
    (void)arg;
    long grew = heap_growth(lb_round, NULL, HEAP_CALLS);
    ck_assert_msg(grew < HEAP_CALLS * HEAP_SLACK,
                  "over %d rounds of lb_new, lb_offer, lb_close, the heap in use grew by about "
                  "%ld bytes (%ld per round): lb_close must free what lb_new made (the ticker with "
                  "ticker_free, the queue with chan_free, the bucket itself)",
                  HEAP_CALLS, grew, grew / HEAP_CALLS);
}

START_TEST(test_lb_close_leaves_nothing_behind)
{
    run_test(leaky_leaves_nothing, NULL,
             "Does lb_close wait for a drain that never returns? Once the queue is closed and "
             "empty (chan_try_recv's ok == false), the drain closes out and returns.");
}
END_TEST

/* ---- Task 4: fetch_all --------------------------------------------------- */

enum { MAX_REQS = 8, REQ_BASE = 100 };

/* The fake API: request REQ_BASE + i takes latency[i]; the response is
 * 7 * request. It notes when each call started and how many ran at once. */
typedef struct {
    go_duration_t latency[MAX_REQS];
    mutex_t mu; /* guards the rest */
    go_duration_t started[MAX_REQS];
    int calls[MAX_REQS];
    int bad_requests;
    int in_flight, max_in_flight;
} api_t;

static int api_call(void *arg, int request)
{
    api_t *api = arg;
    int i = request - REQ_BASE;
    mutex_lock(&api->mu);
    if (i < 0 || i >= MAX_REQS) {
        api->bad_requests++;
        mutex_unlock(&api->mu);
        return -1;
    }
    api->started[i] = gk_now();
    api->calls[i]++;
    if (++api->in_flight > api->max_in_flight) api->max_in_flight = api->in_flight;
    mutex_unlock(&api->mu);
    go_sleep(api->latency[i]);
    mutex_lock(&api->mu);
    api->in_flight--;
    mutex_unlock(&api->mu);
    return 7 * request;
}

typedef struct {
    tb_t *limiter;
    int max_in_flight;
    api_t *api;
    int requests[MAX_REQS], responses[MAX_REQS];
    int n;
} fetch_t;

static void do_fetch(void *arg)
{
    fetch_t *f = arg;
    fetch_all(f->limiter, f->max_in_flight, api_call, f->api, f->requests, f->responses, f->n);
}

/*
 * Runs fetch_all over n requests (REQ_BASE + i, latency[i]) with a bucket of
 * (every, burst), and checks what every test needs: it returns, each
 * request is called once, and each response is in its place. Returns when
 * it returned; api holds the call times.
 */
static go_duration_t fetch(api_t *api, int n, go_duration_t every, int burst, int max_in_flight,
                           const char *setup)
{
    static fetch_t f;
    memset(&f, 0, sizeof f);
    f.limiter = tb_new(every, burst);
    f.max_in_flight = max_in_flight;
    f.api = api;
    f.n = n;
    for (int i = 0; i < n; i++) {
        f.requests[i] = REQ_BASE + i;
        f.responses[i] = -1;
    }
    go_duration_t took;
    if (!run_within(do_fetch, &f, HOUR, &took))
        ck_abort_msg("%s: fetch_all has not returned an hour after it was called", setup);
    mutex_lock(&api->mu);
    int running = api->in_flight, started = 0;
    for (int i = 0; i < n; i++)
        started += api->calls[i] > 0;
    mutex_unlock(&api->mu);
    if (running > 0 || started < n)
        ck_abort_msg("%s: fetch_all returned at %s, before %d of the %d calls had returned: it "
                     "must wait for every call (a WaitGroup: wg_add before each go, wg_done "
                     "when the call has returned, wg_wait before returning)",
                     setup, dur(took), running + n - started, n);
    tb_free(f.limiter);
    ck_assert_msg(api->bad_requests == 0,
                  "%s: the API was called with a request that is not in requests[] (%d times): "
                  "does each goroutine get its own request, or do they share a loop variable?",
                  setup, api->bad_requests);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(api->calls[i] == 1,
                      "%s: request %d (requests[%d]) was sent %d times, expected once", setup,
                      REQ_BASE + i, i, api->calls[i]);
        ck_assert_msg(f.responses[i] == 7 * f.requests[i],
                      "%s: responses[%d] = %d; expected %d, the response to requests[%d] = %d. "
                      "Store each response at the index of its request",
                      setup, i, f.responses[i], 7 * f.requests[i], i, f.requests[i]);
    }
    ck_assert_msg(api->max_in_flight <= max_in_flight,
                  "%s: up to %d calls ran at once; expected at most %d. Take a slot before "
                  "starting a call, and give it back when the call returns: a buffered channel "
                  "of capacity max_in_flight is a semaphore (a send takes a slot, and waits "
                  "while all are taken; a receive gives one back)",
                  setup, api->max_in_flight, max_in_flight);
    return took;
}

static void responses_in_order(void *arg)
{
    (void)arg;
    const char *setup = "6 requests that take 60ms, 50ms, ..., 10ms (so they finish in reverse "
                        "order), a bucket with burst 6, max_in_flight 6";
    static api_t api;
    memset(&api, 0, sizeof api);
    for (int i = 0; i < 6; i++)
        api.latency[i] = (60 - 10 * i) * MS;
    go_duration_t took = fetch(&api, 6, SECOND, 6, 6, setup);
    ck_assert_msg(took == 60 * MS,
                  "%s: fetch_all returned after %s; expected 60ms, when the slowest call "
                  "returned. %s",
                  setup, dur(took),
                  took < 60 * MS ? "Wait for every call before returning (a WaitGroup)."
                                 : "Do the calls run one after another? Each call runs in a "
                                   "goroutine of its own.");

    /* And no requests at all. */
    memset(&api, 0, sizeof api);
    took = fetch(&api, 0, SECOND, 1, 1, "no requests (n = 0)");
    ck_assert_msg(took == 0, "fetch_all with n = 0 took %s, expected to return at once", dur(took));
}

START_TEST(test_fetch_all_returns_every_response_in_request_order)
{
    run_test(responses_in_order, NULL, "");
}
END_TEST

/*
 * Checks that the calls started at want[0..n-1]. If not: when some call
 * started only as the one before it returned, though it should have started
 * sooner, the calls ran one after another; otherwise `hint` (may be "")
 * explains.
 */
static void expect_starts(const api_t *api, int n, const go_duration_t *want, const char *setup,
                          const char *hint)
{
    go_duration_t at[MAX_REQS];
    for (int i = 0; i < n; i++)
        at[i] = api->started[i];
    for (int i = 0; i < n; i++) {
        if (at[i] == want[i]) continue;
        for (int j = 1; j < n; j++)
            if (at[j] >= at[j - 1] + api->latency[j - 1] &&
                want[j] < want[j - 1] + api->latency[j - 1])
                ck_abort_msg("%s: the calls started at %s; expected %s. Call %d started only "
                             "when call %d had returned: start each call in a goroutine of its "
                             "own, so that a slow API doesn't slow the rate",
                             setup, durs(at, n), durs(want, n), j + 1, j);
        ck_abort_msg("%s: the calls started at %s; expected %s. %s", setup, durs(at, n),
                     durs(want, n), hint);
    }
}

static void no_faster_than_the_limit(void *arg)
{
    (void)arg;
    const char *setup = "5 requests that take 1s each, a bucket with burst 1 and a token every "
                        "100ms, max_in_flight 5";
    static api_t api;
    memset(&api, 0, sizeof api);
    for (int i = 0; i < 5; i++)
        api.latency[i] = SECOND;
    go_duration_t took = fetch(&api, 5, 100 * MS, 1, 5, setup);
    const go_duration_t want[] = {0, 100 * MS, 200 * MS, 300 * MS, 400 * MS};
    expect_starts(&api, 5, want, setup,
                  "One token per call, at the rate of the bucket: take a token (tb_wait) right "
                  "before starting each call.");
    ck_assert_msg(took == 1400 * MS,
                  "%s: fetch_all returned after %s; expected 1400ms, when the last call "
                  "returned: wait for every call (a WaitGroup)",
                  setup, dur(took));
}

START_TEST(test_fetch_all_starts_calls_no_faster_than_the_limit)
{
    run_test(no_faster_than_the_limit, NULL, "");
}
END_TEST

static void burst_then_the_rate(void *arg)
{
    (void)arg;
    const char *setup = "6 requests that take 100ms each, a bucket with burst 3 and a token every "
                        "1s, max_in_flight 6";
    static api_t api;
    memset(&api, 0, sizeof api);
    for (int i = 0; i < 6; i++)
        api.latency[i] = 100 * MS;
    go_duration_t took = fetch(&api, 6, SECOND, 3, 6, setup);
    const go_duration_t want[] = {0, 0, 0, SECOND, 2 * SECOND, 3 * SECOND};
    expect_starts(&api, 6, want, setup, "The burst at once, then one call per new token.");
    ck_assert_msg(took == 3100 * MS, "%s: fetch_all returned after %s; expected 3100ms", setup,
                  dur(took));
}

START_TEST(test_fetch_all_spends_the_burst_then_keeps_the_rate)
{
    run_test(burst_then_the_rate, NULL, "");
}
END_TEST

static void at_most_k_in_flight(void *arg)
{
    (void)arg;
    const char *setup = "6 requests that take 1s each, a bucket with burst 10 (a token every "
                        "300ms), max_in_flight 2";
    static api_t api;
    memset(&api, 0, sizeof api);
    for (int i = 0; i < 6; i++)
        api.latency[i] = SECOND;
    go_duration_t took = fetch(&api, 6, 300 * MS, 10, 2, setup);
    const go_duration_t want[] = {0, 0, SECOND, SECOND, 2 * SECOND, 2 * SECOND};
    expect_starts(&api, 6, want, setup,
                  "Two at a time, each as soon as a slot is free (there are tokens enough).");
    ck_assert_msg(took == 3 * SECOND, "%s: fetch_all returned after %s; expected 3s", setup,
                  dur(took));
}

START_TEST(test_fetch_all_keeps_at_most_max_in_flight_calls_running)
{
    run_test(at_most_k_in_flight, NULL, "");
}
END_TEST

static void token_when_the_call_can_start(void *arg)
{
    (void)arg;
    const char *setup = "requests that take 350ms, 10ms, 10ms, 10ms; a bucket with burst 1 and "
                        "a token every 100ms; max_in_flight 1";
    static api_t api;
    memset(&api, 0, sizeof api);
    const go_duration_t latency[] = {350 * MS, 10 * MS, 10 * MS, 10 * MS};
    for (int i = 0; i < 4; i++)
        api.latency[i] = latency[i];
    go_duration_t took = fetch(&api, 4, 100 * MS, 1, 1, setup);
    /* Call 2 starts when call 1 returns (350ms), on the token kept since
     * 100ms. Call 3 has its slot at 360ms, but the next token comes at
     * 400ms; call 4: slot at 410ms, token at 500ms. */
    const go_duration_t want[] = {0, 350 * MS, 400 * MS, 500 * MS};
    expect_starts(&api, 4, want, setup,
                  api.started[2] == 360 * MS
                      ? "Call 3 started 10ms after call 2, though the bucket makes one token "
                        "every 100ms and holds one: fetch_all took call 3's token (made at "
                        "200ms) while call 2 still waited for a slot, and spent it early. For "
                        "each call, wait for a free slot first, then take the token, then "
                        "start the call."
                      : "The starts follow your token bucket (tokens at 100ms, 200ms, ... "
                        "after tb_new): do its tests pass?");
    ck_assert_msg(took == 510 * MS, "%s: fetch_all returned after %s; expected 510ms", setup,
                  dur(took));
}

START_TEST(test_fetch_all_takes_a_token_only_when_the_call_can_start)
{
    run_test(token_when_the_call_can_start, NULL, "");
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("ratelimit");
    kata_add_test(s, test_throttle_sends_one_value_per_tick);
    kata_add_test(s, test_throttle_closes_out_as_soon_as_in_is_closed_and_drained);
    kata_add_test(s, test_throttle_keeps_the_tickers_schedule_when_values_come_slowly);
    kata_add_test(s, test_throttle_frees_its_ticker);
    kata_add_test(s, test_tb_allow_starts_with_a_full_bucket_of_burst_tokens);
    kata_add_test(s, test_tb_allow_gets_one_new_token_every_interval_up_to_burst);
    kata_add_test(s, test_tb_tokens_arrive_on_the_buckets_own_clock);
    kata_add_test(s, test_tb_wait_lets_a_burst_through_then_one_per_interval);
    kata_add_test(s, test_tb_wait_gives_each_token_to_exactly_one_of_many_waiters);
    kata_add_test(s, test_tb_wait_returns_canceled_the_moment_its_context_is_cancelled);
    kata_add_test(s, test_tb_wait_returns_deadline_exceeded_at_the_deadline);
    kata_add_test(s, test_tb_wait_under_a_done_context_returns_at_once_and_takes_nothing);
    kata_add_test(s, test_tb_wait_and_tb_free_leave_nothing_behind);
    kata_add_test(s, test_lb_sends_one_item_per_tick_in_order);
    kata_add_test(s, test_lb_rejects_what_does_not_fit);
    kata_add_test(s, test_lb_loses_a_tick_that_finds_the_bucket_empty);
    kata_add_test(s, test_lb_offer_is_safe_from_many_goroutines_at_once);
    kata_add_test(s, test_lb_close_sends_what_is_queued_then_closes_out);
    kata_add_test(s, test_lb_close_leaves_nothing_behind);
    kata_add_test(s, test_fetch_all_returns_every_response_in_request_order);
    kata_add_test(s, test_fetch_all_starts_calls_no_faster_than_the_limit);
    kata_add_test(s, test_fetch_all_spends_the_burst_then_keeps_the_rate);
    kata_add_test(s, test_fetch_all_keeps_at_most_max_in_flight_calls_running);
    kata_add_test(s, test_fetch_all_takes_a_token_only_when_the_call_can_start);
    return s;
}
