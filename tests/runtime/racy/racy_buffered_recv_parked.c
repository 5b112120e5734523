/* RACE: buffered channel, receiver parked. Go's memory model has no edge from the
 * receiver's past to the sender (only send -> receive completes).
 * A runtime that let the sender acquire the parked receiver's past hid it. */
#include <gokata.h>
#include <stdio.h>
static int y;
static chan_t *ch;
static wg_t wg;
static void receiver(void *a)
{
    (void)a;
    y = 1; /* write before the receive */
    int v;
    chan_recv(ch, &v); /* parks: buffer empty */
    wg_done(&wg);
}
int main(void)
{
    ch = chan_make(sizeof(int), 1);
    wg_add(&wg, 1);
    go(receiver, NULL);
    go_wait_idle(); /* receiver parked; orders nothing */
    int v = 42;
    chan_send(ch, &v);   /* direct handoff to the parked receiver */
    printf("y=%d\n", y); /* RACE in Go: no edge receiver -> sender on a buffered chan */
    wg_wait(&wg);
    return 0;
}
