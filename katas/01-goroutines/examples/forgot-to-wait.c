/*
 * forgot-to-wait: reading what goroutines compute without waiting for them
 * is a data race. Sleeping first makes the answer right, not the program.
 *
 *   Go:   results := make([]int, 4)
 *         for w := 0; w < 4; w++ {
 *             go func() { results[w] = sumRange(w*25+1, w*25+25) }()
 *         }
 *         total := results[0] + results[1] + results[2] + results[3] // no wg.Wait()
 *
 * Each goroutine writes its own slot, which is fine; main reads the slots
 * before the goroutines have written them, which is not. The first total is
 * usually 0 or too small. Then main sleeps, the way people "fix" it, and the
 * second total comes out right; but nothing orders the goroutines' writes
 * before main's reads, so it is still a data race (Go's memory model and
 * C's agree), and the race detectors report it every time. Fix: a WaitGroup
 * (wait-for-them.c).
 *
 * Run:  make example KATA=01 NAME=forgot-to-wait
 * You will see (the first total varies from run to run; now and then it is
 * even right):
 *   without waiting:    total = 1275 (expected 5050)
 *   after a 100 ms nap: total = 5050 (expected 5050)
 *
 * Run:  make example KATA=01 NAME=forgot-to-wait DETECTOR=tsan
 * You will see four reports like this one (one per slot), whatever the totals:
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 8 at 0x... by main thread:
 *       #0 add_up katas/01-goroutines/examples/forgot-to-wait.c:53
 *     Previous write of size 8 at 0x... by thread T3:
 *       #0 sum_quarter katas/01-goroutines/examples/forgot-to-wait.c:48
 *   ...
 *   ThreadSanitizer: reported 4 warnings
 *   (exit status 66)
 */
#include <stdio.h>

#include "gokata.h"

static long results[4];

static void sum_quarter(void *arg)
{
    long w = (long)arg;
    long sum = 0;
    for (long k = w * 25 + 1; k <= w * 25 + 25; k++)
        sum += k;
    results[w] = sum; /* its own slot: no two goroutines write the same one */
}

static long add_up(void)
{
    return results[0] + results[1] + results[2] + results[3]; /* the racy read */
}

int main(void)
{
    for (long w = 0; w < 4; w++)
        go(sum_quarter, (void *)w);
    printf("without waiting:    total = %ld (expected 5050)\n", add_up());
    go_sleep(100 * MILLISECOND); /* "wait long enough": not synchronization */
    printf("after a 100 ms nap: total = %ld (expected 5050)\n", add_up());
    return 0;
}
