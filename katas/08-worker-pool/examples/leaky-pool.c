/*
 * leaky-pool: a function starts a pool for each batch of jobs, collects
 * every result, and returns without closing the jobs channel. Its workers
 * wait for another job forever: each call leaves them behind.
 *
 *   Go:   func squareAll(nums []int) []int {
 *             jobs, results := make(chan int), make(chan int)
 *             for w := 0; w < 2; w++ {
 *                 go func() { for n := range jobs { results <- n * n } }()
 *             }
 *             go func() { for _, n := range nums { jobs <- n } }() // no close(jobs)
 *             out := make([]int, 0, len(nums))
 *             for range nums { out = append(out, <-results) }
 *             return out // the answer is right; the two workers never return
 *         }
 *
 * Nothing crashes and the answers are right: a leak is silent. Only the
 * goroutine count gives it away, growing by two with each call; in a
 * server that calls this per request, threads (each with its stack) pile
 * up until the process runs out of memory. The grader's leak check, after
 * every test, reports them as below. Fix: the goroutine that sends the
 * jobs closes the channel after the last one; each worker's loop then
 * ends, and the function waits for them (wg_wait) before it returns.
 *
 * Run:  make example KATA=08 NAME=leaky-pool
 * You will see:
 *   batch 1: sum of squares 30, goroutines alive: 3
 *   batch 2: sum of squares 30, goroutines alive: 5
 *   batch 3: sum of squares 30, goroutines alive: 7
 *   what a test's leak check says about batch 3:
 *   2 goroutines leaked (started since the mark, still alive):
 *
 *   goroutine 8 [chan receive]:
 *   worker(...)
 *           katas/08-worker-pool/examples/leaky-pool.c:56
 *   created by square_all in goroutine 1
 *           katas/08-worker-pool/examples/leaky-pool.c:80
 *   ...
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

enum { WORKERS = 2, N = 4 };

typedef struct {
    chan_t *jobs, *results;
    const int *nums;
} batch_t;

static void worker(void *arg)
{
    batch_t *b = arg;
    int n;
    while (chan_recv(b->jobs, &n)) { /* ends only when jobs is closed: never */
        int sq = n * n;
        chan_send(b->results, &sq);
    }
}

static void feed(void *arg)
{
    batch_t *b = arg;
    for (int i = 0; i < N; i++)
        chan_send(b->jobs, &b->nums[i]);
    /* forgot chan_close(b->jobs) */
}

static int square_all(const int *nums)
{
    /* The batch outlives the call: the leaked workers still use it (in C,
     * that is a second bug waiting: it can never be freed). */
    static batch_t batches[3];
    static int next;
    batch_t *b = &batches[next++];
    *b = (batch_t){
        .jobs = chan_make(sizeof(int), 0), .results = chan_make(sizeof(int), 0), .nums = nums};
    for (int w = 0; w < WORKERS; w++)
        go(worker, b);
    go(feed, b);
    int sum = 0;
    for (int i = 0; i < N; i++) {
        int sq;
        chan_recv(b->results, &sq);
        sum += sq;
    }
    return sum;
}

int main(void)
{
    const int nums[N] = {1, 2, 3, 4};
    char report[4096];
    for (int batch = 1; batch <= 3; batch++) {
        go_leak_mark_t mark = go_leak_mark();
        int sum = square_all(nums);
        go_wait_idle(); /* let the feeder return: only the workers stay */
        printf("batch %d: sum of squares %d, goroutines alive: %d\n", batch, sum,
               go_numgoroutine());
        if (batch == 3 && go_leak_check(mark, report, sizeof report) > 0)
            printf("what a test's leak check says about batch 3:\n%s", report);
    }
    return 0;
}
