/*
 * Kata 16 · Custom channels (circular buffers): the tests that grade
 * ringchan.c.
 *
 * Almost every test runs in virtual time (go_synctest): a goroutine blocked
 * in cond_wait is durably blocked, so go_synctest_wait() returns once every
 * sender and receiver has gone as far as it can, and the test can say
 * exactly which of them are still waiting. A goroutine blocked on a mutex
 * is not durably blocked, and one that spins (unlock, lock, look again)
 * stops the clock: the watchdog names it.
 *
 * Every call of the learner's that may block runs in a goroutine of its own
 * (an "op"), and the test waits for it with a bound of an hour of virtual
 * time: a lost wake-up fails with a message and the goroutines' dump, never
 * a hang.
 */
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "ringchan.h"

#define SECS(d) ((double)(d) / SECOND)

enum { WATCHDOG_SECONDS = 5 };

static const char *const SPIN_HINT =
    "A goroutine that waits by unlocking, locking and looking again, in a loop, never "
    "sleeps: wait with cond_wait, which releases the lock while it waits.";

static void run_test(go_func_t body, void *arg)
{
    gk_synctest_watched(body, arg, WATCHDOG_SECONDS, SPIN_HINT);
}

static const char *rc_name(int rc)
{
    switch (rc) {
    case RC_OK:
        return "RC_OK";
    case RC_CLOSED:
        return "RC_CLOSED";
    case RC_FULL:
        return "RC_FULL";
    case RC_EMPTY:
        return "RC_EMPTY";
    case RC_TIMEOUT:
        return "RC_TIMEOUT";
    case RC_CANCELED:
        return "RC_CANCELED";
    default:
        return "an unknown code";
    }
}

/* ---- ops: one call of the learner's, in a goroutine of its own --------------- */

typedef enum { SEND, RECV, RECV_TIMEOUT, RECV_CTX } op_kind_t;

typedef struct {
    op_kind_t kind;
    ringchan_t *c;
    long v;          /* SEND: the value */
    go_duration_t d; /* RECV_TIMEOUT */
    ctx_t *ctx;      /* RECV_CTX */
    /* results: read them after op_wait, or after go_synctest_wait once op_done */
    int rc;
    bool ok;
    long got;
    atomic64_t done_at; /* virtual time it returned, -1 while running */
    chan_t *done;       /* closed when it returns */
    char name[64];
} op_t;

static void op_run(void *arg)
{
    op_t *op = arg;
    switch (op->kind) {
    case SEND:
        op->rc = ringchan_send(op->c, op->v);
        break;
    case RECV:
        op->ok = ringchan_recv(op->c, &op->got);
        break;
    case RECV_TIMEOUT:
        op->rc = ringchan_recv_timeout(op->c, &op->got, op->d);
        break;
    case RECV_CTX:
        op->rc = ringchan_recv_ctx(op->c, op->ctx, &op->got);
        break;
    }
    atomic64_store(&op->done_at, gk_now());
    chan_close(op->done);
}

static void op_start(op_t *op, op_kind_t kind, ringchan_t *c, long v, const char *name)
{
    op->kind = kind;
    op->c = c;
    op->v = v;
    op->got = -12345; /* the op must overwrite it */
    op->rc = 12345;
    atomic64_store(&op->done_at, -1);
    op->done = chan_make(0, 0);
    snprintf(op->name, sizeof op->name, "%s", name);
    go(op_run, op);
}

static bool op_done(op_t *op)
{
    return atomic64_load(&op->done_at) >= 0;
}

/* Waits (an hour of virtual time at most) for op to return; else fails with
 * why and the dump. */
static void op_wait(op_t *op, go_leak_mark_t mark, const char *why)
{
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(op->done, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1) gk_fail_with_dump(mark, "%s (%s never returned)", why, op->name);
    chan_free(op->done);
    op->done = NULL;
}

/* A send or receive from the test's goroutine that must not wait. */
static void send_now(ringchan_t *c, long v, go_leak_mark_t mark, const char *why)
{
    op_t op;
    go_duration_t t0 = gk_now();
    op_start(&op, SEND, c, v, "ringchan_send");
    op_wait(&op, mark, why);
    ck_assert_msg(op.rc == RC_OK, "ringchan_send(%ld) returned %s, expected RC_OK: %s", v,
                  rc_name(op.rc), why);
    ck_assert_msg(atomic64_load(&op.done_at) == t0,
                  "ringchan_send(%ld) waited %g s, expected it to return at once: %s", v,
                  SECS(atomic64_load(&op.done_at) - t0), why);
}

static long recv_now(ringchan_t *c, go_leak_mark_t mark, const char *why)
{
    op_t op;
    go_duration_t t0 = gk_now();
    op_start(&op, RECV, c, 0, "ringchan_recv");
    op_wait(&op, mark, why);
    ck_assert_msg(op.ok, "ringchan_recv returned false (closed), expected a value: %s", why);
    ck_assert_msg(atomic64_load(&op.done_at) == t0,
                  "ringchan_recv waited %g s, expected it to return at once: %s",
                  SECS(atomic64_load(&op.done_at) - t0), why);
    return op.got;
}

/* ---- Task 1: make, len, cap ------------------------------------------------------ */

