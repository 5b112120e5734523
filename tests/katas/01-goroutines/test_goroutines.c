/*
 * Kata 01 · Goroutines: the tests that grade goroutines.c.
 *
 * Every test also runs under ThreadSanitizer and Helgrind, and the harness
 * fails any test that leaves a goroutine running. So a solution that forgets
 * to wait, or shares a variable between goroutines, fails even on a run where
 * its answer happens to come out right.
 *
 * Timing is never guessed: the run_together tests sleep in virtual time
 * (go_synctest), where the clock moves only when every goroutine is blocked,
 * so durations are exact and the same under Helgrind's slowdown.
 */
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "goroutines.h"

/*
 * How many goroutines were started between two marks. The runtime numbers
 * goroutines in the order they are created (as Go does), and a mark is the
 * next number to be given out, so the difference of two marks is a count.
 */
static long goroutines_started(go_leak_mark_t before, go_leak_mark_t after)
{
    return after.first_id - before.first_id;
}

/* ---- Task 1: sum_parallel ------------------------------------------------ */

static long one_to_a_thousand[1000];

static void fill_one_to_a_thousand(void)
{
    for (int i = 0; i < 1000; i++)
        one_to_a_thousand[i] = i + 1;
}

/* What a wrong total most likely means, for the failure message. */
static const char *why_the_sum_is_off(long want, long got)
{
    if (got == 0)
        return "every slot still read 0: were the slots added up before the goroutines had "
               "written them? Wait for all of them (wg_wait) first";
    if (got < want)
        return "some numbers are missing: is a part left out, or read before its goroutine "
               "finished (wg_wait before adding up the slots)? Do several goroutines add into "
               "one shared variable (each needs a slot of its own)?";
    return "some numbers were counted twice: do two parts overlap?";
}

START_TEST(test_sum_parallel_adds_every_number)
{
    fill_one_to_a_thousand();
    long got = sum_parallel(one_to_a_thousand, 1000, 4);
    ck_assert_msg(got == 500500, "sum_parallel(1..1000, 4 workers): expected 500500, got %ld: %s",
                  got, why_the_sum_is_off(500500, got));
}
END_TEST

START_TEST(test_sum_parallel_splits_the_work_across_n_goroutines)
{
    fill_one_to_a_thousand();
    const int workers[] = {1, 2, 3, 8, 16};
    for (size_t k = 0; k < sizeof workers / sizeof workers[0]; k++) {
        int w = workers[k];
        go_leak_mark_t before = go_leak_mark();
        long got = sum_parallel(one_to_a_thousand, 1000, w);
        long started = goroutines_started(before, go_leak_mark());
        ck_assert_msg(started == w,
                      "sum_parallel(1..1000, %d worker%s) started %ld goroutines, expected %d: "
                      "start exactly one goroutine per part with go(fn, arg)",
                      w, w == 1 ? "" : "s", started, w);
        ck_assert_msg(got == 500500,
                      "sum_parallel(1..1000, %d worker%s): expected 500500, got %ld: %s", w,
                      w == 1 ? "" : "s", got, why_the_sum_is_off(500500, got));
    }
}
END_TEST

/* Writes "xs[2], xs[5]" for the bits of mask (xs[i] is 1 << i below). */
static void name_elements(char *buf, size_t len, long mask)
{
    buf[0] = '\0';
    for (int i = 0; i < 62; i++) {
        if (!(mask & (1L << i))) continue;
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%sxs[%d]", used ? ", " : "", i);
    }
}

START_TEST(test_sum_parallel_covers_every_number_once_when_the_parts_are_uneven)
{
    /* xs[i] = 2^i: a wrong total tells exactly which numbers went missing. */
    static long xs[40];
    for (int i = 0; i < 40; i++)
        xs[i] = 1L << i;
    const struct {
        size_t n;
        int workers;
    } cases[] = {{10, 3}, {7, 7}, {3, 8}, {1, 2}, {40, 16}, {40, 6}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = cases[k].n;
        int w = cases[k].workers;
        long want = (1L << n) - 1;
        long got = sum_parallel(xs, n, w);
        if (got == want) continue;
        char which[512];
        name_elements(which, sizeof which, got < want ? want - got : got - want);
        ck_abort_msg("sum_parallel over %zu numbers with %d workers: expected %ld, got %ld: "
                     "as if %s %s. Part w can be xs[n*w/workers .. n*(w+1)/workers): the "
                     "parts then cover every number exactly once, even when workers > n",
                     n, w, want, got, which,
                     got < want ? "were left out (or read before their goroutine finished)"
                                : "were counted twice");
    }
}
END_TEST

