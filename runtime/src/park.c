/*
 * Parking and waking goroutines, and the deadlock detector they feed.
 *
 * sched.running counts live goroutines that are not asleep. A goroutine
 * decrements it when it goes to sleep in the futex (after its spin, see
 * below); the goroutine that wakes a sleeper increments it (before the
 * wakee runs), and go() increments it before the thread exists.
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
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "race.h"
#include "runtime.h"

/*
 * g->wakeup: PARK_WAITING from park_prepare until the waker stores
 * PARK_WOKEN; PARK_SLEEPING while g sleeps in the futex, so that a waker
 * makes the futex call only when someone is there to wake.
 */
enum { PARK_WAITING = 0, PARK_WOKEN = 1, PARK_SLEEPING = 2 };

/*
 * Spinning before sleeping. A handoff that arrives within microseconds (a
 * ping-pong, a producer just ahead of its consumer) then costs no futex
 * calls and no context switch: that is most of the gap to Go on channel
 * handoffs. It is bounded (SPIN_NS), and only done while a core is free
 * (no more goroutines running than cores): when goroutines outnumber cores,
 * a spinner would steal the core its waker needs. Then it yields the core a
 * few times instead (YIELDS): the waker may run on it, and a wake-up that
 * comes meanwhile costs the waker no futex call (with four producers and one
 * consumer on two cores, a futex wake per item was most of the cost). Off
 * under Valgrind, which runs one thread at a time, so spinning would only
 * wait for its own slice. Invisible to both detectors (plain loads of
 * runtime memory).
 */
enum { SPIN_NS = 20000, YIELDS = 4 };

void park_init(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    sched.ncpu = RUNNING_ON_VALGRIND ? 1 : (n > 0 ? (int)n : 1);
}

/* A core is free for the caller to spin on. A parking goroutine still
 * counts itself in sched.running (counted); an idle thread (m.c) does not. */
static bool may_spin(bool counted)
{
    int running = __atomic_load_n(&sched.running, __ATOMIC_RELAXED) - (counted ? 1 : 0);
    return sched.ncpu > 1 && running < sched.ncpu;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

void procyield(int n)
{
    for (int i = 0; i < n; i++) cpu_relax();
}

/* When no core is free: give the core away a few times before sleeping. A
 * wake-up that comes meanwhile costs the waker no futex call. */
static bool yield_while(const uint32_t *word, uint32_t val)
{
    if (sched.ncpu < 2) return false;
    for (int i = 0; i < YIELDS; i++) {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != val) return true;
        sched_yield();
    }
    return __atomic_load_n(word, __ATOMIC_ACQUIRE) != val;
}

/* Spins until *word != val or the time is up; true if it changed. */
bool spin_while(const uint32_t *word, uint32_t val, bool counted)
{
    if (!may_spin(counted)) return false;
    int64_t deadline = 0;
    for (int i = 0;; i++) {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != val) return true;
        cpu_relax();
        if ((i & 63) == 63) {
            int64_t now = nanotime();
            if (deadline == 0)
                deadline = now + SPIN_NS;
            else if (now > deadline)
                return false;
        }
    }
}

static bool is_durable(waitreason_t r)
{
    return r != WAIT_MUTEX && r != WAIT_RWMUTEX_LOCK && r != WAIT_RWMUTEX_RLOCK;
}

void park_prepare(G *g, waitreason_t reason)
{
    g->wakeup = PARK_WAITING;
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
    /* A spinning goroutine still counts as running: a wake-up that comes
     * while it spins touches neither sched.running nor the futex, and
     * deadlock detection waits for the spin (at most SPIN_NS). */
    if (!spin_while(&g->wakeup, PARK_WAITING, true) && !yield_while(&g->wakeup, PARK_WAITING)) {
        uint32_t w = PARK_WAITING;
        if (__atomic_compare_exchange_n(&g->wakeup, &w, PARK_SLEEPING, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            if (__atomic_sub_fetch(&sched.running, 1, __ATOMIC_SEQ_CST) == 0) checkdead();
            while (__atomic_load_n(&g->wakeup, __ATOMIC_ACQUIRE) == PARK_SLEEPING)
                futex_wait(&g->wakeup, PARK_SLEEPING);
        }
    }
    __atomic_store_n(&g->waitreason, WAIT_RUNNING, __ATOMIC_RELAXED);
    TRACE(g, EV_UNBLOCK, 0);
}

/*
 * One goready per park (each parked sudog is dequeued once; a select's
 * other cases lose the select_done CAS), so only the parker moves g->wakeup
 * from WAITING to SLEEPING and only the waker moves it on to WOKEN. A waker
 * that finds g sleeping counts it as running before waking it: the count
 * may run ahead, never behind.
 */
void goready(G *g)
{
    if (g->durable) __atomic_fetch_add(&g->bubble->running, 1, __ATOMIC_SEQ_CST);
    uint32_t w = PARK_WAITING;
    if (__atomic_compare_exchange_n(&g->wakeup, &w, PARK_WOKEN, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return; /* still spinning (or not yet parked): still counted */
    if (w != PARK_SLEEPING) return; /* already woken */
    __atomic_fetch_add(&sched.running, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g->wakeup, PARK_WOKEN, __ATOMIC_RELEASE);
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