START_TEST(test_make_gives_an_empty_open_channel_of_that_capacity)
{
    ck_assert_msg(ringchan_make(0) == NULL, "ringchan_make(0) must return NULL: cap >= 1");
    ringchan_t *c = ringchan_make(5);
    ck_assert_msg(c != NULL, "ringchan_make(5) returned NULL");
    ck_assert_msg(ringchan_cap(c) == 5, "ringchan_cap of ringchan_make(5) is %zu, expected 5",
                  ringchan_cap(c));
    ck_assert_msg(ringchan_len(c) == 0, "a new channel's ringchan_len is %zu, expected 0",
                  ringchan_len(c));
    ck_assert_msg(ringchan_send(c, 1) == RC_OK && ringchan_send(c, 2) == RC_OK,
                  "ringchan_send on a new channel with room must return RC_OK");
    ck_assert_msg(ringchan_len(c) == 2, "after two sends ringchan_len is %zu, expected 2",
                  ringchan_len(c));
    ringchan_free(c);
}
END_TEST

/* ---- Task 1: FIFO, around the ring -------------------------------------------- */

START_TEST(test_values_come_out_in_the_order_they_went_in_around_the_ring)
{
    /* Three slots, 40 values, sent two at a time and received one, two or
     * three at a time: head and tail go round the ring many times. */
    ringchan_t *c = ringchan_make(3);
    long next_in = 0, next_out = 0;
    char bad[256] = "";
    static const int takes[] = {1, 2, 3, 1, 1, 2};
    for (int round = 0; next_out < 40 && !bad[0]; round++) {
        while (ringchan_len(c) + 2 <= 3 && next_in < 40) {
            ringchan_send(c, next_in * 10);
            next_in++;
        }
        for (int k = 0; k < takes[round % 6] && next_out < next_in; k++) {
            long v = -1;
            bool ok = ringchan_recv(c, &v);
            if (!ok || v != next_out * 10) {
                snprintf(bad, sizeof bad,
                         "receive number %ld returned %s %ld, expected true %ld (values come out "
                         "in the order they went in; %ld sent so far, capacity 3)",
                         next_out + 1, ok ? "true" : "false", v, next_out * 10, next_in);
                break;
            }
            next_out++;
        }
        if (round > 200)
            snprintf(bad, sizeof bad, "len never lets the test send (len %zu)", ringchan_len(c));
    }
    ck_assert_msg(!bad[0], "%s", bad);
    ck_assert_msg(ringchan_len(c) == 0, "all 40 values received, but ringchan_len is %zu",
                  ringchan_len(c));
    ringchan_free(c);
}
END_TEST

/* ---- Task 1: blocking at the right moments ------------------------------------- */

static void send_blocks_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(2);
    send_now(c, 1, gk_leak_mark_, "a channel of capacity 2 has room for 2 values");
    send_now(c, 2, gk_leak_mark_, "a channel of capacity 2 has room for 2 values");

    op_t third;
    op_start(&third, SEND, c, 3, "the third ringchan_send");
    go_synctest_wait();
    if (op_done(&third))
        ck_abort_msg("the third ringchan_send on a full channel of capacity 2 returned %s at "
                     "once; expected it to wait (on not_full) until a receive makes room",
                     rc_name(third.rc));
    go_sleep(SECOND);
    go_synctest_wait();
    ck_assert_msg(!op_done(&third), "the third send returned while the buffer was still full");
    ck_assert_msg(ringchan_len(c) == 2, "ringchan_len of a full channel of capacity 2 is %zu",
                  ringchan_len(c));

    long v = recv_now(c, gk_leak_mark_, "the channel holds 2 values");
    ck_assert_msg(v == 1, "the first receive got %ld, expected 1 (the oldest value)", v);
    go_synctest_wait();
    if (!op_done(&third))
        gk_fail_with_dump(gk_leak_mark_,
                          "a receive made room, but the sender waiting for room is still "
                          "waiting: the receive must wake it (cond_signal(&c->not_full))");
    op_wait(&third, gk_leak_mark_, "");
    ck_assert_msg(third.rc == RC_OK, "the third send returned %s, expected RC_OK",
                  rc_name(third.rc));
    ck_assert_msg(atomic64_load(&third.done_at) == SECOND,
                  "the third send returned at %g s, expected at 1 s, the moment a receive "
                  "made room",
                  SECS(atomic64_load(&third.done_at)));
    long a = recv_now(c, gk_leak_mark_, "two values are buffered");
    long b = recv_now(c, gk_leak_mark_, "one value is buffered");
    ck_assert_msg(a == 2 && b == 3, "then received %ld and %ld, expected 2 and 3", a, b);
    ringchan_free(c);
}

START_TEST(test_send_waits_exactly_while_the_buffer_is_full)
{
    run_test(send_blocks_body, NULL);
}
END_TEST

static void recv_blocks_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(4);
    op_t r;
    op_start(&r, RECV, c, 0, "ringchan_recv");
    go_synctest_wait();
    if (op_done(&r))
        ck_abort_msg("ringchan_recv on an empty, open channel returned %s %ld at once; expected "
                     "it to wait (on not_empty) for a value",
                     r.ok ? "true" : "false", r.got);
    go_sleep(2 * SECOND);
    send_now(c, 42, gk_leak_mark_, "the channel is empty");
    go_synctest_wait();
    if (!op_done(&r))
        gk_fail_with_dump(gk_leak_mark_,
                          "a value was sent, but the receiver waiting for one is still waiting: "
                          "the send must wake it (cond_signal(&c->not_empty))");
    op_wait(&r, gk_leak_mark_, "");
    ck_assert_msg(r.ok && r.got == 42, "the waiting receive returned %s %ld, expected true 42",
                  r.ok ? "true" : "false", r.got);
    ck_assert_msg(atomic64_load(&r.done_at) == 2 * SECOND,
                  "the receive returned at %g s, expected at 2 s, the moment of the send",
                  SECS(atomic64_load(&r.done_at)));
    ck_assert_msg(ringchan_len(c) == 0, "the only value was received, but ringchan_len is %zu",
                  ringchan_len(c));
    ringchan_free(c);
}

