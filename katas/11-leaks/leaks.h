/*
 * Kata 11 · Goroutine leaks: the contract. Read it; don't edit it (the grader
 * uses its own copy). You write the functions of tasks 1 to 5 in leaks.c.
 *
 * A goroutine leaks when it waits for something that will never come: a
 * receiver for its send, a sender or a close for its receive, a cancel that
 * nobody calls. It is not an error and nothing crashes; it just stays, with
 * its stack and everything it points to, forever. One per request, and a
 * server falls over a week later. Every function here starts goroutines, and
 * the rule for every one of them is the same:
 *
 *   Before you write `go`, know how that goroutine ends, and make sure that
 *   end comes on every path: the happy one, the error, the timeout, the
 *   caller who stops listening.
 *
 * The tests run in virtual time (go_synctest): replicas, handlers and
 * fetches take whole (virtual) seconds, and after your function returns the
 * tests let an hour of virtual time pass, so that everything that was still
 * going to happen has happened. Then not one goroutine you started may be
 * alive.
 */
#ifndef KATA_LEAKS_H
#define KATA_LEAKS_H

#include <stdbool.h>
#include <stddef.h>

#include "gokata.h"

/* ---- Task 1: first response wins --------------------------------------------- */

/* A replica of a key-value store: returns the value of key. It takes time
 * (a network round trip), blocks while it does, and may be called from
 * several goroutines at once. It cannot be interrupted. */
typedef long (*lookup_fn)(int replica, int key);

/*
 * first_answer: ask every replica at once, keep the first answer.
 *
 *   func First(key int, replicas ...Lookup) int64 {
 *       c := make(chan int64, len(replicas))   // room for every answer
 *       for i := range replicas { go func() { c <- replicas[i](key) }() }
 *       return <-c
 *   }
 *
 * Starts one goroutine per replica (replicas >= 1), each calling
 * lookup(i, key) once for its i in 0..replicas-1, never from the caller's
 * goroutine. Returns the value of the replica that answers first, at the
 * moment it answers: not a moment later, whatever the others do.
 *
 * The slower replicas answer later, after first_answer has returned and
 * nobody listens any more: each of their goroutines must still be able to
 * hand its answer over and exit at once, without a receiver. Once every
 * lookup has returned, not one goroutine is left, and the memory they
 * shared is freed (by whoever is last to use it: C has no garbage
 * collector).
 */
long first_answer(lookup_fn lookup, int replicas, int key);

/* ---- Task 2: first response, with a context ------------------------------------- */

/* A replica that honours a context: returns true with *value set once it
 * has the answer, or false (leaving *value alone) if ctx is done first: it
 * then stops at once. The tests also have replicas that ignore ctx and
 * always answer, late (a legacy client): code for both. */
typedef bool (*query_fn)(ctx_t *ctx, int replica, int key, long *value);

/*
 * first_answer_ctx: first_answer, for a request that has a deadline or can
 * be cancelled, and that cancels the losers once it has its answer.
 *
 * Starts one goroutine per replica (replicas >= 1), each calling query once
 * with a context derived from ctx (ctx_with_cancel(ctx): the same for all).
 * Returns as soon as either comes first:
 *   - a query answers: *value = its answer, returns NULL;
 *   - ctx is done (its deadline, or its caller cancelled it): returns
 *     ctx_err(ctx) (CTX_DEADLINE_EXCEEDED or CTX_CANCELED), *value untouched.
 * Before returning, it cancels the derived context, so that every query
 * still running stops at that moment (the ones that honour it).
 *
 * It may return before the queries have: a goroutine whose query returns
 * later (the ones that ignore ctx) must still be able to hand its answer
 * over, or drop it, and exit at once. Once every query has returned, not one
 * goroutine is left. Each goroutine keeps the derived context alive while
 * it uses it (ctx_retain before go, ctx_release after the query).
 */
const char *first_answer_ctx(ctx_t *ctx, query_fn query, int replicas, int key, long *value);

/* ---- Task 3: a batch with workers, and its error path ------------------------- */

/* Handles one item: returns 0 on success or an error code (not 0). Takes
 * time; safe to call from several goroutines at once. */
