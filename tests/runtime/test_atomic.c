/* sync/atomic: exact counts and compare-and-swap under contention. */
#include "gkcheck.h"
#include "suites.h"

enum { WORKERS = 6, ROUNDS = 2000 };
static wg_t wg;
static atomic64_t count, max_seen;

static void add_and_track_max(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < ROUNDS; i++) atomic64_add(&count, 1);
    int64_t mine = id * 100;
    for (;;) { /* a running maximum: CAS until ours is stored or beaten */
        int64_t cur = atomic64_load(&max_seen);
        if (cur >= mine || atomic64_cas(&max_seen, cur, mine)) break;
    }
    wg_done(&wg);
}

START_TEST(atomic_adds_from_many_goroutines_are_all_counted)
{
    GK_LEAK_MARK();
    wg_add(&wg, WORKERS);
    for (long i = 0; i < WORKERS; i++) go(add_and_track_max, (void *)i);
    wg_wait(&wg);
    ck_assert_int_eq(atomic64_load(&count), WORKERS * ROUNDS);
    ck_assert_int_eq(atomic64_load(&max_seen), (WORKERS - 1) * 100);
    GK_ASSERT_NO_LEAKS();
}
END_TEST

static atomicbool_t stop;
static atomicptr_t published;
static int payload;

static void spin_until_stopped(void *arg)
{
    (void)arg;
    while (!atomicbool_load(&stop)) go_yield();
    int *p = atomicptr_load(&published);
    ck_assert_int_eq(*p, 99); /* the store of p happened after payload was written */
    wg_done(&wg);
}

START_TEST(a_stop_flag_and_a_published_pointer_are_seen_with_what_preceded_them)
{
    GK_LEAK_MARK();
    wg_add(&wg, 2);
    go(spin_until_stopped, NULL);
    go(spin_until_stopped, NULL);
    payload = 99;
    atomicptr_store(&published, &payload);
    atomicbool_store(&stop, true);
    wg_wait(&wg);
    ck_assert(atomicbool_swap(&stop, false));
    ck_assert(atomicbool_cas(&stop, false, true));
    ck_assert(atomicptr_cas(&published, &payload, NULL));
    ck_assert_ptr_null(atomicptr_swap(&published, &payload));
    ck_assert_int_eq(atomic64_swap(&count, 5), 0);
    GK_ASSERT_NO_LEAKS();
}
END_TEST

Suite *atomic_suite(void)
{
    Suite *s = suite_create("atomic");
    TCase *tc = tcase_create("atomic");
    tcase_add_test(tc, atomic_adds_from_many_goroutines_are_all_counted);
    tcase_add_test(tc, a_stop_flag_and_a_published_pointer_are_seen_with_what_preceded_them);
    suite_add_tcase(s, tc);
    return s;
}
