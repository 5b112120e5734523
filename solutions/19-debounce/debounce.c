/*
 * Kata 19 · Batching and aggregation: the reference solution.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "debounce.h"
#include "gokata.h"

/* ---- Task 1: a debouncer ---------------------------------------------------- */

/* Two timers, made once and stopped at once: armed with timer_reset. Go 1.23
 * timers (gokata's) guarantee that after timer_stop or timer_reset returns, no
 * value from before the call can be received: no drain dance is needed. The
 * select's timer cases are also switched off (NULL) while nothing is pending,
 * which says what the loop waits for in the code itself. */
void debounce(chan_t *in, chan_t *out, go_duration_t quiet, go_duration_t max_wait)
{
    go_timer_t *quiet_t = timer_new(HOUR);
    go_timer_t *max_t = timer_new(HOUR);
    timer_stop(quiet_t);
    timer_stop(max_t);

    bool pending = false;
    int latest = 0;
    for (;;) {
        int v;
        select_case_t cs[] = {
            select_recv(in, &v),
            select_recv(pending ? quiet_t->C : NULL, NULL),
            select_recv(pending && max_wait > 0 ? max_t->C : NULL, NULL),
        };
        int which = chan_select(cs, 3, SELECT_BLOCK);
        if (which == 0 && !cs[0].ok) break; /* in closed: flush below */
        if (which == 0) {
            if (!pending && max_wait > 0) timer_reset(max_t, max_wait); /* first of a burst */
            timer_reset(quiet_t, quiet); /* every value restarts the quiet wait */
            latest = v;
            pending = true;
            continue;
        }
        /* One wait is over: send, and stop the other so it can't fire into
         * the next burst. */
        timer_stop(quiet_t);
        timer_stop(max_t);
        pending = false;
        chan_send(out, &latest);
    }
    if (pending) chan_send(out, &latest);
    chan_close(out);
    timer_free(quiet_t);
    timer_free(max_t);
}

/* ---- Task 2: singleflight --------------------------------------------------- */

/* One call in flight. The caller that starts it writes result, then closes
 * done: the close is the happens-before edge that lets the waiters read
 * result without the lock. refs (under the group's lock) counts the callers
 * still to read result: the last one frees the call. */
typedef struct call {
    char key[SF_KEY_MAX];
    chan_t *done;
    sf_result_t result;
    int refs;
    struct call *next;
} call_t;

struct sf_group {
    mutex_t mu;    /* guards calls and every call's refs */
    call_t *calls; /* the calls in flight */
};

sf_group_t *sf_new(void)
{
    sf_group_t *g = calloc(1, sizeof *g);
    if (!g) abort();
    return g;
}

static void call_put(sf_group_t *g, call_t *c)
{
    mutex_lock(&g->mu);
    bool last = --c->refs == 0;
    mutex_unlock(&g->mu);
    if (last) {
        chan_free(c->done);
        free(c);
    }
}

sf_result_t sf_do(sf_group_t *g, const char *key, sf_fn fn, void *arg, bool *shared)
{
    mutex_lock(&g->mu);
    for (call_t *c = g->calls; c; c = c->next) {
        if (strncmp(c->key, key, SF_KEY_MAX - 1) == 0) {
            c->refs++;
            mutex_unlock(&g->mu);
            chan_recv(c->done, NULL); /* closed once result is written */
            sf_result_t r = c->result;
            call_put(g, c);
            if (shared) *shared = true;
            return r;
        }
    }
    call_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    strncpy(c->key, key, SF_KEY_MAX - 1);
    c->done = chan_make(0, 0);
    c->refs = 1;
    c->next = g->calls;
    g->calls = c;
    mutex_unlock(&g->mu); /* not held during fn: other keys go on meanwhile */

    sf_result_t r = fn(c->key, arg);

    mutex_lock(&g->mu);
    c->result = r;
    for (call_t **p = &g->calls; *p; p = &(*p)->next) { /* no longer in flight */
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    mutex_unlock(&g->mu);
    chan_close(c->done); /* wakes the waiters: they read result after this */
    call_put(g, c);
    if (shared) *shared = false;
    return r;
}

void sf_free(sf_group_t *g)
{
    free(g);
}

/* ---- Task 3: an aggregator -------------------------------------------------- */

/* The sums of the current window live behind mu: agg_add and the flusher
 * both touch them. The flusher swaps them out under the lock and sends with
 * no lock held, so a slow reader never holds up agg_add. */
struct agg {
    mutex_t mu; /* guards cur */
    agg_flush_t cur;
    chan_t *out;
    chan_t *quit; /* closed by agg_close */
    chan_t *done; /* closed by the flusher when it has returned its last send */
    go_duration_t window;
};

/* Takes the window's sums (under the lock) and sends them sorted (without). */
static void flush(agg_t *a)
{
    mutex_lock(&a->mu);
    agg_flush_t f = a->cur;
    a->cur.n = 0;
    mutex_unlock(&a->mu);
    if (f.n == 0) return; /* never an empty flush */
    for (int i = 1; i < f.n; i++) {
        agg_entry_t e = f.items[i];
        int j = i;
        for (; j > 0 && strcmp(f.items[j - 1].key, e.key) > 0; j--)
            f.items[j] = f.items[j - 1];
        f.items[j] = e;
    }
    chan_send(a->out, &f);
}

static void flusher(void *arg)
{
    agg_t *a = arg;
    go_ticker_t *t = ticker_new(a->window);
    for (;;) {
        select_case_t cs[] = {select_recv(t->C, NULL), select_recv(a->quit, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break;
        flush(a);
    }
    ticker_free(t);
    flush(a); /* what was added since the last tick */
    chan_close(a->out);
    chan_close(a->done);
}

agg_t *agg_start(go_duration_t window, chan_t *out)
{
    agg_t *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->out = out;
    a->window = window;
    a->quit = chan_make(0, 0);
    a->done = chan_make(0, 0);
    go(flusher, a);
    return a;
}

void agg_add(agg_t *a, const char *key, long delta)
{
    mutex_lock(&a->mu);
    int i = 0;
    while (i < a->cur.n && strncmp(a->cur.items[i].key, key, AGG_KEY_MAX - 1) != 0)
        i++;
    if (i == a->cur.n) {
        if (i == AGG_KEYS_MAX) abort(); /* the contract allows no more */
        memset(&a->cur.items[i], 0, sizeof a->cur.items[i]);
        strncpy(a->cur.items[i].key, key, AGG_KEY_MAX - 1);
        a->cur.n++;
    }
    a->cur.items[i].sum += delta;
    mutex_unlock(&a->mu);
}

void agg_close(agg_t *a)
{
    chan_close(a->quit);
    chan_recv(a->done, NULL); /* the flusher has sent its last flush and returned */
    chan_free(a->quit);
    chan_free(a->done);
    free(a);
}
