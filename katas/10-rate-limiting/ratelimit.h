/*
 * 10 · rate limiting: the contract of every function you write in ratelimit.c.
 *
 * Read it, don't edit it: the grader compiles your ratelimit.c against this
 * file as it is in the repository. Channels of values carry int
 * (chan_make(sizeof(int), ...)).
 *
 * None of these functions frees or closes a channel it was given, unless its
 * contract says so: channels belong to whoever made them. Whatever a
 * function makes for itself (a ticker, a timer, a goroutine, a channel, a
 * struct) it gives back: a limiter that leaks a ticker per use is the bug
 * this kata is about as much as one that lets too much through.
 *
 * The tests run in virtual time (go_synctest), so "at 200ms" below means
 * exactly 200ms after the call.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stdbool.h>

#include "gokata.h"

/* ---- Task 1: one event per tick ------------------------------------------ */

/*
 * throttle: forwards every value from in to out, at most one per tick of a
 * ticker with period every. The roadmap's time.Tick limiter, in Go:
 *
 *     limiter := time.Tick(every)
 *     for v := range in {
 *         <-limiter
 *         out <- v
 *     }
 *     close(out)
 *
 * For each value: receive it from in, wait for the ticker's next tick, send
 * the value on out. When in is closed (and drained), stop and free the
 * ticker, close out, and return.
 *
 *   - One ticker (ticker_new(every)), made once before the loop: it ticks at
 *     every, 2*every, ... after throttle is called, whatever throttle is
 *     doing meanwhile. Not go_sleep, and not a new timer per value: each of
 *     those waits a whole period counted from the moment it is called, so a
 *     value that arrives after a quiet spell waits for nothing.
 *   - A ticker's channel keeps one tick that nobody has received (and drops
 *     the others): after a quiet spell, one value goes out at once, and the
 *     next waits for the next tick.
 *   - Frees the ticker before returning (ticker_free): a ticker never
 *     freed keeps firing, and its memory stays in use, forever.
 *   - Closes out exactly once, as soon as in is closed and drained (no
 *     tick to wait for then). Never closes or frees in.
 *
 * The caller runs throttle in a goroutine of its own and reads out until it
 * is closed.
 */
void throttle(chan_t *in, chan_t *out, go_duration_t every);

/* ---- Task 2: a token bucket ---------------------------------------------- */

/*
 * A token bucket, after Go's golang.org/x/time/rate.Limiter. It holds at
 * most burst tokens, and starts full. A new token drops in every `every`,
 * on the bucket's own clock: at exactly every, 2*every, 3*every, ... after
 * tb_new, whether or not anyone takes tokens; a token that finds the bucket
 * full is lost. Each event takes one token. So burst events can go at once,
 * and then one per `every`.
 *
 * You define struct token_bucket in ratelimit.c. Every function but tb_free
 * may be called from many goroutines at once.
 */
typedef struct token_bucket tb_t;

/* tb_new: a full bucket of burst tokens (burst >= 1) that gains one every
 * `every` (every > 0). It may start a goroutine and a ticker; tb_free stops
 * them. */
tb_t *tb_new(go_duration_t every, int burst);

/* tb_allow: takes a token if the bucket has one now and returns true;
 * otherwise returns false at once. Never blocks. Go's lim.Allow(). */
bool tb_allow(tb_t *tb);

/*
 * tb_wait: waits for a token and takes it. Go's lim.Wait(ctx).
 * Returns NULL once it has taken a token; or, if ctx is done first, returns
 * ctx_err(ctx) (CTX_CANCELED or CTX_DEADLINE_EXCEEDED) the moment it is
 * done, having taken no token.
 *
 *   - If ctx is already done when tb_wait is called, returns ctx_err(ctx) at
 *     once and takes no token, even if the bucket has one. (A select between
 *     a ready token and a closed done channel picks either at random: look
 *     at ctx_err first.)
 *   - A tb_wait that gives up takes nothing: the token it was waiting for
 *     goes to the next caller.
 *   - Waits until the context is done, not less: don't give up early
 *     because the deadline comes before the next token (x/time/rate does;
 *     this one doesn't).
 *   - Blocks while it waits (no polling, no sleeping in small steps). Many
 *     goroutines may wait at once: each token goes to exactly one of them.
 *   - ctx may be ctx_background(), which is never done (its ctx_done is
 *     NULL, a channel that is never ready).
 *   - Leaves no timer behind when it returns.
 */
