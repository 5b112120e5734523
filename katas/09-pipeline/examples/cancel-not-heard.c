/*
 * Cancelling is not enough: a stage must listen for it.
 *
 *   Go:   ctx, cancel := context.WithCancel(ctx)
 *         ... stages that send with a plain `out <- v` ...
 *         cancel()
 *         g.Wait()     // waits for every stage to return: forever
 *
 * The same pipeline as consumer-stops-reading.c, built with the kata's
 * pipeline_t this time: main takes the squares up to 4, stops reading, and
 * calls pipeline_stop, which cancels the context and waits for every
 * goroutine of the pipeline. But gen and sq send with a plain chan_send:
 * they are parked, waiting for a reader, and nothing wakes them when the
 * context is cancelled. Cancellation in Go is cooperative: the context's
 * Done channel is closed, and only a goroutine that selects on it hears
 * it. So pipeline_stop waits forever, and with nothing left to run,
 * the runtime reports a deadlock. (Without pipeline_stop's wait, this is
 * the silent leak of consumer-stops-reading.c; the wait makes it loud.)
 *
 * Run:  make example KATA=09 NAME=cancel-not-heard
 * You will see:
 *   squares up to 4: 0 1 4
 *   cancelled; waiting for the stages to return...
 *   fatal error: all goroutines are asleep - deadlock!
 * and the dump (in some order): goroutine 1 [sync.WaitGroup.Wait] in
 * pipeline_stop, goroutine 2 [chan send] in gen_loop at
 * cancel-not-heard.c:46, goroutine 3 [chan send] in sq_loop at
 * cancel-not-heard.c:56; then (exit status 2).
 *
 * The fix: every send is a select on the send and on ctx_done(p->ctx);
 * see pipeline-done-right.c.
 */
#include <stdio.h>

#include "pipeline.h"

typedef struct {
    pipeline_t *p;
    chan_t *in, *out;
} stage_t;

static void gen_loop(void *arg)
{
    stage_t *s = arg;
    for (int i = 0; i < 10; i++)
        chan_send(s->out, &i); /* BUG: deaf to p->ctx */
    chan_close(s->out);
}

static void sq_loop(void *arg)
{
    stage_t *s = arg;
    int v;
    while (chan_recv(s->in, &v)) {
        int sq = v * v;
        chan_send(s->out, &sq); /* BUG: deaf to p->ctx */
    }
    chan_close(s->out);
}

int main(void)
{
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    static stage_t g, s;
    g = (stage_t){.p = &p, .out = pipeline_chan(&p, sizeof(int), 0)};
    pipeline_go(&p, gen_loop, &g);
    s = (stage_t){.p = &p, .in = g.out, .out = pipeline_chan(&p, sizeof(int), 0)};
    pipeline_go(&p, sq_loop, &s);

    printf("squares up to 4:");
    int v;
    while (chan_recv(s.out, &v)) {
        if (v > 4) break;
        printf(" %d", v);
    }
    printf("\ncancelled; waiting for the stages to return...\n");
    fflush(stdout);
    pipeline_stop(&p);
    printf("never printed\n");
    return 0;
}
