/*
 * deadlock-no-receiver: a send on an unbuffered channel waits for a receiver.
 *
 *   Go:   myChan := make(chan int)
 *         myChan <- 76 // nobody will ever receive
 *
 * An unbuffered channel has no room to keep a value: a send completes only
 * when a receiver takes the value, hand to hand. Here nobody ever receives,
 * so main waits forever. The runtime sees that every goroutine (only main)
 * is blocked and ends the program, as Go does.
 *
 * Run:  make example KATA=02 NAME=deadlock-no-receiver
 * You will see:
 *   sending 76...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan send]:
 *   main(...)
 *           katas/02-channels/examples/deadlock-no-receiver.c:32
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

int main(void)
{
    chan_t *my_chan = chan_make(sizeof(int), 0);
    int v = 76;
    printf("sending %d...\n", v);
    fflush(stdout);
    chan_send(my_chan, &v); /* blocks forever: there is no receiver */
    printf("never printed\n");
    return 0;
}
