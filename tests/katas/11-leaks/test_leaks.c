/*
 * Kata 11 · Goroutine leaks: the tests that grade leaks.c.
 *
 * Almost every test runs in virtual time (go_synctest): replicas, handlers
 * and fetches take whole seconds that pass instantly, so a test knows the
 * exact instant a function returned, and "the slow replicas answered an
 * hour later" really happens, deterministically, before the test looks.
 *
 * Every test ends the same way: it lets the virtual time pass that anything
 * still pending needs, then asks the runtime which goroutines started by
 * the test are still alive (go_leak_check). There must be none; if there
 * are, the message says where each one is stuck, at its line in leaks.c.
 *
 * Everything the test's own functions (lookup, query, handle, fetch) record
 * is read by the test without a channel in between, so it is kept in
 * atomics: the test adds no race of its own, and hides none of yours.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "leaks.h"

/* ---- helpers: messages ------------------------------------------------------ */

/* Check carries a failure message of at most 4 KiB (CK_MAX_MSG_SIZE): the dump
 * is cut to fit beside the message. */
static char report[2600];

/* Fails the test with the message and where every goroutine started since
 * mark is now (the goroutine dump). */
static void fail_with_dump(go_leak_mark_t mark, const char *fmt, ...)
{
    static char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (go_leak_check(mark, report, sizeof report) == 0)
        ck_abort_msg("%s\n\nNo goroutine started by the test is alive any more.", msg);
    ck_abort_msg("%s\n\n%s", msg, report);
}

/* After `wait` more of virtual time, not one goroutine started since mark
 * may be alive; else fails with what (a sentence: what happened) and the
 * goroutines' dump. */
