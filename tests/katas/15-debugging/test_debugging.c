/*
 * Kata 15 · Concurrency debugging tools: the tests that grade debugging.c.
 *
 * Tasks 1 to 4 are data races. Their tests check the answer, but a racy
 * solution often gets the answer right: what fails it is the grader's
 * ThreadSanitizer and Helgrind passes, which report the race whatever the
 * answer was. Each test leaves its goroutines' writes for the test to read,
 * so the detectors see the race every time.
 *
 * Task 5's tests make the schedule themselves (go_wait_idle waits until
 * every other goroutine is parked): the deadly interleaving of two opposite
 * transfers happens on every run, not on an unlucky one.
 *
 * Task 6 parses dumps given here (exact texts, as gokata prints them), then
 * dumps of real goroutines parked at lines this file names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "debugging.h"

/* ---- Task 1: count_visits ---------------------------------------------- */

static void check_visits(int workers, int each)
{
    long want = (long)workers * each;
    long got = count_visits(workers, each);
    ck_assert_msg(got == want, "count_visits(%d workers, %d visits each) = %ld, expected %ld: %s",
                  workers, each, got, want,
                  got < want ? "visits were lost: two goroutines read the same old count and "
                               "both wrote count+1. Put the increment under a mutex (or use an "
                               "atomic64_t)"
                             : "more visits than were made");
}

START_TEST(test_count_visits_counts_every_visit_of_four_goroutines)
{
    /* Many visits in the plain run, so that the goroutines overlap and a
     * count that is not one atomic step loses some; fewer under the
     * detectors, which see the race in any case. */
    check_visits(4, gk_timeout_scale() > 1 ? 1000 : 2000000);
}
END_TEST

START_TEST(test_count_visits_is_exact_for_any_number_of_goroutines)
{
    check_visits(16, 100);
    check_visits(1, 300);
    check_visits(0, 5);
    check_visits(3, 0);
}
END_TEST

/* ---- Task 2: lazy_get --------------------------------------------------- */

enum { TABLE_SIZE = 64, LAZY_CALLERS = 8 };

typedef struct {
    int ready;
    long table[TABLE_SIZE]; /* i*i, written by build before it returns */
} built_t;

static atomic64_t builds;

static void *build_table(void *arg)
{
    (void)arg;
    atomic64_add(&builds, 1);
    /* A slow build, as a real one (a file, a connection) is: a caller that
     * does not wait for it has time to see it unfinished, or to start a
     * second one. */
    go_sleep(2 * MILLISECOND);
    built_t *b = malloc(sizeof *b);
    if (!b) abort();
    for (int i = 0; i < TABLE_SIZE; i++)
        b->table[i] = (long)i * i;
    b->ready = 1;
    return b;
}

typedef struct {
    lazy_t *lazy;
    chan_t *gun; /* closed to start every caller at once */
    wg_t *wg;
    void *got;
    long sum; /* of the table the caller saw */
} lazy_caller_t;

static void lazy_caller(void *arg)
{
    lazy_caller_t *c = arg;
    chan_recv(c->gun, NULL);
    built_t *b = lazy_get(c->lazy);
    c->got = b;
    c->sum = -1;
    if (b && b->ready) {
        c->sum = 0;
        for (int i = 0; i < TABLE_SIZE; i++)
            c->sum += b->table[i];
    }
    wg_done(c->wg);
}

/* LAZY_CALLERS goroutines call lazy_get at once; fills callers[]. */
static void race_to_lazy_get(lazy_t *lazy, lazy_caller_t *callers)
{
    chan_t *gun = chan_make(0, 0);
    wg_t wg = {0};
    for (int i = 0; i < LAZY_CALLERS; i++) {
        callers[i] = (lazy_caller_t){.lazy = lazy, .gun = gun, .wg = &wg};
        wg_add(&wg, 1);
        go(lazy_caller, &callers[i]);
    }
    go_wait_idle(); /* every caller waits at the gun */
    chan_close(gun);
    wg_wait(&wg);
    chan_free(gun);
}

/* Frees every distinct value the callers got (a double build leaks none). */
static void free_values(lazy_t *lazy, lazy_caller_t *callers)
{
    for (int i = 0; i < LAZY_CALLERS; i++) {
        void *v = callers[i].got;
        if (!v || v == lazy->value) continue;
        for (int j = i + 1; j < LAZY_CALLERS; j++)
            if (callers[j].got == v) callers[j].got = NULL;
        free(v);
    }
    free(lazy->value);
}

START_TEST(test_lazy_get_builds_once_for_eight_goroutines_calling_at_once)
{
    lazy_t lazy = {.build = build_table};
    lazy_caller_t callers[LAZY_CALLERS];
    race_to_lazy_get(&lazy, callers);
    int64_t n = atomic64_load(&builds);
    int differ = 0;
    for (int i = 1; i < LAZY_CALLERS; i++)
        differ += callers[i].got != callers[0].got;
    void *first = callers[0].got;
    free_values(&lazy, callers);
    ck_assert_msg(n == 1,
                  "build was called %ld times by %d goroutines calling lazy_get at once, "
                  "expected once: between \"is it NULL?\" and \"set it\" another goroutine saw "
                  "NULL too. Make the check and the build one step (once_do)",
                  (long)n, LAZY_CALLERS);
    ck_assert_msg(first != NULL && differ == 0,
                  "%d of %d callers got a different pointer from the first: every caller must "
                  "get the one value",
                  differ, LAZY_CALLERS);
}
END_TEST

