/*
 * ignoring-the-context: a lookup that takes a context and never looks at
 * it, so the caller's deadline changes nothing.
 *
 * The caller allows 100ms (ctx_with_timeout). lookup_ignoring takes the
 * context and sleeps through its 1s of work anyway: the caller waits 1s,
 * and gets an answer it had already given up on. lookup_honouring waits for
 * the same timer in a select that also waits on ctx_done(ctx), and returns
 * ctx_err(ctx) the moment the deadline passes. Both run in virtual time
 * (go_synctest), so the times printed are exact.
 *
 *   make example KATA=07 NAME=ignoring-the-context
 *
 * You will see:
 *
 *   ignoring the context:  returned (no error) after 1000ms; the deadline was 100ms
 *   honouring the context: returned "context deadline exceeded" after 100ms; the deadline was 100ms
 */
#include <stdio.h>

#include "gokata.h"

typedef const char *(*lookup_fn)(ctx_t *ctx);

static const char *lookup_ignoring(ctx_t *ctx)
{
    (void)ctx;        /* taken, and ignored */
    go_sleep(SECOND); /* the slow work */
    return NULL;
}

static const char *lookup_honouring(ctx_t *ctx)
{
    go_timer_t *work = timer_new(SECOND); /* the same slow work */
    select_case_t cs[] = {select_recv(work->C, NULL), select_recv(ctx_done(ctx), NULL)};
    int got = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(work);
    return got == 1 ? ctx_err(ctx) : NULL;
}

typedef struct {
    const char *name;
    lookup_fn lookup;
} caller_t;

static void call_with_deadline(void *arg)
{
    caller_t *c = arg;
    go_duration_t deadline = 100 * MILLISECOND;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), deadline);
    go_time_t start = time_now();
    const char *err = c->lookup(ctx);
    go_duration_t took = time_since(start);
    ctx_cancel(ctx);
    char result[64];
    if (err)
        snprintf(result, sizeof result, "\"%s\"", err);
    else
        snprintf(result, sizeof result, "(no error)");
    printf("%-22s returned %s after %lldms; the deadline was %lldms\n", c->name, result,
           (long long)(took / MILLISECOND), (long long)(deadline / MILLISECOND));
}

int main(void)
{
    caller_t ignoring = {"ignoring the context:", lookup_ignoring};
    caller_t honouring = {"honouring the context:", lookup_honouring};
    go_synctest(call_with_deadline, &ignoring);
    go_synctest(call_with_deadline, &honouring);
    return 0;
}
