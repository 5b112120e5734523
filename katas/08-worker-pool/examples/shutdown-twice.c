/*
 * shutdown-twice: a pool's stop function closes the jobs channel, and two
 * paths of the program call it. The second close panics.
 *
 *   Go:   func (p *Pool) Stop() { close(p.jobs); p.wg.Wait() }
 *
 *         p.Stop() // an error path stops the pool early...
 *         p.Stop() // ...and the cleanup at the end stops it again: panic
 *
 * Closing a channel is how the owner of a jobs channel says "no more jobs":
 * every worker's range loop ends. But a close can happen once only; a
 * second one is a panic, "close of closed channel", and a panic ends the
 * whole program. Stop functions get called twice all the time (an error
 * path and a deferred cleanup, a signal handler and main), so make yours
 * safe to call again: remember that the pool is stopped (a flag under a
 * mutex, or sync.Once: once_do here), close only the first time, and wait
 * for the workers every time.
 *
 * Run:  make example KATA=08 NAME=shutdown-twice
 * You will see:
 *   main: 3 jobs done, stopping the pool early
 *   main: cleaning up
 *   panic: close of closed channel
 *
 *   goroutine 1 [running]:
 *   pool_stop(...)
 *           katas/08-worker-pool/examples/shutdown-twice.c:51
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    chan_t *jobs;
    wg_t wg;
    atomic64_t done;
} pool_t;

static void worker(void *arg)
{
    pool_t *p = arg;
    int job;
    while (chan_recv(p->jobs, &job))
        atomic64_add(&p->done, 1);
    wg_done(&p->wg);
}

static void pool_stop(pool_t *p)
{
    chan_close(p->jobs); /* wrong the second time: the channel is already closed */
    wg_wait(&p->wg);
}

int main(void)
{
    pool_t p = {.jobs = chan_make(sizeof(int), 4)};
    wg_add(&p.wg, 2);
    go(worker, &p);
    go(worker, &p);
    for (int job = 1; job <= 3; job++)
        chan_send(p.jobs, &job);

    pool_stop(&p); /* an error path stops the pool early */
    printf("main: %lld jobs done, stopping the pool early\n", (long long)atomic64_load(&p.done));
    printf("main: cleaning up\n");
    fflush(stdout);
    pool_stop(&p); /* the cleanup at the end stops it again */
    printf("never printed\n");
    return 0;
}
