/*
 * Kata 09 · Pipelines: the reference solution.
 *
 * Every stage has the same shape, Go's:
 *
 *     out := make(chan int)
 *     go func() {
 *         defer close(out)
 *         for v := range in {
 *             if ctx.Err() != nil { return }       // no new work once cancelled
 *             select {
 *             case out <- f(v):
 *             case <-ctx.Done(): return
 *             }
 *         }
 *     }()
 *     return out
 *
 * In C each goroutine's argument is a struct it owns and frees (a struct
 * shared by several goroutines is freed by the one that is provably the
 * last to use it: the goroutine that waits for the others). The channels
 * belong to the pipeline (pipeline_chan), which frees them in pipeline_stop,
 * once every goroutine has returned.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "pipeline.h"

/* ---- Helpers ---------------------------------------------------------------- */

static void *xmalloc(size_t size)
{
    void *q = malloc(size);
    if (!q) abort();
    return q;
}

/*
 * select { case out <- *v: return true; case <-ctx.Done(): return false }
 *
 * Every send of every stage goes through here. A plain chan_send would wait
 * forever once the reader has stopped reading; with the second case, a
 * cancelled pipeline wakes it. When both cases are ready (the reader still
 * reads, and the pipeline is cancelled), select picks one at random, as
 * Go's does: a value may still go through after the cancel. That is
 * harmless; what matters is that the stage can never be stuck here.
 */
