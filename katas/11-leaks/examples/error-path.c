/*
 * The error path: return on the first error, and leave everyone waiting.
 *
 *   Go:   jobs, results := make(chan int), make(chan error)
 *         go func() { for _, it := range items { jobs <- it }; close(jobs) }()
 *         for w := 0; w < 3; w++ {
 *             go func() { for it := range jobs { results <- handle(it) } }()
 *         }
 *         for range items {
 *             if err := <-results; err != nil {
 *                 return err                 // the bug: who reads the rest?
 *             }
 *         }
 *
 * The happy path is fine: every result is read, jobs is closed, the
 * workers' range loops end. But item 4 fails, and process() returns at
 * once: the three workers each finish their item and wait forever to send
 * a result nobody reads, and the feeder waits forever to hand out its
 * next item to workers that will never take it. One error, four goroutines gone for
 * good, and the items array they point into may be gone too. The fix
 * (task 3): the feeder selects on a done channel that the first error
 * closes, the error goes into a variable under a mutex (nobody has to read
 * it), jobs is closed on every way out, and process() waits for everyone
 * before it returns.
 *
 * Run:  make example KATA=11 NAME=error-path
 * You will see:
 *   process: error 4 (item 4 failed)
 *   4 goroutines leaked (started since the mark, still alive):
 *
 *   goroutine 2 [chan send]:
 *   feed(...)
 *           katas/11-leaks/examples/error-path.c:51
 *   created by process in goroutine 1
 *   ...
 *   goroutine 3 [chan send]:
 *   work(...)
 *           katas/11-leaks/examples/error-path.c:62
 *   ... and goroutines 4 and 5, the same.
 */
#include <stdio.h>

#include "gokata.h"

static chan_t *jobs, *results;

static void feed(void *unused)
{
    (void)unused;
    for (int it = 0; it < 10; it++)
        chan_send(jobs, &it); /* the next item is never taken */
    chan_close(jobs);
}

static void work(void *unused)
{
    (void)unused;
    int it;
    while (chan_recv(jobs, &it)) {
        go_sleep(MILLISECOND); /* handle(it) */
        int err = it == 4 ? 4 : 0;
        chan_send(results, &err); /* after the error, nobody reads */
    }
}

static int process(void)
{
    jobs = chan_make(sizeof(int), 0);
    results = chan_make(sizeof(int), 0);
    go(feed, NULL);
    for (int w = 0; w < 3; w++)
        go(work, NULL);
    for (int i = 0; i < 10; i++) {
        int err;
        chan_recv(results, &err);
        if (err) return err; /* the bug: everyone else is left waiting */
    }
    return 0;
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    printf("process: error %d (item 4 failed)\n", process());
    static char report[8192];
    if (go_leak_check(mark, report, sizeof report) == 0)
        printf("no goroutine leaked\n");
    else
        printf("%s", report);
    return 0;
}