static void expect_none_left(go_leak_mark_t mark, go_duration_t wait, const char *fmt, ...)
{
    static char msg[2048];
    if (wait > 0) go_sleep(wait);
    if (go_leak_check(mark, report, sizeof report) == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ck_abort_msg("%s\n\n%s", msg, report);
}

static const char *dur(go_duration_t d, char buf[32])
{
    return gk_fmt_duration(d, buf);
}

/* ---- helpers: calling the learner's code with a time limit -------------------- */

typedef struct {
    go_func_t fn;
    void *arg;
    chan_t *returned;
} bounded_t;

static void run_then_close(void *arg)
{
    bounded_t *b = arg;
    b->fn(b->arg);
    chan_close(b->returned); /* all fn did happens before the test goes on */
}

/* Runs fn(arg) in a goroutine and waits for it at most an hour of virtual
 * time; if it has not returned by then, fails with `why` and the dump. Returns
 * how long it took (virtual). Counts as one goroutine started since mark. */
static go_duration_t call_bounded(go_func_t fn, void *arg, go_leak_mark_t mark, const char *why)
{
    bounded_t b = {.fn = fn, .arg = arg, .returned = chan_make(0, 0)};
    go_time_t start = time_now();
    go(run_then_close, &b);
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(b.returned, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1) fail_with_dump(mark, "%s", why);
    go_duration_t took = time_since(start);
    chan_free(b.returned);
    return took;
}

/* ---- Tasks 1 and 2: the test's replicas -------------------------------------------- */

enum { MAX_R = 16 };

static go_duration_t answer_after[MAX_R]; /* how long replica r takes to answer */
static bool ignores_ctx;                  /* task 2: the replicas ignore ctx (legacy) */
static atomic64_t asked[MAX_R];           /* how many times replica r was asked */
static atomic64_t asked_from[MAX_R];      /* go_id() of the goroutine that asked it */
static atomic64_t returned_at[MAX_R];     /* when its lookup or query returned, since start */
static atomic64_t was_cancelled[MAX_R];   /* task 2: the query stopped because ctx was done */
static atomic64_t done_queries;           /* queries that have returned */
static atomic64_t bad_ctx;                /* task 2: a query got a NULL context */
static go_time_t replicas_start;
static long caller_id;

static long value_of(int replica, int key)
{
    return 1000 * (replica + 1) + key;
}

static void reset_replicas(const go_duration_t *after, int n)
{
    for (int r = 0; r < MAX_R; r++) {
        answer_after[r] = r < n ? after[r] : 0;
        atomic64_store(&asked[r], 0);
        atomic64_store(&asked_from[r], 0);
        atomic64_store(&returned_at[r], -1);
        atomic64_store(&was_cancelled[r], 0);
    }
    atomic64_store(&done_queries, 0);
    atomic64_store(&bad_ctx, 0);
    ignores_ctx = false;
    replicas_start = time_now();
    caller_id = go_id();
}

static long lookup(int replica, int key)
{
    if (replica < 0 || replica >= MAX_R) return -1;
    atomic64_add(&asked[replica], 1);
    atomic64_store(&asked_from[replica], go_id());
    if (answer_after[replica]) go_sleep(answer_after[replica]);
    atomic64_store(&returned_at[replica], time_since(replicas_start));
    return value_of(replica, key);
}

static bool query(ctx_t *ctx, int replica, int key, long *value)
{
    if (replica < 0 || replica >= MAX_R) return false;
    atomic64_add(&asked[replica], 1);
    atomic64_store(&asked_from[replica], go_id());
    bool answered = true;
    if (!ctx) {
        atomic64_add(&bad_ctx, 1);
        go_sleep(answer_after[replica]);
    } else if (ignores_ctx) {
        go_sleep(answer_after[replica]);
    } else {
        go_timer_t *t = timer_new(answer_after[replica]);
        select_case_t cs[] = {select_recv(t->C, NULL), select_recv(ctx_done(ctx), NULL)};
        answered = chan_select(cs, 2, SELECT_BLOCK) == 0;
        timer_free(t);
    }
    atomic64_store(&returned_at[replica], time_since(replicas_start));
    if (answered) *value = value_of(replica, key);
    atomic64_store(&was_cancelled[replica], !answered);
    atomic64_add(&done_queries, 1);
    return answered;
}

/* Every replica asked exactly once, from a goroutine that is not the
 * caller's. */
static void check_asked_once(const char *fn, int n)
{
    for (int r = 0; r < n; r++) {
        long k = (long)atomic64_load(&asked[r]);
        ck_assert_msg(k == 1,
                      "%s asked replica %d %ld times, expected once: one goroutine per "
                      "replica, each asking its own",
                      fn, r, k);
        ck_assert_msg(atomic64_load(&asked_from[r]) != caller_id,
                      "%s asked replica %d from the caller's goroutine: each replica is asked "
                      "from a goroutine of its own, all at the same time",
                      fn, r);
    }
}

/* ---- Task 1: first_answer ------------------------------------------------------------ */

static void fastest_wins(void *unused)
{
    (void)unused;
    static const go_duration_t after[] = {3 * SECOND, 1 * SECOND, 2 * SECOND, 5 * SECOND};
    reset_replicas(after, 4);
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();

    long v = first_answer(lookup, 4, 7);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(v == value_of(1, 7),
                  "first_answer returned %ld; replica 1 answers first (after 1 s, the others "
                  "after 2, 3 and 5 s) with %ld",
                  v, value_of(1, 7));
    ck_assert_msg(took == 1 * SECOND,
                  "first_answer returned after %s; the first answer came after 1 s, and that is "
                  "when it must return%s",
                  dur(took, b),
                  took > SECOND ? ": does it wait for the other replicas (a WaitGroup, or a "
                                  "receive per replica)? Take the first answer and go"
                                : "");
    expect_none_left(mark, HOUR,
                     "first_answer returned the right answer at the right time, but an hour "
                     "later, when every replica has long answered, goroutines it started are "
                     "still alive: the slower replicas' goroutines are stuck handing over an "
                     "answer nobody will ever receive. Give the channel room for every answer "
                     "(chan_make(sizeof(long), replicas)), so that a late send never waits");
}

START_TEST(test_first_answer_returns_the_fastest_replicas_value_the_moment_it_answers)
{
    go_synctest(fastest_wins, NULL);
}
END_TEST

static void losers_exit(void *unused)
{
    (void)unused;
    enum { N = 8 };
    static const go_duration_t after[N] = {HOUR, 30 * MINUTE, 100 * MILLISECOND, 2 * MINUTE,
                                           HOUR, 45 * SECOND, 10 * MINUTE,       59 * MINUTE};
    reset_replicas(after, N);
    go_leak_mark_t mark = go_leak_mark();

    long v = first_answer(lookup, N, 3);

    ck_assert_msg(v == value_of(2, 3), "first_answer returned %ld, expected replica 2's %ld", v,
                  value_of(2, 3));
    go_sleep(HOUR + SECOND);
    for (int r = 0; r < N; r++)
        ck_assert_msg(atomic64_load(&returned_at[r]) >= 0,
                      "replica %d was never asked, or its lookup never returned", r);
    expect_none_left(mark, 0,
                     "first_answer returned the first of 8 answers (after 100 ms); the 7 other "
                     "replicas answered later, the last after an hour. Now every lookup has "
                     "returned, and goroutines started by first_answer are still alive. Each "
                     "one must hand its answer over and exit, with nobody receiving: a channel "
                     "with room for every answer (chan_make(sizeof(long), replicas)): with less "
                     "room than that, the last ones to answer wait forever");
}

START_TEST(test_first_answer_leaves_no_goroutine_behind_once_the_slower_replicas_answer)
{
    go_synctest(losers_exit, NULL);
}
END_TEST

static void asks_each_once(void *unused)
{
    (void)unused;
    enum { N = 5 };
    static const go_duration_t after[N] = {SECOND, SECOND, SECOND, SECOND, SECOND};
    reset_replicas(after, N);
    go_leak_mark_t mark = go_leak_mark();

    long v = first_answer(lookup, N, 11);

    bool one_of_them = false;
    for (int r = 0; r < N; r++)
        one_of_them |= v == value_of(r, 11);
    ck_assert_msg(one_of_them,
                  "first_answer returned %ld, which is no replica's answer for key 11 (replica r "
                  "answers 1000 * (r + 1) + key)",
                  v);
    long started = gk_started_since(mark);
    ck_assert_msg(started == N, "first_answer started %ld goroutines for %d replicas, expected %d",
                  started, N, N);
    go_sleep(HOUR);
    check_asked_once("first_answer", N);
    expect_none_left(
        mark, 0,
        "an hour after first_answer returned (all 5 replicas answered after 1 s), "
        "goroutines it started are still alive: each must be able to hand over its "
        "answer with nobody receiving (room in the channel for every replica's answer)");
}

START_TEST(test_first_answer_asks_every_replica_once_from_a_goroutine_of_its_own)
{
    go_synctest(asks_each_once, NULL);
}
END_TEST

/* Not in virtual time: replicas that answer at once, all racing, again and
 * again. The shared memory must be freed by whoever is last, with no race. */
START_TEST(test_first_answer_called_again_and_again_with_replicas_answering_at_once)
{
    enum { ROUNDS = 30, N = 3 };
    static const go_duration_t after[N] = {0, 0, 0};
    reset_replicas(after, N);
    go_leak_mark_t mark = go_leak_mark();
    for (int i = 0; i < ROUNDS; i++) {
        long v = first_answer(lookup, N, i);
        if (v != value_of(0, i) && v != value_of(1, i) && v != value_of(2, i))
            ck_abort_msg("round %d: first_answer returned %ld, which is no replica's answer for "
                         "key %d",
                         i, v, i);
    }
    int n = go_leak_check(mark, report, sizeof report);
    ck_assert_msg(n == 0,
                  "30 calls of first_answer with 3 replicas that answer at once: %d goroutines "
                  "are still alive. Each replica's goroutine must exit as soon as it has handed "
                  "its answer over, received or not\n\n%s",
                  n, report);
}
END_TEST

/* ---- Task 2: first_answer_ctx ----------------------------------------------------------- */

typedef struct {
    ctx_t *ctx;
    int n, key;
    long value;
    const char *err;
} ctx_call_t;

static void call_first_answer_ctx(void *arg)
{
    ctx_call_t *c = arg;
    c->err = first_answer_ctx(c->ctx, query, c->n, c->key, &c->value);
}

/* first_answer_ctx(c), bounded by an hour; returns how long it took. */
static go_duration_t first_ctx_bounded(ctx_call_t *c, go_leak_mark_t mark, const char *situation)
{
    static char why[1024];
    snprintf(why, sizeof why,
             "first_answer_ctx has not returned an hour after it was called (%s). It returns at "
             "the first answer or when ctx is done, whichever comes first: a chan_select on the "
             "answers and on ctx_done(ctx). A query stopped by the context returns false and has "
             "no answer to send, so waiting for answers alone can wait forever",
             situation);
    return call_bounded(call_first_answer_ctx, c, mark, why);
}

static void ctx_first_cancels_rest(void *unused)
{
    (void)unused;
    enum { N = 4 };
    static const go_duration_t after[N] = {3 * SECOND, 2 * SECOND, 1 * SECOND, HOUR};
    reset_replicas(after, N);
    go_leak_mark_t mark = go_leak_mark();
    ctx_call_t c = {.ctx = ctx_background(), .n = N, .key = 5, .value = -1};

    go_duration_t took =
        first_ctx_bounded(&c, mark, "the replicas answer after 1 s, 2 s, 3 s and an hour");

    const char *err = c.err;
    long v = c.value;
    char b[32];
    ck_assert_msg(err == NULL,
                  "first_answer_ctx returned \"%s\"; replica 2 answered after 1 s, "
                  "and the context has no deadline: expected NULL",
                  err);
    ck_assert_msg(v == value_of(2, 5),
                  "first_answer_ctx set *value = %ld, expected replica 2's %ld", v, value_of(2, 5));
    ck_assert_msg(took == SECOND,
                  "first_answer_ctx returned after %s, expected 1 s (the first "
                  "answer)",
                  dur(took, b));
    ck_assert_msg(atomic64_load(&bad_ctx) == 0, "first_answer_ctx gave a query a NULL context: "
                                                "give each ctx_with_cancel(ctx)");
    go_synctest_wait(); /* the cancelled queries return, at this same instant */
    check_asked_once("first_answer_ctx", N);
    for (int r = 0; r < N; r++) {
        if (r == 2) continue;
        go_duration_t at = (go_duration_t)atomic64_load(&returned_at[r]);
        ck_assert_msg(at == SECOND && atomic64_load(&was_cancelled[r]),
                      "replica %d's query was still running after the first answer came (at "
                      "1 s)%s%s: first_answer_ctx must cancel the context it gave the queries "
                      "as it returns (ctx_cancel of its ctx_with_cancel(ctx)), so that the "
                      "losers stop at once",
                      r, at >= 0 ? "; it answered after " : "", at >= 0 ? dur(at, b) : "");
    }
    expect_none_left(mark, 0,
                     "first_answer_ctx returned, and cancelled the queries, which all returned "
                     "at once; yet goroutines it started are still alive. A goroutine whose "
                     "query returns false has nothing to send: it just exits");
}

START_TEST(test_first_answer_ctx_returns_the_first_answer_and_cancels_the_other_queries)
{
    go_synctest(ctx_first_cancels_rest, NULL);
}
END_TEST

static void ctx_gives_up(void *unused)
{
    (void)unused;
    enum { N = 3 };
    static const go_duration_t after[N] = {5 * SECOND, 4 * SECOND, 6 * SECOND};
    reset_replicas(after, N);
    go_leak_mark_t mark = go_leak_mark();
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 2 * SECOND);
    ctx_call_t c = {.ctx = ctx, .n = N, .key = 9, .value = -1};

    go_duration_t took = first_ctx_bounded(&c, mark,
                                           "with a deadline of 2 s, and replicas that would answer "
                                           "after 4 to 6 s but stop when their context is done");

    const char *err = c.err;
    long v = c.value;
    char b[32];
    ck_assert_msg(err == CTX_DEADLINE_EXCEEDED,
                  "first_answer_ctx returned %s%s%s; the context's deadline (2 s) came before "
                  "any answer (4 s): expected ctx_err(ctx), CTX_DEADLINE_EXCEEDED",
                  err ? "\"" : "NULL", err ? err : "", err ? "\"" : "");
    ck_assert_msg(v == -1, "first_answer_ctx set *value to %ld although no answer came in time", v);
    ck_assert_msg(took == 2 * SECOND,
                  "first_answer_ctx returned after %s, expected at the deadline, 2 s: select on "
                  "the answers and on ctx_done(ctx)",
                  dur(took, b));
    go_synctest_wait();
    for (int r = 0; r < N; r++)
        ck_assert_msg(atomic64_load(&returned_at[r]) == 2 * SECOND,
                      "replica %d's query did not stop at the deadline: every query must get a "
                      "context derived from ctx (ctx_with_cancel(ctx)), done when ctx is",
                      r);
    ctx_cancel(ctx);
    expect_none_left(mark, 0,
                     "first_answer_ctx gave up at the deadline and every query stopped then, yet "
                     "goroutines it started are still alive");
}

