/*
 * refcount-relaxed: reference counting with C11 atomics, the decrement
 * done with memory_order_relaxed. The count itself stays right (an atomic
 * RMW never loses a decrement), but relaxed orders nothing else: the
 * reader's reads of the config are not ordered before the free that the
 * other goroutine's last release does. The CPU and compiler may move them
 * past the reader's decrement, and the race detector says so.
 *
 *   Go:   there is nothing to write: the GC frees the old config once no
 *         goroutine can reach it, after every read of it.
 *   C:    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
 *             free(c);   // acq_rel (or release + an acquire fence): not relaxed
 *
 * Run:  make example KATA=13 NAME=refcount-relaxed DETECTOR=tsan
 * You will see three reports; the first two are the free racing with the
 * reader's uses of the config:
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Write of size 8 at 0x... by main thread:
 *       #0 free ...
 *       #1 release katas/13-memory/examples/refcount-relaxed.c:51
 *     Previous atomic write of size 8 at 0x... by thread T3:
 *       #0 release katas/13-memory/examples/refcount-relaxed.c:50
 *       #1 reader katas/13-memory/examples/refcount-relaxed.c:60
 *   ...
 *     Write of size 8 at 0x... by main thread:
 *       #0 free ...
 *     Previous read of size 4 at 0x... by thread T3:
 *       #0 reader katas/13-memory/examples/refcount-relaxed.c:59
 * and the third is main's read of `seen`, which nothing orders after the
 * reader's write either: relaxed publishes nothing.
 *
 * Change memory_order_relaxed to memory_order_acq_rel and TSan is quiet.
 * (Helgrind understands no C11 atomics at all and reports even the correct
 * version: in the kata, use atomic64_t, whose atomic64_add is both a
 * release and an acquire for both detectors.)
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

typedef struct {
    atomic_long refs;
    int version;
} config_t;

static void release(config_t *c)
{
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_relaxed) == 1) /* BUG: relaxed */
        free(c);
}

static int seen;

static void reader(void *arg)
{
    config_t *c = arg; /* our reference, taken for us by main */
    seen = c->version; /* a read that must happen before the free */
    release(c);
}

int main(void)
{
    config_t *c = malloc(sizeof *c);
    atomic_init(&c->refs, 2); /* main's and the reader's */
    c->version = 7;
    go_leak_mark_t mark = go_leak_mark();
    go(reader, c);
    go_leak_check(mark, NULL, 0); /* wait until it has exited: observes, orders nothing */
    release(c);                   /* the last reference: frees, unordered after the read */
    printf("reader saw version %d\n", seen);
    return 0;
}
