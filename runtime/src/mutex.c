/*
 * sync.Mutex, as Go's in normal mode: a lock word taken with one CAS when
 * free, a short spin when held (if a core is free, see park.c), then a FIFO
 * queue. Unlock releases the word and wakes the first waiter, which competes
 * again with whoever arrives (a woken waiter may lose: Go's "barging", which
 * keeps a contended mutex fast). Go adds a starvation mode after a waiter
 * has waited 1 ms; this one has none yet (a waiter always re-queues at the
 * front, so it cannot fall behind later arrivals that park).
 *
 * state_ (the public locked_ field): MUTEX_LOCKED | MUTEX_WAITERS. A
 * goroutine that parks sets MUTEX_WAITERS under q_.lock_ while the mutex is
 * held; Unlock clears MUTEX_LOCKED and, if the bit was set, wakes one
 * waiter under q_.lock_ and clears the bit when the queue is empty. No
 * wake-up is lost: either Unlock's fetch-and sees the bit, or the parker's
 * CAS sees the mutex free and takes it instead of parking.
 *
 * Happens-before: each Unlock happens before the next Lock returns. Unlock
 * releases the mutex's address; Lock acquires it. A learner's mutex is
 * learner memory, hidden from Helgrind on every call because the runtime
 * reads and writes it with atomics and its own, invisible, lock.
 */
#include "race.h"
#include "runtime.h"

enum { MUTEX_LOCKED = 1, MUTEX_WAITERS = 2 };

static bool try_acquire(mutex_t *mu)
{
    int s = __atomic_load_n(&mu->locked_, __ATOMIC_RELAXED);
    while (!(s & MUTEX_LOCKED))
        if (__atomic_compare_exchange_n(&mu->locked_, &s, s | MUTEX_LOCKED, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    return false;
}

/* Parks g at the front (requeued) or back of the queue, unless the mutex
 * turns out to be free. Returns true if g took it instead of parking. */
static bool park_or_take(mutex_t *mu, G *g, bool front)
{
    lock(&mu->q_.lock_);
    int s = __atomic_load_n(&mu->locked_, __ATOMIC_RELAXED);
    for (;;) {
        if (!(s & MUTEX_LOCKED)) {
            if (__atomic_compare_exchange_n(&mu->locked_, &s, s | MUTEX_LOCKED, false,
                                            __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                unlock(&mu->q_.lock_);
                return true;
            }
        } else if (__atomic_compare_exchange_n(&mu->locked_, &s, s | MUTEX_WAITERS, false,
                                               __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            break;
        }
    }
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g};
    park_prepare(g, WAIT_MUTEX);
    if (front && mu->q_.head_) {
        sg->next = mu->q_.head_;
        ((sudog_t *)mu->q_.head_)->prev = sg;
        mu->q_.head_ = sg;
    } else {
        waitq_enqueue(&mu->q_, sg);
    }
    unlock(&mu->q_.lock_);
    gopark(g);
    return false;
}

void mutex_lock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    if (!try_acquire(mu)) {
        bool woken = false;
        for (;;) {
            /* A short spin while the holder (likely running) finishes. */
            int s = __atomic_load_n(&mu->locked_, __ATOMIC_RELAXED);
            if (s & MUTEX_LOCKED) spin_while((const uint32_t *)&mu->locked_, (uint32_t)s);
            if (try_acquire(mu) || park_or_take(mu, g, woken)) break;
            woken = true; /* woken by Unlock: compete again, from the front */
            if (try_acquire(mu)) break;
        }
    }
    race_acquire(mu);
}

bool mutex_trylock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    bool ok = try_acquire(mu);
    if (ok) race_acquire(mu);
    return ok;
}

void mutex_unlock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    race_release(mu);
    int old = __atomic_fetch_and(&mu->locked_, ~MUTEX_LOCKED, __ATOMIC_RELEASE);
    if (!(old & MUTEX_LOCKED)) gk_fatal("sync: unlock of unlocked mutex");
    if (!(old & MUTEX_WAITERS)) return;
    lock(&mu->q_.lock_);
    sudog_t *next = waitq_dequeue(&mu->q_);
    if (!mu->q_.head_) __atomic_fetch_and(&mu->locked_, ~MUTEX_WAITERS, __ATOMIC_RELAXED);
    unlock(&mu->q_.lock_);
    if (next) goready(next->g);
}
