/*
 * 08 · Worker pools: your file. workerpool.h says what each function must
 * do; README.md explains the ideas; HINTS.md helps when you are stuck.
 *
 * Grade it with: make grade KATA=08
 */
#include <stdlib.h>

#include "kata_todo.h"
#include "workerpool.h"

/* ---- Task 1: run_jobs ---------------------------------------------------- */

void run_jobs(int workers, const long *inputs, long *outputs, int n, work_fn_t work, void *arg)
{
    (void)workers;
    (void)inputs;
    (void)outputs;
    (void)n;
    (void)work;
    (void)arg;
    TODO("run_jobs: start `workers` goroutines over a jobs channel, send the n jobs and close "
         "it, receive the n results");
}

/* ---- Tasks 2 to 4: the pool ---------------------------------------------- */

const char *const POOL_FULL = "pool: queue full";
const char *const POOL_CLOSED = "pool: closed";

/* Your pool: what pool_start sets up and the workers, the submits and
 * pool_shutdown share. Replace `unused` with your fields. */
struct pool {
    int unused;
};

pool_t *pool_start(ctx_t *ctx, int workers, int queue_size)
{
    (void)ctx;
    (void)workers;
    (void)queue_size;
    TODO("pool_start: make the queue (a channel of capacity queue_size) and start the workers");
}

const char *pool_submit(pool_t *p, task_fn_t fn, void *arg)
{
    (void)p;
    (void)fn;
    (void)arg;
    TODO("pool_submit: send the task on the queue, waiting for room if it is full");
}

const char *pool_try_submit(pool_t *p, task_fn_t fn, void *arg)
{
    (void)p;
    (void)fn;
    (void)arg;
    TODO("pool_try_submit: send the task if there is room, else return POOL_FULL at once");
}

const char *pool_shutdown(pool_t *p)
{
    (void)p;
    TODO("pool_shutdown: stop accepting tasks, let the workers finish the queue, wait for them");
}

void pool_free(pool_t *p)
{
    (void)p;
    TODO("pool_free: free the pool's channel, its reference to ctx, and the pool");
}
