/*
 * Kata 14 · Patterns and anti-patterns: the tests that grade patterns.c.
 *
 * Tasks 1, 2 and 4 run in virtual time (go_synctest), watched in real time
 * so that a loop that spins (and so stops the bubble's clock) fails with
 * that named. Every wait of a task 4 test is bounded by an hour of virtual
 * time: a batcher stuck in a send, or in a select whose cases are all NULL,
 * fails with where each goroutine is stuck instead of hanging.
 *
 * The given table (patterns.h) counts in table_watch the look-ups made by a
 * goroutine other than the table's owner: that is how task 1's tests see a
 * store whose clients touch its table, even behind a lock.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "patterns.h"

table_watch_t table_watch;

/* Real seconds before the watchdog speaks (times GOKATA_TIMEOUT_SCALE). A
 * correct solution needs milliseconds of real time per test. */
enum { WATCHDOG_SECONDS = 5 };

static void run_watched(go_func_t body, void *arg)
{
    gk_synctest_watched(body, arg, WATCHDOG_SECONDS,
                        "Does a loop go round without waiting: a select whose chosen case is a "
                        "closed channel's (in, after it was closed) or a timer that already "
                        "fired, every turn? Switch such a case off by giving it a NULL channel.");
}

/* ==== Tasks 1 and 2: one set of tests, two stores ============================ */

typedef struct {
    const char *name; /* "store" or "mstore" */
    void *(*start)(void);
    long (*add)(void *s, const char *key, long delta);
    bool (*get)(void *s, const char *key, long *value);
    void (*close)(void *s);
} store_ops_t;

static void *ch_start(void)
{
    return store_start();
}
static long ch_add(void *s, const char *k, long d)
{
    return store_add(s, k, d);
}
static bool ch_get(void *s, const char *k, long *v)
{
    return store_get(s, k, v);
}
static void ch_close(void *s)
{
    store_close(s);
}
static void *mu_start(void)
{
    return mstore_new();
}
static long mu_add(void *s, const char *k, long d)
{
    return mstore_add(s, k, d);
}
static bool mu_get(void *s, const char *k, long *v)
{
    return mstore_get(s, k, v);
}
static void mu_close(void *s)
{
    mstore_free(s);
}

static const store_ops_t channel_store = {"store", ch_start, ch_add, ch_get, ch_close};
static const store_ops_t mutex_store = {"mstore", mu_start, mu_add, mu_get, mu_close};

static void *start_store(const store_ops_t *ops)
{
    void *s = ops->start();
    ck_assert_msg(s != NULL, "%s_%s returned NULL", ops->name,
                  ops == &channel_store ? "start" : "new");
    return s;
}

static void one_client(void *arg)
{
    const store_ops_t *ops = arg;
    void *s = start_store(ops);
    const char *n = ops->name;

    long v = 12345;
    bool found = ops->get(s, "apples", &v);
    ck_assert_msg(!found,
                  "%s_get(\"apples\") on an empty store returned true (value %ld): a key "
                  "not in the store gives false",
                  n, v);
    ck_assert_msg(v == 12345, "%s_get of a key not in the store set *value to %ld: leave it alone",
                  n, v);

    long r = ops->add(s, "apples", 5);
    ck_assert_msg(r == 5,
                  "%s_add(\"apples\", 5) on an empty store returned %ld, expected 5 (a key "
                  "not yet in the store counts as 0)",
                  n, r);
    r = ops->add(s, "apples", -2);
    ck_assert_msg(r == 3,
                  "%s_add(\"apples\", -2) after adding 5 returned %ld, expected the new "
                  "value, 3",
                  n, r);
    r = ops->add(s, "pears", 7);
    ck_assert_msg(
        r == 7, "%s_add(\"pears\", 7) returned %ld, expected 7: each key has its own value", n, r);
    static const char long_key[] = "a-key-of-thirty-one-characters!";
    r = ops->add(s, long_key, 1000000000000L);
    ck_assert_msg(r == 1000000000000L, "%s_add(\"%s\", 10^12) returned %ld", n, long_key, r);

    found = ops->get(s, "apples", &v);
    ck_assert_msg(found && v == 3,
                  "%s_get(\"apples\") returned %s with value %ld, expected true "
                  "and 3",
                  n, found ? "true" : "false", v);
    found = ops->get(s, "pears", &v);
    ck_assert_msg(found && v == 7,
                  "%s_get(\"pears\") returned %s with value %ld, expected true "
                  "and 7",
                  n, found ? "true" : "false", v);
    found = ops->get(s, "plums", &v);
    ck_assert_msg(!found, "%s_get(\"plums\") returned true: nobody added plums", n);
    ops->close(s);
}