START_TEST(test_recv_waits_exactly_while_the_buffer_is_empty)
{
    run_test(recv_blocks_body, NULL);
}
END_TEST

/* ---- Task 1: close ---------------------------------------------------------------- */

static void close_wakes_receivers_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(2);
    op_t r[3];
    for (int i = 0; i < 3; i++)
        op_start(&r[i], RECV, c, 0, "a waiting ringchan_recv");
    go_synctest_wait();
    go_sleep(SECOND);
    ck_assert_msg(ringchan_close(c) == RC_OK, "ringchan_close of an open channel: expected RC_OK");
    go_synctest_wait();
    int woken = 0;
    for (int i = 0; i < 3; i++)
        woken += op_done(&r[i]);
    if (woken < 3)
        gk_fail_with_dump(gk_leak_mark_,
                          "3 receivers waited on an empty channel; close woke %d of them, "
                          "expected all 3: close must cond_broadcast, not cond_signal",
                          woken);
    for (int i = 0; i < 3; i++) {
        op_wait(&r[i], gk_leak_mark_, "");
        ck_assert_msg(!r[i].ok && r[i].got == 0,
                      "a receive woken by close returned %s %ld, expected false 0 (closed, the "
                      "zero value)",
                      r[i].ok ? "true" : "false", r[i].got);
    }
    ringchan_free(c);
}

START_TEST(test_close_wakes_every_waiting_receiver_with_false_and_zero)
{
    run_test(close_wakes_receivers_body, NULL);
}
END_TEST

static void close_wakes_senders_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(1);
    send_now(c, 7, gk_leak_mark_, "the channel has one free slot");
    op_t s[3];
    for (int i = 0; i < 3; i++)
        op_start(&s[i], SEND, c, 100 + i, "a waiting ringchan_send");
    go_synctest_wait();
    go_sleep(SECOND);
    ck_assert_msg(ringchan_close(c) == RC_OK, "ringchan_close of an open channel: expected RC_OK");
    go_synctest_wait();
    int woken = 0;
    for (int i = 0; i < 3; i++)
        woken += op_done(&s[i]);
    if (woken < 3)
        gk_fail_with_dump(gk_leak_mark_,
                          "3 senders waited on a full channel; close woke %d of them, expected "
                          "all 3: close must wake the senders too (cond_broadcast(&c->not_full))",
                          woken);
    for (int i = 0; i < 3; i++) {
        op_wait(&s[i], gk_leak_mark_, "");
        ck_assert_msg(s[i].rc == RC_CLOSED,
                      "a send woken by close returned %s, expected RC_CLOSED (its value must "
                      "not go in)",
                      rc_name(s[i].rc));
    }
    ck_assert_msg(ringchan_len(c) == 1,
                  "after close the buffer holds %zu values, expected 1: the value sent before "
                  "close stays, none of the woken senders' goes in",
                  ringchan_len(c));
    long v = recv_now(c, gk_leak_mark_, "one value was buffered before close");
    ck_assert_msg(v == 7, "received %ld after close, expected 7", v);
    ringchan_free(c);
}

START_TEST(test_close_wakes_every_waiting_sender_with_rc_closed)
{
    run_test(close_wakes_senders_body, NULL);
}
END_TEST

START_TEST(test_receives_drain_the_buffer_after_close_then_report_closed)
{
    ringchan_t *c = ringchan_make(4);
    for (long v = 1; v <= 3; v++)
        ringchan_send(c, v);
    ck_assert_msg(ringchan_close(c) == RC_OK, "ringchan_close of an open channel: expected RC_OK");
    ck_assert_msg(ringchan_len(c) == 3, "close must keep the buffered values: len is %zu, not 3",
                  ringchan_len(c));
    for (long want = 1; want <= 3; want++) {
        long v = -1;
        bool ok = ringchan_recv(c, &v);
        ck_assert_msg(ok && v == want,
                      "receive %ld after close returned %s %ld, expected true %ld: receives "
                      "drain what is buffered before they report closed",
                      want, ok ? "true" : "false", v, want);
    }
    for (int k = 0; k < 2; k++) {
        long v = -1;
        bool ok = ringchan_recv(c, &v);
        ck_assert_msg(!ok && v == 0,
                      "a receive on a closed, drained channel returned %s %ld, expected false 0 "
                      "(every time, at once)",
                      ok ? "true" : "false", v);
    }
    ck_assert_msg(ringchan_recv(c, NULL) == false, "ringchan_recv(c, NULL) must accept NULL");
    ringchan_free(c);
}
END_TEST

