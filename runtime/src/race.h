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
#include <stdlib.h>
#include <valgrind/helgrind.h>

void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));
void __tsan_func_entry(void *call_pc) __attribute__((weak));
void __tsan_func_exit(void) __attribute__((weak));

/*
 * Whether the program runs under Valgrind, read once before main (race.c).
 * A client request costs a few nanoseconds even outside Valgrind, and the
 * hottest paths (Mutex, channels) make several per operation; a branch on
 * this flag costs nothing.
 */
extern int rt_valgrind; /* -1 until known, then 0 or 1 */
int rt_valgrind_init(void);
#define UNDER_VALGRIND (__builtin_expect(rt_valgrind != 0, 0) && (rt_valgrind > 0 || rt_valgrind_init()))

/* Whether a detector watches: without one, the runtime may skip work done
 * only for the detectors (the anchors of buffered handoffs, in chan.c). */
static inline int race_enabled(void)
{
    return __tsan_acquire != NULL || UNDER_VALGRIND;
}

static inline void race_release(void *addr)
{
    if (__tsan_release) __tsan_release(addr);
    if (UNDER_VALGRIND) ANNOTATE_HAPPENS_BEFORE(addr);
}

static inline void race_acquire(void *addr)
{
    if (UNDER_VALGRIND) ANNOTATE_HAPPENS_AFTER(addr);
    if (__tsan_acquire) __tsan_acquire(addr);
}

/* Forget every release on addr: its memory is about to be reused. TSan does
 * this by itself when memory is freed; Helgrind needs telling. */
static inline void race_forget(void *addr)
{
    if (UNDER_VALGRIND) ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(addr);
}

/* Runtime bookkeeping, ordered by the runtime's invisible locks: Helgrind
 * must not check it. TSan never sees it (the runtime is not instrumented). */
static inline void race_untrack(const void *p, size_t n)
{
    if (UNDER_VALGRIND) VALGRIND_HG_DISABLE_CHECKING(p, n);
}

/* Before freeing untracked memory: whoever gets it next is checked again. */
static inline void race_retrack(const void *p, size_t n)
{
    if (UNDER_VALGRIND) VALGRIND_HG_ENABLE_CHECKING(p, n);
}

void __tsan_ignore_thread_begin(void) __attribute__((weak));
void __tsan_ignore_thread_end(void) __attribute__((weak));

/*
 * Frees runtime memory (n bytes, re-tracked for Helgrind's next user).
 * ThreadSanitizer checks a free against every earlier access, the
 * allocation's zeroing included; the runtime's own, invisible
 * synchronization orders those (a context freed by the goroutine that
 * released it last, a goroutine by the thread that ran it), so TSan is told
 * to look away for the free itself, and only for it.
 */
static inline void rt_free(void *p, size_t n)
{
    if (!p) return;
    race_retrack(p, n);
    if (__tsan_ignore_thread_begin) __tsan_ignore_thread_begin();
    free(p);
    if (__tsan_ignore_thread_end) __tsan_ignore_thread_end();
}

/* realloc of runtime memory: it may free the old block (see rt_free). */
static inline void *rt_realloc(void *p, size_t old_n, size_t n)
{
    if (p) race_retrack(p, old_n);
    if (__tsan_ignore_thread_begin) __tsan_ignore_thread_begin();
    void *q = realloc(p, n);
    if (__tsan_ignore_thread_end) __tsan_ignore_thread_end();
    race_untrack(q ? q : p, q ? n : old_n);
    return q;
}

#endif
