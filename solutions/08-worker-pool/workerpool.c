/*
 * 08 · Worker pools: the reference solution.
 *
 * run_jobs is the pattern as Go programs write it inline: a jobs channel,
 * a results channel, a fixed crew of workers ranging over the jobs. The
 * pool_* functions turn it into a service with three promises: a bounded
 * queue (submit waits when it is full), a graceful shutdown (every
 * accepted task runs, no submit ever panics) and cancellation (a context
 * stops the workers early).
 */
#include <stdlib.h>

#include "workerpool.h"

/* ---- Task 1: run_jobs ---------------------------------------------------- */

/* What the workers and the feeder share. Written before the goroutines
 * start (go() happens before they run), read-only afterwards. */
typedef struct {
    chan_t *jobs;    /* job_t; the feeder is its only sender, and closes it */
    chan_t *results; /* result_t; run_jobs is its only receiver */
    work_fn_t work;
    void *arg;
    const long *inputs;
    int n;
    wg_t wg; /* the workers and the feeder: run_jobs waits for all of them */
} crew_t;

/* A worker: Go's `for j := range jobs { results <- work(j) }`. */
static void worker(void *arg)
{
    crew_t *c = arg;
    job_t j;
    while (chan_recv(c->jobs, &j)) {
        result_t r = {.index = j.index, .output = c->work(j.input, c->arg)};
        chan_send(c->results, &r);
    }
    wg_done(&c->wg); /* the jobs channel is closed and empty: nothing left to do */
}

/* The feeder sends from a goroutine of its own so that run_jobs can receive
 * results at the same time. Sending every job first and receiving after
 * deadlocks as soon as n > workers: the workers wait to hand back their
 * results, and run_jobs waits for a worker to take the next job. (Go by
 * Example gets away with it by buffering both channels with room for every
 * job; a goroutine needs no room at all.) */
static void feed(void *arg)
{
    crew_t *c = arg;
    for (int i = 0; i < c->n; i++) {
        job_t j = {.index = i, .input = c->inputs[i]};
        chan_send(c->jobs, &j);
    }
    chan_close(c->jobs); /* the only sender closes: the workers' loops end */
    wg_done(&c->wg);
}

void run_jobs(int workers, const long *inputs, long *outputs, int n, work_fn_t work, void *arg)
{
    crew_t c = {
        .jobs = chan_make(sizeof(job_t), 0),
        .results = chan_make(sizeof(result_t), 0),
        .work = work,
        .arg = arg,
        .inputs = inputs,
        .n = n,
    };
    wg_add(&c.wg, workers + 1); /* before go(): Wait must not see 0 too early */
    for (int w = 0; w < workers; w++)
        go(worker, &c);
    go(feed, &c);

    /* Exactly n results, one per job: a worker sends one for each job it
     * took. Only this goroutine writes outputs, so the workers share no
     * memory with it but the channels. */
    for (int k = 0; k < n; k++) {
        result_t r;
        chan_recv(c.results, &r);
        outputs[r.index] = r.output;
    }

    /* Every worker returns once the feeder has closed jobs. Waiting for them
     * is what makes freeing the channels safe (and leaves no goroutine
     * behind). */
    wg_wait(&c.wg);
    chan_free(c.jobs);
    chan_free(c.results);
}

/* ---- Tasks 2 to 4: the pool ---------------------------------------------- */

const char *const POOL_FULL = "pool: queue full";
const char *const POOL_CLOSED = "pool: closed";

typedef struct {
    task_fn_t fn;
    void *arg;
} task_t;

struct pool {
    ctx_t *ctx;      /* the pool's own reference (ctx_retain), given back in pool_free */
    chan_t *jobs;    /* task_t, capacity queue_size: the queue. Closed once, by the
                        first pool_shutdown, after the last send */
    wg_t workers;    /* the worker goroutines */
    wg_t sending;    /* submits that were let in and may still be sending on jobs */
    mutex_t mu;      /* guards closed and why; never held while waiting on a channel */
    bool closed;     /* pool_shutdown was called: no more submits let in */
    const char *why; /* why the workers stopped: ctx_err(ctx), or NULL */
};

/* A pool worker. Stops when the queue is closed and empty (its work is
 * done) or when ctx is done (it was cancelled). */
