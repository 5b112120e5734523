/*
 * forgot-to-cancel: a context nobody cancels, and the goroutine that waits
 * for it forever.
 *
 * Each request gets a context (ctx_with_cancel) and a watcher goroutine
 * that waits for the request to end (its ctx_done) to log it. The handler
 * forgets ctx_cancel: the done channel never closes, so every watcher
 * waits forever. One leaked goroutine per request; in a server, that is
 * memory and threads that only grow.
 *
 *   make example KATA=07 NAME=forgot-to-cancel
 *
 * You will see the count of goroutines grow by one per request, then the
 * leak check (goleak's, go_leak_check) name each watcher, where it is
 * stuck and where it was started:
 *
 *   goroutines alive after request 1: 2
 *   goroutines alive after request 2: 3
 *   goroutines alive after request 3: 4
 *   3 goroutines leaked (still alive after the test):
 *
 *   goroutine 2 [chan receive]:
 *   watch(...)
 *           katas/07-context/examples/forgot-to-cancel.c:41
 *   created by handle in goroutine 1
 *           katas/07-context/examples/forgot-to-cancel.c:50
 *   ...
 *
 * The fix is the line marked FIX: give the context back with ctx_cancel,
 * which closes its done channel and lets the watcher go. The count then
 * stays at 1 and the last line says "no goroutine leaked". (The watcher also holds a reference of
 * its own, ctx_retain, since it uses the context after handle has returned.)
 */
#include <stdio.h>

#include "gokata.h"

static void watch(void *arg)
{
    ctx_t *ctx = arg;
    chan_recv(ctx_done(ctx), NULL); /* "defer log(request finished)" */
    ctx_release(ctx);               /* the reference handle retained for us */
}

static void handle(int request)
{
    (void)request;
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx); /* the watcher's own reference */
    go(watch, ctx);
    /* ... the request's work ... */
    /* FIX: ctx_cancel(ctx); */
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    for (int r = 1; r <= 3; r++) {
        handle(r);
        go_wait_idle(); /* let the watcher reach its chan_recv */
        printf("goroutines alive after request %d: %d\n", r, go_numgoroutine());
    }
    static char report[8192];
    int leaked = go_leak_check(mark, report, sizeof report);
    if (leaked)
        fputs(report, stdout);
    else
        printf("no goroutine leaked\n");
    return 0;
}
