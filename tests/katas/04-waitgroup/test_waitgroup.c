/*
 * Kata 04 · WaitGroup: the tests that grade waitgroup.c.
 *
 * Anything timed runs in virtual time (go_synctest): f, fetch and the work
 * of task 4 sleep for whole seconds that pass instantly, and each test
 * asserts the exact virtual time a call took. That is how a test sees that
 * calls ran at once (16 calls of 1 s in 1 s), that a function waited (not
 * 0 s), or gave up on time (exactly d). Results are read right after each
 * call: if the call did not really wait, ThreadSanitizer and Helgrind see
 * the read race with the goroutine's write.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "waitgroup.h"

/* ---- helpers ------------------------------------------------------------- */

/* The goroutine dump of a leak report, without its first line. */
static const char *dump_of(const char *leak_report)
{
    const char *p = strstr(leak_report, "\n\n");
    return p ? p + 2 : leak_report;
}

/* ---- Task 1: map_each, map_workers --------------------------------------- */

enum { MAX_N = 64, BASE = 100 };

/* Element i of every input is BASE + i, so f knows which element it maps. */
static int input[MAX_N];
/* caller_of[i]: the goroutine that called f for element i (0: none yet).
 * Written by the kata's goroutines, read by the test after the call
 * returned: only safe if the call waited for them. */
static long caller_of[MAX_N];
static long test_goroutine;

static void fill_input(int n)
{
    for (int i = 0; i < n; i++) {
        input[i] = BASE + i;
        caller_of[i] = 0;
    }
}

static int square(int x)
{
    return x * x;
}

/* f of the timed tests: records who called it, then takes 1 s. */
static int square_in_one_second(int x)
{
    if (x >= BASE && x < BASE + MAX_N) caller_of[x - BASE] = go_id();
    go_sleep(SECOND);
    return x * x;
}

/* out[0..n) must be in[i]^2, each written. */
static void check_squares(const char *fn, const int *in, const int *out, int n)
{
    for (int i = 0; i < n; i++) {
        int want = in[i] * in[i];
        ck_assert_msg(out[i] == want, "%s: out[%d] = %d, expected f(%d) = %d: %s", fn, i, out[i],
                      in[i], want,
                      out[i] == -1 ? "it was never written. Does the function wait (wg_wait) for "
                                     "every goroutine before it returns? Does each goroutine "
                                     "get an argument of its own (not a pointer to the loop "
                                     "variable, which keeps changing)?"
                                   : "does each goroutine get an argument of its own (not a "
                                     "pointer to the loop variable, which keeps changing)?");
    }
}

/* Checks the goroutines that called f for elements [0, n): never the
 * caller, and `want` different ones. Fills share[k] with how many elements
 * the k-th goroutine mapped; returns how many goroutines there were. */
static int check_callers(const char *fn, int n, int want, int share[MAX_N])
{
    long who[MAX_N];
    int ngoroutines = 0;
    for (int i = 0; i < n; i++) {
        ck_assert_msg(caller_of[i] != 0, "%s: f was never called for in[%d]", fn, i);
        ck_assert_msg(caller_of[i] != test_goroutine,
                      "%s: f(in[%d]) ran in the calling goroutine; it must run in a goroutine "
                      "that %s starts",
                      fn, i, fn);
        int k = 0;
        while (k < ngoroutines && who[k] != caller_of[i])
            k++;
        if (k == ngoroutines) {
            who[k] = caller_of[i];
            share[k] = 0;
            ngoroutines++;
        }
        share[k]++;
    }
    ck_assert_msg(ngoroutines == want,
                  "%s: f was called from %d different goroutines for %d elements, expected %d", fn,
                  ngoroutines, n, want);
    return ngoroutines;
}

START_TEST(test_map_each_applies_f_to_every_element)
{
    enum { N = 32 };
    int in[N], out[N];
    for (int i = 0; i < N; i++) {
        in[i] = i * 3 - 40;
        out[i] = -1;
    }
    map_each(in, out, N, square);
    check_squares("map_each", in, out, N);
}
END_TEST

