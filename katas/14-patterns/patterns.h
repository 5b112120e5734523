/*
 * Kata 14 · Patterns and anti-patterns: the contract. Read it; don't edit it
 * (the grader uses its own copy). You write tasks 1 to 4 in patterns.c.
 *
 *   Task 1  a key-value store owned by one goroutine: "share memory by
 *           communicating" (confinement, requests with reply channels)
 *   Task 2  the same store behind a mutex: channel or mutex, which one when
 *   Task 3  two functions that start goroutines they don't need: fix them
 *   Task 4  a batcher: a select loop that switches its cases on and off by
 *           setting channel variables to NULL, on purpose
 */
#ifndef KATA_PATTERNS_H
#define KATA_PATTERNS_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"

/* ==== Given: a table (string -> long) that is NOT safe for concurrent use ====
 *
 * Like a Go map: any number of goroutines may use it one after the other,
 * ordered by a lock or a channel, but two at the same time is a data race.
 * Tasks 1 and 2 keep their state in one. You use it; you don't write it.
 *
 * It also watches who uses it: the first goroutine that looks a key up is
 * its owner, and each look-up from another goroutine is counted in
 * table_watch (the tests read it; they define it). In task 1 only the owner
 * goroutine may touch the table; in task 2 any goroutine may, under the lock.
 */

enum { KEY_MAX = 32 }; /* a key is a C string of at most KEY_MAX - 1 characters */

typedef struct table_entry {
    char key[KEY_MAX];
    long value;
    struct table_entry *next;
} table_entry_t;

typedef struct {
    table_entry_t *head;
    long owner; /* go_id() of the first goroutine that looked a key up; 0: none yet */
} table_t;

/* Counted with relaxed atomics: they order nothing, so they hide no race of
 * the table's from the detectors (atomic64_t would add happens-before edges). */
typedef struct {
    long live;         /* tables made and not yet freed */
    long foreign_uses; /* look-ups by a goroutine other than the table's owner */
} table_watch_t;

extern table_watch_t table_watch; /* defined by the tests (an example defines its own) */

static inline table_t *table_new(void)
{
    table_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    __atomic_fetch_add(&table_watch.live, 1, __ATOMIC_RELAXED);
    return t;
}

/* The value stored under key, or NULL if there is none. */
static inline long *table_find(table_t *t, const char *key)
{
    long me = go_id();
    if (t->owner == 0) t->owner = me;
    if (t->owner != me) __atomic_fetch_add(&table_watch.foreign_uses, 1, __ATOMIC_RELAXED);
    for (table_entry_t *e = t->head; e; e = e->next)
        if (strncmp(e->key, key, KEY_MAX) == 0) return &e->value;
    return NULL;
}

/* The value stored under key, made 0 first if there is none. */
static inline long *table_find_or_add(table_t *t, const char *key)
{
    long *v = table_find(t, key);
    if (v) return v;
    table_entry_t *e = calloc(1, sizeof *e);
    if (!e) abort();
    strncpy(e->key, key, KEY_MAX - 1);
    e->next = t->head;
    t->head = e;
    return &e->value;
}

static inline void table_free(table_t *t)
{
    if (!t) return;
    while (t->head) {
        table_entry_t *e = t->head;
        t->head = e->next;
        free(e);
    }
    free(t);
    __atomic_fetch_sub(&table_watch.live, 1, __ATOMIC_RELAXED);
}

/* ==== Task 1: a store owned by one goroutine ================================
 *
 * Go's proverb: "Don't communicate by sharing memory; share memory by
 * communicating." One goroutine, the owner, keeps the table and is the only
 * one ever to touch it. Everyone else sends it a request on a channel and
 * waits for the answer on a reply channel that came with the request:
 *
 *   type request struct { op int; key string; delta int64; reply chan reply }
 *   func owner(reqs <-chan request) {
 *       t := map[string]int64{}
 *       for r := range reqs { ...; r.reply <- answer }
 *   }
 *
 * You define struct store in patterns.c: what the clients need to reach the
 * owner, and what store_close needs to stop it.
 */
typedef struct store store_t;

/* Makes the store's channel(s) and its table, starts its owner goroutine
 * (exactly one goroutine), and returns at once. */
