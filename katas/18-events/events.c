/*
 * Kata 18 · Event-driven concurrency. This is the file you edit.
 *
 * The contract of every function is in events.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=18
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "gokata.h"
#include "kata_todo.h"

/* ---- Task 1: an event bus --------------------------------------------------- */

/* What the callers need to reach the broker goroutine, and what broker_close
 * needs to stop it and wait for it. (Request types with their own reply
 * channels go above it.) */
struct broker {
    int buffer;
    drop_policy_t policy;
};

broker_t *broker_start(int buffer, drop_policy_t policy)
{
    (void)buffer;
    (void)policy;
    TODO("broker_start: make the broker's channels, start the broker goroutine (it makes the "
         "sublist_t and is the only one to touch it), return at once");
}

chan_t *broker_subscribe(broker_t *b)
{
    (void)b;
    TODO("broker_subscribe: make a channel of ints with capacity b->buffer, have the broker add "
         "it to its list, return it once it is there");
}

bool broker_unsubscribe(broker_t *b, chan_t *events)
{
    (void)b;
    (void)events;
    TODO("broker_unsubscribe: have the broker take events off its list and close it (false if "
         "it was not on the list); never wait for the subscriber's reader");
}

void broker_publish(broker_t *b, int event)
{
    (void)b;
    (void)event;
    TODO("broker_publish: hand event to the broker, which offers it to every subscriber without "
         "waiting (drop policy when a buffer is full)");
}

long broker_dropped(broker_t *b, chan_t *events)
{
    (void)b;
    (void)events;
    TODO("broker_dropped: ask the broker for this subscriber's dropped count (-1 if not "
         "subscribed)");
}

void broker_close(broker_t *b)
{
    (void)b;
    TODO("broker_close: stop the broker (it closes every channel still on its list and frees "
         "the list), wait for it, free what broker_start made");
}

/* ---- Task 2: a watch on a key-value store ---------------------------------- */

/* The store: its entries, its revision, its watchers, and the mutex that
 * guards them all. */
struct kv {
    mutex_t mu;
};

/* A watcher: its store, its key, the revision it last returned, and how a
 * put wakes it without ever waiting for it. */
struct watcher {
    kv_t *kv;
};

kv_t *kv_new(void)
{
    TODO("kv_new: an empty store (no goroutine)");
}

long kv_put(kv_t *kv, const char *key, long value)
{
    (void)kv;
    (void)key;
    (void)value;
    TODO("kv_put: under the lock, set the value with the next revision and wake every watcher "
         "of key without waiting for it; return the revision");
}

watcher_t *kv_watch(kv_t *kv, const char *key)
{
    (void)kv;
    (void)key;
    TODO("kv_watch: make a watcher of key and put it on the store's list");
}

bool watcher_next(watcher_t *w, ctx_t *ctx, long *value, long *rev)
{
    (void)w;
    (void)ctx;
    (void)value;
    (void)rev;
    TODO("watcher_next: look (under the lock); if the key's revision is newer than the last you "
         "returned, return the value; else wait for a wake-up or ctx, and look again");
}

void watcher_stop(watcher_t *w)
{
    (void)w;
    TODO("watcher_stop: take w off its store's list and free it");
}

void kv_free(kv_t *kv)
{
    (void)kv;
    TODO("kv_free: free the entries and the store");
}