/* Each element in its own goroutine, all at once: 16 calls of 1 s in 1 s. */
static void map_each_16_slow_calls(void *unused)
{
    (void)unused;
    enum { N = 16 };
    int out[N];
    fill_input(N);
    for (int i = 0; i < N; i++)
        out[i] = -1;
    test_goroutine = go_id();
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();

    map_each(input, out, N, square_in_one_second);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(took >= SECOND,
                  "map_each returned after %s, but each call of f takes 1 s: it returned before "
                  "its goroutines were done. Does it wait for them (wg_wait)? And is each "
                  "wg_add done before the go it counts? (An Add inside the goroutine may come "
                  "after the Wait.)",
                  gk_fmt_duration(took, b));
    ck_assert_msg(took == SECOND,
                  "map_each took %s for 16 calls of f that take 1 s each, expected 1 s: do all "
                  "the calls run at the same time, each in a goroutine of its own?",
                  gk_fmt_duration(took, b));
    check_squares("map_each", input, out, N);
    int share[MAX_N];
    check_callers("map_each", N, N, share);
    long started = gk_started_since(mark);
    ck_assert_msg(started == N, "map_each started %ld goroutines for %d elements, expected %d",
                  started, N, N);
}

START_TEST(test_map_each_runs_every_call_at_once_and_waits_for_all)
{
    go_synctest(map_each_16_slow_calls, NULL);
}
END_TEST

static bool f_called;

static int must_not_be_called(int x)
{
    f_called = true;
    return x;
}

START_TEST(test_map_each_of_no_elements_starts_no_goroutine)
{
    go_leak_mark_t mark = go_leak_mark();
    map_each(NULL, NULL, 0, must_not_be_called);
    long started = gk_started_since(mark);
    ck_assert_msg(!f_called, "map_each called f for 0 elements");
    ck_assert_msg(started == 0, "map_each started %ld goroutines for 0 elements, expected none",
                  started);
}
END_TEST

typedef struct {
    int n, workers;
} workers_case_t;

/* map_workers over n elements, f taking 1 s: each worker maps its share
 * one element after the other, so the call takes as many seconds as the
 * largest share has elements. */
static void map_workers_slowly(void *arg)
{
    const workers_case_t *c = arg;
    int n = c->n, workers = c->workers;
    int want_goroutines = workers < n ? workers : n;
    int largest_share = (n + want_goroutines - 1) / want_goroutines;
    int out[MAX_N];
    fill_input(n);
    for (int i = 0; i < n; i++)
        out[i] = -1;
    test_goroutine = go_id();
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();

    map_workers(input, out, n, workers, square_in_one_second);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(took >= (go_duration_t)largest_share * SECOND,
                  "map_workers(%d elements, %d workers) returned after %s, but with each call of "
                  "f taking 1 s the work takes %d s: it returned before its workers were done. "
                  "Does it wait for them (wg_wait)? And is each wg_add done before the go it "
                  "counts?",
                  n, workers, gk_fmt_duration(took, b), largest_share);
    check_squares("map_workers", input, out, n);
    int share[MAX_N];
    int ngoroutines = check_callers("map_workers", n, want_goroutines, share);
    int smallest = n, largest = 0;
    for (int k = 0; k < ngoroutines; k++) {
        if (share[k] < smallest) smallest = share[k];
        if (share[k] > largest) largest = share[k];
    }
    ck_assert_msg(largest - smallest <= 1,
                  "map_workers(%d elements, %d workers): one worker mapped %d elements and "
                  "another %d; the shares must differ by at most one (%d or %d each)",
                  n, workers, largest, smallest, n / want_goroutines, largest_share);
    ck_assert_msg(took == (go_duration_t)largest_share * SECOND,
                  "map_workers(%d elements, %d workers) took %s with f taking 1 s, expected %d s: "
                  "do the workers run at the same time?",
                  n, workers, gk_fmt_duration(took, b), largest_share);
    long started = gk_started_since(mark);
    ck_assert_msg(started == want_goroutines,
                  "map_workers(%d elements, %d workers) started %ld goroutines, expected %d", n,
                  workers, started, want_goroutines);
}

START_TEST(test_map_workers_shares_the_work_among_that_many_goroutines)
{
    workers_case_t c = {.n = 12, .workers = 4};
    go_synctest(map_workers_slowly, &c);
}
END_TEST

START_TEST(test_map_workers_splits_uneven_work_into_shares_that_differ_by_at_most_one)
{
    workers_case_t c = {.n = 10, .workers = 4};
    go_synctest(map_workers_slowly, &c);
    workers_case_t d = {.n = 13, .workers = 5};
    go_synctest(map_workers_slowly, &d);
}
END_TEST

