/*
 * shutdown-never-returns: a graceful shutdown waits for the requests in
 * flight, so one handler that ignores its context makes it wait forever,
 * unless the shutdown has a deadline.
 *
 *   make example KATA=21 NAME=shutdown-never-returns
 *
 * A toy server: each request is a goroutine, counted by a WaitGroup;
 * shutdown waits in one select for all of them (a channel closed after
 * wg_wait) or for its context. The handler here ignores the context it is
 * given and works for an hour.
 *   1. Shutdown with no deadline (ctx_background): after 2 s it still
 *      hasn't returned; the goroutine dump shows why.
 *   2. Shutdown with a 500 ms deadline: it returns, with the error. The
 *      stubborn handler still runs: the program can only exit around it.
 *   3. The same, with a handler that also waits on ctx_done: cancelling the
 *      server's context (what server_close does) ends it at once.
 * You will see (goroutine numbers vary):
 *
 *   1. shutdown, no deadline: still waiting after 2 s. Where everyone is:
 *   goroutine 2 [sleep]:
 *   ignores_its_context(...)
 *           katas/21-graceful-shutdown/examples/shutdown-never-returns.c:47
 *   ...
 *   goroutine 3 [select]:
 *   shutdown(...)
 *           katas/21-graceful-shutdown/examples/shutdown-never-returns.c:85
 *   ...
 *   2. shutdown, 500 ms deadline: context deadline exceeded after 0.5 s; the handler still runs
 *   3. shutdown, 500 ms deadline: context deadline exceeded after 0.5 s;
 *      cancel the server's context: its handler returned at once
 */
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

typedef struct {
    ctx_t *base;     /* the handlers' context */
    wg_t wg;         /* one per request in flight */
    chan_t *drained; /* closed once wg reaches 0 (after shutdown began) */
} server_t;

static void ignores_its_context(void *arg)
{
    server_t *s = arg;
    go_sleep(HOUR); /* "the work": deaf to s->base */
    ctx_release(s->base);
    wg_done(&s->wg);
}

static void listens_to_its_context(void *arg)
{
    server_t *s = arg;
    select_case_t cs[] = {select_recv(time_after(HOUR), NULL),
                          select_recv(ctx_done(s->base), NULL)};
    chan_select(cs, 2, SELECT_BLOCK);
    ctx_release(s->base); /* the reference serve took for us */
    wg_done(&s->wg);
}

static server_t *serve(go_func_t handler)
{
    server_t *s = calloc(1, sizeof *s);
    s->base = ctx_with_cancel(ctx_background());
    s->drained = chan_make(0, 0);
    ctx_retain(s->base); /* the handler's */
    wg_add(&s->wg, 1);
    go(handler, s); /* one request in flight */
    return s;
}

static void close_when_drained(void *arg)
{
    server_t *s = arg;
    wg_wait(&s->wg);
    chan_close(s->drained);
}

/* Waits for every request in flight, or for ctx: NULL or ctx_err(ctx). */
static const char *shutdown(server_t *s, ctx_t *ctx)
{
    go(close_when_drained, s);
    select_case_t cs[] = {select_recv(s->drained, NULL), select_recv(ctx_done(ctx), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 0) return NULL;
    return ctx_err(ctx);
}

static void shutdown_forever(void *arg)
{
    shutdown(arg, ctx_background()); /* never done: no deadline */
}

static double secs(go_duration_t d)
{
    return (double)(d / (100 * MILLISECOND)) / 10; /* rounded down to 0.1 s */
}

int main(void)
{
    /* 1. */
    server_t *s = serve(ignores_its_context);
    go(shutdown_forever, s);
    go_sleep(2 * SECOND);
    printf("1. shutdown, no deadline: still waiting after 2 s. Where everyone is:\n");
    fflush(stdout);
    go_dump();

    /* 2. */
    s = serve(ignores_its_context);
    go_time_t t0 = time_now();
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 500 * MILLISECOND);
    const char *err = shutdown(s, ctx);
    ctx_cancel(ctx);
    printf("2. shutdown, 500 ms deadline: %s after %.1f s; the handler still runs\n", err,
           secs(time_since(t0)));

    /* 3. */
    s = serve(listens_to_its_context);
    t0 = time_now();
    ctx = ctx_with_timeout(ctx_background(), 500 * MILLISECOND);
    err = shutdown(s, ctx);
    ctx_cancel(ctx);
    printf("3. shutdown, 500 ms deadline: %s after %.1f s;\n", err, secs(time_since(t0)));
    ctx_cancel(s->base); /* server_close's part */
    chan_recv(s->drained, NULL);
    printf("   cancel the server's context: its handler returned at once\n");
    return 0; /* the stubborn handlers end with the process, mid-work */
}
