/*
 * Kata 18 · Event-driven concurrency: the tests that grade events.c.
 *
 * Everything runs in virtual time (go_synctest), watched in real time so
 * that a loop that spins fails with that named. Every wait is bounded: a
 * call that should return promptly and doesn't (an unsubscribe stuck behind
 * a broker that waits for a reader) fails after an hour of virtual time with
 * where each goroutine is stuck, instead of hanging.
 *
 * The given sublist_t (events.h) counts in sublist_watch the uses made by a
 * goroutine other than the broker: that is how the tests see a subscriber
 * list touched outside the broker, even behind a lock. The detectors see the
 * unlocked ones too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "gkcheck.h"
#include "kata_test.h"

sublist_watch_t sublist_watch;

#define HOUR (3600 * SECOND)

enum { WATCHDOG_SECONDS = 5 };

static void run_watched(go_func_t body, void *arg)
{
    gk_synctest_watched(body, arg, WATCHDOG_SECONDS,
                        "Does a loop go round without waiting: the broker polling with "
                        "SELECT_NONBLOCK, or watcher_next looking again and again instead of "
                        "waiting on a channel? Or does kv_put wait on a channel (a blocking "
                        "send to a watcher) while it holds the mutex, so that every other "
                        "goroutine waits for the lock? (A mutex wait does not let the virtual "
                        "clock move.)");
}

/* ---- helpers ---- */

/* Receives everything buffered on ch without waiting; *closed tells whether
 * the channel was closed once it was empty. Returns how many, into out. */
static int drain(chan_t *ch, int *out, int max, bool *closed)
{
    int n = 0;
    *closed = false;
    for (;;) {
        int v;
        bool ok;
        if (!chan_try_recv(ch, &v, &ok)) return n;
        if (!ok) {
            *closed = true;
            return n;
        }
        if (n < max) out[n] = v;
        n++;
    }
}

static void fmt_ints(char *buf, size_t len, const int *v, int n)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < n && at + 16 < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%d", i ? " " : "", v[i]);
}

/* A call that must return promptly, run in a goroutine and waited for with an
 * hour of virtual time as the bound. */
typedef struct {
    broker_t *b;
    chan_t *events;
    int op; /* 0 unsubscribe, 1 publish, 2 close */
    int event;
    bool result;
    chan_t *done;
} call_t;

static void do_call(void *arg)
{
    call_t *c = arg;
    if (c->op == 0)
        c->result = broker_unsubscribe(c->b, c->events);
    else if (c->op == 1)
        broker_publish(c->b, c->event);
    else
        broker_close(c->b);
    chan_close(c->done);
}

