/*
 * Kata 19 · Batching and aggregation: debounce, coalescing, aggregation.
 * The contracts. Read them; don't edit this file (the grader uses its own).
 *
 *   Task 1  a debouncer: the last value, once the input has gone quiet, and
 *           at least every max_wait while it never does (one goroutine, two
 *           timers, timer_reset and timer_stop)
 *   Task 2  singleflight: callers asking for the same key at the same time
 *           share one call and its result, errors included
 *   Task 3  an aggregator: counters updated by many goroutines, summed per
 *           key over a window and flushed once per window
 *
 * Kata 14 built a size/time batcher and kata 10 rate limiters (a ticker
 * throttle, a token bucket): this kata does not repeat them. A batcher keeps
 * every item; a debouncer keeps only the latest; singleflight keeps one call.
 */
#ifndef KATA_DEBOUNCE_H
#define KATA_DEBOUNCE_H

#include <stdbool.h>

#include "gokata.h"

/* ==== Task 1: a debouncer ===================================================
 *
 * A search box: the user types "g", "go", "gor", "goro"; the server should
 * be asked once, for "goro", when the typing pauses, not four times. But a
 * user who never pauses (a sensor that never stops) must still be heard
 * now and then: max_wait bounds how long a value may wait.
 *
 * debounce: runs in the caller's goroutine (the tests start it with go())
 * and returns when it is done. in and out carry ints; both unbuffered, made
 * by the caller. quiet > 0; max_wait > 0, or 0 for "no max wait".
 *
 *   - A value received from in is pending; a newer value replaces it (the
 *     latest wins; the ones it replaces are never sent).
 *   - The pending value is sent on out (chan_send) as soon as either
 *       quiet has passed since the LAST value was received (trailing edge:
 *         each value restarts this wait), or
 *       max_wait has passed since the FIRST value that is still waiting was
 *         received, i.e. the first one after the last send (each value does
 *         NOT restart this wait).
 *     Then nothing is pending, and both waits are over: a timer that did not
 *     fire is stopped, so that it can't fire into the next burst.
 *   - Nothing pending, nothing sent: a value is sent once, never twice.
 *   - When in is closed: the pending value, if any, is sent at once (it does
 *     not wait for its quiet), then out is closed, the timers released, and
 *     debounce returns. It never closes in.
 *   - It never spins: when nothing can happen it waits, in one chan_select
 *     over in and its timers (a timer that must not fire: stopped, or its
 *     case given a NULL channel).
 *
 * Use two timers made once (timer_new, timer_stop at once, then timer_reset
 * to arm one), not time_after in the loop: a time_after channel belongs to
 * its goroutine until it returns, so a loop that makes one per value keeps
 * every one of them.
 */
void debounce(chan_t *in, chan_t *out, go_duration_t quiet, go_duration_t max_wait);

/* ==== Task 2: singleflight (request coalescing) =============================
 *
 * A cache misses, and a hundred requests for the same key hit the database
 * at once (a "thundering herd", or "cache stampede"). Go's
 * golang.org/x/sync/singleflight: the first caller for a key runs the call;
 * the callers that come while it is in flight wait for it and share its
 * result; the first caller after it finished starts a new call.
 */

enum { SF_KEY_MAX = 32 }; /* a key is a C string of at most SF_KEY_MAX - 1 characters */

typedef struct {
    long value;
    const char *err; /* NULL: no error; else a static string, e.g. "db down" */
} sf_result_t;

/* The call that singleflight coalesces: the expensive look-up. It may block
 * (a network round trip), and runs in the goroutine of the caller that
 * started the call. */
typedef sf_result_t (*sf_fn)(const char *key, void *arg);

typedef struct sf_group sf_group_t; /* you define struct sf_group in debounce.c */

/* A group with no call in flight. Starts no goroutine. */
sf_group_t *sf_new(void);

/*
 * sf_do: the result of fn(key, arg), shared with every caller of the same
 * key at the same time. Safe to call from any number of goroutines at once.
 *
 *   - If no call for key is in flight, this caller starts one: it runs
 *     fn(key, arg) itself, in its own goroutine (sf_do starts no goroutine),
 *     WITHOUT holding a lock that other keys need: calls for different keys
 *     run at the same time.
 *   - If a call for key is in flight, this caller does not call fn: it waits
 *     until that call returns and returns the same sf_result_t (value and
 *     err alike: an error is shared too).
 *   - Once the call has returned, the key is no longer in flight before any
 *     caller is woken: a caller that comes afterwards starts a new call
 *     (results and errors are not cached).
 *   - *shared (if shared is not NULL) is set to false for the caller that
 *     ran fn, true for each one that got the result of another's call.
 *   - key is copied (the caller may reuse its buffer once sf_do returns).
 *     What it allocates for a call is freed once every caller of that call
 *     has its result.
 */
sf_result_t sf_do(sf_group_t *g, const char *key, sf_fn fn, void *arg, bool *shared);

/* Releases g. No call may be in flight. */
void sf_free(sf_group_t *g);

/* ==== Task 3: an aggregator (coalescing updates) ============================
 *
 * Request handlers count things ("hits", "bytes", "errors"); sending every
 * +1 to the metrics server would cost more than the requests. The
 * aggregator sums the updates per key in memory and sends the sums once per
 * window: a thousand +1s become one "hits 1000".
 */

enum { AGG_KEY_MAX = 16, AGG_KEYS_MAX = 8 };

typedef struct {
    char key[AGG_KEY_MAX];
    long sum; /* the sum of the deltas added to key during the window */
} agg_entry_t;

typedef struct {
    int n;                           /* 1..AGG_KEYS_MAX (never 0) */
    agg_entry_t items[AGG_KEYS_MAX]; /* one per key added to, sorted by key (strcmp) */
} agg_flush_t;

typedef struct agg agg_t; /* you define struct agg in debounce.c */

/*
 * agg_start: makes an aggregator and starts its one flusher goroutine, then
 * returns. out carries agg_flush_t (unbuffered, made by the caller, who
 * reads it until it is closed). window > 0.
 *
 *   - The flusher flushes at window, 2*window, ... after agg_start (one
 *     ticker): it takes every key added to since the last flush, with its
 *     sum (a key added to is sent even if its sum is 0), sorted by key, and
 *     sends them on out as one agg_flush_t. A window with no add sends
 *     nothing (never a flush with n == 0).
 *   - The flusher sends with no lock held: while the reader is slow, agg_add
 *     goes on, into the next window's sums.
 */
agg_t *agg_start(go_duration_t window, chan_t *out);

/*
 * agg_add: adds delta to key's sum in the current window. Safe to call from
 * any number of goroutines at once, and with the flusher running. Never
 * waits for a flush to be sent (it holds a lock for a moment, at most).
 * At most AGG_KEYS_MAX distinct keys per window; key is copied.
 */
void agg_add(agg_t *a, const char *key, long delta);

/*
 * agg_close: called once, after every agg_add has returned. Stops the
 * flusher: what was added since the last flush, if anything, is sent at once
 * as the last flush; then out is closed, the flusher returns, and agg_close
 * returns after it, having freed the aggregator (and its ticker).
 */
void agg_close(agg_t *a);

#endif
