/*
 * Kata 09 · Pipelines: the contract. Read it; don't edit it (the grader uses
 * its own copy). You write the functions of tasks 1 to 4 in pipeline.c.
 *
 * A pipeline is a chain of stages joined by channels. A stage is a function
 * that takes the channel it reads (if any), starts the goroutine(s) that do
 * its work, and returns at once the channel it writes: its output. Every
 * value here is an int; every channel carries ints.
 *
 * The rules every stage follows (each task's tests check them):
 *
 *   1. A stage owns its output. It makes it (pipeline_chan, unbuffered), is
 *      the only one to send on it, and closes it exactly once, on every way
 *      out: after its last value, and also when it stops early. (Go:
 *      `defer close(out)`.) A stage never closes a channel it reads.
 *   2. Unbuffered outputs: a stage works only as fast as its reader reads,
 *      and stops where the reader stops (back-pressure).
 *   3. A stage reads its input until it is closed: `for v := range in`. It
 *      may block in a plain chan_recv on its input, because the stage
 *      upstream closes it on every way out (rule 1).
 *   4. Task 4: every send is a chan_select on two cases, the send and a
 *      receive from ctx_done(p->ctx). When the pipeline is cancelled, the
 *      stage sends nothing more, starts no new work, closes its output and
 *      returns. A plain chan_send would wait forever for a reader that has
 *      stopped reading: a goroutine leak.
 *   5. Every goroutine is started with pipeline_go (never go()), and every
 *      channel is made with pipeline_chan (never chan_make): see below.
 */
#ifndef KATA_PIPELINE_H
#define KATA_PIPELINE_H

#include <stdlib.h>

#include "gokata.h"

/* ==== Given: the pipeline every stage belongs to ===========================
 *
 * In Go a stage needs only a context, and the garbage collector frees each
 * channel once nobody can use it any more. C has no garbage collector, and a
 * cancelled pipeline is exactly where "nobody uses it any more" is hard to
 * know: when the consumer stops, every stage is somewhere in its loop, on
 * its way out. So a pipeline_t stands in for the garbage collector, the way
 * Go's errgroup.Group stands beside a context:
 *
 *   Go                                          gokata
 *   ctx, cancel := context.WithCancel(parent)   pipeline_t p;
 *   g, ctx := errgroup.WithContext(ctx)         pipeline_init(&p, parent);
 *   out := make(chan int)                       chan_t *out = pipeline_chan(&p, sizeof(int), 0);
 *   g.Go(func() error { ... })                  pipeline_go(&p, stage_fn, arg);
 *   case <-ctx.Done():                          select_recv(ctx_done(p->ctx), NULL)
 *   cancel(); g.Wait()                          pipeline_stop(&p);
 *
 * You write none of this; you use it. It is short: read it.
 */

typedef struct pipeline_chan_node {
    chan_t *ch;
    struct pipeline_chan_node *next;
} pipeline_chan_node_t;

typedef struct {
    ctx_t *ctx;                  /* done when the pipeline must stop: select on ctx_done(p->ctx) */
    wg_t running;                /* counts every goroutine started with pipeline_go */
    atomic64_t started;          /* how many goroutines pipeline_go has started (the tests look) */
    mutex_t mu;                  /* guards chans: stages may make channels from any goroutine */
    pipeline_chan_node_t *chans; /* every channel made with pipeline_chan */
} pipeline_t;

/* Starts an empty pipeline. Its context is a child of parent: cancelling
 * parent (or its deadline) stops the pipeline too. */
static inline void pipeline_init(pipeline_t *p, ctx_t *parent)
{
    *p = (pipeline_t){.ctx = ctx_with_cancel(parent)};
}

/* chan_make(elem_size, cap), but the pipeline owns the channel's memory:
 * pipeline_stop frees it, once no goroutine of the pipeline can use it. Never
 * chan_free it yourself. (A stage's output is pipeline_chan(p, sizeof(int), 0).) */
