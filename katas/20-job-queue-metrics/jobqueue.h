/*
 * 20 · A job queue with metrics: the contract of every function you write in
 * jobqueue.c. Read it, don't edit it: the grader compiles your jobqueue.c
 * against this file as it is in the repository.
 *
 * A service's background jobs, and how you watch them:
 *   jobqueue_*      a queue of jobs, a pool of workers that run them, their
 *                   results on a channel                               (task 1)
 *   metrics_*       counters and a histogram of how long jobs ran, kept
 *                   exact while many goroutines update them             (task 2)
 *   metrics_expose  the metrics as Prometheus text, the page a monitoring
 *                   server scrapes, written into the caller's buffer    (task 3)
 *
 * The queue reports to the metrics; the metrics know nothing of the queue.
 */
#ifndef JOBQUEUE_H
#define JOBQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gokata.h"

typedef struct metrics metrics_t; /* task 2: you define struct metrics in jobqueue.c */

/* ---- Task 1: the job queue ------------------------------------------------ */

/* A job's work: returns true when the job succeeded, false when it failed.
 * It may take a while (the tests' jobs sleep, in virtual time). */
typedef bool (*job_fn_t)(long id, void *arg);

/* A job: run fn(id, arg). id is the caller's name for it; the queue only
 * carries it into the result. */
typedef struct {
    long id;
    job_fn_t fn;
    void *arg;
} job_t;

/* What comes back for each job, in whatever order the jobs finish. */
typedef struct {
    long id;            /* the job's id */
    bool ok;            /* what job.fn returned */
    go_duration_t took; /* how long job.fn ran: from just before the call to just after */
} result_t;

/* Your queue: you define struct jobqueue in jobqueue.c. */
typedef struct jobqueue jobqueue_t;

/*
 * Starts a queue: a jobs channel (of job_t) with room for `capacity` jobs
 * (capacity >= 0; 0 is an unbuffered channel), a results channel (of
 * result_t, with room for `capacity` results too), and exactly `workers`
 * goroutines (workers >= 1), started here, once. Returns at once.
 *
 * Each worker, until the jobs channel is closed and empty:
 *   - receives a job;
 *   - metrics_job_started(m);
 *   - runs job.fn(job.id, job.arg), measuring how long it ran (time_now()
 *     before the call, time_since() after it);
 *   - metrics_job_finished(m, ok, took);
 *   - sends the result {id, ok, took} on the results channel.
 * The metrics are recorded before the result is sent, so whoever has
 * received a job's result finds that job counted. m may be NULL: then the
 * queue records no metrics at all. m stays the caller's: the queue never
 * frees it.
 *
 * When the last worker has returned, the results channel is closed (by a
 * goroutine that waits for the workers, Go's
 *     go func() { wg.Wait(); close(results) }()
 * or by the last worker out). A receiver ranging over results then stops
 * after the last result.
 */
jobqueue_t *jobqueue_start(int workers, int capacity, metrics_t *m);

/*
 * Puts job in the queue. While the queue is full, waits until a worker takes
 * a job: back-pressure, a producer faster than the workers is slowed to
 * their pace instead of piling up jobs in memory. Once the job is in the
 * queue, metrics_job_submitted(m) (if m is not NULL).
 *
 * Many goroutines may submit at the same time. Never after jobqueue_close:
 * that is a send on a closed channel, and it panics, as in Go.
 */
void jobqueue_submit(jobqueue_t *q, job_t job);

/* The results channel, of result_t: receive every result until it is
 * closed. Nobody reading it stops the queue: a worker waits until its result
 * is taken (or fits in the buffer) before it takes the next job. */
chan_t *jobqueue_results(jobqueue_t *q);

/*
 * No more jobs: closes the jobs channel and returns at once, without
 * waiting for the jobs (the caller reads the results afterwards, or another
 * goroutine already does). The workers run every job already queued, then
 * return; then the results channel is closed.
 *
 * Called once, by the goroutine that knows no submit is left: the one that
 * submitted, or one that waited for all the submitters.
 */
void jobqueue_close(jobqueue_t *q);

/* Called after a receive on the results channel has returned false (every
 * job has run, every worker has returned). Frees the queue and its two
 * channels; not the metrics. */
void jobqueue_free(jobqueue_t *q);

/* ---- Task 2: metrics -------------------------------------------------------- */

/*
 * The histogram's buckets. A job that ran for d counts in every bucket
 * whose bound is >= d (Prometheus's "le": less than or equal), so the
 * counts are cumulative: the 0.1 s bucket counts every job of 100 ms or
 * less, the 0.05 s bucket included. The last bucket, +Inf, counts every job.
 *
 *     static const go_duration_t bounds[HISTOGRAM_BOUNDS] = HISTOGRAM_BOUND_VALUES;
 *     static const char *const le[HISTOGRAM_BUCKETS] = HISTOGRAM_LE_LABELS;
 */
