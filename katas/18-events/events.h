/*
 * Kata 18 · Event-driven concurrency: the contract. Read it; don't edit it
 * (the grader uses its own copy). You write tasks 1 and 2 in events.c.
 *
 *   Task 1  an event bus: one broker goroutine owns the subscribers; publish
 *           to all of them, a buffer per subscriber and a drop policy for the
 *           slow ones, unsubscribe that never waits for a reader, close
 *   Task 2  a watch, like etcd's or a Kubernetes informer's: the current
 *           value first, then the latest value after every change, coalesced
 *           (a slow watcher skips what it missed, never the latest)
 */
#ifndef KATA_EVENTS_H
#define KATA_EVENTS_H

#include <stdbool.h>
#include <stdlib.h>

#include "gokata.h"

/* ==== Given: a list of subscribers that is NOT safe for concurrent use ======
 *
 * Like a Go slice: goroutines may use it one after the other, never two at
 * once. In task 1 it belongs to the broker goroutine, and only the broker may
 * touch it. It watches who does: the first goroutine that uses a list is its
 * owner, and every use by another goroutine is counted in
 * sublist_watch.foreign_uses (the tests define sublist_watch and read it).
 */
typedef struct {
    chan_t *events; /* the subscriber's channel of int events */
    long dropped;   /* events this subscriber did not get (its buffer was full) */
} subscriber_t;

typedef struct {
    subscriber_t *items; /* items[0..n), in the order they subscribed */
    int n, cap;
    long owner; /* go_id() of the first goroutine that used it; 0: none yet */
} sublist_t;

/* Relaxed atomics: they order nothing, so they hide no race from the detectors. */
typedef struct {
    long live;         /* lists made and not yet freed */
    long foreign_uses; /* uses by a goroutine other than the list's owner */
} sublist_watch_t;

extern sublist_watch_t sublist_watch; /* defined by the tests (each example defines its own) */

static inline void sublist_touch_(sublist_t *l)
{
    long me = go_id();
    if (l->owner == 0) l->owner = me;
    if (l->owner != me) __atomic_fetch_add(&sublist_watch.foreign_uses, 1, __ATOMIC_RELAXED);
}

static inline sublist_t *sublist_new(void)
{
    sublist_t *l = calloc(1, sizeof *l);
    if (!l) abort();
    __atomic_fetch_add(&sublist_watch.live, 1, __ATOMIC_RELAXED);
    return l;
}

/* Appends a subscriber for events (dropped 0) and returns it. */
static inline subscriber_t *sublist_add(sublist_t *l, chan_t *events)
{
    sublist_touch_(l);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4;
        l->items = realloc(l->items, (size_t)l->cap * sizeof *l->items);
        if (!l->items) abort();
    }
    l->items[l->n] = (subscriber_t){.events = events, .dropped = 0};
    return &l->items[l->n++];
}

/* The subscriber whose channel is events, or NULL. The pointer is good until
 * the next sublist_add or sublist_remove. */
static inline subscriber_t *sublist_find(sublist_t *l, chan_t *events)
{
    sublist_touch_(l);
    for (int i = 0; i < l->n; i++)
        if (l->items[i].events == events) return &l->items[i];
    return NULL;
}

/* The i-th subscriber, 0 <= i < sublist_len(l). */
static inline subscriber_t *sublist_at(sublist_t *l, int i)
{
    sublist_touch_(l);
    return &l->items[i];
}

static inline int sublist_len(sublist_t *l)
{
    sublist_touch_(l);
    return l->n;
}

/* Removes the subscriber whose channel is events (keeping the others in
 * order); false if there is none. It does not close the channel. */
static inline bool sublist_remove(sublist_t *l, chan_t *events)
{
    sublist_touch_(l);
    for (int i = 0; i < l->n; i++)
        if (l->items[i].events == events) {
            for (int j = i + 1; j < l->n; j++)
                l->items[j - 1] = l->items[j];
            l->n--;
            return true;
        }
    return false;
}

static inline void sublist_free(sublist_t *l)
{
    if (!l) return;
    free(l->items);
    free(l);
    __atomic_fetch_sub(&sublist_watch.live, 1, __ATOMIC_RELAXED);
}

/* ==== Task 1: an event bus ===================================================
 *
 *   b := NewBroker(8, DropOldest)      // one goroutine: the broker
 *   events := b.Subscribe()            // <-chan int, buffered
 *   b.Publish(42)                      // to every subscriber; never waits for one
 *   b.Unsubscribe(events)              // closes events; never waits for its reader
 *   b.Close()                          // closes every channel still subscribed
 *
 * One broker goroutine owns the sublist_t and is the only one to touch it:
 * subscribe, unsubscribe, publish and dropped are requests sent to it on
 * channels (kata 14's owner goroutine). It is also the only goroutine that
 * ever sends on or closes a subscriber's channel, which is what makes "send
 * on closed channel" and "close of closed channel" impossible.
 *
 * A subscriber's channel has capacity `buffer`. When it is full the broker
 * does not wait (one slow subscriber would stop every other one): it drops
 * an event and adds 1 to that subscriber's dropped count.
 */
