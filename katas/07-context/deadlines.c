/*
 * 07 · context: your file. deadlines.h says what each function must do;
 * README.md explains the ideas; HINTS.md helps when you are stuck.
 *
 * Grade it with: make grade KATA=07
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadlines.h"
#include "kata_todo.h"

/* ---- Task 1: cancellation ----------------------------------------------- */

/* Your worker: what worker_start sets up and the goroutine and worker_stop
 * share. Replace `unused` with your fields. */
struct worker {
    int unused;
};

worker_t *worker_start(ctx_t *parent, chan_t *jobs)
{
    (void)parent;
    (void)jobs;
    TODO("worker_start: derive the worker's context from parent and start its goroutine");
}

const char *worker_stop(worker_t *w, long *sum)
{
    (void)w;
    (void)sum;
    TODO("worker_stop: cancel the worker's context, wait for its goroutine, report why it "
         "stopped");
}

/* ---- Task 2: deadlines and timeouts ------------------------------------- */

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
    (void)ctx;
    (void)host;
    (void)addr;
    (void)directory;
    TODO("lookup: wait LOOKUP_LATENCY for the answer, unless ctx is done first");
}

const char *lookup_with_timeout(ctx_t *parent, const char *host, go_duration_t timeout,
                                const char **addr)
{
    (void)parent;
    (void)host;
    (void)timeout;
    (void)addr;
    TODO("lookup_with_timeout: call lookup under ctx_with_timeout(parent, timeout), then give "
         "the context back");
}

/* ---- Task 3: values ----------------------------------------------------- */

ctx_t *with_request_id(ctx_t *parent, const char *id)
{
    (void)parent;
    (void)id;
    TODO("with_request_id: ctx_with_value under a key only this file knows");
}

const char *request_id(ctx_t *ctx)
{
    (void)ctx;
    TODO("request_id: ctx_value under the same key");
}

void log_event(reqlog_t *log, ctx_t *ctx, const char *what)
{
    (void)log;
    (void)ctx;
    (void)what;
    TODO("log_event: append \"<id> <what>\" to the log, under its mutex");
}

void serve(ctx_t *parent, const char *id, reqlog_t *log, handler_fn handler, void *arg)
{
    (void)parent;
    (void)id;
    (void)log;
    (void)handler;
    (void)arg;
    TODO("serve: run the handler under a context that carries id, logging begin and end");
}

/* ---- Task 4: fan-out under one context ---------------------------------- */

const char *run_all(ctx_t *parent, const task_t *tasks, int n)
{
    (void)parent;
    (void)tasks;
    (void)n;
    TODO("run_all: run every task under one context; the first error cancels the rest");
}
