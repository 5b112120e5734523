/*
 * lost-count: four workers count the jobs they finish in a plain long.
 *
 *   Go:   var jobsDone int64             // shared by every worker
 *         for j := range jobs { run(j); jobsDone++ }
 *
 * A job queue like yours, 4 workers and 2,000 jobs, and one shared counter
 * with no lock and no atomic. `jobs_done++` is three steps: read the
 * counter, add one, write it back. Two workers that read the same value
 * both write value + 1, and one finished job is never counted. Nothing
 * crashes; the dashboard just shows less work than was done.
 *
 * Here the three steps are written out, with go_yield() between the read
 * and the write: another worker may run right there, so you see lost
 * updates in almost every run. With a bare jobs_done++ the window is a few
 * nanoseconds wide: updates are lost rarely, under load, in production,
 * which is worse.
 *
 * Run:  make example KATA=20 NAME=lost-count DETECTOR=tsan
 * You will see (addresses, thread numbers and counts vary):
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 8 at 0x... by thread T5:
 *       #0 worker katas/20-job-queue-metrics/examples/lost-count.c:53 ...
 *     Previous write of size 8 at 0x... by thread T3:
 *       #0 worker katas/20-job-queue-metrics/examples/lost-count.c:55 ...
 *     Location is global 'jobs_done' of size 8 at 0x...
 *   ...
 *   jobs_done 99, expected 2000: 1901 finished jobs were never counted
 *   (exit status 66)
 * ThreadSanitizer names the race even in a run that happened to lose
 * nothing. Without DETECTOR you see only the count. The fix: an
 * atomic64_t and atomic64_add(&jobs_done, 1) (one indivisible step), or a
 * mutex held from the read to the write.
 */
#include <stdio.h>

#include "gokata.h"

enum { WORKERS = 4, JOBS = 2000 };

static long jobs_done; /* shared by every worker: the bug */

typedef struct {
    chan_t *jobs;
    wg_t wg;
} pool_t;

static void worker(void *arg)
{
    pool_t *p = arg;
    int job;
    while (chan_recv(p->jobs, &job)) {
        /* ... the job runs here ... then: jobs_done++, in its three steps */
        long n = jobs_done; /* read */
        go_yield();         /* another worker may run here */
        jobs_done = n + 1;  /* write: what it did meanwhile is overwritten */
    }
    wg_done(&p->wg);
}

int main(void)
{
    pool_t p = {.jobs = chan_make(sizeof(int), JOBS)};
    for (int i = 0; i < JOBS; i++)
        chan_send(p.jobs, &i);
    chan_close(p.jobs);
    wg_add(&p.wg, WORKERS);
    for (int i = 0; i < WORKERS; i++)
        go(worker, &p);
    wg_wait(&p.wg); /* the counter is read after every worker is done */
    printf("jobs_done %ld, expected %d: %ld finished jobs were never counted\n", jobs_done, JOBS,
           JOBS - jobs_done);
    chan_free(p.jobs);
    return 0;
}
