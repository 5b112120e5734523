/*
 * Done called too early: a data race that usually prints the right answer.
 *
 * Each worker calls wg_done first, as if it were Go's `defer wg.Done()`,
 * then writes its result. But C has no defer: wg_done runs where it is
 * written, so wg_wait can return, and main read the results, before the
 * writes. Nothing orders main's read after a worker's write: a data race.
 *
 *   make example KATA=04 NAME=done-too-early
 *   make example KATA=04 NAME=done-too-early DETECTOR=tsan
 *
 * Plain, it usually prints `sum of squares 1..8 = 204 (expected 204)`:
 * the workers are quick, and the bug hides. Once in a while a result is
 * still 0 and the sum is wrong. ThreadSanitizer doesn't need luck: it
 * prints `WARNING: ThreadSanitizer: data race`, a write in `worker` (the
 * line after wg_done) and a read in `main`, and the program exits with
 * status 66.
 */
#include <gokata.h>
#include <stdio.h>

enum { N = 8 };

static wg_t wg;
static int results[N];

static void worker(void *arg)
{
    int i = (int)(long)arg;
    wg_done(&wg); /* BUG: Go's `defer wg.Done()` goes first; C's wg_done goes last */
    results[i] = (i + 1) * (i + 1);
}

int main(void)
{
    for (long i = 0; i < N; i++) {
        wg_add(&wg, 1);
        go(worker, (void *)i);
    }
    wg_wait(&wg);
    int sum = 0;
    for (int i = 0; i < N; i++)
        sum += results[i]; /* races with the writes */
    printf("sum of squares 1..%d = %d (expected 204)\n", N, sum);
    return 0;
}
