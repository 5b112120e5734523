/* sync: WaitGroup, Mutex, RWMutex, Once, Cond. */
#include <time.h>

#include "gkcheck.h"
#include "suites.h"

enum { WORKERS = 8, ROUNDS = 1000 };

static wg_t wg;
static mutex_t mu;
static long counter;

static void add_under_mutex(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        mutex_lock(&mu);
        counter++;
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

START_TEST(a_mutex_makes_concurrent_increments_exact)
{
    GK_LEAK_MARK();
    for (int i = 0; i < WORKERS; i++) {
        wg_add(&wg, 1);
        go(add_under_mutex, NULL);
    }
    wg_wait(&wg);
    ck_assert_int_eq(counter, WORKERS * ROUNDS);
    GK_ASSERT_NO_LEAKS();
}
END_TEST

static int results[WORKERS];

static void square(void *arg)
{
    long i = (long)arg;
    results[i] = (int)(i * i);
    wg_done(&wg);
}

START_TEST(wait_returns_after_every_done)
{
    GK_LEAK_MARK();
    for (int round = 0; round < 3; round++) { /* a WaitGroup can be reused */
        wg_add(&wg, WORKERS);
        for (long i = 0; i < WORKERS; i++)
            go(square, (void *)i);
        wg_wait(&wg);
        for (int i = 0; i < WORKERS; i++)
            ck_assert_int_eq(results[i], i * i);
    }
    wg_t zero = {0};
    wg_wait(&zero); /* nothing to wait for: returns at once */
    GK_ASSERT_NO_LEAKS();
}
END_TEST

static void done_too_often(void *unused)
{
    (void)unused;
    wg_t w = {0};
    wg_add(&w, 1);
    wg_done(&w);
    wg_done(&w);
}

START_TEST(a_negative_waitgroup_counter_panics)
{
    GK_EXPECT_DEATH(done_too_often, NULL, 2, "panic: sync: negative WaitGroup counter");
}
END_TEST

static void unlock_unlocked(void *unused)
{
    (void)unused;
    mutex_t m = {0};
    mutex_unlock(&m);
}

static void runlock_unlocked(void *unused)
{
    (void)unused;
    rwmutex_t rw = {0};
    rwmutex_runlock(&rw);
}

static void unlock_unlocked_rw(void *unused)
{
    (void)unused;
    rwmutex_t rw = {0};
    rwmutex_unlock(&rw);
}

START_TEST(unlocking_an_unlocked_mutex_is_a_fatal_error)
{
    GK_EXPECT_DEATH(unlock_unlocked, NULL, 2, "fatal error: sync: unlock of unlocked mutex");
    GK_EXPECT_DEATH(runlock_unlocked, NULL, 2, "fatal error: sync: RUnlock of unlocked RWMutex");
    GK_EXPECT_DEATH(unlock_unlocked_rw, NULL, 2, "fatal error: sync: Unlock of unlocked RWMutex");
}
END_TEST

START_TEST(trylock_fails_while_the_mutex_is_held)
{
    mutex_t m = {0};
    ck_assert(mutex_trylock(&m));
    ck_assert(!mutex_trylock(&m));
    mutex_unlock(&m);
    ck_assert(mutex_trylock(&m));
    mutex_unlock(&m);
}
END_TEST

/* Go's starvation mode: a goroutine that unlocks and at once locks again
 * always wins against a waiter that must first wake up (normal mode), until
 * the waiter has waited 1 ms; then Unlock hands the mutex to it. */
static mutex_t hot;
static bool waiter_got_it; /* under hot */

static void take_hot_once(void *arg)
{
    (void)arg;
    mutex_lock(&hot);
    waiter_got_it = true;
    mutex_unlock(&hot);
    wg_done(&wg);
}

START_TEST(a_waiter_is_not_starved_by_a_goroutine_that_relocks_at_once)
{
    mutex_lock(&hot);
    wg_add(&wg, 1);
    go(take_hot_once, NULL);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double limit_s = 10 * gk_timeout_scale();
    long rounds = 0;
    for (bool got = false; !got; rounds++) {
        mutex_unlock(&hot);
        mutex_lock(&hot);
        got = waiter_got_it;
        /* Holding the mutex: under Valgrind, which runs one thread at a
         * time behind an unfair lock, the waiter might otherwise never run
         * (measured: starved for minutes). It finds the mutex held. */
        go_yield();
        clock_gettime(CLOCK_MONOTONIC, &t);
        double s = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
        if (!got && s > limit_s)
            ck_abort_msg("the waiter never got the mutex in %.0f s (%ld unlock/lock rounds): "
                         "starvation mode should hand it over after 1 ms",
                         limit_s, rounds);
    }
    mutex_unlock(&hot);
    wg_wait(&wg);
    /* Back in normal mode: a free mutex is taken at once. */
    ck_assert(mutex_trylock(&hot));
    mutex_unlock(&hot);
}
END_TEST

/* The mode itself, step by step: a waiter that has waited over 1 ms, woken
 * and beaten once by a barging goroutine, switches the mutex to starvation
 * mode, and the next Unlock hands it over: a TryLock right after it fails
 * although no one has taken the mutex yet. In normal mode (or without
 * starvation mode) that TryLock succeeds. */
static chan_t *let_go;

static void hold_hot_once(void *arg)
{
    (void)arg;
    mutex_lock(&hot);
    chan_recv(let_go, NULL);
    mutex_unlock(&hot);
    wg_done(&wg);
}

START_TEST(starvation_mode_hands_the_mutex_to_a_waiter_of_over_a_millisecond)
{
    let_go = chan_make(0, 0);
    for (int attempt = 0;; attempt++) {
        ck_assert_msg(attempt < 20, "could not set the scene in 20 attempts");
        mutex_lock(&hot);
        wg_add(&wg, 1);
        go(hold_hot_once, NULL);
        go_wait_idle(); /* the waiter is parked in mutex_lock */
        struct timespec ms2 = {0, 2000000};
        nanosleep(&ms2, NULL);      /* it has now waited over 1 ms */
        mutex_unlock(&hot);         /* normal mode: wakes it ... */
        if (!mutex_trylock(&hot)) { /* ... and it took the mutex first: again */
            chan_send(let_go, NULL);
            wg_wait(&wg);
            continue;
        }
        go_wait_idle(); /* it woke, found the mutex taken, and parked again */
        mutex_unlock(&hot);
        bool barged = mutex_trylock(&hot);
        if (barged) mutex_unlock(&hot);
        chan_send(let_go, NULL);
        wg_wait(&wg);
        ck_assert_msg(!barged, "a TryLock right after Unlock took the mutex from a waiter that had "
                               "waited over 1 ms: starvation mode hands it to the waiter");
        break;
    }
    chan_free(let_go);
}
END_TEST

static rwmutex_t rw;
static chan_t *in_read, *leave;

static void hold_read_lock(void *arg)
{
    (void)arg;
    rwmutex_rlock(&rw);
    chan_send(in_read, NULL);
    chan_recv(leave, NULL);
    rwmutex_runlock(&rw);
}

START_TEST(two_readers_hold_the_read_lock_at_the_same_time)
{
    GK_LEAK_MARK();
    in_read = chan_make(0, 0);
    leave = chan_make(0, 0);
    go(hold_read_lock, NULL);
    go(hold_read_lock, NULL);
    /* Both report from inside the read lock before either may leave: with
     * a plain mutex the second would never get in, and this would deadlock. */
    chan_recv(in_read, NULL);
    chan_recv(in_read, NULL);
    ck_assert_msg(!rwmutex_trylock(&rw), "a writer must not get in while readers hold the lock");
    chan_close(leave);
    GK_ASSERT_NO_LEAKS();
    ck_assert(rwmutex_trylock(&rw));
    rwmutex_unlock(&rw);
}
END_TEST

static chan_t *order;

static void writer(void *arg)
{
    (void)arg;
    rwmutex_lock(&rw);
    int w = 'W';
    chan_send(order, &w);
    rwmutex_unlock(&rw);
}

static void late_reader(void *arg)
{
    (void)arg;
    rwmutex_rlock(&rw);
    int r = 'R';
    chan_send(order, &r);
    rwmutex_runlock(&rw);
}

START_TEST(a_waiting_writer_goes_before_readers_that_come_after_it)
{
    GK_LEAK_MARK();
    order = chan_make(sizeof(int), 2);
    rwmutex_rlock(&rw);
    go(writer, NULL);
    go_wait_idle(); /* the writer waits for our read lock */
    ck_assert_msg(!rwmutex_tryrlock(&rw), "a new reader must queue behind a waiting writer");
    go(late_reader, NULL);
    go_wait_idle(); /* the late reader waits behind the writer */
    rwmutex_runlock(&rw);
    int first, second;
    chan_recv(order, &first);
    chan_recv(order, &second);
    ck_assert_msg(first == 'W' && second == 'R', "expected writer then reader, got %c then %c",
                  first, second);
    GK_ASSERT_NO_LEAKS();
    chan_free(order);
}
END_TEST

static once_t once;
static atomic64_t init_calls;
static int config;

static void init_config(void *arg)
{
    atomic64_add(&init_calls, 1);
    config = *(int *)arg;
}

static void use_config(void *arg)
{
    int v = 7;
    once_do(&once, init_config, &v);
    ((int *)arg)[0] = config; /* once_do returns after init_config: no race */
    wg_done(&wg);
}

START_TEST(once_runs_its_function_exactly_once_for_racing_goroutines)
{
    GK_LEAK_MARK();
    enum { N = 40 };
    static int seen[N];
    wg_add(&wg, N);
    for (int i = 0; i < N; i++)
        go(use_config, &seen[i]);
    wg_wait(&wg);
    ck_assert_int_eq(atomic64_load(&init_calls), 1);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 7);
    GK_ASSERT_NO_LEAKS();
}
END_TEST

