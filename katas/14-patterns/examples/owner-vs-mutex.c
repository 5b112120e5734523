/*
 * owner-vs-mutex: the counts of racy-map.c done right, twice. Four
 * goroutines each add 1 to "hits" 5,000 times:
 *
 *   - owner: one goroutine owns the table and is the only one to touch it;
 *     the others send it requests on a channel (share memory by
 *     communicating). Each add is a request and a reply: two channel
 *     handoffs, each a wake-up of another goroutine.
 *   - mutex: the table is shared, and a mutex orders every use of it. Each
 *     add is a lock and an unlock, mostly without waiting for anyone.
 *
 *   Go:   owner:  for r := range reqs { t[r.key] += r.delta; r.reply <- t[r.key] }
 *         mutex:  mu.Lock(); t[key] += delta; v := t[key]; mu.Unlock()
 *
 * Both are exact, and both are clean under the detectors (DETECTOR=tsan,
 * DETECTOR=helgrind). For a map of counters the mutex is shorter and many
 * times faster: that is the roadmap's "a mutex for shared access to a
 * variable". The owner earns its keep when the state has a life of its own
 * (timers, a state machine, work to do between requests: the batcher of
 * task 4), or when the requests are the work to hand over.
 *
 * Run:  make example KATA=14 NAME=owner-vs-mutex
 * You will see (the times vary with the machine, the ratio much less):
 *   owner goroutine: hits = 20000, 20000 adds in 104.1 ms (5206 ns each)
 *   mutex:           hits = 20000, 20000 adds in 0.9 ms (45 ns each)
 */
#include <stdio.h>

#include "patterns.h"

table_watch_t table_watch;

enum { GOROUTINES = 4, N = 5000 };

/* ---- the owner ---- */

typedef struct {
    const char *key;
    long delta;
    chan_t *reply; /* long; the client's own */
} request_t;

static void owner(void *arg)
{
    chan_t *reqs = arg;
    table_t *t = table_new(); /* local: no other goroutine can even name it */
    request_t r;
    while (chan_recv(reqs, &r)) {
        long v = *table_find_or_add(t, r.key) += r.delta;
        chan_send(r.reply, &v);
    }
    table_free(t);
}

typedef struct {
    chan_t *gate; /* closed once all are started: they run at the same time */
    chan_t *reqs;
    mutex_t *mu;
    table_t *t;
    wg_t *wg;
} client_t;

static void owner_client(void *arg)
{
    client_t *c = arg;
    chan_t *reply = chan_make(sizeof(long), 1);
    chan_recv(c->gate, NULL);
    for (int i = 0; i < N; i++) {
        request_t r = {"hits", 1, reply};
        long v;
        chan_send(c->reqs, &r);
        chan_recv(reply, &v);
    }
    chan_free(reply);
    wg_done(c->wg);
}

/* ---- the mutex ---- */

static void mutex_client(void *arg)
{
    client_t *c = arg;
    chan_recv(c->gate, NULL);
    for (int i = 0; i < N; i++) {
        mutex_lock(c->mu);
        *table_find_or_add(c->t, "hits") += 1;
        mutex_unlock(c->mu);
    }
    wg_done(c->wg);
}

static void report(const char *how, long hits, go_duration_t took)
{
    printf("%s hits = %ld, %d adds in %.1f ms (%.0f ns each)\n", how, hits, GOROUTINES * N,
           (double)took / MILLISECOND, (double)took / (GOROUTINES * N));
}

int main(void)
{
    wg_t wg = {0};

    chan_t *reqs = chan_make(sizeof(request_t), 0);
    go(owner, reqs);
    client_t c = {.gate = chan_make(0, 0), .reqs = reqs, .wg = &wg};
    wg_add(&wg, GOROUTINES);
    for (int g = 0; g < GOROUTINES; g++)
        go(owner_client, &c);
    go_time_t start = time_now();
    chan_close(c.gate);
    wg_wait(&wg);
    go_duration_t took = time_since(start);
    chan_t *reply = chan_make(sizeof(long), 1);
    request_t r = {"hits", 0, reply}; /* adding 0 reads it */
    long hits;
    chan_send(reqs, &r);
    chan_recv(reply, &hits);
    report("owner goroutine:", hits, took);
    chan_close(reqs);
    chan_free(reply);
    chan_free(c.gate);

    mutex_t mu = {0};
    client_t m = {.gate = chan_make(0, 0), .mu = &mu, .t = table_new(), .wg = &wg};
    wg_add(&wg, GOROUTINES);
    for (int g = 0; g < GOROUTINES; g++)
        go(mutex_client, &m);
    start = time_now();
    chan_close(m.gate);
    wg_wait(&wg);
    took = time_since(start);
    report("mutex:          ", *table_find(m.t, "hits"), took);
    table_free(m.t);
    chan_free(m.gate);
    return 0;
}
