/*
 * sync.RWMutex: many readers or one writer, writer-preferring as Go's is.
 * Once a writer waits, new readers queue behind it; when the writer
 * unlocks, the readers that queued meanwhile go before the next writer, so
 * neither side starves.
 *
 * Happens-before, as Go's race annotations put it: a writer's Unlock happens
 * before every later RLock and Lock (wsem_); each RUnlock happens before the
 * next Lock (rsem_). Readers are not ordered with each other.
 * rq_.lock_ guards every field.
 */
#include "race.h"
#include "runtime.h"

static void enter(rwmutex_t *rw, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(rw, sizeof *rw);
    lock(&rw->rq_.lock_);
}

void rwmutex_rlock_at(rwmutex_t *rw, GK_SITE_PARAMS)
{
    enter(rw, gk_file, gk_line, gk_func);
    if (!rw->writer_ && rw->writers_waiting_ == 0) {
        rw->readers_++;
        unlock(&rw->rq_.lock_);
    } else {
        /* waitq_park unlocks rq_.lock_, which guards both queues. */
        waitq_park(&rw->rq_, getg(), WAIT_RWMUTEX_RLOCK);
    }
    race_acquire(&rw->wsem_);
}

bool rwmutex_tryrlock_at(rwmutex_t *rw, GK_SITE_PARAMS)
{
    enter(rw, gk_file, gk_line, gk_func);
    bool ok = !rw->writer_ && rw->writers_waiting_ == 0;
    if (ok) rw->readers_++;
    unlock(&rw->rq_.lock_);
    if (ok) race_acquire(&rw->wsem_);
    return ok;
}

void rwmutex_runlock_at(rwmutex_t *rw, GK_SITE_PARAMS)
{
    race_release(&rw->rsem_);
    enter(rw, gk_file, gk_line, gk_func);
    if (rw->readers_ <= 0) {
        unlock(&rw->rq_.lock_);
        gk_fatal("sync: RUnlock of unlocked RWMutex");
    }
    sudog_t *w = NULL;
    if (--rw->readers_ == 0 && (w = waitq_dequeue(&rw->wq_)) != NULL) {
        rw->writer_ = 1;
        rw->writers_waiting_--;
    }
    unlock(&rw->rq_.lock_);
    if (w) goready(w->g);
}

static void rwmutex_wait_writer(rwmutex_t *rw)
{
    /* Parks on wq_ but unlocks rq_.lock_, the one lock of the RWMutex. */
    G *g = getg();
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g};
    park_prepare(g, WAIT_RWMUTEX_LOCK);
    waitq_enqueue(&rw->wq_, sg);
    unlock(&rw->rq_.lock_);
    gopark(g);
}

void rwmutex_lock_at(rwmutex_t *rw, GK_SITE_PARAMS)
{
    enter(rw, gk_file, gk_line, gk_func);
    if (!rw->writer_ && rw->readers_ == 0) {
        rw->writer_ = 1;
        unlock(&rw->rq_.lock_);
    } else {
        rw->writers_waiting_++;
        rwmutex_wait_writer(rw); /* woken as the owner */
    }
    race_acquire(&rw->rsem_);
    race_acquire(&rw->wsem_);
}

bool rwmutex_trylock_at(rwmutex_t *rw, GK_SITE_PARAMS)
{
    enter(rw, gk_file, gk_line, gk_func);
    bool ok = !rw->writer_ && rw->readers_ == 0;
    if (ok) rw->writer_ = 1;
    unlock(&rw->rq_.lock_);
    if (ok) {
        race_acquire(&rw->rsem_);
        race_acquire(&rw->wsem_);
    }
    return ok;
}

void rwmutex_unlock_at(rwmutex_t *rw, GK_SITE_PARAMS)
{
    race_release(&rw->wsem_);
    enter(rw, gk_file, gk_line, gk_func);
    if (!rw->writer_) {
        unlock(&rw->rq_.lock_);
        gk_fatal("sync: Unlock of unlocked RWMutex");
    }
    rw->writer_ = 0;
    int n = 0;
    sudog_t *wake = waitq_dequeue_all(&rw->rq_, &n);
    rw->readers_ += n;
    if (n == 0 && (wake = waitq_dequeue(&rw->wq_)) != NULL) {
        wake->next = NULL;
        rw->writer_ = 1;
        rw->writers_waiting_--;
    }
    unlock(&rw->rq_.lock_);
    ready_all(wake);
}