static inline chan_t *pipeline_chan(pipeline_t *p, size_t elem_size, size_t cap)
{
    pipeline_chan_node_t *n = malloc(sizeof *n);
    if (!n) abort();
    n->ch = chan_make(elem_size, cap);
    mutex_lock(&p->mu); /* any goroutine may make a channel; the list is shared */
    n->next = p->chans;
    p->chans = n;
    mutex_unlock(&p->mu);
    return n->ch;
}

/* What pipeline_go runs: fn(arg), then counts the goroutine out. */
typedef struct {
    pipeline_t *p;
    go_func_t fn;
    void *arg;
} pipeline_go_call_t;

static inline void pipeline_run_(void *call_)
{
    pipeline_go_call_t call = *(pipeline_go_call_t *)call_;
    free(call_);
    call.fn(call.arg);
    wg_done(&call.p->running); /* last: all fn did happens before pipeline_stop's wait returns */
}

static inline void pipeline_go_at(pipeline_t *p, go_func_t fn, void *arg, const char *fn_name,
                                  GK_SITE_PARAMS)
{
    pipeline_go_call_t *call = malloc(sizeof *call);
    if (!call) abort();
    *call = (pipeline_go_call_t){.p = p, .fn = fn, .arg = arg};
    wg_add_at(&p->running, 1, gk_file, gk_line, gk_func); /* before go: see kata 04 */
    atomic64_add(&p->started, 1); /* the tests compare it with the goroutines started */
    go_spawn(pipeline_run_, call, fn_name, gk_file, gk_line, gk_func);
}

/* go(fn, arg), counted in p->running so that pipeline_stop can wait for it
 * (Go's g.Go, or wg.Go). The goroutine dump names fn and your line. As with
 * go(), arg is yours: if you malloc it, the goroutine frees it. */
#define pipeline_go(p, fn, arg) pipeline_go_at((p), (fn), (arg), #fn, GK_HERE)

/* Cancels p's context: every stage stops at its next select (Go's cancel()).
 * Returns at once; may be called from any goroutine, any number of times. */
static inline void pipeline_cancel(pipeline_t *p)
{
    ctx_retain(p->ctx); /* ctx_cancel gives a reference back: keep ours until pipeline_stop */
    ctx_cancel(p->ctx);
}

/* The consumer's last call, whether it read everything or stopped early:
 * cancels the pipeline, waits until every goroutine started with pipeline_go
 * has returned, then frees every channel made with pipeline_chan and the
 * context. (Go: `cancel(); g.Wait()`, and the garbage collector.) If a stage
 * ignores the cancellation, this waits forever: that is the leak, made
 * visible. Call it from the goroutine that called pipeline_init, once. */
static inline void pipeline_stop(pipeline_t *p)
{
    pipeline_cancel(p);
    wg_wait(&p->running);
    while (p->chans) {
        pipeline_chan_node_t *n = p->chans;
        p->chans = n->next;
        chan_free(n->ch);
        free(n);
    }
    ctx_release(p->ctx);
    p->ctx = NULL;
}

/* ==== Yours: the stages ==================================================== */

/* The function a stage applies to each value: Go's func(int) int. The tests'
 * functions are safe to call from several goroutines at once, and some take
 * (virtual) time, like real work. */
typedef int (*map_fn)(int x);

/* ---- Task 1: stages chained by channels ----------------------------------- */

/*
 * gen: the source. func gen(ctx, xs ...int) <-chan int
 *
 * Returns at once an unbuffered channel on which ONE goroutine sends xs[0],
 * xs[1], ..., xs[n-1], in that order, then closes it (for n == 0: closes it
 * at once). gen itself sends nothing: nobody can receive before it returns.
 * The goroutine reads xs while it sends, so the caller keeps xs unchanged
 * until the channel is closed or the pipeline stopped (Go: a slice shares
 * its array too). Task 4: stops early when p->ctx is done.
 */
chan_t *gen(pipeline_t *p, const int *xs, int n);

