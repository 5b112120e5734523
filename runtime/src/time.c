/*
 * Timers: one heap of real-time timers served by one thread, as Go's timer
 * heap is; the time package's sleep, timers, tickers and time_after on top.
 *
 * A firing timer must not become a happens-before hub. The timer thread
 * (and, under virtual time, whichever goroutine advances the clock) fires
 * timers for unrelated goroutines; if it released anything, every timer
 * receiver would be ordered after everything the firer had acquired. So a
 * timer's value goes into its channel's buffer with no annotation
 * (chan_timer_put), a woken receiver takes it itself, and a sleeper is just
 * readied. The one edge a timer carries is Go's go statement's, from the
 * time_after_func call to the goroutine it starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "chan.h"
#include "race.h"
#include "timer.h"

struct timers timers;

/* Virtual time starts here, as Go's synctest does: 2000-01-01 00:00:00 UTC. */
#define EPOCH_2000_NS (946684800LL * 1000000000LL)

void AnnotateIgnoreSyncBegin(const char *file, int line) __attribute__((weak));
void AnnotateIgnoreSyncEnd(const char *file, int line) __attribute__((weak));

/* ---- the heap ---- */

static bool before(timer_t_ *a, timer_t_ *b)
{
    return a->when < b->when;
}

static void heap_set(theap_t *h, int i, timer_t_ *t)
{
    h->a[i] = t;
    t->idx = i;
}

static void sift_up(theap_t *h, int i)
{
    timer_t_ *t = h->a[i];
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!before(t, h->a[p])) break;
        heap_set(h, i, h->a[p]);
        i = p;
    }
    heap_set(h, i, t);
}

static void sift_down(theap_t *h, int i)
{
    timer_t_ *t = h->a[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && before(h->a[c + 1], h->a[c])) c++;
        if (!before(h->a[c], t)) break;
        heap_set(h, i, h->a[c]);
        i = c;
    }
    heap_set(h, i, t);
}

theap_t *heap_of(timer_t_ *t)
{
    return t->bubble ? t->bubble->heap : &timers.real;
}

static void heap_push(theap_t *h, timer_t_ *t)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        timer_t_ **a = rt_realloc(h->a, sizeof *a * (size_t)h->cap, sizeof *a * (size_t)cap);
        if (!a) gk_fatal("timer heap: out of memory");
        h->a = a;
        h->cap = cap;
    }
    h->a[h->n] = t;
    t->idx = h->n++;
    sift_up(h, t->idx);
}

static void heap_remove(theap_t *h, int i)
{
    timer_t_ *t = h->a[i];
    t->idx = -1;
    if (--h->n == i) return;
    heap_set(h, i, h->a[h->n]);
    sift_down(h, i);
    sift_up(h, h->a[i]->idx);
}

/* ---- the timer thread ---- */

static void timerproc_fire(void);

static void *timerproc(void *unused)
{
    (void)unused;
    for (;;)
        timerproc_fire();
    return NULL;
}

static void start_timerproc(void)
{
    start_helpers(); /* the SIGQUIT waiter and, under Valgrind, the spawner */
    /* TSan: the timer thread inherits no one's past (it starts
     * time_after_func goroutines, which must not be ordered after
     * whoever happened to create it). Under Valgrind the spawner creates
     * it, whose past is empty. */
    if (AnnotateIgnoreSyncBegin) AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    spawn_thread(timerproc, NULL, 128 * 1024, true, NULL, "the runtime's timer thread");
    if (AnnotateIgnoreSyncEnd) AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}

void timers_forget(void)
{
    timers.lock = 0;
    for (int i = 0; i < timers.real.n; i++)
        timers.real.a[i]->idx = -1;
    timers.real.n = 0;
    timers.nreal = 0;
    timers.thread_started = 0;
}

