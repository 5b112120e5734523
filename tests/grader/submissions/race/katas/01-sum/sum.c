/*
 * Always the right answer, but racy: the goroutine and sum_to both write
 * `total` with nothing ordering the two writes. The plain run can't see it;
 * ThreadSanitizer and Helgrind must.
 */
#include "gokata.h"
#include "sum.h"

static long total;
static wg_t wg;

static void compute(void *arg)
{
    int n = *(int *)arg;
    total = (long)n * (n + 1) / 2; /* racy write */
    wg_done(&wg);
    /* Still alive when sum_to writes: gcc 12's TSan misses a race with a
     * thread that has just exited in a few runs in a hundred (Helgrind
     * does not), and this fixture is about the grader, not about that. */
    go_sleep(20 * MILLISECOND);
}

long sum_to(int n)
{
    wg_add(&wg, 1);
    go(compute, &n);
    total = (long)n * (n + 1) / 2; /* races with the goroutine's write */
    wg_wait(&wg);
    return total;
}
