/*
 * Kata 13 · Memory management and concurrency: the reference solution.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ownership.h"

/* ---- Task 1: an argument that outlives its function ------------------------ */

/* What each goroutine is given: its own, on the heap, because it outlives
 * start_requests (Go's escape analysis would put it there). */
typedef struct {
    request_t req;
    handler_fn h;
    void *arg;
} request_call_t;

static void run_request(void *arg)
{
    request_call_t *c = arg;
    c->h(&c->req, c->arg);
    mem_free(c); /* the goroutine owns its argument: h is done with it */
}

void start_requests(int n, handler_fn h, void *arg)
{
    for (int i = 0; i < n; i++) {
        /* One allocation per goroutine: a local here would be one variable
         * for every iteration, and gone when we return. */
        request_call_t *c = mem_alloc(sizeof *c);
        c->req.id = i;
        snprintf(c->req.name, sizeof c->req.name, "request-%d", i);
        c->h = h;
        c->arg = arg;
        go(run_request, c); /* from here on c is the goroutine's: don't touch it */
    }
}

/* ---- Task 2: ownership moves with the pointer ------------------------------- */

void produce(chan_t *out, int n)
{
    for (int i = 0; i < n; i++) {
        msg_t *m = mem_alloc(sizeof *m); /* a new object per message */
        m->seq = i;
        m->hops = 0;
        snprintf(m->text, sizeof m->text, "message %d", i);
        chan_send(out, &m); /* hands m over: the last line that may touch it */
    }
    chan_close(out);
}

void relay(chan_t *in, chan_t *out)
{
    msg_t *m;
    while (chan_recv(in, &m)) {
        m->hops++;          /* ours from the receive ... */
        chan_send(out, &m); /* ... until this send */
    }
    chan_close(out);
}

long consume(chan_t *in)
{
    long sum = 0;
    msg_t *m;
    while (chan_recv(in, &m)) {
        sum += m->seq; /* read before the free, never after */
        mem_free(m);
    }
    return sum;
}

/* ---- Task 3: a pool of buffers ----------------------------------------------- */

void pool_init(pool_t *p, int keep, size_t size)
{
    p->free = chan_make(sizeof(void *), (size_t)keep);
    p->size = size;
}

void *pool_get(pool_t *p)
{
    void *buf;
    bool ok;
    /* An idle buffer if there is one; the receive orders its last user's
     * pool_put (and every write before it) before us. */
    if (!chan_try_recv(p->free, &buf, &ok)) buf = mem_alloc(p->size);
    memset(buf, 0, p->size); /* recycled or new: no bytes of anyone else's */
    return buf;
}

void pool_put(pool_t *p, void *buf)
{
    if (!chan_try_send(p->free, &buf)) mem_free(buf); /* full: let it go */
}

void pool_destroy(pool_t *p)
{
    void *buf;
    bool ok;
    while (chan_try_recv(p->free, &buf, &ok))
        mem_free(buf);
    chan_free(p->free);
    p->free = NULL;
}

/* ---- Task 4: reference counting ---------------------------------------------- */

config_t *config_new(int version, const char *text)
{
    config_t *c = mem_alloc(sizeof *c);
    atomic64_store(&c->refs, 1); /* the caller's reference */
    c->version = version;
    snprintf(c->text, sizeof c->text, "%s", text);
    return c;
}

void config_release(config_t *c)
{
    /* Decrement and test in one step: exactly one release sees 0. The add
     * is a release (our reads of c happen before it) and an acquire (the
     * one that sees 0 happens after every other holder's release): so every
     * read happens before the free. C11 would need memory_order_acq_rel
     * here; relaxed would let the free race with a reader. */
    if (atomic64_add(&c->refs, -1) == 0) mem_free(c);
}

void store_init(config_store_t *s, config_t *initial)
{
    s->mu = (rwmutex_t){0};
    s->current = initial;
}

config_t *config_acquire(config_store_t *s)
{
    /* Read current and take a reference under the lock: a publisher can't
     * drop the store's reference (and free it) between the two. */
    rwmutex_rlock(&s->mu);
    config_t *c = s->current;
    atomic64_add(&c->refs, 1);
    rwmutex_runlock(&s->mu);
    return c;
}

void store_publish(config_store_t *s, config_t *next)
{
    rwmutex_lock(&s->mu);
    config_t *old = s->current;
    s->current = next;
    rwmutex_unlock(&s->mu);
    config_release(old); /* outside the lock: it may free */
}

void store_close(config_store_t *s)
{
    config_release(s->current);
    s->current = NULL;
}
