/*
 * torn-histogram: a histogram whose every number is an atomic, and a
 * scraper that reads it while 4 workers record jobs.
 *
 *   Go:   buckets[b].Add(1); sum.Add(d); count.Add(1)   // three atomics
 *
 * Each of the three updates is atomic: no update is lost, and neither
 * ThreadSanitizer nor Helgrind has anything to report, because there is no
 * data race. But an observation is three updates, not one. A scrape that
 * reads between them sees a job in its bucket and not yet in count (or in
 * count and not yet in sum). Prometheus then shows a +Inf bucket that is not
 * _count, an average latency (sum / count) that is briefly wrong, and a
 * quantile computed from buckets that don't add up. Every number is right;
 * together they are wrong.
 *
 * Run:  make example KATA=20 NAME=torn-histogram
 * You will see (the counts vary):
 *   scrape 1: count 158305, but bucket le="0.005" 158306 and sum 158306 ms
 *   scrape 2: count 811910, but bucket le="0.005" 811913 and sum 811912 ms
 *   scrape 3: count 1049007, but bucket le="0.005" 1049009 and sum 1049008 ms
 *   scrape 4: count 1052073, but bucket le="0.005" 1052075 and sum 1052074 ms
 *   scrape 5: count 1055359, but bucket le="0.005" 1055360 and sum 1055359 ms
 *   ...
 *   2000 scrapes, 1947 of them torn
 *   (exit status 0)
 * With DETECTOR=tsan: the same, and not one warning. The fix is in
 * one-lock-histogram.c: one mutex held for the three updates and for the
 * three reads.
 */
#include <stdio.h>

#include "gokata.h"

enum { WORKERS = 4, SCRAPES = 2000, SHOWN = 5 };

/* Every job of this example lasts 1 ms, so in a consistent scrape the
 * bucket (le="0.005": every job), the count and the sum in ms are equal. */
static struct {
    atomic64_t le_5ms; /* the bucket of the jobs up to 5 ms */
    atomic64_t sum;    /* in ms */
    atomic64_t count;
} h;

static void observe(int64_t ms)
{
    if (ms <= 5) atomic64_add(&h.le_5ms, 1);
    atomic64_add(&h.sum, ms);
    atomic64_add(&h.count, 1);
}

static atomicbool_t stop;

static void worker(void *arg)
{
    wg_t *wg = arg;
    while (!atomicbool_load(&stop))
        observe(1);
    wg_done(wg);
}

int main(void)
{
    wg_t wg = {0};
    wg_add(&wg, WORKERS);
    for (int i = 0; i < WORKERS; i++)
        go(worker, &wg);

    int torn = 0;
    for (int n = 1; n <= SCRAPES; n++) {
        /* A scrape: each number read on its own, by atomic loads. */
        int64_t bucket = atomic64_load(&h.le_5ms);
        int64_t sum = atomic64_load(&h.sum);
        int64_t count = atomic64_load(&h.count);
        if (bucket != count || sum != count) {
            if (++torn <= SHOWN)
                printf("scrape %d: count %lld, but bucket le=\"0.005\" %lld and sum %lld ms\n", n,
                       (long long)count, (long long)bucket, (long long)sum);
        }
        go_sleep(20 * MICROSECOND); /* the workers run on meanwhile */
    }
    if (torn > SHOWN) printf("...\n");
    printf("%d scrapes, %d of them torn\n", SCRAPES, torn);
    atomicbool_store(&stop, true);
    wg_wait(&wg);
    return 0;
}
