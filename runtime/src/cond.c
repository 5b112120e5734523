/*
 * sync.Cond. Wait queues the goroutine before it unlocks L, so a Signal
 * that comes between the unlock and the park is not lost. Like Go's, a Cond
 * adds no happens-before edge of its own: the edges come from L.
 */
#include "race.h"
#include "runtime.h"

static void check(cond_t *c)
{
    if (!c->L) gk_panic("sync: cond_t has no mutex (initialise it with COND_INIT(&mu))");
}

void cond_wait_at(cond_t *c, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    race_untrack(c, sizeof *c);
    check(c);
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g};
    park_prepare(g, WAIT_COND);
    lock(&c->q_.lock_);
    waitq_enqueue(&c->q_, sg);
    unlock(&c->q_.lock_);
    mutex_unlock_at(c->L, gk_file, gk_line, gk_func);
    gopark(g);
    mutex_lock_at(c->L, gk_file, gk_line, gk_func);
}

void cond_signal_at(cond_t *c, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(c, sizeof *c);
    check(c);
    lock(&c->q_.lock_);
    sudog_t *sg = waitq_dequeue(&c->q_);
    unlock(&c->q_.lock_);
    if (sg) goready(sg->g);
}

void cond_broadcast_at(cond_t *c, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(c, sizeof *c);
    check(c);
    lock(&c->q_.lock_);
    sudog_t *all = waitq_dequeue_all(&c->q_, NULL);
    unlock(&c->q_.lock_);
    ready_all(all);
}
