/*
 * submit-after-shutdown: a producer is still submitting jobs when main
 * shuts the pool down by closing the jobs channel. Its next send panics.
 *
 *   Go:   go func() { // the producer: one job every 10ms
 *             for i := 1; ; i++ { jobs <- i; time.Sleep(10 * time.Millisecond) }
 *         }()
 *         time.Sleep(25 * time.Millisecond)
 *         close(jobs) // shutdown: but the producer is still sending
 *         wg.Wait()
 *
 * A send on a closed channel panics: "send on closed channel". The rule is
 * that only the sender closes a channel, after its last send. A pool whose
 * jobs channel has many senders (every caller of submit) can't let any of
 * them close it, nor close it under their feet: shutdown must first stop
 * letting submits in (a flag under a mutex), wait for the submits already
 * in (they may be waiting for room), and only then close. Submits that
 * come later see the flag and return an error instead of sending.
 *
 * The program runs in virtual time (go_synctest), so the timeline is
 * exact: jobs at 0ms, 10ms and 20ms, the shutdown at 25ms, the panic at
 * 30ms, every run.
 *
 * Run:  make example KATA=08 NAME=submit-after-shutdown
 * You will see:
 *   producer: job 1 submitted at 0ms
 *   producer: job 2 submitted at 10ms
 *   producer: job 3 submitted at 20ms
 *   main: shutting down at 25ms
 *   panic: send on closed channel
 *
 *   goroutine 4 [running]:
 *   producer(...)
 *           katas/08-worker-pool/examples/submit-after-shutdown.c:61
 *   ...
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

static go_time_t start;

static long long ms(void)
{
    return (long long)(time_since(start) / MILLISECOND);
}

static void worker(void *arg)
{
    chan_t *jobs = arg;
    int job;
    while (chan_recv(jobs, &job)) {
    }
}

static void producer(void *arg)
{
    chan_t *jobs = arg;
    for (int job = 1;; job++) {
        chan_send(jobs, &job); /* panics once main has closed jobs */
        printf("producer: job %d submitted at %lldms\n", job, ms());
        fflush(stdout);
        go_sleep(10 * MILLISECOND);
    }
}

static void run(void *unused)
{
    (void)unused;
    start = time_now();
    chan_t *jobs = chan_make(sizeof(int), 8);
    go(worker, jobs);
    go(producer, jobs);
    go_sleep(25 * MILLISECOND);
    printf("main: shutting down at %lldms\n", ms());
    fflush(stdout);
    chan_close(jobs); /* wrong: the producer still sends on it */
    go_sleep(HOUR);
}

int main(void)
{
    go_synctest(run, NULL);
    return 0;
}
