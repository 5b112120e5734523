/*
 * Parking and waking goroutines, and the deadlock detector they feed.
 *
 * sched.running counts live goroutines that are not parked. A goroutine
 * decrements it when it parks; the goroutine that wakes it increments it
 * (before the wakee runs), and go() increments it before the thread exists.
 * So the count can run ahead of the truth but never behind: when a
 * decrement makes it 0, every goroutine is parked and none is running to
 * wake another. Unless a timer is pending, that is Go's "all goroutines are
 * asleep - deadlock!".
 *
 * A go_synctest bubble keeps the same count for its own goroutines, of
 * those durably blocked (not on a Mutex): when it reaches 0 the bubble's
 * clock jumps to its next timer (bubble_idle). One mechanism serves both.
 *
 * The counts are atomics the detectors never see as synchronization (the
 * runtime is not instrumented, and sched is hidden from Helgrind): they
 * must not order goroutines that Go would not order.
 */
#include <stdio.h>
#include <unistd.h>

#include "race.h"
#include "runtime.h"

static bool is_durable(waitreason_t r)
{
    return r != WAIT_MUTEX && r != WAIT_RWMUTEX_LOCK && r != WAIT_RWMUTEX_RLOCK;
}

void park_prepare(G *g, waitreason_t reason)
{
    g->wakeup = 0;
    g->parking = reason;
    g->durable = g->bubble && is_durable(reason);
}

void gopark(G *g)
{
    g->waitsince = nanotime();
    TRACE(g, EV_BLOCK, g->parking);
    __atomic_store_n(&g->waitreason, g->parking, __ATOMIC_RELAXED);
    /* The bubble first: its clock may move and wake someone, so that the
     * global count below never reaches 0 while a bubble has work to do. */
    if (g->durable) {
        race_release(&g->bubble->race_wait);
        if (__atomic_sub_fetch(&g->bubble->running, 1, __ATOMIC_SEQ_CST) == 0)
            bubble_idle(g->bubble);
    }
    if (__atomic_sub_fetch(&sched.running, 1, __ATOMIC_SEQ_CST) == 0) checkdead();
    while (__atomic_load_n(&g->wakeup, __ATOMIC_ACQUIRE) == 0) futex_wait(&g->wakeup, 0);
    __atomic_store_n(&g->waitreason, WAIT_RUNNING, __ATOMIC_RELAXED);
    TRACE(g, EV_UNBLOCK, 0);
}

void goready(G *g)
{
    if (g->durable) __atomic_fetch_add(&g->bubble->running, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&sched.running, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g->wakeup, 1, __ATOMIC_RELEASE);
    futex_wake(&g->wakeup, 1);
}

/* A nil channel, an empty select: nothing will ever wake g. */
_Noreturn void park_forever(G *g, waitreason_t reason)
{
    for (;;) {
        park_prepare(g, reason);
        gopark(g);
    }
}

void checkdead(void)
{
    if (__atomic_load_n(&sched.running, __ATOMIC_SEQ_CST) != 0) return;
    if (timers_pending()) return; /* the timer thread will wake someone, or check again */
    G *g = getg_nocreate();
    fflush(stdout); /* what the learner printed first, as Go would show it */
    trace_flush_on_crash();
    dumpbuf_t b = {.fd = STDERR_FILENO};
    char buf[1024];
    b.buf = buf;
    b.cap = sizeof buf;
    db_str(&b, "fatal error: all goroutines are asleep - deadlock!\n\n");
    /* A goroutine that found the deadlock on its way out is not part of it. */
    bool exited = g && __atomic_load_n(&g->waitreason, __ATOMIC_RELAXED) == WAIT_EXITED;
    dump_all(&b, exited ? NULL : g, false);
    db_flush(&b);
    gk_exit(2);
}
