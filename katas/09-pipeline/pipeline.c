/*
 * Kata 09 · Pipelines: your file, the only one you edit.
 *
 * The contract of each function is in pipeline.h (with the rules every stage
 * follows, and the given pipeline_t: pipeline_go, pipeline_chan,
 * pipeline_stop); the lesson in README.md; hints in HINTS.md. Check your
 * work with:  make grade KATA=09
 *
 * Tasks 1 to 3: write each stage (replace each TODO). Task 4: write
 * first_k, then go back to every stage and make each send a select with
 * ctx_done(p->ctx).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "kata_todo.h"
#include "pipeline.h"

/* ---- Task 1: stages chained by channels ----------------------------------- */

chan_t *gen(pipeline_t *p, const int *xs, int n)
{
    (void)p, (void)xs, (void)n;
    TODO("gen: make the output with pipeline_chan, start one goroutine (pipeline_go) that "
         "sends xs[0..n) and then closes it; return the channel at once");
}

chan_t *apply(pipeline_t *p, chan_t *in, map_fn f)
{
    (void)p, (void)in, (void)f;
    TODO("apply: start one goroutine that sends f(v) for each v received from in, "
         "and closes its output once in is closed");
}

long sum(chan_t *in)
{
    (void)in;
    TODO("sum: receive from in until it is closed (while (chan_recv(in, &v))), add up");
}

long sum_of_squares(const int *xs, int n)
{
    (void)xs, (void)n;
    TODO("sum_of_squares: pipeline_init, then sum(apply(&p, gen(&p, xs, n), square)), "
         "then pipeline_stop");
}

/* ---- Task 2: fan-out, fan-in ---------------------------------------------- */

chan_t *merge(pipeline_t *p, chan_t *const *ins, int n)
{
    (void)p, (void)ins, (void)n;
    TODO("merge: one forwarding goroutine per input, and one more that waits for them "
         "(wg_wait) and then closes the output");
}

chan_t *parallel_apply(pipeline_t *p, chan_t *in, int workers, map_fn f)
{
    (void)p, (void)in, (void)workers, (void)f;
    TODO("parallel_apply: `workers` apply stages all reading in, merged into one channel");
}

/* ---- Task 3: keeping the order -------------------------------------------- */

chan_t *ordered_apply(pipeline_t *p, chan_t *in, int workers, map_fn f)
{
    (void)p, (void)in, (void)workers, (void)f;
    TODO("ordered_apply: number each value (a sequence number), let the workers send "
         "back {seq, f(v)}, and send the results on when it is their turn (a reorder buffer)");
}

/* ---- Task 4: stopping early ------------------------------------------------ */

int first_k(const int *xs, int n, map_fn f, int workers, int k, int *out)
{
    (void)xs, (void)n, (void)f, (void)workers, (void)k, (void)out;
    TODO("first_k: gen -> ordered_apply, read k results, then pipeline_stop; every send in "
         "every stage must be a select with ctx_done(p->ctx), or the stop waits forever");
}