START_TEST(test_map_workers_never_starts_more_workers_than_elements)
{
    workers_case_t c = {.n = 3, .workers = 8};
    go_synctest(map_workers_slowly, &c);

    go_leak_mark_t mark = go_leak_mark();
    map_workers(NULL, NULL, 0, 4, must_not_be_called);
    long started = gk_started_since(mark);
    ck_assert_msg(!f_called, "map_workers called f for 0 elements");
    ck_assert_msg(started == 0,
                  "map_workers(0 elements, 4 workers) started %ld goroutines, expected none",
                  started);
}
END_TEST

/* ---- Task 2: fetch_all ---------------------------------------------------- */

static int fetch_quickly(int id)
{
    return id * 10 + 1;
}

static int fetch_in_100ms(int id)
{
    go_sleep(100 * MILLISECOND);
    return id * 10 + 1;
}

static void check_fetched(const int *ids, const int *out, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(out[i] == ids[i] * 10 + 1,
                      "fetch_all: out[%d] = %d, expected fetch(%d) = %d: %s", i, out[i], ids[i],
                      ids[i] * 10 + 1,
                      out[i] == -1 ? "fetch_all returned before that result was written. Does "
                                     "wg_done come after the write?"
                                   : "the result went to the wrong place");
}

static void fetch_8_slowly(void *unused)
{
    (void)unused;
    enum { N = 8 };
    int ids[N], out[N];
    for (int i = 0; i < N; i++) {
        ids[i] = 7 * i + 3;
        out[i] = -1;
    }
    go_time_t start = time_now();

    fetch_all(ids, out, N, fetch_in_100ms);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(took >= 100 * MILLISECOND,
                  "fetch_all returned after %s, but each fetch takes 100 ms: wg_wait let it go "
                  "before the fetches were done. Is wg_done called before the work is? (Go's "
                  "`defer wg.Done()` runs when the function returns; a call in C runs where it "
                  "is written.)",
                  gk_fmt_duration(took, b));
    ck_assert_msg(took == 100 * MILLISECOND,
                  "fetch_all took %s for 8 fetches of 100 ms, expected 100 ms: do the fetches run "
                  "at the same time?",
                  gk_fmt_duration(took, b));
    check_fetched(ids, out, N);
}

START_TEST(test_fetch_all_returns_only_after_every_fetch_is_done)
{
    go_synctest(fetch_8_slowly, NULL);
}
END_TEST

/* Fast fetches: the plain run may well pass even with the bug, because the
 * goroutines usually write before the caller reads. The detectors don't
 * need luck: a read not ordered after the write is a data race. */
START_TEST(test_fetch_all_results_are_safe_to_read_once_it_returns)
{
    enum { N = 16 };
    int ids[N], out[N];
    for (int i = 0; i < N; i++) {
        ids[i] = i + 1;
        out[i] = -1;
    }
    fetch_all(ids, out, N, fetch_quickly);
    check_fetched(ids, out, N);
}
END_TEST

/* ---- Task 3: parse_all ---------------------------------------------------- */

enum { UNTOUCHED = 12345 };

typedef struct {
    const char *const *texts;
    int n;
    int values[MAX_N];
    bool ok[MAX_N];
    int valid;
    chan_t *returned; /* closed once parse_all has returned */
} parse_call_t;

static void call_parse_all(void *arg)
{
    parse_call_t *p = arg;
    p->valid = parse_all(p->texts, p->values, p->ok, p->n);
    chan_close(p->returned);
}

/* In a bubble: calls parse_all in a goroutine and gives it an hour of
 * virtual time (no real time at all) to return. If it hangs, fails with
 * where the stuck goroutines are. */
static void parse_all_within_an_hour(parse_call_t *p, const bool *want_ok)
{
    int invalid = 0;
    const char *example = "";
    for (int i = 0; i < p->n; i++) {
        p->values[i] = UNTOUCHED;
        p->ok[i] = !want_ok[i]; /* the wrong answer, until parse_all writes it */
        if (!want_ok[i] && invalid++ == 0) example = p->texts[i];
    }
    go_leak_mark_t mark = go_leak_mark();
    p->returned = chan_make(0, 0);
    go(call_parse_all, p);
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(p->returned, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1) {
        static char report[4096];
        go_leak_check(mark, report, sizeof report);
        ck_abort_msg("parse_all has not returned after an hour: its wg_wait is still waiting for "
                     "a wg_done. %d of the %d texts %s (\"%s\"): does the goroutine of an "
                     "invalid text call wg_done too? Where the goroutines are stuck:\n\n%s",
                     invalid, p->n, invalid == 1 ? "is not a number" : "are not numbers", example,
                     dump_of(report));
    }
    chan_free(p->returned);
}