/* ---- many clients at once ---- */

enum { CLIENTS = 8, ROUNDS = 30 };

typedef struct {
    const store_ops_t *ops;
    void *s;
    int id;
    chan_t *gate; /* closed when every client has started: they all begin at once */
    wg_t *wg;
    char error[256]; /* the first wrong answer this client saw; "" for none */
} client_t;

static void client(void *arg)
{
    client_t *c = arg;
    char own[KEY_MAX];
    snprintf(own, sizeof own, "client-%d", c->id);
    const char *n = c->ops->name;
    chan_recv(c->gate, NULL);
    for (int round = 1; round <= ROUNDS && !c->error[0]; round++) {
        go_yield(); /* let the others in between our calls */
        long r = c->ops->add(c->s, own, 1);
        if (r != round)
            snprintf(c->error, sizeof c->error,
                     "client %d's add number %d, %s_add(\"%s\", 1), returned %ld, expected %d",
                     c->id, round, n, own, r, round);
        c->ops->add(c->s, "shared", 1);
        go_yield();
        long v = -1;
        if (!c->error[0] && (!c->ops->get(c->s, own, &v) || v != round))
            snprintf(c->error, sizeof c->error,
                     "client %d's %s_get(\"%s\") after its add number %d gave %ld, expected %d",
                     c->id, n, own, round, v, round);
    }
    wg_done(c->wg);
}

static void many_clients(void *arg)
{
    const store_ops_t *ops = arg;
    void *s = start_store(ops);
    static client_t cs[CLIENTS];
    wg_t wg = {0};
    chan_t *gate = chan_make(0, 0);
    for (int i = 0; i < CLIENTS; i++) {
        cs[i] = (client_t){.ops = ops, .s = s, .id = i, .gate = gate, .wg = &wg};
        wg_add(&wg, 1);
        go(client, &cs[i]);
    }
    chan_close(gate);
    wg_wait(&wg);
    chan_free(gate);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_msg(!cs[i].error[0],
                      "%d clients, each adding 1 to its own key and to \"shared\" %d times, at the "
                      "same time: %s. %s",
                      CLIENTS, ROUNDS, cs[i].error,
                      ops == &channel_store
                          ? "Each answer must go to the client that asked: give every request a "
                            "reply channel of its own (one shared reply channel hands answers to "
                            "whichever client receives first)"
                          : "Is every look-up and update of the table under the mutex?");
    long v = -1;
    bool found = ops->get(s, "shared", &v);
    ck_assert_msg(found && v == CLIENTS * ROUNDS,
                  "%d clients each added 1 to \"shared\" %d times at the same time; %s_get says "
                  "%ld, expected %d: %s",
                  CLIENTS, ROUNDS, ops->name, v, CLIENTS * ROUNDS,
                  ops == &channel_store ? "the owner must read, add and write in one step, "
                                          "serving one request at a time"
                                        : "the read, the add and the write must all be under one "
                                          "lock");
    ops->close(s);
}

/* ---- Task 1 ---- */

START_TEST(test_store_adds_and_gets_for_one_client)
{
    run_watched(one_client, (void *)&channel_store);
}
END_TEST

static void store_goroutines(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    store_t *s = store_start();
    ck_assert_msg(s != NULL, "store_start returned NULL");
    long started = gk_started_since(gk_leak_mark_);
    ck_assert_msg(started == 1,
                  "store_start started %ld goroutines, expected 1: the owner, which serves every "
                  "request in turn",
                  started);
    store_add(s, "x", 1);
    long v;
    store_get(s, "x", &v);
    started = gk_started_since(gk_leak_mark_) - 1;
    ck_assert_msg(started == 0,
                  "store_add and store_get started %ld goroutine%s: a client sends its request to "
                  "the owner that is already running, and waits for the answer",
                  started, started == 1 ? "" : "s");
    store_close(s);
    GK_ASSERT_NO_LEAKS();
}

