/*
 * Kata 20: a job queue with metrics. The file you edit.
 *
 * The contract of every function is in jobqueue.h; the lesson in README.md;
 * hints in HINTS.md. Check your work with:  make grade KATA=20
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "jobqueue.h"
#include "kata_todo.h"

/* ---- Task 1: the job queue ------------------------------------------------ */

/* Yours to design: the two channels, the metrics (may be NULL), and what you
 * need to know when the last worker has returned. */
struct jobqueue {
    int todo_; /* replace with your fields */
};

jobqueue_t *jobqueue_start(int workers, int capacity, metrics_t *m)
{
    (void)workers;
    (void)capacity;
    (void)m;
    TODO("jobqueue_start: make the jobs and results channels, start the workers and whatever "
         "closes results after the last worker");
}

void jobqueue_submit(jobqueue_t *q, job_t job)
{
    (void)q;
    (void)job;
    TODO("jobqueue_submit: send the job on the jobs channel, then count it submitted");
}

chan_t *jobqueue_results(jobqueue_t *q)
{
    (void)q;
    TODO("jobqueue_results: return the results channel");
}

void jobqueue_close(jobqueue_t *q)
{
    (void)q;
    TODO("jobqueue_close: close the jobs channel, without waiting for the workers");
}

void jobqueue_free(jobqueue_t *q)
{
    (void)q;
    TODO("jobqueue_free: free both channels and the queue");
}

/* ---- Task 2: metrics -------------------------------------------------------- */

/* Yours to design: atomics (atomic64_t), a mutex (mutex_t), or both. Which
 * numbers must agree with each other? (README: "Atomics or a mutex".) */
struct metrics {
    int todo_; /* replace with your fields */
};

metrics_t *metrics_new(void)
{
    TODO("metrics_new: allocate zeroed metrics");
}

void metrics_free(metrics_t *m)
{
    (void)m;
    TODO("metrics_free: free m");
}

void metrics_job_submitted(metrics_t *m)
{
    (void)m;
    TODO("metrics_job_submitted: submitted + 1, losing no update");
}

void metrics_job_started(metrics_t *m)
{
    (void)m;
    TODO("metrics_job_started: in_flight + 1");
}

void metrics_job_finished(metrics_t *m, bool ok, go_duration_t took)
{
    (void)m;
    (void)ok;
    (void)took;
    TODO("metrics_job_finished: in_flight - 1, succeeded or failed + 1, and observe took in "
         "the histogram (its bucket, count and sum together)");
}

void metrics_snapshot(metrics_t *m, metrics_snapshot_t *s)
{
    (void)m;
    (void)s;
    TODO("metrics_snapshot: copy every number out, the histogram's from one moment");
}

/* ---- Task 3: the Prometheus text exposition ------------------------------------ */

size_t metrics_expose(metrics_t *m, char *buf, size_t len)
{
    (void)m;
    (void)buf;
    (void)len;
    TODO("metrics_expose: take a snapshot, then write it as Prometheus text, snprintf-style");
}
