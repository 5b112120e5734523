/*
 * sync.WaitGroup: a counter and the goroutines waiting for it to reach 0.
 *
 * Happens-before (Go's memory model): each Done happens before the Wait it
 * releases. Done releases the WaitGroup's address; Wait acquires it.
 */
#include "race.h"
#include "runtime.h"

void wg_add_at(wg_t *wg, int delta, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    race_untrack(wg, sizeof *wg);
    if (delta < 0) race_release(wg);
    lock(&wg->q_.lock_);
    int64_t v = wg->count_ += delta;
    if (v < 0) {
        wg->count_ -= delta; /* leave it as it was for the dump */
        unlock(&wg->q_.lock_);
        gk_panic("sync: negative WaitGroup counter");
    }
    sudog_t *wake = v == 0 ? waitq_dequeue_all(&wg->q_, NULL) : NULL;
    unlock(&wg->q_.lock_);
    ready_all(wake);
}

void wg_wait_at(wg_t *wg, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    race_untrack(wg, sizeof *wg);
    lock(&wg->q_.lock_);
    if (wg->count_ == 0)
        unlock(&wg->q_.lock_);
    else
        waitq_park(&wg->q_, g, WAIT_WAITGROUP);
    race_acquire(wg);
}