static void check_parsed(const parse_call_t *p, const int *want_values, const bool *want_ok)
{
    int want_valid = 0;
    for (int i = 0; i < p->n; i++) {
        want_valid += want_ok[i];
        ck_assert_msg(p->ok[i] == want_ok[i], "parse_all: ok[%d] = %s for \"%s\", expected %s", i,
                      p->ok[i] ? "true" : "false", p->texts[i], want_ok[i] ? "true" : "false");
        if (want_ok[i])
            ck_assert_msg(p->values[i] == want_values[i],
                          "parse_all: values[%d] = %d for \"%s\", expected %d", i, p->values[i],
                          p->texts[i], want_values[i]);
        else
            ck_assert_msg(p->values[i] == UNTOUCHED,
                          "parse_all: values[%d] was changed to %d for \"%s\", which is not a "
                          "number; it must be left untouched",
                          i, p->values[i], p->texts[i]);
    }
    ck_assert_msg(p->valid == want_valid, "parse_all returned %d, expected %d valid texts",
                  p->valid, want_valid);
}

static void parse_one_bad_text(void *unused)
{
    (void)unused;
    static const char *const texts[] = {"12", "-7", "seven", "40"};
    static const int want_values[] = {12, -7, 0, 40};
    static const bool want_ok[] = {true, true, false, true};
    static parse_call_t p;
    p = (parse_call_t){.texts = texts, .n = 4};
    parse_all_within_an_hour(&p, want_ok);
    check_parsed(&p, want_values, want_ok);
}

START_TEST(test_parse_all_returns_even_when_a_text_is_not_a_number)
{
    go_synctest(parse_one_bad_text, NULL);
}
END_TEST

static void parse_only_bad_texts(void *unused)
{
    (void)unused;
    static const char *const texts[] = {"", "abc", "1.5", " 3", "0x10", "99999999999", "-"};
    static const int want_values[7];
    static const bool want_ok[7];
    static parse_call_t p;
    p = (parse_call_t){.texts = texts, .n = 7};
    parse_all_within_an_hour(&p, want_ok);
    check_parsed(&p, want_values, want_ok);
}

START_TEST(test_parse_all_returns_when_no_text_is_a_number)
{
    go_synctest(parse_only_bad_texts, NULL);
}
END_TEST

static void parse_a_mix(void *unused)
{
    (void)unused;
    static const char *const texts[] = {
        "0",   "+5", "-2147483648", "2147483647", "2147483648", "12abc", "007", "-0", "42 ", "1e3",
        "-12", "",   "65536",       "nine",       "31337",      "--1",   "8",   "+",  "-99", "100"};
    static const int want_values[] = {
        0,   5, -2147483647 - 1, 2147483647, 0,     0, 7, 0, 0,   0,
        -12, 0, 65536,           0,          31337, 0, 8, 0, -99, 100};
    static const bool want_ok[] = {true, true,  true,  true,  false, false, true,
                                   true, false, false, true,  false, true,  false,
                                   true, false, true,  false, true,  true};
    static parse_call_t p;
    p = (parse_call_t){.texts = texts, .n = 20};
    parse_all_within_an_hour(&p, want_ok);
    check_parsed(&p, want_values, want_ok);
}

START_TEST(test_parse_all_parses_every_valid_text_among_invalid_ones)
{
    go_synctest(parse_a_mix, NULL);
}
END_TEST

/* ---- Task 4: wait_timeout ------------------------------------------------- */

typedef struct {
    wg_t *wg;
    go_duration_t work; /* how long the job takes */
    int *result;        /* written just before wg_done */
    int value;
} job_t;

static void do_job(void *arg)
{
    job_t *j = arg;
    go_sleep(j->work);
    *j->result = j->value;
    wg_done(j->wg);
}

/* Starts one job per entry of works (in seconds), counted in wg. */
static void start_jobs(wg_t *wg, job_t *jobs, int *results, const int *works, int n)
{
    for (int i = 0; i < n; i++) {
        results[i] = -1;
        jobs[i] =
            (job_t){.wg = wg, .work = works[i] * SECOND, .result = &results[i], .value = 100 + i};
        wg_add(wg, 1);
        go(do_job, &jobs[i]);
    }
}

