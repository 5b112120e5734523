/*
 * race-counter: two goroutines add to one counter with `hits++`, and the
 * race detectors say so, each in its own words.
 *
 *   Go:   var hits int
 *         for range 2 { wg.Add(1); go func() { defer wg.Done(); for range 1000 { hits++ } }() }
 *         wg.Wait()                                // go run -race . reports it
 *
 * `hits++` is three steps: load, add, store. Two goroutines that load the
 * same old value both store value+1, and one visit is lost. The total is
 * right on most runs: the bug is there on every run, and the detectors,
 * which look at the order of memory accesses, not at the answer, see it on
 * every run.
 *
 * Run:  make example KATA=15 NAME=race-counter
 *   hits = 2000 (expected 2000)
 * (nearly always: an update is lost only when the other goroutine runs
 * between one's load and its store, a window of a few instructions.)
 *
 * Run:  make example KATA=15 NAME=race-counter DETECTOR=tsan
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 8 at 0x... by thread T4:
 *       #0 count katas/15-debugging/examples/race-counter.c:69 (...)
 *       #1 run_goroutine runtime/src/goroutine.c:328 (...)
 *
 *     Previous write of size 8 at 0x... by thread T3:
 *       #0 count katas/15-debugging/examples/race-counter.c:69 (...)
 *       #1 run_goroutine runtime/src/goroutine.c:328 (...)
 *
 *     Location is global 'hits' of size 8 at 0x... (...)
 *
 *     Thread T4 (tid=..., running) created by main thread at:
 *       #0 pthread_create ...
 *       #1 create runtime/src/spawn.c:48 (...)
 *       #2 start_counters katas/15-debugging/examples/race-counter.c:79 (...)
 *       #3 main katas/15-debugging/examples/race-counter.c:85 (...)
 *     ...
 *   SUMMARY: ThreadSanitizer: data race katas/15-debugging/examples/race-counter.c:69 in count
 *   ==================
 *   ThreadSanitizer: reported 1 warnings
 *   hits = 2000 (expected 2000)
 *   (exit status 66)
 *
 * Run:  make example KATA=15 NAME=race-counter DETECTOR=helgrind
 *   ==...== Possible data race during read of size 8 at 0x... by thread #6
 *   ==...== Locks held: none
 *   ==...==    at 0x...: count (race-counter.c:69)
 *   ==...==    by 0x...: run_goroutine (goroutine.c:328)
 *   ...
 *   ==...== This conflicts with a previous write of size 8 by thread #5
 *   ==...== Locks held: none
 *   ==...==    at 0x...: count (race-counter.c:69)
 *   ...
 *   ==...==  Address 0x... is 0 bytes inside data symbol "hits"
 *
 * README.md reads both reports line by line. The fix: a mutex around the
 * increment, or an atomic64_t (atomic64_add).
 */
#include <stdio.h>

#include "gokata.h"

static long hits; /* shared by both goroutines, guarded by nothing: the bug */
static wg_t wg;

static void count(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        hits++;     /* load, add 1, store: three steps another goroutine can split */
        go_yield(); /* a pause in the work, for the other goroutine */
    }
    wg_done(&wg);
}

static void start_counters(int n)
{
    for (int g = 0; g < n; g++) {
        wg_add(&wg, 1);
        go(count, NULL);
    }
}

int main(void)
{
    start_counters(2);
    wg_wait(&wg);
    printf("hits = %ld (expected 2000)\n", hits);
    return 0;
}
