/*
 * One cond for both kinds of waiter, and cond_signal: a lost wake-up.
 *
 *   Go:   type Chan struct {
 *             mu      sync.Mutex
 *             changed *sync.Cond        // one cond: "something changed"
 *             buf     []int64; head, count int
 *         }
 *         func (c *Chan) Send(v int64) {
 *             c.mu.Lock()
 *             for c.count == len(c.buf) { c.changed.Wait() }
 *             ...put v...
 *             c.changed.Signal()        // wakes ONE waiter: which kind?
 *             c.mu.Unlock()
 *         }
 *
 * Senders wait for room and receivers for a value, on the same cond. A
 * receive that makes room signals one waiter: if that one is another
 * receiver, it looks, finds the buffer empty and waits again, and the
 * sender that could have used the room sleeps on. Soon everybody waits for
 * a signal that nobody will send. Three senders, three receivers, a
 * channel of capacity 1, in a bubble (go_synctest): when every goroutine
 * waits, with no timer to come, the bubble reports the deadlock and where
 * each goroutine is. (Scheduling decides when it happens, not whether: in
 * 40 values each, it does.) The fix: two conds, not_full and not_empty, so
 * that a signal always wakes the kind that can use it (or broadcast, which
 * is correct but wakes everyone to let one through).
 *
 * Run:  make example KATA=16 NAME=one-cond-signal
 * You will see (goroutine numbers vary):
 *   panic: deadlock: all goroutines in bubble are blocked
 *
 *   goroutine 1 [synctest.Run]:
 *   main(...)
 *           katas/16-custom-channel/examples/one-cond-signal.c:104
 *
 *   goroutine 3 [sync.Cond.Wait]:
 *   send(...)
 *           katas/16-custom-channel/examples/one-cond-signal.c:57
 *   ...
 */
#include <stdio.h>

#include "gokata.h"

enum { CAP = 1, N = 3, VALUES = 40 };

static mutex_t mu;
static cond_t changed = COND_INIT(&mu);
static long buf[CAP];
static int head, count;

static void send(long v)
{
    mutex_lock(&mu);
    while (count == CAP)
        cond_wait(&changed);
    buf[(head + count) % CAP] = v;
    count++;
    cond_signal(&changed); /* the bug: may wake a sender */
    mutex_unlock(&mu);
}

static long recv(void)
{
    mutex_lock(&mu);
    while (count == 0)
        cond_wait(&changed);
    long v = buf[head];
    head = (head + 1) % CAP;
    count--;
    cond_signal(&changed); /* the bug: may wake a receiver */
    mutex_unlock(&mu);
    return v;
}

static void sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < VALUES; i++)
        send(i);
}

static void receiver(void *arg)
{
    (void)arg;
    for (int i = 0; i < VALUES; i++) {
        recv();
        if (i % 3 == 0) go_yield();
    }
}

static void body(void *arg)
{
    (void)arg;
    for (int i = 0; i < N; i++)
        go(sender, NULL);
    for (int i = 0; i < N; i++)
        go(receiver, NULL);
}

int main(void)
{
    go_synctest(body, NULL);
    printf("%d values went through without a lost wake-up: lucky this time, run it again\n",
           N * VALUES);
    return 0;
}
