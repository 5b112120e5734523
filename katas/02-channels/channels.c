/*
 * Kata 02: channels. This is the file you edit.
 *
 * The contract of each function is in channels.h; the lesson is README.md;
 * stuck? HINTS.md. Grade your work with:  make grade KATA=02
 */
#include <stdlib.h>

#include "channels.h"
#include "kata_todo.h"

chan_t *generate(int n)
{
    (void)n;
    TODO("generate: start a goroutine that sends 0..n-1 on a new unbuffered channel, then "
         "closes it; return the channel at once");
}

size_t collect(chan_t *in, int *out, size_t max)
{
    (void)in, (void)out, (void)max;
    TODO("collect: receive from in until it is closed (chan_recv returns false), storing the "
         "first max values in out; return how many were received");
}

chan_t *fan_in(int senders)
{
    (void)senders;
    TODO("fan_in: start `senders` goroutines, sender i sends i on one unbuffered channel; a "
         "goroutine that waits for them all (WaitGroup) closes it; return the channel at once");
}

chan_t *square_all(chan_t *in, int workers)
{
    (void)in, (void)workers;
    TODO("square_all: start `workers` goroutines that range over in and send each square on a "
         "new unbuffered channel; close that channel once every worker is done; never close in");
}