static bool send_or_done(pipeline_t *p, chan_t *out, const void *v)
{
    select_case_t cs[] = {select_send(out, v), select_recv(ctx_done(p->ctx), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/* Has the pipeline been cancelled? Checked before starting work on a value:
 * a select alone would, half of the time, go on with the next one. */
static bool cancelled(pipeline_t *p)
{
    return ctx_err(p->ctx) != NULL;
}

/* ---- Task 1: gen, apply, sum ---------------------------------------------- */

typedef struct {
    pipeline_t *p;
    const int *xs;
    int n;
    chan_t *out;
} gen_t;

static void gen_run(void *arg)
{
    gen_t *g = arg;
    for (int i = 0; i < g->n; i++)
        if (!send_or_done(g->p, g->out, &g->xs[i])) break; /* cancelled: stop */
    chan_close(g->out); /* on every way out: whoever reads must see the end */
    free(g);
}

chan_t *gen(pipeline_t *p, const int *xs, int n)
{
    gen_t *g = xmalloc(sizeof *g);
    *g = (gen_t){.p = p, .xs = xs, .n = n, .out = pipeline_chan(p, sizeof(int), 0)};
    chan_t *out = g->out; /* not g->out after pipeline_go: the goroutine may have freed g */
    pipeline_go(p, gen_run, g);
    return out;
}

typedef struct {
    pipeline_t *p;
    chan_t *in, *out;
    map_fn f;
} apply_t;

static void apply_run(void *arg)
{
    apply_t *a = arg;
    int v;
    /* A plain receive is enough: the stage upstream closes in on every way
     * out, cancelled or not, so this loop always ends. */
    while (chan_recv(a->in, &v)) {
        if (cancelled(a->p)) break;
        int r = a->f(v);
        if (!send_or_done(a->p, a->out, &r)) break;
    }
    chan_close(a->out);
    free(a);
}

chan_t *apply(pipeline_t *p, chan_t *in, map_fn f)
{
    apply_t *a = xmalloc(sizeof *a);
    *a = (apply_t){.p = p, .in = in, .out = pipeline_chan(p, sizeof(int), 0), .f = f};
    chan_t *out = a->out;
    pipeline_go(p, apply_run, a);
    return out;
}

long sum(chan_t *in)
{
    long total = 0;
    int v;
    while (chan_recv(in, &v))
        total += v;
    return total;
}

static int square(int x)
{
    return x * x;
}

long sum_of_squares(const int *xs, int n)
{
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    long total = sum(apply(&p, gen(&p, xs, n), square));
    pipeline_stop(&p); /* nothing is left to cancel: it waits, and frees */
    return total;
}

/* ---- Task 2: merge, parallel_apply ---------------------------------------- */

/* Shared by the forwarders and the closer. The closer frees it: after its
 * wg_wait, no forwarder touches it any more. */
typedef struct {
    chan_t *out;
    wg_t forwarding;
} merge_t;

typedef struct {
    pipeline_t *p;
    chan_t *in;
    merge_t *m;
} forward_t;

static void forward(void *arg)
{
    forward_t *fw = arg;
    merge_t *m = fw->m;
    int v;
    while (chan_recv(fw->in, &v))
        if (!send_or_done(fw->p, m->out, &v)) break;
    free(fw);
    wg_done(&m->forwarding); /* last: "I will not send on out again" */
}

/* The only goroutine that can know every forwarder is done, so the only one
 * that may close out. A forwarder that closed it would make the others
 * panic: send on closed channel. */
static void close_when_forwarded(void *arg)
{
    merge_t *m = arg;
    wg_wait(&m->forwarding);
    chan_close(m->out);
    free(m);
}

chan_t *merge(pipeline_t *p, chan_t *const *ins, int n)
{
    merge_t *m = xmalloc(sizeof *m);
    *m = (merge_t){.out = pipeline_chan(p, sizeof(int), 0)};
    chan_t *out = m->out;
    /* Add before go: the closer must never see the counter at 0 before
     * the forwarders have even started. */
    wg_add(&m->forwarding, n);
    for (int i = 0; i < n; i++) {
        forward_t *fw = xmalloc(sizeof *fw);
        *fw = (forward_t){.p = p, .in = ins[i], .m = m};
        pipeline_go(p, forward, fw);
    }
    pipeline_go(p, close_when_forwarded, m);
    return out;
}

chan_t *parallel_apply(pipeline_t *p, chan_t *in, int workers, map_fn f)
{
    /* Fan-out: `workers` apply stages reading the same channel. Each value
     * goes to exactly one of them, whichever receives first. */
    chan_t **outs = xmalloc(sizeof *outs * (size_t)workers);
    for (int w = 0; w < workers; w++)
        outs[w] = apply(p, in, f);
    /* Fan-in. */
    chan_t *out = merge(p, outs, workers);
    free(outs); /* merge has copied what it needs */
    return out;
}

/* ---- Task 3: ordered_apply ------------------------------------------------ */

/*
 * Sequence numbers and a reorder buffer. Four kinds of goroutines:
 *
 *   in --> dispatcher --jobs--> workers --results--> reorderer --> out
 *                                        (closer)
 *
 * The dispatcher numbers each value in the order received; the workers send
 * back {seq, f(v)} in whatever order they finish; the reorderer keeps the
 * results that are early and sends each one when its turn comes. The closer
 * closes results once every worker is done (merge's pattern again).
 */

typedef struct {
    long seq;
    int v;
} item_t;

typedef struct {
    pipeline_t *p;
    chan_t *in, *jobs;
} dispatch_t;

static void dispatch(void *arg)
{
    dispatch_t *d = arg;
    long seq = 0;
    int v;
    while (chan_recv(d->in, &v)) {
        item_t it = {.seq = seq++, .v = v};
        if (!send_or_done(d->p, d->jobs, &it)) break;
    }
    chan_close(d->jobs);
    free(d);
}

/* Shared by the workers and the closer, freed by the closer. */
typedef struct {
    pipeline_t *p;
    chan_t *jobs, *results;
    map_fn f;
    wg_t working;
} workers_t;

static void work(void *arg)
{
    workers_t *w = arg;
    item_t it;
    while (chan_recv(w->jobs, &it)) {
        if (cancelled(w->p)) break;
        it.v = w->f(it.v);
        if (!send_or_done(w->p, w->results, &it)) break;
    }
    wg_done(&w->working);
}

static void close_when_worked(void *arg)
{
    workers_t *w = arg;
    wg_wait(&w->working);
    chan_close(w->results);
    free(w);
}

/*
 * The reorder buffer: the results that arrived before their turn. Result
 * seq lives in slot seq % cap, which is unambiguous while every stored seq
 * is in [next, next + cap); a result further ahead grows the buffer. It
 * holds only the early results, however long the input.
 */
typedef struct {
    int *vals;
    bool *full;
    long cap;
} reorder_t;

static void reorder_put(reorder_t *r, long next, item_t it)
{
    if (it.seq - next >= r->cap) {
        long cap = r->cap ? r->cap : 8;
        while (it.seq - next >= cap)
            cap *= 2;
        int *vals = xmalloc(sizeof *vals * (size_t)cap);
        bool *full = calloc((size_t)cap, sizeof *full);
        if (!full) abort();
        for (long s = next; s < next + r->cap; s++) {
            if (!r->full[s % r->cap]) continue;
            vals[s % cap] = r->vals[s % r->cap];
            full[s % cap] = true;
        }
        free(r->vals);
        free(r->full);
        *r = (reorder_t){.vals = vals, .full = full, .cap = cap};
    }
    r->vals[it.seq % r->cap] = it.v;
    r->full[it.seq % r->cap] = true;
}

/* Takes result seq out of the buffer if it is there. */
static bool reorder_take(reorder_t *r, long seq, int *v)
{
    if (r->cap == 0 || !r->full[seq % r->cap]) return false;
    r->full[seq % r->cap] = false;
    *v = r->vals[seq % r->cap];
    return true;
}

typedef struct {
    pipeline_t *p;
    chan_t *results, *out;
} reorderer_t;

static void reorder(void *arg)
{
    reorderer_t *ro = arg;
    reorder_t buf = {0};
    long next = 0; /* the seq whose turn it is */
    item_t it;
    while (chan_recv(ro->results, &it)) {
        reorder_put(&buf, next, it);
        int v;
        while (reorder_take(&buf, next, &v)) {
            if (!send_or_done(ro->p, ro->out, &v)) goto stop;
            next++;
        }
    }
stop:
    chan_close(ro->out);
    free(buf.vals);
    free(buf.full);
    free(ro);
}

chan_t *ordered_apply(pipeline_t *p, chan_t *in, int workers, map_fn f)
{
    chan_t *jobs = pipeline_chan(p, sizeof(item_t), 0);
    chan_t *results = pipeline_chan(p, sizeof(item_t), 0);
    chan_t *out = pipeline_chan(p, sizeof(int), 0);

    dispatch_t *d = xmalloc(sizeof *d);
    *d = (dispatch_t){.p = p, .in = in, .jobs = jobs};
    pipeline_go(p, dispatch, d);

    workers_t *w = xmalloc(sizeof *w);
    *w = (workers_t){.p = p, .jobs = jobs, .results = results, .f = f};
    wg_add(&w->working, workers);
    for (int i = 0; i < workers; i++)
        pipeline_go(p, work, w);
    pipeline_go(p, close_when_worked, w);

    reorderer_t *ro = xmalloc(sizeof *ro);
    *ro = (reorderer_t){.p = p, .results = results, .out = out};
    pipeline_go(p, reorder, ro);
    return out;
}

/* ---- Task 4: first_k ------------------------------------------------------ */

int first_k(const int *xs, int n, map_fn f, int workers, int k, int *out)
{
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    chan_t *results = ordered_apply(&p, gen(&p, xs, n), workers, f);
    int got = 0, v;
    while (got < k && chan_recv(results, &v))
        out[got++] = v;
    /* We stop reading here, with the stages still running: every one of
     * them is waiting to send, or working on a value. pipeline_stop cancels
     * them (each select sees ctx_done), waits for every goroutine, and frees
     * the channels. Without the cancel they would wait to send forever. */
    pipeline_stop(&p);
    return got;
}
