/*
 * receiver-first: start the receiver, then send. This one works.
 *
 *   Go:   myChan := make(chan int)
 *         done := make(chan struct{})
 *         go func() { fmt.Println(<-myChan); close(done) }()
 *         myChan <- 76 // the receiver is there to take it
 *         <-done
 *
 * The goroutine waits in its receive; main's send hands it the value and
 * both go on. main then waits on a second channel until the receiver has
 * printed: a Go program (and this one) ends when main returns, and would
 * otherwise cut the receiver off before it prints. Closing `done` is the
 * receiver's way of saying "finished": a receive on a closed channel returns
 * at once.
 *
 * Run:  make example KATA=02 NAME=receiver-first
 * You will see:
 *   sending 76...
 *   received 76
 *   sent
 *   (exit status 0)
 * ("received 76" and "sent" may come in either order: after the hand-over
 * both goroutines run at once.)
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    chan_t *values;
    chan_t *done; /* chan struct{}: closed when the receiver has printed */
} pair_t;

static void print_one(void *arg)
{
    pair_t *p = arg;
    int v;
    chan_recv(p->values, &v);
    printf("received %d\n", v);
    fflush(stdout);
    chan_close(p->done);
}

int main(void)
{
    pair_t p = {chan_make(sizeof(int), 0), chan_make(0, 0)};
    go(print_one, &p); /* the receiver first... */
    int v = 76;
    printf("sending %d...\n", v);
    fflush(stdout);
    chan_send(p.values, &v); /* ...then the send: it completes */
    printf("sent\n");
    fflush(stdout);
    chan_recv(p.done, NULL); /* wait until the receiver has printed */
    chan_free(p.values);
    chan_free(p.done);
    return 0;
}