static bool bounded_call(call_t *c, go_leak_mark_t mark, const char *what)
{
    c->done = chan_make(0, 0);
    go(do_call, c);
    select_case_t cs[] = {select_recv(c->done, NULL), select_recv(time_after(HOUR), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 1)
        gk_fail_with_dump(mark, "%s did not return within an hour (virtual time). %s", what,
                          "The broker must never wait for a subscriber's reader: offer each "
                          "event with chan_try_send and apply the drop policy when the buffer is "
                          "full, so that the broker always comes back for the next request.");
    chan_free(c->done);
    return c->result;
}

static broker_t *start(int buffer, drop_policy_t policy)
{
    broker_t *b = broker_start(buffer, policy);
    ck_assert_msg(b != NULL, "broker_start returned NULL");
    return b;
}

static chan_t *subscribe(broker_t *b)
{
    chan_t *ch = broker_subscribe(b);
    ck_assert_msg(ch != NULL, "broker_subscribe returned NULL");
    return ch;
}

/* ==== Task 1 ================================================================= */

enum { SUBS = 3, EVENTS = 10 };

static void in_order(void *unused)
{
    (void)unused;
    broker_t *b = start(16, DROP_NEWEST);
    chan_t *subs[SUBS];
    for (int i = 0; i < SUBS; i++)
        subs[i] = subscribe(b);
    for (int e = 0; e < EVENTS; e++)
        broker_publish(b, 100 + e);
    go_synctest_wait(); /* the broker has offered them all */
    for (int i = 0; i < SUBS; i++) {
        int got[32];
        bool closed;
        int n = drain(subs[i], got, 32, &closed);
        bool ok = n == EVENTS && !closed;
        for (int e = 0; ok && e < EVENTS; e++)
            ok = got[e] == 100 + e;
        char s[256];
        fmt_ints(s, sizeof s, got, n < 32 ? n : 32);
        ck_assert_msg(ok,
                      "3 subscribers with a buffer of 16; 10 events published (100 to 109). "
                      "Subscriber %d has [%s]%s, expected 100 101 ... 109 in that order: every "
                      "subscriber gets every event, in the order the broker received them",
                      i, s, closed ? " and its channel is closed" : "");
        ck_assert_msg(broker_dropped(b, subs[i]) == 0,
                      "broker_dropped says subscriber %d had %ld events dropped, but its buffer "
                      "(16) never filled up",
                      i, broker_dropped(b, subs[i]));
    }
    broker_close(b);
    for (int i = 0; i < SUBS; i++)
        chan_free(subs[i]);
}

START_TEST(test_broker_delivers_every_event_in_order_to_each_subscriber)
{
    run_watched(in_order, NULL);
}
END_TEST

static void goroutines(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    sublist_watch = (sublist_watch_t){0};
    broker_t *b = start(4, DROP_NEWEST);
    long n = gk_started_since(gk_leak_mark_);
    ck_assert_msg(n == 1, "broker_start started %ld goroutines, expected 1: the broker", n);
    chan_t *a = subscribe(b);
    broker_publish(b, 1);
    broker_dropped(b, a);
    broker_unsubscribe(b, a);
    n = gk_started_since(gk_leak_mark_) - 1;
    ck_assert_msg(n == 0,
                  "subscribe, publish, dropped and unsubscribe started %ld goroutine%s: each "
                  "sends a request to the broker that is already running",
                  n, n == 1 ? "" : "s");
    broker_close(b);
    chan_free(a);
    if (go_leak_check(gk_leak_mark_, NULL, 0))
        gk_fail_with_dump(gk_leak_mark_, "broker_close returned, but the broker goroutine is "
                                         "still alive: stop it, and wait until it has returned");
    ck_assert_msg(sublist_watch.live == 0,
                  "after broker_close, %ld subscriber list%s not freed (sublist_new was called "
                  "%s): the broker frees its list on its way out",
                  sublist_watch.live, sublist_watch.live == 1 ? " is" : "s are",
                  sublist_watch.live == 1 ? "once more than sublist_free" : "more than freed");
}

START_TEST(test_broker_starts_one_goroutine_and_leaves_none)
{
    run_watched(goroutines, NULL);
}
END_TEST

static void late_subscriber(void *unused)
{
    (void)unused;
    broker_t *b = start(8, DROP_NEWEST);
    chan_t *early = subscribe(b);
    broker_publish(b, 1);
    broker_publish(b, 2);
    chan_t *late = subscribe(b);
    broker_publish(b, 3);
    go_synctest_wait();
    int got[16];
    bool closed;
    int n = drain(late, got, 16, &closed);
    char s[128];
    fmt_ints(s, sizeof s, got, n < 16 ? n : 16);
    ck_assert_msg(n == 1 && got[0] == 3,
                  "events 1 and 2 were published, then a second subscriber subscribed, then 3: "
                  "it got [%s], expected just 3",
                  s);
    n = drain(early, got, 16, &closed);
    fmt_ints(s, sizeof s, got, n < 16 ? n : 16);
    ck_assert_msg(n == 3 && got[0] == 1 && got[1] == 2 && got[2] == 3,
                  "the first subscriber got [%s], expected 1 2 3", s);
    broker_close(b);
    chan_free(early);
    chan_free(late);
}

START_TEST(test_a_subscriber_gets_the_events_published_after_it_subscribed)
{
    run_watched(late_subscriber, NULL);
}
END_TEST

/* A subscriber that never reads and one that keeps up, 10 events, buffer 4. */
static void drops(void *arg)
{
    drop_policy_t policy = (drop_policy_t)(long)arg;
    const char *pname = policy == DROP_NEWEST ? "DROP_NEWEST" : "DROP_OLDEST";
    GK_LEAK_MARK();
    broker_t *b = start(4, policy);
    chan_t *slow = subscribe(b);
    chan_t *fast = subscribe(b);
    int fast_got[32], nfast = 0;
    bool closed;
    for (int e = 0; e < EVENTS; e++) {
        call_t c = {.b = b, .op = 1, .event = e};
        bounded_call(&c, gk_leak_mark_, "broker_publish, with a subscriber that does not read,");
        go_synctest_wait();
        nfast += drain(fast, fast_got + nfast, 32 - nfast, &closed);
        if (nfast > 16) break;
    }
    char s[256];
    fmt_ints(s, sizeof s, fast_got, nfast < 32 ? nfast : 32);
    bool ok = nfast == EVENTS;
    for (int e = 0; ok && e < EVENTS; e++)
        ok = fast_got[e] == e;
    ck_assert_msg(ok,
                  "%s, buffer 4: a subscriber that reads after every publish got [%s], expected "
                  "0 1 ... 9: a slow subscriber must not cost the others anything",
                  pname, s);
    long d = broker_dropped(b, slow);
    long dfast = broker_dropped(b, fast);
    int got[32];
    int n = drain(slow, got, 32, &closed);
    fmt_ints(s, sizeof s, got, n < 32 ? n : 32);
    int first = policy == DROP_NEWEST ? 0 : EVENTS - 4;
    ok = n == 4;
    for (int i = 0; ok && i < 4; i++)
        ok = got[i] == first + i;
    ck_assert_msg(ok,
                  "%s, buffer 4, 10 events (0 to 9) published to a subscriber that did not read: "
                  "its channel holds [%s], expected %s",
                  pname, s,
                  policy == DROP_NEWEST
                      ? "0 1 2 3 (the buffer filled up, and each later event was dropped)"
                      : "6 7 8 9 (each event that found the buffer full pushed the oldest out)");
    ck_assert_msg(d == 6,
                  "%s, buffer 4, 10 events published to a subscriber that did not read: "
                  "broker_dropped says %ld, expected 6 (10 published, 4 kept)",
                  pname, d);
    ck_assert_msg(dfast == 0,
                  "broker_dropped says %ld for a subscriber that read every event as it came, "
                  "expected 0: count per subscriber",
                  dfast);
    broker_close(b);
    chan_free(slow);
    chan_free(fast);
}

START_TEST(test_drop_newest_keeps_the_first_events_and_counts_the_rest)
{
    run_watched(drops, (void *)(long)DROP_NEWEST);
}
END_TEST

START_TEST(test_drop_oldest_keeps_the_latest_events_and_counts_the_rest)
{
    run_watched(drops, (void *)(long)DROP_OLDEST);
}
END_TEST

/* Unsubscribe while the buffer is full and nobody reads. */
static void unsub_not_reading(void *arg)
{
    drop_policy_t policy = (drop_policy_t)(long)arg;
    GK_LEAK_MARK();
    broker_t *b = start(2, policy);
    chan_t *stuck = subscribe(b);
    chan_t *other = subscribe(b);
    for (int e = 0; e < 5; e++) {
        call_t c = {.b = b, .op = 1, .event = e};
        bounded_call(&c, gk_leak_mark_, "broker_publish, with a subscriber that does not read,");
    }
    call_t c = {.b = b, .op = 0, .events = stuck};
    bool r = bounded_call(&c, gk_leak_mark_,
                          "broker_unsubscribe of a subscriber whose buffer is full and who does "
                          "not read");
    ck_assert_msg(r, "broker_unsubscribe of a subscribed channel returned false, expected true");
    ck_assert_msg(broker_dropped(b, stuck) == -1,
                  "after broker_unsubscribe, broker_dropped of that channel gave %ld, expected -1 "
                  "(not subscribed): take it off the list",
                  broker_dropped(b, stuck));
    c = (call_t){.b = b, .op = 1, .event = 99};
    bounded_call(&c, gk_leak_mark_, "broker_publish after an unsubscribe");
    go_synctest_wait();
    int got[16];
    bool closed;
    int n = drain(stuck, got, 16, &closed);
    char s[128];
    fmt_ints(s, sizeof s, got, n < 16 ? n : 16);
    ck_assert_msg(n == 2 && closed,
                  "buffer 2, 5 events published to a subscriber that did not read, then "
                  "broker_unsubscribe, then one more event: its channel gave [%s] and %s; "
                  "expected the 2 buffered events, then the close (and nothing published after "
                  "the unsubscribe)",
                  s, closed ? "was closed" : "was not closed (unsubscribe closes it)");
    n = drain(other, got, 16, &closed);
    ck_assert_msg(n == 2 && !closed,
                  "the other subscriber (buffer 2, not reading either) should still be subscribed "
                  "with 2 events buffered; it had %d%s",
                  n, closed ? " and its channel was closed" : "");
    broker_close(b);
    chan_free(stuck);
    chan_free(other);
}

START_TEST(test_unsubscribe_returns_while_the_subscriber_is_not_reading)
{
    run_watched(unsub_not_reading, (void *)(long)DROP_NEWEST);
}
END_TEST

START_TEST(test_unsubscribe_returns_while_the_subscriber_is_not_reading_drop_oldest)
{
    run_watched(unsub_not_reading, (void *)(long)DROP_OLDEST);
}
END_TEST

/* A reader that reads 3 events and unsubscribes itself while publishers go on. */
typedef struct {
    broker_t *b;
    chan_t *events;
    int got[64], n;
    bool closed_seen;
    wg_t *wg;
} reader_t;

static void self_unsubscriber(void *arg)
{
    reader_t *r = arg;
    int v;
    /* Up to 3 events; with a small buffer the publishers may have run ahead
     * (the rest dropped), so give up waiting after a second of quiet. */
    while (r->n < 3) {
        select_case_t cs[] = {select_recv(r->events, &v), select_recv(time_after(SECOND), NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) != 0 || !cs[0].ok) break;
        r->got[r->n++] = v;
    }
    broker_unsubscribe(r->b, r->events);
    while (chan_recv(r->events, &v))
        if (r->n < 64) r->got[r->n++] = v;
    r->closed_seen = true;
    wg_done(r->wg);
}

typedef struct {
    broker_t *b;
    int id, count;
    wg_t *wg;
} publisher_t;

static void publisher(void *arg)
{
    publisher_t *p = arg;
    for (int i = 0; i < p->count; i++) {
        broker_publish(p->b, p->id * 1000 + i);
        go_yield();
    }
    wg_done(p->wg);
}

typedef struct {
    wg_t *a, *b;
    chan_t *done;
} both_t;

static void wait_both(void *arg)
{
    both_t *t = arg;
    wg_wait(t->a);
    wg_wait(t->b);
    chan_close(t->done);
}

static void unsub_by_reader(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    broker_t *b = start(1, DROP_NEWEST);
    wg_t wg = {0}, pubs = {0};
    static reader_t rs[3];
    for (int i = 0; i < 3; i++) {
        rs[i] = (reader_t){.b = b, .events = subscribe(b), .wg = &wg};
        wg_add(&wg, 1);
        go(self_unsubscriber, &rs[i]);
    }
    static publisher_t ps[2];
    for (int i = 0; i < 2; i++) {
        ps[i] = (publisher_t){.b = b, .id = i + 1, .count = 20, .wg = &pubs};
        wg_add(&pubs, 1);
        go(publisher, &ps[i]);
    }
    chan_t *all = chan_make(0, 0);
    both_t bt = {&wg, &pubs, all};
    go(wait_both, &bt);
    select_case_t cs[] = {select_recv(all, NULL), select_recv(time_after(HOUR), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 1)
        gk_fail_with_dump(gk_leak_mark_,
                          "3 subscribers (buffer 1) each read up to 3 events and then call "
                          "broker_unsubscribe themselves, while 2 goroutines publish 20 events "
                          "each: an hour later (virtual time) not everyone had finished. Does "
                          "the broker wait for a reader, or unsubscribe wait for something the "
                          "reader would have to do?");
    chan_free(all);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(rs[i].closed_seen, "subscriber %d never saw its channel closed", i);
        /* per publisher, increasing */
        int last[3] = {-1, -1, -1};
        for (int k = 0; k < rs[i].n; k++) {
            int p = rs[i].got[k] / 1000, seq = rs[i].got[k] % 1000;
            ck_assert_msg(p >= 1 && p <= 2, "subscriber %d got event %d, which nobody published", i,
                          rs[i].got[k]);
            ck_assert_msg(seq > last[p],
                          "subscriber %d got event %d after event %d of the same publisher: "
                          "each publisher's events must arrive in the order it published them",
                          i, rs[i].got[k], p * 1000 + last[p]);
            last[p] = seq;
        }
        chan_free(rs[i].events);
    }
    broker_close(b);
}

START_TEST(test_a_reader_can_unsubscribe_itself_while_events_keep_coming)
{
    run_watched(unsub_by_reader, NULL);
}
END_TEST

static void unsub_twice(void *unused)
{
    (void)unused;
    broker_t *b = start(4, DROP_NEWEST);
    chan_t *a = subscribe(b);
    broker_publish(b, 1);
    ck_assert_msg(broker_unsubscribe(b, a), "broker_unsubscribe of a subscribed channel returned "
                                            "false, expected true");
    bool again = broker_unsubscribe(b, a);
    ck_assert_msg(!again, "a second broker_unsubscribe of the same channel returned true, "
                          "expected false: it is no longer subscribed (and must not be closed "
                          "twice)");
    chan_t *stranger = chan_make(sizeof(int), 1);
    ck_assert_msg(!broker_unsubscribe(b, stranger),
                  "broker_unsubscribe of a channel that was never subscribed returned true");
    broker_publish(b, 2);
    go_synctest_wait();
    int got[8];
    bool closed;
    int n = drain(a, got, 8, &closed);
    ck_assert_msg(n == 1 && got[0] == 1 && closed,
                  "published 1, unsubscribed, published 2: the channel gave %d event%s (first "
                  "%d) and %s; expected just 1, then the close",
                  n, n == 1 ? "" : "s", n ? got[0] : -1, closed ? "was closed" : "was not closed");
    broker_close(b);
    chan_free(a);
    chan_free(stranger);
}

START_TEST(test_unsubscribe_twice_closes_the_channel_once)
{
    run_watched(unsub_twice, NULL);
}
END_TEST

static void close_all(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    sublist_watch = (sublist_watch_t){0};
    broker_t *b = start(2, DROP_OLDEST);
    chan_t *s[4];
    for (int i = 0; i < 4; i++)
        s[i] = subscribe(b);
    broker_publish(b, 7);
    broker_unsubscribe(b, s[1]);
    call_t c = {.b = b, .op = 2};
    bounded_call(&c, gk_leak_mark_, "broker_close, with subscribers that do not read,");
    for (int i = 0; i < 4; i++) {
        int got[8];
        bool closed;
        int n = drain(s[i], got, 8, &closed);
        ck_assert_msg(closed && n == 1 && got[0] == 7,
                      "after broker_close, subscriber %d's channel gave %d event%s and %s; "
                      "expected the buffered 7, then the close",
                      i, n, n == 1 ? "" : "s", closed ? "was closed" : "was NOT closed");
        chan_free(s[i]);
    }
    ck_assert_msg(sublist_watch.live == 0,
                  "after broker_close, the subscriber list was not freed (sublist_free)");
    if (go_leak_check(gk_leak_mark_, NULL, 0))
        gk_fail_with_dump(gk_leak_mark_, "broker_close returned, but goroutines it started are "
                                         "still alive: wait for the broker to return");
}

START_TEST(test_close_closes_every_subscribed_channel_once)
{
    run_watched(close_all, NULL);
}
END_TEST

/* Everyone at once: subscribe, publish, dropped, unsubscribe from 4 goroutines. */
typedef struct {
    broker_t *b;
    int id;
    chan_t *gate;
    wg_t *wg;
    char error[200];
} busy_t;

static void busy(void *arg)
{
    busy_t *t = arg;
    chan_recv(t->gate, NULL);
    for (int round = 0; round < 5; round++) {
        chan_t *ch = broker_subscribe(t->b);
        go_yield();
        broker_publish(t->b, t->id * 1000 + round);
        go_yield();
        long d = broker_dropped(t->b, ch);
        if (d < 0 && !t->error[0])
            snprintf(t->error, sizeof t->error,
                     "broker_dropped of goroutine %d's own subscribed channel gave %ld", t->id, d);
        if (!broker_unsubscribe(t->b, ch) && !t->error[0])
            snprintf(t->error, sizeof t->error,
                     "broker_unsubscribe of goroutine %d's own subscribed channel returned false",
                     t->id);
        int v;
        while (chan_recv(ch, &v)) {
        }
        chan_free(ch);
    }
    wg_done(t->wg);
}

static void confined(void *unused)
{
    (void)unused;
    sublist_watch = (sublist_watch_t){0};
    broker_t *b = start(2, DROP_OLDEST);
    chan_t *keep = subscribe(b);
    static busy_t ts[4];
    wg_t wg = {0};
    chan_t *gate = chan_make(0, 0);
    for (int i = 0; i < 4; i++) {
        ts[i] = (busy_t){.b = b, .id = i + 1, .gate = gate, .wg = &wg};
        wg_add(&wg, 1);
        go(busy, &ts[i]);
    }
    chan_close(gate);
    wg_wait(&wg);
    chan_free(gate);
    long d = broker_dropped(b, keep);
    broker_close(b);
    chan_free(keep);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(!ts[i].error[0], "%s", ts[i].error);
    ck_assert_msg(sublist_watch.foreign_uses == 0,
                  "4 goroutines subscribed, published and unsubscribed at once; %ld uses of the "
                  "subscriber list were made by a goroutine other than the broker. Only the "
                  "broker goroutine may touch it: the others send it requests",
                  sublist_watch.foreign_uses);
    ck_assert_msg(d == 18,
                  "a subscriber with a buffer of 2 that never read, through 20 events: "
                  "broker_dropped gave %ld, expected 18",
                  d);
}

START_TEST(test_only_the_broker_touches_the_subscriber_list)
{
    run_watched(confined, NULL);
}
END_TEST

/* ==== Task 2 ================================================================= */

static kv_t *new_kv(void)
{
    kv_t *kv = kv_new();
    ck_assert_msg(kv != NULL, "kv_new returned NULL");
    return kv;
}

static void current_first(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    kv_t *kv = new_kv();
    long r1 = kv_put(kv, "leader", 5);
    long r2 = kv_put(kv, "term", 1);
    long r3 = kv_put(kv, "leader", 7);
    ck_assert_msg(r1 == 1 && r2 == 2 && r3 == 3,
                  "three puts returned revisions %ld, %ld, %ld, expected 1, 2, 3 (one revision "
                  "counter for the whole store)",
                  r1, r2, r3);
    ck_assert_msg(gk_started_since(gk_leak_mark_) == 0, "kv_new and kv_put started goroutines: "
                                                        "the store is a mutex, no goroutine");
    watcher_t *w = kv_watch(kv, "leader");
    ctx_t *ctx = ctx_background();
    long v = -1, rev = -1;
    go_duration_t t0 = gk_now();
    bool ok = watcher_next(w, ctx, &v, &rev);
    ck_assert_msg(ok && v == 7 && rev == 3 && gk_now() == t0,
                  "\"leader\" was put to 5, then 7 (revision 3): the first watcher_next gave "
                  "%s, value %ld, revision %ld%s; expected true, 7, 3, at once",
                  ok ? "true" : "false", v, rev, gk_now() == t0 ? "" : ", and not at once");
    watcher_t *w2 = kv_watch(kv, "nobody");
    ok = watcher_next(w2, ctx, &v, &rev);
    ck_assert_msg(ok && v == 0 && rev == 0,
                  "the first watcher_next of a key never put gave %s, %ld, %ld; expected true, "
                  "0, 0, at once",
                  ok ? "true" : "false", v, rev);
    watcher_stop(w);
    watcher_stop(w2);
    kv_free(kv);
    ck_assert_msg(gk_started_since(gk_leak_mark_) == 0,
                  "the watch started goroutines: watcher_next waits in the caller's goroutine");
}

START_TEST(test_watch_gives_the_current_value_first)
{
    run_watched(current_first, NULL);
}
END_TEST

enum { WREADER_MAX = 128 }; /* more than the puts of any test */

typedef struct {
    watcher_t *w;
    ctx_t *ctx;
    long values[WREADER_MAX], revs[WREADER_MAX];
    go_duration_t at[WREADER_MAX];
    int n;
    long until; /* stop after this value */
    bool ended; /* watcher_next returned false */
    chan_t *done;
} wreader_t;

static void watch_reader(void *arg)
{
    wreader_t *r = arg;
    long v, rev;
    while (r->n < WREADER_MAX && watcher_next(r->w, r->ctx, &v, &rev)) {
        r->values[r->n] = v;
        r->revs[r->n] = rev;
        r->at[r->n] = gk_now();
        r->n++;
        if (v == r->until) break;
    }
    if (r->n < WREADER_MAX && !(r->n && r->values[r->n - 1] == r->until)) r->ended = true;
    chan_close(r->done);
}

static void wait_reader(wreader_t *r, go_leak_mark_t mark, const char *what)
{
    select_case_t cs[] = {select_recv(r->done, NULL), select_recv(time_after(2 * HOUR), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 1)
        gk_fail_with_dump(mark, "%s: the watcher was still waiting two hours later", what);
    chan_free(r->done);
}

static void keeps_up(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    kv_t *kv = new_kv();
    kv_put(kv, "leader", 1);
    static wreader_t r;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    r = (wreader_t){.w = kv_watch(kv, "leader"), .ctx = ctx, .until = 4, .done = chan_make(0, 0)};
    go(watch_reader, &r);
    for (int i = 2; i <= 4; i++) {
        go_sleep(SECOND);
        kv_put(kv, "other", i * 10);
        kv_put(kv, "leader", i);
    }
    wait_reader(&r, gk_leak_mark_, "puts of 2, 3 and 4 at 1, 2 and 3 s");
    ctx_cancel(ctx);
    bool ok = r.n == 4;
    for (int i = 0; ok && i < 4; i++)
        ok = r.values[i] == i + 1 && r.revs[i] == (i == 0 ? 1 : 2 * i + 1) && r.at[i] == i * SECOND;
    char s[512] = "";
    size_t at = 0;
    for (int i = 0; i < r.n && i < 8; i++)
        at += (size_t)snprintf(s + at, sizeof s - at, "%s%ld (rev %ld) at %.1f s", i ? ", " : "",
                               r.values[i], r.revs[i], (double)r.at[i] / SECOND);
    ck_assert_msg(ok,
                  "\"leader\" was 1 (rev 1), then put to 2, 3, 4 at 1, 2, 3 s (revs 3, 5, 7; "
                  "\"other\" was put just before each): a watcher that keeps up got [%s]; "
                  "expected 1 (rev 1) at 0 s, 2 (rev 3) at 1 s, 3 (rev 5) at 2 s, 4 (rev 7) at "
                  "3 s. A put to another key must not wake it with a value it already has",
                  s);
    watcher_stop(r.w);
    kv_free(kv);
}

START_TEST(test_watch_gives_every_change_to_a_watcher_that_keeps_up)
{
    run_watched(keeps_up, NULL);
}
END_TEST

static void coalesced(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    kv_t *kv = new_kv();
    watcher_t *w = kv_watch(kv, "config");
    long v, rev;
    watcher_next(w, ctx_background(), &v, &rev);
    for (int i = 1; i <= 100; i++)
        kv_put(kv, "config", i);
    ck_assert_msg(gk_started_since(gk_leak_mark_) == 0, "kv_put started goroutines");
    go_duration_t t0 = gk_now();
    v = rev = -1;
    bool ok = watcher_next(w, ctx_background(), &v, &rev);
    ck_assert_msg(ok && v == 100 && rev == 100 && gk_now() == t0,
                  "100 puts (1 to 100) while the watcher was not looking: watcher_next gave %s, "
                  "%ld (rev %ld)%s; expected the latest, 100 (rev 100), at once. A slow watcher "
                  "skips the values in between",
                  ok ? "true" : "false", v, rev, gk_now() == t0 ? "" : ", not at once");
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 5 * SECOND);
    t0 = gk_now();
    v = -7;
    ok = watcher_next(w, ctx, &v, &rev);
    go_duration_t took = gk_now() - t0;
    ctx_cancel(ctx);
    char what[96];
    if (ok)
        snprintf(what, sizeof what, "true (value %ld, rev %ld)", v, rev);
    else
        snprintf(what, sizeof what, "false");
    ck_assert_msg(!ok && took == 5 * SECOND,
                  "after the watcher had the latest value (100, rev 100), nothing was put; "
                  "watcher_next with a 5 s timeout returned %s after %.1f s; expected false "
                  "after exactly 5 s. A wake-up is not always a change: compare revisions, and "
                  "wait again if nothing is newer",
                  what, (double)took / SECOND);
    watcher_stop(w);
    kv_free(kv);
}

START_TEST(test_a_slow_watcher_gets_the_latest_value_not_every_one)
{
    run_watched(coalesced, NULL);
}
END_TEST

static void cancel_later(void *ctx)
{
    go_sleep(1500 * MILLISECOND);
    ctx_cancel(ctx);
}

static void ctx_ends(void *unused)
{
    (void)unused;
    kv_t *kv = new_kv();
    watcher_t *w = kv_watch(kv, "k");
    long v, rev;
    watcher_next(w, ctx_background(), &v, &rev);
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx); /* the canceller's own reference, given back by its ctx_cancel */
    go(cancel_later, ctx);
    go_duration_t t0 = gk_now();
    bool ok = watcher_next(w, ctx, &v, &rev);
    ck_assert_msg(!ok && gk_now() - t0 == 1500 * MILLISECOND,
                  "watcher_next with a context canceled at 1.5 s returned %s after %.3f s; "
                  "expected false at 1.5 s",
                  ok ? "true" : "false", (double)(gk_now() - t0) / SECOND);
    ok = watcher_next(w, ctx, &v, &rev);
    ck_assert_msg(!ok, "watcher_next with a context already canceled returned true");
    ctx_cancel(ctx);
    watcher_stop(w);
    kv_free(kv);
}