static void timerproc_fire(void)
{
    /* Counted as running while it fires: a goroutine that parks meanwhile
     * must not see 0 between a timer leaving the heap and its wake-up. */
    __atomic_fetch_add(&sched.running, 1, __ATOMIC_SEQ_CST);
    lock(&timers.lock);
    timer_t_ *d = fire_due_locked(&timers.real, nanotime());
    __atomic_store_n(&timers.nreal, timers.real.n, __ATOMIC_SEQ_CST);
    int64_t next = timers.real.n ? timers.real.a[0]->when : -1;
    uint32_t gen = timers.gen;
    unlock(&timers.lock);
    run_deferred(d);
    if (__atomic_sub_fetch(&sched.running, 1, __ATOMIC_SEQ_CST) == 0) checkdead();
    if (next < 0)
        futex_wait(&timers.gen, gen);
    else
        futex_wait_ns(&timers.gen, gen, next - nanotime());
}

void timer_init(timer_t_ *t, timerkind_t kind, bubble_t *b)
{
    t->kind = kind;
    t->idx = -1;
    t->bubble = b;
}

void timer_add_locked(timer_t_ *t, int64_t when)
{
    t->when = when;
    theap_t *h = heap_of(t);
    heap_push(h, t);
    if (t->bubble) return; /* virtual time moves when the bubble is idle */
    __atomic_store_n(&timers.nreal, timers.real.n, __ATOMIC_SEQ_CST);
    if (!timers.thread_started) {
        timers.thread_started = 1;
        start_timerproc();
    }
    if (t->idx == 0) { /* a new earliest timer: wake the thread to re-arm */
        __atomic_fetch_add(&timers.gen, 1, __ATOMIC_SEQ_CST);
        futex_wake(&timers.gen, 1);
    }
}

bool timer_del_locked(timer_t_ *t)
{
    if (t->idx < 0) return false;
    heap_remove(heap_of(t), t->idx);
    if (!t->bubble) __atomic_store_n(&timers.nreal, timers.real.n, __ATOMIC_SEQ_CST);
    return true;
}

bool timers_pending(void)
{
    return __atomic_load_n(&timers.nreal, __ATOMIC_SEQ_CST) > 0;
}

int64_t clock_now(bubble_t *b)
{
    return b ? __atomic_load_n(&b->now, __ATOMIC_RELAXED) : nanotime();
}

