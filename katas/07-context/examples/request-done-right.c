/*
 * request-done-right: one request, done the way this kata teaches. It works.
 *
 * The request carries its id in the context (a private key) and has 1500ms
 * to finish (ctx_with_timeout). It looks up two hosts at once, each in a
 * goroutine of its own that holds its own reference to the context
 * (ctx_retain before go, ctx_release when done). Each lookup waits for its
 * answer in a select that also waits on ctx_done: the fast one (1s)
 * answers, the slow one (3s) gives up at the deadline. The handler gives
 * its contexts back (ctx_cancel, ctx_release), and the leak check finds no
 * goroutine left. Virtual time (go_synctest) makes the times exact.
 *
 *   make example KATA=07 NAME=request-done-right
 *
 * You will see:
 *
 *   req-7 at 1000ms: fast.example -> 10.0.0.1
 *   req-7 at 1500ms: slow.example: context deadline exceeded
 *   req-7 at 1500ms: done
 *   no goroutine leaked
 */
#include <stdio.h>

#include "gokata.h"

static const char request_id_key; /* private: only its address is used */

static void logf_ctx(ctx_t *ctx, go_time_t start, const char *what)
{
    printf("%s at %lldms: %s\n", (const char *)ctx_value(ctx, &request_id_key),
           (long long)(time_since(start) / MILLISECOND), what);
}

typedef struct {
    ctx_t *ctx; /* a reference of our own */
    const char *host, *addr;
    go_duration_t takes;
    go_time_t start;
    wg_t *wg;
} lookup_t;

static void lookup(void *arg)
{
    lookup_t *l = arg;
    go_timer_t *answer = timer_new(l->takes);
    select_case_t cs[] = {select_recv(answer->C, NULL), select_recv(ctx_done(l->ctx), NULL)};
    int got = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(answer);
    char line[96];
    if (got == 0)
        snprintf(line, sizeof line, "%s -> %s", l->host, l->addr);
    else
        snprintf(line, sizeof line, "%s: %s", l->host, ctx_err(l->ctx));
    logf_ctx(l->ctx, l->start, line);
    ctx_release(l->ctx); /* our reference */
    wg_done(l->wg);
}

static void handle_request(void *arg)
{
    (void)arg;
    go_time_t start = time_now();
    ctx_t *req = ctx_with_value(ctx_background(), &request_id_key, "req-7");
    ctx_t *ctx = ctx_with_timeout(req, 1500 * MILLISECOND);
    wg_t wg = {0};
    lookup_t lookups[] = {
        {.host = "fast.example", .addr = "10.0.0.1", .takes = SECOND},
        {.host = "slow.example", .addr = "10.0.0.2", .takes = 3 * SECOND},
    };
    for (int i = 0; i < 2; i++) {
        lookups[i].ctx = ctx;
        lookups[i].start = start;
        lookups[i].wg = &wg;
        ctx_retain(ctx); /* the goroutine's own reference */
        wg_add(&wg, 1);
        go(lookup, &lookups[i]);
    }
    wg_wait(&wg);
    logf_ctx(ctx, start, "done");
    ctx_cancel(ctx);  /* defer cancel() */
    ctx_release(req); /* a value context: released, not cancelled */
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    go_synctest(handle_request, NULL);
    static char report[8192];
    if (go_leak_check(mark, report, sizeof report))
        fputs(report, stdout);
    else
        printf("no goroutine leaked\n");
    return 0;
}
