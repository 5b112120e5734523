/*
 * Kata 20, the reference solution.
 *
 * The queue is Go's worker pool: a jobs channel, N workers ranging over it,
 * a results channel closed by a goroutine that waits for the workers.
 *
 * The metrics use both tools, each where it fits:
 *   - the four counters are atomics: each is a number of its own, nothing
 *     has to agree with it, and an atomic add is the cheapest update that
 *     loses nothing;
 *   - the histogram (buckets, count, sum) is under one mutex: its numbers
 *     must agree with each other (the +Inf bucket is the count, the sum is
 *     the sum of what is counted), and a reader must never see an
 *     observation in some of them and not yet in the others. Separate
 *     atomics can't promise that; one lock, held by the writer for all
 *     three and by the reader for all three, can.
 * One mutex around everything would be right too, and simpler; the README
 * compares the two.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "jobqueue.h"

/* ---- Task 1: the job queue ------------------------------------------------ */

struct jobqueue {
    chan_t *jobs;    /* of job_t: submitters send, workers receive; closed by jobqueue_close */
    chan_t *results; /* of result_t: workers send; closed by close_results */
    metrics_t *m;    /* may be NULL; set before the workers start, never changed */
    wg_t workers;    /* one per worker still running */
};

static void worker(void *arg)
{
    jobqueue_t *q = arg;
    job_t job;
    /* Go's `for job := range jobs`: ends once jobs is closed and drained. */
    while (chan_recv(q->jobs, &job)) {
        if (q->m) metrics_job_started(q->m);
        go_time_t start = time_now();
        bool ok = job.fn(job.id, job.arg);
        go_duration_t took = time_since(start);
        /* Recorded before the result is sent: whoever receives the result
         * finds the job counted (the send happens after these updates). */
        if (q->m) metrics_job_finished(q->m, ok, took);
        result_t r = {.id = job.id, .ok = ok, .took = took};
        chan_send(q->results, &r);
    }
    wg_done(&q->workers);
}

/* Go's go func() { wg.Wait(); close(results) }(): results is closed only
 * when no worker can send on it any more. A worker closing it would panic
 * the others (send on closed channel); the receiver can't know when to. */
static void close_results(void *arg)
{
    jobqueue_t *q = arg;
    chan_t *results = q->results;
    wg_wait(&q->workers);
    /* Touches nothing of q after this: once results is closed, the receiver
     * may call jobqueue_free at any moment. */
    chan_close(results);
}

jobqueue_t *jobqueue_start(int workers, int capacity, metrics_t *m)
{
    jobqueue_t *q = calloc(1, sizeof *q);
    if (!q) abort();
    q->jobs = chan_make(sizeof(job_t), (size_t)capacity);
    q->results = chan_make(sizeof(result_t), (size_t)capacity);
    q->m = m;
    /* Everything above happens before the goroutines start (go's edge): they
     * read q's fields without a lock, and nobody writes them again. */
    wg_add(&q->workers, workers); /* before go: wg_wait must not see 0 too early */
    for (int i = 0; i < workers; i++)
        go(worker, q);
    go(close_results, q);
    return q;
}

void jobqueue_submit(jobqueue_t *q, job_t job)
{
    chan_send(q->jobs, &job); /* waits while the buffer is full: back-pressure */
    if (q->m) metrics_job_submitted(q->m);
}

chan_t *jobqueue_results(jobqueue_t *q)
{
    return q->results;
}

void jobqueue_close(jobqueue_t *q)
{
    /* Only the sender side closes; the workers see it once the buffer is
     * drained. Waiting here for the workers could deadlock: they wait for
     * someone to take their results, and our caller reads them only after
     * this returns. */
    chan_close(q->jobs);
}

void jobqueue_free(jobqueue_t *q)
{
    /* The caller saw results closed: every worker has returned (wg_wait
     * returned before the close), and close_results no longer touches q. */
    chan_free(q->jobs);
    chan_free(q->results);
    free(q);
}

/* ---- Task 2: metrics -------------------------------------------------------- */

static const go_duration_t bounds[HISTOGRAM_BOUNDS] = HISTOGRAM_BOUND_VALUES;
static const char *const le[HISTOGRAM_BUCKETS] = HISTOGRAM_LE_LABELS;

struct metrics {
    /* Counters: atomics, each on its own. */
    atomic64_t submitted, succeeded, failed, in_flight;

