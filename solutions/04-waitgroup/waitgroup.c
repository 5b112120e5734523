/*
 * Kata 04 · WaitGroup: the reference solution.
 *
 * One rule runs through all of it: wg_add before go, wg_done as the very
 * last thing the goroutine does for the waiter (after every write the
 * waiter will read, on every path), wg_wait before reading.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "waitgroup.h"

/* ---- Task 1a: one goroutine per element --------------------------------- */

typedef struct {
    map_fn f;
    const int *in;
    int *out;
    wg_t *wg;
} call_t;

static void call_one(void *arg)
{
    call_t *c = arg;
    *c->out = c->f(*c->in);
    /* Last: the write above happens before the wg_wait this Done releases. */
    wg_done(c->wg);
}

void map_each(const int *in, int *out, int n, map_fn f)
{
    if (n <= 0) return;
    /* One argument per goroutine, so that no two share (or race on) one.
     * They may be freed only after wg_wait: until then a goroutine may
     * still be reading its own. */
    call_t *calls = malloc(sizeof *calls * (size_t)n);
    if (!calls) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        calls[i] = (call_t){.f = f, .in = &in[i], .out = &out[i], .wg = &wg};
        /* Add before go: if the goroutine did it, wg_wait could run first,
         * see a zero counter and return at once. */
        wg_add(&wg, 1);
        go(call_one, &calls[i]);
    }
    wg_wait(&wg);
    free(calls);
}

/* ---- Task 1b: a fixed number of workers --------------------------------- */

typedef struct {
    map_fn f;
    const int *in;
    int *out;
    int from, to; /* this worker's share: [from, to) */
    wg_t *wg;
} share_t;

static void work_share(void *arg)
{
    share_t *s = arg;
    for (int i = s->from; i < s->to; i++)
        s->out[i] = s->f(s->in[i]);
    wg_done(s->wg);
}

void map_workers(const int *in, int *out, int n, int workers, map_fn f)
{
    if (n <= 0) return;
    if (workers > n) workers = n; /* a worker with nothing to do is waste */
    if (workers < 1) workers = 1;
    share_t *shares = malloc(sizeof *shares * (size_t)workers);
    if (!shares) abort();
    wg_t wg = {0};
    /* Add the whole count at once, before any go: the same rule. */
    wg_add(&wg, workers);
    for (int w = 0; w < workers; w++) {
        /* Boundaries n*w/workers: the shares differ by at most one
         * (10 over 4 gives 2, 3, 2, 3), so no worker holds up the rest. */
        shares[w] = (share_t){.f = f,
                              .in = in,
                              .out = out,
                              .from = (int)((long long)n * w / workers),
                              .to = (int)((long long)n * (w + 1) / workers),
                              .wg = &wg};
        go(work_share, &shares[w]);
    }
    wg_wait(&wg);
    free(shares);
}

/* ---- Task 2: Done after the work, not before ---------------------------- */

typedef struct {
    fetch_fn fetch;
    int id;
    int *out;
    wg_t *wg;
} fetch_job_t;

static void fetch_one(void *arg)
{
    fetch_job_t *j = arg;
    *j->out = j->fetch(j->id);
    /* Go writes `defer wg.Done()` first, and it runs when the function
     * returns. C has no defer: the call goes where it runs, at the end.
     * At the top it released wg_wait before the result was written. */
    wg_done(j->wg);
}

void fetch_all(const int *ids, int *out, int n, fetch_fn fetch)
{
    if (n <= 0) return;
    fetch_job_t *jobs = malloc(sizeof *jobs * (size_t)n);
    if (!jobs) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (fetch_job_t){.fetch = fetch, .id = ids[i], .out = &out[i], .wg = &wg};
        wg_add(&wg, 1);
        go(fetch_one, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs);
}

/* ---- Task 3: Done on every path ----------------------------------------- */

typedef struct {
    const char *text;
    int *value;
    bool *ok;
    wg_t *wg;
} parse_job_t;

/* Is text a decimal int? Then *v is its value. */
static bool parse_int(const char *text, int *v)
{
    /* strtol would skip leading spaces; a text must be digits only. */
    if (text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r')) return false;
    char *end;
    errno = 0;
    long x = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || x < INT_MIN || x > INT_MAX) return false;
    *v = (int)x;
    return true;
}

static void parse_one(void *arg)
{
    parse_job_t *j = arg;
    int v;
    if (parse_int(j->text, &v)) {
        *j->value = v;
        *j->ok = true;
    } else {
        *j->ok = false;
    }
    /* One way out, so one wg_done that every path reaches. (The bug was an
     * early return on the error path that skipped it: wg_wait then waits
     * for a Done that never comes.) In longer functions, C's stand-in for
     * defer is `goto done;` to a single exit at the end. */
    wg_done(j->wg);
}

int parse_all(const char *const *texts, int *values, bool *ok, int n)
{
    if (n <= 0) return 0;
    parse_job_t *jobs = malloc(sizeof *jobs * (size_t)n);
    if (!jobs) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (parse_job_t){.text = texts[i], .value = &values[i], .ok = &ok[i], .wg = &wg};
        wg_add(&wg, 1);
        go(parse_one, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs);
    /* After wg_wait every ok[i] is written and visible: count them here,
     * not in the goroutines (that would need a lock or an atomic). */
    int valid = 0;
    for (int i = 0; i < n; i++)
        valid += ok[i];
    return valid;
}

/* ---- Task 4: wait, with a timeout --------------------------------------- */

/*
 * Shared by wait_timeout and its helper goroutine. Either may be the last
 * to use it (the caller after a timeout returns early; the helper may
 * close `done` after the caller has gone), so it holds two references and
 * whoever drops the last one frees it: what Go's garbage collector does
 * for the same code.
 */
typedef struct {
    wg_t *wg;
    chan_t *done; /* closed once wg's counter is zero */
    atomic64_t refs;
} waiter_t;

static void waiter_release(waiter_t *w)
{
    /* The atomic orders each side's last use before the other's free. */
    if (atomic64_add(&w->refs, -1) == 0) {
        chan_free(w->done);
        free(w);
    }
}

static void wait_then_close(void *arg)
{
    waiter_t *w = arg;
    wg_wait(w->wg);
    /* Close, don't send: a close never blocks, so the helper exits even
     * when nobody is listening any more (the caller timed out). A send on
     * an unbuffered channel would block here forever: a goroutine leak. */
    chan_close(w->done);
    waiter_release(w);
}

bool wait_timeout(wg_t *wg, go_duration_t d)
{
    waiter_t *w = malloc(sizeof *w);
    if (!w) abort();
    *w = (waiter_t){.wg = wg, .done = chan_make(0, 0)};
    atomic64_store(&w->refs, 2); /* ours and the helper's */
    go(wait_then_close, w);

    /* A timer we stop and free ourselves: time_after's channel would live
     * until the calling goroutine exits, one per call. */
    go_timer_t *t = timer_new(d);
    select_case_t cs[] = {select_recv(w->done, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    /* Case 0 received the close, which happened after the helper's wg_wait,
     * which happened after every wg_done: the work is visible to us now. */
    waiter_release(w);
    return which == 0;
}
