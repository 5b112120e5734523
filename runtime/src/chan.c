/*
 * Channels, after Go's runtime/chan.go: a buffer, a queue of blocked
 * senders and one of blocked receivers, under one lock.
 *
 * Happens-before, as Go's memory model states it, told to the detectors:
 *  - a buffered value passes through a slot: the sender releases the slot,
 *    the receiver acquires it; and since a send acquires its slot too, the
 *    k-th receive is ordered before the (k+C)-th send completes;
 *  - a direct handoff (a partner is parked) goes both ways through the
 *    parked partner's sudog: a send before its receive completes, and for an
 *    unbuffered channel the receive before the send completes;
 *  - close releases the channel's raceaddr; a receive that sees the channel
 *    closed acquires it.
 * Nothing else orders two goroutines that use the same channel.
 *
 * Direct handoffs on a buffered channel (a receiver parked on an empty
 * buffer, a sender parked on a full one) go "through the slot" as Go's
 * racenotify does, without either side acquiring the other's whole past:
 * the parked party releases its past into an anchor of its own before
 * parking; the handoff moves that anchor into the slot's recv_anchor (a
 * receiver's, for the send that next fills the slot: receive k before send
 * k+C) or send_anchor (a sender's, for the receive of its value); whoever
 * next uses the slot that way acquires and frees it. The partner that
 * wakes gets the handoff's edge through its sudog.
 */
#include <stdint.h>
#include <stdlib.h>

#include "chan.h"
#include "copy.h"
#include "race.h"

static void *chanbuf(chan_t *c, size_t i)
{
    return c->buf + i * c->elemsize;
}

/* A new anchor, or NULL when no detector watches (nobody would read it, and
 * a malloc per blocking operation is a fair part of its cost). */
void *anchor_new(void)
{
    if (!race_enabled()) return NULL;
    void *a = malloc(1); /* only its address matters: never read or written */
    if (!a) gk_fatal("chan: out of memory");
    return a;
}

/* Frees an anchor nobody will acquire. Plain free: whoever frees it either
 * allocated it or acquired it, so TSan sees the free ordered. */
void anchor_drop(void **a)
{
    if (!*a) return;
    race_forget(*a);
    free(*a);
    *a = NULL;
}

/* Acquires and frees a pending anchor of a slot. */
static void anchor_take(void **a)
{
    if (!*a) return;
    race_acquire(*a);
    anchor_drop(a);
}

chan_t *chan_make(size_t elem_size, size_t cap)
{
    if (elem_size > 1 << 16) gk_panic("makechan: invalid channel element type (over 64 KiB)");
    if (cap > ((size_t)1 << 40) / (elem_size ? elem_size : 1))
        gk_panic("makechan: size out of range");
    size_t anchors = 2 * cap * sizeof(void *);
    chan_t *c = calloc(1, sizeof *c + anchors + elem_size * cap);
    if (!c) gk_panic("makechan: out of memory");
    race_untrack(c, sizeof *c + anchors + elem_size * cap);
    c->elemsize = elem_size;
    c->dataqsiz = cap;
    c->recv_anchor = (void **)(c + 1);
    c->send_anchor = c->recv_anchor + cap;
    c->buf = (unsigned char *)(c->send_anchor + cap);
    G *g = getg_nocreate();
    c->bubble = g && g->bubble ? g->bubble->id : 0;
    return c;
}

void chan_free_at(chan_t *c, GK_SITE_PARAMS)
{
    if (!c) return;
    lock(&c->lock);
    bool busy = c->recvq.head_ || c->sendq.head_;
    unlock(&c->lock);
    if (busy) {
        setsite(getg(), gk_file, gk_line, gk_func);
        gk_panic("chan_free: goroutines are still blocked on this channel "
                 "(free a channel only when no goroutine uses it any more)");
    }
    race_forget(&c->raceaddr);
    for (size_t i = 0; i < c->dataqsiz; i++) {
        race_forget(chanbuf(c, i));
        anchor_drop(&c->recv_anchor[i]);
        anchor_drop(&c->send_anchor[i]);
    }
    rt_free(c, sizeof *c + 2 * c->dataqsiz * sizeof(void *) + c->elemsize * c->dataqsiz);
}

size_t chan_len(chan_t *c)
{
    if (!c) return 0;
    return __atomic_load_n(&c->qcount, __ATOMIC_RELAXED);
}

size_t chan_cap(chan_t *c)
{
    return c ? c->dataqsiz : 0;
}

static void advance_recvx(chan_t *c)
{
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
}

