/*
 * Kata 14 · Patterns and anti-patterns. This is the file you edit.
 *
 * The contract of every function is in patterns.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=14
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"
#include "kata_todo.h"
#include "patterns.h"

/* ---- Task 1: a store owned by one goroutine -------------------------------- */

/* What the clients need to reach the owner, and what store_close needs to
 * stop it. (A request type with its own reply channel goes above it.) */
struct store {
    chan_t *requests;
};

store_t *store_start(void)
{
    TODO("store_start: make the requests channel, start the owner goroutine (it makes the table "
         "and is the only one to touch it), return at once");
}

long store_add(store_t *s, const char *key, long delta)
{
    (void)s;
    (void)key;
    (void)delta;
    TODO("store_add: send the owner a request carrying a reply channel of your own, wait for the "
         "answer on it");
}

bool store_get(store_t *s, const char *key, long *value)
{
    (void)s;
    (void)key;
    (void)value;
    TODO("store_get: the same round trip as store_add: request, then the answer on your reply "
         "channel");
}

void store_close(store_t *s)
{
    (void)s;
    TODO("store_close: close the requests channel so that the owner's loop ends, wait until the "
         "owner has returned, free what the store made");
}

/* ---- Task 2: the same store behind a mutex --------------------------------- */

struct mstore {
    table_t *t;
};

mstore_t *mstore_new(void)
{
    TODO("mstore_new: a table and a mutex, no goroutine");
}

long mstore_add(mstore_t *s, const char *key, long delta)
{
    (void)s;
    (void)key;
    (void)delta;
    TODO("mstore_add: find-or-add and add, all under the lock");
}

bool mstore_get(mstore_t *s, const char *key, long *value)
{
    (void)s;
    (void)key;
    (void)value;
    TODO("mstore_get: look the key up under the lock: a read of a shared table needs it too");
}

void mstore_free(mstore_t *s)
{
    (void)s;
    TODO("mstore_free: free the table and the store");
}

/* ---- Task 3: goroutines you don't need --------------------------------------
 *
 * Both functions give the right answer. Both start goroutines that buy
 * nothing: rewrite them without any (the tests count the goroutines).
 */

typedef struct {
    const catalog_t *c;
    const char *name;
    chan_t *result; /* long */
} lookup_t;

static void lookup(void *arg)
{
    lookup_t *l = arg;
    long p = catalog_price(l->c, l->name);
    chan_send(l->result, &p);
}

/* "Do the look-up in a goroutine": and then wait for it, right away. */
long price_with_tax(const catalog_t *c, const char *name, int percent)
{
    lookup_t l = {.c = c, .name = name, .result = chan_make(sizeof(long), 0)};
    go(lookup, &l);
    long p;
    chan_recv(l.result, &p);
    chan_free(l.result);
    return p < 0 ? -1 : p + p * percent / 100;
}

typedef struct {
    const catalog_t *c;
    const char *name;
    mutex_t *mu;
    long *total; /* shared: guarded by mu */
    bool *missing;
    wg_t *wg;
} add_price_t;

static void add_price(void *arg)
{
    add_price_t *a = arg;
    long p = catalog_price(a->c, a->name);
    mutex_lock(a->mu);
    if (p < 0)
        *a->missing = true;
    else
        *a->total += p;
    mutex_unlock(a->mu);
    wg_done(a->wg);
    free(a);
}

/* "One goroutine per item, it's faster": a goroutine per look-up, and a
 * shared total behind a mutex. */
long order_total(const catalog_t *c, const char *const *names, int n)
{
    mutex_t mu = {0};
    long total = 0;
    bool missing = false;
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        add_price_t *a = malloc(sizeof *a);
        if (!a) abort();
        *a = (add_price_t){c, names[i], &mu, &total, &missing, &wg};
        wg_add(&wg, 1);
        go(add_price, a);
    }
    wg_wait(&wg);
    return missing ? -1 : total;
}

/* ---- Task 4: a batcher ------------------------------------------------------ */

void batcher(chan_t *in, chan_t *out, int max, go_duration_t wait)
{
    (void)in;
    (void)out;
    (void)max;
    (void)wait;
    TODO("batcher: one loop, one chan_select over three cases (receive from in, the open batch's "
         "timer, send the complete batch on out), each switched off with a NULL channel when it "
         "must not run");
}
