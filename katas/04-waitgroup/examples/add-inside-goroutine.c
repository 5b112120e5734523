/*
 * wg_add inside the goroutine: wg_wait returns before the work has begun.
 *
 * Each worker counts itself in (wg_add) once it has started and set up.
 * But main gets to wg_wait first: it does not wait for its goroutines to
 * start. The counter is still zero, so wg_wait returns at once, and main
 * goes on as if the work were done.
 *
 *   make example KATA=04 NAME=add-inside-goroutine
 *
 * You will see
 *   wg_wait returned: 0 of 4 workers had finished
 *   100 ms later:     4 of 4 workers had finished
 * The first number depends on timing: that is the bug. Here each worker
 * spends a millisecond on setup before its wg_add, so the bug shows every
 * time; with wg_add as the goroutine's very first line it still shows in
 * most runs, not all, which is worse: it passes your tests and fails in
 * production. The fix: wg_add(&wg, 1) in main, before go(). (Since Go
 * 1.25, go vet reports this mistake: "WaitGroup.Add called from inside new
 * goroutine".)
 */
#include <gokata.h>
#include <stdio.h>

enum { N = 4 };

static wg_t wg;
static atomic64_t finished;

static void worker(void *arg)
{
    (void)arg;
    go_sleep(MILLISECOND);      /* setup: open a file, parse a request... */
    wg_add(&wg, 1);             /* BUG: too late, main is already past wg_wait */
    go_sleep(10 * MILLISECOND); /* the work */
    atomic64_add(&finished, 1);
    wg_done(&wg);
}

int main(void)
{
    for (int i = 0; i < N; i++)
        go(worker, NULL);
    wg_wait(&wg);
    printf("wg_wait returned: %lld of %d workers had finished\n",
           (long long)atomic64_load(&finished), N);
    go_sleep(100 * MILLISECOND);
    printf("100 ms later:     %lld of %d workers had finished\n",
           (long long)atomic64_load(&finished), N);
    return 0;
}
