/*
 * sync/atomic for both race detectors.
 *
 * Go's memory model: if atomic operation B observes the effect of A, A is
 * synchronized before B; all atomic operations behave as if in one
 * sequentially consistent order. Helgrind does not understand C11 atomics
 * (it reports correct ones as races), and the runtime is not instrumented
 * for ThreadSanitizer, so each operation says it explicitly: writes release
 * the variable's address, reads acquire it, and the variable itself is
 * hidden from Helgrind's race checking.
 */
#include "race.h"
#include "runtime.h"

/* Hide the cell from Helgrind: its order comes from the annotations. */
#define HIDE(p) race_untrack((p), sizeof *(p))

int64_t atomic64_load(atomic64_t *a)
{
    HIDE(a);
    int64_t v = __atomic_load_n(&a->v_, __ATOMIC_SEQ_CST);
    race_acquire(a);
    return v;
}

void atomic64_store(atomic64_t *a, int64_t v)
{
    HIDE(a);
    race_release(a);
    __atomic_store_n(&a->v_, v, __ATOMIC_SEQ_CST);
}

int64_t atomic64_add(atomic64_t *a, int64_t delta)
{
    HIDE(a);
    race_release(a);
    int64_t v = __atomic_add_fetch(&a->v_, delta, __ATOMIC_SEQ_CST);
    race_acquire(a);
    return v;
}

int64_t atomic64_swap(atomic64_t *a, int64_t v)
{
    HIDE(a);
    race_release(a);
    int64_t old = __atomic_exchange_n(&a->v_, v, __ATOMIC_SEQ_CST);
    race_acquire(a);
    return old;
}

/* A CAS that fails writes nothing, so it releases nothing: it is a load.
 * Release only when it can succeed (a value changed in between makes a
 * rare, harmless-to-correct-programs extra edge; never a missing one). */
bool atomic64_cas(atomic64_t *a, int64_t old, int64_t new_)
{
    HIDE(a);
    if (__atomic_load_n(&a->v_, __ATOMIC_SEQ_CST) != old) {
        race_acquire(a);
        return false;
    }
    race_release(a);
    bool ok =
        __atomic_compare_exchange_n(&a->v_, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    race_acquire(a);
    return ok;
}

bool atomicbool_load(atomicbool_t *b)
{
    HIDE(b);
    bool v = __atomic_load_n(&b->v_, __ATOMIC_SEQ_CST) != 0;
    race_acquire(b);
    return v;
}

void atomicbool_store(atomicbool_t *b, bool v)
{
    HIDE(b);
    race_release(b);
    __atomic_store_n(&b->v_, v ? 1u : 0u, __ATOMIC_SEQ_CST);
}

bool atomicbool_swap(atomicbool_t *b, bool v)
{
    HIDE(b);
    race_release(b);
    bool old = __atomic_exchange_n(&b->v_, v ? 1u : 0u, __ATOMIC_SEQ_CST) != 0;
    race_acquire(b);
    return old;
}

bool atomicbool_cas(atomicbool_t *b, bool old, bool new_)
{
    HIDE(b);
    if ((__atomic_load_n(&b->v_, __ATOMIC_SEQ_CST) != 0) != old) {
        race_acquire(b);
        return false;
    }
    race_release(b);
    uint32_t o = old ? 1u : 0u;
    bool ok = __atomic_compare_exchange_n(&b->v_, &o, new_ ? 1u : 0u, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST);
    race_acquire(b);
    return ok;
}

void *atomicptr_load(atomicptr_t *p)
{
    HIDE(p);
    void *v = __atomic_load_n(&p->v_, __ATOMIC_SEQ_CST);
    race_acquire(p);
    return v;
}

void atomicptr_store(atomicptr_t *p, void *v)
{
    HIDE(p);
    race_release(p);
    __atomic_store_n(&p->v_, v, __ATOMIC_SEQ_CST);
}

void *atomicptr_swap(atomicptr_t *p, void *v)
{
    HIDE(p);
    race_release(p);
    void *old = __atomic_exchange_n(&p->v_, v, __ATOMIC_SEQ_CST);
    race_acquire(p);
    return old;
}

bool atomicptr_cas(atomicptr_t *p, void *old, void *new_)
{
    HIDE(p);
    if (__atomic_load_n(&p->v_, __ATOMIC_SEQ_CST) != old) {
        race_acquire(p);
        return false;
    }
    race_release(p);
    bool ok =
        __atomic_compare_exchange_n(&p->v_, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    race_acquire(p);
    return ok;
}
