/*
 * 10 · rate limiting: your file. Replace each TODO with your code.
 *
 * The contracts are in ratelimit.h; the lesson is in README.md; hints, from
 * a nudge to nearly the answer, in HINTS.md. Grade it with:
 * make grade KATA=10
 */
#include <stdlib.h>

#include "kata_todo.h"
#include "ratelimit.h"

/* ---- Task 1 -------------------------------------------------------------- */

void throttle(chan_t *in, chan_t *out, go_duration_t every)
{
    (void)in;
    (void)out;
    (void)every;
    TODO("throttle: one ticker_new(every) before the loop; for each value received from in, "
         "wait for a tick, then send it on out; then ticker_free and close out");
}

/* ---- Task 2 -------------------------------------------------------------- */

/* What a bucket needs: yours to choose (tokens, a ticker, ...). */
struct token_bucket {
    int todo;
};

tb_t *tb_new(go_duration_t every, int burst)
{
    (void)every;
    (void)burst;
    TODO("tb_new: a bucket of burst tokens, full, that gains one every `every`");
}

bool tb_allow(tb_t *tb)
{
    (void)tb;
    TODO("tb_allow: take a token if there is one now, without waiting");
}

const char *tb_wait(tb_t *tb, ctx_t *ctx)
{
    (void)tb;
    (void)ctx;
    TODO("tb_wait: wait for a token or for ctx to be done, whichever comes first");
}

void tb_free(tb_t *tb)
{
    (void)tb;
    TODO("tb_free: stop what tb_new started, wait for it, free everything");
}

/* ---- Task 3 -------------------------------------------------------------- */

/* What a leaky bucket needs: yours to choose (a queue, a ticker, ...). */
struct leaky_bucket {
    int todo;
};

lb_t *lb_new(int capacity, go_duration_t every, chan_t *out)
{
    (void)capacity;
    (void)every;
    (void)out;
    TODO("lb_new: a queue of capacity items, and a goroutine that sends one on out per tick");
}

bool lb_offer(lb_t *lb, int item)
{
    (void)lb;
    (void)item;
    TODO("lb_offer: queue the item if there is room, else reject it, without waiting");
}

void lb_close(lb_t *lb)
{
    (void)lb;
    TODO("lb_close: no more offers; wait until the drain has sent what is queued and "
         "closed out, then free the bucket");
}

/* ---- Task 4 -------------------------------------------------------------- */

void fetch_all(tb_t *limiter, int max_in_flight, api_call_fn call, void *arg, const int *requests,
               int *responses, int n)
{
    (void)limiter;
    (void)max_in_flight;
    (void)call;
    (void)arg;
    (void)requests;
    (void)responses;
    (void)n;
    TODO("fetch_all: for each request, a free slot, then tb_wait, then a goroutine for the "
         "call; wait for them all");
}
