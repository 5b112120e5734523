/*
 * Kata 02: channels. The contract: the four functions you write in
 * channels.c. Read it, don't edit it (the grader uses its own copy).
 *
 * Every channel here carries ints: chan_make(sizeof(int), cap).
 *
 * The rules of closing, which every function below follows:
 *   - Only the sending side closes a channel, exactly once, after its last
 *     send. A second close panics ("close of closed channel"), and so does a
 *     send after the close ("send on closed channel").
 *   - A receiver never closes a channel it receives from.
 *   - When several goroutines send on one channel, none of them can know it
 *     is the last: one more goroutine waits for all of them (a WaitGroup)
 *     and closes the channel then.
 *   - Whoever receives the close frees the channel (chan_free), once no
 *     goroutine uses it any more. In this kata that is always the caller.
 */
#ifndef CHANNELS_H
#define CHANNELS_H

#include <stddef.h>

#include "gokata.h"

/*
 * Task 1. A generator: func generate(n int) <-chan int
 *
 * Makes an unbuffered channel (capacity 0), starts ONE goroutine that sends
 * 0, 1, ..., n-1 on it, in that order, then closes it, and returns the
 * channel at once. generate itself sends nothing and waits for nothing: the
 * caller is the receiver, and an unbuffered send waits for the receiver, so
 * a generate that sent before returning would wait forever.
 *
 * n >= 0; for n == 0 the goroutine closes the channel without sending.
 * The caller receives until the channel is closed, then frees it. The
 * goroutine must not touch the channel after closing it, and must free
 * whatever it was given (if you malloc its argument, it frees it).
 */
chan_t *generate(int n);

/*
 * Task 2. A collector: for v := range in { ... }
 *
 * Receives from in until in is closed and drained (chan_recv returns false),
 * storing the values in the order received in out[0], out[1], ...; returns
 * how many values it received. A received 0 is a value like any other, not
 * an end marker: only the close ends the loop.
 *
 * If more than max values arrive, collect still receives every one of them
 * (a sender left with values nobody will take would wait forever), but
 * stores only the first max. out[max] and beyond are never written.
 *
 * collect must not close in (it is a receiver: the sender closes) and must
 * not free it (the caller does).
 */
size_t collect(chan_t *in, int *out, size_t max);

/*
 * Task 3. Fan-in: many senders, one channel, one receiver.
 *
 * Makes an unbuffered channel and starts `senders` goroutines; the one
 * numbered i (0 <= i < senders) sends the value i once. The channel is
 * closed after the last value has been sent, exactly once, by a goroutine
 * that waits for every sender on a WaitGroup: no sender closes it. Returns
 * the channel at once, before any value is sent (the caller receives).
 *
 * senders >= 0; with 0 senders the channel is closed without a value.
 * The caller receives until the channel is closed, then frees it. The
 * goroutines started here must all exit once the caller has received the
 * close, and free what they were given.
 */
chan_t *fan_in(int senders);

/*
 * Task 4. Several consumers that are also producers: you decide who
 * closes what.
 *
 * Starts `workers` goroutines (workers >= 1), all receiving from in until in
 * is closed; for each value v one of them receives, it sends v*v on the
 * returned channel. Each value of in is squared exactly once; the squares
 * come out in any order. Returns at once.
 *
 * in belongs to the caller: the caller sends on it, closes it, and frees
 * it. square_all only receives from in: it never closes it.
 *
 * The returned channel is unbuffered. square_all's side sends on it, so
 * square_all's side closes it: exactly once, after every worker has sent
 * its last square. The caller receives until it is closed, then frees it.
 * Every goroutine started here exits once in is closed and every square
 * has been received.
 */
chan_t *square_all(chan_t *in, int workers);

#endif
