/*
 * 12 · Select and channel starvation: your file. Replace each TODO with your
 * code.
 *
 * The contracts are in fairness.h; the lesson is in README.md; hints, from a
 * nudge to nearly the answer, in HINTS.md. Grade it with: make grade KATA=12
 */
#include <stdlib.h>

#include "fairness.h"
#include "kata_todo.h"

/* ---- Task 1 -------------------------------------------------------------- */

void fan_in(chan_t *const *ins, int n, chan_t *out)
{
    (void)ins;
    (void)n;
    (void)out;
    TODO("fan_in: malloc an array of n receive cases, chan_select over it until every input is "
         "closed (drop a closed one from the array), send {input index, value} on out, then close "
         "out");
}

/* ---- Task 2 -------------------------------------------------------------- */

int run_worker(const worker_t *w)
{
    (void)w;
    TODO("run_worker: before each job, look at quit without blocking (chan_try_recv); then one "
         "select on quit and jobs");
}

/* ---- Task 3 -------------------------------------------------------------- */

prio_from_t prio_recv(prio_t *p, int *v)
{
    (void)p;
    (void)v;
    TODO("prio_recv: non-blocking looks (low first once burst >= max_burst, then high, then low), "
         "then a blocking select on both");
}

/* ---- Task 4 -------------------------------------------------------------- */

void rr_merge(chan_t *const *ins, int n, chan_t *out)
{
    (void)ins;
    (void)n;
    (void)out;
    TODO("rr_merge: try the inputs with chan_try_recv starting at next, in turn; if none is "
         "ready, block in one chan_select over all of them");
}
