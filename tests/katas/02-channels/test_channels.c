/*
 * Kata 02's tests: generate, collect, fan_in, square_all (channels.h).
 *
 * Every test runs inside go_synctest, in virtual time, for one reason: a
 * channel that is never closed must fail the test with a message, not hang
 * it. All waiting goes through recv_or_stuck, a select between the channel
 * and one deadline an hour away. Virtual time moves only when every goroutine
 * of the test is blocked, so the hour passes only when the code under test
 * is stuck for good (a missing close, a goroutine waiting for itself); with
 * correct code it never passes, and no test sleeps.
 *
 * The assertions run inside the bubble. When one fails, Check ends the
 * test's process at once, goroutines stuck or not: that is what lets a test
 * report "never closed" instead of deadlocking. For the same reason each
 * body ends with its own leak check (finish): a goroutine left stuck inside
 * the bubble is reported as the leak it is, with where it was started.
 *
 * What Go itself reports (a second close, a send on a closed channel) ends
 * the test with Go's panic and a goroutine dump naming the line of
 * channels.c: the panics are the lesson, so the tests let them through.
 */
#include <stdio.h>
#include <string.h>

#include "channels.h"
#include "gkcheck.h"
#include "kata_test.h"

/* ---- waiting, with a deadline ------------------------------------------ */

static go_timer_t *deadline;
static go_leak_mark_t leak_mark;

/* Every test body starts with begin() and ends with finish(). */
static void begin(void)
{
    leak_mark = go_leak_mark();
    deadline = timer_new(HOUR);
}

/* Fails the test if a goroutine started by the test (the kata's included)
 * is still alive: it would be stuck forever, a leak. */
static void finish(void)
{
    timer_free(deadline);
    deadline = NULL;
    static char leaks[8192];
    if (go_leak_check(leak_mark, leaks, sizeof leaks) != 0) ck_abort_msg("%s", leaks);
}

typedef enum { RECEIVED, CLOSED, STUCK } recv_result_t;

/* v, ok := <-ch, or STUCK once every goroutine has been blocked for an hour
 * of virtual time: nothing will ever arrive. */
