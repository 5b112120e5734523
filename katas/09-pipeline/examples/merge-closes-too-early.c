/*
 * Fan-in without a WaitGroup: the first forwarder to finish closes the
 * merged channel while the others are still sending.
 *
 *   Go:   for _, c := range cs {
 *             go func(c <-chan int) {
 *                 for v := range c { out <- v }
 *                 close(out)          // BUG: "my input is done, so out is done"
 *             }(c)
 *         }
 *
 * merge starts one forwarder per input. Input "fast" has one value and is
 * closed at once; input "slow" sends its values 50 ms apart. The fast
 * forwarder is done first and closes out. main's range loop sees the close
 * and ends, with only the fast value. Then the slow forwarder receives its
 * first value and sends it on out, which is closed: Go (and gokata) panic.
 * A forwarder can't know it is the last; only a goroutine that waits for
 * all of them (wg_wait) may close out.
 *
 * Run:  make example KATA=09 NAME=merge-closes-too-early
 * You will see:
 *   merged: 1 (the range ended: out was closed)
 *   panic: send on closed channel
 *
 *   goroutine 5 [running]:
 *   forward(...)
 *           katas/09-pipeline/examples/merge-closes-too-early.c:45
 *   ...
 *   (exit status 2)
 *
 * The fix is merge in solutions' shape: wg_add(&wg, n) before starting the
 * forwarders, wg_done at the end of each, and one more goroutine that
 * does wg_wait(&wg) and then chan_close(out).
 */
#include <stdio.h>

#include "gokata.h"

static chan_t *out;

static void forward(void *in)
{
    int v;
    while (chan_recv(in, &v))
        chan_send(out, &v);
    chan_close(out); /* BUG: the other forwarder may still be sending */
}

static void fast(void *ch)
{
    int v = 1;
    chan_send(ch, &v);
    chan_close(ch);
}

static void slow(void *ch)
{
    for (int v = 100; v < 103; v++) {
        go_sleep(50 * MILLISECOND);
        chan_send(ch, &v);
    }
    chan_close(ch);
}

int main(void)
{
    out = chan_make(sizeof(int), 0);
    chan_t *a = chan_make(sizeof(int), 0), *b = chan_make(sizeof(int), 0);
    go(fast, a);
    go(slow, b);
    go(forward, a);
    go(forward, b);

    printf("merged:");
    int v;
    while (chan_recv(out, &v))
        printf(" %d", v);
    printf(" (the range ended: out was closed)\n");
    fflush(stdout);
    go_sleep(SECOND); /* main goes on with its work; the slow forwarder wakes up */
    printf("no panic this time: the slow forwarder never sent (very unlikely)\n");
    return 0;
}
