/*
 * Kata 06 tests: Once and atomic operations.
 *
 * Each test runs in its own process, so the state below starts zeroed. Where
 * a wrong answer would only show under an unlucky schedule, the test makes
 * the schedule itself when it can: go_wait_idle() waits until every other
 * goroutine is parked or gone, and channels hand control from one goroutine
 * to another. Where it can't (the gap between two atomic operations in your
 * code), goroutines start together from a start line and repeat, so that
 * they overlap as much as the machine allows. A race that only the detectors
 * can see is left on memory the test reads afterwards, so ThreadSanitizer and
 * Helgrind report it every time.
 */
#include <stdlib.h>
#include <string.h>

#include "kata_test.h"
#include "once_atomic.h"

/* The start gun: goroutines block on it; closing it releases them all. */
static chan_t *start_gun;

static void wait_for_gun(void)
{
    chan_recv(start_gun, NULL);
}

/* A start line, for bugs that show only while goroutines run at the very same
 * moment: a closed channel wakes its goroutines one by one, tens of
 * microseconds apart, time enough for the first to finish a short loop
 * alone. Here each of the n runners waits, spinning, until all are there. */
static atomic64_t at_line;

static void reset_start_line(void)
{
    atomic64_store(&at_line, 0);
}

static void wait_at_start_line(int64_t n)
{
    atomic64_add(&at_line, 1);
    while (atomic64_load(&at_line) < n)
        go_yield();
}

/* ---- Task 1: lazy_get --------------------------------------------------- */

typedef struct {
    int port;
    char name[16];
    int ready;
} config_t;

/* One config per init call, so that an init that runs twice builds two. */
enum { CALLERS = 100 };
static config_t configs[CALLERS];
static atomic64_t init_calls;

static void *load_config(void *arg)
{
    int64_t n = atomic64_add(&init_calls, 1);
    config_t *c = &configs[(n - 1) % CALLERS];
    c->port = 8080;
    strcpy(c->name, (const char *)arg);
    c->ready = 1;
    return c;
}

START_TEST(test_lazy_get_runs_init_on_the_first_call_not_before)
{
    lazy_t cfg = LAZY_INIT(load_config, "app");
    ck_assert_msg(atomic64_load(&init_calls) == 0, "LAZY_INIT must not call init");

    config_t *c = lazy_get(&cfg);
    int64_t calls = atomic64_load(&init_calls);
    ck_assert_msg(calls == 1,
                  "after the first lazy_get, init should have run once; it ran %ld times",
                  (long)calls);
    ck_assert_msg(c == &configs[0], "lazy_get must return what init returned (%p), got %p",
                  (void *)&configs[0], (void *)c);
    ck_assert_msg(c->ready && strcmp(c->name, "app") == 0,
                  "the config init built is not filled in: was init called with l->arg?");

    config_t *again = lazy_get(&cfg);
    calls = atomic64_load(&init_calls);
    ck_assert_msg(calls == 1,
                  "the second lazy_get ran init again (%ld calls): it must run only the first time",
                  (long)calls);
    ck_assert_msg(again == c, "the second lazy_get returned %p, the first %p: same value expected",
                  (void *)again, (void *)c);
}
END_TEST

/* The first caller to get into init stays there until every other goroutine
 * is parked (waiting inside once_do, as it should) or has finished. A
 * lazy_get that lets a second caller in, or returns before init is done,
 * is then caught on every run, not only on an unlucky one. */
static void *load_config_slowly(void *arg)
{
    int64_t n = atomic64_add(&init_calls, 1);
    if (n == 1) go_wait_idle();
    config_t *c = &configs[(n - 1) % CALLERS];
    c->port = 8080;
    strcpy(c->name, (const char *)arg);
    c->ready = 1;
    return c;
}

static lazy_t shared_cfg;
static config_t *got[CALLERS];
static int ports[CALLERS];
static wg_t callers_wg;

static void call_lazy_get(void *arg)
{
    int i = (int)(intptr_t)arg;
    wait_for_gun();
    config_t *c = lazy_get(&shared_cfg);
    got[i] = c;
    /* Reading what init wrote: without Once's happens-before edge, a data race. */
    ports[i] = c ? c->port + c->ready : -1;
    wg_done(&callers_wg);
}