static recv_result_t recv_or_stuck(chan_t *ch, int *v)
{
    select_case_t cs[] = {select_recv(ch, v), select_recv(deadline->C, NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 1) return STUCK;
    return cs[0].ok ? RECEIVED : CLOSED;
}

/* A call of a kata function, made from a goroutine of its own so that the
 * test can tell "returned" from "stuck". */
typedef struct call call_t;
struct call {
    void (*fn)(call_t *);
    int n;          /* generate(n), fan_in(n), square_all(in, n) */
    chan_t *in;     /* square_all, collect */
    int *out;       /* collect */
    size_t max;     /* collect */
    chan_t *result; /* what generate, fan_in or square_all returned */
    size_t count;   /* what collect returned */
    chan_t *done;   /* closed when fn has returned */
};

static void run_call(void *arg)
{
    call_t *c = arg;
    c->fn(c);
    chan_close(c->done); /* the close happens before the test sees it: c is safe to read */
}

/* Calls c->fn; fails the test with why_stuck if it never returns. */
static void call_or_fail(call_t *c, const char *why_stuck)
{
    c->done = chan_make(0, 0);
    go(run_call, c);
    int unused;
    if (recv_or_stuck(c->done, &unused) == STUCK) ck_abort_msg("%s", why_stuck);
    chan_free(c->done);
}

static void do_generate(call_t *c)
{
    c->result = generate(c->n);
}

static void do_collect(call_t *c)
{
    c->count = collect(c->in, c->out, c->max);
}

static void do_fan_in(call_t *c)
{
    c->result = fan_in(c->n);
}

static void do_square_all(call_t *c)
{
    c->result = square_all(c->in, c->n);
}

static chan_t *call_generate(int n)
{
    call_t c = {.fn = do_generate, .n = n};
    char why[512];
    snprintf(why, sizeof why,
             "generate(%d) never returned: every goroutine was blocked. generate must return "
             "the channel at once and leave the sending to the goroutine it starts: the caller "
             "is the receiver, and a send on an unbuffered channel waits for a receiver",
             n);
    call_or_fail(&c, why);
    ck_assert_msg(c.result != NULL, "generate(%d) returned NULL, expected a new channel", n);
    ck_assert_msg(chan_cap(c.result) == 0,
                  "generate(%d) returned a channel of capacity %zu; it must be unbuffered "
                  "(chan_make(sizeof(int), 0)), so that each value is sent when it is received",
                  n, chan_cap(c.result));
    return c.result;
}

static chan_t *call_fan_in(int n)
{
    call_t c = {.fn = do_fan_in, .n = n};
    char why[512];
    snprintf(why, sizeof why,
             "fan_in(%d) never returned: every goroutine was blocked. fan_in must return the "
             "channel at once: the senders wait for the caller to receive, and the caller "
             "can't until fan_in returns. Is fan_in calling wg_wait itself? Give the wait (and "
             "the close after it) to one more goroutine",
             n);
    call_or_fail(&c, why);
    ck_assert_msg(c.result != NULL, "fan_in(%d) returned NULL, expected a new channel", n);
    ck_assert_msg(chan_cap(c.result) == 0,
                  "fan_in(%d) returned a channel of capacity %zu; it must be unbuffered "
                  "(chan_make(sizeof(int), 0))",
                  n, chan_cap(c.result));
    return c.result;
}

static chan_t *call_square_all(chan_t *in, int workers)
{
    call_t c = {.fn = do_square_all, .in = in, .n = workers};
    char why[512];
    snprintf(why, sizeof why,
             "square_all(in, %d) never returned: every goroutine was blocked. square_all must "
             "start its goroutines and return the channel at once: the caller sends on in and "
             "receives the squares only after square_all returns. Is it calling wg_wait "
             "itself? Give the wait (and the close after it) to one more goroutine",
             workers);
    call_or_fail(&c, why);
    ck_assert_msg(c.result != NULL, "square_all returned NULL, expected a new channel");
    ck_assert_msg(c.result != in, "square_all returned in itself, expected a new channel");
    ck_assert_msg(chan_cap(c.result) == 0,
                  "square_all returned a channel of capacity %zu; it must be unbuffered "
                  "(chan_make(sizeof(int), 0))",
                  chan_cap(c.result));
    return c.result;
}

/* ---- a sender the tests control ----------------------------------------- */

typedef struct {
    chan_t *ch;
    const int *vals;
    int n;
    atomic64_t sent; /* sends completed so far */
} feeder_t;

/* The caller's side of collect and square_all: sends vals, then closes,
 * because it is the only sender. A receiver that closed ch as well would
 * make this close (or a send) panic. */
static void feed(void *arg)
{
    feeder_t *f = arg;
    for (int i = 0; i < f->n; i++) {
        chan_send(f->ch, &f->vals[i]);
        atomic64_add(&f->sent, 1);
    }
    chan_close(f->ch);
}

/* ---- Task 1: generate ------------------------------------------------------ */

static void generate_counts_in_order(void *unused)
{
    (void)unused;
    begin();
    enum { N = 100 };
    chan_t *ch = call_generate(N);
    for (int i = 0; i < N; i++) {
        int v = -1;
        switch (recv_or_stuck(ch, &v)) {
        case CLOSED:
            ck_abort_msg("generate(%d): the channel was closed after %d values, expected %d "
                         "(0..%d) before the close",
                         N, i, N, N - 1);
            break;
        case STUCK:
            ck_abort_msg("generate(%d): received %d values, then nothing came and every "
                         "goroutine was blocked. The goroutine must send all of 0..%d",
                         N, i, N - 1);
            break;
        case RECEIVED:
            ck_assert_msg(v == i,
                          "generate(%d): value number %d was %d, expected %d: send 0, 1, ..., "
                          "n-1, in that order",
                          N, i + 1, v, i);
            break;
        }
    }
    int extra;
    recv_result_t r = recv_or_stuck(ch, &extra);
    ck_assert_msg(r != RECEIVED, "generate(%d): after 0..%d came one more value, %d", N, N - 1,
                  extra);
    /* r == STUCK (never closed) is the next test's to report. */
    chan_free(ch);
    finish();
}

START_TEST(test_generate_sends_zero_to_n_minus_one_in_order)
{
    go_synctest(generate_counts_in_order, NULL);
}
END_TEST

static void generate_then_close(void *unused)
{
    (void)unused;
    begin();
    const int sizes[] = {3, 1, 0};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int n = sizes[k];
        chan_t *ch = call_generate(n);
        int v, got = 0;
        recv_result_t r;
        while ((r = recv_or_stuck(ch, &v)) == RECEIVED)
            got++;
        ck_assert_msg(r != STUCK,
                      "generate(%d) sent %d values but never closed the channel: a range loop "
                      "over it (while (chan_recv(ch, &v))) would wait forever. The goroutine "
                      "is the only sender, so it closes the channel, after its last send",
                      n, got);
        ck_assert_msg(got == n, "generate(%d): %d values came before the close, expected %d", n,
                      got, n);
        /* A closed channel stays closed: every later receive says so at once. */
        ck_assert_msg(recv_or_stuck(ch, &v) == CLOSED && v == 0,
                      "generate(%d): a receive after the close must return false", n);
        chan_free(ch);
    }
    finish();
}