START_TEST(test_sum_parallel_of_no_numbers_is_zero)
{
    long got = sum_parallel(NULL, 0, 1);
    ck_assert_msg(got == 0, "sum_parallel(NULL, 0, 1 worker): expected 0, got %ld", got);
    got = sum_parallel(NULL, 0, 4);
    ck_assert_msg(got == 0,
                  "sum_parallel(NULL, 0, 4 workers): expected 0, got %ld (with n == 0 every "
                  "part is empty, and xs may be NULL: don't read it)",
                  got);
}
END_TEST

/* ---- Task 2: count_words ------------------------------------------------- */

/* What counts[] holds before the call: a count nobody wrote stays visible. */
enum { UNWRITTEN = -1 };

static void check_counts(const char *const *docs, const int *want, int n, int *counts)
{
    long want_total = 0;
    for (int i = 0; i < n; i++)
        want_total += want[i];
    for (int i = 0; i < n; i++)
        counts[i] = UNWRITTEN;

    long total = count_words(docs, n, counts);

    ck_assert_msg(total == want_total,
                  "count_words over %d documents returned %ld, expected %ld words in all: did it "
                  "add up counts[] before every goroutine had written its count? Wait for them "
                  "first. (The test sets each counts[i] to -1 before the call: a count nobody "
                  "wrote yet adds -1.)",
                  n, total, want_total);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(counts[i] != UNWRITTEN,
                      "counts[%d] was never written (still %d, as before the call): count_words "
                      "returned before that document's goroutine had finished",
                      i, UNWRITTEN);
        ck_assert_msg(counts[i] == want[i], "counts[%d] for \"%s\": expected %d words, got %d", i,
                      docs[i], want[i], counts[i]);
    }
}

START_TEST(test_count_words_counts_every_document_and_the_total)
{
    static const char *const docs[] = {
        "the quick brown fox",
        "",
        "  jumps   over\tthe\nlazy dog  ",
        "one",
        "Don't communicate by sharing memory; share memory by communicating.",
        "   ",
    };
    static const int want[] = {4, 0, 5, 1, 9, 0};
    static int counts[6];
    check_counts(docs, want, 6, counts);
}
END_TEST

START_TEST(test_count_words_waits_for_every_goroutine_call_after_call)
{
    /* 24 documents of 1..24 words, counted three times over: each call must
     * have every count in place when it returns. */
    enum { N = 24 };
    static char text[N][256];
    static const char *docs[N];
    static int want[N];
    static int counts[N];
    for (int i = 0; i < N; i++) {
        text[i][0] = '\0';
        for (int w = 0; w <= i; w++)
            strcat(text[i], w % 2 ? " go" : "  gopher");
        docs[i] = text[i];
        want[i] = i + 1;
    }
    for (int round = 0; round < 3; round++)
        check_counts(docs, want, N, counts);

    long total = count_words(NULL, 0, NULL);
    ck_assert_msg(total == 0, "count_words over no documents returned %ld, expected 0", total);
}
END_TEST

/* ---- Task 3: checked_sum ------------------------------------------------- */

START_TEST(test_checked_sum_adds_up_good_input_and_rejects_bad_input)
{
    static const long good[] = {3, 1, 4, 1, 5, 9, 2, 6};
    long got = checked_sum(good, 8);
    ck_assert_msg(got == 31, "checked_sum({3, 1, 4, 1, 5, 9, 2, 6}): expected 31, got %ld", got);
    got = checked_sum(good, 0);
    ck_assert_msg(got == 0, "checked_sum of no numbers: expected 0, got %ld", got);

    static const long bad[] = {3, 1, -4, 1, 5};
    got = checked_sum(bad, 5);
    ck_assert_msg(got == -1,
                  "checked_sum({3, 1, -4, 1, 5}): expected -1 (a negative number), "
                  "got %ld",
                  got);
}
END_TEST

