/*
 * Kata 06: Once and atomic operations. The contract: read it, don't edit it.
 * You write the functions below in once_atomic.c.
 *
 *   Go                                   here
 *   var once sync.Once; once.Do(f)       once_t once = {0}; once_do(&once, f, arg);
 *   get := sync.OnceValue(load)          lazy_t cfg = LAZY_INIT(load, arg); lazy_get(&cfg)
 *   var n atomic.Int64; n.Add(1)         counter_add(c, 1)  (task 2 builds it on atomic64_t)
 *   var stop atomic.Bool                 workers_start / workers_stop  (task 3)
 *   for { old := x.Load(); ...           cas_update(&x, f, arg)  (task 4)
 *         if x.CompareAndSwap(old, new) { break } }
 *
 * Every function here may be called by many goroutines at once, and must
 * leave no data race for ThreadSanitizer or Helgrind to find.
 */
#ifndef ONCE_ATOMIC_H
#define ONCE_ATOMIC_H

#include <stdint.h>

#include "gokata.h"

/* ---- Task 1: lazy initialisation with once_do ----------------------------
 *
 * A value computed the first time someone asks for it, like Go's
 * sync.OnceValue. Declare one with LAZY_INIT and nothing runs yet:
 *
 *   static lazy_t config = LAZY_INIT(load_config, "app.conf");
 *   config_t *c = lazy_get(&config);     // load_config runs here, once
 */
typedef struct {
    once_t once;              /* guards the one call of init */
    void *(*init)(void *arg); /* computes the value (may return NULL) */
    void *arg;                /* passed to init */
    void *value;              /* what init returned, once it has run */
} lazy_t;

#define LAZY_INIT(fn, a) ((lazy_t){.init = (fn), .arg = (a)})

/*
 * lazy_get: returns l->init(l->arg), computing it on the first call only.
 *
 * - init runs exactly once per lazy_t, however many goroutines call lazy_get
 *   at the same moment, and even if it returns NULL (NULL is a value too).
 * - Every caller returns only after init has returned, and sees everything
 *   init wrote (no data race on the value or what it points to).
 * - Callers after the first must not wait on a lock once the value is ready.
 * Use l->once; don't test l->value to decide whether init has run.
 */
void *lazy_get(lazy_t *l);

/* ---- Task 2: a lock-free counter (fix the bug) ---------------------------
 *
 * Like Go's atomic.Int64: many goroutines add to it at once, and none of
 * their additions is lost. struct counter is yours to define, in
 * once_atomic.c. The one there now has a bug: fix it with atomic64_t.
 */
typedef struct counter counter_t;

/* A new counter at 0 (free it with counter_free). NULL if out of memory. */
counter_t *counter_new(void);

/* Adds delta atomically and returns the new value: of many goroutines adding
 * 1 at once, each gets a different result. Never blocks. */
int64_t counter_add(counter_t *c, int64_t delta);

/* The current value; safe while other goroutines add. Never blocks. */
int64_t counter_load(counter_t *c);

/* Frees c. No goroutine may be using it. */
void counter_free(counter_t *c);

/* ---- Task 3: a stop flag with atomicbool_t -------------------------------
 *
 * A group of workers that call work(arg) over and over until told to stop:
 * a background poller, a load generator. struct workers is yours to define.
 */
typedef struct workers workers_t;

/*
 * workers_start: starts n goroutines; each calls work(arg) in a loop, and
 * before each call checks a stop flag (an atomicbool_t) and returns once it
 * is set. work is called by all n at once: it is the caller's job to make
 * it safe for that. Returns the handle for workers_stop (NULL if out of
 * memory: then no goroutine is started).
 */
workers_t *workers_start(int n, void (*work)(void *arg), void *arg);

/*
 * workers_stop: sets the stop flag, waits (blocked, not spinning) until every
 * worker has returned (a worker in the middle of work finishes that call
 * first), then frees w.
 * After workers_stop returns, work is never called again, and everything
 * the workers did happens before what the caller does next. It blocks only
 * as long as the slowest worker's current call of work.
 */
void workers_stop(workers_t *w);

/* ---- Task 4: compare-and-swap -------------------------------------------
 *
 * cas_update: replaces *a with f(old, arg), atomically with respect to every
 * other atomic operation on a, and returns the value it stored. Write it as
 * a CAS loop: load old, compute f(old, arg), atomic64_cas(a, old, new); if
 * another goroutine changed *a in between, the CAS fails: start again from
 * the value now in *a.
 *
 * - f may therefore be called more than once; it must depend only on old
 *   and arg. Returning old unchanged is allowed (then nothing needs storing).
 * - Lock-free: no mutex, and never hold anything while f runs (f may be
 *   slow; others must still be able to update *a meanwhile).
 */
int64_t cas_update(atomic64_t *a, int64_t (*f)(int64_t old, void *arg), void *arg);

/*
 * max_observe: a running maximum. Raises *max to v if v is larger than the
 * value in *max, and leaves it alone otherwise. When many goroutines observe
 * values at once, *max ends as exactly the largest of them all, and it never
 * goes down: when max_observe returns, *max >= v. Lock-free, as cas_update
 * (use it, or a CAS loop of your own).
 */
void max_observe(atomic64_t *max, int64_t v);

#endif
