/*
 * Kata 06: Once and atomic operations. This is the file you edit.
 * The contract of each function is in once_atomic.h; the lesson in README.md.
 */
#include <stdlib.h>

#include "kata_todo.h"
#include "once_atomic.h"

/* ---- Task 1: lazy initialisation with once_do ---------------------------- */

void *lazy_get(lazy_t *l)
{
    (void)l;
    TODO("lazy_get: run l->init(l->arg) exactly once with once_do, return its result");
}

/* ---- Task 2: a lock-free counter (fix the bug) ---------------------------
 *
 * This counter works with one goroutine. With many, it goes wrong: 8
 * goroutines adding 1 two thousand times each sometimes end below 16000,
 * two of them can get the same number back from counter_add, and
 * `make grade` shows a data race on these lines under ThreadSanitizer and
 * Helgrind, even on a run where the total happens to be right.
 */
struct counter {
    int64_t n;
};

counter_t *counter_new(void)
{
    return calloc(1, sizeof(counter_t));
}

int64_t counter_add(counter_t *c, int64_t delta)
{
    c->n += delta;
    return c->n;
}

int64_t counter_load(counter_t *c)
{
    return c->n;
}

void counter_free(counter_t *c)
{
    free(c);
}

/* ---- Task 3: a stop flag with atomicbool_t -------------------------------
 *
 * Decide what a running group of workers needs (a flag to ask them to stop,
 * a way to wait for them, their work) and put it in this struct.
 */
struct workers {
    int todo_; /* replace with your fields */
};

workers_t *workers_start(int n, void (*work)(void *arg), void *arg)
{
    (void)n, (void)work, (void)arg;
    TODO("workers_start: start n goroutines that call work(arg) until a stop flag is set");
}

void workers_stop(workers_t *w)
{
    (void)w;
    TODO("workers_stop: set the stop flag, wait for every worker to return, free w");
}

/* ---- Task 4: compare-and-swap -------------------------------------------- */

int64_t cas_update(atomic64_t *a, int64_t (*f)(int64_t old, void *arg), void *arg)
{
    (void)a, (void)f, (void)arg;
    TODO("cas_update: load, compute f(old, arg), atomic64_cas; retry if the CAS fails");
}

void max_observe(atomic64_t *max, int64_t v)
{
    (void)max, (void)v;
    TODO("max_observe: raise *max to v with a CAS loop (or cas_update) if v is larger");
}
