/*
 * The channel, shared by chan.c and select.c.
 *
 * Invariants (as in Go's chan.go):
 *  At least one of sendq and recvq is empty, except for an unbuffered
 *  channel with one goroutine blocked on it both sending and receiving
 *  through a select.
 *  For a buffered channel: qcount > 0 implies recvq is empty, and
 *  qcount < dataqsiz implies sendq is empty.
 * Every field but elemsize and dataqsiz is guarded by lock. The struct and
 * its buffer are runtime memory, untracked by Helgrind.
 */
#ifndef GK_CHAN_H
#define GK_CHAN_H

#include "runtime.h"

struct chan {
    uint32_t lock;
    size_t qcount;   /* values in the buffer */
    size_t dataqsiz; /* buffer capacity */
    size_t elemsize;
    unsigned char *buf;
    size_t sendx, recvx; /* next slot to fill, next slot to drain */
    bool closed;
    gk_waitq_t recvq, sendq; /* only head_/tail_ are used: lock guards them */
    char raceaddr;           /* happens-before anchor for close */
    long bubble;             /* id of the go_synctest bubble that made it, or 0 */
    /* Buffered channels: the past of a parked partner, on its way through
     * slot i (see chan.c, "Direct handoffs on a buffered channel").
     * recv_anchor[i]: a parked receiver's, for the next send into slot i;
     * send_anchor[i]: a parked sender's, for the receive of its value. */
    void **recv_anchor, **send_anchor;
};

/* Whether g, about to park on c, is durably blocked (Go's synctest): only on
 * a channel of its own bubble. One made outside may be used from outside,
 * which virtual time cannot see coming. */
static inline bool chan_durable_for(const chan_t *c, const G *g)
{
    return g->bubble && c->bubble == g->bubble->id;
}

/* A parked operation's past, for a buffered channel (chan.c). */
void *anchor_new(void);
void anchor_drop(void **a);

/*
 * The four ways a channel operation completes, each with c locked. They
 * neither unlock c nor wake anyone: the caller unlocks, then calls goready
 * on the partner they return, so that no wake-up happens under a lock.
 */
void chan_send_to_waiter(chan_t *c, sudog_t *receiver, const void *ep);
void chan_recv_from_waiter(chan_t *c, sudog_t *sender, void *ep);
void chan_buf_put(chan_t *c, const void *ep);
void chan_buf_take(chan_t *c, void *ep);
void chan_recv_closed(chan_t *c, void *ep);

/* Wakes every goroutine blocked on a channel being closed; c locked. Returns
 * a list (through sudog.next) to goready after unlocking. */
sudog_t *chan_close_locked(chan_t *c);

/* close(c) on behalf of no goroutine (a context's deadline): it releases
 * nothing, so the closer's past is not passed on. False if already closed. */
bool chan_close_quiet(chan_t *c);

/* A timer's send (time.c): never blocks, drops the value when the buffer is
 * full, and adds no happens-before edge. A parked receiver is woken to
 * take the value itself (sudog.retry). */
void chan_timer_put(chan_t *c, const void *ep);
/* Empties a timer's channel. True if it held a value. */
bool chan_timer_drain(chan_t *c);

#endif
