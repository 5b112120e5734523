/*
 * writer-preference: once a writer waits for an RWMutex, new readers wait
 * too, even though only readers hold it. This one works; it shows the rule.
 *
 *   Go:   rw.RLock()           // reader 1 is inside
 *         go func() { rw.Lock(); ...; rw.Unlock() }() // a writer waits
 *         rw.TryRLock()        // false: a new reader queues behind the writer
 *
 * Without the rule, a steady stream of readers, overlapping one another,
 * would keep the lock busy forever and the writer would starve. Go's
 * RWMutex (and gokata's) lets the readers already inside finish, then the
 * writer goes, then the readers that queued meanwhile.
 *
 * Run:  make example KATA=05 NAME=writer-preference
 * You will see:
 *   reader 1: inside (read lock held)
 *   writer: waiting for the readers to leave
 *   reader 2: tryrlock while a writer waits -> refused
 *   reader 1: leaving
 *   writer: inside, rate 1090000 -> 1095000
 *   reader 2: inside, rate 1095000
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

static rwmutex_t rw;
static long long rate = 1090000; /* guarded by rw */

static void writer(void *arg)
{
    wg_t *wg = arg;
    printf("writer: waiting for the readers to leave\n");
    fflush(stdout);
    rwmutex_lock(&rw);
    printf("writer: inside, rate %lld -> %lld\n", rate, rate + 5000);
    fflush(stdout);
    rate += 5000;
    rwmutex_unlock(&rw);
    wg_done(wg);
}

int main(void)
{
    rwmutex_rlock(&rw);
    printf("reader 1: inside (read lock held)\n");
    fflush(stdout);

    wg_t wg = {0};
    wg_add(&wg, 1);
    go(writer, &wg);
    go_wait_idle(); /* the writer is now queued (for the demo only: it orders nothing) */

    bool in = rwmutex_tryrlock(&rw);
    printf("reader 2: tryrlock while a writer waits -> %s\n", in ? "got in" : "refused");
    if (in) rwmutex_runlock(&rw);

    printf("reader 1: leaving\n");
    fflush(stdout);
    rwmutex_runlock(&rw);
    wg_wait(&wg);

    rwmutex_rlock(&rw);
    printf("reader 2: inside, rate %lld\n", rate);
    rwmutex_runlock(&rw);
    return 0;
}
