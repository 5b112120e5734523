/*
 * Kata 17 · Priority queues using goroutines: the contract. Read it; don't
 * edit it (the grader uses its own copy). You write tasks 1 to 3 in
 * priority.c.
 *
 *   Task 1  a priority job dispatcher: one goroutine owns a heap of jobs and
 *           hands the most urgent one to whichever worker is free, with a
 *           select whose send case is on only while the heap holds a job
 *   Task 2  its rank: strict priority with FIFO ties, or aging, so that a
 *           flood of urgent jobs can't starve a low one forever
 *   Task 3  a deadline queue: one goroutine, a heap of deadlines and ONE
 *           timer, reset to the earliest deadline (Go's runtime timers)
 */
#ifndef KATA_PRIORITY_H
#define KATA_PRIORITY_H

#include <stdbool.h>
#include <stdlib.h>

#include "gokata.h"

/* A job: what producers send on in, and workers receive from out. */
typedef struct {
    int id;   /* the producer's name for it; the dispatcher never looks at it */
    int prio; /* 0..PRIO_MAX: the bigger, the more urgent */
} job_t;

enum { PRIO_MAX = 9 };

/* ==== Given: a binary min-heap of queued jobs, NOT safe for concurrent use ====
 *
 * Like Go's container/heap: one goroutine may use it, or several ordered by
 * a lock, but two at the same time is a data race. In this kata exactly one
 * goroutine, the dispatcher, ever touches it (confinement: no lock needed).
 *
 * The heap orders its items by rank (smaller first) and, for equal ranks, by
 * seq (smaller first). You choose both: rank in task 2 (job_rank), seq so
 * that equal ranks leave in the order they came in (FIFO).
 *
 * It watches who uses it: the first goroutine that pushes is its owner, and
 * every use from another goroutine is counted in pq_watch (the tests define
 * it and read it).
 */
typedef struct {
    job_t job;
    long rank; /* smaller first */
    long seq;  /* among equal ranks, smaller first */
} pq_item_t;

typedef struct {
    pq_item_t *items;
    int n, cap;
    long owner; /* go_id() of the goroutine that first pushed; 0: none yet */
} pq_t;

/* Counted with relaxed atomics: they order nothing, so they hide no race of
 * the heap's from the detectors. */
typedef struct {
    long live;         /* heaps made and not yet freed */
    long foreign_uses; /* pushes, pops and peeks by a goroutine other than the owner */
} pq_watch_t;

extern pq_watch_t pq_watch; /* defined by the tests (an example defines its own) */

static inline pq_t *pq_new(void)
{
    pq_t *q = calloc(1, sizeof *q);
    if (!q) abort();
    __atomic_fetch_add(&pq_watch.live, 1, __ATOMIC_RELAXED);
    return q;
}

static inline void pq_check_owner_(pq_t *q)
{
    long me = go_id();
    if (q->owner == 0) q->owner = me;
    if (q->owner != me) __atomic_fetch_add(&pq_watch.foreign_uses, 1, __ATOMIC_RELAXED);
}

static inline bool pq_before_(const pq_item_t *a, const pq_item_t *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->seq < b->seq);
}

/* How many items q holds. */
static inline int pq_len(pq_t *q)
{
    pq_check_owner_(q);
    return q->n;
}

static inline void pq_push(pq_t *q, pq_item_t it)
{
    pq_check_owner_(q);
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 16;
        q->items = realloc(q->items, (size_t)q->cap * sizeof *q->items);
        if (!q->items) abort();
    }
    int i = q->n++;
    while (i > 0 && pq_before_(&it, &q->items[(i - 1) / 2])) { /* sift up */
        q->items[i] = q->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->items[i] = it;
}

/* The first item (smallest rank, then smallest seq), left in the heap.
 * q must not be empty. */
static inline pq_item_t pq_top(pq_t *q)
{
    pq_check_owner_(q);
    if (q->n == 0) abort(); /* Go would panic: index out of range */
    return q->items[0];
}

/* Removes the first item and returns it. q must not be empty. */
static inline pq_item_t pq_pop(pq_t *q)
{
    pq_check_owner_(q);
    if (q->n == 0) abort();
    pq_item_t top = q->items[0], last = q->items[--q->n];
    int i = 0;
    for (;;) { /* sift last down from the root */
        int c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && pq_before_(&q->items[c + 1], &q->items[c])) c++;
        if (!pq_before_(&q->items[c], &last)) break;
        q->items[i] = q->items[c];
        i = c;
    }
    if (q->n > 0) q->items[i] = last;
    return top;
}