enum {
    HISTOGRAM_BOUNDS = 6,  /* finite bounds */
    HISTOGRAM_BUCKETS = 7, /* the finite ones and +Inf */
};
#define HISTOGRAM_BOUND_VALUES                                                                     \
    {                                                                                              \
        10 * MILLISECOND, 50 * MILLISECOND, 100 * MILLISECOND, 500 * MILLISECOND, SECOND,          \
            5 * SECOND                                                                             \
    }
#define HISTOGRAM_LE_LABELS                                                                        \
    {                                                                                              \
        "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"                                             \
    }

/* A new set of metrics, every number 0. Never NULL. */
metrics_t *metrics_new(void);

/* Frees m. No goroutine uses m any more (a queue reporting to it is freed). */
void metrics_free(metrics_t *m);

/*
 * The events, each called by any goroutine at any moment, many at once:
 * none may lose an update (a plain int64_t++ from two goroutines can: it is
 * a read, an add and a write; and it is a data race). None blocks for
 * long: they run inside every job.
 *
 *   metrics_job_submitted   a job went into the queue: submitted + 1
 *   metrics_job_started     a worker started a job:    in_flight + 1
 *   metrics_job_finished    a job ended after `took`:  in_flight - 1,
 *                           succeeded + 1 (ok) or failed + 1 (not ok),
 *                           and the histogram observes took (took >= 0):
 *                           count + 1, sum + took, + 1 in every bucket
 *                           whose bound is >= took.
 */
void metrics_job_submitted(metrics_t *m);
void metrics_job_started(metrics_t *m);
void metrics_job_finished(metrics_t *m, bool ok, go_duration_t took);

/* The numbers, copied out. */
typedef struct {
    int64_t submitted; /* jobs_submitted_total */
    int64_t succeeded; /* jobs_total{status="ok"} */
    int64_t failed;    /* jobs_total{status="failed"} */
    int64_t in_flight; /* jobs_in_flight */
    /* job_duration_seconds: cumulative, as Prometheus shows them:
     * buckets[i] = jobs that ran for at most bound i; buckets[HISTOGRAM_BOUNDS]
     * (+Inf) = every job = count. */
    int64_t buckets[HISTOGRAM_BUCKETS];
    int64_t count;     /* jobs observed */
    go_duration_t sum; /* their durations added up */
} metrics_snapshot_t;

/*
 * Copies m's numbers into *s, while other goroutines keep updating them.
 *
 * Each number is exact: every update that returned before the call is in
 * it. The histogram's numbers (buckets, count, sum) are from ONE moment:
 * every observation is either in all of them or in none, so that
 * buckets[HISTOGRAM_BOUNDS] == count and sum is the sum of exactly the
 * observations counted, whatever runs at the same time. (The four counters
 * need not be from one moment with each other or with the histogram: a
 * Prometheus scrape doesn't promise that either.)
 */
void metrics_snapshot(metrics_t *m, metrics_snapshot_t *s);

/* ---- Task 3: the Prometheus text exposition ------------------------------------ */

/*
 * Writes m's numbers into buf as Prometheus text, the format a Prometheus
 * server reads from a service's /metrics page: for each metric a "# HELP"
 * line (the name and what it means), a "# TYPE" line (counter, gauge or
 * histogram), then its samples, one per line, "name{labels} value", each
 * line ending in '\n'. Exactly these metrics, the histogram's buckets in
 * increasing order of le, from one snapshot (so that the +Inf bucket equals
 * _count, as above). After the tests' 200 jobs on 8 workers:
 *
 *   # HELP jobs_submitted_total Jobs put in the queue.
 *   # TYPE jobs_submitted_total counter
 *   jobs_submitted_total 200
 *   # HELP jobs_total Jobs finished, by status.
 *   # TYPE jobs_total counter
 *   jobs_total{status="ok"} 168
 *   jobs_total{status="failed"} 32
 *   # HELP jobs_in_flight Jobs running now.
 *   # TYPE jobs_in_flight gauge
 *   jobs_in_flight 0
 *   # HELP job_duration_seconds How long each job ran.
 *   # TYPE job_duration_seconds histogram
 *   job_duration_seconds_bucket{le="0.01"} 40
 *   job_duration_seconds_bucket{le="0.05"} 65
 *   job_duration_seconds_bucket{le="0.1"} 95
 *   job_duration_seconds_bucket{le="0.5"} 128
 *   job_duration_seconds_bucket{le="1"} 159
 *   job_duration_seconds_bucket{le="5"} 193
 *   job_duration_seconds_bucket{le="+Inf"} 200
 *   job_duration_seconds_sum 211.245
 *   job_duration_seconds_count 200
 *
 * Counts are integers ("%lld"); the sum is in seconds, a decimal number
 * accurate to a microsecond or better: (double)sum / SECOND printed with
 * "%.9g" (not "%g", which keeps only 6 digits).
 *
 * Like snprintf: writes at most len bytes, the last of them a '\0' (nothing
 * at all when len is 0; buf may then be NULL), and returns the length of the
 * whole text (without the '\0'). A return >= len means the text was cut:
 * call again with a bigger buffer (a little bigger than the return: while
 * jobs run, the numbers can grow a digit).
 */
size_t metrics_expose(metrics_t *m, char *buf, size_t len);

#endif
