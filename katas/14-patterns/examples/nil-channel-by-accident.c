/*
 * nil-channel-by-accident: a channel that was never made. A NULL channel is
 * Go's nil channel: a send or a receive on it blocks forever, and a select
 * case on it is never ready. On purpose, that switches a case off (task 4).
 * By accident, it is a goroutine that waits for nothing at all.
 *
 *   Go:   type server struct { jobs chan int; results chan int }
 *         s := &server{jobs: make(chan int)}   // results: forgotten, nil
 *         go s.worker()                        // ... s.results <- x*x blocks forever
 *         s.jobs <- 7
 *         fmt.Println(<-s.results)             // blocks forever
 *
 * Here server_new makes the jobs channel and forgets the results one (a
 * zeroed struct, as Go's zero value). The worker takes the job, computes, and
 * its send on the NULL channel never completes; main waits for a result
 * that can never come. Nothing is left that could run: the runtime says so,
 * and the dump says "(nil chan)" beside each goroutine stuck on one. In a
 * program with other goroutines still running (a server) there is no such
 * report: it just hangs, and Ctrl-\ prints the same dump.
 *
 * The fix: make every channel where the struct is made, and keep NULL for
 * the cases you switch off on purpose, set in the loop that owns them.
 *
 * Run:  make example KATA=14 NAME=nil-channel-by-accident
 * You will see:
 *   worker: 7 * 7 = 49, sending it...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan receive (nil chan)]:
 *   main(...)
 *   	katas/14-patterns/examples/nil-channel-by-accident.c:77
 *
 *   goroutine 2 [chan send (nil chan)]:
 *   worker(...)
 *   	katas/14-patterns/examples/nil-channel-by-accident.c:58
 *   created by main in goroutine 1
 *   	katas/14-patterns/examples/nil-channel-by-accident.c:74
 *   (exit status 2)
 * (the two goroutines may come in the other order).
 */
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

typedef struct {
    chan_t *jobs;    /* int */
    chan_t *results; /* int */
} server_t;

static void worker(void *arg)
{
    server_t *s = arg;
    int x;
    while (chan_recv(s->jobs, &x)) {
        int sq = x * x;
        printf("worker: %d * %d = %d, sending it...\n", x, x, sq);
        fflush(stdout);
        chan_send(s->results, &sq); /* s->results is NULL: blocks forever */
    }
}

static server_t *server_new(void)
{
    server_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->jobs = chan_make(sizeof(int), 0);
    /* BUG: s->results = chan_make(sizeof(int), 0); was never written */
    return s;
}

int main(void)
{
    server_t *s = server_new();
    go(worker, s);
    int job = 7, result;
    chan_send(s->jobs, &job);
    chan_recv(s->results, &result); /* NULL too: waits forever */
    printf("result: %d\n", result);
    return 0;
}