/* Once the work is over: nothing wait_timeout started may still be alive. */
static void check_nothing_left_behind(go_leak_mark_t mark)
{
    static char report[4096];
    int n = go_leak_check(mark, report, sizeof report);
    ck_assert_msg(n == 0,
                  "%d goroutine%s still alive after the work ended: the goroutine that "
                  "wait_timeout starts must exit once wg_wait returns, even when nobody listens "
                  "any more (after a timeout). A send on an unbuffered channel blocks forever "
                  "then; a close never blocks. Where it is stuck:\n\n%s",
                  n, n == 1 ? " is" : "s are", dump_of(report));
}

static void work_done_before_the_timeout(void *unused)
{
    (void)unused;
    enum { N = 4 };
    static const int works[N] = {1, 2, 3, 3};
    wg_t wg = {0};
    job_t jobs[N];
    int results[N];
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    start_jobs(&wg, jobs, results, works, N);

    bool finished = wait_timeout(&wg, 5 * SECOND);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(finished,
                  "wait_timeout(5 s) returned false after %s, but the work was done after 3 s",
                  gk_fmt_duration(took, b));
    ck_assert_msg(took == 3 * SECOND,
                  "wait_timeout(5 s) returned true after %s; the work was done after 3 s: it "
                  "must return as soon as the counter is zero",
                  gk_fmt_duration(took, b));
    for (int i = 0; i < N; i++)
        ck_assert_msg(results[i] == 100 + i,
                      "job %d's result is %d after wait_timeout returned true, expected %d", i,
                      results[i], 100 + i);
    check_nothing_left_behind(mark);
}

START_TEST(test_wait_timeout_returns_true_as_soon_as_the_work_is_done)
{
    go_synctest(work_done_before_the_timeout, NULL);
}
END_TEST

static void work_outlasts_the_timeout(void *unused)
{
    (void)unused;
    enum { N = 3 };
    static const int works[N] = {1, 10, 4};
    wg_t wg = {0};
    job_t jobs[N];
    int results[N];
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    start_jobs(&wg, jobs, results, works, N);

    bool finished = wait_timeout(&wg, 2 * SECOND);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(!finished,
                  "wait_timeout(2 s) returned true after %s; the work takes 10 s, so it must "
                  "give up after 2 s and return false",
                  gk_fmt_duration(took, b));
    ck_assert_msg(took == 2 * SECOND,
                  "wait_timeout(2 s) returned false after %s, expected exactly 2 s",
                  gk_fmt_duration(took, b));
    wg_wait(&wg); /* let the work end, then nothing may be left */
    check_nothing_left_behind(mark);
}

START_TEST(test_wait_timeout_returns_false_after_exactly_d_and_leaves_nothing_behind)
{
    go_synctest(work_outlasts_the_timeout, NULL);
}
END_TEST

static void nothing_to_wait_for(void *unused)
{
    (void)unused;
    wg_t wg = {0};
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();

    bool finished = wait_timeout(&wg, HOUR);

    go_duration_t took = time_since(start);
    char b[32];
    ck_assert_msg(finished, "wait_timeout(1 h) on a zero counter returned false after %s",
                  gk_fmt_duration(took, b));
    ck_assert_msg(took == 0,
                  "wait_timeout(1 h) on a zero counter returned after %s; nothing is pending, "
                  "so it must return at once",
                  gk_fmt_duration(took, b));
    check_nothing_left_behind(mark);
}

START_TEST(test_wait_timeout_returns_true_at_once_when_the_counter_is_zero)
{
    go_synctest(nothing_to_wait_for, NULL);
}
END_TEST

static void wait_again_and_again(void *unused)
{
    (void)unused;
    static const int works[1] = {10};
    wg_t wg = {0};
    job_t jobs[1];
    int results[1];
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    start_jobs(&wg, jobs, results, works, 1);
    char b[32];

    bool finished = wait_timeout(&wg, 2 * SECOND);
    ck_assert_msg(!finished && time_since(start) == 2 * SECOND,
                  "first wait_timeout(2 s): returned %s after %s, expected false after 2 s",
                  finished ? "true" : "false", gk_fmt_duration(time_since(start), b));
    finished = wait_timeout(&wg, 3 * SECOND);
    ck_assert_msg(!finished && time_since(start) == 5 * SECOND,
                  "second wait_timeout(3 s), after a first one timed out at 2 s: returned %s at "
                  "%s, expected false at 5 s",
                  finished ? "true" : "false", gk_fmt_duration(time_since(start), b));
    finished = wait_timeout(&wg, HOUR);
    ck_assert_msg(finished && time_since(start) == 10 * SECOND,
                  "third wait_timeout(1 h), after two timed out: returned %s at %s, expected true "
                  "at 10 s, when the work is done",
                  finished ? "true" : "false", gk_fmt_duration(time_since(start), b));
    ck_assert_msg(results[0] == 100, "the job's result is %d after wait_timeout returned true",
                  results[0]);
    check_nothing_left_behind(mark);
}