static mutex_t qmu;
static cond_t qcond = COND_INIT(&qmu);
static int queue_len, consumed;

static void consumer(void *arg)
{
    (void)arg;
    mutex_lock(&qmu);
    while (queue_len == 0)
        cond_wait(&qcond);
    queue_len--;
    consumed++;
    mutex_unlock(&qmu);
    wg_done(&wg);
}

START_TEST(cond_signal_and_broadcast_wake_waiters)
{
    GK_LEAK_MARK();
    wg_add(&wg, 4);
    for (int i = 0; i < 4; i++)
        go(consumer, NULL);
    go_wait_idle();
    mutex_lock(&qmu);
    queue_len = 1;
    cond_signal(&qcond);
    mutex_unlock(&qmu);
    mutex_lock(&qmu);
    queue_len += 3;
    cond_broadcast(&qcond);
    mutex_unlock(&qmu);
    wg_wait(&wg);
    ck_assert_int_eq(consumed, 4);
    ck_assert_int_eq(queue_len, 0);
    GK_ASSERT_NO_LEAKS();
}
END_TEST

Suite *sync_suite(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("sync");
    tcase_add_test(tc, a_mutex_makes_concurrent_increments_exact);
    tcase_add_test(tc, wait_returns_after_every_done);
    tcase_add_test(tc, a_negative_waitgroup_counter_panics);
    tcase_add_test(tc, unlocking_an_unlocked_mutex_is_a_fatal_error);
    tcase_add_test(tc, trylock_fails_while_the_mutex_is_held);
    tcase_add_test(tc, a_waiter_is_not_starved_by_a_goroutine_that_relocks_at_once);
    tcase_add_test(tc, starvation_mode_hands_the_mutex_to_a_waiter_of_over_a_millisecond);
    tcase_add_test(tc, two_readers_hold_the_read_lock_at_the_same_time);
    tcase_add_test(tc, a_waiting_writer_goes_before_readers_that_come_after_it);
    tcase_add_test(tc, once_runs_its_function_exactly_once_for_racing_goroutines);
    tcase_add_test(tc, cond_signal_and_broadcast_wake_waiters);
    suite_add_tcase(s, tc);
    return s;
}
