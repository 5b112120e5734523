/*
 * Kata 14 · Patterns and anti-patterns: the reference solution.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"
#include "patterns.h"

/* ---- Task 1: a store owned by one goroutine -------------------------------- */

typedef enum { OP_ADD, OP_GET } op_t;

/* What a client sends the owner. It lives on the client's stack: the client
 * waits for the reply, so the request outlives the owner's use of it. */
typedef struct {
    op_t op;
    const char *key;
    long delta;
    chan_t *reply; /* the client's own: an answer can't go to another client */
} request_t;

typedef struct {
    bool found;
    long value;
} answer_t;

struct store {
    chan_t *requests; /* request_t; closed by store_close: the owner's loop ends */
    chan_t *stopped;  /* closed by the owner when it has returned (and freed the table) */
};

/* The owner: the table is a local variable, so no other goroutine can even
 * name it. Each request is served whole before the next is received, so
 * an add is one step. */
static void store_owner(void *arg)
{
    struct store *s = arg;
    table_t *t = table_new();
    request_t r;
    while (chan_recv(s->requests, &r)) {
        answer_t a = {0};
        long *v = r.op == OP_ADD ? table_find_or_add(t, r.key) : table_find(t, r.key);
        if (v) {
            if (r.op == OP_ADD) *v += r.delta;
            a = (answer_t){.found = true, .value = *v};
        }
        chan_send(r.reply, &a); /* buffered (cap 1): never waits */
    }
    table_free(t);
    chan_close(s->stopped); /* everything the owner did happens before store_close returns */
}

store_t *store_start(void)
{
    struct store *s = malloc(sizeof *s);
    if (!s) abort();
    s->requests = chan_make(sizeof(request_t), 0);
    s->stopped = chan_make(0, 0);
    go(store_owner, s);
    return s;
}

/* One round trip: send the request, wait for the answer on a reply channel
 * made for this call alone. */
static answer_t store_ask(store_t *s, op_t op, const char *key, long delta)
{
    request_t r = {.op = op, .key = key, .delta = delta, .reply = chan_make(sizeof(answer_t), 1)};
    answer_t a;
    chan_send(s->requests, &r);
    chan_recv(r.reply, &a);
    chan_free(r.reply); /* the owner's send is done: we received it */
    return a;
}

long store_add(store_t *s, const char *key, long delta)
{
    return store_ask(s, OP_ADD, key, delta).value;
}

bool store_get(store_t *s, const char *key, long *value)
{
    answer_t a = store_ask(s, OP_GET, key, 0);
    if (a.found) *value = a.value;
    return a.found;
}

void store_close(store_t *s)
{
    chan_close(s->requests);
    chan_recv(s->stopped, NULL); /* the owner has returned: nobody uses the channels */
    chan_free(s->requests);
    chan_free(s->stopped);
    free(s);
}

/* ---- Task 2: the same store behind a mutex --------------------------------- */

struct mstore {
    mutex_t mu; /* guards t: every use of it, reads too */
    table_t *t;
};

mstore_t *mstore_new(void)
{
    struct mstore *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->t = table_new();
    return s;
}

long mstore_add(mstore_t *s, const char *key, long delta)
{
    mutex_lock(&s->mu);
    long v = *table_find_or_add(s->t, key) += delta; /* read and write under one lock */
    mutex_unlock(&s->mu);
    return v;
}

bool mstore_get(mstore_t *s, const char *key, long *value)
{
    mutex_lock(&s->mu);
    long *v = table_find(s->t, key);
    if (v) *value = *v;
    mutex_unlock(&s->mu);
    return v != NULL;
}

void mstore_free(mstore_t *s)
{
    table_free(s->t);
    free(s);
}

/* ---- Task 3: goroutines you don't need ------------------------------------- */

/* The caller would only wait for a goroutine doing this: do it. */
long price_with_tax(const catalog_t *c, const char *name, int percent)
{
    long p = catalog_price(c, name);
    return p < 0 ? -1 : p + p * percent / 100;
}

/* A look-up takes nanoseconds; a goroutine costs a thread here (microseconds
 * in Go). A loop, and no shared total to lock. */
long order_total(const catalog_t *c, const char *const *names, int n)
{
    long total = 0;
    for (int i = 0; i < n; i++) {
        long p = catalog_price(c, names[i]);
        if (p < 0) return -1;
        total += p;
    }
    return total;
}

/* ---- Task 4: a batcher ------------------------------------------------------ */

void batcher(chan_t *in, chan_t *out, int max, go_duration_t wait)
{
    batch_t open = {0};  /* the batch taking items */
    batch_t ready = {0}; /* the complete batch waiting for the reader, if have_ready */
    bool have_ready = false;
    bool open_complete = false; /* full, or its wait passed, or in closed */
    go_timer_t *timer = timer_new(wait);
    timer_stop(timer); /* armed only while a batch is open and not yet complete */
    bool timing = false;

    for (;;) {
        /* The one waiting slot is free: the complete open batch moves into it. */
        if (!have_ready && open.n > 0 && open_complete) {
            ready = open;
            have_ready = true;
            open.n = 0;
            open_complete = false;
        }
        if (in == NULL && open.n == 0 && !have_ready) break;

        int v;
        /* Each case on only when it may run; a NULL channel's case never does. */
        select_case_t cs[] = {
            select_recv(open_complete ? NULL : in, &v), /* NULL also once in is closed */
            select_recv(timing ? timer->C : NULL, NULL),
            select_send(have_ready ? out : NULL, &ready),
        };
        switch (chan_select(cs, 3, SELECT_BLOCK)) {
        case 0:
            if (!cs[0].ok) { /* closed: off for good, and what is open is complete */
                in = NULL;
                open_complete = open.n > 0;
                break;
            }
            if (open.n == 0) { /* the first item: this batch's clock starts now */
                timer_reset(timer, wait);
                timing = true;
            }
            open.items[open.n++] = v;
            if (open.n == max) open_complete = true;
            break;
        case 1:
            timing = false; /* fired and received: nothing more will come */
            open_complete = true;
            break;
        case 2:
            have_ready = false;
            break;
        }
        if (open_complete && timing) { /* complete before its wait passed: the timer is moot */
            timer_stop(timer);
            timing = false;
        }
    }
    timer_free(timer);
    chan_close(out);
}