START_TEST(test_wait_timeout_can_wait_again_after_a_timeout)
{
    go_synctest(wait_again_and_again, NULL);
}
END_TEST

/* Three goroutines wait on one WaitGroup with different timeouts. */
typedef struct {
    wg_t *work;         /* what they wait for */
    go_duration_t d;    /* their timeout */
    go_time_t start;    /* when the test started */
    bool finished;      /* what wait_timeout returned */
    go_duration_t took; /* and when */
    wg_t *waiters;      /* the test waits for the waiters with this */
} waiter_case_t;

static void wait_with_timeout(void *arg)
{
    waiter_case_t *w = arg;
    w->finished = wait_timeout(w->work, w->d);
    w->took = time_since(w->start);
    wg_done(w->waiters);
}

static void three_waiters(void *unused)
{
    (void)unused;
    static const int works[2] = {4, 2};
    wg_t work = {0}, waiters = {0};
    job_t jobs[2];
    int results[2];
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    start_jobs(&work, jobs, results, works, 2);
    static const go_duration_t ds[3] = {1 * SECOND, 5 * SECOND, 20 * SECOND};
    waiter_case_t w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (waiter_case_t){.work = &work, .d = ds[i], .start = start, .waiters = &waiters};
        wg_add(&waiters, 1);
        go(wait_with_timeout, &w[i]);
    }
    wg_wait(&waiters);
    char b[32];
    ck_assert_msg(!w[0].finished && w[0].took == SECOND,
                  "wait_timeout(1 s), with the work taking 4 s: returned %s after %s, expected "
                  "false after 1 s",
                  w[0].finished ? "true" : "false", gk_fmt_duration(w[0].took, b));
    for (int i = 1; i < 3; i++)
        ck_assert_msg(w[i].finished && w[i].took == 4 * SECOND,
                      "wait_timeout(%lld s), with the work taking 4 s and two other goroutines "
                      "waiting too: returned %s after %s, expected true after 4 s",
                      (long long)(ds[i] / SECOND), w[i].finished ? "true" : "false",
                      gk_fmt_duration(w[i].took, b));
    check_nothing_left_behind(mark);
}

START_TEST(test_wait_timeout_serves_several_waiters_at_once)
{
    go_synctest(three_waiters, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("waitgroup");
    kata_add_test(s, test_map_each_applies_f_to_every_element);
    kata_add_test(s, test_map_each_runs_every_call_at_once_and_waits_for_all);
    kata_add_test(s, test_map_each_of_no_elements_starts_no_goroutine);
    kata_add_test(s, test_map_workers_shares_the_work_among_that_many_goroutines);
    kata_add_test(s, test_map_workers_splits_uneven_work_into_shares_that_differ_by_at_most_one);
    kata_add_test(s, test_map_workers_never_starts_more_workers_than_elements);
    kata_add_test(s, test_fetch_all_returns_only_after_every_fetch_is_done);
    kata_add_test(s, test_fetch_all_results_are_safe_to_read_once_it_returns);
    kata_add_test(s, test_parse_all_returns_even_when_a_text_is_not_a_number);
    kata_add_test(s, test_parse_all_returns_when_no_text_is_a_number);
    kata_add_test(s, test_parse_all_parses_every_valid_text_among_invalid_ones);
    kata_add_test(s, test_wait_timeout_returns_true_as_soon_as_the_work_is_done);
    kata_add_test(s, test_wait_timeout_returns_false_after_exactly_d_and_leaves_nothing_behind);
    kata_add_test(s, test_wait_timeout_returns_true_at_once_when_the_counter_is_zero);
    kata_add_test(s, test_wait_timeout_can_wait_again_after_a_timeout);
    kata_add_test(s, test_wait_timeout_serves_several_waiters_at_once);
    return s;
}
