/*
 * goroutine-per-job: 200 requests to a service that serves 8 at a time.
 * One goroutine per request sends all 200 at once; a pool of 8 workers
 * never sends more than 8.
 *
 *   Go:   for _, r := range requests { go call(r) }          // unbounded
 *
 *         jobs := make(chan Request)                        // a pool of 8
 *         for w := 0; w < 8; w++ { go func() { for r := range jobs { call(r) } }() }
 *         for _, r := range requests { jobs <- r }
 *         close(jobs)
 *
 * Goroutines are cheap, but what they do is not: each one here opens a
 * request to a service (a database, an API) that has room for 8 at once
 * and turns the rest away (after 10ms). "A goroutine per job" has no limit at all: with
 * 200 jobs, 200 goroutines (here 200 threads, each with its stack) and 200
 * requests at once. A pool bounds all three by its number of workers: it
 * takes longer, and nothing is turned away. The bound is the point of a
 * pool (a semaphore, a buffered channel of 8 tokens, bounds the same way).
 *
 * The program runs in virtual time (go_synctest): each request takes
 * exactly 100ms, and the figures are the same every run.
 *
 * Run:  make example KATA=08 NAME=goroutine-per-job
 * You will see:
 *   a goroutine per job: 202 goroutines at most, 200 requests at once, 192 turned away, 0.100s
 *   a pool of 8 workers: 10 goroutines at most, 8 requests at once, 0 turned away, 2.500s
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

enum { REQUESTS = 200, SERVICE_ROOM = 8, WORKERS = 8 };

/* The service, and what the callers saw of it. */
typedef struct {
    atomic64_t inside, most_inside; /* requests in progress, and their peak */
    atomic64_t turned_away;
    atomic64_t most_goroutines; /* go_numgoroutine() at its peak */
    wg_t wg;
    chan_t *jobs; /* the pool's */
} service_t;

static void peak(atomic64_t *most, int64_t n)
{
    int64_t m;
    while (n > (m = atomic64_load(most)) && !atomic64_cas(most, m, n)) {
    }
}

/* One request: 100ms of work, or, when the service is full, 10ms to be
 * turned away. */
static void call(service_t *s)
{
    int64_t n = atomic64_add(&s->inside, 1);
    peak(&s->most_inside, n);
    peak(&s->most_goroutines, go_numgoroutine());
    if (n > SERVICE_ROOM) {
        atomic64_add(&s->turned_away, 1); /* "503 Service Unavailable" */
        go_sleep(10 * MILLISECOND);
    } else {
        go_sleep(100 * MILLISECOND);
    }
    atomic64_add(&s->inside, -1);
}

static void one_request(void *arg)
{
    service_t *s = arg;
    call(s);
    wg_done(&s->wg);
}

static void worker(void *arg)
{
    service_t *s = arg;
    int r;
    while (chan_recv(s->jobs, &r))
        call(s);
    wg_done(&s->wg);
}

static void report(const char *how, service_t *s, go_duration_t took)
{
    printf("%s: %lld goroutines at most, %lld requests at once, %lld turned away, %.3fs\n", how,
           (long long)atomic64_load(&s->most_goroutines), (long long)atomic64_load(&s->most_inside),
           (long long)atomic64_load(&s->turned_away), (double)took / SECOND);
}

static void unbounded(void *unused)
{
    (void)unused;
    service_t s = {0};
    go_time_t start = time_now();
    wg_add(&s.wg, REQUESTS);
    for (int r = 0; r < REQUESTS; r++)
        go(one_request, &s);
    wg_wait(&s.wg);
    report("a goroutine per job", &s, time_since(start));
}

static void pooled(void *unused)
{
    (void)unused;
    service_t s = {.jobs = chan_make(sizeof(int), 0)};
    go_time_t start = time_now();
    wg_add(&s.wg, WORKERS);
    for (int w = 0; w < WORKERS; w++)
        go(worker, &s);
    for (int r = 0; r < REQUESTS; r++)
        chan_send(s.jobs, &r);
    chan_close(s.jobs);
    wg_wait(&s.wg);
    report("a pool of 8 workers", &s, time_since(start));
    chan_free(s.jobs);
}

int main(void)
{
    go_synctest(unbounded, NULL);
    go_synctest(pooled, NULL);
    return 0;
}