START_TEST(test_lazy_get_runs_init_exactly_once_for_100_racing_goroutines)
{
    shared_cfg = LAZY_INIT(load_config_slowly, "racing");
    start_gun = chan_make(0, 0);
    for (int i = 0; i < CALLERS; i++) {
        wg_add(&callers_wg, 1);
        go(call_lazy_get, (void *)(intptr_t)i);
    }
    chan_close(start_gun);
    wg_wait(&callers_wg);
    chan_free(start_gun);

    int64_t calls = atomic64_load(&init_calls);
    ck_assert_msg(calls == 1,
                  "init ran %ld times for %d goroutines calling lazy_get at once; it must run "
                  "exactly once. Checking \"has it run yet?\" and then running it lets several "
                  "callers see \"not yet\" together: let once_do decide",
                  (long)calls, CALLERS);
    for (int i = 0; i < CALLERS; i++) {
        if (got[i] != &configs[0])
            ck_abort_msg("goroutine %d got %p from lazy_get, expected the value init returned "
                         "(%p): every caller must get the one value",
                         i, (void *)got[i], (void *)&configs[0]);
        if (ports[i] != 8081)
            ck_abort_msg("goroutine %d saw a config that was not filled in yet: lazy_get must "
                         "return only after init has returned",
                         i);
    }
}
END_TEST

static atomic64_t null_init_calls;

static void *find_optional_plugin(void *arg)
{
    (void)arg;
    atomic64_add(&null_init_calls, 1);
    return NULL; /* "no plugin installed": a real answer, not "not computed yet" */
}

START_TEST(test_lazy_get_runs_init_once_even_when_it_returns_null)
{
    lazy_t plugin = LAZY_INIT(find_optional_plugin, NULL);
    for (int i = 0; i < 5; i++) {
        void *p = lazy_get(&plugin);
        ck_assert_msg(p == NULL, "init returned NULL, but lazy_get returned %p", p);
    }
    int64_t calls = atomic64_load(&null_init_calls);
    ck_assert_msg(calls == 1,
                  "init ran %ld times over 5 lazy_get calls. It returned NULL, and NULL is a "
                  "value too: don't use l->value == NULL to mean \"not run yet\" (l->once knows)",
                  (long)calls);
}
END_TEST

static void *make_a(void *arg)
{
    (void)arg;
    static int a = 'a';
    return &a;
}

static void *make_b(void *arg)
{
    (void)arg;
    static int b = 'b';
    return &b;
}

START_TEST(test_each_lazy_value_has_its_own_once)
{
    lazy_t a = LAZY_INIT(make_a, NULL), b = LAZY_INIT(make_b, NULL);
    int *pa = lazy_get(&a), *pb = lazy_get(&b);
    ck_assert_msg(pa && *pa == 'a', "lazy_get(&a) did not return what a's init returned");
    ck_assert_msg(pb && *pb == 'b',
                  "lazy_get(&b) did not return what b's init returned, after lazy_get(&a): does "
                  "every lazy_t use its own once (l->once), not one shared by all?");
}
END_TEST

/* ---- Task 2: the counter ----------------------------------------------- */

enum { ADDERS = 8, ADDS = 2000 };

static counter_t *counter;
static wg_t adders_wg;

static void add_ones(void *arg)
{
    (void)arg;
    wait_at_start_line(ADDERS);
    for (int i = 0; i < ADDS; i++)
        counter_add(counter, 1);
    wg_done(&adders_wg);
}

START_TEST(test_counter_loses_no_increment_from_8_goroutines)
{
    counter = counter_new();
    ck_assert_msg(counter != NULL, "counter_new returned NULL");
    ck_assert_msg(counter_load(counter) == 0, "a new counter must be 0, not %ld",
                  (long)counter_load(counter));
    reset_start_line();
    for (int g = 0; g < ADDERS; g++) {
        wg_add(&adders_wg, 1);
        go(add_ones, NULL);
    }
    wg_wait(&adders_wg);

    int64_t total = counter_load(counter);
    counter_free(counter);
    ck_assert_msg(total == ADDERS * ADDS,
                  "%d goroutines each added 1 %d times: expected %d, got %ld (%ld lost). "
                  "n += 1 is a load, an add and a store: two goroutines can load the same n. "
                  "atomic64_add does all three as one step",
                  ADDERS, ADDS, ADDERS * ADDS, (long)total, (long)(ADDERS * ADDS - total));
}
END_TEST