START_TEST(test_lazy_get_gives_every_caller_the_fully_built_value)
{
    lazy_t lazy = {.build = build_table};
    lazy_caller_t callers[LAZY_CALLERS];
    race_to_lazy_get(&lazy, callers);
    long want = 0;
    for (int i = 0; i < TABLE_SIZE; i++)
        want += (long)i * i;
    int bad = -1;
    for (int i = 0; i < LAZY_CALLERS && bad < 0; i++)
        if (callers[i].sum != want) bad = i;
    long bad_sum = bad >= 0 ? callers[bad].sum : 0;
    free_values(&lazy, callers);
    ck_assert_msg(bad < 0,
                  "caller %d saw a table summing to %ld, expected %ld: it read the value "
                  "before build had finished writing it (or without seeing those writes)",
                  bad, bad_sum, want);
}
END_TEST

/* ---- Task 3: collect_squares -------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Checks items[from..len) is exactly 0, 1, 4, ..., (n-1)^2 in any order. */
static void check_squares(int_list_t *l, size_t from, int n)
{
    size_t got = l->len - from;
    ck_assert_msg(got == (size_t)n,
                  "collect_squares(%d) added %zu items to the list, expected %d: %s", n, got, n,
                  got < (size_t)n ? "appends were lost: two goroutines appended at once (both "
                                    "wrote the same slot, or one wrote into the old array "
                                    "while the other moved it). Guard the append with a mutex"
                                  : "more than one per goroutine");
    int *sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted) abort();
    memcpy(sorted, l->items + from, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_int);
    int wrong = -1;
    for (int i = 0; i < n && wrong < 0; i++)
        if (sorted[i] != i * i) wrong = i;
    int seen = wrong >= 0 ? sorted[wrong] : 0;
    free(sorted);
    ck_assert_msg(wrong < 0,
                  "collect_squares(%d): sorted, item %d is %d, expected %d: every square "
                  "0..%d once",
                  n, wrong, seen, wrong * wrong, (n - 1) * (n - 1));
}

START_TEST(test_collect_squares_collects_every_square_once)
{
    int_list_t l = {0};
    collect_squares(16, &l);
    check_squares(&l, 0, 16);
    free(l.items);
}
END_TEST

START_TEST(test_collect_squares_appends_after_what_the_list_held)
{
    int_list_t l = {0};
    int_list_append(&l, -7);
    int_list_append(&l, -8);
    int_list_append(&l, -9);
    collect_squares(12, &l);
    ck_assert_msg(l.len >= 3 && l.items[0] == -7 && l.items[1] == -8 && l.items[2] == -9,
                  "the list held -7, -8, -9 before collect_squares(12); they must stay its "
                  "first three items");
    check_squares(&l, 3, 12);
    collect_squares(0, &l);
    ck_assert_msg(l.len == 15, "collect_squares(0) changed the list's length from 15 to %zu",
                  l.len);
    free(l.items);
}
END_TEST

/* ---- Task 4: fill_table ------------------------------------------------- */

enum { FILL_N = 12, GUARD = 4, UNWRITTEN = -1 };

static atomic64_t f_calls[FILL_N];
static atomic64_t f_out_of_range;
static atomic64_t f_last_bad_i;

static long f_square_plus_one(int i)
{
    if (i < 0 || i >= FILL_N) {
        atomic64_add(&f_out_of_range, 1);
        atomic64_store(&f_last_bad_i, i);
        return 0;
    }
    atomic64_add(&f_calls[i], 1);
    return (long)i * i + 1;
}

/* Runs fill_table(table, FILL_N, f) with GUARD slots after the table. */
static void fill_with_guard(long *slots)
{
    for (int i = 0; i < FILL_N + GUARD; i++)
        slots[i] = UNWRITTEN;
    fill_table(slots, FILL_N, f_square_plus_one);
}

START_TEST(test_fill_table_fills_every_slot_with_f_of_i)
{
    long slots[FILL_N + GUARD];
    fill_with_guard(slots);
    for (int i = 0; i < FILL_N; i++)
        ck_assert_msg(slots[i] == (long)i * i + 1,
                      "fill_table(n = %d): table[%d] = %ld, expected f(%d) = %ld%s", FILL_N, i,
                      slots[i], i, (long)i * i + 1,
                      slots[i] == UNWRITTEN
                          ? ": no goroutine wrote it, or not before fill_table returned. "
                            "Does each goroutine get an i of its own (not &i, not one struct "
                            "shared by all, whose i the loop keeps changing)? Does fill_table "
                            "wait for every goroutine before it returns?"
                          : "");
    fill_table(slots, 0, f_square_plus_one); /* n == 0: nothing to do */
}
END_TEST

START_TEST(test_fill_table_calls_f_once_per_i_and_never_past_the_end)
{
    long slots[FILL_N + GUARD];
    fill_with_guard(slots);
    int64_t outside = atomic64_load(&f_out_of_range);
    ck_assert_msg(outside == 0,
                  "f was called %ld times with an i outside 0..%d (last: i = %ld): the "
                  "goroutine read i after the loop had ended (i == n). Give each goroutine "
                  "its own copy of i",
                  (long)outside, FILL_N - 1, (long)atomic64_load(&f_last_bad_i));
    for (int i = 0; i < FILL_N; i++) {
        int64_t c = atomic64_load(&f_calls[i]);
        ck_assert_msg(c == 1, "f(%d) was called %ld times, expected once%s", i, (long)c,
                      c > 1 ? ": several goroutines read the same i (a shared &i, or one shared "
                              "struct): give each goroutine its own"
                            : ": no goroutine had this i, or fill_table returned before it ran "
                              "(every goroutine needs its own i, and fill_table must wait for "
                              "them all)");
    }
    for (int i = FILL_N; i < FILL_N + GUARD; i++)
        ck_assert_msg(slots[i] == UNWRITTEN,
                      "table[%d] was written, past the end of a table of %d: a goroutine read "
                      "i == n",
                      i, FILL_N);
}
END_TEST

/* ---- Task 5: transfer ---------------------------------------------------- */

typedef struct {
    account_t *from, *to;
    long amount;
    wg_t wg;
} transfer_job_t;

