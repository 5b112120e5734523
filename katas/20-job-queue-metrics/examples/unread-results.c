/*
 * unread-results: submit every job first, read the results after.
 *
 *   Go:   for _, j := range all { jobs <- j }   // blocks once the workers are stuck
 *         close(jobs)
 *         for r := range results { ... }        // never reached
 *
 * Two workers, queues with room for 2 jobs and 2 results, 10 jobs. Each
 * worker takes a job and waits to hand its result over; nobody reads
 * results yet, so once results is full both workers wait there, the jobs
 * queue fills, and the submitter waits for room that never comes. Every
 * goroutine waits for another: the runtime stops the program.
 *
 * Run:  make example KATA=20 NAME=unread-results
 * You will see:
 *   submitted job 1
 *   ...
 *   submitted job 6
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan send]:
 *   main(...)
 *           katas/20-job-queue-metrics/examples/unread-results.c:62
 *
 *   goroutine 2 [chan send]:
 *   worker(...)
 *           katas/20-job-queue-metrics/examples/unread-results.c:50
 *   ...
 *   (exit status 2)
 * Six jobs went in: 2 being run (their workers waiting to hand over their
 * results), 2 results waiting in results, 2 jobs waiting in jobs. The fix:
 * read the results while submitting, in another goroutine (or submit from
 * one), which is how jobqueue_results is meant to be used. A bigger buffer
 * only moves the deadlock to a bigger batch of jobs.
 */
#include <stdio.h>

#include "gokata.h"

enum { WORKERS = 2, ROOM = 2, JOBS = 10 };

static chan_t *jobs, *results;

static void worker(void *arg)
{
    (void)arg;
    int job;
    while (chan_recv(jobs, &job)) {
        int result = job * job;
        chan_send(results, &result); /* waits until someone takes it */
    }
}

int main(void)
{
    jobs = chan_make(sizeof(int), ROOM);
    results = chan_make(sizeof(int), ROOM);
    for (int i = 0; i < WORKERS; i++)
        go(worker, NULL);

    for (int j = 1; j <= JOBS; j++) {
        chan_send(jobs, &j); /* the 7th send waits forever */
        printf("submitted job %d\n", j);
    }
    chan_close(jobs);
    int r;
    while (chan_recv(results, &r)) /* too late: nobody gets here */
        printf("result %d\n", r);
    return 0;
}
