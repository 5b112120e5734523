/*
 * Kata 01 · Goroutines: the reference solution.
 *
 * Three habits carry every function here:
 *   1. each goroutine gets an argument of its own, alive until it is done;
 *   2. each goroutine writes only memory nobody else touches until it is done;
 *   3. whoever starts goroutines waits for them before reading what they
 *      wrote, before returning, and before freeing what they use.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>

#include "gokata.h"
#include "goroutines.h"

/* ---- Task 1 ------------------------------------------------------------ */

/* One worker's share: its part of the input, and the slot for its answer. */
typedef struct {
    const long *xs;
    size_t from, to; /* the part: xs[from..to) */
    long sum;        /* the slot: written by this worker only */
    wg_t *wg;
} part_t;

static void sum_part(void *arg)
{
    part_t *p = arg;
    long sum = 0; /* add up in a local, write the slot once */
    for (size_t i = p->from; i < p->to; i++)
        sum += p->xs[i];
    p->sum = sum;
    wg_done(p->wg); /* last: everything above happens before wg_wait returns */
}

long sum_parallel(const long *xs, size_t n, int workers)
{
    /* The parts live on the heap, one per worker, until every worker is done. */
    part_t *parts = calloc((size_t)workers, sizeof *parts);
    if (!parts) abort();
    wg_t wg = {0};

    for (int w = 0; w < workers; w++) {
        parts[w] = (part_t){.xs = xs,
                            .from = n * (size_t)w / (size_t)workers,
                            .to = n * (size_t)(w + 1) / (size_t)workers,
                            .wg = &wg};
        wg_add(&wg, 1); /* before go(): wg_wait must not see 0 too early */
        go(sum_part, &parts[w]);
    }
    wg_wait(&wg); /* every worker has written its slot and called wg_done */

    long total = 0;
    for (int w = 0; w < workers; w++)
        total += parts[w].sum;
    free(parts); /* safe: no worker touches its part after wg_done */
    return total;
}

/* ---- Task 2 ------------------------------------------------------------ */
/*
 * The bug was a missing wait: count_words added up counts[] while the
 * goroutines were still writing it (or had not even started). The fix is
 * Go's WaitGroup pattern: Add before go, Done when the goroutine has written
 * its count, Wait before reading.
 */

/* The number of words in doc: runs of characters that are not white space. */
static int words_in(const char *doc)
{
    int words = 0;
    bool in_word = false;
    for (const char *p = doc; *p; p++) {
        bool space = isspace((unsigned char)*p);
        if (!space && !in_word) words++;
        in_word = !space;
    }
    return words;
}

typedef struct {
    const char *doc;
    int *count;
    wg_t *wg;
} count_job_t;

/* One document's goroutine. The job was allocated for it alone, so it frees it. */
static void count_one(void *arg)
{
    count_job_t *job = arg;
    wg_t *wg = job->wg;
    *job->count = words_in(job->doc);
    free(job);
    wg_done(wg); /* last: after it, count_words may return and its wg is gone */
}

long count_words(const char *const *docs, int n, int *counts)
{
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        count_job_t *job = malloc(sizeof *job);
        if (!job) abort();
        *job = (count_job_t){.doc = docs[i], .count = &counts[i], .wg = &wg};
        wg_add(&wg, 1);
        go(count_one, job);
    }
    wg_wait(&wg); /* the fix: every count is written before we read one */

    long total = 0;
    for (int i = 0; i < n; i++)
        total += counts[i];
    return total;
}

/* ---- Task 3 ------------------------------------------------------------ */
/*
 * The bug was an early return: on bad input checked_sum returned -1 without
 * receiving, and the goroutine stayed blocked in chan_send forever, waiting
 * for a receiver that was gone. The fix: receive on every path. Its sum is
 * thrown away when the input is bad, but the goroutine can finish, and only
 * then is it safe to free the channel.
 *
 * (In Go the usual fix is make(chan int64, 1): the send never blocks and the
 * garbage collector frees the channel once nobody refers to it. C has no
 * garbage collector: someone has to free the channel after its last use, and
 * the only one who can know when that is, is the one who receives from it.)
 */

typedef struct {
    const long *xs;
    size_t n;
    chan_t *result; /* the sum goes back to checked_sum through this */
} sum_job_t;

static void sum_in_background(void *arg)
{
    sum_job_t *job = arg;
    long sum = 0;
    for (size_t i = 0; i < job->n; i++)
        sum += job->xs[i];
    chan_send(job->result, &sum); /* waits until checked_sum takes the sum */
    free(job);
}

long checked_sum(const long *xs, size_t n)
{
    chan_t *result = chan_make(sizeof(long), 0);
    sum_job_t *job = malloc(sizeof *job);
    if (!job) abort();
    *job = (sum_job_t){.xs = xs, .n = n, .result = result};
    go(sum_in_background, job);

    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        if (xs[i] < 0) ok = false;

    long sum;
    chan_recv(result, &sum); /* on every path: the goroutine can't finish until we do */
    chan_free(result);       /* nobody uses it any more: the goroutine has sent */
    return ok ? sum : -1;
}

/* ---- Task 4 ------------------------------------------------------------ */

/* One call's own argument: its index, never shared, never changed. */
typedef struct {
    int i;
    index_func_t fn;
    void *arg;
    wg_t *wg;
} call_t;

static void call_one(void *p)
{
    call_t *c = p;
    c->fn(c->i, c->arg);
    wg_done(c->wg);
}

void run_together(int n, index_func_t fn, void *arg)
{
    if (n <= 0) return;
    /* Not &i: the loop goes on changing i while the goroutines read it. Each
     * call gets its own call_t, which lives until wg_wait returns. */
    call_t *calls = malloc((size_t)n * sizeof *calls);
    if (!calls) abort();
    wg_t wg = {0};
    wg_add(&wg, n); /* once, for all of them, before any go() */
    for (int i = 0; i < n; i++) {
        calls[i] = (call_t){.i = i, .fn = fn, .arg = arg, .wg = &wg};
        go(call_one, &calls[i]);
    }
    wg_wait(&wg); /* outside the loop: waiting inside it would run them one by one */
    free(calls);
}
