/*
 * receiver-stops-early: a receiver that stops before the close leaves its
 * sender blocked forever: a goroutine leak.
 *
 *   Go:   ch := make(chan int)
 *         go func() { // the sender: ten values
 *             for i := 0; i < 10; i++ { ch <- i }
 *             close(ch)
 *         }()
 *         for i := 0; i < 3; i++ { fmt.Println("received", <-ch) }
 *         // main goes on with other work; the sender waits in its 4th send
 *
 * Nothing crashes and nothing is reported: the sender simply waits, for as
 * long as the program lives, for a receiver that will never come, holding
 * its stack (and, in gokata, a thread). A server that does this once per
 * request runs out of memory in the end. Here main counts the goroutines
 * and prints the dump, which shows where the sender is stuck. Fix: keep
 * receiving until the close (collect in this kata does: it stores only the
 * first max values, but receives them all), or tell the sender to stop
 * with a second channel (kata 03).
 *
 * Run:  make example KATA=02 NAME=receiver-stops-early
 * You will see:
 *   received 0
 *   received 1
 *   received 2
 *   goroutines alive: 2 (main, and the sender)
 *   goroutine 1 [running]:
 *   ...
 *   goroutine 2 [chan send]:
 *   send_ten(...)
 *           katas/02-channels/examples/receiver-stops-early.c:45
 *   created by main in goroutine 1
 *           katas/02-channels/examples/receiver-stops-early.c:52
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

static void send_ten(void *arg)
{
    chan_t *ch = arg;
    for (int i = 0; i < 10; i++)
        chan_send(ch, &i); /* the 4th send waits forever */
    chan_close(ch);
}

int main(void)
{
    chan_t *ch = chan_make(sizeof(int), 0);
    go(send_ten, ch);
    for (int i = 0; i < 3; i++) {
        int v;
        chan_recv(ch, &v);
        printf("received %d\n", v);
    }
    go_wait_idle(); /* until the sender is parked in its send */
    printf("goroutines alive: %d (main, and the sender)\n", go_numgoroutine());
    fflush(stdout);
    go_dump();
    return 0; /* the sender is still blocked: the program's exit ends it */
}
