/*
 * Kata 17 · Priority queues using goroutines. This is the file you edit.
 *
 * The contract of every function is in priority.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=17
 */
#include <stdbool.h>

#include "gokata.h"
#include "kata_todo.h"
#include "priority.h"

/* ---- Task 2: the rank of a job ------------------------------------------------ */

long job_rank(int prio, go_time_t arrived, go_duration_t age)
{
    (void)prio;
    (void)arrived;
    (void)age;
    TODO("job_rank: -prio when age is 0; otherwise arrived - prio * age (smaller goes first)");
}

/* ---- Task 1: the dispatcher ---------------------------------------------------- */

int dispatcher(ctx_t *ctx, chan_t *in, chan_t *out, go_duration_t age)
{
    (void)ctx;
    (void)in;
    (void)out;
    (void)age;
    TODO("dispatcher: own a heap (pq_new); loop on one chan_select: receive from in (push with "
         "job_rank and a growing seq), send pq_top on out only while the heap is not empty (pop "
         "when it goes), ctx's done; when in is closed and the heap empty, or ctx is done: free "
         "the heap, close out, return how many jobs were dropped");
}
