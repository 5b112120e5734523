/*
 * What works: Add before go, Done last, and Wait in a goroutine of its own
 * that closes the results channel.
 *
 * The workers send their results on an unbuffered channel and call
 * wg_done after the send. main ranges over the channel (receives until it
 * is closed); a closer goroutine waits for the workers and then closes it.
 * Nobody waits for something that waits for them, so nothing is stuck;
 * and main's loop ends exactly when the last result is in.
 *
 *   make example KATA=04 NAME=wait-and-close
 *   make example KATA=04 NAME=wait-and-close DETECTOR=tsan
 *
 * You will see `sum of squares 1..8 = 204 (expected 204)`, every time,
 * and no report from ThreadSanitizer (exit status 0).
 */
#include <gokata.h>
#include <stdio.h>

enum { N = 8 };

typedef struct {
    int n;
    chan_t *results;
    wg_t *wg;
    wg_t *closed; /* the closer only: Done once it has closed results */
} job_t;

static void worker(void *arg)
{
    job_t *j = arg;
    int square = j->n * j->n;
    chan_send(j->results, &square);
    wg_done(j->wg); /* last: after everything the waiter relies on */
}

static void close_when_done(void *arg)
{
    job_t *j = arg;
    wg_wait(j->wg);
    chan_close(j->results); /* ends main's receive loop */
    wg_done(j->closed);
}

int main(void)
{
    chan_t *results = chan_make(sizeof(int), 0);
    wg_t wg = {0}, closed = {0};
    job_t jobs[N], closer = {.results = results, .wg = &wg, .closed = &closed};
    for (int i = 0; i < N; i++) {
        jobs[i] = (job_t){.n = i + 1, .results = results, .wg = &wg};
        wg_add(&wg, 1); /* before go: the counter is right before anyone waits */
        go(worker, &jobs[i]);
    }
    wg_add(&closed, 1);
    go(close_when_done, &closer);

    int sum = 0, square;
    while (chan_recv(results, &square))
        sum += square; /* for square := range results */
    printf("sum of squares 1..%d = %d (expected 204)\n", N, sum);
    /* The closer may still be inside chan_close when the loop ends: wait
     * for it before freeing the channel (Go's garbage collector would). */
    wg_wait(&closed);
    chan_free(results);
    return 0;
}
