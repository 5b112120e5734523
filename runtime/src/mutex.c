/*
 * sync.Mutex. A goroutine that finds it locked parks in FIFO order, and
 * Unlock hands the lock straight to the first waiter: no waiter starves
 * (Go's starvation mode, always on).
 *
 * Happens-before: each Unlock happens before the next Lock returns. Unlock
 * releases the mutex's address; Lock acquires it. A learner's mutex is
 * learner memory, hidden from Helgrind on every call because the runtime
 * reads and writes it under its own, invisible, lock.
 */
#include "race.h"
#include "runtime.h"

void mutex_lock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    lock(&mu->q_.lock_);
    if (!mu->locked_) {
        mu->locked_ = 1;
        unlock(&mu->q_.lock_);
    } else {
        waitq_park(&mu->q_, g, WAIT_MUTEX); /* woken as the owner */
    }
    race_acquire(mu);
}

bool mutex_trylock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    lock(&mu->q_.lock_);
    bool ok = !mu->locked_;
    mu->locked_ = 1;
    unlock(&mu->q_.lock_);
    if (ok) race_acquire(mu);
    return ok;
}

void mutex_unlock_at(mutex_t *mu, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(mu, sizeof *mu);
    race_release(mu);
    lock(&mu->q_.lock_);
    if (!mu->locked_) {
        unlock(&mu->q_.lock_);
        gk_fatal("sync: unlock of unlocked mutex");
    }
    sudog_t *next = waitq_dequeue(&mu->q_);
    if (!next) mu->locked_ = 0;
    unlock(&mu->q_.lock_);
    if (next) goready(next->g);
}