START_TEST(test_store_starts_one_owner_goroutine_and_the_calls_start_none)
{
    run_watched(store_goroutines, NULL);
}
END_TEST

START_TEST(test_store_serves_concurrent_clients_with_exact_answers)
{
    run_watched(many_clients, (void *)&channel_store);
}
END_TEST

static void store_confined(void *unused)
{
    (void)unused;
    table_watch = (table_watch_t){0};
    store_t *s = store_start();
    ck_assert_msg(s != NULL, "store_start returned NULL");
    store_add(s, "first", 1);
    ck_assert_msg(table_watch.live == 1,
                  "after store_add returned, %ld tables exist, expected 1: keep the store's state "
                  "in one table (table_new, in patterns.h)",
                  table_watch.live);
    static client_t cs[4];
    wg_t wg = {0};
    chan_t *gate = chan_make(0, 0);
    for (int i = 0; i < 4; i++) {
        cs[i] = (client_t){.ops = &channel_store, .s = s, .id = i, .gate = gate, .wg = &wg};
        wg_add(&wg, 1);
        go(client, &cs[i]);
    }
    chan_close(gate);
    wg_wait(&wg);
    chan_free(gate);
    long v;
    store_get(s, "first", &v);
    long foreign = table_watch.foreign_uses;
    store_close(s);
    ck_assert_msg(foreign == 0,
                  "4 clients used the store; %ld look-ups in its table were made by a goroutine "
                  "other than the first that used it. Only the owner goroutine may touch the "
                  "table (a lock would make it safe, but that is task 2): the clients send "
                  "requests and receive answers, and never see the table",
                  foreign);
}

START_TEST(test_store_touches_its_table_only_from_the_owner_goroutine)
{
    run_watched(store_confined, NULL);
}
END_TEST

static void store_closes(void *unused)
{
    (void)unused;
    table_watch = (table_watch_t){0};
    GK_LEAK_MARK();
    store_t *s = store_start();
    ck_assert_msg(s != NULL, "store_start returned NULL");
    store_add(s, "a", 1);
    store_add(s, "b", 2);
    store_close(s);
    ck_assert_msg(table_watch.live == 0,
                  "store_close returned with %ld table%s not freed: free the table when the "
                  "owner's loop ends, before store_close returns (store_close waits for the owner)",
                  table_watch.live, table_watch.live == 1 ? "" : "s");
    int left = go_leak_check(gk_leak_mark_, NULL, 0);
    if (left)
        gk_fail_with_dump(gk_leak_mark_,
                          "store_close returned, but the owner goroutine is still alive: close the "
                          "requests channel (the owner's `while (chan_recv(...))` then ends) and "
                          "wait until the owner has returned");
    /* A second store after the first: nothing of the first is in the way. */
    s = store_start();
    ck_assert_msg(s != NULL, "store_start returned NULL");
    long v = 0;
    bool found = store_get(s, "a", &v);
    ck_assert_msg(!found, "a new store already has \"a\" = %ld: each store has its own table", v);
    store_close(s);
}

START_TEST(test_store_close_stops_the_owner_and_frees_the_table)
{
    run_watched(store_closes, NULL);
}
END_TEST

/* ---- Task 2 ---- */

START_TEST(test_mstore_adds_and_gets_for_one_client)
{
    run_watched(one_client, (void *)&mutex_store);
}
END_TEST

START_TEST(test_mstore_serves_concurrent_clients_with_exact_answers)
{
    run_watched(many_clients, (void *)&mutex_store);
}
END_TEST

static void mstore_plain(void *unused)
{
    (void)unused;
    table_watch = (table_watch_t){0};
    GK_LEAK_MARK();
    mstore_t *s = mstore_new();
    ck_assert_msg(s != NULL, "mstore_new returned NULL");
    mstore_add(s, "a", 1);
    long v;
    mstore_get(s, "a", &v);
    long started = gk_started_since(gk_leak_mark_);
    ck_assert_msg(started == 0,
                  "mstore started %ld goroutine%s: a mutex-guarded store needs none, the callers "
                  "use the table themselves, one at a time",
                  started, started == 1 ? "" : "s");
    ck_assert_msg(table_watch.live == 1, "mstore made %ld tables, expected 1 (table_new)",
                  table_watch.live);
    mstore_free(s);
    ck_assert_msg(table_watch.live == 0, "mstore_free left the table unfreed: table_free it");
}

