/*
 * The runtime's own lock: a futex word (Drepper, "Futexes Are Tricky", mutex
 * 2). 0 = unlocked, 1 = locked, 2 = locked with waiters.
 *
 * Why not pthread_mutex_t: both race detectors treat every unlock -> lock of
 * a pthread mutex as a happens-before edge. Two goroutines sending on one
 * channel, or a goroutine exiting while main starts another, would then be
 * ordered, and the learner's race between them hidden. Atomics compiled
 * outside ThreadSanitizer and raw futex calls are seen by neither detector;
 * the edges Go does have are added in race.h.
 */
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

void futex_wait(uint32_t *addr, uint32_t val)
{
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

/* Waits at most ns (a spurious or early return is fine: callers loop). */
void futex_wait_ns(uint32_t *addr, uint32_t val, int64_t ns)
{
    if (ns <= 0) return;
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

void futex_wake(uint32_t *addr, int n)
{
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static inline uint32_t cas(uint32_t *l, uint32_t old, uint32_t new_)
{
    __atomic_compare_exchange_n(l, &old, new_, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    return old;
}

void lock(uint32_t *l)
{
    uint32_t c = cas(l, 0, 1);
    if (c == 0) return;
    /* Runtime locks are held for a few hundred instructions, by a thread
     * that is most likely running: spin briefly, then yield once, before
     * paying for a futex sleep (as Go's lock_futex.go). The spin backs off
     * (1, 2, 4 ... 32 pauses between looks, about 1.6 us in all here, where
     * a pause takes 25 ns): a spinner that polls the word on every pause
     * takes its cache line from the holder, which must take it back to
     * unlock (3x slower on a busy buffered channel), and one that looks
     * only every 30 pauses, as Go does, arrives late to a lock held briefly
     * (twice as slow on a channel of capacity 1). */
    if (sched.ncpu > 1)
        for (int i = 0; i < 6; i++) {
            procyield(1 << i);
            if (__atomic_load_n(l, __ATOMIC_RELAXED) == 0 && (c = cas(l, 0, 1)) == 0) return;
        }
    sched_yield();
    c = cas(l, 0, 1);
    if (c == 0) return;
    if (c != 2) c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        futex_wait(l, 2);
        c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
    }
}

void unlock(uint32_t *l)
{
    if (__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2) futex_wake(l, 1);
}
