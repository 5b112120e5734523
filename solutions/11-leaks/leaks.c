/*
 * Kata 11 · Goroutine leaks: the reference solution.
 *
 * Every goroutine here has a known way out, reached on every path:
 *   - first_answer(_ctx): the result channel has room for every answer, so
 *     a late replica's send never waits; the last one to let go of the
 *     shared state frees it (a reference count: C's garbage collector).
 *   - process_batch: the jobs channel is closed by the one goroutine that
 *     sends on it, on every way out; the feeder selects on a done channel;
 *     the first error goes into a variable under a mutex, not a channel
 *     someone has to read.
 *   - feed: a quit channel that every blocking point of the loop selects
 *     on, and a finished channel that feed_close waits for.
 */
#include <stdlib.h>

#include "leaks.h"

static void *xmalloc(size_t size)
{
    void *q = malloc(size);
    if (!q) abort();
    return q;
}

/* ---- Task 1: first response wins ------------------------------------------- */

/* Shared by the caller and every replica's goroutine. Whoever drops the last
 * reference frees it: the caller may leave first, or a slow replica last. */
typedef struct {
    chan_t *answers; /* cap = replicas: a send never waits, even with no reader */
    atomic64_t refs; /* the caller's + one per goroutine still running */
    lookup_fn lookup;
    query_fn query;
    ctx_t *ctx; /* task 2: the derived context every query gets */
    int key;
} race_t;

/* Drops one reference; the last one frees. The atomic's edge orders every
 * earlier user's accesses before the free. */
static void race_release(race_t *r)
{
    if (atomic64_add(&r->refs, -1) == 0) {
        chan_free(r->answers);
        free(r);
    }
}

static race_t *race_new(int replicas, int key)
{
    race_t *r = xmalloc(sizeof *r);
    *r = (race_t){.answers = chan_make(sizeof(long), (size_t)replicas), .key = key};
    atomic64_store(&r->refs, replicas + 1); /* every goroutine's, and the caller's */
    return r;
}

typedef struct {
    race_t *race;
    int replica;
} replica_arg_t;

static void ask_replica(void *arg)
{
    replica_arg_t a = *(replica_arg_t *)arg;
    free(arg);
    long v = a.race->lookup(a.replica, a.race->key);
    chan_send(a.race->answers, &v); /* never blocks: there is room for every answer */
    race_release(a.race);
}

long first_answer(lookup_fn lookup, int replicas, int key)
{
    race_t *r = race_new(replicas, key);
    r->lookup = lookup;
    for (int i = 0; i < replicas; i++) {
        replica_arg_t *a = xmalloc(sizeof *a);
        *a = (replica_arg_t){.race = r, .replica = i};
        go(ask_replica, a);
    }
    long v;
    chan_recv(r->answers, &v);
    race_release(r); /* the losers' answers land in the buffer; the last one frees it */
    return v;
}

/* ---- Task 2: first response, with a context --------------------------------- */

static void query_replica(void *arg)
{
    replica_arg_t a = *(replica_arg_t *)arg;
    free(arg);
    race_t *r = a.race;
    long v;
    if (r->query(r->ctx, a.replica, r->key, &v))
        chan_send(r->answers, &v); /* room for every answer: never blocks */
    ctx_release(r->ctx);           /* ours, taken before go */
    race_release(r);
}

const char *first_answer_ctx(ctx_t *ctx, query_fn query, int replicas, int key, long *value)
{
    race_t *r = race_new(replicas, key);
    r->query = query;
    r->ctx = ctx_with_cancel(ctx);
    for (int i = 0; i < replicas; i++) {
        replica_arg_t *a = xmalloc(sizeof *a);
        *a = (replica_arg_t){.race = r, .replica = i};
        ctx_retain(r->ctx); /* the goroutine's reference: it may outlive this call */
        go(query_replica, a);
    }
    long v;
    select_case_t cs[] = {select_recv(r->answers, &v), select_recv(ctx_done(ctx), NULL)};
    const char *err = NULL;
    if (chan_select(cs, 2, SELECT_BLOCK) == 0)
        *value = v;
    else
        err = ctx_err(ctx);
    ctx_cancel(r->ctx); /* stop the losers now (Go: defer cancel()); gives our reference back */
    race_release(r);
    return err;
}

/* ---- Task 3: a batch with workers, and its error path ------------------------ */

typedef struct {
    const int *items;
    int n;
    handle_fn handle;
    chan_t *jobs; /* unbuffered; the feeder sends and closes it */
    chan_t *done; /* closed at the first error: the feeder stops handing out */
    mutex_t mu;   /* guards err */
    int err;      /* the first error, 0 while none */
    wg_t running; /* the feeder and the workers */
} batch_t;