const char *tb_wait(tb_t *tb, ctx_t *ctx);

/* tb_free: stops whatever tb_new started (goroutine, ticker), waits until it
 * has stopped, and frees everything. No goroutine may be using tb. */
void tb_free(tb_t *tb);

/* ---- Task 3: a leaky bucket ---------------------------------------------- */

/*
 * A leaky bucket: a queue with room for capacity items, drained at a fixed
 * rate. At each tick of a ticker with period every (every, 2*every, ...
 * after lb_new), the oldest waiting item leaks out: it is sent on out. A
 * tick that finds the queue empty is lost: a drop that isn't in the bucket
 * can't leak, and the next item waits for the next tick. Items that arrive
 * while the bucket is full are rejected.
 *
 * So items leave one per tick and never faster, however they arrive (a
 * token bucket lets a burst through; a leaky bucket smooths it), and never
 * more than capacity wait.
 *
 * You define struct leaky_bucket in ratelimit.c.
 */
typedef struct leaky_bucket lb_t;

/*
 * lb_new: an empty bucket with room for capacity items (capacity >= 1),
 * drained one item per `every` (every > 0) onto out. Starts one goroutine
 * (the drain) and returns at once.
 *
 * The drain only ever takes an item at a tick (wait for the tick, then take
 * what's there without waiting: chan_try_recv). A drain that waits on the
 * queue between ticks holds an item in its hand, and the bucket takes one
 * more than its capacity.
 *
 * The reader of out keeps up: it reads out until out is closed.
 */
lb_t *lb_new(int capacity, go_duration_t every, chan_t *out);

/* lb_offer: puts item in the queue and returns true if fewer than capacity
 * items are waiting; otherwise rejects it: returns false. Never blocks. May
 * be called from many goroutines at once. */
bool lb_offer(lb_t *lb, int item);

/*
 * lb_close: no more lb_offer (none may be running, or come after). The
 * items still waiting leak out at the same pace, one per tick; then the
 * drain closes out, stops its ticker and returns. lb_close returns once the
 * drain has returned (at the latest one tick after the last item left), and
 * frees lb. The reader of out goes on reading meanwhile, in a goroutine of
 * its own.
 */
void lb_close(lb_t *lb);

/* ---- Task 4: a rate-limited API client ----------------------------------- */

/* One call of a remote API: sends request and blocks until the response
 * comes back (the API's latency), then returns it. Safe to call from many
 * goroutines at once. */
typedef int (*api_call_fn)(void *arg, int request);

/*
 * fetch_all: calls call(arg, requests[i]) for each i in 0..n-1 and stores
 * the response in responses[i]. Returns once every call has returned.
 *
 *   - No faster than limiter: each call starts right after
 *     tb_wait(limiter, ctx_background()) gives it a token.
 *   - Calls overlap: each runs in a goroutine of its own, so a slow API
 *     doesn't slow the rate. But at most max_in_flight (>= 1) run at once.
 *   - In order: call i + 1 starts after call i has started. For each call,
 *     first wait for a free slot (fewer than max_in_flight running), then
 *     take a token, then start it: a token taken while no slot is free is
 *     spent while the call can't start, and the calls after it then start
 *     closer together than the bucket allows.
 *   - Waits for every call before returning; no goroutine it started
 *     outlives it. Never frees limiter. n == 0: returns at once.
 */
void fetch_all(tb_t *limiter, int max_in_flight, api_call_fn call, void *arg, const int *requests,
               int *responses, int n);

#endif
