/*
 * Parking and waking goroutines, and the deadlock detector they feed.
 *
 * sched.running counts live goroutines that are not parked on the runtime.
 * A goroutine decrements it when it parks; the goroutine that wakes it
 * increments it (before the wakee runs), and go() increments it before the
 * thread exists. So the count can run ahead of the truth but never behind:
 * when a decrement makes it 0, every goroutine is parked and none is running
 * to wake another. That is Go's "all goroutines are asleep - deadlock!".
 *
 * The count is an atomic the detectors never see as synchronization (the
 * runtime is not instrumented, and sched is hidden from Helgrind): it must
 * not order goroutines that Go would not order.
 */
#include <stdio.h>
#include <unistd.h>

#include "runtime.h"

void gopark(G *g, waitreason_t reason)
{
    g->waitsince = nanotime();
    __atomic_store_n(&g->waitreason, reason, __ATOMIC_RELAXED);
    if (__atomic_sub_fetch(&sched.running, 1, __ATOMIC_SEQ_CST) == 0) checkdead();
    while (__atomic_load_n(&g->wakeup, __ATOMIC_ACQUIRE) == 0) futex_wait(&g->wakeup, 0);
    __atomic_store_n(&g->waitreason, WAIT_RUNNING, __ATOMIC_RELAXED);
}

void goready(G *g)
{
    __atomic_fetch_add(&sched.running, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g->wakeup, 1, __ATOMIC_RELEASE);
    futex_wake(&g->wakeup, 1);
}

/* A nil channel, an empty select: nothing will ever wake g. */
_Noreturn void park_forever(G *g, waitreason_t reason)
{
    __atomic_store_n(&g->wakeup, 0, __ATOMIC_RELAXED);
    for (;;) gopark(g, reason);
}

void checkdead(void)
{
    if (__atomic_load_n(&sched.running, __ATOMIC_SEQ_CST) != 0) return;
    G *g = getg();
    fflush(stdout); /* what the learner printed first, as Go would show it */
    dumpbuf_t b = {.fd = STDERR_FILENO};
    char buf[1024];
    b.buf = buf;
    b.cap = sizeof buf;
    db_str(&b, "fatal error: all goroutines are asleep - deadlock!\n\n");
    /* A goroutine that found the deadlock on its way out is not part of it. */
    bool exited = __atomic_load_n(&g->waitreason, __ATOMIC_RELAXED) == WAIT_EXITED;
    dump_all(&b, exited ? NULL : g, false);
    db_flush(&b);
    gk_exit(2);
}
