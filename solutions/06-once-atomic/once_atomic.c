/*
 * Kata 06, the reference solution: Once and atomic operations.
 *
 * Four small tools, each the right size for one job:
 *   lazy_get      once_do: run init exactly once, publish what it wrote
 *   counter_*     one atomic64_t: additions that are never lost
 *   workers_*     one atomicbool_t to ask, one WaitGroup to wait
 *   cas_update    the CAS loop: read, compute, swap if nobody changed it
 */
#include <stdlib.h>

#include "once_atomic.h"

/* ---- Task 1 -------------------------------------------------------------- */

/* once_do takes a void function; init returns a value. This adapter runs
 * init and stores its result. It runs inside once_do, so exactly once. */
static void lazy_run(void *arg)
{
    lazy_t *l = arg;
    l->value = l->init(l->arg);
}

void *lazy_get(lazy_t *l)
{
    /* The first caller runs lazy_run; the others wait inside once_do until it
     * has returned. once_do's return happens after lazy_run's, so reading
     * l->value (and whatever init built) here is no data race. After that,
     * once_do is one atomic load: no lock on the fast path. */
    once_do(&l->once, lazy_run, l);
    return l->value;
}

/* ---- Task 2 -------------------------------------------------------------- */

/* `n++` on a plain int64_t is three steps (load, add, store); two goroutines
 * can load the same value and one increment is lost. atomic64_add is one
 * indivisible step. */
struct counter {
    atomic64_t n;
};

counter_t *counter_new(void)
{
    return calloc(1, sizeof(counter_t)); /* zeroed: an atomic64_t at 0 */
}

int64_t counter_add(counter_t *c, int64_t delta)
{
    /* The new value comes from the same indivisible step: reading it again
     * with counter_load could see other goroutines' additions too. */
    return atomic64_add(&c->n, delta);
}

int64_t counter_load(counter_t *c)
{
    return atomic64_load(&c->n);
}

void counter_free(counter_t *c)
{
    free(c);
}

/* ---- Task 3 -------------------------------------------------------------- */

struct workers {
    atomicbool_t stop; /* set once by workers_stop; read by every worker */
    wg_t wg;           /* counts the workers still running */
    void (*work)(void *arg);
    void *arg;
};

static void worker(void *arg)
{
    workers_t *w = arg;
    /* An atomic load, not a plain bool: the flag is written by one goroutine
     * while others read it, which is a data race on a plain variable (and the
     * compiler may then read it once and loop forever). */
    while (!atomicbool_load(&w->stop))
        w->work(w->arg);
    wg_done(&w->wg); /* last: after this, w may be freed */
}

workers_t *workers_start(int n, void (*work)(void *arg), void *arg)
{
    workers_t *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->work = work;
    w->arg = arg;
    for (int i = 0; i < n; i++) {
        wg_add(&w->wg, 1); /* before go: wg_wait must count this worker */
        go(worker, w);
    }
    return w;
}

void workers_stop(workers_t *w)
{
    atomicbool_store(&w->stop, true);
    /* The flag only asks. Waiting is what makes "work is never called again"
     * true, orders the workers' writes before ours (each wg_done happens
     * before this wg_wait returns), and makes freeing w safe. */
    wg_wait(&w->wg);
    free(w);
}

/* ---- Task 4 -------------------------------------------------------------- */

int64_t cas_update(atomic64_t *a, int64_t (*f)(int64_t old, void *arg), void *arg)
{
    for (;;) {
        int64_t old = atomic64_load(a);
        int64_t new_ = f(old, arg);  /* no lock held: others may update a meanwhile */
        if (new_ == old) return old; /* nothing to change: no write at all */
        /* Stores new_ only if a still holds old. If someone changed it while
         * f ran, new_ was computed from a stale value: start again. */
        if (atomic64_cas(a, old, new_)) return new_;
    }
}

static int64_t max_of(int64_t old, void *arg)
{
    int64_t v = *(int64_t *)arg;
    return v > old ? v : old;
}

void max_observe(atomic64_t *max, int64_t v)
{
    /* A load then a store ("if v > max, max = v") can lose: between them
     * another goroutine may raise max above v, and the store would lower it.
     * The CAS in cas_update refuses a store based on a stale read. */
    cas_update(max, max_of, &v);
}