START_TEST(test_first_answer_ctx_gives_up_at_the_deadline)
{
    go_synctest(ctx_gives_up, NULL);
}
END_TEST

static void ctx_ignored(void *unused)
{
    (void)unused;
    enum { N = 3 };
    static const go_duration_t after[N] = {5 * SECOND, 4 * SECOND, 30 * MINUTE};
    reset_replicas(after, N);
    ignores_ctx = true; /* a legacy client: always answers, late */
    go_leak_mark_t mark = go_leak_mark();
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 2 * SECOND);
    ctx_call_t c = {.ctx = ctx, .n = N, .key = 9, .value = -1};

    go_duration_t took = first_ctx_bounded(&c, mark, "with a deadline of 2 s");

    const char *err = c.err;
    char b[32];
    ck_assert_msg(err == CTX_DEADLINE_EXCEEDED && took == 2 * SECOND,
                  "first_answer_ctx returned %s after %s; the deadline (2 s) came before any "
                  "answer (4 s): expected CTX_DEADLINE_EXCEEDED after 2 s, whether the queries "
                  "stop or not",
                  err ? err : "NULL", dur(took, b));
    ctx_cancel(ctx);
    expect_none_left(mark, HOUR,
                     "first_answer_ctx gave up at the deadline (2 s). These queries ignore the "
                     "context and answer anyway, after 4 s, 5 s and 30 minutes, when nobody "
                     "listens any more; an hour later, goroutines first_answer_ctx started are "
                     "still alive. This is the classic timeout leak: the caller has gone, and a "
                     "goroutine waits forever to hand over its late answer. Give the channel "
                     "room for every answer, so that a late send never waits");
}