START_TEST(test_generate_closes_the_channel_after_the_last_value)
{
    go_synctest(generate_then_close, NULL);
}
END_TEST

/* ---- Task 2: collect ---------------------------------------------------------- */

/* Feeds vals (n of them) on ch from a goroutine, then calls
 * collect(ch, out, max), and checks the count. */
static size_t collect_from_feeder(chan_t *ch, const int *vals, int n, int *out, size_t max)
{
    feeder_t f = {.ch = ch, .vals = vals, .n = n};
    go(feed, &f);
    call_t c = {.fn = do_collect, .in = ch, .out = out, .max = max};
    char why[512];
    snprintf(why, sizeof why,
             "collect never returned: every goroutine was blocked. The sender sent %d values "
             "and closed the channel; collect must return when chan_recv returns false",
             n);
    call_or_fail(&c, why);
    return c.count;
}

static void check_count(size_t got, int sent, size_t max)
{
    ck_assert_msg(got >= (size_t)sent,
                  "collect returned %zu, but %d values were sent before the channel was "
                  "closed. Keep receiving until chan_recv returns false (closed and "
                  "drained); a 0 is a value like any other, not the end",
                  got, sent);
    ck_assert_msg(got == (size_t)sent,
                  "collect returned %zu, but only %d values were sent (max was %zu): "
                  "chan_recv returns false once the channel is closed; stop there",
                  got, sent, max);
}

static void collect_in_order(void *unused)
{
    (void)unused;
    begin();
    enum { N = 100, MAX = 1000 };
    static int vals[N], out[MAX];
    for (int i = 0; i < N; i++)
        vals[i] = i; /* 0 first: not an end marker */
    chan_t *ch = chan_make(sizeof(int), 0);
    size_t got = collect_from_feeder(ch, vals, N, out, MAX);
    ck_assert_msg(got != 0,
                  "collect returned 0, but %d values were sent before the channel was closed, "
                  "the first of them 0. A received 0 is a value like any other: only "
                  "chan_recv returning false (closed and drained) ends the loop",
                  N);
    check_count(got, N, MAX);
    for (int i = 0; i < N; i++)
        ck_assert_msg(out[i] == vals[i],
                      "collect: out[%d] is %d, expected %d: store the values in the order "
                      "they were received",
                      i, out[i], vals[i]);
    chan_free(ch);
    finish();
}

START_TEST(test_collect_receives_every_value_in_order_until_the_channel_is_closed)
{
    go_synctest(collect_in_order, NULL);
}
END_TEST

