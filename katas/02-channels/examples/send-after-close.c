/*
 * send-after-close: a receiver that closes the channel when it has had
 * enough makes the sender panic.
 *
 *   Go:   go func() { // the sender: ten values
 *             for i := 0; i < 10; i++ { ch <- i }
 *             close(ch)
 *         }()
 *         for i := 0; i < 3; i++ { fmt.Println("received", <-ch) }
 *         close(ch) // wrong: "I only wanted three"
 *
 * The receiver takes three values and closes the channel to say "stop".
 * But the sender is still sending: a send on a closed channel panics (and
 * a sender already blocked in its send panics when the channel is closed
 * under it). A channel's close means "no more values are coming", so only
 * the side that sends can know when to say it. To tell a sender to stop,
 * use a second channel that the receiver owns and closes (a "done"
 * channel), and have the sender watch it with select: kata 03.
 *
 * Run:  make example KATA=02 NAME=send-after-close
 * You will see:
 *   received 0
 *   received 1
 *   received 2
 *   panic: send on closed channel
 *
 *   goroutine 2 [running]:
 *   send_ten(...)
 *           katas/02-channels/examples/send-after-close.c:43
 *   created by main in goroutine 1
 *           katas/02-channels/examples/send-after-close.c:50
 *   ...
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

static void send_ten(void *arg)
{
    chan_t *ch = arg;
    for (int i = 0; i < 10; i++)
        chan_send(ch, &i); /* panics once ch is closed */
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
        fflush(stdout);
    }
    chan_close(ch);        /* wrong: the receiver closes while the sender sends */
    chan_recv(NULL, NULL); /* wait here; the sender's panic ends the program */
    return 0;
}
