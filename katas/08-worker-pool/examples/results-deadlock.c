/*
 * results-deadlock: main sends every job before it receives any result,
 * over unbuffered channels. With more jobs than workers, everyone waits.
 *
 *   Go:   jobs, results := make(chan int), make(chan int)
 *         for w := 0; w < 2; w++ { go worker(jobs, results) }
 *         for j := 1; j <= 3; j++ { jobs <- j } // job 3: both workers are
 *         close(jobs)                           // busy handing back results
 *         for j := 1; j <= 3; j++ { <-results }
 *
 * Each worker takes a job, then waits to send its result: nobody receives
 * results yet, because main is still sending jobs. Main waits for a worker
 * to take job 3; the workers wait for main to take their results. Go (and
 * gokata) sees every goroutine blocked and stops the program. Go by
 * Example avoids it by buffering both channels with room for every job;
 * the general fix is to send the jobs from a goroutine of their own, so
 * that main receives results while the jobs go out.
 *
 * Run:  make example KATA=08 NAME=results-deadlock
 * You will see:
 *   main: job 1 sent
 *   main: job 2 sent
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan send]:
 *   main(...)
 *           katas/08-worker-pool/examples/results-deadlock.c:59
 *
 *   goroutine 2 [chan send]:
 *   worker(...)
 *           katas/08-worker-pool/examples/results-deadlock.c:49
 *   ...
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    chan_t *jobs, *results;
} pipes_t;

static void worker(void *arg)
{
    pipes_t *p = arg;
    int job;
    while (chan_recv(p->jobs, &job)) {
        int result = job * job;
        chan_send(p->results, &result); /* waits for main, which is still sending jobs */
    }
}

int main(void)
{
    pipes_t p = {.jobs = chan_make(sizeof(int), 0), .results = chan_make(sizeof(int), 0)};
    go(worker, &p);
    go(worker, &p);
    for (int job = 1; job <= 3; job++) {
        chan_send(p.jobs, &job); /* job 3: both workers are busy handing back results */
        printf("main: job %d sent\n", job);
        fflush(stdout);
    }
    chan_close(p.jobs);
    for (int job = 1; job <= 3; job++) {
        int result;
        chan_recv(p.results, &result);
        printf("main: result %d\n", result);
    }
    return 0;
}
