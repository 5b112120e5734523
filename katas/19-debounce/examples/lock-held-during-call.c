/*
 * lock-held-during-call: coalescing by holding one lock across the slow
 * call. It does stop the duplicate queries, and it makes every key wait for
 * every other.
 *
 *   make example KATA=19 NAME=lock-held-during-call
 *
 * The "simple" fix for a thundering herd: take the cache's mutex, and if
 * the key is missing, query the database while still holding it, so nobody
 * else can query at the same time. In Go:
 *
 *     mu.Lock(); defer mu.Unlock()
 *     if v, ok := cache[key]; ok { return v }
 *     v := db.Query(key)                      // 1 s, under the lock
 *     cache[key] = v
 *
 * Five requests for five DIFFERENT keys arrive together. Each query takes
 * 1 s; they could all run at once and be done at 1 s. Under the one lock they
 * run one after the other. You will see:
 *
 *   5 keys, 5 queries: answered at 1000 ms, 2000 ms, 3000 ms, 4000 ms, 5000 ms
 *
 * (the order of the keys varies; the times do not). The lock here is a
 * channel of capacity 1 (send to lock, receive to unlock), because the
 * virtual clock of go_synctest does not move while a goroutine waits for a
 * mutex_t (as in Go's synctest, a Mutex is not "durably blocking"): with a
 * mutex_t this program stops with "all goroutines are asleep - deadlock!",
 * and so does a test of task 2 whose sf_do holds its mutex while fn sleeps.
 * Never hold a lock across
 * a call that blocks: singleflight (task 2) holds its lock only to look up
 * and update its table of calls in flight, and runs the call unlocked.
 */
#include <stdio.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

static chan_t *lock; /* a mutex: capacity 1, full while held */
static bool cached[5];
static wg_t wg;
static go_duration_t done_at[5];
static int ndone;

static void lookup(void *arg)
{
    long key = (long)arg;
    chan_send(lock, NULL); /* lock */
    if (!cached[key]) {
        go_sleep(SECOND); /* the query, with the lock held */
        cached[key] = true;
    }
    done_at[ndone++] = time_now() - EPOCH_2000;
    chan_recv(lock, NULL); /* unlock */
    wg_done(&wg);
}

static void body(void *arg)
{
    (void)arg;
    lock = chan_make(0, 1);
    wg_add(&wg, 5);
    for (long k = 0; k < 5; k++)
        go(lookup, (void *)k);
    wg_wait(&wg);
    printf("5 keys, 5 queries: answered at");
    for (int i = 0; i < ndone; i++)
        printf("%s %lld ms", i ? "," : "", (long long)(done_at[i] / MILLISECOND));
    printf("\n");
    chan_free(lock);
}

int main(void)
{
    go_synctest(body, NULL);
    return 0;
}
