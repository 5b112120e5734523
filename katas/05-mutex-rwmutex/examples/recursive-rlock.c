/*
 * recursive-rlock: a reader takes the read lock a second time while a
 * writer waits. With writer preference that is a deadlock: the second
 * RLock queues behind the writer, and the writer waits for the first RLock,
 * held by the same goroutine, which now waits for the writer.
 *
 *   Go:   func (c *Cache) Total() int {
 *             c.mu.RLock(); defer c.mu.RUnlock()
 *             return c.Get("EUR") + c.Get("GBP") // Get calls c.mu.RLock() again
 *         }
 *
 * It works in every test that has no writer, and deadlocks in production
 * the first time a writer arrives between the two RLocks. Go's
 * documentation forbids it: "a blocked Lock call excludes new readers from
 * acquiring the lock", so no recursive read locking. (This is why the
 * kata's cache_range says its fn must not call any cache_ function.)
 *
 * Run:  make example KATA=05 NAME=recursive-rlock
 * You will see (the goroutines may be listed in another order):
 *   total: read lock held, reading EUR...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [sync.RWMutex.RLock]:
 *   get(...)
 *           katas/05-mutex-rwmutex/examples/recursive-rlock.c:42
 *
 *   goroutine 2 [sync.RWMutex.Lock]:
 *   writer(...)
 *           katas/05-mutex-rwmutex/examples/recursive-rlock.c:51
 *   ...
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

static rwmutex_t rw;
static long long eur = 1090000, gbp = 1270000; /* guarded by rw */

static long long get(const long long *rate)
{
    rwmutex_rlock(&rw); /* a second read lock, in the same goroutine */
    long long v = *rate;
    rwmutex_runlock(&rw);
    return v;
}

static void writer(void *arg)
{
    (void)arg;
    rwmutex_lock(&rw); /* waits for total's read lock */
    eur += 5000;
    rwmutex_unlock(&rw);
}

int main(void)
{
    rwmutex_rlock(&rw);
    printf("total: read lock held, reading EUR...\n");
    fflush(stdout);
    go(writer, NULL);
    go_wait_idle(); /* the unlucky moment: a writer arrives now */
    long long total = get(&eur) + get(&gbp);
    rwmutex_runlock(&rw);
    printf("never printed: %lld\n", total);
    return 0;
}