void chan_send_to_waiter(chan_t *c, sudog_t *r, const void *ep)
{
    if (c->dataqsiz == 0) {
        race_acquire(r); /* unbuffered: the receive happens before the send completes */
    } else {
        /* Through the slot, as Go's race model does: this send acquires
         * what the slot holds (receive k-C), and the parked receiver's
         * past waits there for send k+C. */
        size_t i = c->recvx;
        void *slot = chanbuf(c, i);
        race_acquire(slot);
        anchor_take(&c->recv_anchor[i]);
        race_release(slot);
        c->recv_anchor[i] = r->anchor;
        r->anchor = NULL;
        advance_recvx(c);
        c->sendx = c->recvx;
        copy_to_parked(r->elem, ep, c->elemsize);
        r->success = true;
        race_release(r); /* the send happens before the receive completes */
        return;
    }
    copy_user_to_user(r->elem, ep, c->elemsize);
    r->success = true;
    race_release(r); /* the send happens before the receive completes */
}

void chan_recv_from_waiter(chan_t *c, sudog_t *s, void *ep)
{
    if (c->dataqsiz == 0) {
        race_acquire(s); /* the send happens before the receive completes */
        copy_user_to_user(ep, s->elem, c->elemsize);
    } else {
        /* The buffer is full: take its head, and the sender's value takes
         * the freed slot at the tail, its sender's past waiting in
         * send_anchor for whoever receives it. */
        size_t i = c->recvx;
        void *slot = chanbuf(c, i);
        race_acquire(slot);
        anchor_take(&c->send_anchor[i]);
        copy_to_user(ep, slot, c->elemsize);
        copy_from_parked(slot, s->elem, c->elemsize);
        race_release(slot);
        c->send_anchor[i] = s->anchor;
        s->anchor = NULL;
        advance_recvx(c);
        c->sendx = c->recvx;
    }
    s->success = true;
    race_release(s); /* the receive happens before the send completes */
}

void chan_buf_put(chan_t *c, const void *ep)
{
    void *slot = chanbuf(c, c->sendx);
    race_acquire(slot); /* receive k happens before send k+C completes */
    anchor_take(&c->recv_anchor[c->sendx]);
    copy_from_user(slot, ep, c->elemsize);
    race_release(slot);
    if (++c->sendx == c->dataqsiz) c->sendx = 0;
    __atomic_store_n(&c->qcount, c->qcount + 1, __ATOMIC_RELAXED);
}

void chan_buf_take(chan_t *c, void *ep)
{
    void *slot = chanbuf(c, c->recvx);
    race_acquire(slot);
    anchor_take(&c->send_anchor[c->recvx]);
    copy_to_user(ep, slot, c->elemsize);
    race_release(slot);
    advance_recvx(c);
    __atomic_store_n(&c->qcount, c->qcount - 1, __ATOMIC_RELAXED);
}

void chan_recv_closed(chan_t *c, void *ep)
{
    race_acquire(&c->raceaddr);
    zero_user(ep, c->elemsize);
}

void chan_send_at(chan_t *c, const void *ep, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (!c) park_forever(g, WAIT_CHAN_SEND_NIL);

    lock(&c->lock);
    if (c->closed) {
        unlock(&c->lock);
        gk_panic("send on closed channel");
    }
    sudog_t *r = waitq_dequeue(&c->recvq);
    if (r) {
        chan_send_to_waiter(c, r, ep);
        r->g->param = r;
        unlock(&c->lock);
        TRACE(g, EV_SEND, c); /* before the receiver can run and answer */
        goready(r->g);
        return;
    }
    if (c->qcount < c->dataqsiz) {
        chan_buf_put(c, ep);
        unlock(&c->lock);
        TRACE(g, EV_SEND, c);
        return;
    }
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g, .elem = (void *)ep, .c = c};
    if (c->dataqsiz > 0) {
        sg->anchor = anchor_new();
        race_release(sg->anchor);
    }
    park_prepare(g, WAIT_CHAN_SEND);
    g->durable = g->durable && chan_durable_for(c, g);
    race_release(sg);
    waitq_enqueue(&c->sendq, sg);
    unlock(&c->lock);
    gopark(g);
    anchor_drop(&sg->anchor); /* not handed over: closed */
    race_acquire(sg);
    if (!sg->success) gk_panic("send on closed channel");
    TRACE(g, EV_SEND, c);
}