    /* The histogram: mu guards buckets, count and sum, together. buckets
     * are NOT cumulative here: buckets[i] counts the durations in
     * (bound i-1, bound i], buckets[HISTOGRAM_BOUNDS] those above the last
     * bound. One increment per observation; the snapshot adds them up. */
    mutex_t mu;
    int64_t buckets[HISTOGRAM_BUCKETS];
    int64_t count;
    go_duration_t sum;
};

metrics_t *metrics_new(void)
{
    metrics_t *m = calloc(1, sizeof *m); /* zeroed: atomics and mutex are ready */
    if (!m) abort();
    return m;
}

void metrics_free(metrics_t *m)
{
    free(m);
}

void metrics_job_submitted(metrics_t *m)
{
    atomic64_add(&m->submitted, 1);
}

void metrics_job_started(metrics_t *m)
{
    atomic64_add(&m->in_flight, 1);
}

void metrics_job_finished(metrics_t *m, bool ok, go_duration_t took)
{
    atomic64_add(ok ? &m->succeeded : &m->failed, 1);
    atomic64_add(&m->in_flight, -1);

    /* The bucket is found outside the lock: it needs only took and the
     * constant bounds. "le" is less than OR EQUAL: 10 ms goes in 0.01. */
    int b = 0;
    while (b < HISTOGRAM_BOUNDS && took > bounds[b])
        b++;

    /* Three numbers that must agree: changed under one lock, held for as
     * short as possible (no formatting, no I/O, no allocation in here). */
    mutex_lock(&m->mu);
    m->buckets[b]++;
    m->count++;
    m->sum += took;
    mutex_unlock(&m->mu);
}

void metrics_snapshot(metrics_t *m, metrics_snapshot_t *s)
{
    /* Each counter on its own: exact, each read at its own moment. */
    s->submitted = atomic64_load(&m->submitted);
    s->succeeded = atomic64_load(&m->succeeded);
    s->failed = atomic64_load(&m->failed);
    s->in_flight = atomic64_load(&m->in_flight);

    /* The histogram as one: copied under the lock the writers hold. */
    int64_t raw[HISTOGRAM_BUCKETS];
    mutex_lock(&m->mu);
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++)
        raw[i] = m->buckets[i];
    s->count = m->count;
    s->sum = m->sum;
    mutex_unlock(&m->mu);

    /* Cumulative, as Prometheus shows them, computed outside the lock. */
    int64_t total = 0;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
        total += raw[i];
        s->buckets[i] = total;
    }
}

/* ---- Task 3: the Prometheus text exposition ------------------------------------ */

/* snprintf into the rest of a buffer, counting what didn't fit too. */
typedef struct {
    char *buf;
    size_t len; /* the buffer's size */
    size_t off; /* the text's length so far (may pass len: then it was cut) */
} writer_t;

static void emit(writer_t *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Past the end, write nothing (buf + off would point outside the
     * buffer), but keep counting, as snprintf does. */
    char *at = w->off < w->len ? w->buf + w->off : NULL;
    size_t room = w->off < w->len ? w->len - w->off : 0;
    int n = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (n > 0) w->off += (size_t)n;
}

size_t metrics_expose(metrics_t *m, char *buf, size_t len)
{
    /* One snapshot, then formatting without any lock: the page shows one
     * consistent histogram, and writers never wait for printf. */
    metrics_snapshot_t s;
    metrics_snapshot(m, &s);

    writer_t w = {.buf = buf, .len = len};
    if (len > 0) buf[0] = '\0'; /* even if nothing below fits */

    emit(&w,
         "# HELP jobs_submitted_total Jobs put in the queue.\n"
         "# TYPE jobs_submitted_total counter\n"
         "jobs_submitted_total %lld\n",
         (long long)s.submitted);
    emit(&w,
         "# HELP jobs_total Jobs finished, by status.\n"
         "# TYPE jobs_total counter\n"
         "jobs_total{status=\"ok\"} %lld\n"
         "jobs_total{status=\"failed\"} %lld\n",
         (long long)s.succeeded, (long long)s.failed);
    emit(&w,
         "# HELP jobs_in_flight Jobs running now.\n"
         "# TYPE jobs_in_flight gauge\n"
         "jobs_in_flight %lld\n",
         (long long)s.in_flight);
    emit(&w, "# HELP job_duration_seconds How long each job ran.\n"
             "# TYPE job_duration_seconds histogram\n");
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++)
        emit(&w, "job_duration_seconds_bucket{le=\"%s\"} %lld\n", le[i], (long long)s.buckets[i]);
    emit(&w, "job_duration_seconds_sum %.9g\n", (double)s.sum / SECOND);
    emit(&w, "job_duration_seconds_count %lld\n", (long long)s.count);
    return w.off;
}
