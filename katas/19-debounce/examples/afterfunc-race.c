/*
 * afterfunc-race: the debouncer most people write first, with AfterFunc, and
 * the race in it.
 *
 *   make example KATA=19 NAME=afterfunc-race
 *   make example KATA=19 NAME=afterfunc-race DETECTOR=tsan
 *
 * In Go:
 *     func (d *Debouncer) Trigger(v int) {
 *         d.latest = v                            // written by the caller...
 *         if d.t != nil { d.t.Stop() }
 *         d.t = time.AfterFunc(d.quiet, func() {
 *             d.emit(d.latest)                    // ...read by the timer's goroutine
 *         })
 *     }
 *
 * It looks right, and plain runs print sensible values. But the function
 * AfterFunc runs is a goroutine of its own, and nothing orders its read of
 * latest with the caller's next write: a data race, on every value that
 * arrives after a send. (Stopping a timer whose function has already
 * started doesn't wait for it either.) Here values come every 100 ms with
 * quiet 50 ms, so each one is sent, and the caller overwrites latest while
 * the timer's goroutine may be reading it. Plain, you will see:
 *
 *   sent 1 at 50 ms
 *   sent 2 at 150 ms
 *   sent 3 at 250 ms
 *   sent 4 at 350 ms
 *
 * Under DETECTOR=tsan (or helgrind) the same, plus a report naming the two
 * lines: the write in trigger and the read in fire:
 *
 *   WARNING: ThreadSanitizer: data race
 *     Write of size 4 at ... by thread T3:
 *       #0 trigger katas/19-debounce/examples/afterfunc-race.c:64
 *     Previous read of size 4 at ... by thread T4:
 *       #0 fire katas/19-debounce/examples/afterfunc-race.c:58
 *
 * The fix is task 1's shape: ONE goroutine owns latest and both timers, and
 * everything else talks to it through channels (or guard latest with a
 * mutex, in Trigger and in the function alike).
 */
#include <stdio.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

typedef struct {
    go_duration_t quiet;
    int latest;    /* shared by trigger's caller and fire: no lock */
    go_timer_t *t; /* the pending AfterFunc */
} debouncer_t;

static void fire(void *arg)
{
    debouncer_t *d = arg;
    printf("sent %d at %lld ms\n", d->latest, /* read in the timer's goroutine */
           (long long)((time_now() - EPOCH_2000) / MILLISECOND));
}

static void trigger(debouncer_t *d, int v)
{
    d->latest = v; /* written in the caller's goroutine */
    if (d->t) timer_free(d->t);
    d->t = time_after_func(d->quiet, fire, d);
}

static void body(void *arg)
{
    (void)arg;
    static debouncer_t d = {.quiet = 50 * MILLISECOND};
    for (int v = 1; v <= 4; v++) {
        trigger(&d, v);
        go_sleep(100 * MILLISECOND);
    }
    timer_free(d.t);
}

int main(void)
{
    go_synctest(body, NULL);
    return 0;
}
