/*
 * Go's time package, the parts concurrency needs.
 *
 *   Go                              gokata
 *   time.Duration, time.Second      go_duration_t, SECOND (MILLISECOND, ...)
 *   time.Now(), time.Since(t)       time_now(), time_since(t)
 *   time.Sleep(d)                   go_sleep(d);
 *   <-time.After(d)                 chan_recv(time_after(d), &t);
 *   t := time.NewTimer(d); <-t.C    go_timer_t *t = timer_new(d); chan_recv(t->C, &now);
 *   t.Stop(), t.Reset(d)            timer_stop(t), timer_reset(t, d); timer_free(t);
 *   tk := time.NewTicker(d)         go_ticker_t *tk = ticker_new(d); ... tk->C ...
 *   tk.Stop(), tk.Reset(d)          ticker_stop(tk), ticker_reset(tk, d); ticker_free(tk);
 *   time.AfterFunc(d, f)            go_timer_t *t = time_after_func(d, f, arg);
 *
 * Times are nanoseconds since the Unix epoch (go_time_t); the channels of
 * timers and tickers carry the go_time_t at which they fired. Timers follow
 * Go 1.23: after timer_stop or timer_reset returns, no stale value from
 * before the call can be received.
 *
 * Inside go_synctest (testing.h) the clock is virtual: it starts at
 * 2000-01-01 00:00:00 UTC and moves only when every goroutine of the test is
 * blocked, straight to the next timer. A one-hour timeout takes no time.
 */
#ifndef GOKATA_TIME_H
#define GOKATA_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "chan.h"
#include "go.h"
#include "site.h"

typedef int64_t go_duration_t; /* nanoseconds */
typedef int64_t go_time_t;     /* nanoseconds since 1970-01-01 UTC */

#define NANOSECOND  ((go_duration_t)1)
#define MICROSECOND ((go_duration_t)1000)
#define MILLISECOND ((go_duration_t)1000000)
#define SECOND      ((go_duration_t)1000000000)
#define MINUTE      (60 * SECOND)
#define HOUR        (60 * MINUTE)

go_time_t time_now(void);
go_duration_t time_since(go_time_t t);

/* Pauses the calling goroutine for at least d. */
#define go_sleep(d) go_sleep_at((d), GK_HERE)
void go_sleep_at(go_duration_t d, GK_SITE_PARAMS);

/* A channel that receives the time once, after d. It belongs to the calling
 * goroutine: valid until that goroutine returns (the runtime frees it then).
 * To share a timer with other goroutines, or stop it, use timer_new. */
#define time_after(d) time_after_at((d), GK_HERE)
chan_t *time_after_at(go_duration_t d, GK_SITE_PARAMS);

typedef struct {
    chan_t *C; /* receives the time when the timer fires (NULL for time_after_func) */
} go_timer_t;

typedef struct {
    chan_t *C; /* receives the time at each tick; a slow reader misses ticks */
} go_ticker_t;

go_timer_t *timer_new(go_duration_t d);
/* Stops t. Returns true if this call stopped it before its value was
 * received, false if it had already fired and been received, or was stopped. */
bool timer_stop(go_timer_t *t);
/* Restarts t to fire after d. Returns true if it was still active. */
bool timer_reset(go_timer_t *t, go_duration_t d);
/* Stops t and releases it (and t->C). */
void timer_free(go_timer_t *t);

/* Runs fn(arg) in its own goroutine after d. Stop it with timer_stop;
 * release it with timer_free (which also stops it). */
#define time_after_func(d, fn, arg) time_after_func_at((d), (fn), (arg), #fn, GK_HERE)
go_timer_t *time_after_func_at(go_duration_t d, go_func_t fn, void *arg, const char *fn_name,
                               GK_SITE_PARAMS);

/* A ticker sends the time every d (d > 0). Its channel holds one tick: a
 * reader that falls behind misses ticks instead of queuing them. */
go_ticker_t *ticker_new(go_duration_t d);
void ticker_stop(go_ticker_t *t);
void ticker_reset(go_ticker_t *t, go_duration_t d);
void ticker_free(go_ticker_t *t);

#endif