START_TEST(test_watcher_next_returns_false_when_its_context_is_done)
{
    run_watched(ctx_ends, NULL);
}
END_TEST

/* Writers and watchers at once: every watcher ends on the last value. */
typedef struct {
    kv_t *kv;
    int id;
    chan_t *gate;
    wg_t *wg;
} writer_t;

static void writer(void *arg)
{
    writer_t *w = arg;
    chan_recv(w->gate, NULL);
    for (int i = 1; i <= 25; i++) {
        kv_put(w->kv, "k", w->id * 100 + i);
        if (i % 5 == 0) go_sleep(MILLISECOND);
        go_yield();
    }
    wg_done(w->wg);
}

static void concurrent(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    kv_t *kv = new_kv();
    static wreader_t rs[3];
    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    for (int i = 0; i < 3; i++) {
        rs[i] =
            (wreader_t){.w = kv_watch(kv, "k"), .ctx = ctx, .until = -1, .done = chan_make(0, 0)};
        go(watch_reader, &rs[i]);
    }
    static writer_t ws[3];
    wg_t wg = {0};
    chan_t *gate = chan_make(0, 0);
    for (int i = 0; i < 3; i++) {
        ws[i] = (writer_t){.kv = kv, .id = i + 1, .gate = gate, .wg = &wg};
        wg_add(&wg, 1);
        go(writer, &ws[i]);
    }
    chan_close(gate);
    wg_wait(&wg);
    chan_free(gate);
    go_sleep(SECOND);
    long last = kv_put(kv, "k", -1);
    for (int i = 0; i < 3; i++)
        wait_reader(&rs[i], gk_leak_mark_,
                    "3 writers put 25 values each, then the final value -1 was put");
    ctx_cancel(ctx);
    for (int i = 0; i < 3; i++) {
        wreader_t *r = &rs[i];
        ck_assert_msg(r->n > 0 && r->values[r->n - 1] == -1 && r->revs[r->n - 1] == last,
                      "watcher %d did not end on the final value -1 (rev %ld): its last was %ld "
                      "(rev %ld). A watcher must never miss the latest value",
                      i, last, r->n ? r->values[r->n - 1] : 0, r->n ? r->revs[r->n - 1] : 0);
        for (int k = 1; k < r->n; k++)
            ck_assert_msg(r->revs[k] > r->revs[k - 1],
                          "watcher %d got revision %ld after %ld: each watcher_next returns a "
                          "newer revision than the last",
                          i, r->revs[k], r->revs[k - 1]);
        watcher_stop(r->w);
    }
    kv_free(kv);
}