static void run_transfer(void *arg)
{
    transfer_job_t *j = arg;
    transfer(j->from, j->to, j->amount);
    wg_done(&j->wg);
}

static void start_transfer(transfer_job_t *j, account_t *from, account_t *to, long amount)
{
    *j = (transfer_job_t){.from = from, .to = to, .amount = amount};
    wg_add(&j->wg, 1);
    go(run_transfer, j);
}

START_TEST(test_transfer_locks_the_lower_id_first_whichever_way_the_money_goes)
{
    account_t low = {.id = 1, .balance = 100}, high = {.id = 2, .balance = 100};
    for (int round = 0; round < 2; round++) {
        /* The test holds the higher id: a transfer that locks in id order
         * takes the lower id's lock and then waits for this one. */
        mutex_lock(&high.mu);
        transfer_job_t j;
        account_t *from = round == 0 ? &high : &low, *to = round == 0 ? &low : &high;
        start_transfer(&j, from, to, 10);
        go_wait_idle(); /* the transfer has done all it can */
        bool low_free = mutex_trylock(&low.mu);
        if (low_free) mutex_unlock(&low.mu);
        mutex_unlock(&high.mu);
        wg_wait(&j.wg);
        ck_assert_msg(!low_free,
                      "transfer(from id %d, to id %d) waited for account %d's lock without "
                      "holding account %d's: it must lock the lower id first (%d, then %d), "
                      "whichever way the money goes",
                      from->id, to->id, high.id, low.id, low.id, high.id);
    }
    ck_assert_msg(low.balance == 100 && high.balance == 100,
                  "after 10 from id 2 to id 1 and 10 back, the balances are %ld and %ld, "
                  "expected 100 and 100",
                  low.balance, high.balance);
}
END_TEST

START_TEST(test_transfer_both_ways_at_once_does_not_deadlock)
{
    account_t a = {.id = 1, .balance = 100}, b = {.id = 2, .balance = 100};
    /* The deadly moment, on purpose: the test holds b while a transfer
     * b -> a and then a transfer a -> b line up behind it, then lets go. A
     * Mutex wakes its first waiter: with the locks taken from-then-to, the
     * first transfer now holds b and waits for a, which the second holds
     * while it waits for b. The runtime then stops the test with "all
     * goroutines are asleep - deadlock!" and a dump that shows both stuck
     * in transfer, at the second mutex_lock. */
    mutex_lock(&b.mu);
    transfer_job_t j1, j2;
    start_transfer(&j1, &b, &a, 10);
    go_wait_idle();
    start_transfer(&j2, &a, &b, 30);
    go_wait_idle();
    mutex_unlock(&b.mu);
    wg_wait(&j1.wg);
    wg_wait(&j2.wg);
    ck_assert_msg(a.balance == 80 && b.balance == 120,
                  "after 10 from b to a and 30 from a to b (both holding 100), a holds %ld and "
                  "b %ld, expected 80 and 120",
                  a.balance, b.balance);
}
END_TEST

/* ---- Task 6a: profile_parse --------------------------------------------- */

/* The learner's profile, for a failure message. */
static const char *show(const goroutine_profile_t *p)
{
    static char buf[4096];
    int len = snprintf(buf, sizeof buf, "total %d, %d entries", p->total, p->n);
    for (int i = 0; i < p->n && i < PROFILE_MAX && len < (int)sizeof buf; i++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "\n    %d x [%s] %s at \"%s\"",
                        p->entry[i].count, p->entry[i].state, p->entry[i].func, p->entry[i].site);
    return buf;
}

static void expect_entry(const goroutine_profile_t *p, int i, int count, const char *state,
                         const char *func, const char *site)
{
    ck_assert_msg(i < p->n, "expected at least %d entries; the profile is: %s", i + 1, show(p));
    const profile_entry_t *e = &p->entry[i];
    ck_assert_msg(e->count == count && strcmp(e->state, state) == 0 && strcmp(e->func, func) == 0 &&
                      strcmp(e->site, site) == 0,
                  "entry %d: expected %d x [%s] %s at \"%s\", got %d x [%s] %s at \"%s\"; the "
                  "whole profile: %s",
                  i, count, state, func, site, e->count, e->state, e->func, e->site, show(p));
}

/* A profile full of junk, to see that profile_parse overwrites all of it. */
static void fill_with_junk(goroutine_profile_t *p)
{
    memset(p, 'x', sizeof *p);
    p->total = 99;
    p->n = 7;
}

static const char deadlock_dump[] = "fatal error: all goroutines are asleep - deadlock!\n"
                                    "\n"
                                    "goroutine 1 [sync.WaitGroup.Wait]:\n"
                                    "main(...)\n"
                                    "\tkatas/15-debugging/examples/pool.c:60\n"
                                    "\n"
                                    "goroutine 2 [chan send]:\n"
                                    "worker(...)\n"
                                    "\tkatas/15-debugging/examples/pool.c:31\n"
                                    "created by main in goroutine 1\n"
                                    "\tkatas/15-debugging/examples/pool.c:55\n"
                                    "\n"
                                    "goroutine 3 [chan send]:\n"
                                    "worker(...)\n"
                                    "\tkatas/15-debugging/examples/pool.c:31\n"
                                    "created by main in goroutine 1\n"
                                    "\tkatas/15-debugging/examples/pool.c:55\n"
                                    "\n"
                                    "goroutine 4 [sync.Mutex.Lock]:\n"
                                    "logger(...)\n"
                                    "\tkatas/15-debugging/examples/pool.c:40\n"
                                    "created by main in goroutine 1\n"
                                    "\tkatas/15-debugging/examples/pool.c:57\n"
                                    "\n"
                                    "goroutine 5 [chan send]:\n"
                                    "worker(...)\n"
                                    "\tkatas/15-debugging/examples/pool.c:31\n"
                                    "created by main in goroutine 1\n"
                                    "\tkatas/15-debugging/examples/pool.c:55\n"
                                    "\n"
                                    "goroutine 6 [chan receive]:\n"
                                    "worker(...)\n"
                                    "\tkatas/15-debugging/examples/pool.c:31\n"
                                    "created by main in goroutine 1\n"
                                    "\tkatas/15-debugging/examples/pool.c:55\n";

