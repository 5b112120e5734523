/*
 * Kata 11 · Goroutine leaks: your file, the only one you edit.
 *
 * The contract of each function is in leaks.h; the lesson in README.md;
 * hints, from a nudge to nearly the answer, in HINTS.md. Check your work
 * with:  make grade KATA=11
 *
 * For every goroutine you start, know how it ends, on every path.
 */
#include <stdlib.h>

#include "kata_todo.h"
#include "leaks.h"

/* ---- Task 1: first response wins ------------------------------------------- */

long first_answer(lookup_fn lookup, int replicas, int key)
{
    (void)lookup, (void)replicas, (void)key;
    TODO("first_answer: one goroutine per replica sends lookup(i, key) on a channel with room "
         "for every answer; receive the first and return it");
}

/* ---- Task 2: first response, with a context --------------------------------- */

const char *first_answer_ctx(ctx_t *ctx, query_fn query, int replicas, int key, long *value)
{
    (void)ctx, (void)query, (void)replicas, (void)key, (void)value;
    TODO("first_answer_ctx: give every query ctx_with_cancel(ctx), select on the first answer "
         "and on ctx_done(ctx), cancel the derived context before returning");
}

/* ---- Task 3: a batch with workers, and its error path ------------------------ */

int process_batch(const int *items, int n, int workers, handle_fn handle)
{
    (void)items, (void)n, (void)workers, (void)handle;
    TODO("process_batch: a feeder sends the items on jobs (and closes it), `workers` goroutines "
         "range over jobs; the first error stops the feeder; wait for all before returning");
}

/* ---- Task 4: a subscription that can be stopped ------------------------------- */

struct feed {
    chan_t *updates;
    /* add what your feed needs */
};

feed_t *feed_subscribe(fetch_fn fetch, go_duration_t period)
{
    (void)fetch, (void)period;
    TODO("feed_subscribe: start one goroutine that fetches on every tick of ticker_new(period) "
         "and sends each value on updates; every wait selects on a quit channel too");
}

chan_t *feed_updates(feed_t *f)
{
    (void)f;
    TODO("feed_updates: return the feed's updates channel");
}

void feed_close(feed_t *f)
{
    (void)f;
    TODO("feed_close: tell the goroutine to quit (close a channel), wait until it has exited, "
         "stop the ticker, close and free everything");
}

/* ---- Task 5: a leak detector for tests (goleak) -------------------------------- */

int verify_none(leak_guard_t guard, go_duration_t patience, char *report, size_t len)
{
    (void)guard, (void)patience, (void)report, (void)len;
    TODO("verify_none: while go_numgoroutine() > guard.baseline, go_sleep 1 ms, 2 ms, ... up to "
         "100 ms; at patience, return go_leak_check(guard.mark, report, len)");
}