START_TEST(test_mstore_starts_no_goroutine_and_frees_its_table)
{
    run_watched(mstore_plain, NULL);
}
END_TEST

/* ==== Task 3: goroutines you don't need ======================================= */

static const item_t shop_items[] = {
    {"tea", 300}, {"coffee", 450}, {"milk", 99}, {"sugar", 120}, {"bread", 275}, {"jam", 310},
};
static const catalog_t shop = {shop_items, 6};

static void no_goroutines(go_leak_mark_t mark, const char *fn, const char *why)
{
    long started = gk_started_since(mark);
    ck_assert_msg(started == 0, "%s gave the right answers but started %ld goroutine%s: %s", fn,
                  started, started == 1 ? "" : "s", why);
}

START_TEST(test_price_with_tax_looks_the_price_up_without_a_goroutine)
{
    go_leak_mark_t mark = go_leak_mark();
    long p = price_with_tax(&shop, "tea", 20);
    ck_assert_msg(p == 360, "price_with_tax(tea at 300, 20 %%) returned %ld, expected 360", p);
    p = price_with_tax(&shop, "milk", 10);
    ck_assert_msg(p == 108,
                  "price_with_tax(milk at 99, 10 %%) returned %ld, expected 108 (99 + "
                  "9.9 rounded down)",
                  p);
    p = price_with_tax(&shop, "caviar", 20);
    ck_assert_msg(p == -1, "price_with_tax of an item not in the catalog returned %ld, expected -1",
                  p);
    no_goroutines(mark, "price_with_tax",
                  "the caller waited for each one at once, so it ran at the same time as "
                  "nothing. A goroutine that you start and then wait for right away is a function "
                  "call with extra steps: call catalog_price yourself");
}
END_TEST

START_TEST(test_order_total_adds_the_prices_without_a_goroutine)
{
    static const char *const order[] = {"tea", "tea",   "coffee", "milk", "sugar",
                                        "jam", "bread", "milk",   "tea",  "jam"};
    go_leak_mark_t mark = go_leak_mark();
    long t = order_total(&shop, order, 10);
    ck_assert_msg(t == 2563, "order_total of 10 items returned %ld, expected 2563", t);
    static const char *const bad[] = {"tea", "caviar", "milk"};
    t = order_total(&shop, bad, 3);
    ck_assert_msg(t == -1, "order_total with an item not in the catalog returned %ld, expected -1",
                  t);
    t = order_total(&shop, NULL, 0);
    ck_assert_msg(t == 0, "order_total of no items returned %ld, expected 0", t);
    no_goroutines(mark, "order_total",
                  "one per item, to look up a price, which takes nanoseconds, while starting a "
                  "goroutine (here a thread) takes microseconds; and their shared total needed a "
                  "mutex. A loop needs neither");
}
END_TEST

/* ==== Task 4: the batcher ===================================================== */

enum { MAX_ITEMS = 16, MAX_BATCHES = 16 };

typedef struct {
    /* the script */
    int max;
    go_duration_t wait;
    int n;                            /* items: 1, 2, ..., n */
    go_duration_t send_at[MAX_ITEMS]; /* when the feeder offers item i + 1 */
    go_duration_t close_at;           /* when the feeder closes in (or after its last send) */
    go_duration_t read_from;          /* the reader reads nothing before */
    const char *if_stuck;             /* what to suspect when out goes quiet; may be NULL */
    /* what happened */
    chan_t *in, *out, *fed, *returned;
    go_duration_t taken_at[MAX_ITEMS]; /* when the batcher received item i + 1 */
    int nb;
    batch_t got[MAX_BATCHES];
    go_duration_t got_at[MAX_BATCHES];
    go_duration_t closed_at, returned_at;
} scenario_t;

static void feeder(void *arg)
{
    scenario_t *sc = arg;
    for (int i = 0; i < sc->n; i++) {
        gk_sleep_until(sc->send_at[i]);
        int v = i + 1;
        chan_send(sc->in, &v); /* plain: a batcher that stops receiving holds the feeder up */
        sc->taken_at[i] = gk_now();
    }
    gk_sleep_until(sc->close_at);
    chan_close(sc->in);
    chan_close(sc->fed);
}