START_TEST(test_first_answer_ctx_leaves_no_goroutine_behind_when_the_queries_ignore_the_context)
{
    go_synctest(ctx_ignored, NULL);
}
END_TEST

typedef struct {
    ctx_t *ctx;
    go_duration_t after;
} canceller_t;

static void cancel_later(void *arg)
{
    canceller_t *c = arg;
    go_sleep(c->after);
    ctx_cancel(c->ctx);
}

static void ctx_caller_cancels(void *unused)
{
    (void)unused;
    enum { N = 2 };
    static const go_duration_t after[N] = {5 * SECOND, 3 * SECOND};
    reset_replicas(after, N);
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx); /* one for the canceller, one for us */
    canceller_t later = {.ctx = ctx, .after = 1500 * MILLISECOND};
    go(cancel_later, &later);
    go_leak_mark_t mark = go_leak_mark();
    ctx_call_t c = {.ctx = ctx, .n = N, .key = 1, .value = -1};

    go_duration_t took = first_ctx_bounded(&c, mark, "its caller cancels ctx after 1.5 s");

    const char *err = c.err;
    char b[32];
    ck_assert_msg(err == CTX_CANCELED && took == 1500 * MILLISECOND,
                  "first_answer_ctx returned %s after %s; the caller cancelled its context after "
                  "1.5 s, before any answer (3 s): expected CTX_CANCELED, at once",
                  err ? err : "NULL", dur(took, b));
    go_synctest_wait();
    ctx_release(ctx);
    expect_none_left(mark, 0,
                     "the caller cancelled after 1.5 s and every query stopped then; goroutines "
                     "first_answer_ctx started are still alive");
}

START_TEST(test_first_answer_ctx_returns_when_its_caller_cancels)
{
    go_synctest(ctx_caller_cancels, NULL);
}
END_TEST

/* ---- Task 3: process_batch -------------------------------------------------------------- */

enum { MAX_ITEMS = 128 };

static go_duration_t work_of[MAX_ITEMS]; /* how long handle(item) takes */
static int error_of[MAX_ITEMS];          /* what handle(item) returns */
static atomic64_t handled[MAX_ITEMS];    /* calls of handle(item) */
static atomic64_t handle_calls, in_flight, max_in_flight;
static atomic64_t handlers[8]; /* go_id()s of the goroutines that called handle */

static void reset_batch(void)
{
    for (int i = 0; i < MAX_ITEMS; i++) {
        work_of[i] = SECOND;
        error_of[i] = 0;
        atomic64_store(&handled[i], 0);
    }
    for (int i = 0; i < 8; i++)
        atomic64_store(&handlers[i], 0);
    atomic64_store(&handle_calls, 0);
    atomic64_store(&in_flight, 0);
    atomic64_store(&max_in_flight, 0);
    caller_id = go_id();
}

static void note_handler(void)
{
    long me = go_id();
    for (int i = 0; i < 8; i++) {
        int64_t seen = atomic64_load(&handlers[i]);
        if (seen == me) return;
        if (seen == 0 && atomic64_cas(&handlers[i], 0, me)) return;
        if (atomic64_load(&handlers[i]) == me) return;
    }
}

static int handle(int item)
{
    if (item < 0 || item >= MAX_ITEMS) return 999;
    atomic64_add(&handled[item], 1);
    atomic64_add(&handle_calls, 1);
    note_handler();
    int64_t now = atomic64_add(&in_flight, 1), max;
    while (now > (max = atomic64_load(&max_in_flight)) && !atomic64_cas(&max_in_flight, max, now)) {
    }
    go_sleep(work_of[item]);
    atomic64_add(&in_flight, -1);
    return error_of[item];
}

