/*
 * 03 · select: your file. Replace each TODO with your code.
 *
 * The contracts are in selecting.h; the lesson is in README.md; hints, from a
 * nudge to nearly the answer, in HINTS.md. Grade it with: make grade KATA=03
 */
#include "kata_todo.h"
#include "selecting.h"

/* ---- Task 1 -------------------------------------------------------------- */

void merge(chan_t *a, chan_t *b, chan_t *out)
{
    (void)a;
    (void)b;
    (void)out;
    TODO("merge: select over a and b until both are closed (switch a closed one off with NULL), "
         "send each value on out, then close out");
}

/* ---- Task 2 -------------------------------------------------------------- */

int send_or_drop(chan_t *ch, const int *vals, int n)
{
    (void)ch;
    (void)vals;
    (void)n;
    TODO("send_or_drop: send each value with chan_select(..., SELECT_NONBLOCK); "
         "SELECT_DEFAULT means drop it");
}

int drain_ready(chan_t *ch, int *got, int max, bool *closed)
{
    (void)ch;
    (void)got;
    (void)max;
    (void)closed;
    TODO("drain_ready: chan_try_recv until nothing is ready, ch is closed, or got is full");
}

/* ---- Task 3 -------------------------------------------------------------- */

recv_status_t recv_timeout(chan_t *ch, int *v, go_duration_t d)
{
    (void)ch;
    (void)v;
    (void)d;
    TODO("recv_timeout: select on ch and on time_after(d)");
}

int collect_for(chan_t *ch, int *got, int max, go_duration_t d)
{
    (void)ch;
    (void)got;
    (void)max;
    (void)d;
    TODO("collect_for: one time_after(d) before the loop, then select on ch and on it");
}

/* ---- Task 4 -------------------------------------------------------------- */

void square_worker(void *arg)
{
    (void)arg;
    TODO("square_worker: loop, selecting on done and jobs, then on done and results");
}
