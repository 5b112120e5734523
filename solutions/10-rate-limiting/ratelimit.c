/*
 * 10 · rate limiting: the reference solution.
 *
 * Time is a channel here, as in Go: a ticker is a channel that receives on
 * a fixed schedule, so a limiter is a receive from it, and "a token, or the
 * caller gives up" is one select. Every limiter built below owns its ticker
 * (and, for the two buckets, its goroutine) and gives them back.
 */
#include <stdlib.h>

#include "ratelimit.h"

/* ---- Task 1: one event per tick ------------------------------------------ */

void throttle(chan_t *in, chan_t *out, go_duration_t every)
{
    /* One ticker for the whole stream, made before the loop: its ticks fall
     * at every, 2*every, ... from now, however long we spend waiting for a
     * value or for out's reader. go_sleep(every) per value would count the
     * period from each value instead, and a value after a quiet spell would
     * wait a whole period for nothing. */
    go_ticker_t *limiter = ticker_new(every);
    int v;
    while (chan_recv(in, &v)) {
        chan_recv(limiter->C, NULL); /* the next tick (or the one it kept) */
        chan_send(out, &v);
    }
    /* in is closed and drained: nothing left to wait a tick for. */
    ticker_free(limiter); /* stops it; a running ticker fires forever */
    chan_close(out);
}

/* ---- Task 2: a token bucket ---------------------------------------------- */

/*
 * The bucket is a buffered channel: one element (of size 0, Go's struct{})
 * per token, capacity burst. Taking a token is a receive; a refill
 * goroutine adds one per tick with a non-blocking send, which drops the
 * token when the bucket is full. This is Go by Example's "bursty limiter".
 * (x/time/rate instead computes the tokens from the time under a mutex, with
 * no goroutine: cheaper, and harder to get right with many waiters.)
 */
struct token_bucket {
    chan_t *tokens;      /* chan struct{}, capacity burst: the tokens in the bucket */
    go_ticker_t *ticker; /* one tick per new token */
    chan_t *quit;        /* chan struct{}: tb_free closes it to stop the refill */
    wg_t refilling;      /* tb_free waits on it for the refill goroutine */
};

static void refill(void *arg)
{
    tb_t *tb = arg;
    for (;;) {
        select_case_t cs[] = {select_recv(tb->ticker->C, NULL), select_recv(tb->quit, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break; /* tb_free */
        chan_try_send(tb->tokens, NULL);                  /* full: this token is lost */
    }
    wg_done(&tb->refilling);
}

tb_t *tb_new(go_duration_t every, int burst)
{
    tb_t *tb = calloc(1, sizeof *tb);
    tb->tokens = chan_make(0, (size_t)burst);
    for (int i = 0; i < burst; i++)
        chan_send(tb->tokens, NULL); /* starts full: never blocks, there is room */
    tb->quit = chan_make(0, 0);
    /* The ticker is made here, not in the goroutine: its schedule starts
     * now, at tb_new, not whenever the goroutine first runs. */
    tb->ticker = ticker_new(every);
    wg_add(&tb->refilling, 1);
    go(refill, tb);
    return tb;
}

bool tb_allow(tb_t *tb)
{
    /* Go's select { case <-tokens: return true; default: return false }. */
    return chan_try_recv(tb->tokens, NULL, NULL);
}

const char *tb_wait(tb_t *tb, ctx_t *ctx)
{
    /* Done already: say so, and take nothing. Without this, the select
     * below would see two ready cases and pick one at random. */
    const char *err = ctx_err(ctx);
    if (err) return err;
    /* ctx_done of a context that is never done is NULL: a case that is never
     * ready, so this waits for the token alone. */
    select_case_t cs[] = {select_recv(tb->tokens, NULL), select_recv(ctx_done(ctx), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 0) return NULL; /* took a token */
    return ctx_err(ctx); /* gave up: the token stays for whoever comes next */
}

void tb_free(tb_t *tb)
{
    chan_close(tb->quit);
    wg_wait(&tb->refilling); /* after this, nobody uses the channels or the ticker */
    ticker_free(tb->ticker);
    chan_free(tb->quit);
    chan_free(tb->tokens);
    free(tb);
}

/* ---- Task 3: a leaky bucket ---------------------------------------------- */

/*
 * The queue is a buffered channel of capacity items: lb_offer is a
 * non-blocking send, so a full bucket rejects. The drain waits for a tick
 * and only then takes an item, without waiting: it never waits on the
 * queue, so no item is ever handed to it outside a tick (a receiver waiting
 * on a channel takes a send directly, which would make room for one more
 * than capacity), and a tick with nothing to take is simply lost.
 */
struct leaky_bucket {
    chan_t *queue; /* chan int, capacity `capacity`: the items waiting */
    chan_t *out;
    go_ticker_t *ticker;
    wg_t draining; /* lb_close waits on it for the drain goroutine */
};

static void drain(void *arg)
{
    lb_t *lb = arg;
    for (;;) {
        chan_recv(lb->ticker->C, NULL);
        int item;
        bool open;
        if (!chan_try_recv(lb->queue, &item, &open)) continue; /* empty: a lost tick */
        if (!open) break; /* closed by lb_close, and nothing left in it */
        chan_send(lb->out, &item);
    }
    chan_close(lb->out);
    wg_done(&lb->draining);
}

lb_t *lb_new(int capacity, go_duration_t every, chan_t *out)
{
    lb_t *lb = calloc(1, sizeof *lb);
    lb->queue = chan_make(sizeof(int), (size_t)capacity);
    lb->out = out;
    lb->ticker = ticker_new(every); /* here: the ticks count from lb_new */
    wg_add(&lb->draining, 1);
    go(drain, lb);
    return lb;
}

bool lb_offer(lb_t *lb, int item)
{
    return chan_try_send(lb->queue, &item); /* Go's select with a default */
}

void lb_close(lb_t *lb)
{
    /* The one sender closes the channel (the caller promises no more
     * offers); the buffered items are still received, then ok == false. */
    chan_close(lb->queue);
    wg_wait(&lb->draining);
    ticker_free(lb->ticker);
    chan_free(lb->queue);
    free(lb);
}

/* ---- Task 4: a rate-limited API client ----------------------------------- */

typedef struct {
    api_call_fn call;
    void *arg;
    int request;
    int *response;
    chan_t *slots; /* the semaphore: one element per call in flight */
    wg_t *calls;
} one_call_t;

static void do_call(void *p)
{
    one_call_t *c = p;
    *c->response = c->call(c->arg, c->request);
    chan_recv(c->slots, NULL); /* free the slot... */
    wg_done(c->calls);         /* ...before fetch_all may free the channel */
}

void fetch_all(tb_t *limiter, int max_in_flight, api_call_fn call, void *arg, const int *requests,
               int *responses, int n)
{
    if (n <= 0) return;
    /* A buffered channel as a counting semaphore: a send takes a slot and
     * blocks while max_in_flight are taken; a receive gives one back. */
    chan_t *slots = chan_make(0, (size_t)max_in_flight);
    one_call_t *calls = calloc((size_t)n, sizeof *calls);
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        chan_send(slots, NULL);             /* a slot first... */
        tb_wait(limiter, ctx_background()); /* ...then the token: the call starts now */
        calls[i] = (one_call_t){.call = call,
                                .arg = arg,
                                .request = requests[i],
                                .response = &responses[i],
                                .slots = slots,
                                .calls = &wg};
        wg_add(&wg, 1);
        go(do_call, &calls[i]);
    }
    wg_wait(&wg); /* every response is written, and every slot given back */
    free(calls);
    chan_free(slots);
}
