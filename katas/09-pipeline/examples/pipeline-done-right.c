/*
 * A pipeline done right: fan-out, fan-in, and stopping early without a leak.
 *
 *   Go:   ctx, cancel := context.WithCancel(context.Background())
 *         in := gen(ctx, 1, 2, ..., 1000)
 *         c1, c2, c3 := sq(ctx, in), sq(ctx, in), sq(ctx, in)  // fan-out
 *         for v := range merge(ctx, c1, c2, c3) {              // fan-in
 *             ... take 4, then break
 *         }
 *         cancel()     // every stage returns, closing its output
 *
 * Three rules make it work, and each example of this kata breaks one:
 *   - every stage closes its output on every way out (forgot-to-close.c);
 *   - only a goroutine that waits for every forwarder (a WaitGroup)
 *     closes the merged channel (merge-closes-too-early.c);
 *   - every send is a select on the send and on ctx_done, so a cancelled
 *     stage returns even when nobody reads (consumer-stops-reading.c,
 *     cancel-not-heard.c).
 *
 * Run:  make example KATA=09 NAME=pipeline-done-right
 *       (and with DETECTOR=tsan or DETECTOR=helgrind: nothing to report)
 * You will see something like
 *   first 4 squares out of 3 workers: 1 9 36 49
 *   stopped: 0 goroutines left, 9 of 1000 values generated
 *   (exit status 0)
 * Which squares come first varies from run to run: three workers finish
 * in any order (kata task 3 puts them back in order). What never varies:
 * 0 goroutines left, and only a handful of the 1000 values generated, the
 * few in flight when main stopped.
 */
#include <stdio.h>

#include "pipeline.h"

/* select { case out <- *v: return true; case <-ctx.Done(): return false } */
static bool send_or_done(pipeline_t *p, chan_t *out, const int *v)
{
    select_case_t cs[] = {select_send(out, v), select_recv(ctx_done(p->ctx), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

typedef struct {
    pipeline_t *p;
    chan_t *in, *out;
    wg_t *forwarding; /* merge's forwarders only */
} stage_t;

static atomic64_t generated;

static void gen_loop(void *arg)
{
    stage_t *s = arg;
    for (int i = 1; i <= 1000; i++) {
        if (!send_or_done(s->p, s->out, &i)) break;
        atomic64_add(&generated, 1);
    }
    chan_close(s->out); /* on every way out */
    free(s);
}

static void sq_loop(void *arg)
{
    stage_t *s = arg;
    int v;
    while (chan_recv(s->in, &v)) { /* gen closes in, even when cancelled */
        int sq = v * v;
        if (!send_or_done(s->p, s->out, &sq)) break;
    }
    chan_close(s->out);
    free(s);
}

static void forward(void *arg)
{
    stage_t *s = arg;
    int v;
    while (chan_recv(s->in, &v))
        if (!send_or_done(s->p, s->out, &v)) break;
    wg_done(s->forwarding); /* "I will not send on out again" */
    free(s);
}

typedef struct {
    wg_t forwarding;
    chan_t *out;
} closer_t;

static void close_when_forwarded(void *arg)
{
    closer_t *c = arg;
    wg_wait(&c->forwarding);
    chan_close(c->out); /* only now: nobody can send on it any more */
    free(c);
}

static chan_t *start(pipeline_t *p, go_func_t fn, chan_t *in)
{
    stage_t *s = malloc(sizeof *s);
    if (!s) abort();
    *s = (stage_t){.p = p, .in = in, .out = pipeline_chan(p, sizeof(int), 0)};
    chan_t *out = s->out;
    pipeline_go(p, fn, s); /* fn is gen_loop or sq_loop */
    return out;
}

static chan_t *fan_in(pipeline_t *p, chan_t **ins, int n)
{
    closer_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->out = pipeline_chan(p, sizeof(int), 0);
    chan_t *out = c->out;
    wg_add(&c->forwarding, n); /* before any forwarder can be done */
    for (int i = 0; i < n; i++) {
        stage_t *s = malloc(sizeof *s);
        if (!s) abort();
        *s = (stage_t){.p = p, .in = ins[i], .out = out, .forwarding = &c->forwarding};
        pipeline_go(p, forward, s);
    }
    pipeline_go(p, close_when_forwarded, c);
    return out;
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    pipeline_t p;
    pipeline_init(&p, ctx_background());
    chan_t *in = start(&p, gen_loop, NULL);
    chan_t *workers[3];
    for (int i = 0; i < 3; i++)
        workers[i] = start(&p, sq_loop, in);  /* fan-out */
    chan_t *squares = fan_in(&p, workers, 3); /* fan-in */

    printf("first 4 squares out of 3 workers:");
    int v;
    for (int taken = 0; taken < 4 && chan_recv(squares, &v); taken++)
        printf(" %d", v);
    printf("\n");

    pipeline_stop(&p); /* cancel; every stage returns; wait for them; free */
    printf("stopped: %d goroutines left, %lld of 1000 values generated\n",
           go_leak_check(mark, NULL, 0), (long long)atomic64_load(&generated));
    return 0;
}
