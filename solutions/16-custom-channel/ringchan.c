/*
 * Kata 16 · Custom channels (circular buffers): the reference solution.
 *
 * One mutex guards every field; two conds, one per kind of waiter, so that
 * a signal always wakes a goroutine that can use what changed: a receive
 * makes room, so it signals a sender; a send adds a value, so it signals a
 * receiver. Close changes things for everyone: it broadcasts both.
 */
#include <stdlib.h>

#include "kata_todo.h"
#include "ringchan.h"

/* ---- Task 1: a bounded channel ------------------------------------------- */

ringchan_t *ringchan_make(size_t cap)
{
    if (cap == 0) return NULL;
    ringchan_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->buf = calloc(cap, sizeof *c->buf);
    if (!c->buf) {
        free(c);
        return NULL;
    }
    c->cap = cap;
    c->not_full = COND_INIT(&c->mu);
    c->not_empty = COND_INIT(&c->mu);
    return c;
}

void ringchan_free(ringchan_t *c)
{
    if (!c) return;
    free(c->buf);
    free(c);
}

/* With mu held and count < cap. */
static void put(ringchan_t *c, long v)
{
    c->buf[(c->head + c->count) % c->cap] = v;
    c->count++;
    cond_signal(&c->not_empty); /* one value: one receiver can use it */
}

/* With mu held and count > 0. */
static long take(ringchan_t *c)
{
    long v = c->buf[c->head];
    c->head = (c->head + 1) % c->cap;
    c->count--;
    cond_signal(&c->not_full); /* one slot: one sender can use it */
    return v;
}

int ringchan_send(ringchan_t *c, long v)
{
    mutex_lock(&c->mu);
    /* A loop, not an if: another sender may fill the slot between the
     * signal and this goroutine taking the lock. */
    while (c->count == c->cap && !c->closed)
        cond_wait(&c->not_full);
    if (c->closed) {
        mutex_unlock(&c->mu);
        return RC_CLOSED;
    }
    put(c, v);
    mutex_unlock(&c->mu);
    return RC_OK;
}

bool ringchan_recv(ringchan_t *c, long *v)
{
    mutex_lock(&c->mu);
    while (c->count == 0 && !c->closed)
        cond_wait(&c->not_empty);
    bool ok = c->count > 0; /* buffered values first, even when closed */
    long x = ok ? take(c) : 0;
    mutex_unlock(&c->mu);
    if (v) *v = x;
    return ok;
}

int ringchan_close(ringchan_t *c)
{
    mutex_lock(&c->mu);
    if (c->closed) {
        mutex_unlock(&c->mu);
        return RC_CLOSED;
    }
    c->closed = true;
    /* Every waiter must see it: a signal would wake one of each. */
    cond_broadcast(&c->not_full);
    cond_broadcast(&c->not_empty);
    mutex_unlock(&c->mu);
    return RC_OK;
}

size_t ringchan_len(ringchan_t *c)
{
    mutex_lock(&c->mu); /* count changes under the lock: read it under the lock */
    size_t n = c->count;
    mutex_unlock(&c->mu);
    return n;
}

size_t ringchan_cap(ringchan_t *c)
{
    mutex_lock(&c->mu);
    size_t n = c->cap;
    mutex_unlock(&c->mu);
    return n;
}

/* ---- Task 2: without waiting ------------------------------------------------ */

int ringchan_try_send(ringchan_t *c, long v)
{
    mutex_lock(&c->mu);
    int rc = c->closed ? RC_CLOSED : c->count == c->cap ? RC_FULL : RC_OK;
    if (rc == RC_OK) put(c, v);
    mutex_unlock(&c->mu);
    return rc;
}

int ringchan_try_recv(ringchan_t *c, long *v)
{
    mutex_lock(&c->mu);
    long x = 0;
    int rc = c->count > 0 ? RC_OK : c->closed ? RC_CLOSED : RC_EMPTY;
    if (rc == RC_OK) x = take(c);
    mutex_unlock(&c->mu);
    if (v) *v = x;
    return rc;
}

/* ---- Task 3: a receive with a timeout ------------------------------------ */

/* Runs in a goroutine of its own when the time is up: wake the receivers,
 * under the lock, so that a receiver between its check of the time and its
 * cond_wait cannot miss it. Every receiver re-checks its own deadline;
 * those whose time has not come wait again. */
static void wake_receivers(void *arg)
{
    ringchan_t *c = arg;
    mutex_lock(&c->mu);
    cond_broadcast(&c->not_empty);
    mutex_unlock(&c->mu);
}

int ringchan_recv_timeout(ringchan_t *c, long *v, go_duration_t d)
{
    go_time_t deadline = time_now() + d;
    go_timer_t *t = NULL;
    int rc;
    long x = 0;
    mutex_lock(&c->mu);
    for (;;) {
        if (c->count > 0) {
            x = take(c);
            rc = RC_OK;
            break;
        }
        if (c->closed) {
            rc = RC_CLOSED;
            break;
        }
        if (time_now() >= deadline) {
            rc = RC_TIMEOUT;
            break;
        }
        /* The timer starts only if we have to wait, and once. */
        if (!t) t = time_after_func(deadline - time_now(), wake_receivers, c);
        cond_wait(&c->not_empty);
    }
    mutex_unlock(&c->mu);
    /* Stopped before it fired: it never runs. Already fired: it is taking
     * the lock or done; it only touches c, which outlives this call. Not
     * under mu: timer_free must not wait on a function that wants mu. */
    if (t) timer_free(t);
    if (v) *v = x;
    return rc;
}

/* ---- Task 4: a receive with a context --------------------------------------- */

typedef struct {
    ringchan_t *c;
    ctx_t *ctx;
    chan_t *stop;   /* closed by the receiver when it is done waiting */
    chan_t *exited; /* closed by the watcher as it exits */
} watcher_t;

/* Waits for ctx to be done or the receiver to be done waiting; in the first
 * case, wakes the receivers (under the lock, for the same reason as above). */
static void watch_ctx(void *arg)
{
    watcher_t *w = arg;
    select_case_t cs[] = {select_recv(ctx_done(w->ctx), NULL), select_recv(w->stop, NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 0) {
        mutex_lock(&w->c->mu);
        cond_broadcast(&w->c->not_empty);
        mutex_unlock(&w->c->mu);
    }
    chan_close(w->exited);
}

int ringchan_recv_ctx(ringchan_t *c, ctx_t *ctx, long *v)
{
    watcher_t w = {.c = c, .ctx = ctx};
    bool watching = false;
    int rc;
    long x = 0;
    mutex_lock(&c->mu);
    for (;;) {
        if (c->count > 0) {
            x = take(c);
            rc = RC_OK;
            break;
        }
        if (c->closed) {
            rc = RC_CLOSED;
            break;
        }
        if (ctx_err(ctx)) {
            rc = RC_CANCELED;
            break;
        }
        if (!watching && ctx_done(ctx)) { /* NULL: ctx can never be done */
            w.stop = chan_make(0, 0);
            w.exited = chan_make(0, 0);
            go(watch_ctx, &w);
            watching = true;
        }
        cond_wait(&c->not_empty);
    }
    mutex_unlock(&c->mu);
    if (watching) {
        /* Unlocked first: the watcher may be waiting for mu to broadcast. */
        chan_close(w.stop);
        chan_recv(w.exited, NULL); /* w lives on this stack: wait for it */
        chan_free(w.stop);
        chan_free(w.exited);
    }
    if (v) *v = x;
    return rc;
}
