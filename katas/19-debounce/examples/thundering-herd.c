/*
 * thundering-herd: a cache miss that every caller pays for.
 *
 *   make example KATA=19 NAME=thundering-herd
 *
 * A cache in front of a slow database (1 s a query), guarded by a mutex as
 * it should be. Twenty requests for the same key arrive within 100 ms of a
 * cold start. Each looks the key up, misses (the first query has not
 * returned yet), and queries the database itself. In Go:
 *
 *     mu.Lock(); v, ok := cache[key]; mu.Unlock()
 *     if !ok { v = db.Query(key); mu.Lock(); cache[key] = v; mu.Unlock() }
 *
 * Correct, race-free, and the database gets twenty identical queries at
 * once: on a busy site, right after a deploy or when a hot key expires, that
 * is how a database falls over. You will see:
 *
 *   20 requests for "user:42": 20 database queries, the last done at 1095 ms
 *
 * With singleflight (task 2) around the query, the twenty share one query:
 * one call in flight per key, its result handed to everyone who asked while
 * it ran. Try it: replace the query in lookup with your sf_do.
 */
#include <stdio.h>
#include <string.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

static mutex_t mu;
static bool cached; /* a one-entry cache, enough here */
static long cached_value;
static atomic64_t queries;
static wg_t wg;
static go_duration_t last_done;

static long db_query(const char *key)
{
    atomic64_add(&queries, 1);
    go_sleep(SECOND); /* the round trip */
    return (long)strlen(key);
}

static void lookup(void *arg)
{
    go_sleep((go_duration_t)(long)arg * 5 * MILLISECOND); /* arrive 0..95 ms */
    mutex_lock(&mu);
    bool hit = cached;
    long v = cached_value;
    mutex_unlock(&mu);
    if (!hit) {
        v = db_query("user:42");
        mutex_lock(&mu);
        cached = true;
        cached_value = v;
        last_done = time_now() - EPOCH_2000;
        mutex_unlock(&mu);
    }
    (void)v;
    wg_done(&wg);
}

static void body(void *arg)
{
    (void)arg;
    wg_add(&wg, 20);
    for (long i = 0; i < 20; i++)
        go(lookup, (void *)i);
    wg_wait(&wg);
    printf("20 requests for \"user:42\": %ld database queries, the last done at %lld ms\n",
           (long)atomic64_load(&queries), (long long)(last_done / MILLISECOND));
}

int main(void)
{
    go_synctest(body, NULL);
    return 0;
}