START_TEST(test_send_on_a_closed_channel_and_a_second_close_return_rc_closed)
{
    ringchan_t *c = ringchan_make(2);
    ringchan_send(c, 5);
    ck_assert_msg(ringchan_close(c) == RC_OK, "the first ringchan_close must return RC_OK");
    int rc = ringchan_send(c, 6);
    ck_assert_msg(rc == RC_CLOSED,
                  "ringchan_send on a closed channel (with room) returned %s, expected RC_CLOSED",
                  rc_name(rc));
    ck_assert_msg(ringchan_len(c) == 1, "a send on a closed channel put its value in (len %zu)",
                  ringchan_len(c));
    rc = ringchan_close(c);
    ck_assert_msg(rc == RC_CLOSED, "a second ringchan_close returned %s, expected RC_CLOSED",
                  rc_name(rc));
    long v = -1;
    ck_assert_msg(ringchan_recv(c, &v) && v == 5,
                  "after the errors, the buffered value 5 must still be received (got %ld)", v);
    ringchan_free(c);
}
END_TEST

/* ---- Task 1: no lost wake-up, with both kinds waiting ------------------------------ */

enum { PAIRS = 4, PER = 40 };

typedef struct {
    ringchan_t *c;
    int id;
    long sum, count;
    bool bad;
    chan_t *done;
} worker_t;

static void sender(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < PER; i++)
        if (ringchan_send(w->c, w->id * 1000 + i) != RC_OK) w->bad = true;
    chan_send(w->done, &w->id);
}

static void receiver(void *arg)
{
    worker_t *w = arg;
    long last[PAIRS];
    for (int i = 0; i < PAIRS; i++)
        last[i] = -1;
    for (int i = 0; i < PER; i++) {
        long v;
        if (!ringchan_recv(w->c, &v)) {
            w->bad = true;
            break;
        }
        /* values of one sender come out in its order, whoever receives them */
        int from = (int)(v / 1000);
        if (from < 0 || from >= PAIRS || v % 1000 <= last[from])
            w->bad = true;
        else
            last[from] = v % 1000;
        w->sum += v;
        w->count++;
        if (i % 7 == 3) go_yield();
    }
    chan_send(w->done, &w->id);
}

static void many_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(1);
    chan_t *done = chan_make(sizeof(int), 2 * PAIRS);
    static worker_t w[2 * PAIRS];
    for (int i = 0; i < 2 * PAIRS; i++) {
        w[i] = (worker_t){.c = c, .id = i % PAIRS, .done = done};
        go(i < PAIRS ? sender : receiver, &w[i]);
    }
    go_timer_t *t = timer_new(HOUR);
    for (int k = 0; k < 2 * PAIRS; k++) {
        select_case_t cs[] = {select_recv(done, NULL), select_recv(t->C, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1)
            gk_fail_with_dump(gk_leak_mark_,
                              "%d senders and %d receivers (%d values each) on a channel of "
                              "capacity 1: after an hour %d of them are still waiting, with "
                              "nothing left to wake them: a lost wake-up. Does a receive wake a "
                              "sender (not_full) and a send a receiver (not_empty), each on its "
                              "own cond, and does every wait look again in a while loop?",
                              PAIRS, PAIRS, PER, 2 * PAIRS - k);
    }
    timer_free(t);
    long sum = 0, count = 0, want = 0;
    bool bad = false;
    for (int i = 0; i < 2 * PAIRS; i++) {
        bad |= w[i].bad;
        if (i >= PAIRS)
            sum += w[i].sum, count += w[i].count;
        else
            for (int k = 0; k < PER; k++)
                want += w[i].id * 1000 + k;
    }
    ck_assert_msg(!bad && count == PAIRS * PER && sum == want,
                  "%d senders sent %d values each to %d receivers: the receivers got %ld values "
                  "(sum %ld, expected %d, sum %ld)%s",
                  PAIRS, PER, PAIRS, count, sum, PAIRS * PER, want,
                  bad ? "; a send failed, a receive reported closed, or a sender's values came "
                        "out of its order"
                      : "");
    chan_free(done);
    ringchan_free(c);
}

START_TEST(test_many_senders_and_receivers_on_one_slot_lose_no_wakeup)
{
    run_test(many_body, NULL);
}
END_TEST

/* The classic lost wake-up, step by step. Capacity 1, empty, two receivers
 * waiting. The test holds c->mu while two senders arrive, so that both
 * queue on the mutex; then lets go. The first sender puts its value and
 * wakes one receiver, which must queue for the mutex behind the second
 * sender; the second sender finds the buffer full and waits. Now a
 * receiver and a sender wait at once: the receive that follows must wake
 * the sender. With one cond for both kinds, its signal lands on the other
 * receiver, who finds nothing and sleeps again, and the sender is never
 * woken. */
static void wrong_kind_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(1);
    op_t r[2], s[2];
    op_start(&r[0], RECV, c, 0, "receiver 1");
    op_start(&r[1], RECV, c, 0, "receiver 2");
    go_synctest_wait(); /* both wait for a value */
    mutex_lock(&c->mu);
    op_start(&s[0], SEND, c, 1, "sender 1");
    op_start(&s[1], SEND, c, 2, "sender 2");
    go_wait_idle(); /* both wait for the mutex the test holds */
    mutex_unlock(&c->mu);
    for (int i = 0; i < 2; i++) {
        op_wait(&s[i], gk_leak_mark_,
                "2 receivers waited on an empty channel of capacity 1, then 2 senders came at "
                "once: a receiver and a sender ended up waiting together, and the receive that "
                "made room did not wake the sender. A signal must wake the kind that can use "
                "the change: one cond per kind (not_full for senders, not_empty for receivers)");
        ck_assert_msg(s[i].rc == RC_OK, "%s returned %s, expected RC_OK", s[i].name,
                      rc_name(s[i].rc));
    }
    long got = 0;
    for (int i = 0; i < 2; i++) {
        op_wait(&r[i], gk_leak_mark_,
                "2 senders sent one value each to 2 waiting receivers, and a receiver still "
                "waits: a send must wake a receiver (not_empty)");
        ck_assert_msg(r[i].ok, "%s returned false on an open channel", r[i].name);
        got += r[i].got;
    }
    ck_assert_msg(got == 3, "the receivers got values adding up to %ld, expected 1 + 2", got);
    ringchan_free(c);
}

