/* Channels: Go's semantics, value by value. */
#include <string.h>

#include "gkcheck.h"
#include "suites.h"

static chan_t *ch;

static void send_42(void *arg)
{
    (void)arg;
    int v = 42;
    chan_send(ch, &v);
}

START_TEST(an_unbuffered_send_reaches_the_receiver)
{
    GK_LEAK_MARK();
    ch = chan_make(sizeof(int), 0);
    go(send_42, NULL);
    int v = 0;
    ck_assert(chan_recv(ch, &v));
    ck_assert_int_eq(v, 42);
    GK_ASSERT_NO_LEAKS();
    chan_free(ch);
}
END_TEST

START_TEST(a_buffered_channel_holds_cap_values_without_a_receiver)
{
    chan_t *c = chan_make(sizeof(int), 3);
    ck_assert_uint_eq(chan_cap(c), 3);
    for (int i = 1; i <= 3; i++) {
        chan_send(c, &i);
        ck_assert_uint_eq(chan_len(c), (size_t)i);
    }
    int four = 4;
    ck_assert_msg(!chan_try_send(c, &four), "a full buffer must not take a fourth value");
    for (int i = 1; i <= 3; i++) {
        int v;
        ck_assert(chan_recv(c, &v));
        ck_assert_int_eq(v, i);
    }
    ck_assert_uint_eq(chan_len(c), 0);
    chan_free(c);
}
END_TEST

enum { FIFO_N = 200 };

static void send_sequence(void *arg)
{
    chan_t *c = arg;
    for (int i = 0; i < FIFO_N; i++) chan_send(c, &i);
    chan_close(c);
}

START_TEST(values_arrive_in_the_order_they_were_sent)
{
    GK_LEAK_MARK();
    size_t caps[] = {0, 1, 7};
    for (size_t k = 0; k < 3; k++) {
        chan_t *c = chan_make(sizeof(int), caps[k]);
        go(send_sequence, c);
        int v, want = 0;
        while (chan_recv(c, &v)) {
            ck_assert_msg(v == want, "cap %zu: got %d, expected %d", caps[k], v, want);
            want++;
        }
        ck_assert_int_eq(want, FIFO_N);
        GK_ASSERT_NO_LEAKS();
        chan_free(c);
    }
}
END_TEST

START_TEST(a_closed_channel_drains_its_buffer_then_gives_zero_and_not_ok)
{
    chan_t *c = chan_make(sizeof(int), 2);
    int a = 7, b = 8;
    chan_send(c, &a);
    chan_send(c, &b);
    chan_close(c);
    int v = -1;
    ck_assert(chan_recv(c, &v) && v == 7);
    ck_assert(chan_recv(c, &v) && v == 8);
    v = -1;
    ck_assert(!chan_recv(c, &v));
    ck_assert_msg(v == 0, "a receive from a closed channel yields the zero value, got %d", v);
    ck_assert(!chan_recv(c, NULL));
    chan_free(c);
}
END_TEST

enum { RECEIVERS = 5 };
static wg_t started;
static atomic64_t not_ok;

static void recv_until_closed(void *arg)
{
    chan_t *c = arg;
    wg_done(&started);
    int v;
    if (!chan_recv(c, &v)) atomic64_add(&not_ok, 1);
}

START_TEST(close_wakes_every_blocked_receiver)
{
    GK_LEAK_MARK();
    chan_t *c = chan_make(sizeof(int), 0);
    wg_add(&started, RECEIVERS);
    for (int i = 0; i < RECEIVERS; i++) go(recv_until_closed, c);
    wg_wait(&started);
    chan_close(c);
    GK_ASSERT_NO_LEAKS();
    ck_assert_int_eq(atomic64_load(&not_ok), RECEIVERS);
    chan_free(c);
}
END_TEST

static void send_then_report(void *arg)
{
    int v = 1;
    chan_send(arg, &v);
}

static void close_under_blocked_sender(void *unused)
{
    (void)unused;
    chan_t *c = chan_make(sizeof(int), 0);
    go(send_then_report, c);
    go_wait_idle(); /* the sender is parked: its send can only end by close */
    chan_close(c);
    chan_t *never = chan_make(1, 0);
    chan_recv(never, NULL); /* the sender's panic ends the program first */
}