store_t *store_start(void);

/* Adds delta to the value under key (a key not yet in the store counts as 0)
 * and returns the new value: the read and the write happen as one step, in
 * the owner, so two clients adding at once never lose an update. Waits for
 * the owner's answer; starts no goroutine. Any number of goroutines may call
 * it at the same time, each getting the answer to its own request. key is
 * a C string shorter than KEY_MAX. */
long store_add(store_t *s, const char *key, long delta);

/* Sets *value to the value under key and returns true, or returns false
 * (and leaves *value alone) if key is not in the store. Same rules as
 * store_add. */
bool store_get(store_t *s, const char *key, long *value);

/* Stops the owner, waits until it has returned, and frees everything the
 * store made (its table too: the owner may free it on its way out). Called
 * once, after every other call on s has returned. */
void store_close(store_t *s);

/* ==== Task 2: the same store behind a mutex ==================================
 *
 * The same contract as task 1, without a goroutine: the table is shared, and
 * a mutex_t in struct mstore (you define it) orders every use of it.
 */
typedef struct mstore mstore_t;

mstore_t *mstore_new(void);                                 /* starts no goroutine */
long mstore_add(mstore_t *s, const char *key, long delta);  /* as store_add */
bool mstore_get(mstore_t *s, const char *key, long *value); /* as store_get */
void mstore_free(mstore_t *s);                              /* frees the table too */

/* ==== Task 3: goroutines you don't need ======================================
 *
 * A price list, and two functions (in patterns.c, already written) that get
 * the right answers with goroutines that buy nothing. Rewrite them without
 * any: same answers, no goroutine started.
 */
typedef struct {
    const char *name;
    long cents;
} item_t;

typedef struct {
    const item_t *items;
    int n;
} catalog_t;

/* The price of name in c, in cents, or -1 if c has no such item. Given. */
static inline long catalog_price(const catalog_t *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->items[i].name, name) == 0) return c->items[i].cents;
    return -1;
}

/* The price of name plus percent % tax, rounded down; -1 if c has no such
 * item. Starts no goroutine. */
long price_with_tax(const catalog_t *c, const char *name, int percent);

/* The sum of the prices of names[0..n), or -1 if any of them is not in c
 * (0 for n == 0). Starts no goroutine. */
long order_total(const catalog_t *c, const char *const *names, int n);

/* ==== Task 4: a batcher, with select cases switched on and off ==============
 *
 * Writes to a database go faster in batches. The batcher receives items (ints)
 * from in and sends them on out in batches, so that no item waits long.
 */
enum { BATCH_MAX = 16 };

typedef struct {
    int n;                /* how many items: 1..max (never 0) */
    int items[BATCH_MAX]; /* in the order they were received */
} batch_t;

/*
 * batcher: runs in the caller's goroutine (the tests start it with go()) and
 * returns when it is done. in carries ints, out carries batch_t (both
 * unbuffered, made by the caller). 1 <= max <= BATCH_MAX, wait > 0.
 *
 *   - Items go into the open batch, in the order received. A batch is
 *     complete when it holds max items, or when wait has passed since its
 *     first item was received (one timer per batch, started then), or when in
 *     is closed. A complete batch takes no more items, and its timer, if it
 *     is still running, is stopped: it must not fire into the next batch.
 *   - A complete batch is sent on out as soon as the reader takes it, whole,
 *     as a batch_t by value. Batches leave in order; an empty batch is never
 *     sent.
 *   - While a complete batch waits for the reader, the batcher keeps
 *     receiving from in, into a new open batch (a slow reader doesn't hold up
 *     the senders). But at most one complete batch waits: once the new batch
 *     is complete too, the batcher stops receiving from in until the reader
 *     takes the waiting one (back-pressure).
 *   - When in is closed and every item has been sent: closes out, releases
 *     what it made (its timer) and returns. It never closes in.
 *   - It never spins: when nothing can happen, it waits, in one chan_select.
 *
 * One loop, one chan_select with three cases, each switched off by giving it
 * a NULL channel when it must not run: the receive from in, the timer of the
 * open batch, and the send of the complete batch on out.
 */
void batcher(chan_t *in, chan_t *out, int max, go_duration_t wait);

#endif