START_TEST(test_a_receive_wakes_a_waiting_sender_even_with_receivers_waiting_too)
{
    run_test(wrong_kind_body, NULL);
}
END_TEST

/* ---- Task 1: every field under the lock --------------------------------------------- */

typedef struct {
    ringchan_t *c;
    wg_t *wg;
} racer_t;

static void racing_sender(void *arg)
{
    racer_t *r = arg;
    for (int i = 0; i < 50; i++)
        ringchan_send(r->c, i);
    wg_done(r->wg);
}

START_TEST(test_len_reads_the_count_under_the_lock_while_others_send)
{
    /* Not in a bubble: real goroutines, really at the same time. A len that
     * reads count without the lock races with the sender's write: the TSan
     * and Helgrind passes report it. */
    ringchan_t *c = ringchan_make(8);
    wg_t wg = {0};
    racer_t r = {.c = c, .wg = &wg};
    wg_add(&wg, 1);
    go(racing_sender, &r);
    size_t bad = 0;
    int got = 0;
    while (got < 50) {
        size_t n = ringchan_len(c);
        if (n > 8) bad = n;
        long v;
        if (ringchan_try_recv(c, &v) == RC_OK)
            got++;
        else
            go_yield();
    }
    wg_wait(&wg);
    ck_assert_msg(bad == 0, "ringchan_len returned %zu on a channel of capacity 8", bad);
    ringchan_free(c);
}
END_TEST

/* ---- Task 2: try_send, try_recv ---------------------------------------------------- */

static void try_body(void *unused)
{
    (void)unused;
    ringchan_t *c = ringchan_make(2);
    int rc;
    long v = -1;
    rc = ringchan_try_recv(c, &v);
    ck_assert_msg(rc == RC_EMPTY,
                  "ringchan_try_recv on an empty, open channel returned %s, "
                  "expected RC_EMPTY",
                  rc_name(rc));
    ck_assert_msg(ringchan_try_send(c, 1) == RC_OK && ringchan_try_send(c, 2) == RC_OK,
                  "ringchan_try_send with room must return RC_OK");
    rc = ringchan_try_send(c, 3);
    ck_assert_msg(rc == RC_FULL,
                  "ringchan_try_send on a full channel returned %s, expected "
                  "RC_FULL",
                  rc_name(rc));
    ck_assert_msg(ringchan_len(c) == 2,
                  "a try_send that returned RC_FULL put its value in "
                  "(len %zu)",
                  ringchan_len(c));
    rc = ringchan_try_recv(c, &v);
    ck_assert_msg(rc == RC_OK && v == 1, "ringchan_try_recv returned %s %ld, expected RC_OK 1",
                  rc_name(rc), v);
    ck_assert_msg(ringchan_try_send(c, 3) == RC_OK, "after a receive there is room again");
    ck_assert_msg(ringchan_close(c) == RC_OK, "ringchan_close: expected RC_OK");
    rc = ringchan_try_send(c, 4);
    ck_assert_msg(rc == RC_CLOSED,
                  "ringchan_try_send on a closed channel returned %s, "
                  "expected RC_CLOSED",
                  rc_name(rc));
    for (long want = 2; want <= 3; want++) {
        rc = ringchan_try_recv(c, &v);
        ck_assert_msg(rc == RC_OK && v == want,
                      "ringchan_try_recv on a closed channel with values returned %s %ld, "
                      "expected RC_OK %ld (drain first)",
                      rc_name(rc), v, want);
    }
    v = -1;
    rc = ringchan_try_recv(c, &v);
    ck_assert_msg(rc == RC_CLOSED && v == 0,
                  "ringchan_try_recv on a closed, drained channel "
                  "returned %s %ld, expected RC_CLOSED 0",
                  rc_name(rc), v);
    ck_assert_msg(ringchan_try_recv(c, NULL) == RC_CLOSED, "ringchan_try_recv must accept NULL");
    ck_assert_msg(gk_now() == 0,
                  "try_send and try_recv never wait, but %g s of virtual time passed",
                  SECS(gk_now()));
    ringchan_free(c);
}

START_TEST(test_try_send_and_try_recv_never_wait_and_say_why_not)
{
    run_test(try_body, NULL);
}
END_TEST

