/*
 * leak: a goroutine blocked forever on a channel nobody sends to any more.
 * Nothing crashes and nothing is printed: a leak is silent.
 *
 *   Go:   jobs := make(chan int)
 *         go func() { for j := range jobs { fmt.Println(j, "squared is", j*j) } }()
 *         for j := 1; j <= 3; j++ { jobs <- j }
 *         // forgot close(jobs): the worker waits for a fourth job forever
 *
 * The worker ranges over jobs until the channel is closed; main never closes
 * it, so after the third job the worker waits forever. In a server that does
 * this once per request, goroutines (and here threads, each with its stack)
 * pile up until the process runs out of memory. Go's tests find leaks with
 * goleak; gokata's harness does the same after every test, with
 * go_leak_mark/go_leak_check, used here to print what a test would report.
 * Fix: chan_close(jobs) after the last send.
 *
 * Run:  make example KATA=01 NAME=leak
 * You will see:
 *   worker: 1 squared is 1
 *   worker: 2 squared is 4
 *   worker: 3 squared is 9
 *   goroutines alive: 2
 *   1 goroutine leaked (still alive after the test):
 *
 *   goroutine 2 [chan receive]:
 *   worker(...)
 *           katas/01-goroutines/examples/leak.c:41
 *   created by main in goroutine 1
 *           katas/01-goroutines/examples/leak.c:49
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

static void worker(void *arg)
{
    chan_t *jobs = arg;
    int j;
    while (chan_recv(jobs, &j)) /* for j := range jobs: ends only when jobs is closed */
        printf("worker: %d squared is %d\n", j, j * j);
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    chan_t *jobs = chan_make(sizeof(int), 0);
    go(worker, jobs);
    for (int j = 1; j <= 3; j++)
        chan_send(jobs, &j);
    /* forgot chan_close(jobs) */

    char report[4096];
    if (go_leak_check(mark, report, sizeof report) > 0) { /* what the test harness does */
        printf("goroutines alive: %d\n", go_numgoroutine());
        printf("%s", report);
    }
    return 0; /* the channel can't be freed: the worker still waits on it */
}