static go_time_t wall(bubble_t *b)
{
    if (b) return EPOCH_2000_NS + clock_now(b);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- firing ---- */

/* What a fired T_FUNC or T_CALL timer does, copied out of the timer so that
 * the timer may be freed before it runs. */
typedef struct job {
    struct job *next;
    timer_t_ copy;
} job_t;

timer_t_ *fire_due_locked(theap_t *h, int64_t now)
{
    timer_t_ *deferred = NULL;
    while (h->n > 0 && h->a[0]->when <= now) {
        timer_t_ *t = h->a[0];
        heap_remove(h, 0);
        switch (t->kind) {
        case T_CHAN: {
            go_time_t v = t->bubble ? EPOCH_2000_NS + t->when : wall(NULL);
            chan_timer_put(t->pub.C, &v);
            if (t->period > 0) { /* a ticker: the next tick, skipping missed ones */
                int64_t next = t->when + t->period;
                if (next <= now) next += t->period * ((now - next) / t->period + 1);
                t->when = next;
                heap_push(h, t);
            }
            break;
        }
        case T_SLEEP:
            goready(t->g);
            break;
        case T_FUNC:
        case T_CALL: {
            job_t *j = malloc(sizeof *j);
            if (!j) gk_fatal("timer: out of memory");
            race_untrack(j, sizeof *j);
            /* Field by field: a struct copy may become a memcpy call, which
             * ThreadSanitizer would check against the timer's allocation. */
            timer_t_ *c = &j->copy;
            c->kind = t->kind;
            c->bubble = t->bubble;
            c->fn_name = t->fn_name;
            c->file = t->file;
            c->func = t->func;
            c->line = t->line;
            c->parent_id = t->parent_id;
            c->cb = t->cb;
            c->cbarg = t->cbarg;
            c->deferred = deferred;
            deferred = &j->copy;
            if (t->kind == T_FUNC) t->cbarg = NULL; /* the job owns this firing's anchor */
            break;
        }
        }
    }
    return deferred;
}

/* The goroutine a time_after_func timer starts: its first act acquires what
 * the caller of time_after_func (or timer_reset) released. */
typedef struct {
    go_func_t fn;
    void *arg;
} funcstart_t;

static void after_func_start(void *p)
{
    funcstart_t fs = *(funcstart_t *)p;
    race_acquire(p);
    race_forget(p);
    rt_free(p, sizeof fs);
    fs.fn(fs.arg);
}

void run_deferred(timer_t_ *list)
{
    while (list) {
        timer_t_ *t = list;
        list = t->deferred;
        if (t->kind == T_FUNC) {
            /* t->fn/t->arg were copied at fire time; the anchor was
             * allocated by the call that armed the timer (see arm_func). */
            newproc(after_func_start, t->cbarg, t->fn_name, t->parent_id, false, t->bubble, t->file,
                    t->line, t->func);
        } else {
            t->cb(t->cbarg);
        }
        job_t *j = (job_t *)((char *)t - offsetof(job_t, copy));
        rt_free(j, sizeof *j);
    }
}

/* ---- the time package ---- */

go_time_t time_now(void)
{
    G *g = getg();
    return wall(g->bubble);
}

go_duration_t time_since(go_time_t t)
{
    return time_now() - t;
}

void go_sleep_at(go_duration_t d, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (d <= 0) return;
    if (!g->sleep_timer) {
        g->sleep_timer = calloc(1, sizeof(timer_t_));
        if (!g->sleep_timer) gk_fatal("go_sleep: out of memory");
        race_untrack(g->sleep_timer, sizeof(timer_t_));
    }
    timer_t_ *t = g->sleep_timer;
    timer_init(t, T_SLEEP, g->bubble);
    t->g = g;
    lock(&timers.lock);
    park_prepare(g, WAIT_SLEEP);
    timer_add_locked(t, clock_now(g->bubble) + d);
    unlock(&timers.lock);
    gopark(g);
}

static timer_t_ *new_chan_timer(G *g, int64_t period)
{
    timer_t_ *t = calloc(1, sizeof *t);
    if (!t) gk_fatal("timer: out of memory");
    race_untrack(t, sizeof *t);
    timer_init(t, T_CHAN, g->bubble);
    t->pub.C = chan_make(sizeof(go_time_t), 1);
    t->period = period;
    return t;
}

static void arm(timer_t_ *t, go_duration_t d)
{
    lock(&timers.lock);
    timer_add_locked(t, clock_now(t->bubble) + (d > 0 ? d : 0));
    unlock(&timers.lock);
}

chan_t *time_after_at(go_duration_t d, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    timer_t_ *t = new_chan_timer(g, 0);
    t->next = g->afters;
    g->afters = t;
    arm(t, d);
    return t->pub.C;
}

go_timer_t *timer_new(go_duration_t d)
{
    timer_t_ *t = new_chan_timer(getg(), 0);
    arm(t, d);
    return &t->pub;
}

/* Takes t out of its heap and its channel's buffer: after this no value
 * from before can be received (Go 1.23). True if it was still active. */
static bool stop_locked(timer_t_ *t)
{
    bool active = timer_del_locked(t);
    if (t->pub.C && chan_timer_drain(t->pub.C)) active = true;
    if (t->kind == T_FUNC && t->cbarg) { /* never fired: drop its anchor */
        race_forget(t->cbarg);
        rt_free(t->cbarg, sizeof(funcstart_t));
        t->cbarg = NULL;
    }
    return active;
}

/* A time_after_func timer gets a fresh anchor each time it is armed: the
 * call that arms it happens before the goroutine that firing starts. */
static void arm_func(timer_t_ *t)
{
    funcstart_t *fs = malloc(sizeof *fs);
    if (!fs) gk_fatal("time_after_func: out of memory");
    fs->fn = t->fn;
    fs->arg = t->arg;
    race_untrack(fs, sizeof *fs);
    race_release(fs);
    t->cbarg = fs;
}

/* A bubble's timer works only inside it (Go panics the same way): outside,
 * its clock is gone. */
static timer_t_ *owned(go_timer_t *pub, const char *what)
{
    timer_t_ *t = (timer_t_ *)pub;
    if (!t) {
        char msg[80];
        snprintf(msg, sizeof msg, "time: %s of a NULL timer", what);
        gk_panic(msg);
    }
    if (t->bubble && t->bubble != getg()->bubble) {
        char msg[120];
        snprintf(msg, sizeof msg,
                 "time: %s of a timer created inside a go_synctest bubble, from outside it", what);
        gk_panic(msg);
    }
    return t;
}

bool timer_stop(go_timer_t *pub)
{
    timer_t_ *t = owned(pub, "timer_stop");
    lock(&timers.lock);
    bool active = stop_locked(t);
    unlock(&timers.lock);
    return active;
}

bool timer_reset(go_timer_t *pub, go_duration_t d)
{
    timer_t_ *t = owned(pub, "timer_reset");
    lock(&timers.lock);
    bool active = stop_locked(t);
    if (t->kind == T_FUNC) arm_func(t);
    timer_add_locked(t, clock_now(t->bubble) + (d > 0 ? d : 0));
    unlock(&timers.lock);
    return active;
}

static void free_timer(timer_t_ *t)
{
    lock(&timers.lock);
    stop_locked(t);
    unlock(&timers.lock);
    if (t->pub.C) chan_free(t->pub.C);
    rt_free(t, sizeof *t);
}

void timer_free(go_timer_t *pub)
{
    if (pub) free_timer(owned(pub, "timer_free"));
}

go_timer_t *time_after_func_at(go_duration_t d, go_func_t fn, void *arg, const char *fn_name,
                               GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (!fn) gk_panic("time: time_after_func with a NULL function");
    timer_t_ *t = calloc(1, sizeof *t);
    if (!t) gk_fatal("timer: out of memory");
    race_untrack(t, sizeof *t);
    timer_init(t, T_FUNC, g->bubble);
    t->fn = fn;
    t->arg = arg;
    t->fn_name = fn_name;
    t->file = gk_file;
    t->line = gk_line;
    t->func = gk_func;
    t->parent_id = g->id;
    lock(&timers.lock);
    arm_func(t);
    timer_add_locked(t, clock_now(t->bubble) + (d > 0 ? d : 0));
    unlock(&timers.lock);
    return &t->pub;
}

go_ticker_t *ticker_new(go_duration_t d)
{
    if (d <= 0) gk_panic("non-positive interval for ticker_new");
    timer_t_ *t = new_chan_timer(getg(), d);
    arm(t, d);
    return (go_ticker_t *)&t->pub;
}

void ticker_stop(go_ticker_t *tk)
{
    timer_stop((go_timer_t *)tk);
}

void ticker_reset(go_ticker_t *tk, go_duration_t d)
{
    if (d <= 0) gk_panic("non-positive interval for ticker_reset");
    timer_t_ *t = owned((go_timer_t *)tk, "ticker_reset");
    lock(&timers.lock);
    stop_locked(t);
    t->period = d;
    timer_add_locked(t, clock_now(t->bubble) + d);
    unlock(&timers.lock);
}

void ticker_free(go_ticker_t *tk)
{
    timer_free((go_timer_t *)tk);
}

void timers_goexit(G *g)
{
    while (g->afters) {
        timer_t_ *t = g->afters;
        g->afters = t->next;
        free_timer(t);
    }
    if (g->sleep_timer) {
        rt_free(g->sleep_timer, sizeof(timer_t_));
        g->sleep_timer = NULL;
    }
}