static void try_wakes_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(1);
    op_t r;
    op_start(&r, RECV, c, 0, "a waiting ringchan_recv");
    go_synctest_wait();
    ck_assert_msg(ringchan_try_send(c, 9) == RC_OK, "ringchan_try_send with room: RC_OK");
    go_synctest_wait();
    if (!op_done(&r))
        gk_fail_with_dump(gk_leak_mark_,
                          "ringchan_try_send put a value, but the receiver "
                          "waiting for one is still waiting: try_send must wake it too");
    op_wait(&r, gk_leak_mark_, "");
    ck_assert_msg(r.ok && r.got == 9, "the receiver got %ld, expected 9", r.got);

    send_now(c, 10, gk_leak_mark_, "the channel is empty again");
    op_t s;
    op_start(&s, SEND, c, 11, "a waiting ringchan_send");
    go_synctest_wait();
    long v;
    ck_assert_msg(ringchan_try_recv(c, &v) == RC_OK && v == 10, "ringchan_try_recv: RC_OK 10");
    go_synctest_wait();
    if (!op_done(&s))
        gk_fail_with_dump(gk_leak_mark_, "ringchan_try_recv made room, but the sender waiting "
                                         "for room is still waiting: try_recv must wake it too");
    op_wait(&s, gk_leak_mark_, "");
    ck_assert_msg(ringchan_try_recv(c, &v) == RC_OK && v == 11, "then ringchan_try_recv: 11");
    ringchan_free(c);
}

START_TEST(test_try_send_and_try_recv_wake_the_other_side)
{
    run_test(try_wakes_body, NULL);
}
END_TEST

/* ---- Task 3: recv_timeout ----------------------------------------------------------- */

static ringchan_t *timeout_chan; /* freed after the bubble: a late timer function may use it */

static void timeout_value_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = timeout_chan;
    op_t r;
    r.d = 5 * SECOND;
    op_start(&r, RECV_TIMEOUT, c, 0, "ringchan_recv_timeout(5 s)");
    go_sleep(2 * SECOND);
    ringchan_send(c, 77);
    op_wait(&r, gk_leak_mark_, "a value came after 2 s of a 5 s timeout");
    ck_assert_msg(r.rc == RC_OK && r.got == 77,
                  "ringchan_recv_timeout(5 s) with a value sent at 2 s returned %s %ld, "
                  "expected RC_OK 77",
                  rc_name(r.rc), r.got);
    ck_assert_msg(atomic64_load(&r.done_at) == 2 * SECOND,
                  "it returned at %g s, expected at 2 s, the moment the value came",
                  SECS(atomic64_load(&r.done_at)));
    /* A value already there: at once, no waiting, no timer needed. */
    ringchan_send(c, 78);
    go_duration_t t0 = gk_now();
    long v = -1;
    int rc = ringchan_recv_timeout(c, &v, SECOND);
    ck_assert_msg(rc == RC_OK && v == 78 && gk_now() == t0,
                  "ringchan_recv_timeout(1 s) with a value buffered returned %s %ld after %g s, "
                  "expected RC_OK 78 at once",
                  rc_name(rc), v, SECS(gk_now() - t0));
}

START_TEST(test_recv_timeout_returns_a_value_that_comes_in_time)
{
    timeout_chan = ringchan_make(2);
    run_test(timeout_value_body, NULL);
    ringchan_free(timeout_chan);
}
END_TEST

static void timeout_expires_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = timeout_chan;
    op_t r;
    r.d = 3 * SECOND;
    op_start(&r, RECV_TIMEOUT, c, 0, "ringchan_recv_timeout(3 s)");
    op_wait(&r, gk_leak_mark_,
            "ringchan_recv_timeout(3 s) on an empty channel waited an hour: cond_wait alone "
            "never wakes when the time is up; something must broadcast then "
            "(time_after_func)");
    ck_assert_msg(r.rc == RC_TIMEOUT && r.got == 0,
                  "ringchan_recv_timeout(3 s) on an empty channel returned %s %ld, expected "
                  "RC_TIMEOUT 0",
                  rc_name(r.rc), r.got);
    ck_assert_msg(atomic64_load(&r.done_at) == 3 * SECOND,
                  "ringchan_recv_timeout(3 s) gave up at %g s, expected at exactly 3 s",
                  SECS(atomic64_load(&r.done_at)));
    /* Then the channel still works: a later value is not lost to the timer. */
    ringchan_send(c, 5);
    long v = -1;
    ck_assert_msg(ringchan_recv_timeout(c, &v, SECOND) == RC_OK && v == 5,
                  "after a timeout, a value sent later must be received (got %ld)", v);
    /* d <= 0: never waits. */
    int rc = ringchan_recv_timeout(c, &v, 0);
    ck_assert_msg(rc == RC_TIMEOUT && gk_now() == 3 * SECOND,
                  "ringchan_recv_timeout(0) on an empty channel returned %s after %g s, "
                  "expected RC_TIMEOUT at once",
                  rc_name(rc), SECS(gk_now() - 3 * SECOND));
    /* Closed and drained: RC_CLOSED, not a timeout. */
    ringchan_close(c);
    v = -1;
    rc = ringchan_recv_timeout(c, &v, SECOND);
    ck_assert_msg(rc == RC_CLOSED && v == 0 && gk_now() == 3 * SECOND,
                  "ringchan_recv_timeout on a closed, drained channel returned %s %ld, expected "
                  "RC_CLOSED 0 at once",
                  rc_name(rc), v);
    /* An hour later, nothing the calls started may be left. */
    go_sleep(HOUR);
    static char report[4096];
    if (go_leak_check(gk_leak_mark_, report, sizeof report) != 0)
        ck_abort_msg("after ringchan_recv_timeout returned, goroutines it started are still "
                     "alive an hour later:\n%s",
                     report);
}

