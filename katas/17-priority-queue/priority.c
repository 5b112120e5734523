/*
 * Kata 17 · Priority queues using goroutines. This is the file you edit.
 *
 * The contract of every function is in priority.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=17
 */
#include <stdbool.h>
#include <stdlib.h>

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

/* ---- Task 3: a deadline queue ---------------------------------------------------- */

/* What timerq_add needs to reach the owner, and what timerq_stop needs to
 * stop it and wait for it. (A request type goes above it.) */
struct timerq {
    chan_t *adds;
};

timerq_t *timerq_start(chan_t *fired)
{
    (void)fired;
    TODO("timerq_start: make the channels, start the owner goroutine (it makes the heap and the "
         "one timer, and is the only one to touch them), return at once");
}

void timerq_add(timerq_t *tq, int id, go_duration_t d)
{
    (void)tq;
    (void)id;
    (void)d;
    TODO("timerq_add: send the owner a request (id, d) and return once it has it");
}

void timerq_stop(timerq_t *tq)
{
    (void)tq;
    TODO("timerq_stop: tell the owner to stop (close its channel), wait until it has returned, "
         "free what timerq_start made");
}