enum { TICKETS = 250, TICKET_ROUNDS = 5 };
static int64_t tickets[ADDERS][TICKETS];

static void take_tickets(void *arg)
{
    int g = (int)(intptr_t)arg;
    wait_at_start_line(ADDERS);
    for (int i = 0; i < TICKETS; i++)
        tickets[g][i] = counter_add(counter, 1);
    wg_done(&adders_wg);
}

START_TEST(test_counter_add_returns_a_different_number_to_every_caller)
{
    for (int round = 0; round < TICKET_ROUNDS; round++) {
        counter = counter_new();
        ck_assert_msg(counter != NULL, "counter_new returned NULL");
        reset_start_line();
        for (int g = 0; g < ADDERS; g++) {
            wg_add(&adders_wg, 1);
            go(take_tickets, (void *)(intptr_t)g);
        }
        wg_wait(&adders_wg);
        counter_free(counter);

        /* Every number 1..ADDERS*TICKETS must have been handed out exactly once.
         * (Checked with if: Check records every ck_assert that passes, and
         * thousands of them would fill its file.) */
        static int seen[ADDERS * TICKETS + 1];
        memset(seen, 0, sizeof seen);
        for (int g = 0; g < ADDERS; g++)
            for (int i = 0; i < TICKETS; i++) {
                int64_t t = tickets[g][i];
                if (t < 1 || t > ADDERS * TICKETS)
                    ck_abort_msg("counter_add(c, 1) returned %ld; with %d calls in all, each "
                                 "result should be between 1 and %d",
                                 (long)t, ADDERS * TICKETS, ADDERS * TICKETS);
                if (seen[t]++ != 0)
                    ck_abort_msg("counter_add returned %ld to two callers: return the value "
                                 "your own atomic add produced (atomic64_add returns it), not a "
                                 "second read",
                                 (long)t);
            }
    }
}
END_TEST

enum { ADD_STEP = 3 };
static atomicbool_t adders_done;
static int64_t lowest_drop_from, lowest_drop_to, reads, bad_reads;

/* Reads the counter while the adders run: it may only go up, in steps of
 * ADD_STEP. Owns the four variables above until it returns. */
static void watch_counter(void *arg)
{
    wg_t *watcher_wg = arg;
    int64_t last = 0;
    while (!atomicbool_load(&adders_done)) {
        int64_t v = counter_load(counter);
        reads++;
        if (v < last && lowest_drop_from == 0) lowest_drop_from = last, lowest_drop_to = v;
        if (v % ADD_STEP != 0) bad_reads++;
        last = v;
        go_yield();
    }
    wg_done(watcher_wg);
}

static void add_threes(void *arg)
{
    (void)arg;
    wait_at_start_line(4);
    for (int i = 0; i < ADDS / 4; i++) {
        counter_add(counter, ADD_STEP);
        if (i % 64 == 0) go_yield();
    }
    wg_done(&adders_wg);
}

START_TEST(test_counter_load_is_safe_while_goroutines_add)
{
    counter = counter_new();
    ck_assert_msg(counter != NULL, "counter_new returned NULL");
    wg_t watcher_wg = {0};
    wg_add(&watcher_wg, 1);
    go(watch_counter, &watcher_wg);
    for (int g = 0; g < 4; g++) {
        wg_add(&adders_wg, 1);
        go(add_threes, NULL);
    }
    wg_wait(&adders_wg);
    atomicbool_store(&adders_done, true);
    wg_wait(&watcher_wg);

    int64_t total = counter_load(counter);
    counter_free(counter);
    ck_assert_msg(lowest_drop_from == 0,
                  "counter_load returned %ld, then %ld, while goroutines only added: a value "
                  "was lost",
                  (long)lowest_drop_from, (long)lowest_drop_to);
    ck_assert_msg(bad_reads == 0, "counter_load returned %ld values that no sum of +3s can make",
                  (long)bad_reads);
    ck_assert_msg(total == 4 * (ADDS / 4) * ADD_STEP, "expected a total of %d, got %ld",
                  4 * (ADDS / 4) * ADD_STEP, (long)total);
}
END_TEST

