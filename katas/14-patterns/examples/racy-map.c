/*
 * racy-map: the kata's table (a map, not safe for concurrent use) shared by
 * four goroutines, each adding 1 to "hits" 1,000,000 times, with no lock and
 * no owner.
 *
 *   Go:   hits := map[string]int{}
 *         for g := 0; g < 4; g++ { go func() { for i := 0; i < N; i++ { hits["hits"]++ } }() }
 *
 * `*v += 1` is a read, an add and a write. Two goroutines that read the same
 * old value both write old + 1: one update is lost. Go's runtime notices a
 * map written concurrently now and then ("fatal error: concurrent map
 * writes"); C notices nothing, and the count is just wrong (how wrong varies
 * from run to run; on a busy or one-core machine it may even come out right,
 * which is the worst case). The detectors see it every time: run it with
 * DETECTOR=tsan for the two accesses, each at its line (Helgrind sees it too,
 * slowly: a million adds each is a lot under Valgrind).
 *
 * The fixes are the kata's tasks 1 and 2: one owner goroutine (see
 * owner-vs-mutex.c), or a mutex around every use.
 *
 * Run:  make example KATA=14 NAME=racy-map
 * You will see (the number varies):
 *   hits = 2976662, expected 4000000: 1023338 updates lost
 * With DETECTOR=tsan: "WARNING: ThreadSanitizer: data race", a read at
 * racy-map.c:45 (in bump, called from count at :54) against a previous
 * write at the same line by another goroutine's thread; the count comes
 * after.
 */
#include <stdio.h>

#include "patterns.h"

table_watch_t table_watch; /* the table's bookkeeping (the kata's tests define it) */

enum { GOROUTINES = 4, N = 1000000 };

static table_t *t;   /* shared by every goroutine, guarded by nothing */
static chan_t *gate; /* closed once all are started: they run at the same time */
static wg_t wg;

/* hits["hits"]++: a read, an add, a write (not inlined, so that the
 * compiler can't fold the loop into one add). */
__attribute__((noinline)) static void bump(long *v)
{
    *v += 1; /* BUG: others read and write it at the same time */
}

static void count(void *unused)
{
    (void)unused;
    chan_recv(gate, NULL);
    long *hits = table_find_or_add(t, "hits");
    for (int i = 0; i < N; i++)
        bump(hits);
    wg_done(&wg);
}

int main(void)
{
    t = table_new();
    table_find_or_add(t, "hits"); /* made before: the goroutines only update it */
    gate = chan_make(0, 0);
    wg_add(&wg, GOROUTINES);
    for (int g = 0; g < GOROUTINES; g++)
        go(count, NULL);
    chan_close(gate);
    wg_wait(&wg);
    long hits = *table_find(t, "hits");
    printf("hits = %ld, expected %d: %ld updates lost\n", hits, GOROUTINES * N,
           (long)GOROUTINES * N - hits);
    table_free(t);
    chan_free(gate);
    return 0;
}