START_TEST(test_checked_sum_leaves_no_goroutine_behind_when_the_input_is_bad)
{
    static const long bad_first[] = {-1, 2, 3};
    static const long bad_last[] = {1, 2, -3};
    static const long *const inputs[] = {bad_first, bad_last};
    for (int k = 0; k < 2; k++) {
        go_leak_mark_t mark = go_leak_mark();
        long got = checked_sum(inputs[k], 3);
        ck_assert_msg(got == -1, "checked_sum({%ld, %ld, %ld}): expected -1, got %ld", inputs[k][0],
                      inputs[k][1], inputs[k][2], got);
        static char dump[4096];
        int leaked = go_leak_check(mark, dump, sizeof dump);
        ck_assert_msg(leaked == 0,
                      "checked_sum({%ld, %ld, %ld}) returned -1 but left a goroutine blocked "
                      "forever. Every goroutine you start must be able to finish, on every path: "
                      "who receives its sum when the input is bad?\n\n%s",
                      inputs[k][0], inputs[k][1], inputs[k][2], dump);
    }
}
END_TEST

/* ---- Task 4: run_together ------------------------------------------------ */

enum { CALLS = 16 };

/*
 * What the calls of fn saw, shared by them and the test. The counters are
 * atomics, so that the only data race a detector can find is one in
 * run_together itself.
 */
typedef struct {
    int n;                   /* run_together's n */
    atomic64_t seen[CALLS];  /* how many times fn(i) was called */
    atomic64_t out_of_range; /* calls with an i outside 0..n-1 */
    atomic64_t bad_i;        /* the last such i */
    atomic64_t wrong_arg;    /* calls whose arg was not this struct */
} calls_t;

/* Records the call; false if i is not one fn should ever get. */
static bool record_call(calls_t *c, int i)
{
    if (i < 0 || i >= c->n) {
        atomic64_add(&c->out_of_range, 1);
        atomic64_store(&c->bad_i, i);
        return false;
    }
    atomic64_add(&c->seen[i], 1);
    return true;
}

/* After run_together(c->n, ...): did any two calls share an i? */
static void check_no_index_shared(calls_t *c)
{
    ck_assert_msg(atomic64_load(&c->wrong_arg) == 0,
                  "fn was called with an arg other than the one given to run_together: pass "
                  "arg through unchanged");
    ck_assert_msg(atomic64_load(&c->out_of_range) == 0,
                  "run_together(%d, ...) called fn with i = %ld, outside 0..%d: did a goroutine "
                  "read i after the loop had moved on? Give each goroutine its own copy of its "
                  "index (&i is one variable, and the loop keeps changing it)",
                  c->n, (long)atomic64_load(&c->bad_i), c->n - 1);
    for (int i = 0; i < c->n; i++) {
        long seen = (long)atomic64_load(&c->seen[i]);
        ck_assert_msg(seen <= 1,
                      "run_together(%d, ...) called fn(%d, arg) %ld times, expected once: does "
                      "every goroutine get its own copy of i? (&i is one variable, and the loop "
                      "keeps changing it while the goroutines read it)",
                      c->n, i, seen);
    }
}

/* After run_together(c->n, ...) returned: was fn called with every i? */
static void check_every_index_called(calls_t *c)
{
    for (int i = 0; i < c->n; i++)
        ck_assert_msg(atomic64_load(&c->seen[i]) == 1,
                      "run_together(%d, ...) returned, and fn(%d, arg) had not been called: "
                      "start one goroutine for every i, and wait for all of them before "
                      "returning",
                      c->n, i);
}

static calls_t the_calls = {.n = CALLS};

static void count_call(int i, void *arg)
{
    if (arg != &the_calls) {
        atomic64_add(&the_calls.wrong_arg, 1);
        return;
    }
    record_call(&the_calls, i);
}

