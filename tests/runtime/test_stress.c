/* Many goroutines over MPMC channels and select: every value exactly once.
 * Sized for the slowest pass (Helgrind): 1,008 goroutines in all, at most
 * about 64 alive at once (Valgrind's default limit is 500 threads). */
#include <stdlib.h>

#include "gkcheck.h"
#include "suites.h"

enum { PRODUCERS = 1000, PER = 10, CONSUMERS = 8, ALIVE = 48 };

static chan_t *work, *other, *slots;
static wg_t producers, consumers;
static atomic64_t received[PRODUCERS * PER];
static atomic64_t total;

static void produce(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < PER; i++) {
        int v = (int)(id * PER + i);
        /* alternate channels through a select with two send cases */
        select_case_t cs[] = {select_send(work, &v), select_send(other, &v)};
        chan_select(cs, 2, SELECT_BLOCK);
    }
    chan_recv(slots, NULL); /* free a slot for the next producer */
    wg_done(&producers);
}

static void consume(void *arg)
{
    (void)arg;
    chan_t *w = work, *o = other;
    while (w || o) {
        int v;
        select_case_t cs[] = {select_recv(w, &v), select_recv(o, &v)};
        int k = chan_select(cs, 2, SELECT_BLOCK);
        if (!cs[k].ok) {
            if (k == 0) w = NULL;
            else o = NULL;
            continue;
        }
        atomic64_add(&received[v], 1);
        atomic64_add(&total, 1);
    }
    wg_done(&consumers);
}

START_TEST(a_thousand_goroutines_deliver_every_value_exactly_once)
{
    GK_LEAK_MARK();
    work = chan_make(sizeof(int), 16);
    other = chan_make(sizeof(int), 0);
    slots = chan_make(0, ALIVE);
    wg_add(&consumers, CONSUMERS);
    for (int i = 0; i < CONSUMERS; i++) go(consume, NULL);
    for (long p = 0; p < PRODUCERS; p++) {
        chan_send(slots, NULL); /* at most ALIVE producers at once */
        wg_add(&producers, 1);
        go(produce, (void *)p);
    }
    wg_wait(&producers);
    chan_close(work);
    chan_close(other);
    wg_wait(&consumers);
    ck_assert_int_eq(atomic64_load(&total), PRODUCERS * PER);
    for (int v = 0; v < PRODUCERS * PER; v++)
        ck_assert_msg(atomic64_load(&received[v]) == 1, "value %d received %ld times", v,
                      (long)atomic64_load(&received[v]));
    GK_ASSERT_NO_LEAKS();
}
END_TEST

Suite *stress_suite(void)
{
    Suite *s = suite_create("stress");
    TCase *tc = tcase_create("stress");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_thousand_goroutines_deliver_every_value_exactly_once);
    suite_add_tcase(s, tc);
    return s;
}
