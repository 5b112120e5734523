/*
 * Kata 19 · Batching and aggregation: debounce, coalescing, aggregation.
 * This is the file you edit.
 *
 * The contract of every function is in debounce.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=19
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "debounce.h"
#include "gokata.h"
#include "kata_todo.h"

/* ---- Task 1: a debouncer ---------------------------------------------------- */

void debounce(chan_t *in, chan_t *out, go_duration_t quiet, go_duration_t max_wait)
{
    (void)in;
    (void)out;
    (void)quiet;
    (void)max_wait;
    TODO("debounce: one loop, one chan_select over in and two timers (quiet: reset by every "
         "value; max_wait: started by the first value after a send); send the latest value when "
         "either fires, stop the other; flush and close out when in is closed");
}

/* ---- Task 2: singleflight --------------------------------------------------- */

/* The group: what callers of the same key need to find each other. (A type
 * for one call in flight goes above it: its key, its result, something its
 * waiters can block on.) */
struct sf_group {
    int todo; /* replace with your fields */
};

sf_group_t *sf_new(void)
{
    TODO("sf_new: allocate an empty group (no call in flight)");
}

sf_result_t sf_do(sf_group_t *g, const char *key, sf_fn fn, void *arg, bool *shared)
{
    (void)g;
    (void)key;
    (void)fn;
    (void)arg;
    (void)shared;
    TODO("sf_do: under a lock, find key's call in flight: if there is one, wait for it and "
         "return its result; if not, record a new one, unlock, run fn, then remove the call and "
         "wake its waiters");
}

void sf_free(sf_group_t *g)
{
    (void)g;
    TODO("sf_free: release the group");
}

/* ---- Task 3: an aggregator -------------------------------------------------- */

/* The aggregator: the current window's sums, what guards them, and what
 * agg_close needs to stop the flusher and wait for it. */
struct agg {
    int todo; /* replace with your fields */
};

agg_t *agg_start(go_duration_t window, chan_t *out)
{
    (void)window;
    (void)out;
    TODO("agg_start: allocate the aggregator, start its flusher goroutine (a ticker every window; "
         "on each tick take the sums under the lock and send them, sorted, without it), return");
}

void agg_add(agg_t *a, const char *key, long delta)
{
    (void)a;
    (void)key;
    (void)delta;
    TODO("agg_add: under the lock, add delta to key's sum in the current window");
}

void agg_close(agg_t *a)
{
    (void)a;
    TODO("agg_close: tell the flusher to stop (it sends what is left, closes out, returns), wait "
         "for it, free everything");
}
