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
}

long sum_to(int n)
{
    wg_add(&wg, 1);
    go(compute, &n);
    total = (long)n * (n + 1) / 2; /* races with the goroutine's write */
    wg_wait(&wg);
    return total;
}
