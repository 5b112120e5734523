/* RACE: buffered channel full, sender parked. The receiver takes the head value
 * (an earlier send) and must not be ordered after the parked sender's past.
 * A runtime that let the receiver acquire the parked sender's past hid it. */
#include <gokata.h>
#include <stdio.h>
static int x;
static chan_t *ch;
static wg_t wg;
static void sender(void *a)
{
    (void)a;
    x = 1; /* write before the (k+C)-th send */
    int v = 2;
    chan_send(ch, &v); /* parks: buffer full */
    wg_done(&wg);
}
int main(void)
{
    ch = chan_make(sizeof(int), 1);
    int v = 1;
    chan_send(ch, &v); /* fills the buffer */
    wg_add(&wg, 1);
    go(sender, NULL);
    go_wait_idle();              /* sender parked */
    chan_recv(ch, &v);           /* receives 1 (main's own value); sender's 2 moves in */
    printf("x=%d v=%d\n", x, v); /* RACE in Go */
    chan_recv(ch, &v);
    wg_wait(&wg);
    return 0;
}