START_TEST(close_makes_a_blocked_sender_panic)
{
    GK_EXPECT_DEATH(close_under_blocked_sender, NULL, 2, "panic: send on closed channel");
}
END_TEST

static void send_on_closed(void *unused)
{
    (void)unused;
    chan_t *c = chan_make(sizeof(int), 1);
    chan_close(c);
    int v = 1;
    chan_send(c, &v);
}

START_TEST(send_on_a_closed_channel_panics)
{
    GK_EXPECT_DEATH(send_on_closed, NULL, 2, "panic: send on closed channel");
    GK_EXPECT_DEATH(send_on_closed, NULL, 2, "goroutine 1 [running]:\nsend_on_closed(...)");
}
END_TEST

static void close_twice(void *unused)
{
    (void)unused;
    chan_t *c = chan_make(sizeof(int), 0);
    chan_close(c);
    chan_close(c);
}

static void close_nil(void *unused)
{
    (void)unused;
    chan_close(NULL);
}

START_TEST(closing_a_closed_or_nil_channel_panics)
{
    GK_EXPECT_DEATH(close_twice, NULL, 2, "panic: close of closed channel");
    GK_EXPECT_DEATH(close_nil, NULL, 2, "panic: close of nil channel");
}
END_TEST

START_TEST(try_send_and_try_recv_never_block)
{
    chan_t *c = chan_make(sizeof(int), 0);
    int v = 3;
    bool ok = true;
    ck_assert(!chan_try_send(c, &v));
    ck_assert(!chan_try_recv(c, &v, &ok));
    chan_close(c);
    ck_assert_msg(chan_try_recv(c, &v, &ok) && !ok, "a closed channel is always ready to receive");
    chan_free(c);
}
END_TEST

typedef struct {
    char name[40];
    double values[8];
} big_t;

static void send_big(void *arg)
{
    big_t b = {.name = "gopher"};
    for (int i = 0; i < 8; i++) b.values[i] = i * 1.5;
    chan_send(arg, &b);
}

START_TEST(elements_of_any_size_are_copied_whole)
{
    GK_LEAK_MARK();
    chan_t *c = chan_make(sizeof(big_t), 0);
    go(send_big, c);
    big_t b;
    ck_assert(chan_recv(c, &b));
    ck_assert_str_eq(b.name, "gopher");
    ck_assert(b.values[7] == 10.5);
    GK_ASSERT_NO_LEAKS();
    chan_free(c);

    chan_t *done = chan_make(0, 1); /* chan struct{} */
    chan_send(done, NULL);
    ck_assert(chan_recv(done, NULL));
    chan_free(done);
}
END_TEST

static void free_busy(void *unused)
{
    (void)unused;
    chan_t *c = chan_make(sizeof(int), 0);
    go(send_then_report, c);
    go_wait_idle();
    chan_free(c);
}

START_TEST(freeing_a_channel_in_use_panics_with_advice)
{
    GK_EXPECT_DEATH(free_busy, NULL, 2, "chan_free: goroutines are still blocked on this channel");
}
END_TEST

Suite *chan_suite(void)
{
    Suite *s = suite_create("chan");
    TCase *tc = tcase_create("chan");
    tcase_add_test(tc, an_unbuffered_send_reaches_the_receiver);
    tcase_add_test(tc, a_buffered_channel_holds_cap_values_without_a_receiver);
    tcase_add_test(tc, values_arrive_in_the_order_they_were_sent);
    tcase_add_test(tc, a_closed_channel_drains_its_buffer_then_gives_zero_and_not_ok);
    tcase_add_test(tc, close_wakes_every_blocked_receiver);
    tcase_add_test(tc, close_makes_a_blocked_sender_panic);
    tcase_add_test(tc, send_on_a_closed_channel_panics);
    tcase_add_test(tc, closing_a_closed_or_nil_channel_panics);
    tcase_add_test(tc, try_send_and_try_recv_never_block);
    tcase_add_test(tc, elements_of_any_size_are_copied_whole);
    tcase_add_test(tc, freeing_a_channel_in_use_panics_with_advice);
    suite_add_tcase(s, tc);
    return s;
}
