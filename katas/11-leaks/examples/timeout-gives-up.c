/*
 * A search with a timeout: the caller gives up, the goroutine doesn't.
 *
 *   Go:   func Search(q string) (Result, error) {
 *             c := make(chan Result)             // unbuffered: the bug
 *             go func() { c <- backend(q) }()
 *             select {
 *             case r := <-c:
 *                 return r, nil
 *             case <-time.After(20 * time.Millisecond):
 *                 return Result{}, ErrTimeout    // nobody will ever read c
 *             }
 *         }
 *
 * The backend takes 100 ms; the caller waits 20. Each timed-out request
 * leaves one goroutine blocked in chan_send for good. This is how a leak
 * shows in production: nothing fails, but runtime.NumGoroutine() (here
 * go_numgoroutine()) only ever goes up, with the load. The next step is a
 * goroutine dump (Go: kill -QUIT, or /debug/pprof/goroutine?debug=2; here
 * go_dump(), or Ctrl-\ on a running program): hundreds of goroutines
 * parked at the same line, in the same state, and that line is the bug.
 * Fix: make(chan Result, 1), so that the late send never waits (task 2
 * does this with a context, so that the backend stops too).
 *
 * Run:  make example KATA=11 NAME=timeout-gives-up
 * You will see:
 *   request 1: timed out; goroutines: 2
 *   request 2: timed out; goroutines: 3
 *   ...
 *   request 5: timed out; goroutines: 6
 *   (the dump, on standard error:)
 *   goroutine 1 [running]:
 *   main(...)
 *           katas/11-leaks/examples/timeout-gives-up.c:74
 *
 *   goroutine 2 [chan send]:
 *   search_backend(...)
 *           katas/11-leaks/examples/timeout-gives-up.c:51
 *   created by search in goroutine 1
 *           katas/11-leaks/examples/timeout-gives-up.c:57
 *   ... the same for goroutines 3 to 6: one line to look at.
 */
#include <stdio.h>

#include "gokata.h"

static void search_backend(void *result)
{
    go_sleep(100 * MILLISECOND); /* the slow backend */
    int r = 42;
    chan_send(result, &r); /* the caller has gone: waits forever */
}

static bool search(int *r)
{
    chan_t *result = chan_make(sizeof(int), 0); /* the bug: no room for a late answer */
    go(search_backend, result);
    select_case_t cs[] = {select_recv(result, r), select_recv(time_after(20 * MILLISECOND), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0; /* case 1: timed out, and gone */
}

int main(void)
{
    for (int req = 1; req <= 5; req++) {
        int r;
        bool ok = search(&r);
        go_sleep(150 * MILLISECOND); /* long after the backend has answered */
        if (ok)
            printf("request %d: %d; goroutines: %d\n", req, r, go_numgoroutine());
        else
            printf("request %d: timed out; goroutines: %d\n", req, go_numgoroutine());
    }
    fflush(stdout);
    go_dump(); /* what Ctrl-\ would print: where every goroutine is */
    return 0;
}