static void collect_from_closed_buffers(void *unused)
{
    (void)unused;
    begin();
    /* Eight values wait in the buffer of a channel already closed: a close
     * does not throw them away, the receiver still gets every one. */
    const int vals[] = {0, 7, -3, 0, 42, 5, -1, 9};
    enum { N = sizeof vals / sizeof vals[0] };
    chan_t *ch = chan_make(sizeof(int), N);
    for (int i = 0; i < N; i++)
        chan_send(ch, &vals[i]);
    chan_close(ch);
    int out[N] = {0};
    call_t c = {.fn = do_collect, .in = ch, .out = out, .max = N};
    call_or_fail(&c, "collect never returned, from a closed channel holding 8 values: a "
                     "closed channel never blocks a receive; stop when chan_recv returns false");
    ck_assert_msg(c.count == N,
                  "collect returned %zu for a closed channel whose buffer held %d values "
                  "(the first of them 0). A close does not discard buffered values, and a 0 is a "
                  "value: chan_recv returns each one with true, and only then false",
                  c.count, N);
    for (int i = 0; i < N; i++)
        ck_assert_msg(out[i] == vals[i], "collect: out[%d] is %d, expected %d", i, out[i], vals[i]);
    chan_free(ch);

    /* And a channel closed with nothing in it holds nothing. */
    chan_t *empty = chan_make(sizeof(int), 4);
    chan_close(empty);
    int room[1];
    call_t e = {.fn = do_collect, .in = empty, .out = room, .max = 1};
    call_or_fail(&e, "collect never returned, from a closed empty channel: stop when "
                     "chan_recv returns false");
    ck_assert_msg(e.count == 0,
                  "collect returned %zu for a channel closed with no values, expected 0: "
                  "when chan_recv returns false, nothing was received",
                  e.count);
    chan_free(empty);
    finish();
}

START_TEST(test_collect_drains_what_a_closed_channel_still_holds)
{
    go_synctest(collect_from_closed_buffers, NULL);
}
END_TEST

static void collect_past_max(void *unused)
{
    (void)unused;
    begin();
    enum { N = 20, MAX = 5, CANARY = -777 };
    static int vals[N], out[N];
    for (int i = 0; i < N; i++)
        vals[i] = 100 + i;
    for (int i = 0; i < N; i++)
        out[i] = CANARY;
    chan_t *ch = chan_make(sizeof(int), 0);
    feeder_t f = {.ch = ch, .vals = vals, .n = N};
    go(feed, &f);
    call_t c = {.fn = do_collect, .in = ch, .out = out, .max = MAX};
    call_or_fail(&c, "collect never returned: every goroutine was blocked. The sender sent "
                     "20 values and closed the channel");
    ck_assert_msg(c.count != MAX,
                  "collect returned %d once it had max (%d) values, but the sender had %d to "
                  "send: it is now stuck in its send number %d, waiting for a receiver that "
                  "will never come (a goroutine leak). Keep receiving until the channel is "
                  "closed; just don't store past max",
                  MAX, MAX, N, MAX + 1);
    check_count(c.count, N, MAX);
    for (int i = 0; i < MAX; i++)
        ck_assert_msg(out[i] == vals[i], "collect: out[%d] is %d, expected %d", i, out[i], vals[i]);
    for (int i = MAX; i < N; i++)
        ck_assert_msg(out[i] == CANARY,
                      "collect wrote out[%d] although max is %d: store only the first max "
                      "values (out has room for no more)",
                      i, MAX);
    chan_free(ch);
    finish();
}

START_TEST(test_collect_keeps_receiving_past_max_so_the_sender_is_never_stuck)
{
    go_synctest(collect_past_max, NULL);
}
END_TEST

/* ---- Task 3: fan_in ------------------------------------------------------------- */

/* Receives from a fan_in channel until it is closed; checks that each of
 * 0..n-1 came exactly once. */
