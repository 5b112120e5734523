/*
 * Kata 18 · Event-driven concurrency: the reference solution.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "gokata.h"

/* ---- Task 1: an event bus --------------------------------------------------- */

/* One request type for everything but publish; each carries its own reply
 * channel (capacity 1: the broker never waits to answer). */
typedef enum { REQ_SUBSCRIBE, REQ_UNSUBSCRIBE, REQ_DROPPED } req_op_t;

typedef struct {
    req_op_t op;
    chan_t *events; /* the subscriber's channel */
    chan_t *reply;  /* long */
} request_t;

struct broker {
    int buffer;
    drop_policy_t policy;
    chan_t *requests; /* request_t, unbuffered */
    chan_t *publish;  /* int, unbuffered: publish returns once the broker has the event */
    chan_t *quit;     /* closed by broker_close */
    chan_t *done;     /* closed by the broker as it returns */
};

/* Offers ev to one subscriber without ever waiting for it. */
static void deliver(broker_t *b, subscriber_t *s, int ev)
{
    if (chan_try_send(s->events, &ev)) return;
    if (b->policy == DROP_NEWEST) {
        s->dropped++;
        return;
    }
    /* DROP_OLDEST: take the oldest out and put ev in. The reader may empty a
     * slot at the same moment: then our receive finds nothing or our send
     * succeeds, and nothing was dropped. Only the broker sends, so the loop
     * ends within two turns. */
    for (;;) {
        int old;
        bool ok;
        if (chan_try_recv(s->events, &old, &ok) && ok) s->dropped++;
        if (chan_try_send(s->events, &ev)) return;
    }
}

static void serve(broker_t *b, sublist_t *subs, request_t *r)
{
    long answer = 0;
    switch (r->op) {
    case REQ_SUBSCRIBE:
        sublist_add(subs, r->events);
        break;
    case REQ_UNSUBSCRIBE:
        /* Only the broker closes, and only what it removes from its list:
         * each channel is closed once. */
        answer = sublist_remove(subs, r->events);
        if (answer) chan_close(r->events);
        break;
    case REQ_DROPPED: {
        subscriber_t *s = sublist_find(subs, r->events);
        answer = s ? s->dropped : -1;
        break;
    }
    }
    (void)b;
    chan_send(r->reply, &answer);
}

static void broker_loop(void *arg)
{
    broker_t *b = arg;
    sublist_t *subs = sublist_new(); /* local: nobody else can reach it */
    for (;;) {
        request_t r;
        int ev;
        select_case_t cs[] = {select_recv(b->requests, &r), select_recv(b->publish, &ev),
                              select_recv(b->quit, NULL)};
        int i = chan_select(cs, 3, SELECT_BLOCK);
        if (i == 0) {
            serve(b, subs, &r);
        } else if (i == 1) {
            for (int k = 0; k < sublist_len(subs); k++)
                deliver(b, sublist_at(subs, k), ev);
        } else {
            break;
        }
    }
    for (int k = 0; k < sublist_len(subs); k++)
        chan_close(sublist_at(subs, k)->events);
    sublist_free(subs);
    chan_close(b->done);
}

broker_t *broker_start(int buffer, drop_policy_t policy)
{
    broker_t *b = calloc(1, sizeof *b);
    if (!b) abort();
    b->buffer = buffer;
    b->policy = policy;
    b->requests = chan_make(sizeof(request_t), 0);
    b->publish = chan_make(sizeof(int), 0);
    b->quit = chan_make(0, 0);
    b->done = chan_make(0, 0);
    go(broker_loop, b);
    return b;
}

/* Sends a request and waits for its answer. The broker never blocks on a
 * subscriber, so it always comes back to receive the next request. */
static long ask(broker_t *b, req_op_t op, chan_t *events)
{
    request_t r = {.op = op, .events = events, .reply = chan_make(sizeof(long), 1)};
    long answer;
    chan_send(b->requests, &r);
    chan_recv(r.reply, &answer);
    chan_free(r.reply);
    return answer;
}

