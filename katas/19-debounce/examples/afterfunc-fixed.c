/*
 * afterfunc-fixed: afterfunc-race's debouncer, done right: a mutex in
 * trigger and in fire alike, and a generation number so that a fire that
 * was already running when a newer value came sends nothing stale.
 *
 *   make example KATA=19 NAME=afterfunc-fixed
 *   make example KATA=19 NAME=afterfunc-fixed DETECTOR=tsan      (no report)
 *   make example KATA=19 NAME=afterfunc-fixed DETECTOR=helgrind  (no report)
 *
 * In Go:
 *     func (d *Debouncer) Trigger(v int) {
 *         d.mu.Lock(); defer d.mu.Unlock()
 *         d.latest, d.gen = v, d.gen+1
 *         gen := d.gen
 *         if d.t != nil { d.t.Stop() }
 *         d.t = time.AfterFunc(d.quiet, func() {
 *             d.mu.Lock(); defer d.mu.Unlock()
 *             if d.gen != gen { return }   // a newer value came: not ours to send
 *             d.emit(d.latest)
 *         })
 *     }
 *
 * timer_stop can't stop a function that has already started: it returns
 * false, and the function runs on. The lock orders its read after (or
 * before) trigger's write; the generation makes a fire that lost the race
 * to a newer value do nothing. Here a value comes every 100 ms with quiet
 * 50 ms, then three in quick succession (only the last is sent). You will
 * see:
 *
 *   sent 1 at 50 ms
 *   sent 2 at 150 ms
 *   sent 3 at 250 ms
 *   sent 6 at 370 ms
 *
 * Task 1's loop gets the same without a lock: one goroutine owns latest and
 * the timers, and a timer's fire is just one more case of its select.
 */
#include <stdio.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

typedef struct {
    mutex_t mu; /* guards latest, gen and t */
    go_duration_t quiet;
    int latest;
    long gen; /* bumped by every value: a fire for an older one sends nothing */
    go_timer_t *t;
} debouncer_t;

typedef struct {
    debouncer_t *d;
    long gen; /* the generation this fire was armed for */
} fire_arg_t;

static fire_arg_t args[16]; /* one per value, so a late fire reads its own */

static void fire(void *arg)
{
    fire_arg_t *a = arg;
    mutex_lock(&a->d->mu);
    if (a->d->gen == a->gen)
        printf("sent %d at %lld ms\n", a->d->latest,
               (long long)((time_now() - EPOCH_2000) / MILLISECOND));
    mutex_unlock(&a->d->mu);
}

static void trigger(debouncer_t *d, int v)
{
    mutex_lock(&d->mu);
    d->latest = v;
    d->gen++;
    args[v] = (fire_arg_t){d, d->gen};
    if (d->t) timer_stop(d->t); /* may be too late: then gen says "not yours" */
    go_timer_t *old = d->t;
    d->t = time_after_func(d->quiet, fire, &args[v]);
    mutex_unlock(&d->mu);
    if (old) timer_free(old);
}

static void body(void *arg)
{
    (void)arg;
    static debouncer_t d = {.quiet = 50 * MILLISECOND};
    for (int v = 1; v <= 3; v++) {
        trigger(&d, v);
        go_sleep(100 * MILLISECOND);
    }
    for (int v = 4; v <= 6; v++) { /* 300, 310, 320 ms: one burst */
        trigger(&d, v);
        go_sleep(10 * MILLISECOND);
    }
    go_sleep(SECOND);
    timer_free(d.t);
}

int main(void)
{
    go_synctest(body, NULL);
    return 0;
}