START_TEST(test_profile_parse_groups_goroutines_by_state_and_site)
{
    goroutine_profile_t p;
    fill_with_junk(&p);
    int n = profile_parse(deadlock_dump, &p);
    ck_assert_msg(n == 6 && p.total == 6,
                  "the dump has 6 goroutines (6 lines \"goroutine <id> [...]:\"); "
                  "profile_parse returned %d, total %d",
                  n, p.total);
    ck_assert_msg(p.n == 4,
                  "expected 4 entries (3 x chan send at pool.c:31, then one each: "
                  "WaitGroup.Wait at :60, Mutex.Lock at :40, chan receive at :31: the same "
                  "line in another state is another entry); got %s",
                  show(&p));
    expect_entry(&p, 0, 3, "chan send", "worker", "katas/15-debugging/examples/pool.c:31");
    expect_entry(&p, 1, 1, "sync.WaitGroup.Wait", "main", "katas/15-debugging/examples/pool.c:60");
    expect_entry(&p, 2, 1, "sync.Mutex.Lock", "logger", "katas/15-debugging/examples/pool.c:40");
    expect_entry(&p, 3, 1, "chan receive", "worker", "katas/15-debugging/examples/pool.c:31");
}
END_TEST

START_TEST(test_profile_parse_leaves_the_minutes_out_of_the_state)
{
    static const char dump[] = "SIGQUIT: quit\n"
                               "\n"
                               "goroutine 7 [chan receive, 2 minutes]:\n"
                               "consume(...)\n"
                               "\tsrv.c:12\n"
                               "created by main in goroutine 1\n"
                               "\tsrv.c:40\n"
                               "\n"
                               "goroutine 8 [chan receive]:\n"
                               "consume(...)\n"
                               "\tsrv.c:12\n"
                               "created by main in goroutine 1\n"
                               "\tsrv.c:40\n"
                               "\n"
                               "goroutine 9 [select, 1 minute]:\n"
                               "tick(...)\n"
                               "\tsrv.c:25\n"
                               "created by main in goroutine 1\n"
                               "\tsrv.c:41\n"
                               "\n"
                               "goroutine 10 [chan receive, 15 minutes]:\n"
                               "consume(...)\n"
                               "\tsrv.c:12\n"
                               "created by main in goroutine 1\n"
                               "\tsrv.c:40\n";
    goroutine_profile_t p;
    fill_with_junk(&p);
    profile_parse(dump, &p);
    ck_assert_msg(p.total == 4 && p.n == 2,
                  "expected 4 goroutines in 2 entries: \"chan receive, 2 minutes\" is state "
                  "\"chan receive\" (the minutes say how long, not what); got %s",
                  show(&p));
    expect_entry(&p, 0, 3, "chan receive", "consume", "srv.c:12");
    expect_entry(&p, 1, 1, "select", "tick", "srv.c:25");
}
END_TEST

START_TEST(test_profile_parse_reads_records_without_a_site_or_a_creator)
{
    /* A leak report's heading; running goroutines (no site); goroutine 1
     * (no "created by"), last, its site on a last line with no '\n'. */
    static const char dump[] = "3 goroutines leaked (started since the mark, still alive):\n"
                               "\n"
                               "goroutine 4 [running]:\n"
                               "spin(...)\n"
                               "\tgoroutine running on other thread; stack unavailable\n"
                               "created by main in goroutine 1\n"
                               "\tspin.c:20\n"
                               "\n"
                               "goroutine 5 [running]:\n"
                               "spin(...)\n"
                               "\tgoroutine running on other thread; stack unavailable\n"
                               "created by main in goroutine 1\n"
                               "\tspin.c:20\n"
                               "\n"
                               "goroutine 1 [sleep]:\n"
                               "main(...)\n"
                               "\tspin.c:22";
    goroutine_profile_t p;
    fill_with_junk(&p);
    profile_parse(dump, &p);
    ck_assert_msg(p.total == 3 && p.n == 2,
                  "expected 3 goroutines in 2 entries (2 x running with no site; sleep at "
                  "spin.c:22): \"3 goroutines leaked ...\" is no record, a record starts with "
                  "\"goroutine <digits> [\"; got %s",
                  show(&p));
    expect_entry(&p, 0, 2, "running", "spin", "");
    ck_assert_msg(p.entry[1].site[0] != '\0',
                  "goroutine 1's site, \"\\tspin.c:22\", is the dump's last line, with no '\\n' "
                  "after it: it is still the record's site (the text's end ends the line); got "
                  "%s",
                  show(&p));
    expect_entry(&p, 1, 1, "sleep", "main", "spin.c:22");
}
END_TEST

START_TEST(test_profile_parse_sorts_by_count_and_keeps_dump_order_for_ties)
{
    /* Sites a (1 goroutine), b (2), c (2), d (3), in this order of first
     * appearance, interleaved. */
    static const char *const order[] = {"a", "b", "c", "d", "d", "c", "b", "d"};
    char dump[2048];
    int len = 0;
    for (int i = 0; i < 8; i++)
        len += snprintf(dump + len, sizeof dump - (size_t)len,
                        "goroutine %d [select]:\nf_%s(...)\n\t%s.c:1\ncreated by main in "
                        "goroutine 1\n\tmain.c:9\n\n",
                        i + 2, order[i], order[i]);
    goroutine_profile_t p;
    fill_with_junk(&p);
    profile_parse(dump, &p);
    ck_assert_msg(p.total == 8 && p.n == 4, "expected 8 goroutines in 4 entries; got %s", show(&p));
    expect_entry(&p, 0, 3, "select", "f_d", "d.c:1");
    expect_entry(&p, 1, 2, "select", "f_b", "b.c:1"); /* b came before c */
    expect_entry(&p, 2, 2, "select", "f_c", "c.c:1");
    expect_entry(&p, 3, 1, "select", "f_a", "a.c:1");
}
END_TEST