chan_t *broker_subscribe(broker_t *b)
{
    chan_t *events = chan_make(sizeof(int), (size_t)b->buffer);
    ask(b, REQ_SUBSCRIBE, events);
    return events;
}

bool broker_unsubscribe(broker_t *b, chan_t *events)
{
    return ask(b, REQ_UNSUBSCRIBE, events) != 0;
}

void broker_publish(broker_t *b, int event)
{
    chan_send(b->publish, &event);
}

long broker_dropped(broker_t *b, chan_t *events)
{
    return ask(b, REQ_DROPPED, events);
}

void broker_close(broker_t *b)
{
    chan_close(b->quit);
    chan_recv(b->done, NULL); /* the broker has closed every channel and freed its list */
    chan_free(b->requests);
    chan_free(b->publish);
    chan_free(b->quit);
    chan_free(b->done);
    free(b);
}

/* ---- Task 2: a watch on a key-value store ---------------------------------- */

typedef struct entry {
    char key[KEY_MAX];
    long value, rev;
    struct entry *next;
} entry_t;

struct watcher {
    kv_t *kv;
    char key[KEY_MAX];
    long seen;    /* revision last returned; -1 before the first call */
    chan_t *wake; /* capacity 1, no payload: "something changed, look again" */
    struct watcher *next;
};

struct kv {
    mutex_t mu; /* guards everything below, and every watcher's place on the list */
    long rev;
    entry_t *entries;
    watcher_t *watchers;
};

kv_t *kv_new(void)
{
    kv_t *kv = calloc(1, sizeof *kv);
    if (!kv) abort();
    return kv;
}

static entry_t *find(kv_t *kv, const char *key)
{
    for (entry_t *e = kv->entries; e; e = e->next)
        if (strncmp(e->key, key, KEY_MAX) == 0) return e;
    return NULL;
}

long kv_put(kv_t *kv, const char *key, long value)
{
    mutex_lock(&kv->mu);
    entry_t *e = find(kv, key);
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e) abort();
        strncpy(e->key, key, KEY_MAX - 1);
        e->next = kv->entries;
        kv->entries = e;
    }
    long rev = ++kv->rev;
    e->value = value;
    e->rev = rev;
    /* Wake, never wait: a full wake channel already says "look again", and
     * the watcher reads the latest value under the lock when it does. This is
     * the coalescing: any number of puts, one wake-up. */
    for (watcher_t *w = kv->watchers; w; w = w->next)
        if (strncmp(w->key, key, KEY_MAX) == 0) chan_try_send(w->wake, NULL);
    mutex_unlock(&kv->mu);
    return rev;
}

watcher_t *kv_watch(kv_t *kv, const char *key)
{
    watcher_t *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->kv = kv;
    strncpy(w->key, key, KEY_MAX - 1);
    w->seen = -1;
    w->wake = chan_make(0, 1);
    mutex_lock(&kv->mu);
    w->next = kv->watchers;
    kv->watchers = w;
    mutex_unlock(&kv->mu);
    return w;
}

bool watcher_next(watcher_t *w, ctx_t *ctx, long *value, long *rev)
{
    for (;;) {
        /* Look first, then wait: a put between our look and our wait has
         * left a token in wake, so the wait returns at once. */
        mutex_lock(&w->kv->mu);
        entry_t *e = find(w->kv, w->key);
        long r = e ? e->rev : 0, v = e ? e->value : 0;
        mutex_unlock(&w->kv->mu);
        if (r > w->seen) {
            w->seen = r;
            *value = v;
            *rev = r;
            return true;
        }
        select_case_t cs[] = {select_recv(w->wake, NULL), select_recv(ctx_done(ctx), NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) return false;
    }
}

void watcher_stop(watcher_t *w)
{
    kv_t *kv = w->kv;
    mutex_lock(&kv->mu);
    for (watcher_t **p = &kv->watchers; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    mutex_unlock(&kv->mu);
    chan_free(w->wake);
    free(w);
}

void kv_free(kv_t *kv)
{
    while (kv->entries) {
        entry_t *e = kv->entries;
        kv->entries = e->next;
        free(e);
    }
    free(kv);
}