static void run_batcher(void *arg)
{
    scenario_t *sc = arg;
    batcher(sc->in, sc->out, sc->max, sc->wait);
    sc->returned_at = gk_now();
    chan_close(sc->returned);
}

/* Waits for ch to be closed (or receive), at most an hour. */
static bool within_an_hour(chan_t *ch, void *elem, bool *ok)
{
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(ch, elem), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (ok) *ok = cs[0].ok;
    return which == 0;
}

static const char *fmt_d(go_duration_t d)
{
    static char bufs[8][32];
    static int next;
    char *b = bufs[next++ % 8];
    if (d == HOUR) return "1 h";
    return gk_fmt_duration(d, b);
}

/* "[1 2 3] at 0 s, [4] at 1 s": what the reader received so far. */
static const char *fmt_batches(const scenario_t *sc)
{
    static char s[1024];
    size_t len = 0;
    s[0] = 0;
    if (sc->nb == 0) return "no batch";
    for (int b = 0; b < sc->nb && len < sizeof s - 64; b++) {
        len += (size_t)snprintf(s + len, sizeof s - len, "%s[", b ? ", " : "");
        int n = sc->got[b].n;
        for (int i = 0; i < n && i < BATCH_MAX && len < sizeof s - 64; i++)
            len += (size_t)snprintf(s + len, sizeof s - len, "%s%d", i ? " " : "",
                                    sc->got[b].items[i]);
        len += (size_t)snprintf(s + len, sizeof s - len, "] at %s", fmt_d(sc->got_at[b]));
    }
    return s;
}

/* Plays the script: the feeder offers the items, the reader (this goroutine)
 * reads from read_from on until out is closed, then the batcher must return. */
static void play(scenario_t *sc)
{
    go_leak_mark_t mark = go_leak_mark();
    sc->in = chan_make(sizeof(int), 0);
    sc->out = chan_make(sizeof(batch_t), 0);
    sc->fed = chan_make(0, 0);
    sc->returned = chan_make(0, 0);
    go(feeder, sc);
    go(run_batcher, sc);

    gk_sleep_until(sc->read_from);
    for (;;) {
        batch_t b;
        bool ok;
        if (!within_an_hour(sc->out, &b, &ok)) {
            bool open = true; /* returned is closed when the batcher has returned */
            if (chan_try_recv(sc->returned, NULL, &open) && !open)
                ck_abort_msg("batcher (max %d, wait %s): it returned at %s, after %s, without "
                             "closing out: its reader waits for the close to know that no batch "
                             "will follow. Close out after the last batch is sent",
                             sc->max, fmt_d(sc->wait), fmt_d(sc->returned_at), fmt_batches(sc));
            gk_fail_with_dump(
                mark,
                "batcher (max %d, wait %s): after %s, out has neither sent a batch nor "
                "been closed for an hour (it is now %s). Is the batcher stuck in a "
                "chan_send or chan_recv, or in a select whose cases are all NULL (a "
                "channel switched off and never on again, or one never made)?%s%s",
                sc->max, fmt_d(sc->wait), fmt_batches(sc), fmt_d(gk_now()), sc->if_stuck ? " " : "",
                sc->if_stuck ? sc->if_stuck : "");
        }
        if (!ok) break;
        ck_assert_msg(sc->nb < MAX_BATCHES, "batcher sent more than %d batches: %s", MAX_BATCHES,
                      fmt_batches(sc));
        ck_assert_msg(b.n >= 1 && b.n <= sc->max,
                      "batcher (max %d) sent a batch of %d items, after %s: a batch holds 1 to max "
                      "items, never 0%s",
                      sc->max, b.n, fmt_batches(sc),
                      b.n == 0 ? " (is the send case on when no batch is complete? give it a NULL "
                                 "channel then)"
                               : "");
        sc->got_at[sc->nb] = gk_now();
        sc->got[sc->nb++] = b;
    }
    sc->closed_at = gk_now();
    if (!within_an_hour(sc->returned, NULL, NULL))
        gk_fail_with_dump(mark, "batcher closed out at %s but had not returned an hour later",
                          fmt_d(sc->closed_at));
    if (!within_an_hour(sc->fed, NULL, NULL))
        gk_fail_with_dump(
            mark,
            "batcher returned at %s, after %s, but the feeder has not sent all of its "
            "%d items and closed in: the batcher returns only once in is closed and "
            "every item has been sent",
            fmt_d(sc->returned_at), fmt_batches(sc), sc->n);
    chan_free(sc->in);
    chan_free(sc->out);
    chan_free(sc->fed);
    chan_free(sc->returned);
}

