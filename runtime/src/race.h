/*
 * What the race detectors are told.
 *
 * The runtime is compiled without -fsanitize=thread, and its own locks are
 * futex words that neither ThreadSanitizer nor Helgrind recognise: to both
 * detectors the runtime's bookkeeping is invisible. These helpers add back
 * exactly the edges of Go's memory model, the way Go's runtime calls
 * raceacquire/racerelease:
 *   race_release(x) ... race_acquire(x)  orders everything before the release
 *                                        before everything after the acquire.
 * Both detectors accumulate: an acquire sees every earlier release on x.
 *
 * ThreadSanitizer: __tsan_acquire/__tsan_release, weak so that one runtime
 * build links into plain, TSan and Helgrind programs alike (NULL without TSan).
 * Helgrind: client requests, a few no-op instructions outside Valgrind.
 */
#ifndef GK_RACE_H
#define GK_RACE_H

#include <stddef.h>
#include <valgrind/helgrind.h>

void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

static inline void race_release(void *addr)
{
    if (__tsan_release) __tsan_release(addr);
    ANNOTATE_HAPPENS_BEFORE(addr);
}

static inline void race_acquire(void *addr)
{
    ANNOTATE_HAPPENS_AFTER(addr);
    if (__tsan_acquire) __tsan_acquire(addr);
}

/* Forget every release on addr: its memory is about to be reused. TSan does
 * this by itself when memory is freed; Helgrind needs telling. */
static inline void race_forget(void *addr)
{
    ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(addr);
}

/* Runtime bookkeeping, ordered by the runtime's invisible locks: Helgrind
 * must not check it. TSan never sees it (the runtime is not instrumented). */
static inline void race_untrack(const void *p, size_t n)
{
    VALGRIND_HG_DISABLE_CHECKING(p, n);
}

/* Before freeing untracked memory: whoever gets it next is checked again. */
static inline void race_retrack(const void *p, size_t n)
{
    VALGRIND_HG_ENABLE_CHECKING(p, n);
}

#endif
