/*
 * 07 · context: the reference solution.
 *
 * Every context made here is given back exactly once, on every path; the
 * comment next to each ctx_retain/ctx_release/ctx_cancel says whose
 * reference it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadlines.h"

/* ---- Task 1 ------------------------------------------------------------- */

struct worker {
    ctx_t *ctx;      /* the worker's own context, child of the caller's parent */
    chan_t *jobs;    /* the caller's */
    wg_t wg;         /* Done when the goroutine returns */
    long sum;        /* written by the goroutine, read after wg_wait */
    const char *why; /* why it stopped: likewise */
};

static void work(void *arg)
{
    worker_t *w = arg;
    long v;
    for (;;) {
        /* Both cases in one select: a worker parked on jobs alone would
         * never hear that it should stop. */
        select_case_t cs[] = {select_recv(w->jobs, &v), select_recv(ctx_done(w->ctx), NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) {
            w->why = ctx_err(w->ctx); /* CTX_CANCELED or CTX_DEADLINE_EXCEEDED */
            break;
        }
        if (!cs[0].ok) { /* jobs closed: the work is done */
            w->why = NULL;
            break;
        }
        w->sum += v;
    }
    ctx_release(w->ctx); /* the reference worker_start took for us */
    wg_done(&w->wg);     /* last: after it, worker_stop may free w */
}

worker_t *worker_start(ctx_t *parent, chan_t *jobs)
{
    worker_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->ctx = ctx_with_cancel(parent); /* ours: worker_stop gives it back */
    w->jobs = jobs;
    ctx_retain(w->ctx); /* the goroutine's: it outlives worker_stop's ctx_cancel */
    wg_add(&w->wg, 1);
    go(work, w);
    return w;
}

const char *worker_stop(worker_t *w, long *sum)
{
    ctx_cancel(w->ctx); /* a no-op cancel if it is done already; gives our reference back */
    wg_wait(&w->wg);    /* the goroutine's writes to w happen before this returns */
    *sum = w->sum;
    const char *why = w->why;
    free(w);
    return why;
}

/* ---- Task 2 ------------------------------------------------------------- */

const char *const LOOKUP_NOT_FOUND = "lookup: no such host";

/* The directory the service answers from (given: the tests expect these). */
static const struct {
    const char *host, *addr;
} directory[] = {
    {"go.dev", "216.239.32.21"},
    {"gokata.dev", "10.7.0.7"},
    {"example.com", "93.184.215.14"},
};

const char *lookup(ctx_t *ctx, const char *host, const char **addr)
{
    /* The slow part: the answer arrives when this timer fires. timer_new,
     * not time_after: we stop it the moment we give up, instead of leaving
     * its channel to the calling goroutine until that goroutine exits. */
    go_timer_t *answer = timer_new(LOOKUP_LATENCY);
    select_case_t cs[] = {select_recv(answer->C, NULL), select_recv(ctx_done(ctx), NULL)};
    int got = chan_select(cs, 2, SELECT_BLOCK); /* ctx_done(background) is NULL: never ready */
    timer_free(answer);
    if (got == 1) return ctx_err(ctx); /* the caller gave up: so do we, now */

    for (size_t i = 0; i < sizeof directory / sizeof directory[0]; i++) {
        if (strcmp(directory[i].host, host) == 0) {
            *addr = directory[i].addr;
            return NULL;
        }
    }
    return LOOKUP_NOT_FOUND;
}

const char *lookup_with_timeout(ctx_t *parent, const char *host, go_duration_t timeout,
                                const char **addr)
{
    /* The child's deadline is the earlier of parent's and now + timeout;
     * cancelling parent cancels it too. */
    ctx_t *ctx = ctx_with_timeout(parent, timeout);
    const char *err = lookup(ctx, host, addr);
    ctx_cancel(ctx); /* Go's defer cancel(): on every path, and it stops the deadline's timer */
    return err;
}

/* ---- Task 3 ------------------------------------------------------------- */

/* The key: this variable's address, which no other file can name. Its value
 * is never used. */
static const char request_id_key;

ctx_t *with_request_id(ctx_t *parent, const char *id)
{
    return ctx_with_value(parent, &request_id_key, (void *)id);
}

const char *request_id(ctx_t *ctx)
{
    return ctx_value(ctx, &request_id_key);
}

void log_event(reqlog_t *log, ctx_t *ctx, const char *what)
{
    const char *id = request_id(ctx);
    mutex_lock(&log->mu); /* handlers log from many goroutines at once */
    if (log->n < REQLOG_MAX) {
        snprintf(log->lines[log->n], REQLOG_LINE, "%s %s", id ? id : "-", what);
        log->n++;
    }
    mutex_unlock(&log->mu);
}

void serve(ctx_t *parent, const char *id, reqlog_t *log, handler_fn handler, void *arg)
{
    ctx_t *ctx = with_request_id(parent, id);
    log_event(log, ctx, "begin");
    handler(ctx, arg);
    log_event(log, ctx, "end");
    ctx_release(ctx); /* a value context is given back with ctx_release, not ctx_cancel */
}

/* ---- Task 4 ------------------------------------------------------------- */

typedef struct {
    ctx_t *ctx;      /* the group's context */
    wg_t wg;         /* every task goroutine */
    mutex_t mu;      /* guards err */
    const char *err; /* the first error */
} group_t;

typedef struct {
    group_t *g;
    const task_t *task;
} member_t;

static void run_member(void *arg)
{
    member_t *m = arg;
    group_t *g = m->g;
    const char *err = m->task->fn(g->ctx, m->task->arg);
    bool first = false;
    if (err) {
        mutex_lock(&g->mu);
        first = g->err == NULL;
        if (first) g->err = err;
        mutex_unlock(&g->mu);
    }
    /* Our reference (run_all retained it for us) goes back one of two ways:
     * the first failure cancels with it, everyone else just releases it. */
    if (first)
        ctx_cancel_cause(g->ctx, err);
    else
        ctx_release(g->ctx);
    wg_done(&g->wg);
}

const char *run_all(ctx_t *parent, const task_t *tasks, int n)
{
    if (n <= 0) return NULL;
    group_t g = {.ctx = ctx_with_cancel(parent)};
    member_t *members = calloc((size_t)n, sizeof *members);
    if (!members) abort();
    wg_add(&g.wg, n);
    for (int i = 0; i < n; i++) {
        members[i] = (member_t){.g = &g, .task = &tasks[i]};
        ctx_retain(g.ctx); /* the member's own: it may cancel with it */
        go(run_member, &members[i]);
    }
    wg_wait(&g.wg); /* every member has returned: g.err is settled */
    free(members);
    ctx_cancel(g.ctx); /* ours, on every path: Go's defer cancel() */
    return g.err;
}
