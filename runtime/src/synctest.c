/*
 * Virtual time, after Go's testing/synctest.
 *
 * A bubble is a set of goroutines with a clock of its own. The clock stands
 * still while any of them can run; when every one is durably blocked
 * (bubble->running reaches 0, see park.c), the goroutine that blocked last
 * moves the clock to the earliest of the bubble's timers and fires what is
 * due, before it parks itself. No timer: nothing can ever wake them, and the
 * bubble is deadlocked. Timing tests become exact, instant, and the same
 * under Helgrind's 300x slowdown.
 *
 * Moving the clock adds no happens-before edge: timers fire without
 * releasing anything (time.c), so virtual time hides no race. The edges
 * are Go's: what a bubble goroutine did before it blocked durably happens
 * before go_synctest_wait returns, and before it exited, before
 * go_synctest returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "race.h"
#include "timer.h"

static long next_bubble_id;

/* A bubble that keeps firing timers that wake no one (a ticker nobody
 * reads) while its goroutines wait for something else is deadlocked too. */
enum { MAX_IDLE_FIRINGS = 1000000 };

static _Noreturn void bubble_deadlock(bubble_t *b, const char *why)
{
    (void)b;
    fflush(stdout);
    trace_flush_on_crash();
    char buf[1024];
    dumpbuf_t d = {.buf = buf, .cap = sizeof buf, .fd = STDERR_FILENO};
    db_str(&d, "panic: deadlock: ");
    db_str(&d, why);
    db_str(&d, "\n\n");
    dump_all(&d, NULL, false);
    db_flush(&d);
    gk_exit(2);
}

void bubble_idle(bubble_t *b)
{
    lock(&timers.lock);
    for (long fired = 0; __atomic_load_n(&b->running, __ATOMIC_SEQ_CST) == 0; fired++) {
        theap_t *due = b->heap;
        if (b->waiter && due->n > 0 && due->a[0]->when <= b->now) {
            /* Timers already due fire before go_synctest_wait returns, as in
             * Go (the clock does not move for them). */
            __atomic_fetch_add(&b->running, 1, __ATOMIC_SEQ_CST);
            timer_t_ *d = fire_due_locked(due, b->now);
            if (d) {
                unlock(&timers.lock);
                run_deferred(d);
                lock(&timers.lock);
            }
            __atomic_fetch_sub(&b->running, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        if (b->waiter) { /* go_synctest_wait: everyone else is blocked now */
            G *w = b->waiter;
            b->waiter = NULL;
            unlock(&timers.lock);
            goready(w);
            return;
        }
        theap_t *h = b->heap;
        if (h->n == 0) {
            unlock(&timers.lock);
            bubble_deadlock(b, "all goroutines in bubble are blocked");
        }
        if (fired > MAX_IDLE_FIRINGS) {
            unlock(&timers.lock);
            bubble_deadlock(b, "all goroutines in bubble are blocked "
                               "(its timers keep firing but wake no one)");
        }
        if (h->a[0]->when > b->now) __atomic_store_n(&b->now, h->a[0]->when, __ATOMIC_RELAXED);
        /* Counted as running while timers fire: a context deadline may
         * wake several goroutines one by one, and the first must not find
         * the bubble idle (and deadlocked) before the others are woken. */
        __atomic_fetch_add(&b->running, 1, __ATOMIC_SEQ_CST);
        timer_t_ *d = fire_due_locked(h, b->now);
        if (d) {
            unlock(&timers.lock);
            run_deferred(d);
            lock(&timers.lock);
        }
        __atomic_fetch_sub(&b->running, 1, __ATOMIC_SEQ_CST);
    }
    unlock(&timers.lock);
}

void bubble_exit(G *g)
{
    bubble_t *b = g->bubble;
    race_release(&b->race_wait);
    race_release(&b->race_exit);
    /* The last one out wakes go_synctest's caller; the others leave the
     * bubble's count of runnable goroutines, which may leave it idle. */
    if (__atomic_sub_fetch(&b->ngoroutines, 1, __ATOMIC_SEQ_CST) == 0) {
        goready(b->root);
        return;
    }
    if (__atomic_sub_fetch(&b->running, 1, __ATOMIC_SEQ_CST) == 0) bubble_idle(b);
}

void go_synctest_at(go_func_t fn, void *arg, const char *fn_name, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (g->bubble) gk_panic("synctest: go_synctest called from inside a bubble");
    if (!fn) gk_panic("synctest: go_synctest with a NULL function");
    bubble_t *b = calloc(1, sizeof *b);
    theap_t *h = calloc(1, sizeof *h);
    if (!b || !h) gk_fatal("synctest: out of memory");
    race_untrack(b, sizeof *b);
    race_untrack(h, sizeof *h);
    b->heap = h;
    b->root = g;
    race_untrack(&next_bubble_id, sizeof next_bubble_id);
    b->id = __atomic_add_fetch(&next_bubble_id, 1, __ATOMIC_RELAXED);
    park_prepare(g, WAIT_SYNCTEST_RUN); /* before the bubble can end */
    newproc(fn, arg, fn_name, g->id, true, b, gk_file, gk_line, gk_func);
    gopark(g);
    race_acquire(&b->race_exit);
    race_forget(&b->race_exit);
    race_forget(&b->race_wait);
    /* Every bubble goroutine has exited. Timers they left armed can never
     * fire now; a timer still referring to the bubble keeps it allocated. */
    lock(&timers.lock);
    bool empty = h->n == 0;
    unlock(&timers.lock);
    if (empty) {
        rt_free(h->a, sizeof *h->a * (size_t)h->cap);
        rt_free(h, sizeof *h);
        rt_free(b, sizeof *b);
    }
}

void go_synctest_wait_at(GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    bubble_t *b = g->bubble;
    if (!b) gk_panic("synctest: go_synctest_wait called outside a bubble");
    lock(&timers.lock);
    if (b->waiter) {
        unlock(&timers.lock);
        gk_panic("synctest: go_synctest_wait called from two goroutines at once");
    }
    park_prepare(g, WAIT_SYNCTEST_WAIT);
    b->waiter = g;
    unlock(&timers.lock);
    gopark(g);
    race_acquire(&b->race_wait);
}