static int n_handlers(void)
{
    int n = 0;
    while (n < 8 && atomic64_load(&handlers[n]) != 0)
        n++;
    return n;
}

typedef struct {
    const int *items;
    int n, workers;
    int ret;
} batch_call_t;

static void call_process_batch(void *arg)
{
    batch_call_t *c = arg;
    c->ret = process_batch(c->items, c->n, c->workers, handle);
}

static int items_upto[MAX_ITEMS];

static const int *items(int n)
{
    for (int i = 0; i < n; i++)
        items_upto[i] = i;
    return items_upto;
}

static const char *STUCK_SUCCESS =
    "process_batch has not returned an hour after its last item was handled: it returns once "
    "every goroutine it started has exited, and some are still waiting. A worker's loop "
    "`while (chan_recv(jobs, &item))` ends only when jobs is closed: close it once every item is "
    "handed out (the one who sends on it closes it)";

static void batch_all(void *unused)
{
    (void)unused;
    enum { N = 12, W = 4 };
    reset_batch();
    go_leak_mark_t mark = go_leak_mark();
    batch_call_t c = {.items = items(N), .n = N, .workers = W};

    go_duration_t took = call_bounded(call_process_batch, &c, mark, STUCK_SUCCESS);

    char b[32];
    ck_assert_msg(c.ret == 0, "process_batch returned %d; every handle succeeded: expected 0",
                  c.ret);
    for (int i = 0; i < N; i++) {
        long k = (long)atomic64_load(&handled[i]);
        ck_assert_msg(k == 1, "item %d was handled %ld times, expected exactly once", i, k);
    }
    ck_assert_msg(atomic64_load(&max_in_flight) <= W,
                  "%lld items were handled at the same time with %d workers: at most %d",
                  (long long)atomic64_load(&max_in_flight), W, W);
    ck_assert_msg(took == 3 * SECOND,
                  "process_batch took %s for 12 items of 1 s with 4 workers, expected 3 s: do the "
                  "4 workers take items from the same jobs channel, at the same time?",
                  dur(took, b));
    ck_assert_msg(n_handlers() == W,
                  "handle was called from %d different goroutines, expected the %d workers",
                  n_handlers(), W);
    expect_none_left(mark, 0,
                     "process_batch returned, but goroutines it started are still alive: it "
                     "must wait (wg_wait) until every one has exited");
}

START_TEST(test_process_batch_handles_every_item_once_with_that_many_workers_at_once)
{
    go_synctest(batch_all, NULL);
}
END_TEST

static void batch_error(void *unused)
{
    (void)unused;
    enum { N = 100, W = 4 };
    reset_batch();
    work_of[5] = 500 * MILLISECOND;
    error_of[5] = 42; /* items 4..7 start at 1 s; 5 fails at 1.5 s; 4, 6, 7 end at 2 s */
    go_leak_mark_t mark = go_leak_mark();
    batch_call_t c = {.items = items(N), .n = N, .workers = W};

    go_duration_t took = call_bounded(
        call_process_batch, &c, mark,
        "item 5 failed after 1.5 s, and an hour later process_batch has not returned: it returns "
        "once every goroutine it started has exited, and some are still waiting. After the "
        "error, whoever hands out the items must stop (a plain chan_send on jobs waits forever "
        "once the workers stop taking them: select on a done channel too), close jobs, and no "
        "worker may wait to send on a channel nobody reads any more");

    char b[32];
    long calls = (long)atomic64_load(&handle_calls);
    ck_assert_msg(c.ret == 42, "process_batch returned %d; handle(5) failed with 42: expected 42",
                  c.ret);
    ck_assert_msg(calls == 8,
                  "handle was called %ld times; item 5 failed at 1.5 s, when items 0 to 7 had "
                  "been started, expected 8: %s",
                  calls,
                  calls > 8 ? "once a handle has failed, no new handle call may start (a worker "
                              "checks for the error before it starts an item)"
                            : "did the workers stop before the error?");
    ck_assert_msg(took == 2 * SECOND,
                  "process_batch returned after %s; item 5 failed at 1.5 s and the items still "
                  "in progress (4, 6, 7) ended at 2 s: expected 2 s%s",
                  dur(took, b),
                  took < 2 * SECOND ? ": it returns only once every goroutine it started has "
                                      "exited, and the calls in progress must finish first"
                                    : "");
    expect_none_left(mark, HOUR,
                     "process_batch returned its error, but goroutines it started are still "
                     "alive an hour later");
}

START_TEST(test_process_batch_stops_at_the_first_error_and_leaves_no_goroutine_behind)
{
    go_synctest(batch_error, NULL);
}
END_TEST

static void batch_earliest(void *unused)
{
    (void)unused;
    enum { N = 30, W = 4 };
    reset_batch();
    work_of[1] = 3 * SECOND;
    error_of[1] = 11; /* fails at 3 s */
    work_of[2] = 1 * SECOND;
    error_of[2] = 22; /* fails at 1 s: first */
    go_leak_mark_t mark = go_leak_mark();
    batch_call_t c = {.items = items(N), .n = N, .workers = W};

    call_bounded(call_process_batch, &c, mark,
                 "items 2 and 1 failed (after 1 and 3 s), and an hour later process_batch has "
                 "not returned: goroutines it started are still waiting");

    ck_assert_msg(c.ret == 22,
                  "process_batch returned %d; handle(2) failed with 22 after 1 s, before "
                  "handle(1) failed with 11 after 3 s: expected 22, the first error in time%s",
                  c.ret,
                  c.ret == 11 ? " (not the lowest item's: keep the error that comes first)" : "");
    expect_none_left(mark, HOUR,
                     "process_batch returned, but goroutines it started are still "
                     "alive an hour later");
}

