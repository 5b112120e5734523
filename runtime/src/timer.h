/*
 * Timers, shared by time.c (the heap, the timer thread, the time package),
 * synctest.c (virtual time) and context.c (deadlines).
 *
 * Every timer is in at most one heap: the real-time heap served by the timer
 * thread, or its bubble's heap, advanced when the bubble is idle. All heaps
 * and every timer's when/period/idx are guarded by timers.lock. Lock order:
 * timers.lock, then a channel's lock.
 */
#ifndef GK_TIMER_H
#define GK_TIMER_H

#include "runtime.h"

typedef enum {
    T_CHAN,  /* send the time on pub.C (timers, tickers, time_after) */
    T_SLEEP, /* ready g */
    T_FUNC,  /* start fn(arg) in a new goroutine */
    T_CALL,  /* call cb(cbarg) from the timer's context (context deadlines) */
} timerkind_t;

struct timer {
    go_timer_t pub; /* first: a go_timer_t* or go_ticker_t* is a timer* */
    timerkind_t kind;
    int64_t when;   /* on clock_now(bubble) */
    int64_t period; /* tickers: > 0 */
    int idx;        /* position in its heap, -1 when in none */
    bubble_t *bubble;
    G *g; /* T_SLEEP */
    go_func_t fn;
    void *arg; /* T_FUNC */
    const char *fn_name, *file, *func;
    int line;
    long parent_id;
    void (*cb)(void *);
    void *cbarg;        /* T_CALL */
    timer_t_ *next;     /* a goroutine's time_after list */
    timer_t_ *deferred; /* fired T_FUNC/T_CALL, run after unlocking */
};

typedef struct theap {
    timer_t_ **a;
    int n, cap;
} theap_t;

struct timers {
    uint32_t lock;
    theap_t real;
    long nreal;   /* atomic copy of real.n, for the deadlock detector */
    uint32_t gen; /* futex: bumped when the earliest real timer changes */
    uint32_t thread_started;
};
extern struct timers timers;

void timer_init(timer_t_ *t, timerkind_t kind, bubble_t *b);
/* Adds t to its heap to fire at when; timers.lock held. */
void timer_add_locked(timer_t_ *t, int64_t when);
/* Removes t from its heap if there; timers.lock held. True if it was. */
bool timer_del_locked(timer_t_ *t);
/* Fires every timer of heap h due at now; timers.lock held. Returns the
 * T_FUNC/T_CALL timers to run with run_deferred once it is released. */
timer_t_ *fire_due_locked(theap_t *h, int64_t now);
void run_deferred(timer_t_ *list);
theap_t *heap_of(timer_t_ *t);

#endif
