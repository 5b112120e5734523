/*
 * Kata 17 · Priority queues using goroutines: the reference solution.
 */
#include "priority.h"

/* ---- Task 2: the rank of a job ------------------------------------------------ */

long job_rank(int prio, go_time_t arrived, go_duration_t age)
{
    if (age == 0) return -(long)prio; /* strict: the most urgent first */
    /* A deadline: as if the job had arrived prio * age earlier. It is fixed
     * when the job comes in, so the heap never needs re-ordering as jobs age. */
    return (long)(arrived - (go_duration_t)prio * age);
}

/* ---- Task 1: the dispatcher ---------------------------------------------------- */

int dispatcher(ctx_t *ctx, chan_t *in, chan_t *out, go_duration_t age)
{
    pq_t *q = pq_new(); /* confined: only this goroutine ever touches it, so no lock */
    long seq = 0;       /* arrival order, for FIFO among equal ranks */
    chan_t *done = ctx ? ctx_done(ctx) : NULL;
    int dropped = 0;

    for (;;) {
        /* Done first: when a worker is waiting too, the select below would
         * pick at random, and might hand out a job after the cancel (kata 12). */
        if (ctx && ctx_err(ctx)) {
            dropped = pq_len(q);
            break;
        }
        int n = pq_len(q);
        if (in == NULL && n == 0) break; /* closed and drained */

        job_t got;
        job_t top = n > 0 ? pq_top(q).job : (job_t){0};
        /* The send case is on only while there is a job to give, and what it
         * offers is the top at this instant: if a more urgent job comes in
         * first, the select returns with case 0 and the next turn offers it. */
        select_case_t cs[] = {
            select_recv(in, &got),                 /* NULL once in is closed */
            select_send(n > 0 ? out : NULL, &top), /* NULL while the heap is empty */
            select_recv(done, NULL),               /* NULL: never cancelled */
        };
        int which = chan_select(cs, 3, SELECT_BLOCK);
        if (which == 0) {
            if (!cs[0].ok) { /* closed: off for good; what is queued still goes out */
                in = NULL;
                continue;
            }
            pq_push(q, (pq_item_t){
                           .job = got, .rank = job_rank(got.prio, time_now(), age), .seq = seq++});
        } else if (which == 1) {
            pq_pop(q); /* the worker has it: the very item we offered */
        } else {
            dropped = pq_len(q); /* cancelled: hand out nothing more */
            break;
        }
    }
    pq_free(q);
    chan_close(out);
    return dropped;
}