typedef int (*handle_fn)(int item);

/*
 * process_batch: handle items[0..n) with `workers` goroutines (workers >=
 * 1), errgroup-style.
 *
 * The workers take the items from a jobs channel, each item exactly once,
 * `workers` of them handled at the same time. Returns 0 once every item has
 * been handled successfully, or the error of the first handle to fail (the
 * first in time, not the lowest item). Once a handle has failed, no new
 * handle call starts: the items not yet taken are never handled, the calls
 * already running finish.
 *
 * process_batch returns only once every goroutine it started has exited
 * (it reads items; so do they). On the success path the workers' loop
 * `for item := range jobs` ends only if someone closes jobs; on the error
 * path whoever hands out the items must stop, and nobody may be left
 * waiting to send on a channel that nobody reads any more.
 * n may be 0 (returns 0 at once).
 */
int process_batch(const int *items, int n, int workers, handle_fn handle);

/* ---- Task 4: a subscription that can be stopped --------------------------------- */

/* Fetches the n-th update (n = 0, 1, 2, ...) from a remote source. Takes
 * time; cannot be interrupted. */
typedef long (*fetch_fn)(int n);

/* Yours: define struct feed in leaks.c with whatever it needs. */
typedef struct feed feed_t;

/*
 * feed_subscribe: a goroutine that polls a source, every period, and
 * delivers what it fetches.
 *
 * Returns at once a feed whose goroutine, on each tick of a ticker of
 * `period` (the first at start + period), calls fetch(0), fetch(1), ...
 * (one at a time, never from the caller) and sends each value (a long) on
 * the feed's updates channel (unbuffered). While it waits for a reader to
 * take a value, it fetches nothing more.
 */
feed_t *feed_subscribe(fetch_fn fetch, go_duration_t period);

/* The channel the updates come on (longs). feed_close closes it. */
chan_t *feed_updates(feed_t *f);

/*
 * feed_close: stop the feed and everything it started, then free it.
 *
 * Stops the goroutine wherever it is: waiting for the next tick, or waiting
 * for a reader that no longer reads (it then drops its value). A fetch in
 * progress cannot be interrupted: the goroutine stops as soon as it
 * returns, without delivering. Returns only once the goroutine has exited
 * (at once, or when the fetch in progress returns); by then no fetch runs
 * and none will start, and the ticker is stopped and freed. Then it closes
 * and frees the updates channel, and frees f. Called once, by the reader,
 * once it has stopped reading (Go: `defer sub.Close()`).
 */
void feed_close(feed_t *f);

/* ---- Task 5: a leak detector for tests (goleak) ----------------------------------- */

/* Given: what a test records before the code under test runs. */
typedef struct {
    go_leak_mark_t mark; /* goroutines started from now on are the test's */
    int baseline;        /* go_numgoroutine() at that moment */
} leak_guard_t;

static inline leak_guard_t leak_guard(void)
{
    leak_guard_t g;
    g.mark = go_leak_mark();
    g.baseline = go_numgoroutine();
    return g;
}

/*
 * verify_none: goleak.VerifyNone. Have the goroutines started since the
 * guard all exited? Goroutines take a moment to finish after the code that
 * started them returns, so it waits for them, with a bounded retry:
 *
 *   check go_numgoroutine() against guard.baseline; while it is above:
 *   go_sleep for 1 ms, then 2 ms, 4 ms, ... doubling up to 100 ms at most
 *   per sleep, and check again; give up once `patience` has passed since the
 *   call (the last sleep is cut short so as not to pass it).
 *
 * Returns 0 as soon as the count is back at (or below) the baseline; that
 * is at most 100 ms after the last of them exits. On giving up (at
 * call + patience), returns how many goroutines started since the guard are
 * still alive, and writes their dump (where each one is stuck, and where it
 * was started) into report[0..len): go_leak_check(guard.mark, report, len)
 * does both. Sleeps with go_sleep only, never in real time: in a
 * go_synctest bubble its waiting then takes virtual time, and no real time.
 */
int verify_none(leak_guard_t guard, go_duration_t patience, char *report, size_t len);

#endif