START_TEST(test_profile_parse_of_a_dump_with_no_goroutine_is_empty)
{
    goroutine_profile_t p;
    fill_with_junk(&p);
    int n = profile_parse("", &p);
    ck_assert_msg(n == 0 && p.total == 0 && p.n == 0,
                  "profile_parse(\"\") returned %d with total %d and %d entries, expected 0, 0 "
                  "and 0 (p must be overwritten completely)",
                  n, p.total, p.n);
    fill_with_junk(&p);
    n = profile_parse("fatal error: no goroutines (main called runtime.Goexit)\n\n"
                      "goroutine 12 leaked\ngoroutine [chan send]:\n created by main in "
                      "goroutine 1\n",
                      &p);
    ck_assert_msg(n == 0 && p.total == 0 && p.n == 0,
                  "a text with no line \"goroutine <digits> [\" has no record; profile_parse "
                  "returned %d with total %d and %d entries",
                  n, p.total, p.n);
}
END_TEST

START_TEST(test_profile_parse_keeps_the_first_sixteen_groups_and_counts_the_rest)
{
    /* 20 sites, one goroutine each, then two more at site 0 and one more
     * at site 18 (a group not kept). */
    char *dump = malloc(8192);
    if (!dump) abort();
    int len = 0;
    const int sites[] = {0,  1,  2,  3,  4,  5,  6,  7,  8, 9, 10, 11,
                         12, 13, 14, 15, 16, 17, 18, 19, 0, 0, 18};
    const int n_sites = (int)(sizeof sites / sizeof sites[0]);
    for (int i = 0; i < n_sites; i++)
        len += snprintf(dump + len, 8192 - (size_t)len,
                        "goroutine %d [chan receive]:\nwait_%d(...)\n\tw.c:%d\ncreated by main "
                        "in goroutine 1\n\tmain.c:3\n\n",
                        i + 2, sites[i], 100 + sites[i]);
    goroutine_profile_t p;
    fill_with_junk(&p);
    int n = profile_parse(dump, &p);
    free(dump);
    ck_assert_msg(n == n_sites && p.total == n_sites,
                  "the dump has %d goroutines; profile_parse returned %d, total %d: goroutines "
                  "of groups that did not fit still count in total",
                  n_sites, n, p.total);
    ck_assert_msg(p.n == PROFILE_MAX,
                  "20 groups in the dump: expected the first %d kept; got %d entries", PROFILE_MAX,
                  p.n);
    expect_entry(&p, 0, 3, "chan receive", "wait_0", "w.c:100");
    expect_entry(&p, 1, 1, "chan receive", "wait_1", "w.c:101");
    expect_entry(&p, 15, 1, "chan receive", "wait_15", "w.c:115");
}
END_TEST

START_TEST(test_profile_parse_cuts_long_fields_to_fit)
{
    char path[300], dump[1024];
    memset(path, 'p', 200);
    strcpy(path + 200, ".c:7");
    char func[100];
    memset(func, 'f', 80);
    func[80] = '\0';
    snprintf(dump, sizeof dump, "goroutine 3 [chan receive]:\n%s(...)\n\t%s\n", func, path);
    goroutine_profile_t p;
    fill_with_junk(&p);
    profile_parse(dump, &p);
    ck_assert_msg(p.total == 1 && p.n == 1, "expected 1 goroutine in 1 entry; got %s", show(&p));
    const profile_entry_t *e = &p.entry[0];
    size_t site_len = strnlen(e->site, sizeof e->site), func_len = strnlen(e->func, sizeof e->func);
    ck_assert_msg(site_len == sizeof e->site - 1 && strncmp(e->site, path, site_len) == 0,
                  "a 204-character site must be cut to its first %zu characters (and a '\\0'); "
                  "got %zu characters",
                  sizeof e->site - 1, site_len);
    ck_assert_msg(func_len == sizeof e->func - 1 && strncmp(e->func, func, func_len) == 0,
                  "an 80-character function name must be cut to its first %zu characters (and "
                  "a '\\0'); got %zu characters",
                  sizeof e->func - 1, func_len);
    ck_assert_msg(strcmp(e->state, "chan receive") == 0 && e->count == 1,
                  "expected 1 x [chan receive]; got %s", show(&p));
}
END_TEST

/* ---- Task 6b: profile_since --------------------------------------------- */

typedef struct {
    chan_t *gate;  /* closed to release the receivers */
    mutex_t *lock; /* held by the test */
    wg_t *wg;
} parked_t;

/* The lines where the goroutines below wait: the sites the profile names. */
enum { RECV_LINE = __LINE__ + 5, LOCK_LINE = __LINE__ + 12 };

static void park_on_receive(void *arg)
{
    parked_t *k = arg;
    chan_recv(k->gate, NULL);
    wg_done(k->wg);
}

static void park_on_lock(void *arg)
{
    parked_t *k = arg;
    mutex_lock(k->lock);
    mutex_unlock(k->lock);
    wg_done(k->wg);
}

