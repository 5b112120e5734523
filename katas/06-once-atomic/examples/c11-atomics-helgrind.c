/*
 * c11-atomics-helgrind: correct C11 atomics, which Helgrind reports anyway;
 * the same program with atomicbool_t, which it doesn't.
 *
 *   Go:   var ready atomic.Bool
 *         go func() { data = 42; ready.Store(true) }()
 *         for !ready.Load() { runtime.Gosched() }
 *         fmt.Println(data)
 *
 * A goroutine writes `data`, then sets a flag; main waits for the flag, then
 * reads `data`. With a release store and an acquire load (what C11's
 * atomic_store and atomic_load do by default, and Go's atomics too), the
 * write of data happens before the read: correct C, and ThreadSanitizer
 * agrees. Helgrind does not understand C11 atomics: it sees no
 * synchronization between the two threads, and reports the read of data as
 * a race with its write. The runtime's atomicbool_t does the same operations
 * and also tells Helgrind what they mean (ANNOTATE_HAPPENS_BEFORE/AFTER), so
 * the second half is clean under both detectors.
 *
 * Run:  make example KATA=06 NAME=c11-atomics-helgrind DETECTOR=helgrind
 * You will see one report, for the C11 half only:
 *   ==...== Possible data race during read of size 4 at ... by thread #1
 *   ==...== Locks held: none
 *   ==...==    at 0x...: c11_half (c11-atomics-helgrind.c:61)
 *   ...
 *   ==...== This conflicts with a previous write of size 4 by thread #5
 *   ==...== Locks held: none
 *   ==...==    at 0x...: c11_publish (c11-atomics-helgrind.c:52)
 *   ...
 *   C11 atomics: data = 42
 *   atomicbool_t: data = 42
 *   (exit status 0)
 *
 * Run:  make example KATA=06 NAME=c11-atomics-helgrind DETECTOR=tsan
 * You will see no warning at all:
 *   C11 atomics: data = 42
 *   atomicbool_t: data = 42
 *   (exit status 0)
 */
#include <stdatomic.h>
#include <stdio.h>

#include "gokata.h"

static int c11_data, gk_data;
static atomic_bool c11_ready;
static atomicbool_t gk_ready;

static void c11_publish(void *arg)
{
    (void)arg;
    c11_data = 42;
    atomic_store(&c11_ready, true); /* release (and more: seq_cst) */
}

static void c11_half(void)
{
    go(c11_publish, NULL);
    while (!atomic_load(&c11_ready)) /* acquire: sees data = 42 after it */
        go_yield();
    printf("C11 atomics: data = %d\n", c11_data);
}

static void gk_publish(void *arg)
{
    (void)arg;
    gk_data = 42;
    atomicbool_store(&gk_ready, true);
}

static void gk_half(void)
{
    go(gk_publish, NULL);
    while (!atomicbool_load(&gk_ready))
        go_yield();
    printf("atomicbool_t: data = %d\n", gk_data);
}

int main(void)
{
    c11_half();
    gk_half();
    return 0;
}