START_TEST(test_watchers_end_on_the_latest_value_while_writers_race)
{
    run_watched(concurrent, NULL);
}
END_TEST

/* Ping-pong: the writer puts i, the watcher acknowledges i, the writer puts
 * i + 1 at once, while the watcher goes back into watcher_next. A put that
 * lands between the watcher's look and its wait must still wake it. */
enum { PINGS = 300 };

typedef struct {
    watcher_t *w;
    ctx_t *ctx;
    chan_t *acks; /* long */
} pinger_t;

static void ping_watcher(void *arg)
{
    pinger_t *p = arg;
    long v, rev;
    while (watcher_next(p->w, p->ctx, &v, &rev)) {
        chan_send(p->acks, &v);
        if (v == PINGS) break;
    }
    chan_close(p->acks);
}

static void ping_pong(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    kv_t *kv = new_kv();
    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    pinger_t p = {.w = kv_watch(kv, "ping"), .ctx = ctx, .acks = chan_make(sizeof(long), 1)};
    go(ping_watcher, &p);
    long v = -1, want = 0;
    bool ok = chan_recv(p.acks, &v) && v == 0; /* the current value first */
    for (want = 1; ok && want <= PINGS; want++) {
        kv_put(kv, "ping", want);
        ok = chan_recv(p.acks, &v) && v == want;
    }
    while (chan_recv(p.acks, NULL)) {
    }
    bool waited_an_hour = ctx_err(ctx) != NULL;
    ctx_cancel(ctx);
    chan_free(p.acks);
    ck_assert_msg(ok,
                  "a writer put 1, 2, 3 ... %d to \"ping\", each as soon as the watcher had "
                  "returned the one before; the watcher got stuck waiting after value %ld "
                  "(%s): a put that came between its look and its wait did not wake it. The "
                  "wake-up must be kept until the watcher takes it (a channel of capacity 1 "
                  "and a non-blocking send), and watcher_next must look before it waits",
                  PINGS, want - 1,
                  waited_an_hour ? "it waited an hour of virtual time" : "then it returned false");
    watcher_stop(p.w);
    kv_free(kv);
}

