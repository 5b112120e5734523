/*
 * sync.WaitGroup: a counter and the goroutines waiting for it to reach 0.
 *
 * Happens-before (Go's memory model): each Done happens before the Wait it
 * releases. Done releases the WaitGroup's address; Wait acquires it.
 *
 * And as Go's race detector does, an Add that takes the counter up from 0
 * must be ordered with a Wait that blocks: the Add reads race_, the first
 * Wait to block writes it, and the detectors report them when nothing
 * orders the two (a wg_add inside the goroutine it counts). race_ is the
 * one field left visible to the detectors.
 */
#include <stddef.h>

#include "race.h"
#include "runtime.h"

void __tsan_read_range(void *addr, unsigned long size) __attribute__((weak));
void __tsan_write_range(void *addr, unsigned long size) __attribute__((weak));

static void hide(wg_t *wg)
{
    race_untrack(wg, offsetof(wg_t, race_));
}

void wg_add_at(wg_t *wg, int delta, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    hide(wg);
    if (delta < 0) race_release(wg);
    lock(&wg->q_.lock_);
    int64_t v = wg->count_ += delta;
    if (v < 0) {
        wg->count_ -= delta; /* leave it as it was for the dump */
        unlock(&wg->q_.lock_);
        gk_panic("sync: negative WaitGroup counter");
    }
    if (delta > 0 && v == delta) { /* the first Add: a read, as in Go */
        if (__tsan_read_range) __tsan_read_range(&wg->race_, 1);
        (void)*(volatile char *)&wg->race_;
    }
    sudog_t *wake = v == 0 ? waitq_dequeue_all(&wg->q_, NULL) : NULL;
    unlock(&wg->q_.lock_);
    ready_all(wake);
}

void wg_wait_at(wg_t *wg, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    hide(wg);
    lock(&wg->q_.lock_);
    if (wg->count_ == 0) {
        unlock(&wg->q_.lock_);
    } else {
        if (!wg->q_.head_) { /* the first Wait to block: a write, as in Go */
            if (__tsan_write_range) __tsan_write_range(&wg->race_, 1);
            *(volatile char *)&wg->race_ = 0;
        }
        waitq_park(&wg->q_, g, WAIT_WAITGROUP);
    }
    race_acquire(wg);
}
