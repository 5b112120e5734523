/*
 * buffered-send: a buffered channel takes sends without a receiver, up to
 * its capacity. This one works.
 *
 *   Go:   bufferChan := make(chan int, 1)
 *         bufferChan <- 76          // room in the buffer: does not block
 *         fmt.Println(<-bufferChan) // 76
 *
 * A channel made with capacity 1 has room for one value. The send puts 76
 * in the buffer and returns at once, with no receiver anywhere; the receive
 * takes it back out. One goroutine can do both, as long as the buffer never
 * has to hold more than it can.
 *
 * Run:  make example KATA=02 NAME=buffered-send
 * You will see:
 *   sent 76 (len 1, cap 1)
 *   received 76 (len 0, cap 1)
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

int main(void)
{
    chan_t *buffer_chan = chan_make(sizeof(int), 1);
    int v = 76;
    chan_send(buffer_chan, &v); /* fits in the buffer: returns at once */
    printf("sent %d (len %zu, cap %zu)\n", v, chan_len(buffer_chan), chan_cap(buffer_chan));
    int got;
    chan_recv(buffer_chan, &got);
    printf("received %d (len %zu, cap %zu)\n", got, chan_len(buffer_chan), chan_cap(buffer_chan));
    chan_free(buffer_chan);
    return 0;
}