/* Compares what the reader got with want ("[1 2 3] at 0 s, [4] at 1 s"). */
static void expect_batches(const scenario_t *sc, const char *want, const char *why)
{
    const char *got = fmt_batches(sc);
    ck_assert_msg(
        strcmp(got, want) == 0,
        "batcher (max %d, wait %s): the reader received\n    %s\n  expected\n    %s\n  %s", sc->max,
        fmt_d(sc->wait), got, want, why);
}

static void expect_closed_at(const scenario_t *sc, go_duration_t at, const char *why)
{
    ck_assert_msg(sc->closed_at == at,
                  "batcher: out was closed at %s, expected at %s (%s), after %s",
                  fmt_d(sc->closed_at), fmt_d(at), why, fmt_batches(sc));
}

/* ---- full batches ---- */

static void full_batches(void *unused)
{
    (void)unused;
    static scenario_t sc;
    sc = (scenario_t){.max = 3, .wait = HOUR, .n = 8, .close_at = 5 * SECOND};
    sc.send_at[7] = 2 * SECOND; /* items 1..7 at 0 s, item 8 at 2 s */
    play(&sc);
    expect_batches(&sc, "[1 2 3] at 0 s, [4 5 6] at 0 s, [7 8] at 5 s",
                   "A batch is complete the moment it holds max items: send it then, without "
                   "waiting for its timer. The last one, [7 8], is complete when in is closed "
                   "(at 5 s), long before its wait (an hour) has passed.");
    expect_closed_at(&sc, 5 * SECOND, "in was closed at 5 s and everything was sent then");
}

START_TEST(test_batcher_sends_a_batch_as_soon_as_it_is_full)
{
    run_watched(full_batches, NULL);
}
END_TEST

/* ---- the wait ---- */

static void partial_batches(void *unused)
{
    (void)unused;
    static scenario_t sc;
    sc = (scenario_t){.max = 10, .wait = SECOND, .n = 6, .close_at = 10 * SECOND};
    const go_duration_t at[] = {
        0,         200 * MILLISECOND, 500 * MILLISECOND, 2700 * MILLISECOND, 3200 * MILLISECOND,
        5 * SECOND};
    memcpy(sc.send_at, at, sizeof at);
    play(&sc);
    expect_batches(&sc, "[1 2 3] at 1 s, [4 5] at 3700 ms, [6] at 6 s",
                   "A batch is complete when wait has passed since ITS FIRST item: item 1 came at "
                   "0 s, so [1 2 3] goes at 1 s; item 4 came at 2.7 s, so [4 5] goes at 3.7 s. "
                   "Start one timer when a batch gets its first item (timer_reset), not a ticker, "
                   "and don't restart it for every item.");
    expect_closed_at(&sc, 10 * SECOND, "when in was closed, with nothing left to send");
}

START_TEST(test_batcher_sends_a_partial_batch_when_its_wait_has_passed)
{
    run_watched(partial_batches, NULL);
}
END_TEST

/* max 2, wait 1 s: [1 2] is full at 0 s, so its timer (due at 1 s) is moot.
 * A timer left running fires at 1 s with no batch open. */
static void stale_timer(void *unused)
{
    (void)unused;
    static scenario_t sc;
    sc = (scenario_t){.max = 2, .wait = SECOND, .n = 3, .close_at = 5 * SECOND};
    sc.send_at[2] = 3 * SECOND;
    sc.if_stuck = "Here: [1 2] was full at 0 s, and a timer left running fires at 1 s with no "
                  "batch open. Did that make an empty batch \"complete\", and so switch the "
                  "receive from in off for good? Stop the timer when a batch fills up.";
    play(&sc);
    expect_batches(&sc, "[1 2] at 0 s, [3] at 4 s",
                   "[1 2] was full at 0 s, before its wait passed: its timer must be stopped (or "
                   "its case switched off), or it fires at 1 s with no batch open, for a batch "
                   "that is gone. Item 3 (at 3 s) starts a batch, and a timer, of its own.");
    expect_closed_at(&sc, 5 * SECOND, "in was closed at 5 s");
}

