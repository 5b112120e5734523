/*
 * wait-for-them: the fixed forgot-to-wait. Each goroutine writes its own
 * slot and calls wg_done; main waits with wg_wait, then reads.
 *
 *   Go:   var wg sync.WaitGroup
 *         results := make([]int, 4)
 *         for w := 0; w < 4; w++ {
 *             wg.Add(1)
 *             go func() { defer wg.Done(); results[w] = sumRange(w*25+1, w*25+25) }()
 *         }
 *         wg.Wait() // every Done happens before Wait returns: the writes are visible
 *         total := results[0] + results[1] + results[2] + results[3]
 *
 * wg_add before go() (not inside the goroutine: wg_wait could see 0 before
 * the goroutine has even started), wg_done as the goroutine's last act,
 * wg_wait before the first read. Go's memory model then orders every write a
 * goroutine made before its wg_done before everything after wg_wait: no
 * race, and both detectors stay quiet.
 *
 * Run:  make example KATA=01 NAME=wait-for-them
 * You will see:
 *   total = 5050 (expected 5050)
 *   (exit status 0)
 *
 * Run:  make example KATA=01 NAME=wait-for-them DETECTOR=tsan   (or helgrind)
 * You will see the same, and no warning.
 */
#include <stdio.h>

#include "gokata.h"

static long results[4];
static wg_t wg;

static void sum_quarter(void *arg)
{
    long w = (long)arg;
    long sum = 0;
    for (long k = w * 25 + 1; k <= w * 25 + 25; k++)
        sum += k;
    results[w] = sum;
    wg_done(&wg); /* last: the write above happens before wg_wait returns */
}

int main(void)
{
    for (long w = 0; w < 4; w++) {
        wg_add(&wg, 1); /* before go() */
        go(sum_quarter, (void *)w);
    }
    wg_wait(&wg);
    long total = results[0] + results[1] + results[2] + results[3];
    printf("total = %ld (expected 5050)\n", total);
    return 0;
}
