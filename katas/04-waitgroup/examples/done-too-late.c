/*
 * Done too late: wg_wait before anyone receives. A deadlock.
 *
 * Each worker sends its result on an unbuffered channel, then calls
 * wg_done. main waits for all of them first, and only then receives. But
 * a send on an unbuffered channel waits for a receiver: every worker is
 * stuck before its wg_done, and main is stuck in wg_wait. Go's most common
 * WaitGroup deadlock.
 *
 *   make example KATA=04 NAME=done-too-late
 *
 * You will see
 *   fatal error: all goroutines are asleep - deadlock!
 * and the dump: goroutine 1 [sync.WaitGroup.Wait] in main, and each
 * worker [chan send]. The exit status is 2. The fix is in
 * wait-and-close.c: receive in main, wait in a goroutine of its own.
 */
#include <gokata.h>
#include <stdio.h>

enum { N = 3 };

static wg_t wg;

static void worker(void *arg)
{
    chan_t *results = arg;
    int r = 42;
    chan_send(results, &r); /* waits for a receiver... */
    wg_done(&wg);           /* ...so this comes too late */
}

int main(void)
{
    chan_t *results = chan_make(sizeof(int), 0);
    for (int i = 0; i < N; i++) {
        wg_add(&wg, 1);
        go(worker, results);
    }
    wg_wait(&wg); /* BUG: nobody receives until this returns */
    int r, sum = 0;
    for (int i = 0; i < N; i++) {
        chan_recv(results, &r);
        sum += r;
    }
    printf("sum = %d\n", sum);
    chan_free(results);
    return 0;
}
