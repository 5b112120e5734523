/*
 * receiver-too-late: a receiver started after the send never gets to run.
 *
 *   Go:   myChan := make(chan int)
 *         myChan <- 76 // blocks here, forever
 *         go func() { fmt.Println(<-myChan) }() // never reached
 *
 * The program has a receiver, but it starts it on the line after the send.
 * Statements run in order: main is stuck in the send, so it never reaches
 * the go statement. The fix is to start the receiver first
 * (see receiver-first.c).
 *
 * Run:  make example KATA=02 NAME=receiver-too-late
 * You will see:
 *   sending 76...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan send]:
 *   main(...)
 *           katas/02-channels/examples/receiver-too-late.c:41
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

static void print_one(void *arg)
{
    chan_t *ch = arg;
    int v;
    chan_recv(ch, &v);
    printf("received %d\n", v);
}

int main(void)
{
    chan_t *my_chan = chan_make(sizeof(int), 0);
    int v = 76;
    printf("sending %d...\n", v);
    fflush(stdout);
    chan_send(my_chan, &v); /* blocks forever: no receiver exists yet */
    go(print_one, my_chan); /* too late: never reached */
    return 0;
}