static void receive_each_once(chan_t *ch, int n)
{
    static int seen[1000];
    ck_assert(n <= 1000);
    memset(seen, 0, sizeof seen);
    int v, got = 0;
    recv_result_t r;
    while ((r = recv_or_stuck(ch, &v)) == RECEIVED) {
        ck_assert_msg(v >= 0 && v < n,
                      "fan_in(%d) sent %d, expected only the values 0..%d. Does each sender "
                      "get its own value? A pointer to the loop variable, or to anything on "
                      "fan_in's stack, is read by the sender after the loop has changed it or "
                      "fan_in has returned: give each sender an argument of its own",
                      n, v, n - 1);
        ck_assert_msg(seen[v] == 0,
                      "fan_in(%d) sent %d twice: sender i sends its value i once, then is "
                      "done",
                      n, v);
        seen[v] = 1;
        got++;
    }
    if (r == STUCK) {
        if (got < n)
            ck_abort_msg("fan_in(%d): %d of the %d values came, then nothing more (no close "
                         "either), and every goroutine was blocked: does every sender send "
                         "its value?",
                         n, got, n);
        ck_abort_msg("fan_in(%d): %s, but the channel was never closed, and every goroutine "
                     "was blocked: a range loop over it would wait forever. One goroutine "
                     "waits for all the senders (wg_add before each go, wg_done after each "
                     "send, then wg_wait) and closes the channel%s",
                     n, n == 0 ? "no value came (right: there is no sender)" : "every value came",
                     n == 0 ? ". With no sender the counter is 0 and wg_wait returns at once" : "");
    }
    for (int i = 0; i < n; i++)
        ck_assert_msg(seen[i],
                      "fan_in(%d): the channel was closed after %d values, before %d "
                      "had come: close only after wg_wait, once every sender is done",
                      n, got, i);
}

static void fan_in_100(void *unused)
{
    (void)unused;
    begin();
    chan_t *ch = call_fan_in(100);
    /* Let every goroutine fan_in started run as far as it can before we
     * receive anything: the senders reach their sends, the closer its wait.
     * A closer that doesn't wait for the senders has closed the channel by
     * now, and a sender panics: "send on closed channel". */
    go_synctest_wait();
    receive_each_once(ch, 100);
    chan_free(ch);
    finish();
}

START_TEST(test_fan_in_delivers_every_sender_value_exactly_once)
{
    go_synctest(fan_in_100, NULL);
}
END_TEST

static void fan_in_then_close(void *unused)
{
    (void)unused;
    begin();
    const int sizes[] = {1, 0, 7};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        chan_t *ch = call_fan_in(sizes[k]);
        go_synctest_wait();
        receive_each_once(ch, sizes[k]);
        int v;
        ck_assert_msg(recv_or_stuck(ch, &v) == CLOSED,
                      "fan_in(%d): a receive after the close must return false", sizes[k]);
        chan_free(ch);
    }
    finish();
}

START_TEST(test_fan_in_closes_the_channel_once_every_sender_is_done)
{
    go_synctest(fan_in_then_close, NULL);
}
END_TEST

/* ---- Task 4: square_all ------------------------------------------------------------ */

/* Sends vals on a new channel in, runs square_all(in, workers), and checks
 * that the squares of vals come out, each once, and then the close. vals
 * are distinct and 0 <= vals[i] < 100. */
static void check_squares(const int *vals, int n, int workers)
{
    static int seen[100 * 100];
    memset(seen, 0, sizeof seen);
    chan_t *in = chan_make(sizeof(int), 0);
    feeder_t f = {.ch = in, .vals = vals, .n = n};
    chan_t *out = call_square_all(in, workers);
    go(feed, &f); /* the caller sends on in, and closes it */
    int v, got = 0;
    recv_result_t r;
    while ((r = recv_or_stuck(out, &v)) == RECEIVED) {
        ck_assert_msg(v >= 0 && v < 100 * 100 && seen[v] == 0,
                      "square_all(in, %d) sent %d, which is not the square of a value of in "
                      "still owed (each value is squared exactly once)",
                      workers, v);
        seen[v] = 1;
        got++;
    }
    if (r == STUCK) {
        if (got < n)
            ck_abort_msg("square_all(in, %d): %d of the %d squares came, then nothing more "
                         "(no close either), and every goroutine was blocked. Does every "
                         "worker keep receiving from in until it is closed?",
                         workers, got, n);
        ck_abort_msg("square_all(in, %d): %s, but the output was never closed, and every "
                     "goroutine was blocked. Its senders are the workers, and none of them "
                     "can know it is the last: one more goroutine waits for them all "
                     "(WaitGroup) and then closes it",
                     workers,
                     n == 0 ? "in was closed with no value, so no square came (right)"
                            : "every square came");
    }
    for (int i = 0; i < n; i++)
        ck_assert_msg(seen[vals[i] * vals[i]],
                      "square_all(in, %d): the output was closed after %d squares, before "
                      "%d (the square of %d) came: close it only after every worker is done",
                      workers, got, vals[i] * vals[i], vals[i]);
    chan_free(out);
    chan_free(in);
}