static void expect_site(const goroutine_profile_t *p, int i, int count, const char *state,
                        const char *func, int line)
{
    ck_assert_msg(i < p->n, "expected at least %d entries; the profile is: %s", i + 1, show(p));
    const profile_entry_t *e = &p->entry[i];
    char want_end[64];
    snprintf(want_end, sizeof want_end, "test_debugging.c:%d", line);
    size_t sl = strlen(e->site), wl = strlen(want_end);
    ck_assert_msg(e->count == count && strcmp(e->state, state) == 0 && strcmp(e->func, func) == 0 &&
                      sl >= wl && strcmp(e->site + sl - wl, want_end) == 0,
                  "entry %d: expected %d x [%s] %s at \".../%s\"; the profile is: %s", i, count,
                  state, func, want_end, show(p));
}

START_TEST(test_profile_since_counts_blocked_goroutines_by_where_they_wait)
{
    mutex_t lock = {0};
    wg_t wg = {0};
    parked_t k = {.gate = chan_make(0, 0), .lock = &lock, .wg = &wg};
    mutex_lock(&lock);
    go_leak_mark_t mark = go_leak_mark();
    for (int i = 0; i < 7; i++) {
        wg_add(&wg, 1);
        if (i % 3 == 1)
            go(park_on_lock, &k);
        else
            go(park_on_receive, &k);
    }
    go_wait_idle(); /* all seven are parked */
    goroutine_profile_t p;
    fill_with_junk(&p);
    int n = profile_since(mark, &p);
    chan_close(k.gate);
    mutex_unlock(&lock);
    wg_wait(&wg);
    chan_free(k.gate);
    ck_assert_msg(n == 7 && p.total == 7,
                  "7 goroutines started since the mark are blocked; profile_since returned %d, "
                  "total %d",
                  n, p.total);
    ck_assert_msg(p.n == 2, "expected 2 entries (5 at a chan receive, 2 at a Mutex.Lock); got %s",
                  show(&p));
    expect_site(&p, 0, 5, "chan receive", "park_on_receive", RECV_LINE);
    expect_site(&p, 1, 2, "sync.Mutex.Lock", "park_on_lock", LOCK_LINE);
}
END_TEST

START_TEST(test_profile_since_leaves_out_goroutines_started_before_the_mark)
{
    mutex_t lock = {0};
    wg_t wg = {0};
    parked_t k = {.gate = chan_make(0, 0), .lock = &lock, .wg = &wg};
    mutex_lock(&lock);
    wg_add(&wg, 3);
    go(park_on_receive, &k);
    go(park_on_receive, &k);
    go_leak_mark_t mark = go_leak_mark();
    go(park_on_lock, &k);
    go_wait_idle();
    goroutine_profile_t p;
    fill_with_junk(&p);
    int n = profile_since(mark, &p);
    chan_close(k.gate);
    mutex_unlock(&lock);
    wg_wait(&wg);
    chan_free(k.gate);
    ck_assert_msg(n == 1 && p.total == 1 && p.n == 1,
                  "1 goroutine was started after the mark (2 before it); profile_since "
                  "returned %d; the profile: %s",
                  n, show(&p));
    expect_site(&p, 0, 1, "sync.Mutex.Lock", "park_on_lock", LOCK_LINE);
}
END_TEST

static void finish_at_once(void *arg)
{
    wg_done(arg);
}

START_TEST(test_profile_since_is_empty_when_every_goroutine_has_exited)
{
    go_leak_mark_t mark = go_leak_mark();
    goroutine_profile_t p;
    fill_with_junk(&p);
    int n = profile_since(mark, &p);
    ck_assert_msg(n == 0 && p.total == 0 && p.n == 0,
                  "no goroutine was started since the mark; profile_since returned %d with "
                  "total %d and %d entries, expected 0, 0, 0",
                  n, p.total, p.n);
    wg_t wg = {0};
    wg_add(&wg, 3);
    for (int i = 0; i < 3; i++)
        go(finish_at_once, &wg);
    wg_wait(&wg);
    fill_with_junk(&p);
    n = profile_since(mark, &p);
    ck_assert_msg(n == 0 && p.total == 0 && p.n == 0,
                  "3 goroutines were started since the mark, and have all returned; "
                  "profile_since returned %d with total %d and %d entries, expected 0, 0, 0 "
                  "(go_leak_check returns 0 and writes no dump when nothing is alive)",
                  n, p.total, p.n);
}
END_TEST

/* ---- Task 7: trace_summary ---------------------------------------------- */

/* A temporary file name of this test's own; the file is removed by
 * remove_temp. */
static char *temp_path(void)
{
    static char path[512];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/gokata-15-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "the test could not create a temporary file in %s", path);
    close(fd);
    return path;
}

