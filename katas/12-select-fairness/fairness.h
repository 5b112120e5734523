/*
 * 12 · Select and channel starvation: the contract of every function you
 * write in fairness.c.
 *
 * Read it, don't edit it: the grader compiles your fairness.c against this
 * file as it is in the repository. Every input channel here carries int
 * values (chan_make(sizeof(int), ...)); the merged outputs carry tagged_t;
 * quit channels carry nothing (chan_make(0, 0), Go's chan struct{}).
 *
 * None of these functions frees or closes a channel it was given, unless its
 * contract says so: channels belong to whoever made them.
 */
#ifndef FAIRNESS_H
#define FAIRNESS_H

#include <stdbool.h>

#include "gokata.h"

/* A value on a merged output, with the input it came from. */
typedef struct {
    int src; /* the index of its input in ins[] */
    int v;   /* the value, as received */
} tagged_t;

/* ---- Task 1: a select built at run time (Go's reflect.Select) ----------- */

/*
 * fan_in: merges n input channels, n known only at run time, into out.
 * For each value v received from ins[i] it sends (tagged_t){i, v} on out.
 * When every input is closed it closes out and returns (at once if n == 0).
 *
 *   - One goroutine, the caller's: ONE chan_select over an array of receive
 *     cases that you build at run time (malloc it: n may be anything), not a
 *     goroutine per input, not a loop of chan_try_recv.
 *   - Never waits on one input while another has a value ready, and forwards
 *     each value as soon as it arrives.
 *   - When input i is closed, drop its case from the array: swap it with the
 *     last live case and shrink the count (keep a parallel array of input
 *     indexes, so that the case chosen still names its input), or set its
 *     channel to NULL. A closed channel's case is ready on every turn.
 *   - Values from one input keep their order on out.
 *   - Leaves ins[] as it found it (it is the caller's array), frees what it
 *     allocated, closes out exactly once, never closes an input.
 *
 * When several inputs have values ready, chan_select picks one at random:
 * over many turns each busy input gets its share. That is select's fairness.
 */
void fan_in(chan_t *const *ins, int n, chan_t *out);

/* ---- Task 2: a quit signal a busy channel must not starve --------------- */

typedef struct {
    chan_t *quit;                       /* chan struct{}: closed by the owner, "stop" */
    chan_t *jobs;                       /* chan int: the work; may be full forever */
    void (*handle)(int job, void *arg); /* does one job (it may take a while) */
    void *arg;                          /* passed to handle */
} worker_t;

/*
 * run_worker: takes jobs from w->jobs one at a time and calls
 * w->handle(job, w->arg) for each, until it must stop; returns how many jobs
 * it handled.
 *
 * It returns:
 *   - when w->quit is closed, and then it starts NO other job: before taking
 *     each job it checks quit first, without blocking, so that a quit closed
 *     while a job was being handled wins over the next job, even when jobs
 *     has one ready on every turn (a select on both alone would pick the job
 *     half of the time; a check of quit only when no job is ready would
 *     never see it under a flood);
 *   - when w->jobs is closed (no more work).
 *
 * Blocks while there is no job and quit is open (one select on quit and
 * jobs, no polling). Closes and frees nothing.
 */
int run_worker(const worker_t *w);

/* ---- Task 3: a priority that does not starve ---------------------------- */

typedef enum {
    FROM_HIGH = 1,   /* *v holds a value from high */
    FROM_LOW = 2,    /* *v holds a value from low */
    BOTH_CLOSED = 3, /* high and low are both closed and empty: no value */
} prio_from_t;

typedef struct {
    chan_t *high;  /* chan int; prio_recv sets it to NULL once it finds it closed */
    chan_t *low;   /* chan int; likewise */
    int max_burst; /* K >= 1: at most K values from high in a row while low has one */
    int burst;     /* prio_recv's own count: values taken from high since the last
                      one taken from low. The caller sets it to 0, then leaves it. */
} prio_t;

/*
 * prio_recv: receives one value, from p->high by preference, but never lets
 * p->low starve. Returns where it came from, with the value in *v.
 *
 * Which one, when both have a value ready right now:
 *   - high, while p->burst < p->max_burst;
 *   - low, once p->burst >= p->max_burst (K highs in a row: low's turn).
 * When only one has a value ready: that one, whatever the burst (never wait
 * for low while high has a value). When neither has: block in one select on
 * both and take whichever comes first. Taking from high adds 1 to p->burst;
 * taking from low sets it to 0.
 *
 * With both flooded, the values come out as K from high, 1 from low, K from
 * high, 1 from low, ...: high gets K/(K+1) of the turns, and a low value
 * waits behind at most K highs.
 *
 * A closed channel is no value: when prio_recv finds one closed, it sets
 * that field of *p to NULL (its case is then never ready) and goes on with
 * the other. With both NULL it returns BOTH_CLOSED at once (*v untouched),
 * on this call and every later one. Blocks (no polling) while it waits.
 */
prio_from_t prio_recv(prio_t *p, int *v);

/* ---- Task 4: round-robin, a bound and not just an average --------------- */

/*
 * rr_merge: like fan_in (same tagged output, same closing: out is closed once
 * every input is closed, at once if n == 0), but fair in a fixed order
 * instead of at random. It keeps `next`, the input whose turn it is (0 at
 * the start):
 *   - of the inputs that have a value ready right now, it takes from the
 *     first one at or after next, in the cyclic order next, next+1, ...,
 *     n-1, 0, 1, ...;
 *   - when none has a value ready, it blocks in one chan_select over every
 *     open input and takes whichever comes first;
 *   - either way, once it has taken from input i, next = i + 1 (mod n).
 * So an input with a value ready is served within n - 1 values of any other
 * input, however busy the others are: a bound select's randomness only
 * promises on average.
 *
 * A closed input is skipped from then on (its case NULL, or dropped). Values
 * from one input keep their order. Blocks (no polling) while nothing is
 * ready. Leaves ins[] as it found it, closes out exactly once, never closes
 * an input; one goroutine, the caller's.
 */
void rr_merge(chan_t *const *ins, int n, chan_t *out);

#endif
