/*
 * close-twice: a channel is closed once, by its sender. A receiver that
 * closes it "to be safe" closes it a second time.
 *
 *   Go:   go func() { // the sender
 *             for i := 0; i < 3; i++ { ch <- i }
 *             close(ch)
 *         }()
 *         for v := range ch { fmt.Println("received", v) }
 *         close(ch) // wrong: the sender already did; this panics
 *
 * The range loop ends because the sender closed the channel. The receiver
 * then closes it again, and a second close panics with Go's words. A panic
 * ends the whole program, not just the goroutine. The rule that avoids it:
 * only the sending side closes, exactly once, after its last send; a
 * receiver never closes a channel it receives from.
 *
 * Run:  make example KATA=02 NAME=close-twice
 * You will see:
 *   received 0
 *   received 1
 *   received 2
 *   panic: close of closed channel
 *
 *   goroutine 1 [running]:
 *   main(...)
 *           katas/02-channels/examples/close-twice.c:51
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

static void send_three(void *arg)
{
    chan_t *ch = arg;
    for (int i = 0; i < 3; i++)
        chan_send(ch, &i);
    chan_close(ch); /* right: the sender closes after its last send */
}

int main(void)
{
    chan_t *ch = chan_make(sizeof(int), 0);
    go(send_three, ch);
    int v;
    while (chan_recv(ch, &v)) {
        printf("received %d\n", v);
        fflush(stdout);
    }
    chan_close(ch); /* wrong: the receiver closes too, a second time */
    printf("never printed\n");
    return 0;
}
