/* select: readiness, default, NULL cases, fairness, dynamic case arrays. */
#include <string.h>

#include "gkcheck.h"
#include "suites.h"

START_TEST(select_takes_the_ready_case)
{
    chan_t *a = chan_make(sizeof(int), 1), *b = chan_make(sizeof(int), 1);
    int v = 9, got = 0;
    chan_send(b, &v);
    select_case_t cs[] = {select_recv(a, &got), select_recv(b, &got)};
    ck_assert_int_eq(chan_select(cs, 2, SELECT_BLOCK), 1);
    ck_assert_int_eq(got, 9);
    ck_assert(cs[1].ok);
    chan_free(a);
    chan_free(b);
}
END_TEST

START_TEST(select_with_default_returns_default_when_nothing_is_ready)
{
    chan_t *a = chan_make(sizeof(int), 0);
    int v = 0;
    select_case_t cs[] = {select_recv(a, &v), select_send(a, &v)};
    ck_assert_int_eq(chan_select(cs, 2, SELECT_NONBLOCK), SELECT_DEFAULT);
    ck_assert_int_eq(chan_select(NULL, 0, SELECT_NONBLOCK), SELECT_DEFAULT);
    chan_free(a);
}
END_TEST

START_TEST(a_case_on_a_null_channel_is_never_ready)
{
    chan_t *a = chan_make(sizeof(int), 1);
    int v = 5, got = 0;
    chan_send(a, &v);
    for (int i = 0; i < 50; i++) {
        select_case_t cs[] = {select_recv(NULL, &got), select_recv(a, &got),
                              select_send(NULL, &v)};
        int k = chan_select(cs, 3, SELECT_BLOCK);
        ck_assert_int_eq(k, 1);
        chan_send(a, &v);
    }
    chan_free(a);
}
END_TEST

START_TEST(select_is_fair_between_two_ready_channels)
{
    /* Go picks uniformly among ready cases. 4000 trials: each side should
     * get 50 % within 5 points (over 6 standard deviations). */
    chan_t *a = chan_make(sizeof(int), 1), *b = chan_make(sizeof(int), 1);
    int one = 1, got;
    int count[2] = {0, 0};
    enum { TRIALS = 4000 };
    for (int i = 0; i < TRIALS; i++) {
        if (chan_len(a) == 0) chan_send(a, &one);
        if (chan_len(b) == 0) chan_send(b, &one);
        select_case_t cs[] = {select_recv(a, &got), select_recv(b, &got)};
        count[chan_select(cs, 2, SELECT_BLOCK)]++;
    }
    double share = (double)count[0] / TRIALS;
    ck_assert_msg(share > 0.45 && share < 0.55,
                  "case 0 chosen %d times, case 1 %d times: select must be uniform", count[0],
                  count[1]);
    chan_free(a);
    chan_free(b);
}
END_TEST

static chan_t *later;

static void send_later(void *arg)
{
    (void)arg;
    int v = 77;
    chan_send(later, &v);
}

START_TEST(a_blocked_select_wakes_when_a_case_becomes_ready)
{
    GK_LEAK_MARK();
    chan_t *quiet = chan_make(sizeof(int), 0);
    later = chan_make(sizeof(int), 0);
    go(send_later, NULL);
    int got = 0;
    select_case_t cs[] = {select_recv(quiet, &got), select_recv(later, &got)};
    ck_assert_int_eq(chan_select(cs, 2, SELECT_BLOCK), 1);
    ck_assert_int_eq(got, 77);
    GK_ASSERT_NO_LEAKS();
    chan_free(quiet);
    chan_free(later);
}
END_TEST

static void recv_one(void *arg)
{
    int v;
    chan_recv(arg, &v);
    ck_assert_int_eq(v, 31);
}

START_TEST(a_select_send_case_hands_its_value_to_a_receiver)
{
    GK_LEAK_MARK();
    chan_t *out = chan_make(sizeof(int), 0), *quiet = chan_make(sizeof(int), 0);
    go(recv_one, out);
    int v = 31, sink;
    select_case_t cs[] = {select_recv(quiet, &sink), select_send(out, &v)};
    ck_assert_int_eq(chan_select(cs, 2, SELECT_BLOCK), 1);
    GK_ASSERT_NO_LEAKS();
    chan_free(out);
    chan_free(quiet);
}
END_TEST

static void close_it(void *arg)
{
    chan_close(arg);
}

START_TEST(select_sees_a_close_as_a_receive_with_ok_false)
{
    GK_LEAK_MARK();
    chan_t *c = chan_make(sizeof(int), 0), *quiet = chan_make(sizeof(int), 0);
    go(close_it, c);
    int got = -1;
    select_case_t cs[] = {select_recv(quiet, &got), select_recv(c, &got)};
    ck_assert_int_eq(chan_select(cs, 2, SELECT_BLOCK), 1);
    ck_assert(!cs[1].ok);
    ck_assert_int_eq(got, 0);
    GK_ASSERT_NO_LEAKS();
    chan_free(c);
    chan_free(quiet);
}
END_TEST

static void select_send_closed(void *unused)
{
    (void)unused;
    chan_t *c = chan_make(sizeof(int), 1);
    chan_close(c);
    int v = 0;
    select_case_t cs[] = {select_send(c, &v)};
    chan_select(cs, 1, SELECT_NONBLOCK);
}

START_TEST(a_select_send_on_a_closed_channel_panics)
{
    GK_EXPECT_DEATH(select_send_closed, NULL, 2, "panic: send on closed channel");
}
END_TEST

enum { MANY = 40 };
static chan_t *many[MANY];

static void feed_each(void *arg)
{
    (void)arg;
    for (int i = MANY - 1; i >= 0; i--) chan_send(many[i], &i);
}

START_TEST(select_works_over_a_case_array_built_at_run_time)
{
    /* reflect.Select: the number of cases is only known at run time. */
    GK_LEAK_MARK();
    for (int i = 0; i < MANY; i++) many[i] = chan_make(sizeof(int), 0);
    go(feed_each, NULL);
    int vals[MANY];
    bool seen[MANY] = {false};
    select_case_t cs[MANY];
    for (int i = 0; i < MANY; i++) cs[i] = select_recv(many[i], &vals[i]);
    for (int n = 0; n < MANY; n++) {
        int k = chan_select(cs, MANY, SELECT_BLOCK);
        ck_assert(k >= 0 && k < MANY && !seen[k] && vals[k] == k);
        seen[k] = true;
        cs[k].ch = NULL; /* switch the case off, Go's nil-channel trick */
    }
    GK_ASSERT_NO_LEAKS();
    for (int i = 0; i < MANY; i++) chan_free(many[i]);
}
END_TEST

Suite *select_suite(void)
{
    Suite *s = suite_create("select");
    TCase *tc = tcase_create("select");
    tcase_add_test(tc, select_takes_the_ready_case);
    tcase_add_test(tc, select_with_default_returns_default_when_nothing_is_ready);
    tcase_add_test(tc, a_case_on_a_null_channel_is_never_ready);
    tcase_add_test(tc, select_is_fair_between_two_ready_channels);
    tcase_add_test(tc, a_blocked_select_wakes_when_a_case_becomes_ready);
    tcase_add_test(tc, a_select_send_case_hands_its_value_to_a_receiver);
    tcase_add_test(tc, select_sees_a_close_as_a_receive_with_ok_false);
    tcase_add_test(tc, a_select_send_on_a_closed_channel_panics);
    tcase_add_test(tc, select_works_over_a_case_array_built_at_run_time);
    suite_add_tcase(s, tc);
    return s;
}