static char *write_temp(const char *text)
{
    char *path = temp_path();
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "the test could not write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char *show_tracks(const trace_track_t *t, int n)
{
    static char buf[4096];
    int len = snprintf(buf, sizeof buf, "%d tracks", n);
    for (int i = 0; i < n && len < (int)sizeof buf; i++)
        len += snprintf(buf + len, sizeof buf - (size_t)len,
                        "\n    gid %ld \"%s\": go %d, send %d, receive %d, close %d, select %d, "
                        "blocked %d (%.2f us)",
                        t[i].gid, t[i].func, t[i].gos, t[i].sends, t[i].receives, t[i].closes,
                        t[i].selects, t[i].blocked, t[i].blocked_us);
    return buf;
}

static void expect_track(const trace_track_t *t, int n, int i, long gid, const char *func, int gos,
                         int sends, int receives, int closes, int selects, int blocked,
                         double blocked_us)
{
    ck_assert_msg(i < n, "expected at least %d tracks; got %s", i + 1, show_tracks(t, n));
    const trace_track_t *k = &t[i];
    double d = k->blocked_us - blocked_us;
    ck_assert_msg(k->gid == gid && strcmp(k->func, func) == 0 && k->gos == gos &&
                      k->sends == sends && k->receives == receives && k->closes == closes &&
                      k->selects == selects && k->blocked == blocked && d < 0.01 && d > -0.01,
                  "track %d: expected gid %ld \"%s\": go %d, send %d, receive %d, close %d, "
                  "select %d, blocked %d (%.2f us); got %s",
                  i, gid, func, gos, sends, receives, closes, selects, blocked, blocked_us,
                  show_tracks(t, n));
}

/* Three goroutines, their events shuffled; goroutine 7's name comes last;
 * a counter event ("C") and an unknown instant to ignore. */
static const char given_trace[] =
    "{\"traceEvents\":["
    "{\"name\":\"running\",\"ph\":\"X\",\"pid\":1,\"tid\":7,\"ts\":5.0,\"cat\":\"running\","
    "\"dur\":2.5},"
    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"ts\":0,"
    "\"args\":{\"name\":\"goroutine 1: main\"}},"
    "{\"name\":\"go\",\"ph\":\"i\",\"pid\":1,\"tid\":1,\"ts\":1.0,\"s\":\"t\","
    "\"args\":{\"goroutine\":7}},"
    "{\"name\":\"chan send\",\"ph\":\"i\",\"pid\":1,\"tid\":7,\"ts\":6.0,\"s\":\"t\","
    "\"args\":{\"chan\":\"0x55d0\"}},"
    "{\"name\":\"chan send\",\"ph\":\"X\",\"pid\":1,\"tid\":7,\"ts\":7.5,\"cat\":\"blocked\","
    "\"dur\":40.25},"
    "{\"name\":\"go\",\"ph\":\"i\",\"pid\":1,\"tid\":1,\"ts\":1.5,\"s\":\"t\","
    "\"args\":{\"goroutine\":9}},"
    "{\"name\":\"sync.WaitGroup.Wait\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":2.0,"
    "\"cat\":\"blocked\",\"dur\":100},"
    "{\"name\":\"chan receive\",\"ph\":\"i\",\"pid\":1,\"tid\":9,\"ts\":48.0,\"s\":\"t\","
    "\"args\":{\"chan\":\"0x55d0\"}},"
    "{\"name\":\"select\",\"ph\":\"i\",\"pid\":1,\"tid\":9,\"ts\":49.0,\"s\":\"t\","
    "\"args\":{\"case\":1}},"
    "{\"name\":\"chan close\",\"ph\":\"i\",\"pid\":1,\"tid\":7,\"ts\":50.0,\"s\":\"t\","
    "\"args\":{\"chan\":\"0x55d0\"}},"
    "{\"name\":\"chan send\",\"ph\":\"i\",\"pid\":1,\"tid\":7,\"ts\":48.0,\"s\":\"t\","
    "\"args\":{\"chan\":\"0x55d0\"}},"
    "{\"name\":\"select\",\"ph\":\"X\",\"pid\":1,\"tid\":9,\"ts\":3.0,\"cat\":\"blocked\","
    "\"dur\":44.5},"
    "{\"name\":\"select\",\"ph\":\"X\",\"pid\":1,\"tid\":9,\"ts\":60.0,\"cat\":\"blocked\","
    "\"dur\":1.25},"
    "{\"name\":\"heap\",\"ph\":\"C\",\"pid\":1,\"tid\":9,\"ts\":3.0,\"args\":{\"bytes\":4096}},"
    "{\"name\":\"gc\",\"ph\":\"i\",\"pid\":1,\"tid\":9,\"ts\":3.0,\"s\":\"t\"},"
    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":9,\"ts\":0,"
    "\"args\":{\"name\":\"goroutine 9: consume\"}},"
    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":7,\"ts\":0,"
    "\"args\":{\"name\":\"goroutine 7: produce\"}}"
    "],\"displayTimeUnit\":\"ns\"}";

START_TEST(test_trace_summary_reads_every_track_of_a_given_trace)
{
    char *path = write_temp(given_trace);
    trace_track_t t[8];
    memset(t, 0x55, sizeof t);
    int n = trace_summary(path, t, 8);
    remove(path);
    ck_assert_msg(n == 3,
                  "the trace has events of 3 goroutines (tid 1, 7, 9); trace_summary returned "
                  "%d",
                  n);
    expect_track(t, n, 0, 1, "main", 2, 0, 0, 0, 0, 1, 100);
    expect_track(t, n, 1, 7, "produce", 0, 2, 0, 1, 0, 1, 40.25);
    expect_track(t, n, 2, 9, "consume", 0, 0, 1, 0, 1, 2, 45.75);
}
END_TEST

START_TEST(test_trace_summary_returns_every_track_but_fills_only_max)
{
    char *path = write_temp(given_trace);
    trace_track_t t[3];
    memset(t, 0x55, sizeof t);
    t[2].gid = -42;
    int n = trace_summary(path, t, 2);
    ck_assert_msg(n == 3,
                  "with room for 2 tracks, trace_summary must still return 3, the number of "
                  "tracks in the trace (as snprintf returns the length it needed); got %d",
                  n);
    ck_assert_msg(t[2].gid == -42, "with max 2, trace_summary wrote tracks[2]");
    expect_track(t, 2, 0, 1, "main", 2, 0, 0, 0, 0, 1, 100);
    expect_track(t, 2, 1, 7, "produce", 0, 2, 0, 1, 0, 1, 40.25);
    n = trace_summary(path, NULL, 0);
    remove(path);
    ck_assert_msg(n == 3, "trace_summary(path, NULL, 0) must return 3 (and write nothing); got %d",
                  n);
}
END_TEST

START_TEST(test_trace_summary_of_a_missing_or_broken_file_is_minus_one)
{
    static const char *const texts[] = {"this is not JSON", "{\"displayTimeUnit\":\"ns\"}",
                                        "{\"traceEvents\": 42}", "[]"};
    static const char *const why[] = {
        "a file that is not JSON", "a JSON object without \"traceEvents\"",
        "\"traceEvents\" that is not an array", "a JSON array, not an object"};
    trace_track_t t[2];
    int n = trace_summary("/nonexistent/gokata/trace.json", t, 2);
    ck_assert_msg(n == -1, "trace_summary of a file that does not exist must return -1; got %d", n);
    for (int i = 0; i < 4; i++) {
        char *path = write_temp(texts[i]);
        n = trace_summary(path, t, 2);
        remove(path);
        ck_assert_msg(n == -1, "trace_summary of %s must return -1; got %d", why[i], n);
    }
    char *path = write_temp("{\"traceEvents\":[]}");
    n = trace_summary(path, t, 2);
    remove(path);
    ck_assert_msg(n == 0, "a trace with no events has 0 tracks; trace_summary returned %d", n);
}
END_TEST

typedef struct {
    chan_t *items;
    wg_t *wg;
} pipe_t;

static void produce(void *arg)
{
    pipe_t *p = arg;
    for (int i = 1; i <= 5; i++)
        chan_send(p->items, &i);
    chan_close(p->items);
    wg_done(p->wg);
}

static void consume(void *arg)
{
    pipe_t *p = arg;
    int v;
    /* Exactly 5 receives, not "until closed": the runtime traces a receive
     * that finds the channel closed only when it had to wait for the close,
     * so a 6th would count on some runs and not on others. */
    for (int i = 0; i < 5; i++)
        chan_recv(p->items, &v);
    wg_done(p->wg);
}

static const trace_track_t *find_track(const trace_track_t *t, int n, const char *func)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t[i].func, func) == 0) return &t[i];
    return NULL;
}

