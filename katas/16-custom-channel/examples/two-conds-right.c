/*
 * The one-cond-signal program, done right: two conds, and close broadcasts.
 *
 *   Go:   type Chan struct {
 *             mu                 sync.Mutex
 *             notFull, notEmpty  *sync.Cond   // one per kind of waiter
 *             buf []int64; head, count int; closed bool
 *         }
 *
 * A send adds one value: it signals one receiver (not_empty), who can take
 * it. A receive frees one slot: it signals one sender (not_full), who can
 * fill it. A signal never lands on a goroutine that can't use it, so none
 * is lost. Close changes the answer for every waiter, of both kinds: it
 * broadcasts both conds. Every wait is a loop that looks again, since by
 * the time a woken goroutine has the lock, another may have taken the
 * slot or the value.
 *
 * Three senders, three receivers, capacity 1, 40 values each, then close:
 * the receivers, ranging until closed, get all 120 and end.
 *
 * Run:  make example KATA=16 NAME=two-conds-right
 * You will see:
 *   received 120 values, sum 2340; every receiver saw the close
 */
#include <stdbool.h>
#include <stdio.h>

#include "gokata.h"

enum { CAP = 1, N = 3, VALUES = 40 };

static mutex_t mu;
static cond_t not_full = COND_INIT(&mu), not_empty = COND_INIT(&mu);
static long buf[CAP];
static int head, count;
static bool closed;
static long received, sum; /* under mu too */

static void send(long v)
{
    mutex_lock(&mu);
    while (count == CAP && !closed)
        cond_wait(&not_full);
    if (!closed) {
        buf[(head + count) % CAP] = v;
        count++;
        cond_signal(&not_empty); /* a value: one receiver */
    }
    mutex_unlock(&mu);
}

static bool recv(long *v)
{
    mutex_lock(&mu);
    while (count == 0 && !closed)
        cond_wait(&not_empty);
    bool ok = count > 0;
    if (ok) {
        *v = buf[head];
        head = (head + 1) % CAP;
        count--;
        cond_signal(&not_full); /* a slot: one sender */
    }
    mutex_unlock(&mu);
    return ok;
}

static void close_chan(void)
{
    mutex_lock(&mu);
    closed = true;
    cond_broadcast(&not_full); /* every waiter, of both kinds */
    cond_broadcast(&not_empty);
    mutex_unlock(&mu);
}

static void sender(void *arg)
{
    wg_t *wg = arg;
    for (int i = 0; i < VALUES; i++)
        send(i);
    wg_done(wg);
}

static void receiver(void *arg)
{
    (void)arg;
    long v;
    while (recv(&v)) {
        mutex_lock(&mu);
        received++;
        sum += v;
        mutex_unlock(&mu);
    }
}

static void body(void *arg)
{
    (void)arg;
    static wg_t senders;
    wg_add(&senders, N);
    for (int i = 0; i < N; i++)
        go(sender, &senders);
    for (int i = 0; i < N; i++)
        go(receiver, NULL);
    wg_wait(&senders);
    close_chan(); /* the senders are done: close, as in Go, on the sending side */
}

int main(void)
{
    go_synctest(body, NULL); /* returns when every goroutine has ended */
    printf("received %ld values, sum %ld; every receiver saw the close\n", received, sum);
    return 0;
}