START_TEST(test_process_batch_returns_the_earliest_error_not_the_lowest_items)
{
    go_synctest(batch_earliest, NULL);
}
END_TEST

static void batch_small(void *unused)
{
    (void)unused;
    reset_batch();
    go_leak_mark_t mark = go_leak_mark();
    batch_call_t none = {.items = items(0), .n = 0, .workers = 3};
    char b[32];

    go_duration_t took = call_bounded(call_process_batch, &none, mark,
                                      "process_batch of no items (3 workers) has not returned "
                                      "after an hour: with nothing to hand out, jobs must be "
                                      "closed at once, or the workers wait for it forever");

    ck_assert_msg(none.ret == 0 && took == 0,
                  "process_batch of no items returned %d after %s, expected 0 at once", none.ret,
                  dur(took, b));

    batch_call_t few = {.items = items(3), .n = 3, .workers = 8};
    took = call_bounded(call_process_batch, &few, mark,
                        "process_batch of 3 items with 8 workers has not returned after an "
                        "hour: 5 workers never get an item, and must still end");
    ck_assert_msg(few.ret == 0 && took == SECOND,
                  "process_batch of 3 items of 1 s with 8 workers returned %d after %s, "
                  "expected 0 after 1 s",
                  few.ret, dur(took, b));
    for (int i = 0; i < 3; i++)
        ck_assert_msg(atomic64_load(&handled[i]) == 1, "item %d was handled %lld times", i,
                      (long long)atomic64_load(&handled[i]));
    expect_none_left(mark, HOUR,
                     "process_batch returned, but goroutines it started are still "
                     "alive an hour later");
}

START_TEST(test_process_batch_of_no_items_or_fewer_items_than_workers)
{
    go_synctest(batch_small, NULL);
}
END_TEST

/* ---- Task 4: feed ---------------------------------------------------------------------------- */

static go_duration_t fetch_takes;
static atomic64_t fetches;     /* fetch calls */
static atomic64_t fetch_bad_n; /* fetch(n) called with n out of sequence */
static atomic64_t fetch_from_caller;

static void reset_feed(go_duration_t takes)
{
    fetch_takes = takes;
    atomic64_store(&fetches, 0);
    atomic64_store(&fetch_bad_n, 0);
    atomic64_store(&fetch_from_caller, 0);
    caller_id = go_id();
}

static long fetch(int n)
{
    int64_t k = atomic64_add(&fetches, 1) - 1;
    if (k != n) atomic64_add(&fetch_bad_n, 1);
    if (go_id() == caller_id) atomic64_add(&fetch_from_caller, 1);
    if (fetch_takes) go_sleep(fetch_takes);
    return 100 + n;
}

static void call_feed_close(void *f)
{
    feed_close(f);
}

static go_duration_t close_bounded(feed_t *f, go_leak_mark_t mark, const char *situation)
{
    char why[1024];
    snprintf(why, sizeof why,
             "feed_close was called %s, and it has not returned an hour later: it waits for the "
             "feed's goroutine to exit, and that goroutine never hears it must stop. Every place "
             "the goroutine waits (the next tick, a reader for its value) must be a chan_select "
             "with a quit channel that feed_close closes",
             situation);
    return call_bounded(call_feed_close, f, mark, why);
}