static void square_100(void *unused)
{
    (void)unused;
    begin();
    static int vals[100];
    for (int i = 0; i < 100; i++)
        vals[i] = i;
    check_squares(vals, 100, 4);
    finish();
}

START_TEST(test_square_all_squares_every_value_exactly_once)
{
    go_synctest(square_100, NULL);
}
END_TEST

static void square_then_close(void *unused)
{
    (void)unused;
    begin();
    const int five[] = {3, 1, 4, 0, 9};
    check_squares(five, 0, 3); /* in closed at once: out is closed with no square */
    check_squares(five, 5, 1); /* one worker: it sends every square */
    check_squares(five, 2, 8); /* more workers than values: most get none */
    finish();
}

START_TEST(test_square_all_closes_its_output_once_every_worker_is_done)
{
    go_synctest(square_then_close, NULL);
}
END_TEST

static void square_side_by_side(void *unused)
{
    (void)unused;
    begin();
    enum { WORKERS = 4, N = 20 };
    static int vals[N];
    for (int i = 0; i < N; i++)
        vals[i] = i;
    chan_t *in = chan_make(sizeof(int), 0);
    feeder_t f = {.ch = in, .vals = vals, .n = N};
    chan_t *out = call_square_all(in, WORKERS);
    go(feed, &f);
    /* Nobody receives the squares yet. Each worker takes one value from in,
     * then waits to hand over its square: four workers hold four values, and
     * the feeder waits with the fifth. */
    go_synctest_wait();
    long taken = (long)atomic64_load(&f.sent);
    ck_assert_msg(taken == WORKERS,
                  "square_all(in, %d) took %ld value(s) from in while nobody received the "
                  "squares, expected %d: each of the %d workers takes one value and waits "
                  "to send its square. Start `workers` goroutines, each ranging over in",
                  WORKERS, taken, WORKERS, WORKERS);
    int v, got = 0;
    recv_result_t r;
    while ((r = recv_or_stuck(out, &v)) == RECEIVED)
        got++;
    ck_assert_msg(r == CLOSED && got == N,
                  "square_all(in, %d): expected %d squares and the close, got %d squares%s",
                  WORKERS, N, got, r == CLOSED ? " and the close" : " and no close");
    chan_free(out);
    chan_free(in);
    finish();
}

START_TEST(test_square_all_runs_its_workers_side_by_side)
{
    go_synctest(square_side_by_side, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("channels");
    kata_add_test(s, test_generate_sends_zero_to_n_minus_one_in_order);
    kata_add_test(s, test_generate_closes_the_channel_after_the_last_value);
    kata_add_test(s, test_collect_receives_every_value_in_order_until_the_channel_is_closed);
    kata_add_test(s, test_collect_drains_what_a_closed_channel_still_holds);
    kata_add_test(s, test_collect_keeps_receiving_past_max_so_the_sender_is_never_stuck);
    kata_add_test(s, test_fan_in_delivers_every_sender_value_exactly_once);
    kata_add_test(s, test_fan_in_closes_the_channel_once_every_sender_is_done);
    kata_add_test(s, test_square_all_squares_every_value_exactly_once);
    kata_add_test(s, test_square_all_closes_its_output_once_every_worker_is_done);
    kata_add_test(s, test_square_all_runs_its_workers_side_by_side);
    return s;
}