START_TEST(test_batcher_stops_the_timer_of_a_batch_that_filled_up)
{
    run_watched(stale_timer, NULL);
}
END_TEST

/* ---- the close ---- */

static void flush_at_close(void *unused)
{
    (void)unused;
    static scenario_t sc;
    sc = (scenario_t){.max = 5, .wait = HOUR, .n = 2, .close_at = SECOND, .read_from = 3 * SECOND};
    play(&sc);
    expect_batches(&sc, "[1 2] at 3 s",
                   "When in is closed (at 1 s), the open batch is complete: it is sent when the "
                   "reader comes (at 3 s), then out is closed.");
    expect_closed_at(&sc, 3 * SECOND,
                     "in was closed at 1 s, and the reader took the last batch "
                     "at 3 s");
    ck_assert_msg(sc.returned_at == 3 * SECOND,
                  "batcher returned at %s, expected at once after "
                  "closing out (3 s)",
                  fmt_d(sc.returned_at));
}

START_TEST(test_batcher_flushes_what_is_left_when_in_is_closed)
{
    run_watched(flush_at_close, NULL);
}
END_TEST

static void quiet(void *unused)
{
    (void)unused;
    static scenario_t sc;
    sc = (scenario_t){.max = 4, .wait = SECOND, .n = 1, .close_at = HOUR - MINUTE};
    play(&sc);
    expect_batches(&sc, "[1] at 1 s",
                   "One item at 0 s makes one batch, complete at 1 s; after it, nothing is open, "
                   "and an empty batch is never sent (the timer case is off while no batch is "
                   "open, and the send case while no batch is complete).");
    expect_closed_at(&sc, HOUR - MINUTE, "in was closed then; no item came for an hour before");
}

START_TEST(test_batcher_waits_quietly_and_never_sends_an_empty_batch)
{
    run_watched(quiet, NULL);
}
END_TEST

/* ---- a slow reader ---- */

/* max 2, a reader that reads nothing before 10 s. Item 1 and 2 at 0 s make a
 * complete batch, which waits for the reader. Items 3 (1 s) and 4 (2 s) go
 * into the next batch, which is then complete too: item 5 (3 s) waits until
 * the reader takes [1 2] at 10 s. */
static scenario_t slow_sc;

static void slow_reader(void *unused)
{
    (void)unused;
    slow_sc = (scenario_t){
        .max = 2, .wait = HOUR, .n = 5, .close_at = 4 * SECOND, .read_from = 10 * SECOND};
    const go_duration_t at[] = {0, 0, SECOND, 2 * SECOND, 3 * SECOND};
    memcpy(slow_sc.send_at, at, sizeof at);
    play(&slow_sc);
}

START_TEST(test_batcher_keeps_receiving_while_the_reader_is_slow)
{
    run_watched(slow_reader, NULL);
    const scenario_t *sc = &slow_sc;
    ck_assert_msg(sc->taken_at[2] == SECOND && sc->taken_at[3] == 2 * SECOND,
                  "batcher (max 2): while [1 2] waited for a reader who reads nothing before 10 "
                  "s, item 3 (sent at 1 s) was received at %s and item 4 (sent at 2 s) at %s; "
                  "expected at 1 s and 2 s. A plain chan_send of the complete batch stops the "
                  "batcher until the reader comes: make the send one case of the select, with "
                  "out as its channel while a batch is complete and NULL otherwise, so the "
                  "receive from in goes on beside it",
                  fmt_d(sc->taken_at[2]), fmt_d(sc->taken_at[3]));
    expect_batches(sc, "[1 2] at 10 s, [3 4] at 10 s, [5] at 10 s",
                   "Batches leave whole, in order, each once (the send case is on only while a "
                   "batch is complete and not yet sent).");
}
END_TEST

