/*
 * deadlock-dump: every goroutine is blocked, the runtime says so, and its
 * goroutine dump says exactly where each one waits and who started it.
 *
 *   Go:   results := make(chan int)            // unbuffered
 *         for i := 1; i <= 3; i++ { wg.Add(1); go func() { defer wg.Done(); results <- i * i }() }
 *         wg.Wait()                            // waits for the workers ...
 *         for range 3 { sum += <-results }     // ... which wait for this
 *
 * Each worker's send waits for a receiver; main receives only after
 * wg_wait, and wg_wait waits for the workers to finish their send. A cycle:
 * nobody can move. Go prints "fatal error: all goroutines are asleep -
 * deadlock!" and every goroutine's stack; so does gokata, in Go's format.
 *
 * Run:  make example KATA=15 NAME=deadlock-dump
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [sync.WaitGroup.Wait]:
 *   main(...)
 *           katas/15-debugging/examples/deadlock-dump.c:69
 *
 *   goroutine 2 [chan send]:
 *   square(...)
 *           katas/15-debugging/examples/deadlock-dump.c:50
 *   created by start_workers in goroutine 1
 *           katas/15-debugging/examples/deadlock-dump.c:59
 *
 *   goroutine 3 [chan send]:
 *   ... (goroutines 3 and 4: the same two lines as goroutine 2)
 *   (exit status 2)
 *
 * README.md reads it line by line. The fix: receive the results while the
 * workers run (wg_wait after the loop of receives, or in a goroutine that
 * closes results), or give results room for every worker (capacity 3).
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    int n;
    chan_t *results;
    wg_t *wg;
} job_t;

static void square(void *arg)
{
    job_t *j = arg;
    int sq = j->n * j->n;
    chan_send(j->results, &sq); /* waits for a receiver: main, after wg_wait */
    wg_done(j->wg);
}

static void start_workers(job_t *jobs, int n, chan_t *results, wg_t *wg)
{
    for (int i = 0; i < n; i++) {
        jobs[i] = (job_t){.n = i + 1, .results = results, .wg = wg};
        wg_add(wg, 1);
        go(square, &jobs[i]);
    }
}

int main(void)
{
    chan_t *results = chan_make(sizeof(int), 0);
    wg_t wg = {0};
    job_t jobs[3];
    start_workers(jobs, 3, results, &wg);
    wg_wait(&wg); /* the bug: wait first, receive after */
    int sum = 0, v;
    for (int i = 0; i < 3; i++) {
        chan_recv(results, &v);
        sum += v;
    }
    printf("sum of squares = %d\n", sum);
    return 0;
}