bool chan_recv_at(chan_t *c, void *ep, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (!c) park_forever(g, WAIT_CHAN_RECV_NIL);

again:
    lock(&c->lock);
    sudog_t *s = waitq_dequeue(&c->sendq);
    if (s) {
        chan_recv_from_waiter(c, s, ep);
        s->g->param = s;
        unlock(&c->lock);
        TRACE(g, EV_RECV, c);
        goready(s->g);
        return true;
    }
    if (c->qcount > 0) {
        chan_buf_take(c, ep);
        unlock(&c->lock);
        TRACE(g, EV_RECV, c);
        return true;
    }
    if (c->closed) {
        unlock(&c->lock);
        chan_recv_closed(c, ep);
        return false;
    }
    sudog_t *sg = &g->sg;
    *sg = (sudog_t){.g = g, .elem = ep, .c = c};
    if (c->dataqsiz > 0) {
        sg->anchor = anchor_new();
        race_release(sg->anchor);
    }
    park_prepare(g, WAIT_CHAN_RECV);
    g->durable = g->durable && chan_durable_for(c, g);
    race_release(sg);
    waitq_enqueue(&c->recvq, sg);
    unlock(&c->lock);
    gopark(g);
    anchor_drop(&sg->anchor);  /* not handed over: closed, or a timer's value */
    if (sg->retry) goto again; /* a timer left its value in the buffer */
    race_acquire(sg);
    if (!sg->success) {
        chan_recv_closed(c, ep); /* no value: no receive event, as when found closed */
        return false;
    }
    TRACE(g, EV_RECV, c);
    return true;
}

bool chan_try_send_at(chan_t *c, const void *ep, GK_SITE_PARAMS)
{
    select_case_t cs = select_send(c, ep);
    return chan_select_at(&cs, 1, SELECT_NONBLOCK, gk_file, gk_line, gk_func) == 0;
}

bool chan_try_recv_at(chan_t *c, void *ep, bool *ok, GK_SITE_PARAMS)
{
    select_case_t cs = select_recv(c, ep);
    bool done = chan_select_at(&cs, 1, SELECT_NONBLOCK, gk_file, gk_line, gk_func) == 0;
    if (ok) *ok = done && cs.ok;
    return done;
}

static sudog_t *close_and_dequeue(chan_t *c)
{
    c->closed = true;
    sudog_t *wake = NULL, *sg;
    while ((sg = waitq_dequeue(&c->recvq)) != NULL) {
        sg->success = false;
        sg->g->param = sg;
        sg->next = wake;
        wake = sg;
    }
    while ((sg = waitq_dequeue(&c->sendq)) != NULL) {
        sg->success = false; /* the sender panics when it wakes */
        sg->g->param = sg;
        sg->next = wake;
        wake = sg;
    }
    return wake;
}

sudog_t *chan_close_locked(chan_t *c)
{
    race_release(&c->raceaddr);
    return close_and_dequeue(c);
}

bool chan_close_quiet(chan_t *c)
{
    lock(&c->lock);
    if (c->closed) {
        unlock(&c->lock);
        return false;
    }
    sudog_t *wake = close_and_dequeue(c);
    unlock(&c->lock);
    ready_all(wake);
    return true;
}

void chan_timer_put(chan_t *c, const void *ep)
{
    lock(&c->lock);
    if (c->closed || c->qcount >= c->dataqsiz) {
        unlock(&c->lock);
        return;
    }
    anchor_drop(&c->recv_anchor[c->sendx]); /* a timer acquires nothing */
    unsigned char *slot = chanbuf(c, c->sendx);
    const unsigned char *v = ep;
    for (size_t i = 0; i < c->elemsize; i++)
        slot[i] = v[i]; /* runtime memory only */
    if (++c->sendx == c->dataqsiz) c->sendx = 0;
    __atomic_store_n(&c->qcount, c->qcount + 1, __ATOMIC_RELAXED);
    sudog_t *r = waitq_dequeue(&c->recvq);
    if (r) {
        r->retry = true;
        r->g->param = r;
    }
    unlock(&c->lock);
    if (r) goready(r->g);
}

bool chan_timer_drain(chan_t *c)
{
    lock(&c->lock);
    bool had = c->qcount > 0;
    c->qcount = 0;
    c->sendx = c->recvx = 0;
    unlock(&c->lock);
    return had;
}

void chan_close_at(chan_t *c, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (!c) gk_panic("close of nil channel");
    lock(&c->lock);
    if (c->closed) {
        unlock(&c->lock);
        gk_panic("close of closed channel");
    }
    TRACE(g, EV_CLOSE, c);
    sudog_t *wake = chan_close_locked(c);
    unlock(&c->lock);
    ready_all(wake);
}
