/*
 * The same three leaks, fixed, and a test-style leak check that finds
 * nothing.
 *
 *   1. first response: the channel has room for every answer
 *      (Go: make(chan int64, len(replicas))); a late send never waits.
 *   2. search with a timeout: room for the one answer (make(chan Result, 1)):
 *      the backend's goroutine hands its late answer over and exits.
 *   3. a poller: a quit channel that the loop's wait selects on, a close
 *      that closes it and waits for the goroutine, and the ticker stopped.
 *
 * Run:  make example KATA=11 NAME=leaks-fixed
 * You will see:
 *   first response: 101
 *   search: timed out
 *   poller: 3 updates, then closed; fetches after close: 0
 *   goroutines alive: 1 (main)
 *   no goroutine leaked
 * Clean under both detectors too (add DETECTOR=tsan or DETECTOR=helgrind).
 */
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

/* ---- 1. first response: room for every answer ---- */

typedef struct {
    chan_t *answers;
    atomic64_t refs; /* the caller's and each replica's: the last one frees */
} race_t;

typedef struct {
    race_t *race;
    int replica;
} ask_t;

static void let_go(race_t *r)
{
    if (atomic64_add(&r->refs, -1) == 0) {
        chan_free(r->answers);
        free(r);
    }
}

static void ask(void *arg)
{
    ask_t a = *(ask_t *)arg;
    free(arg);
    go_sleep((a.replica + 1) * 10 * MILLISECOND);
    long v = 100 * (a.replica + 1) + 1;
    chan_send(a.race->answers, &v); /* never waits: there is room */
    let_go(a.race);
}

static long first(int n)
{
    race_t *r = malloc(sizeof *r);
    r->answers = chan_make(sizeof(long), (size_t)n); /* the fix */
    atomic64_store(&r->refs, n + 1);
    for (int i = 0; i < n; i++) {
        ask_t *a = malloc(sizeof *a);
        *a = (ask_t){.race = r, .replica = i};
        go(ask, a);
    }
    long v;
    chan_recv(r->answers, &v);
    let_go(r);
    return v;
}

/* ---- 2. search with a timeout: room for the late answer ---- */

static atomic64_t searches_alive;

static void backend(void *result)
{
    go_sleep(100 * MILLISECOND);
    int r = 42;
    chan_send(result, &r); /* lands in the buffer: nobody needs to read it */
    if (atomic64_add(&searches_alive, -1) == 0) chan_free(result);
}

static bool search(int *r)
{
    chan_t *result = chan_make(sizeof(int), 1); /* the fix */
    atomic64_store(&searches_alive, 2);
    go(backend, result);
    go_timer_t *t = timer_new(20 * MILLISECOND); /* stopped and freed below, unlike time_after */
    select_case_t cs[] = {select_recv(result, r), select_recv(t->C, NULL)};
    bool ok = chan_select(cs, 2, SELECT_BLOCK) == 0;
    timer_stop(t);
    timer_free(t);
    if (atomic64_add(&searches_alive, -1) == 0) chan_free(result);
    return ok;
}

/* ---- 3. a poller that can be closed ---- */

typedef struct {
    go_ticker_t *tick;
    chan_t *updates, *quit, *finished;
} poller_t;

static atomic64_t fetches;

static void poll(void *arg)
{
    poller_t *p = arg;
    for (;;) {
        select_case_t wait[] = {select_recv(p->tick->C, NULL), select_recv(p->quit, NULL)};
        if (chan_select(wait, 2, SELECT_BLOCK) == 1) break;
        long v = atomic64_add(&fetches, 1);
        select_case_t give[] = {select_send(p->updates, &v), select_recv(p->quit, NULL)};
        if (chan_select(give, 2, SELECT_BLOCK) == 1) break;
    }
    chan_close(p->finished); /* the last thing it does */
}

static void poller_close(poller_t *p)
{
    chan_close(p->quit);
    chan_recv(p->finished, NULL); /* wait until it has exited */
    ticker_stop(p->tick);
    ticker_free(p->tick);
    chan_free(p->updates);
    chan_free(p->quit);
    chan_free(p->finished);
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();

    printf("first response: %ld\n", first(3));

    int r;
    printf("search: %s\n", search(&r) ? "answered" : "timed out");

    poller_t p = {.tick = ticker_new(10 * MILLISECOND),
                  .updates = chan_make(sizeof(long), 0),
                  .quit = chan_make(0, 0),
                  .finished = chan_make(0, 0)};
    go(poll, &p);
    long v;
    for (int i = 0; i < 3; i++)
        chan_recv(p.updates, &v);
    poller_close(&p);
    int64_t after_close = atomic64_load(&fetches);
    go_sleep(200 * MILLISECOND); /* the slow replicas and the backend answer meanwhile */
    printf("poller: 3 updates, then closed; fetches after close: %lld\n",
           (long long)(atomic64_load(&fetches) - after_close));
    printf("goroutines alive: %d (main)\n", go_numgoroutine());

    static char report[8192];
    if (go_leak_check(mark, report, sizeof report) == 0)
        printf("no goroutine leaked\n");
    else
        printf("%s", report);
    return 0;
}
