/*
 * goroutine-per-item: the total of an order of 20,000 items, twice. First
 * a goroutine per item, each looking up one price and adding it to a shared
 * total behind a mutex (kata 14's order_total, as it was written); then a
 * loop.
 *
 *   Go:   var mu sync.Mutex; var wg sync.WaitGroup
 *         for _, it := range items {
 *             wg.Add(1)
 *             go func() { defer wg.Done(); p := price(it); mu.Lock(); total += p; mu.Unlock() }()
 *         }
 *         wg.Wait()
 *
 *         for _, it := range items { total += price(it) }
 *
 * A look-up takes nanoseconds. A goroutine costs about a microsecond in Go
 * and more here, where each is a thread; the shared total needs a lock,
 * and the WaitGroup a wait. Same answer, nothing gained: the work was
 * never slow enough, nor waiting on anything, to be worth doing at the
 * same time. (Spreading big CPU work over the cores is kata 08: a few
 * workers, not one per item.)
 *
 * Run:  make example KATA=14 NAME=goroutine-per-item
 * You will see (the times vary with the machine):
 *   a goroutine per item: total 6499999, 20000 goroutines started, 125.2 ms
 *   a loop:               total 6499999, 0 goroutines started, 0.01 ms
 */
#include <stdio.h>

#include "gokata.h"

enum { ITEMS = 20000 };

static long prices[ITEMS];

static long price(int item)
{
    return prices[item];
}

typedef struct {
    mutex_t mu;
    long total; /* guarded by mu */
    wg_t wg;
} order_t;

typedef struct {
    order_t *o;
    int item;
} add_t;

static add_t adds[ITEMS];

static void add_one(void *arg)
{
    add_t *a = arg;
    long p = price(a->item);
    mutex_lock(&a->o->mu);
    a->o->total += p;
    mutex_unlock(&a->o->mu);
    wg_done(&a->o->wg);
}

int main(void)
{
    for (int i = 0; i < ITEMS; i++)
        prices[i] = 99 + 450 * (i % 2) + (i % 3);

    order_t o = {0};
    go_leak_mark_t mark = go_leak_mark();
    go_time_t start = time_now();
    for (int i = 0; i < ITEMS; i++) {
        adds[i] = (add_t){&o, i};
        wg_add(&o.wg, 1);
        go(add_one, &adds[i]);
    }
    wg_wait(&o.wg);
    go_duration_t took = time_since(start);
    long started = go_leak_mark().first_id - mark.first_id;
    printf("a goroutine per item: total %ld, %ld goroutines started, %.1f ms\n", o.total, started,
           (double)took / MILLISECOND);

    mark = go_leak_mark();
    start = time_now();
    long total = 0;
    for (int i = 0; i < ITEMS; i++)
        total += price(i);
    took = time_since(start);
    started = go_leak_mark().first_id - mark.first_id;
    printf("a loop:               total %ld, %ld goroutines started, %.2f ms\n", total, started,
           (double)took / MILLISECOND);
    return 0;
}