START_TEST(test_a_watcher_never_sleeps_through_a_put)
{
    run_watched(ping_pong, NULL);
}
END_TEST

static void two_watchers(void *unused)
{
    (void)unused;
    kv_t *kv = new_kv();
    watcher_t *a = kv_watch(kv, "x"), *b = kv_watch(kv, "x");
    long v, rev;
    watcher_next(a, ctx_background(), &v, &rev);
    watcher_next(b, ctx_background(), &v, &rev);
    kv_put(kv, "x", 1);
    bool oka = watcher_next(a, ctx_background(), &v, &rev) && v == 1;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), SECOND);
    bool okb = watcher_next(b, ctx, &v, &rev) && v == 1;
    ctx_cancel(ctx);
    ck_assert_msg(oka && okb,
                  "two watchers of \"x\", one put: the first watcher %s it, the second %s it. "
                  "Each watcher has its own wake-up: one put wakes every watcher of the key",
                  oka ? "got" : "did not get", okb ? "got" : "did not get");
    watcher_stop(a);
    kv_put(kv, "x", 2);
    ctx = ctx_with_timeout(ctx_background(), SECOND);
    okb = watcher_next(b, ctx, &v, &rev) && v == 2;
    ctx_cancel(ctx);
    ck_assert_msg(okb, "after the first watcher was stopped, a put did not reach the second");
    watcher_stop(b);
    kv_free(kv);
}