START_TEST(test_recv_timeout_gives_up_at_exactly_d_and_leaves_nothing_behind)
{
    timeout_chan = ringchan_make(2);
    run_test(timeout_expires_body, NULL);
    ringchan_free(timeout_chan);
}
END_TEST

static void timeout_each_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = timeout_chan;
    static op_t r[3];
    static const go_duration_t d[3] = {1 * SECOND, 2 * SECOND, 4 * SECOND};
    char name[64];
    for (int i = 0; i < 3; i++) {
        r[i].d = d[i];
        snprintf(name, sizeof name, "ringchan_recv_timeout(%g s)", SECS(d[i]));
        op_start(&r[i], RECV_TIMEOUT, c, 0, name);
    }
    go_sleep(3 * SECOND);
    ringchan_send(c, 33);
    for (int i = 0; i < 3; i++)
        op_wait(&r[i], gk_leak_mark_,
                "receivers with timeouts of 1, 2 and 4 s on an empty channel, a value sent at "
                "3 s: each must return by its own deadline, woken by a timer of its own "
                "(time_after_func)");
    static const go_duration_t want_at[3] = {1 * SECOND, 2 * SECOND, 3 * SECOND};
    static const int want_rc[3] = {RC_TIMEOUT, RC_TIMEOUT, RC_OK};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(r[i].rc == want_rc[i] && atomic64_load(&r[i].done_at) == want_at[i],
                      "receivers waited with timeouts of 1, 2 and 4 s, and a value came at 3 s: "
                      "the %g s one returned %s at %g s, expected %s at %g s. A wake-up is not "
                      "a timeout: each receiver checks its own deadline when it wakes",
                      SECS(d[i]), rc_name(r[i].rc), SECS(atomic64_load(&r[i].done_at)),
                      rc_name(want_rc[i]), SECS(want_at[i]));
    ck_assert_msg(r[2].got == 33, "the 4 s receiver got %ld, expected 33", r[2].got);
}

START_TEST(test_recv_timeout_each_receiver_keeps_its_own_deadline)
{
    timeout_chan = ringchan_make(2);
    run_test(timeout_each_body, NULL);
    ringchan_free(timeout_chan);
}
END_TEST

/* ---- Task 4: recv_ctx ------------------------------------------------------------------ */

static void ctx_cancel_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(2);
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx); /* the receiver's reference: ctx_cancel gives back the test's */
    op_t r;
    r.ctx = ctx;
    op_start(&r, RECV_CTX, c, 0, "ringchan_recv_ctx");
    go_sleep(2 * SECOND);
    ck_assert_msg(!op_done(&r),
                  "ringchan_recv_ctx on an empty channel returned (%s) before "
                  "its context was done",
                  rc_name(r.rc));
    ctx_cancel(ctx);
    op_wait(&r, gk_leak_mark_,
            "the context was cancelled at 2 s, but ringchan_recv_ctx still waits an hour later: "
            "something must wake it when ctx_done(ctx) is closed");
    ck_assert_msg(r.rc == RC_CANCELED && r.got == 0,
                  "ringchan_recv_ctx returned %s %ld when its context was cancelled, expected "
                  "RC_CANCELED 0",
                  rc_name(r.rc), r.got);
    ck_assert_msg(atomic64_load(&r.done_at) == 2 * SECOND,
                  "it returned at %g s, expected at 2 s, the moment of the cancel",
                  SECS(atomic64_load(&r.done_at)));
    ctx_release(ctx);
    static char report[4096];
    if (go_leak_check(gk_leak_mark_, report, sizeof report) != 0)
        ck_abort_msg("ringchan_recv_ctx returned, but goroutines it started are still alive:\n%s",
                     report);
    /* The channel still works. */
    ringchan_send(c, 4);
    long v;
    ck_assert_msg(ringchan_recv(c, &v) && v == 4, "the channel must still work after a cancel");
    ringchan_free(c);
}

START_TEST(test_recv_ctx_returns_canceled_the_moment_the_context_is_cancelled)
{
    run_test(ctx_cancel_body, NULL);
}
END_TEST

