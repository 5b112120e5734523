/*
 * one-lock-histogram: torn-histogram.c fixed. One mutex guards the bucket,
 * the sum and the count: the writer changes the three under it, the
 * scraper copies the three under it.
 *
 *   Go:   h.mu.Lock(); h.buckets[b]++; h.sum += d; h.count++; h.mu.Unlock()
 *
 * Go's memory model says an Unlock happens before the next Lock: a scraper
 * that takes the lock sees each observation whole (all three updates) or
 * not at all. The scraper holds the lock only to copy three numbers;
 * formatting the page happens after it lets go.
 *
 * Run:  make example KATA=20 NAME=one-lock-histogram
 * You will see (the count varies):
 *   last scrape: count 17359683, bucket le="0.005" 17359683, sum 17359683 ms
 *   2000 scrapes, 0 of them torn
 *   (exit status 0)
 * With DETECTOR=tsan: the same, and no warning.
 */
#include <stdio.h>

#include "gokata.h"

enum { WORKERS = 4, SCRAPES = 2000 };

/* As in torn-histogram.c, every job lasts 1 ms. mu guards the three. */
static struct {
    mutex_t mu;
    int64_t le_5ms; /* the bucket of the jobs up to 5 ms */
    int64_t sum;    /* in ms */
    int64_t count;
} h;

static void observe(int64_t ms)
{
    mutex_lock(&h.mu);
    if (ms <= 5) h.le_5ms++;
    h.sum += ms;
    h.count++;
    mutex_unlock(&h.mu);
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
    int64_t bucket = 0, sum = 0, count = 0;
    for (int n = 1; n <= SCRAPES; n++) {
        mutex_lock(&h.mu); /* a scrape: the three numbers copied at one moment */
        bucket = h.le_5ms;
        sum = h.sum;
        count = h.count;
        mutex_unlock(&h.mu);
        if (bucket != count || sum != count) torn++;
        go_sleep(20 * MICROSECOND); /* the workers run on meanwhile */
    }
    printf("last scrape: count %lld, bucket le=\"0.005\" %lld, sum %lld ms\n", (long long)count,
           (long long)bucket, (long long)sum);
    printf("%d scrapes, %d of them torn\n", SCRAPES, torn);
    atomicbool_store(&stop, true);
    wg_wait(&wg);
    return 0;
}
