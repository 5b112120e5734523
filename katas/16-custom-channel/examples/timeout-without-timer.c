/*
 * A receive with a timeout that nothing wakes when the time is up.
 *
 *   Go:   func (c *Chan) RecvTimeout(d time.Duration) (int64, bool) {
 *             deadline := time.Now().Add(d)
 *             c.mu.Lock(); defer c.mu.Unlock()
 *             for c.count == 0 {
 *                 if time.Now().After(deadline) { return 0, false }
 *                 c.notEmpty.Wait()      // until a send... or forever
 *             }
 *             ...
 *         }
 *
 * The deadline is checked, but only when something wakes the receiver, and
 * only a send or a close does. With no sender, Wait never returns: the
 * timeout never happens. A Cond has no "wait at most d"; a select could
 * wait on a channel and a timer at once, but a Cond is not a channel. So
 * something must wake the waiter when the time is up: a timer whose
 * function takes the lock and broadcasts (time_after_func). That is what a
 * select with a timeout costs you outside the runtime, and why Go's
 * channels live in the runtime: there, the receiver is parked on the
 * channel and on the timer at once, and whichever fires first unparks it.
 *
 * The program runs in a bubble: with the receiver in cond_wait and no timer
 * pending, nothing can ever happen, and the bubble says so.
 *
 * Run:  make example KATA=16 NAME=timeout-without-timer
 * You will see:
 *   panic: deadlock: all goroutines in bubble are blocked
 *
 *   goroutine 1 [...]:   (main, in go_synctest)
 *   ...
 *   goroutine 2 [sync.Cond.Wait]:
 *   recv_timeout(...)
 *           katas/16-custom-channel/examples/timeout-without-timer.c:52
 */
#include <stdbool.h>
#include <stdio.h>

#include "gokata.h"

static mutex_t mu;
static cond_t not_empty = COND_INIT(&mu);
static int count;

static bool recv_timeout(go_duration_t d)
{
    go_time_t deadline = time_now() + d;
    mutex_lock(&mu);
    while (count == 0) {
        if (time_now() >= deadline) break;
        cond_wait(&not_empty); /* the bug: nothing wakes it at the deadline */
    }
    bool ok = count > 0;
    if (ok) count--;
    mutex_unlock(&mu);
    return ok;
}

static void body(void *arg)
{
    (void)arg;
    bool ok = recv_timeout(3 * SECOND);
    printf("recv_timeout(3 s) returned %s\n", ok ? "a value" : "a timeout");
}

int main(void)
{
    go_synctest(body, NULL);
    return 0;
}