static void ctx_values_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(4);
    /* A deadline: RC_CANCELED at the deadline. */
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 3 * SECOND);
    op_t r;
    r.ctx = ctx;
    op_start(&r, RECV_CTX, c, 0, "ringchan_recv_ctx(3 s deadline)");
    op_wait(&r, gk_leak_mark_, "ringchan_recv_ctx with a 3 s deadline, on an empty channel");
    ck_assert_msg(r.rc == RC_CANCELED && atomic64_load(&r.done_at) == 3 * SECOND,
                  "ringchan_recv_ctx with a 3 s deadline on an empty channel returned %s at "
                  "%g s, expected RC_CANCELED at 3 s",
                  rc_name(r.rc), SECS(atomic64_load(&r.done_at)));
    /* Done already, but a value is there: the value wins. */
    ringchan_send(c, 8);
    long v = -1;
    int rc = ringchan_recv_ctx(c, ctx, &v);
    ck_assert_msg(rc == RC_OK && v == 8,
                  "ringchan_recv_ctx with a done context and a value "
                  "buffered returned %s %ld, expected RC_OK 8 (the value first)",
                  rc_name(rc), v);
    /* Done already, nothing buffered: at once. */
    go_duration_t t0 = gk_now();
    rc = ringchan_recv_ctx(c, ctx, &v);
    ck_assert_msg(rc == RC_CANCELED && gk_now() == t0,
                  "ringchan_recv_ctx with a done context on "
                  "an empty channel returned %s after %g s, expected RC_CANCELED at once",
                  rc_name(rc), SECS(gk_now() - t0));
    ctx_cancel(ctx);
    /* A context that is never done: values, one by one, as they come. */
    op_t b;
    b.ctx = ctx_background();
    op_start(&b, RECV_CTX, c, 0, "ringchan_recv_ctx(background)");
    go_sleep(SECOND);
    ringchan_send(c, 9);
    op_wait(&b, gk_leak_mark_, "ringchan_recv_ctx(ctx_background()), a value sent after 1 s");
    ck_assert_msg(b.rc == RC_OK && b.got == 9,
                  "ringchan_recv_ctx(ctx_background()) returned "
                  "%s %ld, expected RC_OK 9",
                  rc_name(b.rc), b.got);
    /* Closed: RC_CLOSED, waking a receiver that waits with a context. */
    ctx_t *ctx2 = ctx_with_cancel(ctx_background());
    op_t d;
    d.ctx = ctx2;
    op_start(&d, RECV_CTX, c, 0, "ringchan_recv_ctx, then close");
    go_sleep(SECOND);
    ringchan_close(c);
    op_wait(&d, gk_leak_mark_, "ringchan_recv_ctx waiting when the channel was closed");
    ck_assert_msg(d.rc == RC_CLOSED && d.got == 0,
                  "ringchan_recv_ctx woken by close returned "
                  "%s %ld, expected RC_CLOSED 0",
                  rc_name(d.rc), d.got);
    ctx_cancel(ctx2);
    static char report[4096];
    if (go_leak_check(gk_leak_mark_, report, sizeof report) != 0)
        ck_abort_msg("ringchan_recv_ctx returned, but goroutines it started are still alive:\n%s",
                     report);
    ringchan_free(c);
}

START_TEST(test_recv_ctx_deadline_values_first_background_and_close)
{
    run_test(ctx_values_body, NULL);
}
END_TEST

static void ctx_nothing_left_body(void *unused)
{
    (void)unused;
    GK_LEAK_MARK();
    ringchan_t *c = ringchan_make(1);
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    /* 10 receives that wait, each answered by a send a second later, with a
     * context that is never cancelled while they wait. */
    for (int i = 0; i < 10; i++) {
        op_t r;
        r.ctx = ctx;
        op_start(&r, RECV_CTX, c, 0, "ringchan_recv_ctx");
        go_sleep(SECOND);
        ringchan_send(c, i);
        op_wait(&r, gk_leak_mark_, "ringchan_recv_ctx, a value sent after 1 s");
        ck_assert_msg(r.rc == RC_OK && r.got == i,
                      "ringchan_recv_ctx returned %s %ld, "
                      "expected RC_OK %d",
                      rc_name(r.rc), r.got, i);
        go_synctest_wait();
        long alive = 0;
        static char report[4096];
        alive = go_leak_check(gk_leak_mark_, report, sizeof report);
        if (alive)
            ck_abort_msg("ringchan_recv_ctx got its value and returned, but %ld goroutine(s) it "
                         "started are still alive (every goroutine it starts has exited by the "
                         "time it returns: stop the watcher and wait for it):\n%s",
                         alive, report);
    }
    ctx_cancel(ctx);
    ringchan_free(c);
}

START_TEST(test_recv_ctx_leaves_no_goroutine_behind_when_a_value_comes)
{
    run_test(ctx_nothing_left_body, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("ringchan");
    kata_add_test(s, test_make_gives_an_empty_open_channel_of_that_capacity);
    kata_add_test(s, test_values_come_out_in_the_order_they_went_in_around_the_ring);
    kata_add_test(s, test_send_waits_exactly_while_the_buffer_is_full);
    kata_add_test(s, test_recv_waits_exactly_while_the_buffer_is_empty);
    kata_add_test(s, test_close_wakes_every_waiting_receiver_with_false_and_zero);
    kata_add_test(s, test_close_wakes_every_waiting_sender_with_rc_closed);
    kata_add_test(s, test_receives_drain_the_buffer_after_close_then_report_closed);
    kata_add_test(s, test_send_on_a_closed_channel_and_a_second_close_return_rc_closed);
    kata_add_test(s, test_many_senders_and_receivers_on_one_slot_lose_no_wakeup);
    kata_add_test(s, test_a_receive_wakes_a_waiting_sender_even_with_receivers_waiting_too);
    kata_add_test(s, test_len_reads_the_count_under_the_lock_while_others_send);
    kata_add_test(s, test_try_send_and_try_recv_never_wait_and_say_why_not);
    kata_add_test(s, test_try_send_and_try_recv_wake_the_other_side);
    kata_add_test(s, test_recv_timeout_returns_a_value_that_comes_in_time);
    kata_add_test(s, test_recv_timeout_gives_up_at_exactly_d_and_leaves_nothing_behind);
    kata_add_test(s, test_recv_timeout_each_receiver_keeps_its_own_deadline);
    kata_add_test(s, test_recv_ctx_returns_canceled_the_moment_the_context_is_cancelled);
    kata_add_test(s, test_recv_ctx_deadline_values_first_background_and_close);
    kata_add_test(s, test_recv_ctx_leaves_no_goroutine_behind_when_a_value_comes);
    return s;
}