/*
 * apply: a middle stage. func apply(ctx, in <-chan int, f) <-chan int
 *
 * Returns at once an unbuffered channel on which ONE goroutine sends f(v)
 * for every v received from in, in the order received; it closes the
 * channel once in is closed and drained. f is called from that goroutine,
 * never from the caller. Never closes in (its sender does). Task 4: once
 * p->ctx is done, calls f no more, sends no more, closes its output.
 */
chan_t *apply(pipeline_t *p, chan_t *in, map_fn f);

/*
 * sum: the sink. Receives from in until it is closed and returns the sum of
 * every value received (0 for none). Runs in the caller's goroutine, starts
 * none, never closes in.
 */
long sum(chan_t *in);

/*
 * sum_of_squares: xs[0]^2 + ... + xs[n-1]^2, computed by a pipeline of its
 * own: gen -> apply(square) -> sum. Starts the pipeline (pipeline_init with
 * ctx_background()), reads its result, and stops it (pipeline_stop) before
 * returning: it leaves no goroutine behind and frees every channel.
 */
long sum_of_squares(const int *xs, int n);

/* ---- Task 2: fan-out, fan-in ---------------------------------------------- */

/*
 * merge: fan-in. func merge(ctx, cs ...<-chan int) <-chan int
 *
 * Returns at once an unbuffered channel on which every value received from
 * ins[0], ..., ins[n-1] is sent, each as soon as it arrives: one goroutine
 * per input, so that no input waits for another. Values of one input keep
 * their order; between inputs, any order. The channel is closed exactly
 * once, when every input is closed and every value forwarded: a goroutine
 * that waits for the forwarders on a WaitGroup closes it (no forwarder can
 * know it is the last). With n == 0 (ins may then be NULL) it is closed at
 * once. merge reads the array ins only before it returns (the caller may
 * free it then), and never closes an input. Task 4: stops early when p->ctx
 * is done.
 */
chan_t *merge(pipeline_t *p, chan_t *const *ins, int n);

/*
 * parallel_apply: fan-out, then fan-in. f(v) for every v of in, computed by
 * `workers` goroutines (workers >= 1) that all read in, at the same time;
 * their results are merged into the one returned channel, in any order
 * (whichever finishes first comes first). The channel is unbuffered and
 * closed once in is closed and every result is sent. Each value is handled
 * by exactly one worker; f is never called from the caller. Go's blog does
 * it in two lines: c1 := sq(ctx, in); c2 := sq(ctx, in); merge(ctx, c1, c2).
 * Task 4: stops early when p->ctx is done.
 */
chan_t *parallel_apply(pipeline_t *p, chan_t *in, int workers, map_fn f);

/* ---- Task 3: keeping the order -------------------------------------------- */

/*
 * ordered_apply: like parallel_apply (`workers` goroutines call f at the
 * same time), but the results come out in the order of in: the k-th value
 * sent is f of the k-th value received, although the workers finish out of
 * order.
 *
 * A slow value holds up only its own result, never the work: while one
 * worker is still busy with a value, the others go on taking the values
 * after it, and their results wait (in a reorder buffer) until it is their
 * turn. The returned channel is unbuffered and closed once in is closed and
 * every result is sent. Task 4: stops early when p->ctx is done.
 */
chan_t *ordered_apply(pipeline_t *p, chan_t *in, int workers, map_fn f);

/* ---- Task 4: stopping early ------------------------------------------------ */

/*
 * first_k: the first k results of f over xs, in order: out[i] = f(xs[i]) for
 * i < min(k, n); returns min(k, n). Builds its own pipeline, gen ->
 * ordered_apply(workers) -> itself as the consumer, reads k results, and
 * then stops the whole pipeline at once (pipeline_stop): the stages stop
 * sending, no worker starts on another value, and no goroutine is left
 * behind. It reads no more than k results. out has room for k values.
 *
 * For this to return at all, every stage of tasks 1 to 3 must stop when
 * p->ctx is done (rule 4 at the top of this file): that is the real task.
 */
int first_k(const int *xs, int n, map_fn f, int workers, int k, int *out);

#endif
