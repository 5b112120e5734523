/*
 * 03 · select: the contract of every function you write in selecting.c.
 *
 * Read it, don't edit it: the grader compiles your selecting.c against this
 * file as it is in the repository. Every channel here carries int values
 * (chan_make(sizeof(int), ...)), except done channels, which carry nothing
 * (chan_make(0, 0), Go's chan struct{}).
 *
 * None of these functions frees or closes a channel it was given, unless its
 * contract says so: channels belong to whoever made them.
 */
#ifndef SELECTING_H
#define SELECTING_H

#include <stdbool.h>

#include "gokata.h"

/* ---- Task 1: multiplexing ----------------------------------------------- */

/*
 * merge: fan-in. Receives from a and from b, whichever has a value ready,
 * and sends each value on out, until BOTH a and b are closed; then closes
 * out and returns.
 *
 *   - Never waits on one input while the other has a value ready: one
 *     chan_select over both inputs, not a loop over a and then one over b.
 *   - When an input is closed, switch its case off by setting your copy of
 *     that channel to NULL (a case on a NULL channel is never ready). A
 *     closed channel's case is ready every time, forever: left on, it makes
 *     the loop spin, or (if you count closes) end before the other input is
 *     done.
 *   - Values from one input keep their order on out.
 *   - Closes out exactly once, when both inputs are closed; never closes a
 *     or b (they belong to their senders).
 *
 * The caller runs merge in its own goroutine and reads out until it is
 * closed.
 */
void merge(chan_t *a, chan_t *b, chan_t *out);

/* ---- Task 2: select with default (non-blocking) ------------------------- */

/*
 * send_or_drop: offers vals[0], vals[1], ..., vals[n-1], in this order, to
 * ch without ever waiting. A value ch can take at once (a free buffer slot,
 * or a receiver already waiting) is sent; any other is dropped. Returns how
 * many were sent.
 *
 *   - Uses chan_select(cases, 1, SELECT_NONBLOCK) with a send case: it
 *     returns SELECT_DEFAULT when the send is not ready now (Go's
 *     `select { case ch <- v: default: }`).
 *   - Never blocks. ch is open.
 */
int send_or_drop(chan_t *ch, const int *vals, int n);

/*
 * drain_ready: takes the values ch has ready right now, without waiting,
 * and stores them in got[] in the order received. Stops at the first moment
 * no value is ready, when it sees ch closed, or once got[] holds max values.
 * Returns how many it stored; sets *closed to true if it saw ch closed,
 * false otherwise.
 *
 *   - Uses chan_try_recv (Go's `select { case v, ok := <-ch: default: }`).
 *   - A receive from a closed channel is not a value: don't store it.
 *   - Never blocks.
 */
int drain_ready(chan_t *ch, int *got, int max, bool *closed);

/* ---- Task 3: timeouts ---------------------------------------------------- */

typedef enum {
    RECV_VALUE = 1,   /* a value arrived in time: it is in *v */
    RECV_CLOSED = 2,  /* ch was closed and empty: *v holds no value */
    RECV_TIMEOUT = 3, /* d passed first: *v holds no value */
} recv_status_t;

/*
 * recv_timeout: waits at most d for a value on ch.
 *
 *   - Returns as soon as a value arrives or ch is closed, and otherwise
 *     exactly d after it was called: select on ch and on time_after(d).
 *   - Never waits longer than d, never gives up earlier.
 */
recv_status_t recv_timeout(chan_t *ch, int *v, go_duration_t d);

/*
 * collect_for: receives values from ch into got[] for d in all, then
 * returns how many it stored. One deadline for the whole collection, d
 * after collect_for was called: not a fresh timeout for each value (a
 * steady trickle of values must not push the deadline back).
 *
 *   - Returns at the deadline, or earlier when ch is closed or got[] holds
 *     max values.
 *   - Blocks while it waits (no busy polling).
 */
int collect_for(chan_t *ch, int *got, int max, go_duration_t d);

/* ---- Task 4: stopping a goroutine with a done channel -------------------- */

typedef struct {
    chan_t *done;    /* chan struct{}: the owner closes it to say "stop now" */
    chan_t *jobs;    /* chan int: the numbers to square */
    chan_t *results; /* chan int: the worker sends j * j for each job j */
} squarer_t;

/*
 * square_worker: a goroutine body, started as go(square_worker, &w) with w
 * a squarer_t. Loops: takes a job j from w->jobs, sends j * j on
 * w->results, one job at a time, in the order received.
 *
 * Returns (so that the goroutine ends, and nothing leaks):
 *   - when w->done is closed, whatever it is doing at that moment: waiting
 *     for a job, or waiting to hand a result to a reader who has stopped
 *     reading. So both waits are selects with a case for done.
 *   - when w->jobs is closed: there is no more work.
 *
 * Blocks while it has nothing to do (no default, no polling). Closes and
 * frees nothing: the three channels belong to the owner.
 */
void square_worker(void *arg);

#endif
