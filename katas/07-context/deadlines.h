/*
 * 07 · context: the contract of every function you write in deadlines.c.
 *
 * Read it, don't edit it: the grader compiles your deadlines.c against this
 * file as it is in the repository.
 *
 * The one rule of contexts in C (context.h has it too): every ctx_with_*
 * returns a reference that its caller gives back exactly once, with
 * ctx_cancel for ctx_with_cancel/_timeout/_deadline (Go's `defer cancel()`)
 * and with ctx_release for ctx_with_value. A goroutine that goes on using a
 * context after the code that made it may have given it back takes its own
 * reference: ctx_retain before go(), and gives it back when it is done
 * (ctx_release, or ctx_cancel if it is the one that cancels).
 * A context you were given (a parameter called parent or ctx) is not yours:
 * never cancel or release it.
 */
#ifndef DEADLINES_H
#define DEADLINES_H

#include "gokata.h"

/* ---- Task 1: cancellation: a worker you can stop ------------------------ */

/* A running worker. You define struct worker in deadlines.c. */
typedef struct worker worker_t;

/*
 * worker_start: starts one goroutine that receives numbers (long) from jobs
 * and adds them up, until the first of these happens:
 *   - worker_stop cancels the worker's own context;
 *   - parent is cancelled, or its deadline passes;
 *   - jobs is closed.
 * Returns at once, with the worker running.
 *
 *   - The worker's context is its own: ctx_with_cancel(parent). Cancelling
 *     parent then cancels it too; cancelling it leaves parent alone.
 *   - The goroutine waits with one chan_select on jobs and on the context's
 *     ctx_done, never on jobs alone: a worker blocked in chan_recv(jobs)
 *     cannot hear that it should stop.
 *   - It records why it stopped: ctx_err of its context when the context
 *     was done, NULL when jobs was closed.
 *   - The goroutine keeps using the context until it returns, and
 *     worker_stop gives the creator's reference back before that: the
 *     goroutine needs a reference of its own (ctx_retain before go()).
 *   - Never closes or frees jobs (it belongs to the caller).
 */
worker_t *worker_start(ctx_t *parent, chan_t *jobs);

/*
 * worker_stop: stops w if it is still running (cancels its context), waits
 * until its goroutine has returned, stores the sum of every number the
 * worker received in *sum, and frees w.
 * Returns why the worker stopped: CTX_CANCELED or CTX_DEADLINE_EXCEEDED
 * (what its context said when the worker saw it done), or NULL if jobs was
 * closed before the worker was told to stop. Never cancels parent.
 */
const char *worker_stop(worker_t *w, long *sum);

/* ---- Task 2: deadlines and timeouts across an API boundary -------------- */

/* How long the service takes to answer a lookup. */
#define LOOKUP_LATENCY SECOND

/* lookup's error for a host it doesn't know (defined in deadlines.c):
 * "lookup: no such host". */
extern const char *const LOOKUP_NOT_FOUND;

/*
 * lookup: the slow service. Finds host in the directory (given in
 * deadlines.c), which takes LOOKUP_LATENCY: wait for a timer of that
 * duration, as if the answer came back over the network.
 * Returns NULL with *addr set to host's address, or LOOKUP_NOT_FOUND
 * (after the latency too) for a host the directory doesn't have.
 *
 *   - Honours ctx: as soon as ctx is done (cancelled, or its deadline
 *     passed), stops waiting and returns ctx_err(ctx); at once if ctx is
 *     done already. *addr is set only on success.
 *   - Starts no goroutine; leaves no timer running when it returns (a
 *     timer_new is stopped and freed with timer_free).
 */
const char *lookup(ctx_t *ctx, const char *host, const char **addr);

/*
 * lookup_with_timeout: the client. Calls lookup under a context derived from
 * parent (ctx_with_timeout(parent, timeout)), so that the call ends after
 * timeout at the latest, or sooner if parent is done sooner: whichever comes
 * first. Returns what lookup returned.
 *
 *   - Gives its context back (ctx_cancel) on every path, success included:
 *     Go's `ctx, cancel := context.WithTimeout(...); defer cancel()`.
 *   - Never cancels parent.
 */
const char *lookup_with_timeout(ctx_t *parent, const char *host, go_duration_t timeout,
                                const char **addr);

/* ---- Task 3: values: a request id that travels with the context --------- */

/*
 * with_request_id: a context derived from parent that carries id
 * (ctx_with_value). The caller gives it back with ctx_release.
 *
 *   - The key is the address of a static variable private to deadlines.c:
 *     no other code can make the same key by accident (Go's unexported key
 *     type). A string literal is not a private key.
 *   - id is not copied: the caller keeps it alive as long as the context.
 */
ctx_t *with_request_id(ctx_t *parent, const char *id);

/* request_id: the id ctx carries (from the nearest context above it that
 * set one), or NULL if it carries none. */
const char *request_id(ctx_t *ctx);

/* A request log that many goroutines append to. Zeroed, it is empty. */
enum { REQLOG_MAX = 256, REQLOG_LINE = 64 };
typedef struct {
    mutex_t mu; /* guards n and lines */
    int n;
    char lines[REQLOG_MAX][REQLOG_LINE];
} reqlog_t;

/*
 * log_event: appends the line "<id> <what>" to log, where <id> is
 * request_id(ctx), or "-" when ctx carries none. Safe to call from many
 * goroutines at once. A line longer than REQLOG_LINE - 1 is cut; a full log
 * drops the line.
 */
void log_event(reqlog_t *log, ctx_t *ctx, const char *what);

/* One step of serving a request: does its work under ctx. */
typedef void (*handler_fn)(ctx_t *ctx, void *arg);

/*
 * serve: middleware. Runs handler(ctx, arg) under a context derived from
 * parent that carries id, logging "<id> begin" before and "<id> end" after
 * (log_event, under that context). Gives the context back before returning.
 * The handler and every function it calls find the id with request_id(ctx)
 * without being passed it.
 */
void serve(ctx_t *parent, const char *id, reqlog_t *log, handler_fn handler, void *arg);

/* ---- Task 4: fan-out under one context: the first error cancels the rest */

/* A task: does its work under ctx; returns NULL, or an error (a string that
 * outlives the call). A task returns soon after ctx is done. */
typedef const char *(*task_fn)(ctx_t *ctx, void *arg);

typedef struct {
    task_fn fn;
    void *arg;
} task_t;

/*
 * run_all: Go's errgroup.WithContext, Go and Wait in one call. Runs
 * tasks[0..n-1], each in a goroutine of its own, all under one context
 * derived from parent with ctx_with_cancel. Returns once every task has
 * returned: the first error a task returned, or NULL if none failed.
 *
 *   - The first task to fail cancels the group's context with its error as
 *     the cause (ctx_cancel_cause(ctx, err)), so the other tasks stop early
 *     and can ask why (ctx_cause). A later error doesn't replace the first:
 *     tasks that stop because of it return "context canceled".
 *   - Cancelling parent cancels every task.
 *   - Gives the group's context back before returning, whether or not a task
 *     failed (Go's defer cancel()): a task that kept a reference sees it
 *     cancelled. Never cancels parent.
 *   - No goroutine it started outlives the call.
 *   - n == 0: returns NULL at once.
 */
const char *run_all(ctx_t *parent, const task_t *tasks, int n);

#endif
