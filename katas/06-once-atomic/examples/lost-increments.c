/*
 * lost-increments: `hits++` from many goroutines loses hits; atomic64_add
 * does not.
 *
 *   Go:   var hits int64           // wrong
 *         go func() { hits++ }()
 *
 *         var hits atomic.Int64    // right
 *         go func() { hits.Add(1) }()
 *
 * Four goroutines each count 5,000,000 hits in a plain int64_t; then four
 * more do the same with an atomic64_t. `hits++` is three steps: load hits
 * into a register, add 1, store it back. Two goroutines that load the same
 * value both store value + 1, and a hit is gone; a goroutine preempted
 * between its load and its store wipes out, when it resumes, everything
 * the others counted meanwhile. atomic64_add is one indivisible step (a
 * `lock xadd` on x86): nothing can come between.
 *
 * The plain counter is `volatile` here only so that the compiler does the
 * load and the store on every iteration, as it would in a real program
 * where each increment is far from the next: volatile stops the compiler
 * from keeping the value in a register; it does not make ++ atomic.
 *
 * Run:  make example KATA=06 NAME=lost-increments
 * You will see (the plain count changes from run to run):
 *   plain int64_t: 12660145 of 20000000 hits (7339855 lost)
 *   atomic64_t:    20000000 of 20000000 hits (0 lost)
 *   (exit status 0)
 *
 * Run:  make example KATA=06 NAME=lost-increments DETECTOR=tsan
 * You will see a race on the plain counter only:
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 8 at ... by thread T3:
 *       #0 count_plain katas/06-once-atomic/examples/lost-increments.c:60 ...
 *     Previous write of size 8 at ... by thread T6:
 *       #0 count_plain katas/06-once-atomic/examples/lost-increments.c:60 ...
 *     Location is global 'plain_hits' of size 8 at ...
 *   ...
 *   ThreadSanitizer: reported 1 warnings
 *   plain int64_t: 10818156 of 20000000 hits (9181844 lost)
 *   atomic64_t:    20000000 of 20000000 hits (0 lost)
 *   (exit status 66)
 */
#include <stdio.h>

#include "gokata.h"

enum { GOROUTINES = 4, HITS = 5000000 };

static volatile int64_t plain_hits;
static atomic64_t atomic_hits;
static chan_t *start;
static wg_t wg;

static void count_plain(void *arg)
{
    (void)arg;
    chan_recv(start, NULL); /* everyone starts together */
    for (int i = 0; i < HITS; i++)
        plain_hits++; /* load, add, store: another goroutine can come between */
    wg_done(&wg);
}

static void count_atomic(void *arg)
{
    (void)arg;
    chan_recv(start, NULL);
    for (int i = 0; i < HITS; i++)
        atomic64_add(&atomic_hits, 1); /* one step */
    wg_done(&wg);
}

/* Runs count on GOROUTINES goroutines at once, and waits for them. */
static void run(void (*count)(void *))
{
    start = chan_make(0, 0);
    for (int i = 0; i < GOROUTINES; i++) {
        wg_add(&wg, 1);
        go(count, NULL);
    }
    chan_close(start);
    wg_wait(&wg); /* their counting happens before our reading */
    chan_free(start);
}

int main(void)
{
    run(count_plain);
    run(count_atomic);
    long want = (long)GOROUTINES * HITS;
    long plain = (long)plain_hits, atomic = (long)atomic64_load(&atomic_hits);
    printf("plain int64_t: %ld of %ld hits (%ld lost)\n", plain, want, want - plain);
    printf("atomic64_t:    %ld of %ld hits (%ld lost)\n", atomic, want, want - atomic);
    return 0;
}