static void pool_worker(void *arg)
{
    pool_t *p = arg;
    const char *why = NULL;
    for (;;) {
        task_t t;
        select_case_t cs[] = {
            select_recv(p->jobs, &t),
            select_recv(ctx_done(p->ctx), NULL), /* NULL for ctx_background: never ready */
        };
        int chosen = chan_select(cs, 2, SELECT_BLOCK);
        if (chosen == 1) {
            why = ctx_err(p->ctx);
            break;
        }
        if (!cs[0].ok) break; /* closed and drained: out of work */
        /* select picks at random among ready cases: with tasks queued, a
         * cancelled context does not win every time. Look before starting
         * the task, so that no task starts after the cancellation. */
        if ((why = ctx_err(p->ctx)) != NULL) break;
        t.fn(p->ctx, t.arg);
    }
    if (why) {
        mutex_lock(&p->mu);
        p->why = why;
        mutex_unlock(&p->mu);
    }
    wg_done(&p->workers);
}

pool_t *pool_start(ctx_t *ctx, int workers, int queue_size)
{
    pool_t *p = calloc(1, sizeof *p);
    if (!p) abort();
    ctx_retain(ctx); /* the workers use ctx until pool_free: our own reference */
    p->ctx = ctx;
    p->jobs = chan_make(sizeof(task_t), (size_t)queue_size);
    wg_add(&p->workers, workers);
    for (int w = 0; w < workers; w++)
        go(pool_worker, p);
    return p;
}

/*
 * Lets a submit in, unless shutdown has begun. A submit let in counts in
 * p->sending until it has finished with the jobs channel: pool_shutdown
 * waits for those before it closes the channel, so a send never meets a
 * closed channel. The mutex orders every wg_add here before pool_shutdown's
 * wg_wait (Go's rule: an Add from zero must happen before the Wait).
 */
static bool let_in(pool_t *p)
{
    mutex_lock(&p->mu);
    bool ok = !p->closed;
    if (ok) wg_add(&p->sending, 1);
    mutex_unlock(&p->mu);
    return ok;
}

/* Sends t on the queue, waiting for room (wait) or not. Called only
 * between let_in and wg_done(&p->sending), with no lock held. */
static const char *offer(pool_t *p, task_t *t, bool wait)
{
    /* Check first: when the queue has room and ctx is done, both cases of
     * the select below are ready and it might pick the send, accepting a
     * task that no worker will run. */
    const char *err = ctx_err(p->ctx);
    if (err) return err;
    select_case_t cs[] = {
        select_send(p->jobs, t),
        select_recv(ctx_done(p->ctx), NULL), /* a cancellation ends the wait for room */
    };
    switch (chan_select(cs, 2, wait ? SELECT_BLOCK : SELECT_NONBLOCK)) {
    case 0:
        return NULL;
    case 1:
        return ctx_err(p->ctx);
    default:
        return POOL_FULL; /* SELECT_DEFAULT: no room, and try_submit doesn't wait */
    }
}

static const char *submit(pool_t *p, task_fn_t fn, void *arg, bool wait)
{
    if (!let_in(p)) return POOL_CLOSED;
    task_t t = {.fn = fn, .arg = arg};
    const char *err = offer(p, &t, wait);
    wg_done(&p->sending);
    return err;
}

const char *pool_submit(pool_t *p, task_fn_t fn, void *arg)
{
    return submit(p, fn, arg, true);
}

const char *pool_try_submit(pool_t *p, task_fn_t fn, void *arg)
{
    return submit(p, fn, arg, false);
}

const char *pool_shutdown(pool_t *p)
{
    mutex_lock(&p->mu);
    bool first = !p->closed;
    p->closed = true; /* from here on, let_in refuses: no new sender */
    mutex_unlock(&p->mu);

    if (first) {
        /* Submits let in before us may still be waiting for room; the
         * workers keep draining the queue (or ctx ends their wait), so
         * they finish. Then nobody sends any more, and closing is safe.
         * Only the first call closes: a second close would panic. */
        wg_wait(&p->sending);
        chan_close(p->jobs);
    }

    /* Every call waits for the workers: they run what is queued, see the
     * channel closed and empty, and return (or stop early on ctx). */
    wg_wait(&p->workers);
    mutex_lock(&p->mu);
    const char *why = p->why;
    mutex_unlock(&p->mu);
    return why;
}

void pool_free(pool_t *p)
{
    chan_free(p->jobs); /* tasks a cancellation left in the queue go with it */
    ctx_release(p->ctx);
    free(p);
}
