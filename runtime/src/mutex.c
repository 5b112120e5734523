/*
 * sync.Mutex, as Go's sync/mutex.go: the same state word, the same two modes.
 *
 * Normal mode: waiters queue FIFO, but a woken waiter does not own the
 * mutex; it competes with goroutines that just arrived (and are running, so
 * usually win). A contended mutex therefore stays with whoever is running
 * and runs at the uncontended speed most of the time. A waiter that loses
 * queues at the front again.
 *
 * Starvation mode: a waiter that has waited over 1 ms switches the mutex to
 * handing ownership directly from Unlock to the first waiter; arrivals
 * don't try to take it and queue at the back. The mode ends when the waiter
 * that got the mutex is the last one, or waited less than 1 ms.
 *
 * state_: MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING | waiters << 3.
 * MUTEX_WOKEN: a waiter is awake (spinning or just woken) and will try
 * again, so Unlock need not wake another. sema_ and q_ are the semaphore
 * waiters sleep on (Go's runtime_SemacquireMutex): sema_ counts wake-ups
 * not yet taken, q_ holds the sleepers, both under q_.lock_.
 *
 * Happens-before: each Unlock happens before the next Lock returns. Unlock
 * releases the mutex's address; Lock acquires it. A learner's mutex is
 * learner memory, hidden from Helgrind on every call because the runtime
 * reads and writes it with atomics and its own, invisible, lock.
 */
#include "race.h"
#include "runtime.h"

enum {
    MUTEX_LOCKED = 1,
    MUTEX_WOKEN = 2,
    MUTEX_STARVING = 4,
    MUTEX_WAITER_SHIFT = 3,
    STARVATION_THRESHOLD_NS = 1000000,
};

static inline int32_t load(const int32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline bool cas(int32_t *p, int32_t old, int32_t new_)
{
    return __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* Go's runtime_SemacquireMutex: sleep until a wake-up is posted. lifo: a
 * waiter that has already waited goes back to the front. */
static void sema_acquire(mutex_t *mu, G *g, bool lifo)
{
    lock(&mu->q_.lock_);
    if (mu->sema_ > 0) {
        mu->sema_--;
        unlock(&mu->q_.lock_);
        return;
    }
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g};
    park_prepare(g, WAIT_MUTEX);
    if (lifo && mu->q_.head_) {
        sg->next = mu->q_.head_;
        ((sudog_t *)mu->q_.head_)->prev = sg;
        mu->q_.head_ = sg;
    } else {
        waitq_enqueue(&mu->q_, sg);
    }
    unlock(&mu->q_.lock_);
    gopark(g);
}

/* Posts one wake-up: to the first sleeper, or for the next to come. */
static void sema_release(mutex_t *mu)
{
    lock(&mu->q_.lock_);
    sudog_t *next = waitq_dequeue(&mu->q_);
    if (!next) mu->sema_++;
    unlock(&mu->q_.lock_);
    if (next) goready(next->g);
}

static void lock_slow(mutex_t *mu, G *g)
{
    int64_t wait_start = 0;
    bool starving = false, awoke = false;
    int iter = 0;
    int32_t old = load(&mu->state_);
    for (;;) {
        /* Spin while the holder (likely running) finishes: not in
         * starvation mode, where the mutex goes to the waiters in order. */
        if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED && iter < 4 && sched.ncpu > 1) {
            /* Tell Unlock not to wake others while this one is awake. */
            if (!awoke && !(old & MUTEX_WOKEN) && (old >> MUTEX_WAITER_SHIFT) != 0 &&
                cas(&mu->state_, old, old | MUTEX_WOKEN))
                awoke = true;
            procyield(30);
            iter++;
            old = load(&mu->state_);
            continue;
        }
        int32_t new_ = old;
        if (!(old & MUTEX_STARVING)) new_ |= MUTEX_LOCKED; /* don't take a starving mutex */
        if (old & (MUTEX_LOCKED | MUTEX_STARVING)) new_ += 1 << MUTEX_WAITER_SHIFT;
        if (starving && (old & MUTEX_LOCKED)) new_ |= MUTEX_STARVING;
        if (awoke) new_ &= ~MUTEX_WOKEN;
        if (!cas(&mu->state_, old, new_)) {
            old = load(&mu->state_);
            continue;
        }
        if (!(old & (MUTEX_LOCKED | MUTEX_STARVING))) return; /* took it */
        bool lifo = wait_start != 0;
        if (!lifo) wait_start = nanotime();
        sema_acquire(mu, g, lifo);
        starving = starving || nanotime() - wait_start > STARVATION_THRESHOLD_NS;
        old = load(&mu->state_);
        if (old & MUTEX_STARVING) {
            /* Handed over by Unlock: the mutex is ours, and we are no
             * longer a waiter. Leave starvation mode if nobody else waits
             * or we did not wait long. */
            int32_t delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
            if (!starving || (old >> MUTEX_WAITER_SHIFT) == 1) delta -= MUTEX_STARVING;
            __atomic_add_fetch(&mu->state_, delta, __ATOMIC_ACQ_REL);
            return;
        }
        awoke = true;
        iter = 0;
    }
}

void mutex_lock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    if (!cas(&mu->state_, 0, MUTEX_LOCKED)) lock_slow(mu, g);
    race_acquire(mu);
}

bool mutex_trylock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    int32_t old = load(&mu->state_);
    if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) || !cas(&mu->state_, old, old | MUTEX_LOCKED))
        return false;
    race_acquire(mu);
    return true;
}

static void unlock_slow(mutex_t *mu, int32_t new_)
{
    if (!((new_ + MUTEX_LOCKED) & MUTEX_LOCKED)) gk_fatal("sync: unlock of unlocked mutex");
    if (new_ & MUTEX_STARVING) {
        sema_release(mu); /* hand the mutex to the first waiter */
        return;
    }
    int32_t old = new_;
    for (;;) {
        /* Nobody to wake, or someone already awake or holding it. */
        if ((old >> MUTEX_WAITER_SHIFT) == 0 ||
            (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)))
            return;
        if (cas(&mu->state_, old, (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN)) {
            sema_release(mu);
            return;
        }
        old = load(&mu->state_);
    }
}

void mutex_unlock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    race_release(mu);
    int32_t new_ = __atomic_sub_fetch(&mu->state_, MUTEX_LOCKED, __ATOMIC_RELEASE);
    if (new_ != 0) unlock_slow(mu, new_);
}