/* ---- Task 3: workers and the stop flag --------------------------------- */

/* What a test's work function shares with the test. */
typedef struct {
    atomic64_t calls; /* every call of work */
    atomic64_t late;  /* calls that saw `stopped` set */
    chan_t *arrived;  /* each worker sends its goroutine id on its first call */
    bool stopped;     /* plain: written by the test after workers_stop */
    chan_t *inside;   /* (the in-progress test) work is running */
    chan_t *resume;   /* (the in-progress test) work may return */
    atomicbool_t released;
} job_t;

/* The id of the goroutine running on this thread, once it has announced
 * itself (a thread may run several goroutines, one after another). */
static _Thread_local long announced;

static void announce_once(job_t *j)
{
    if (announced != go_id()) {
        announced = go_id();
        chan_send(j->arrived, &announced);
    }
}

static void count_calls(void *arg)
{
    job_t *j = arg;
    announce_once(j);
    atomic64_add(&j->calls, 1);
    /* A plain read, after the last atomic operation of the call: only
     * workers_stop's wait orders it before the test's write of `stopped`. */
    if (j->stopped) atomic64_add(&j->late, 1);
    go_yield();
}

enum { WORKERS = 4 };

/* Receives one announcement from each of n workers (they keep working). */
static void wait_for_workers(job_t *j, int n)
{
    for (int i = 0; i < n; i++)
        chan_recv(j->arrived, NULL);
}

START_TEST(test_workers_start_runs_n_goroutines_that_call_work)
{
    static job_t j;
    j.arrived = chan_make(sizeof(long), 64);
    int before = go_numgoroutine();
    workers_t *w = workers_start(WORKERS, count_calls, &j);
    ck_assert_msg(w != NULL, "workers_start returned NULL");
    int started = go_numgoroutine() - before;
    ck_assert_msg(started == WORKERS,
                  "workers_start(%d, ...) left %d new goroutines running; expected %d, each "
                  "calling work until workers_stop",
                  WORKERS, started, WORKERS);
    wait_for_workers(&j, WORKERS);
    workers_stop(w);
    ck_assert_msg(atomic64_load(&j.calls) >= WORKERS, "work was called %ld times",
                  (long)atomic64_load(&j.calls));
    chan_free(j.arrived);
}
END_TEST

START_TEST(test_workers_stop_means_work_is_never_called_again)
{
    static job_t j;
    j.arrived = chan_make(sizeof(long), 64);
    workers_t *w = workers_start(WORKERS, count_calls, &j);
    ck_assert_msg(w != NULL, "workers_start returned NULL");
    wait_for_workers(&j, WORKERS);
    workers_stop(w);

    j.stopped = true; /* a data race, if a worker can still be in work */
    int64_t at_stop = atomic64_load(&j.calls);
    go_wait_idle(); /* any worker still running has now finished or parked */
    int64_t later = atomic64_load(&j.calls), late = atomic64_load(&j.late);
    int64_t after = later - at_stop > late ? later - at_stop : late;
    ck_assert_msg(after == 0,
                  "work was still being called after workers_stop returned (%ld late call%s): "
                  "workers_stop must wait (wg_wait) until every worker has returned",
                  (long)after, after == 1 ? "" : "s");
    chan_free(j.arrived);
}
END_TEST

/* The worker's first call stays inside work until the test resumes it. */
static void work_until_resumed(void *arg)
{
    job_t *j = arg;
    if (announced != go_id()) { /* this goroutine's first call */
        announced = go_id();
        chan_send(j->inside, NULL);
        chan_recv(j->resume, NULL);
    }
    atomic64_add(&j->calls, 1);
}

/* Once the test is blocked (inside workers_stop, if it waits), lets the
 * worker's call of work return. */
static void resume_when_idle(void *arg)
{
    job_t *j = arg;
    go_wait_idle();
    atomicbool_store(&j->released, true);
    chan_send(j->resume, NULL);
}

