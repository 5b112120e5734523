/*
 * Kata 16 · Custom channels (circular buffers): your file, the only one you
 * edit.
 *
 * The contract of each function is in ringchan.h; the lesson in README.md;
 * hints, from a nudge to nearly the answer, in HINTS.md. Check your work
 * with:  make grade KATA=16
 *
 * Every field of ringchan_t, every time, with c->mu held.
 */
#include <stdlib.h>

#include "kata_todo.h"
#include "ringchan.h"

/* ---- Task 1: a bounded channel ------------------------------------------- */

ringchan_t *ringchan_make(size_t cap)
{
    (void)cap;
    TODO("ringchan_make: calloc the channel and cap longs; bind both conds to c->mu "
         "(COND_INIT(&c->mu))");
}

void ringchan_free(ringchan_t *c)
{
    (void)c;
    TODO("ringchan_free: free the buffer and the channel");
}

int ringchan_send(ringchan_t *c, long v)
{
    (void)c, (void)v;
    TODO("ringchan_send: lock; while full and open, cond_wait(&c->not_full); closed: "
         "RC_CLOSED; else put v at (head + count) % cap, signal not_empty");
}

bool ringchan_recv(ringchan_t *c, long *v)
{
    (void)c, (void)v;
    TODO("ringchan_recv: lock; while empty and open, cond_wait(&c->not_empty); a value: take "
         "buf[head], signal not_full, true; else *v = 0, false");
}

int ringchan_close(ringchan_t *c)
{
    (void)c;
    TODO("ringchan_close: lock; already closed: RC_CLOSED; else mark it closed and wake every "
         "waiter of both conds");
}

size_t ringchan_len(ringchan_t *c)
{
    (void)c;
    TODO("ringchan_len: count, read with the lock held");
}

size_t ringchan_cap(ringchan_t *c)
{
    (void)c;
    TODO("ringchan_cap: cap, read with the lock held");
}

/* ---- Task 2: without waiting ------------------------------------------------ */

int ringchan_try_send(ringchan_t *c, long v)
{
    (void)c, (void)v;
    TODO("ringchan_try_send: as ringchan_send, but RC_FULL instead of waiting");
}

int ringchan_try_recv(ringchan_t *c, long *v)
{
    (void)c, (void)v;
    TODO("ringchan_try_recv: as ringchan_recv, but RC_EMPTY instead of waiting");
}

/* ---- Task 3: a receive with a timeout ------------------------------------ */

int ringchan_recv_timeout(ringchan_t *c, long *v, go_duration_t d)
{
    (void)c, (void)v, (void)d;
    TODO("ringchan_recv_timeout: a deadline; before waiting, a time_after_func that takes "
         "the lock and broadcasts not_empty; re-check value, closed, deadline on each wake-up");
}

/* ---- Task 4: a receive with a context --------------------------------------- */

int ringchan_recv_ctx(ringchan_t *c, ctx_t *ctx, long *v)
{
    (void)c, (void)ctx, (void)v;
    TODO("ringchan_recv_ctx: a watcher goroutine selects on ctx_done(ctx) and a stop channel, "
         "and broadcasts not_empty under the lock; stop it and wait for it before returning");
}