typedef enum {
    DROP_NEWEST, /* full: the event being published is dropped for this subscriber */
    DROP_OLDEST, /* full: the oldest event in the buffer is dropped to make room */
} drop_policy_t;

typedef struct broker broker_t;

/* Makes the broker's channels and starts the broker goroutine (exactly one
 * goroutine, which makes the sublist_t and alone uses it). buffer >= 1.
 * Returns at once. */
broker_t *broker_start(int buffer, drop_policy_t policy);

/* Makes a subscriber's channel (ints, capacity buffer), has the broker add it
 * to its list, and returns it once it is on the list: every event published
 * after broker_subscribe returns is delivered to it (or counted as dropped),
 * in the order the broker received them. Starts no goroutine. */
chan_t *broker_subscribe(broker_t *b);

/* Has the broker take events off its list and close it (the reader gets what
 * is still buffered, then the close), and returns once that is done: no event
 * is sent on it after. Returns false and does nothing if events is not
 * subscribed (unsubscribed already, or closed by broker_close). Returns
 * promptly even if nobody reads events, and may be called by its reader.
 * The channel is not freed: its reader frees it (chan_free) when done. */
bool broker_unsubscribe(broker_t *b, chan_t *events);

/* Hands event to the broker and returns once the broker has it: the broker
 * offers it to every subscriber in list order, applying the drop policy to
 * each full one, before it serves its next request. Never waits for a
 * subscriber. Any number of goroutines may publish at once; the events of one
 * publisher reach every subscriber in the order it published them. */
void broker_publish(broker_t *b, int event);

/* How many events the subscriber on events has had dropped so far, asked of
 * the broker (it counts every publish that returned before this call); -1 if
 * events is not subscribed. */
long broker_dropped(broker_t *b, chan_t *events);

/* Stops the broker: it closes the channel of every subscriber still on its
 * list (each exactly once; not those already unsubscribed), frees its list
 * and returns; broker_close waits for it, then frees the broker. Called once,
 * after every other call on b has returned. The channels are not freed:
 * their readers free them. */
void broker_close(broker_t *b);

/* ==== Task 2: a watch on a key-value store ===================================
 *
 *   kv.Put("leader", 7)
 *   w := kv.Watch("leader")
 *   v, rev, ok := w.Next(ctx)   // now: the current value
 *   v, rev, ok = w.Next(ctx)    // waits for a change; then the LATEST value
 *
 * A store of long values by key, behind a mutex (no goroutine). Every put
 * gets the next revision of the store (1, 2, 3 ...; like etcd's). A watcher
 * of a key never misses the latest state: Next returns the key's value as it
 * is now, if it changed since the watcher last looked, else waits until it
 * does. Puts in between are coalesced: a watcher that looks rarely gets only
 * the latest value, and never waits while a newer value than the one it has
 * is in the store. A put never waits for a watcher.
 */
enum { KEY_MAX = 32 }; /* a key is a C string of at most KEY_MAX - 1 characters */

typedef struct kv kv_t;
typedef struct watcher watcher_t;

/* An empty store. Starts no goroutine. */
kv_t *kv_new(void);

/* Sets key to value, with the store's next revision (the first put gets 1),
 * and wakes the watchers of key. Never waits for a watcher. Returns the
 * revision. Any number of goroutines may call it and the functions below
 * at once. */
long kv_put(kv_t *kv, const char *key, long value);

/* A watcher of key (the key may not be in the store yet). Starts no
 * goroutine. */
watcher_t *kv_watch(kv_t *kv, const char *key);

/*
 * The first call returns at once with the key's value and the revision of
 * its last put (0 and 0 if it was never put). Each later call returns as soon
 * as the key's revision is greater than the one this watcher last returned,
 * with the key's value and revision at that moment (the latest, not the
 * next one). Sets *value and *rev and returns true; or returns false, and
 * leaves them alone, as soon as ctx is done.
 *
 * One goroutine at a time calls watcher_next on a given watcher; watchers of
 * the same key each get every latest value. It never spins: it waits.
 */
bool watcher_next(watcher_t *w, ctx_t *ctx, long *value, long *rev);

/* Takes w off its store and frees it. Not called while a watcher_next on w
 * is running. */
void watcher_stop(watcher_t *w);

/* Frees the store, once every watcher is stopped. */
void kv_free(kv_t *kv);

#endif