START_TEST(test_every_watcher_of_a_key_gets_the_change_and_stop_takes_one_off)
{
    run_watched(two_watchers, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("events");
    kata_add_test(s, test_broker_delivers_every_event_in_order_to_each_subscriber);
    kata_add_test(s, test_broker_starts_one_goroutine_and_leaves_none);
    kata_add_test(s, test_a_subscriber_gets_the_events_published_after_it_subscribed);
    kata_add_test(s, test_drop_newest_keeps_the_first_events_and_counts_the_rest);
    kata_add_test(s, test_drop_oldest_keeps_the_latest_events_and_counts_the_rest);
    kata_add_test(s, test_unsubscribe_returns_while_the_subscriber_is_not_reading);
    kata_add_test(s, test_unsubscribe_returns_while_the_subscriber_is_not_reading_drop_oldest);
    kata_add_test(s, test_a_reader_can_unsubscribe_itself_while_events_keep_coming);
    kata_add_test(s, test_unsubscribe_twice_closes_the_channel_once);
    kata_add_test(s, test_close_closes_every_subscribed_channel_once);
    kata_add_test(s, test_only_the_broker_touches_the_subscriber_list);
    kata_add_test(s, test_watch_gives_the_current_value_first);
    kata_add_test(s, test_watch_gives_every_change_to_a_watcher_that_keeps_up);
    kata_add_test(s, test_a_slow_watcher_gets_the_latest_value_not_every_one);
    kata_add_test(s, test_watcher_next_returns_false_when_its_context_is_done);
    kata_add_test(s, test_watchers_end_on_the_latest_value_while_writers_race);
    kata_add_test(s, test_every_watcher_of_a_key_gets_the_change_and_stop_takes_one_off);
    kata_add_test(s, test_a_watcher_never_sleeps_through_a_put);
    return s;
}
