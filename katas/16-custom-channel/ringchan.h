/*
 * Kata 16 · Custom channels (circular buffers): the contract. Read it; don't
 * edit it (the grader uses its own copy). You write the functions of tasks 1
 * to 4 in ringchan.c.
 *
 * You build your own bounded channel of longs, the way you would in any
 * language that has locks and condition variables but no channels: a
 * circular buffer of `cap` slots, one mutex that guards every field, and two
 * condition variables, one for "there is room" and one for "there is a
 * value". It keeps Go's channel semantics:
 *
 *   - FIFO: values come out in the order they went in;
 *   - a send blocks while the buffer is full, a receive while it is empty;
 *   - close wakes every goroutine that waits, senders and receivers;
 *   - after close, receives drain what is buffered, then report "closed"
 *     (ok = false, value 0);
 *   - a send on a closed channel and a second close are errors. Go panics;
 *     here they return RC_CLOSED, so that the tests can check them.
 *
 * Every field is read and written with mu held: len and cap too. The tests
 * run under ThreadSanitizer and Helgrind, which report any access that is
 * not.
 */
#ifndef KATA_RINGCHAN_H
#define KATA_RINGCHAN_H

#include <stdbool.h>
#include <stddef.h>

#include "gokata.h"

/* What the operations return. */
enum {
    RC_OK = 0,        /* done */
    RC_CLOSED = -1,   /* the channel is closed (send, close, try_recv, recv_timeout, recv_ctx) */
    RC_FULL = -2,     /* try_send: no room now */
    RC_EMPTY = -3,    /* try_recv: no value now */
    RC_TIMEOUT = -4,  /* recv_timeout: no value within d */
    RC_CANCELED = -5, /* recv_ctx: ctx was done before a value came */
};

typedef struct {
    mutex_t mu;       /* guards everything below */
    cond_t not_full;  /* senders wait here for room (or close) */
    cond_t not_empty; /* receivers wait here for a value (or close) */
    long *buf;        /* cap slots */
    size_t cap;       /* >= 1 */
    size_t head;      /* the slot of the oldest value */
    size_t count;     /* values buffered: buf[head], buf[(head+1) % cap], ... */
    bool closed;
} ringchan_t;

/* ---- Task 1: a bounded channel ------------------------------------------------ */

/*
 * ringchan_make: a new, empty, open channel with room for cap values
 * (cap >= 1; return NULL for 0). Its conds are bound to its mutex
 * (COND_INIT(&c->mu)). ringchan_free releases it; nobody may be using it.
 *
 *   c := make(chan int64, cap)
 */
ringchan_t *ringchan_make(size_t cap);
void ringchan_free(ringchan_t *c);

/*
 * ringchan_send: puts v at the tail. While the buffer is full it waits (on
 * not_full), for as long as it takes. Returns RC_OK once v is in, or
 * RC_CLOSED if the channel is closed, whether it was already closed when
 * the call began or was closed while the call waited (then v is not put).
 * A send that put v wakes a receiver that waits for a value.
 *
 *   c <- v
 */
int ringchan_send(ringchan_t *c, long v);

/*
 * ringchan_recv: takes the value at the head into *v (v may be NULL: the
 * value is dropped) and returns true. While the buffer is empty and the
 * channel open it waits (on not_empty). Once the channel is closed and
 * the buffer empty, returns false with *v = 0, at once and every time.
 * A receive that took a value wakes a sender that waits for room.
 *
 *   v, ok := <-c
 */
bool ringchan_recv(ringchan_t *c, long *v);

/*
 * ringchan_close: marks the channel closed and wakes EVERY goroutine that
 * waits on it, senders and receivers (they return as above). Values already
 * buffered stay, for the receivers. Returns RC_OK, or RC_CLOSED if it was
 * already closed (nothing changes).
 *
 *   close(c)
 */
int ringchan_close(ringchan_t *c);

/* How many values are buffered now; the capacity.  len(c), cap(c) */
size_t ringchan_len(ringchan_t *c);
size_t ringchan_cap(ringchan_t *c);

/* ---- Task 2: without waiting ---------------------------------------------------- */

/*
 * ringchan_try_send: as ringchan_send, but never waits: RC_OK (v is in),
 * RC_FULL (no room now, v is not put) or RC_CLOSED.
 *
 *   select { case c <- v: ...; default: ... }
 */
int ringchan_try_send(ringchan_t *c, long v);

/*
 * ringchan_try_recv: as ringchan_recv, but never waits: RC_OK (*v is the
 * value), RC_EMPTY (open, nothing buffered now) or RC_CLOSED (closed and
 * drained; *v = 0). v may be NULL.
 *
 *   select { case v, ok := <-c: ...; default: ... }
 */
int ringchan_try_recv(ringchan_t *c, long *v);

/* ---- Task 3: a receive with a timeout ---------------------------------------- */

/*
 * ringchan_recv_timeout: as ringchan_recv, but waits at most d (d <= 0:
 * don't wait at all). Returns RC_OK with *v the value, RC_CLOSED when closed
 * and drained (*v = 0), or RC_TIMEOUT, at the moment d has passed, if no
 * value came in time. v may be NULL.
 *
 *   select { case v, ok := <-c: ...; case <-time.After(d): ... }
 *
 * cond_wait can't be told "or until d has passed": something must wake the
 * receiver when time is up (time_after_func: its function runs in a
 * goroutine of its own after d; it may take c->mu and broadcast). Whatever
 * you start, stop it or let it finish: once the call has returned, nothing
 * it started may still be running, a moment later, except a timer function
 * that is about to take c->mu, broadcast and return.
 */
int ringchan_recv_timeout(ringchan_t *c, long *v, go_duration_t d);

/* ---- Task 4: a receive with a context ------------------------------------------- */

/*
 * ringchan_recv_ctx: as ringchan_recv, but gives up when ctx is done:
 * returns RC_OK with *v, RC_CLOSED (closed and drained, *v = 0), or
 * RC_CANCELED as soon as ctx is cancelled or its deadline passes while it
 * waits. A value already buffered wins over a ctx already done (as a select
 * that finds both ready may pick either, this one picks the value: say so).
 * v may be NULL. ctx may be one that can never be done (ctx_background()).
 *
 *   select { case v, ok := <-c: ...; case <-ctx.Done(): ... }
 *
 * Every goroutine it starts has exited by the time it returns.
 */
int ringchan_recv_ctx(ringchan_t *c, ctx_t *ctx, long *v);

#endif