START_TEST(test_batcher_stops_receiving_once_a_second_batch_is_complete)
{
    run_watched(slow_reader, NULL);
    const scenario_t *sc = &slow_sc;
    ck_assert_msg(sc->taken_at[4] == 10 * SECOND,
                  "batcher (max 2): [1 2] waited for the reader (who reads nothing before 10 s) "
                  "and [3 4] was complete too; item 5, sent at 3 s, was received at %s, expected "
                  "at 10 s, when the reader takes [1 2]. At most one complete batch waits: once "
                  "the open batch is complete too, switch the receive from in off (a NULL "
                  "channel) until the waiting batch is sent. Otherwise a reader that stops means "
                  "a queue that grows without end",
                  fmt_d(sc->taken_at[4]));
    expect_batches(sc, "[1 2] at 10 s, [3 4] at 10 s, [5] at 10 s",
                   "Batches leave whole and in order: a complete batch takes no more items.");
    expect_closed_at(sc, 10 * SECOND, "in was closed at 10 s, once item 5 was taken");
}
END_TEST

/* max 10, wait 1 s, a reader that reads nothing before 5 s. [1] is complete
 * at 1 s and waits. Item 2 (1.5 s) opens the next batch, complete at 2.5 s:
 * its wait has passed, but [1] still waits, so [2] waits too, taking no more
 * items. Item 3 (3 s) is received when the reader takes [1] at 5 s. */
static void due_batch(void *unused)
{
    (void)unused;
    static scenario_t sc;
    sc = (scenario_t){
        .max = 10, .wait = SECOND, .n = 3, .close_at = 8 * SECOND, .read_from = 5 * SECOND};
    const go_duration_t at[] = {0, 1500 * MILLISECOND, 3 * SECOND};
    memcpy(sc.send_at, at, sizeof at);
    play(&sc);
    expect_batches(&sc, "[1] at 5 s, [2] at 5 s, [3] at 6 s",
                   "[2]'s wait passed at 2.5 s while [1] still waited for the reader: [2] is "
                   "complete then, and takes no more items (item 3, sent at 3 s, waits until "
                   "the reader takes [1] at 5 s and starts a batch of its own, due at 6 s). When "
                   "the timer fires, the open batch is complete even if it can't be sent yet.");
    ck_assert_msg(sc.taken_at[2] == 5 * SECOND,
                  "item 3, sent at 3 s, was received at %s, expected at 5 s: with [1] waiting "
                  "for the reader and [2] complete, the receive from in must be off",
                  fmt_d(sc.taken_at[2]));
    expect_closed_at(&sc, 8 * SECOND, "in was closed at 8 s");
}

START_TEST(test_batcher_holds_a_complete_batch_until_the_one_before_is_taken)
{
    run_watched(due_batch, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("patterns");
    kata_add_test(s, test_store_adds_and_gets_for_one_client);
    kata_add_test(s, test_store_starts_one_owner_goroutine_and_the_calls_start_none);
    kata_add_test(s, test_store_serves_concurrent_clients_with_exact_answers);
    kata_add_test(s, test_store_touches_its_table_only_from_the_owner_goroutine);
    kata_add_test(s, test_store_close_stops_the_owner_and_frees_the_table);
    kata_add_test(s, test_mstore_adds_and_gets_for_one_client);
    kata_add_test(s, test_mstore_serves_concurrent_clients_with_exact_answers);
    kata_add_test(s, test_mstore_starts_no_goroutine_and_frees_its_table);
    kata_add_test(s, test_price_with_tax_looks_the_price_up_without_a_goroutine);
    kata_add_test(s, test_order_total_adds_the_prices_without_a_goroutine);
    kata_add_test(s, test_batcher_sends_a_batch_as_soon_as_it_is_full);
    kata_add_test(s, test_batcher_sends_a_partial_batch_when_its_wait_has_passed);
    kata_add_test(s, test_batcher_stops_the_timer_of_a_batch_that_filled_up);
    kata_add_test(s, test_batcher_flushes_what_is_left_when_in_is_closed);
    kata_add_test(s, test_batcher_waits_quietly_and_never_sends_an_empty_batch);
    kata_add_test(s, test_batcher_keeps_receiving_while_the_reader_is_slow);
    kata_add_test(s, test_batcher_stops_receiving_once_a_second_batch_is_complete);
    kata_add_test(s, test_batcher_holds_a_complete_batch_until_the_one_before_is_taken);
    return s;
}
