/*
 * cas-loop: a running maximum kept by many goroutines. "If v is bigger,
 * store it" loses; a compare-and-swap loop does not. This one works (the
 * CAS half), and shows why the other half doesn't.
 *
 *   Go:   // wrong: check, then act
 *         if v > max.Load() { max.Store(v) }
 *
 *         // right: a CAS loop
 *         for {
 *             old := max.Load()
 *             if v <= old || max.CompareAndSwap(old, v) { break }
 *         }
 *
 * Two goroutines observe rising values, interleaved (one the odd numbers,
 * the other the even ones), 50 runs of 1..200000. Before each observe, each
 * checks that max is still at least the last value it observed itself: the
 * max can only go up, after all. With "load, compare, store", goroutine A
 * loads 41, goroutine B stores 42, A stores its 41 over it: the max went
 * down, and if that happens at the very end, the run ends with the wrong
 * maximum. Every operation is atomic, so neither detector reports a thing:
 * this is a race condition in the logic, not a data race. The CAS says
 * "store v only if max is still old": A's CAS fails (max is 42 now), A
 * loads again, sees 42 >= 41, and leaves it.
 *
 * Run:  make example KATA=06 NAME=cas-loop
 * You will see something like this (the first line changes from run to run,
 * and with how many cores are free: the bug needs the two goroutines to run
 * at the same moment, or one to be preempted between its load and its store):
 *   load, then store: the max went down 2 times; it ended below 200000 in 5 of 50 runs
 *   CAS loop:         the max went down 0 times; it ended below 200000 in 0 of 50 runs
 *   (exit status 0)
 * Under DETECTOR=tsan: the same, and no race reported. (Helgrind agrees, but
 * takes a minute or more.)
 */
#include <stdio.h>

#include "gokata.h"

enum { N = 200000, RUNS = 50 };

static atomic64_t max_value, went_down;

static void observe_load_store(int64_t v)
{
    if (v > atomic64_load(&max_value)) /* check... */
        atomic64_store(&max_value, v); /* ...then act: max may have grown meanwhile */
}

static void observe_cas(int64_t v)
{
    for (;;) {
        int64_t old = atomic64_load(&max_value);
        if (v <= old) return;                         /* already at least v: nothing to do */
        if (atomic64_cas(&max_value, old, v)) return; /* still old: stored */
        /* someone changed max between our load and our CAS: look again */
    }
}

typedef struct {
    void (*observe)(int64_t v);
    int64_t first;
    wg_t *wg;
    chan_t *start;
} observer_t;

static void observe_every_other(void *arg)
{
    observer_t *o = arg;
    chan_recv(o->start, NULL); /* both start together */
    int64_t mine = 0;          /* the last value this goroutine observed */
    for (int64_t v = o->first; v <= N; v += 2) {
        /* The max never goes down: it must still be at least mine. */
        if (atomic64_load(&max_value) < mine) atomic64_add(&went_down, 1);
        o->observe(v);
        mine = v;
    }
    wg_done(o->wg);
}

/* One run: two goroutines observe 1..N between them. True if max ended at N. */
static bool run_once(void (*observe)(int64_t))
{
    atomic64_store(&max_value, 0);
    wg_t wg = {0};
    chan_t *start = chan_make(0, 0);
    observer_t odd = {observe, 1, &wg, start}, even = {observe, 2, &wg, start};
    wg_add(&wg, 2);
    go(observe_every_other, &odd);
    go(observe_every_other, &even);
    chan_close(start);
    wg_wait(&wg);
    chan_free(start);
    return atomic64_load(&max_value) == N;
}

static void run(const char *label, void (*observe)(int64_t))
{
    atomic64_store(&went_down, 0);
    int wrong = 0;
    for (int r = 0; r < RUNS; r++)
        wrong += !run_once(observe);
    printf("%s the max went down %ld times; it ended below %d in %d of %d runs\n", label,
           (long)atomic64_load(&went_down), N, wrong, RUNS);
}

int main(void)
{
    run("load, then store:", observe_load_store);
    run("CAS loop:        ", observe_cas);
    return 0;
}