/* Records err if it is the first; closes done then (once, under the lock). */
static void batch_fail(batch_t *b, int err)
{
    mutex_lock(&b->mu);
    if (b->err == 0) {
        b->err = err;
        chan_close(b->done);
    }
    mutex_unlock(&b->mu);
}

static bool batch_failed(batch_t *b)
{
    mutex_lock(&b->mu);
    bool failed = b->err != 0;
    mutex_unlock(&b->mu);
    return failed;
}

/* The only sender on jobs, so the only one who may close it, and it does on
 * both ways out: every item handed out, or an error. A plain send here
 * would wait forever once the workers have stopped taking items. */
static void batch_feed(void *arg)
{
    batch_t *b = arg;
    for (int i = 0; i < b->n; i++) {
        select_case_t cs[] = {select_send(b->jobs, &b->items[i]), select_recv(b->done, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break;
    }
    chan_close(b->jobs); /* ends every worker's range loop */
    wg_done(&b->running);
}

static void batch_work(void *arg)
{
    batch_t *b = arg;
    int item;
    while (chan_recv(b->jobs, &item)) {
        /* The select in the feeder may hand out an item after the error
         * (both cases ready: a random pick); this check starts no new work. */
        if (batch_failed(b)) continue;
        int err = b->handle(item);
        if (err) batch_fail(b, err);
    }
    wg_done(&b->running);
}

int process_batch(const int *items, int n, int workers, handle_fn handle)
{
    batch_t b = {.items = items,
                 .n = n,
                 .handle = handle,
                 .jobs = chan_make(sizeof(int), 0),
                 .done = chan_make(0, 0)};
    wg_add(&b.running, workers + 1);
    go(batch_feed, &b);
    for (int i = 0; i < workers; i++)
        go(batch_work, &b);
    wg_wait(&b.running); /* every goroutine has exited: b may go */
    chan_free(b.jobs);
    chan_free(b.done);
    return b.err;
}

/* ---- Task 4: a subscription that can be stopped ------------------------------- */

struct feed {
    fetch_fn fetch;
    go_ticker_t *ticker;
    chan_t *updates;  /* unbuffered, longs */
    chan_t *quit;     /* closed by feed_close: every wait of the loop selects on it */
    chan_t *finished; /* closed by the goroutine as its last act */
};

static void feed_loop(void *arg)
{
    feed_t *f = arg;
    for (int n = 0;; n++) {
        select_case_t wait[] = {select_recv(f->ticker->C, NULL), select_recv(f->quit, NULL)};
        if (chan_select(wait, 2, SELECT_BLOCK) == 1) break;
        long v = f->fetch(n);
        /* Nobody may be reading any more: a plain send would wait forever. */
        select_case_t deliver[] = {select_send(f->updates, &v), select_recv(f->quit, NULL)};
        if (chan_select(deliver, 2, SELECT_BLOCK) == 1) break;
    }
    chan_close(f->finished);
}

feed_t *feed_subscribe(fetch_fn fetch, go_duration_t period)
{
    feed_t *f = xmalloc(sizeof *f);
    *f = (feed_t){.fetch = fetch,
                  .ticker = ticker_new(period),
                  .updates = chan_make(sizeof(long), 0),
                  .quit = chan_make(0, 0),
                  .finished = chan_make(0, 0)};
    go(feed_loop, f);
    return f;
}

chan_t *feed_updates(feed_t *f)
{
    return f->updates;
}

void feed_close(feed_t *f)
{
    chan_close(f->quit);
    chan_recv(f->finished, NULL); /* the goroutine is gone: nothing uses f any more */
    ticker_stop(f->ticker);
    ticker_free(f->ticker);
    chan_close(f->updates);
    chan_free(f->updates);
    chan_free(f->quit);
    chan_free(f->finished);
    free(f);
}

/* ---- Task 5: a leak detector for tests (goleak) -------------------------------- */

int verify_none(leak_guard_t guard, go_duration_t patience, char *report, size_t len)
{
    go_time_t give_up = time_now() + patience;
    go_duration_t backoff = MILLISECOND;
    while (go_numgoroutine() > guard.baseline) {
        go_duration_t left = give_up - time_now();
        if (left <= 0) return go_leak_check(guard.mark, report, len);
        go_sleep(backoff < left ? backoff : left); /* virtual in a bubble: never real time */
        if (backoff < 100 * MILLISECOND) backoff *= 2;
        if (backoff > 100 * MILLISECOND) backoff = 100 * MILLISECOND;
    }
    if (report && len > 0) report[0] = '\0';
    return 0;
}