START_TEST(test_workers_stop_waits_for_the_call_in_progress)
{
    static job_t j;
    j.inside = chan_make(0, 0);
    j.resume = chan_make(0, 0);
    workers_t *w = workers_start(1, work_until_resumed, &j);
    ck_assert_msg(w != NULL, "workers_start returned NULL");
    chan_recv(j.inside, NULL); /* the worker is now inside work */
    go(resume_when_idle, &j);
    workers_stop(w);
    ck_assert_msg(atomicbool_load(&j.released),
                  "workers_stop returned while a worker was still inside work: it must wait "
                  "(blocking, e.g. wg_wait) until every worker has returned");
    chan_free(j.inside);
    chan_free(j.resume);
}
END_TEST

/* ---- Task 4: compare-and-swap ----------------------------------------- */

static int64_t plus_one(int64_t old, void *arg)
{
    (void)arg;
    return old + 1;
}

static atomic64_t shared;
enum { UPDATERS = 8, UPDATES = 300 };
static wg_t updaters_wg;

static void update_many(void *arg)
{
    (void)arg;
    wait_at_start_line(UPDATERS);
    for (int i = 0; i < UPDATES; i++)
        cas_update(&shared, plus_one, NULL);
    wg_done(&updaters_wg);
}

START_TEST(test_cas_update_applies_every_update_from_8_goroutines)
{
    int64_t r = cas_update(&shared, plus_one, NULL);
    ck_assert_msg(r == 1 && atomic64_load(&shared) == 1,
                  "cas_update(0 -> old + 1) should store and return 1; it returned %ld and left "
                  "%ld",
                  (long)r, (long)atomic64_load(&shared));
    for (int g = 0; g < UPDATERS; g++) {
        wg_add(&updaters_wg, 1);
        go(update_many, NULL);
    }
    wg_wait(&updaters_wg);
    int64_t total = atomic64_load(&shared);
    ck_assert_msg(total == 1 + UPDATERS * UPDATES,
                  "%d goroutines each applied old + 1 %d times: expected %d, got %ld. Does every "
                  "failed atomic64_cas start again from a fresh load?",
                  UPDATERS, UPDATES, 1 + UPDATERS * UPDATES, (long)total);
}
END_TEST

typedef struct {
    chan_t *inside, *resume;
    atomic64_t calls;
    int64_t first_old, result;
} slow_t;

/* old + 1, but the first call waits inside f until the test says go on:
 * meanwhile another goroutine changes the value. */
static int64_t slow_plus_one(int64_t old, void *arg)
{
    slow_t *s = arg;
    if (atomic64_add(&s->calls, 1) == 1) {
        s->first_old = old;
        chan_send(s->inside, NULL);
        chan_recv(s->resume, NULL);
    }
    return old + 1;
}

static int64_t plus_ten(int64_t old, void *arg)
{
    (void)arg;
    return old + 10;
}

static void slow_update(void *arg)
{
    slow_t *s = arg;
    s->result = cas_update(&shared, slow_plus_one, s);
    chan_send(s->inside, NULL); /* done */
}

START_TEST(test_cas_update_starts_again_when_another_goroutine_changed_the_value)
{
    static slow_t s;
    s.inside = chan_make(0, 0);
    s.resume = chan_make(0, 0);
    go(slow_update, &s);
    chan_recv(s.inside, NULL); /* the slow goroutine is inside f, with old = 0 */
    int64_t mine = cas_update(&shared, plus_ten, NULL);
    ck_assert_msg(mine == 10, "cas_update(0 -> old + 10) returned %ld, expected 10", (long)mine);
    chan_send(s.resume, NULL);
    chan_recv(s.inside, NULL); /* the slow goroutine's cas_update has returned */

    int64_t v = atomic64_load(&shared), calls = atomic64_load(&s.calls);
    ck_assert_msg(v == 11,
                  "one goroutine added 10 while another was computing old + 1 from old = %ld; "
                  "expected 11, got %ld. %s",
                  (long)s.first_old, (long)v,
                  v == 1    ? "The +10 was overwritten: store with atomic64_cas(a, old, new), "
                              "which refuses when *a is no longer old, and then call f again"
                  : v == 10 ? "The CAS failed and nothing was tried again: loop, calling f with "
                              "the value now in *a"
                            : "");
    ck_assert_msg(calls == 2,
                  "f was called %ld times; expected 2: once with the stale 0, once again with 10 "
                  "after the CAS failed",
                  (long)calls);
    ck_assert_msg(s.result == 11, "the slow cas_update returned %ld, expected the 11 it stored",
                  (long)s.result);
    chan_free(s.inside);
    chan_free(s.resume);
}
END_TEST