START_TEST(test_run_together_calls_fn_once_with_every_index)
{
    run_together(CALLS, count_call, &the_calls);
    check_no_index_shared(&the_calls);
    check_every_index_called(&the_calls);

    run_together(0, count_call, &the_calls);
    for (int i = 0; i < CALLS; i++)
        ck_assert_msg(atomic64_load(&the_calls.seen[i]) == 1,
                      "run_together(0, ...) called fn(%d, arg): with n == 0 there is nothing to "
                      "call",
                      i);
}
END_TEST

/* Each call sleeps (i + 1) ms of virtual time, then says it is done. */
typedef struct {
    calls_t calls;
    bool done[CALLS];      /* done[i]: written by call i only, read by the test after */
    go_duration_t elapsed; /* how long run_together took, in virtual time */
    int first_not_done;    /* -1 when every call had returned */
} sleepy_t;

static void sleep_then_finish(int i, void *arg)
{
    sleepy_t *s = arg;
    if (!record_call(&s->calls, i)) return;
    go_sleep((i + 1) * MILLISECOND);
    s->done[i] = true;
}

static void run_sleepy_calls(void *arg)
{
    sleepy_t *s = arg;
    go_time_t start = time_now();
    run_together(s->calls.n, sleep_then_finish, s);
    s->elapsed = time_since(start);
    s->first_not_done = -1;
    for (int i = 0; i < s->calls.n && s->first_not_done < 0; i++)
        if (!s->done[i]) s->first_not_done = i;
}

START_TEST(test_run_together_runs_every_call_at_the_same_time)
{
    sleepy_t s = {.calls.n = 8};
    go_synctest(run_sleepy_calls, &s); /* virtual time: the sleeps are exact and instant */
    long ms = (long)(s.elapsed / MILLISECOND);
    check_no_index_shared(&s.calls);
    ck_assert_msg(s.elapsed >= 8 * MILLISECOND,
                  "run_together(8, ...) returned after %ld ms, before its longest call (8 ms) "
                  "had returned: wait for every goroutine before returning",
                  ms);
    check_every_index_called(&s.calls);
    ck_assert_msg(s.elapsed == 8 * MILLISECOND,
                  "run_together(8, ...) with calls that sleep 1, 2, ... 8 ms took %ld ms; calls "
                  "running at the same time take 8 ms, the longest one%s",
                  ms,
                  ms == 36 ? ". 36 ms = 1 + 2 + ... + 8: they ran one after another. Start every "
                             "goroutine first, then wait once, after the loop"
                           : "");
}
END_TEST

START_TEST(test_run_together_returns_after_every_call_has_returned)
{
    sleepy_t s = {.calls.n = CALLS};
    go_synctest(run_sleepy_calls, &s);
    check_no_index_shared(&s.calls);
    ck_assert_msg(s.first_not_done < 0,
                  "run_together returned before fn(%d, arg) had returned (it sleeps %d ms before "
                  "it finishes): wait for every goroutine (wg_wait) before returning",
                  s.first_not_done, s.first_not_done + 1);
    check_every_index_called(&s.calls);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("goroutines");
    kata_add_test(s, test_sum_parallel_adds_every_number);
    kata_add_test(s, test_sum_parallel_splits_the_work_across_n_goroutines);
    kata_add_test(s, test_sum_parallel_covers_every_number_once_when_the_parts_are_uneven);
    kata_add_test(s, test_sum_parallel_of_no_numbers_is_zero);
    kata_add_test(s, test_count_words_counts_every_document_and_the_total);
    kata_add_test(s, test_count_words_waits_for_every_goroutine_call_after_call);
    kata_add_test(s, test_checked_sum_adds_up_good_input_and_rejects_bad_input);
    kata_add_test(s, test_checked_sum_leaves_no_goroutine_behind_when_the_input_is_bad);
    kata_add_test(s, test_run_together_calls_fn_once_with_every_index);
    kata_add_test(s, test_run_together_runs_every_call_at_the_same_time);
    kata_add_test(s, test_run_together_returns_after_every_call_has_returned);
    return s;
}