/* Receives one update, waiting at most wait (virtual); false if none. */
static bool recv_update(chan_t *updates, long *v, go_duration_t wait)
{
    go_timer_t *t = timer_new(wait);
    select_case_t cs[] = {select_recv(updates, v), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    return which == 0 && cs[0].ok;
}

static void feed_ticks(void *unused)
{
    (void)unused;
    reset_feed(0);
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    feed_t *f = feed_subscribe(fetch, SECOND);
    ck_assert_msg(f != NULL, "feed_subscribe returned NULL");
    chan_t *updates = feed_updates(f);
    ck_assert_msg(updates != NULL, "feed_updates returned NULL");
    char b[32];
    for (int i = 0; i < 5; i++) {
        long v;
        if (!recv_update(updates, &v, HOUR))
            fail_with_dump(mark,
                           "update %d never came (waited an hour): the feed's goroutine "
                           "fetches on every tick of a ticker_new(period) and sends the value "
                           "on updates",
                           i);
        go_duration_t at = time_since(start);
        ck_assert_msg(v == 100 + i, "update %d is %ld, expected fetch(%d) = %d", i, v, i, 100 + i);
        ck_assert_msg(at == (i + 1) * SECOND,
                      "update %d came after %s, expected %d s: one fetch on each tick of a "
                      "1 s ticker, the first at 1 s",
                      i, dur(at, b), i + 1);
    }
    ck_assert_msg(atomic64_load(&fetch_from_caller) == 0,
                  "fetch was called from the caller's goroutine: the feed's goroutine fetches");
    ck_assert_msg(atomic64_load(&fetch_bad_n) == 0,
                  "fetch was called with n out of sequence: fetch(0), fetch(1), ...");
    go_duration_t took = close_bounded(f, mark, "after 5 updates, at 5 s");
    ck_assert_msg(took == 0,
                  "feed_close, called at 5 s while the feed's goroutine waited for the next tick, "
                  "took %s, expected no time at all: nothing was in progress. The wait for the "
                  "tick must be a chan_select with the quit channel too, not a plain chan_recv",
                  dur(took, b));
    expect_none_left(mark, 0,
                     "feed_close returned, but goroutines the feed started are still alive: "
                     "feed_close returns only once the feed's goroutine has exited (wait for "
                     "it: a channel it closes as its last act, or a WaitGroup)");
}

START_TEST(test_feed_delivers_a_fetch_on_every_tick)
{
    go_synctest(feed_ticks, NULL);
}
END_TEST

static void feed_unread(void *unused)
{
    (void)unused;
    reset_feed(0);
    go_leak_mark_t mark = go_leak_mark();
    feed_t *f = feed_subscribe(fetch, SECOND);
    go_sleep(10 * SECOND); /* nobody reads: the goroutine waits with fetch(0)'s value */
    long fetched = (long)atomic64_load(&fetches);
    ck_assert_msg(fetched == 1,
                  "nobody read the updates for 10 s, and fetch was called %ld times: while it "
                  "waits for a reader to take a value, the goroutine fetches nothing more%s",
                  fetched, fetched == 0 ? " (but the first tick, at 1 s, must fetch)" : "");

    char b[32];
    go_duration_t took = close_bounded(f, mark,
                                       "at 10 s, while the feed's goroutine waited for a reader "
                                       "to take its value (nobody was reading)");

    ck_assert_msg(took == 0, "feed_close took %s, expected no time at all", dur(took, b));
    expect_none_left(mark, 0,
                     "feed_close returned, but the feed's goroutine is still alive, waiting for a "
                     "reader that is gone: the send must be a chan_select with the quit channel");
}

START_TEST(test_feed_close_stops_a_goroutine_waiting_for_a_reader)
{
    go_synctest(feed_unread, NULL);
}
END_TEST

static void feed_in_progress(void *unused)
{
    (void)unused;
    reset_feed(2 * SECOND); /* the first fetch runs from 1 s to 3 s */
    go_leak_mark_t mark = go_leak_mark();
    feed_t *f = feed_subscribe(fetch, SECOND);
    go_sleep(2 * SECOND);
    ck_assert_msg(atomic64_load(&fetches) == 1,
                  "at 2 s, fetch had been called %lld times, "
                  "expected once (at the first tick, 1 s)",
                  (long long)atomic64_load(&fetches));

    char b[32];
    go_duration_t took = close_bounded(f, mark,
                                       "at 2 s, while a fetch (1 s to 3 s) was in "
                                       "progress");

    ck_assert_msg(took == SECOND,
                  "feed_close, called at 2 s while a fetch ran until 3 s, returned after %s, "
                  "expected 1 s (at 3 s): it returns only once the goroutine has exited%s",
                  dur(took, b),
                  took < SECOND ? ". Returning earlier leaves the goroutine running after "
                                  "feed_close (a leak its caller can't see), using f after it "
                                  "is freed"
                                : "");
    ck_assert_msg(atomic64_load(&fetches) == 1,
                  "fetch was called %lld times: once the goroutine is told to stop, it starts no "
                  "new fetch",
                  (long long)atomic64_load(&fetches));
    expect_none_left(mark, 0,
                     "feed_close returned, but goroutines the feed started are still "
                     "alive");
}

START_TEST(test_feed_close_waits_for_the_fetch_in_progress)
{
    go_synctest(feed_in_progress, NULL);
}
END_TEST

static void feed_after_close(void *unused)
{
    (void)unused;
    reset_feed(0);
    go_leak_mark_t mark = go_leak_mark();
    feed_t *f = feed_subscribe(fetch, SECOND);
    chan_t *updates = feed_updates(f);
    for (int i = 0; i < 3; i++) {
        long v;
        if (!recv_update(updates, &v, HOUR)) fail_with_dump(mark, "update %d never came", i);
    }
    go_sleep(500 * MILLISECOND);
    go_duration_t took = close_bounded(f, mark, "at 3.5 s, between two ticks");
    char b[32];
    ck_assert_msg(took == 0,
                  "feed_close, called at 3.5 s between two ticks, took %s, expected no time at "
                  "all: the wait for the next tick must be a chan_select with the quit channel "
                  "too",
                  dur(took, b));
    expect_none_left(mark, 0,
                     "feed_close returned at 3.5 s (between two ticks), but goroutines the feed "
                     "started are still alive: the wait for the next tick must be a chan_select "
                     "with the quit channel too");
    go_sleep(HOUR);
    long fetched = (long)atomic64_load(&fetches);
    ck_assert_msg(fetched == 3,
                  "3 updates were read, feed_close was called at 3.5 s, and an hour later fetch "
                  "has been called %ld times, expected 3: nothing fetches once the feed is closed",
                  fetched);
}

START_TEST(test_feed_fetches_nothing_once_closed)
{
    go_synctest(feed_after_close, NULL);
}
END_TEST

/* ---- Task 5: verify_none ----------------------------------------------------------------------
 */

static void exit_after(void *arg)
{
    go_sleep(*(go_duration_t *)arg);
}

static void stuck_forever(void *ch)
{
    chan_recv(ch, NULL); /* until the test closes ch, after verify_none */
}

static void verify_waits(void *unused)
{
    (void)unused;
    static go_duration_t after[3] = {500 * MILLISECOND, SECOND, 1500 * MILLISECOND};
    leak_guard_t g = leak_guard();
    for (int i = 0; i < 3; i++)
        go(exit_after, &after[i]);
    go_time_t start = time_now();
    report[0] = '\0';

    int n = verify_none(g, 5 * SECOND, report, sizeof report);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(n == 0,
                  "verify_none returned %d: the 3 goroutines started after the guard exit after "
                  "0.5, 1 and 1.5 s, well within its patience of 5 s; it must wait for them and "
                  "return 0",
                  n);
    ck_assert_msg(took >= 1500 * MILLISECOND && took <= 1600 * MILLISECOND,
                  "verify_none returned after %s; the last goroutine exited after 1.5 s: "
                  "expected between 1.5 s and 1.6 s (sleep 1 ms, 2 ms, 4 ms ... at most 100 ms "
                  "between two checks)%s",
                  dur(took, b),
                  took < 1500 * MILLISECOND ? ": did it return before they had all exited?" : "");
}

START_TEST(test_verify_none_waits_for_goroutines_that_are_still_finishing)
{
    gk_synctest_watched(verify_waits, NULL, 3,
                        "Here that is verify_none: does it check go_numgoroutine() in a loop "
                        "without go_sleep between two checks, or sleep in real time (usleep, "
                        "nanosleep)? Only go_sleep lets the virtual clock move. Or does it "
                        "call go_leak_check in the loop? That one waits by itself, in real "
                        "time: count with go_numgoroutine(), and call go_leak_check once, on "
                        "giving up");
}
END_TEST

static void verify_gives_up(void *unused)
{
    (void)unused;
    chan_t *old_ch = chan_make(0, 0), *ch = chan_make(0, 0);
    go(stuck_forever, old_ch); /* before the guard: not the test's business */
    leak_guard_t g = leak_guard();
    go(stuck_forever, ch);
    static go_duration_t quick = 200 * MILLISECOND;
    go(exit_after, &quick);
    go_time_t start = time_now();
    report[0] = '\0';

    int n = verify_none(g, 2 * SECOND, report, sizeof report);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(took >= 2 * SECOND && took <= 2100 * MILLISECOND,
                  "verify_none returned after %s; one goroutine never exits, and its patience "
                  "is 2 s: expected it to give up after 2 s (not before, and at most 100 ms "
                  "after)",
                  dur(took, b));
    ck_assert_msg(n == 1,
                  "verify_none returned %d; exactly 1 goroutine started since the guard is still "
                  "alive (the one started before the guard doesn't count): return "
                  "go_leak_check(guard.mark, report, len)",
                  n);
    ck_assert_msg(strstr(report, "stuck_forever") && strstr(report, "[chan receive]"),
                  "verify_none's report must name the leaked goroutine and where it is stuck "
                  "(stuck_forever, [chan receive]): go_leak_check writes that dump. It wrote:\n%s",
                  report);
    chan_close(ch);
    chan_close(old_ch);
    go_sleep(SECOND);
    chan_free(ch);
    chan_free(old_ch);
}

START_TEST(test_verify_none_gives_up_after_its_patience_and_names_the_leak)
{
    go_synctest(verify_gives_up, NULL);
}
END_TEST

static void verify_old_ones(void *unused)
{
    (void)unused;
    chan_t *ch = chan_make(0, 0);
    go(stuck_forever, ch);
    go(stuck_forever, ch);
    leak_guard_t g = leak_guard();
    static go_duration_t now = 0;
    go(exit_after, &now);
    go_time_t start = time_now();
    report[0] = '\0';

    int n = verify_none(g, HOUR, report, sizeof report);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(n == 0 && took <= 100 * MILLISECOND,
                  "verify_none returned %d after %s; the only goroutine started since the guard "
                  "exits at once, and the two still alive were started before it (they are not "
                  "the code under test's): expected 0 within 100 ms. Compare go_numgoroutine() "
                  "with guard.baseline",
                  n, dur(took, b));
    chan_close(ch);
    go_sleep(SECOND);
    chan_free(ch);
}

START_TEST(test_verify_none_ignores_goroutines_started_before_the_guard)
{
    go_synctest(verify_old_ones, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("leaks");
    kata_add_test(s, test_first_answer_returns_the_fastest_replicas_value_the_moment_it_answers);
    kata_add_test(s, test_first_answer_leaves_no_goroutine_behind_once_the_slower_replicas_answer);
    kata_add_test(s, test_first_answer_asks_every_replica_once_from_a_goroutine_of_its_own);
    kata_add_test(s, test_first_answer_called_again_and_again_with_replicas_answering_at_once);
    kata_add_test(s, test_first_answer_ctx_returns_the_first_answer_and_cancels_the_other_queries);
    kata_add_test(s, test_first_answer_ctx_gives_up_at_the_deadline);
    kata_add_test(
        s, test_first_answer_ctx_leaves_no_goroutine_behind_when_the_queries_ignore_the_context);
    kata_add_test(s, test_first_answer_ctx_returns_when_its_caller_cancels);
    kata_add_test(s, test_process_batch_handles_every_item_once_with_that_many_workers_at_once);
    kata_add_test(s, test_process_batch_stops_at_the_first_error_and_leaves_no_goroutine_behind);
    kata_add_test(s, test_process_batch_returns_the_earliest_error_not_the_lowest_items);
    kata_add_test(s, test_process_batch_of_no_items_or_fewer_items_than_workers);
    kata_add_test(s, test_feed_delivers_a_fetch_on_every_tick);
    kata_add_test(s, test_feed_close_stops_a_goroutine_waiting_for_a_reader);
    kata_add_test(s, test_feed_close_waits_for_the_fetch_in_progress);
    kata_add_test(s, test_feed_fetches_nothing_once_closed);
    kata_add_test(s, test_verify_none_waits_for_goroutines_that_are_still_finishing);
    kata_add_test(s, test_verify_none_gives_up_after_its_patience_and_names_the_leak);
    kata_add_test(s, test_verify_none_ignores_goroutines_started_before_the_guard);
    return s;
}
