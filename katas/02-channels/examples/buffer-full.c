/*
 * buffer-full: once the buffer is full, a send blocks like an unbuffered one.
 *
 *   Go:   bufferChan := make(chan int, 1)
 *         bufferChan <- 76 // fits
 *         bufferChan <- 77 // the buffer is full: blocks, forever
 *
 * A buffer is not a promise that sends never block: it only delays the
 * moment. The second send waits for a receiver to make room, and main, the
 * only goroutine, is the one waiting. Fix: receive before sending again, or
 * send from another goroutine while someone receives.
 *
 * Run:  make example KATA=02 NAME=buffer-full
 * You will see:
 *   sent 76 (len 1, cap 1)
 *   sending 77...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan send]:
 *   main(...)
 *           katas/02-channels/examples/buffer-full.c:37
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

int main(void)
{
    chan_t *buffer_chan = chan_make(sizeof(int), 1);
    int v = 76;
    chan_send(buffer_chan, &v);
    printf("sent %d (len %zu, cap %zu)\n", v, chan_len(buffer_chan), chan_cap(buffer_chan));
    v = 77;
    printf("sending %d...\n", v);
    fflush(stdout);
    chan_send(buffer_chan, &v); /* the buffer is full: blocks forever */
    printf("never printed\n");
    return 0;
}