START_TEST(test_max_observe_never_lowers_the_maximum)
{
    static const int64_t seq[] = {5, 3, 7, 7, -2, 6};
    static const int64_t want[] = {5, 5, 7, 7, 7, 7};
    for (int i = 0; i < 6; i++) {
        max_observe(&shared, seq[i]);
        int64_t m = atomic64_load(&shared);
        ck_assert_msg(m == want[i],
                      "after observing 5, 3, 7, 7, -2, 6 up to the %d, max is %ld; "
                      "expected %ld",
                      (int)seq[i], (long)m, (long)want[i]);
    }
}
END_TEST

enum { OBSERVERS = 4, OBSERVATIONS = 1000, VALUES = OBSERVERS * OBSERVATIONS, MAX_ROUNDS = 10 };
static int64_t went_down[OBSERVERS]; /* per observer: a value of its own that max fell below */

/* Observer g observes g + 1, g + 1 + OBSERVERS, ...: rising values, so that
 * nearly every call raises the max while the others raise it too. The max
 * never goes down, so it must always stay at or above this observer's last
 * value: checked before and after every call. */
static void observe_rising(void *arg)
{
    int g = (int)(intptr_t)arg;
    int64_t mine = 0;
    wait_at_start_line(OBSERVERS);
    for (int i = 0; i < OBSERVATIONS; i++) {
        int64_t v = g + 1 + (int64_t)i * OBSERVERS;
        if (atomic64_load(&shared) < mine && went_down[g] == 0) went_down[g] = mine;
        max_observe(&shared, v);
        mine = v;
        if (atomic64_load(&shared) < mine && went_down[g] == 0) went_down[g] = mine;
    }
    wg_done(&updaters_wg);
}

START_TEST(test_max_observe_ends_at_exactly_the_largest_value)
{
    for (int round = 0; round < MAX_ROUNDS; round++) {
        atomic64_store(&shared, 0);
        reset_start_line();
        for (int g = 0; g < OBSERVERS; g++) {
            wg_add(&updaters_wg, 1);
            go(observe_rising, (void *)(intptr_t)g);
        }
        wg_wait(&updaters_wg);

        for (int g = 0; g < OBSERVERS; g++)
            ck_assert_msg(went_down[g] == 0,
                          "after max_observe(%ld), max fell below %ld: another goroutine lowered "
                          "it. \"if (v > load) store(v)\" can store a v that stopped being the "
                          "largest between the load and the store: use a CAS loop",
                          (long)went_down[g], (long)went_down[g]);
        int64_t m = atomic64_load(&shared);
        ck_assert_msg(m == VALUES,
                      "%d goroutines observed 1..%d between them: expected max %d, got %ld. A "
                      "smaller value was stored over the largest: store only with atomic64_cas "
                      "(it refuses if max changed since your load), and look again when it fails",
                      OBSERVERS, VALUES, VALUES, (long)m);
    }
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("once_atomic");
    kata_add_test(s, test_lazy_get_runs_init_on_the_first_call_not_before);
    kata_add_test(s, test_lazy_get_runs_init_exactly_once_for_100_racing_goroutines);
    kata_add_test(s, test_lazy_get_runs_init_once_even_when_it_returns_null);
    kata_add_test(s, test_each_lazy_value_has_its_own_once);
    kata_add_test(s, test_counter_loses_no_increment_from_8_goroutines);
    kata_add_test(s, test_counter_add_returns_a_different_number_to_every_caller);
    kata_add_test(s, test_counter_load_is_safe_while_goroutines_add);
    kata_add_test(s, test_workers_start_runs_n_goroutines_that_call_work);
    kata_add_test(s, test_workers_stop_means_work_is_never_called_again);
    kata_add_test(s, test_workers_stop_waits_for_the_call_in_progress);
    kata_add_test(s, test_cas_update_applies_every_update_from_8_goroutines);
    kata_add_test(s, test_cas_update_starts_again_when_another_goroutine_changed_the_value);
    kata_add_test(s, test_max_observe_never_lowers_the_maximum);
    kata_add_test(s, test_max_observe_ends_at_exactly_the_largest_value);
    return s;
}
