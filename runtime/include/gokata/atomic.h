/*
 * sync/atomic, as types whose every operation both race detectors understand.
 *
 * Plain C11 <stdatomic.h> is correct C and ThreadSanitizer understands it,
 * but Helgrind does not: it reports correct atomics as races. These types
 * carry the annotations that tell Helgrind what Go's memory model says: all
 * atomic operations on one variable happen in one order, and a load that
 * sees a store happens after it.
 *
 *   Go                          gokata
 *   var n atomic.Int64          atomic64_t n = {0};
 *   n.Add(1)                    atomic64_add(&n, 1)
 *   n.Load(); n.Store(v)        atomic64_load(&n); atomic64_store(&n, v);
 *   n.CompareAndSwap(old, new)  atomic64_cas(&n, old, new)
 *   n.Swap(v)                   atomic64_swap(&n, v)
 *   var b atomic.Bool           atomicbool_t b = {0};
 *   var p atomic.Pointer[T]     atomicptr_t p = {0};
 */
#ifndef GOKATA_ATOMIC_H
#define GOKATA_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    _Alignas(8) int64_t v_;
} atomic64_t;

typedef struct {
    uint32_t v_;
} atomicbool_t;

typedef struct {
    void *v_;
} atomicptr_t;

int64_t atomic64_load(atomic64_t *a);
void atomic64_store(atomic64_t *a, int64_t v);
int64_t atomic64_add(atomic64_t *a, int64_t delta); /* returns the new value */
int64_t atomic64_swap(atomic64_t *a, int64_t v);    /* returns the old value */
bool atomic64_cas(atomic64_t *a, int64_t old, int64_t new_);

bool atomicbool_load(atomicbool_t *b);
void atomicbool_store(atomicbool_t *b, bool v);
bool atomicbool_swap(atomicbool_t *b, bool v);
bool atomicbool_cas(atomicbool_t *b, bool old, bool new_);

void *atomicptr_load(atomicptr_t *p);
void atomicptr_store(atomicptr_t *p, void *v);
void *atomicptr_swap(atomicptr_t *p, void *v);
bool atomicptr_cas(atomicptr_t *p, void *old, void *new_);

#endif
