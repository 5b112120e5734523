/*
 * 08 · Worker pools: the contract of every function you write in
 * workerpool.c. Read it, don't edit it: the grader compiles your
 * workerpool.c against this file as it is in the repository.
 *
 * Two pools:
 *   run_jobs      the pattern in one function: N workers over a jobs
 *                 channel, a results channel, every result once   (task 1)
 *   pool_*        a pool as a service that others submit tasks to:
 *                 a bounded queue with back-pressure               (task 2)
 *                 a graceful shutdown                              (task 3)
 *                 cancellation through a context                  (task 4)
 *
 * Errors are Go's: a const char * that is NULL for "no error", otherwise
 * one of the constants below or ctx_err(ctx). Compare pointers:
 * err == POOL_CLOSED, err == CTX_CANCELED.
 */
#ifndef WORKERPOOL_H
#define WORKERPOOL_H

#include "gokata.h"

/* ---- Task 1: run_jobs ---------------------------------------------------- */

/* The work each job needs: the tests pass a function that computes an
 * output from an input (and may take a while, in virtual time). */
typedef long (*work_fn_t)(long input, void *arg);

/* What travels on the two channels of run_jobs: a job says which input to
 * work on, a result carries the job's index back with its output, so that
 * results may arrive in any order. */
typedef struct {
    int index;
    long input;
} job_t;

typedef struct {
    int index;
    long output;
} result_t;

/*
 * run_jobs: sets outputs[i] = work(inputs[i], arg) for every i in 0..n-1,
 * with a pool of exactly `workers` goroutines (workers >= 1; n >= 0):
 *
 *   - one jobs channel (of job_t) and one results channel (of result_t);
 *   - `workers` goroutines, started once, each receiving jobs until the
 *     jobs channel is closed and sending one result per job;
 *   - run_jobs itself (or a goroutine it starts) sends the n jobs and then
 *     closes the jobs channel: it is the only sender, so it is the one who
 *     closes;
 *   - run_jobs receives exactly n results and writes each output to its
 *     index. Only run_jobs writes to outputs.
 *
 * Calls work exactly once per job. Never more than `workers` calls of work
 * run at the same time, and with at least `workers` jobs, `workers` of
 * them run at once. Beware the classic deadlock: with unbuffered channels,
 * a run_jobs that sends every job before it receives any result waits
 * forever once the workers wait to hand back their results.
 *
 * Returns once every worker has returned, having freed both channels.
 * Starts no other goroutine that outlives it.
 */
void run_jobs(int workers, const long *inputs, long *outputs, int n, work_fn_t work, void *arg);

/* ---- Tasks 2 to 4: a pool as a service --------------------------------- */

/* Your pool: you define struct pool in workerpool.c. */
typedef struct pool pool_t;

/*
 * A task: fn(ctx, arg), run by one of the pool's workers. ctx is the
 * pool's context (the one given to pool_start): a long task waits on
 * ctx_done(ctx) too, so that it can stop early when the pool is cancelled.
 */
typedef void (*task_fn_t)(ctx_t *ctx, void *arg);

/* pool_try_submit's answer when the queue has no room: "pool: queue full". */
extern const char *const POOL_FULL;
/* The answer to a submit once pool_shutdown has been called: "pool: closed". */
extern const char *const POOL_CLOSED;

/*
 * pool_start: starts `workers` goroutines (workers >= 1) that run the
 * tasks submitted to the pool, one at a time each, in the order they were
 * accepted. Up to queue_size accepted tasks (queue_size >= 0) wait in a
 * queue for a free worker: a jobs channel of capacity queue_size. Returns
 * at once.
 *
 * ctx is the caller's; the pool keeps using it until pool_free, so it
 * takes a reference of its own (ctx_retain) and gives it back in
 * pool_free (ctx_release). It never cancels ctx. Pass ctx_background()
 * for a pool that is never cancelled.
 */
pool_t *pool_start(ctx_t *ctx, int workers, int queue_size);

/*
 * pool_submit (task 2): hands fn(ctx, arg) to the pool. Returns NULL once
 * the task is accepted: taken by a free worker, or put in the queue. While
 * every worker is busy and the queue is full, it waits for room: that is
 * back-pressure, a fast producer slowed down to the pool's pace.
 *
 * Task 3: once pool_shutdown has been called, returns POOL_CLOSED at once,
 * without running fn. Never panics ("send on closed channel"). A submit
 * already waiting for room when pool_shutdown is called may end either
 * way: accepted (NULL: the task will run) or POOL_CLOSED (it never runs);
 * it must not wait forever.
 *
 * Task 4: once ctx is done, returns ctx_err(ctx) without running fn (if
 * pool_shutdown has been called too, POOL_CLOSED). A submit waiting for
 * room when ctx is cancelled stops waiting and returns ctx_err(ctx).
 *
 * While it waits for room it must hold no lock: a goroutine waiting for a
 * mutex that a blocked submit holds can't go on either (and in virtual
 * time, the clock stops while anyone waits for a mutex).
 */
const char *pool_submit(pool_t *p, task_fn_t fn, void *arg);

/*
 * pool_try_submit (task 2): the same, but never waits: when every worker
 * is busy and the queue is full it returns POOL_FULL at once, and fn is
 * not run. (Go: select { case jobs <- t: default: }.) Returns POOL_CLOSED
 * or ctx_err(ctx) as pool_submit does.
 */
const char *pool_try_submit(pool_t *p, task_fn_t fn, void *arg);

/*
 * pool_shutdown (task 3): stops accepting tasks (from now on, submits
 * return POOL_CLOSED), lets the workers finish every task already
 * accepted (the ones running and the ones in the queue), then waits until
 * every worker goroutine has returned. No goroutine of the pool outlives
 * it.
 *
 * Task 4: if ctx is done before the work is finished, the workers stop
 * early: each finishes (or abandons, if it watches ctx) the task it is
 * running and starts no other; tasks still in the queue never run.
 *
 * Returns why the workers stopped: NULL when they ran out of work (the
 * queue was closed and empty), ctx_err(ctx) when ctx was done first.
 *
 * Safe to call more than once, and from several goroutines at the same
 * time: every call waits for the workers and returns the same answer. It
 * never closes anything twice ("close of closed channel").
 */
const char *pool_shutdown(pool_t *p);

/*
 * pool_free: releases a pool whose pool_shutdown has returned (its
 * channels, its reference to ctx, the pool itself). No goroutine may use
 * p afterwards.
 */
void pool_free(pool_t *p);

#endif