static inline void pq_free(pq_t *q)
{
    if (!q) return;
    free(q->items);
    free(q);
    __atomic_fetch_sub(&pq_watch.live, 1, __ATOMIC_RELAXED);
}

/* ==== Task 2: the rank of a job ===============================================
 *
 * The dispatcher pushes each job it receives with rank job_rank(prio,
 * arrived, age), where arrived is time_now() when it received the job.
 *
 *   age == 0: strict priority. The rank is -prio: a more urgent job always
 *             goes first; equal priorities go in arrival order (seq).
 *   age > 0:  aging. A job counts as one priority level more urgent for
 *             every age it has waited, so its rank is arrived - prio * age
 *             (a deadline: "as if it had arrived prio * age earlier"). Then
 *             a job of priority p that arrived at t goes before every job of
 *             priority q that arrives after t + (q - p) * age: however many
 *             urgent jobs flood in, a low one waits a bounded time. Its rank
 *             never changes while it waits, so the heap stays a heap.
 *
 * 0 <= prio <= PRIO_MAX, 0 <= age <= HOUR: no overflow in a long.
 */
long job_rank(int prio, go_time_t arrived, go_duration_t age);

/* ==== Task 1: the dispatcher ================================================
 *
 * dispatcher: runs in the caller's goroutine (the tests start it with go())
 * and returns when it is done. in and out carry job_t and are unbuffered,
 * made by the caller: producers send on in, workers receive from out.
 *
 *   - It receives every job sent on in, at once, even while no worker is
 *     free (a producer never waits for a worker), and pushes it on its heap
 *     (pq_new; only the dispatcher's goroutine ever touches it), with rank
 *     job_rank(job.prio, time_now(), age) and a seq that grows by one for
 *     each job received.
 *   - Whenever a worker receives from out, it gets the heap's top: the most
 *     urgent job queued at that instant. So the dispatcher decides which job
 *     goes only when a worker takes it: nothing waits in a buffer, and a job
 *     that arrives while the workers are busy overtakes the less urgent ones
 *     already queued. It never sends when the heap is empty (a worker must
 *     never get a job no one sent), and every job goes out exactly once.
 *   - Close: once in is closed, it receives no more, hands out every job
 *     still queued (workers keep receiving until out is closed), then closes
 *     out, frees the heap and returns 0.
 *   - Cancel: once ctx is done, it hands out nothing more: it closes out at
 *     once, frees the heap (the jobs still queued are dropped) and returns
 *     how many jobs it dropped. ctx may be NULL: never cancelled.
 *   - It never closes in, never starts a goroutine and never spins: when
 *     nothing can happen it waits, in one chan_select with three cases (the
 *     receive from in, the send of the top on out, ctx's done), each switched
 *     off with a NULL channel while it must not run.
 */
int dispatcher(ctx_t *ctx, chan_t *in, chan_t *out, go_duration_t age);

/* ==== Task 3: a deadline queue =================================================
 *
 * A service that must act at many instants (retry this request in 30 s,
 * expire that session in 20 min) should not keep a timer, let alone a
 * goroutine, per instant. Go's runtime doesn't: it keeps a heap of timers
 * and sleeps until the earliest. Here one goroutine, the owner, keeps a heap
 * of deadlines (a pq_t: rank = the deadline in ns, seq = the order added)
 * and one go_timer_t, always set to fire at the heap's earliest deadline.
 *
 * You define struct timerq in priority.c: what timerq_add needs to reach
 * the owner, and what timerq_stop needs to stop it and wait for it.
 */
typedef struct timerq timerq_t;

/* Makes the queue's channel(s), starts its owner goroutine (exactly one
 * goroutine) and returns at once. The owner sends on fired (an int channel
 * made by the caller, who keeps reading it until timerq_stop returns) the id
 * of each deadline that has passed: at its deadline (the virtual instant
 * itself), in deadline order, equal deadlines in the order added. */
timerq_t *timerq_start(chan_t *fired);

/* Asks the owner to fire id once, after d (d >= 0) from now. Returns once
 * the owner has the request (the owner, not this call, touches the heap).
 * If the new deadline is the earliest, the owner resets its timer to it.
 * Starts no goroutine and makes no timer. Any number of goroutines may call
 * it at the same time, but not after timerq_stop. */
void timerq_add(timerq_t *tq, int id, go_duration_t d);

/* Stops the owner (deadlines not yet passed are dropped: they never fire),
 * waits until it has returned, and frees everything the queue made: its
 * heap (pq_free), its timer, its channels. Never closes fired. Called once,
 * after every timerq_add has returned. */
void timerq_stop(timerq_t *tq);

#endif