START_TEST(test_trace_summary_counts_the_channel_operations_of_a_traced_pipeline)
{
    char *path = temp_path();
    ck_assert_msg(go_trace_start(path), "go_trace_start(%s) failed (is a trace already on?)", path);
    wg_t wg = {0};
    pipe_t p = {.items = chan_make(sizeof(int), 0), .wg = &wg};
    wg_add(&wg, 2);
    go(produce, &p);
    go(consume, &p);
    wg_wait(&wg);
    ck_assert_msg(go_trace_stop(), "go_trace_stop could not write %s", path);
    chan_free(p.items);
    trace_track_t t[16];
    int n = trace_summary(path, t, 16);
    remove(path);
    ck_assert_msg(n >= 3 && n <= 16,
                  "the trace has a track for the test's goroutine, produce and consume; "
                  "trace_summary returned %d",
                  n);
    const trace_track_t *pr = find_track(t, n, "produce"), *co = find_track(t, n, "consume");
    ck_assert_msg(pr && co,
                  "no track named \"produce\" or \"consume\" (from \"goroutine <id>: "
                  "produce\"); got %s",
                  show_tracks(t, n));
    ck_assert_msg(pr->sends == 5 && pr->closes == 1 && pr->receives == 0,
                  "produce sent 5 items and closed the channel; its track says send %d, close "
                  "%d, receive %d: %s",
                  pr->sends, pr->closes, pr->receives, show_tracks(t, n));
    ck_assert_msg(co->receives == 5 && co->sends == 0,
                  "consume received 5 items; its track says receive %d, send %d: %s", co->receives,
                  co->sends, show_tracks(t, n));
    ck_assert_msg(pr->gid < co->gid, "tracks must come in increasing gid order: %s",
                  show_tracks(t, n));
    int gos = 0;
    for (int i = 0; i < n; i++)
        gos += t[i].gos;
    ck_assert_msg(gos == 2,
                  "the test started 2 goroutines while tracing; the \"go\" instants "
                  "add up to %d: %s",
                  gos, show_tracks(t, n));
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("debugging");
    kata_add_test(s, test_count_visits_counts_every_visit_of_four_goroutines);
    kata_add_test(s, test_count_visits_is_exact_for_any_number_of_goroutines);
    kata_add_test(s, test_lazy_get_builds_once_for_eight_goroutines_calling_at_once);
    kata_add_test(s, test_lazy_get_gives_every_caller_the_fully_built_value);
    kata_add_test(s, test_collect_squares_collects_every_square_once);
    kata_add_test(s, test_collect_squares_appends_after_what_the_list_held);
    kata_add_test(s, test_fill_table_fills_every_slot_with_f_of_i);
    kata_add_test(s, test_fill_table_calls_f_once_per_i_and_never_past_the_end);
    kata_add_test(s, test_transfer_locks_the_lower_id_first_whichever_way_the_money_goes);
    kata_add_test(s, test_transfer_both_ways_at_once_does_not_deadlock);
    kata_add_test(s, test_profile_parse_groups_goroutines_by_state_and_site);
    kata_add_test(s, test_profile_parse_leaves_the_minutes_out_of_the_state);
    kata_add_test(s, test_profile_parse_reads_records_without_a_site_or_a_creator);
    kata_add_test(s, test_profile_parse_sorts_by_count_and_keeps_dump_order_for_ties);
    kata_add_test(s, test_profile_parse_of_a_dump_with_no_goroutine_is_empty);
    kata_add_test(s, test_profile_parse_keeps_the_first_sixteen_groups_and_counts_the_rest);
    kata_add_test(s, test_profile_parse_cuts_long_fields_to_fit);
    kata_add_test(s, test_profile_since_counts_blocked_goroutines_by_where_they_wait);
    kata_add_test(s, test_profile_since_leaves_out_goroutines_started_before_the_mark);
    kata_add_test(s, test_profile_since_is_empty_when_every_goroutine_has_exited);
    kata_add_test(s, test_trace_summary_reads_every_track_of_a_given_trace);
    kata_add_test(s, test_trace_summary_returns_every_track_but_fills_only_max);
    kata_add_test(s, test_trace_summary_of_a_missing_or_broken_file_is_minus_one);
    kata_add_test(s, test_trace_summary_counts_the_channel_operations_of_a_traced_pipeline);
    return s;
}
