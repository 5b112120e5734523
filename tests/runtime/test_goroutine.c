/* go(): goroutines start, run concurrently, are counted and named. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gkcheck.h"
#include "suites.h"

static wg_t wg;
static long ids[4];

static void record_id(void *arg)
{
    ids[(long)arg] = go_id();
    wg_done(&wg);
}

START_TEST(each_goroutine_gets_its_own_id_and_main_is_goroutine_1)
{
    GK_LEAK_MARK();
    ck_assert_int_eq(go_id(), 1);
    wg_add(&wg, 4);
    for (long i = 0; i < 4; i++) go(record_id, (void *)i);
    wg_wait(&wg);
    for (int i = 0; i < 4; i++) {
        ck_assert(ids[i] > 1);
        for (int j = 0; j < i; j++) ck_assert(ids[i] != ids[j]);
    }
    GK_ASSERT_NO_LEAKS();
}
END_TEST

static chan_t *hold;

static void park_until_closed(void *arg)
{
    (void)arg;
    chan_recv(hold, NULL);
    wg_done(&wg);
}

START_TEST(numgoroutine_counts_the_live_goroutines)
{
    GK_LEAK_MARK();
    ck_assert_int_eq(go_numgoroutine(), 1);
    hold = chan_make(0, 0);
    wg_add(&wg, 3);
    for (int i = 0; i < 3; i++) go(park_until_closed, NULL);
    ck_assert_int_eq(go_numgoroutine(), 4);
    chan_close(hold);
    wg_wait(&wg);
    GK_ASSERT_NO_LEAKS();
    ck_assert_int_eq(go_numgoroutine(), 1);
}
END_TEST

static void ping(void *arg)
{
    chan_t **pp = arg;
    int v;
    while (chan_recv(pp[0], &v)) {
        v++;
        chan_send(pp[1], &v);
    }
}

START_TEST(goroutines_run_concurrently_ping_pong)
{
    GK_LEAK_MARK();
    chan_t *pp[2] = {chan_make(sizeof(int), 0), chan_make(sizeof(int), 0)};
    go(ping, pp);
    int v = 0;
    for (int i = 0; i < 500; i++) {
        chan_send(pp[0], &v);
        chan_recv(pp[1], &v);
    }
    ck_assert_int_eq(v, 500);
    chan_close(pp[0]);
    GK_ASSERT_NO_LEAKS();
    chan_free(pp[0]);
    chan_free(pp[1]);
}
END_TEST

static void dump_now(void *unused)
{
    (void)unused;
    hold = chan_make(0, 0);
    go(park_until_closed, NULL);
    go_wait_idle();
    go_dump();
}

START_TEST(go_dump_prints_goroutines_in_gos_format)
{
    gk_child_t *c = malloc(sizeof *c);
    gk_run_child(dump_now, NULL, 10, c);
    ck_assert_msg(c->exited && c->status == 0, "dump_now failed: %s", c->output);
    ck_assert_msg(strstr(c->output, "goroutine 1 [running]:\ndump_now(...)\n\t") != NULL, "%s",
                  c->output);
    ck_assert_msg(strstr(c->output, "goroutine 2 [chan receive]:\npark_until_closed(...)\n\t") !=
                      NULL,
                  "%s", c->output);
    ck_assert_msg(strstr(c->output, "created by dump_now in goroutine 1\n\t") != NULL, "%s",
                  c->output);
    free(c);
}
END_TEST

static bool term_blocked;

static void record_mask(void *arg)
{
    sigset_t s;
    pthread_sigmask(SIG_BLOCK, NULL, &s);
    term_blocked = sigismember(&s, SIGTERM);
    wg_done(arg);
}

static void quick(void *arg)
{
    wg_done(arg);
}

START_TEST(a_goroutine_starts_with_its_creators_signal_mask)
{
    /* As a new thread would, even when it runs on a reused one. */
    wg_t w = {0};
    wg_add(&w, 1);
    go(quick, &w); /* leaves a thread to reuse */
    wg_wait(&w);
    sigset_t t;
    sigemptyset(&t);
    sigaddset(&t, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &t, NULL);
    wg_add(&w, 1);
    go(record_mask, &w);
    wg_wait(&w);
    ck_assert_msg(term_blocked, "the goroutine did not inherit SIGTERM blocked from its creator");
    pthread_sigmask(SIG_UNBLOCK, &t, NULL);
}
END_TEST

static void go_null(void *unused)
{
    (void)unused;
    go(NULL, NULL);
}

START_TEST(go_with_a_null_function_panics)
{
    GK_EXPECT_DEATH(go_null, NULL, 2, "panic: runtime error: invalid memory address");
}
END_TEST

Suite *goroutine_suite(void)
{
    Suite *s = suite_create("goroutine");
    TCase *tc = tcase_create("goroutine");
    tcase_add_test(tc, each_goroutine_gets_its_own_id_and_main_is_goroutine_1);
    tcase_add_test(tc, numgoroutine_counts_the_live_goroutines);
    tcase_add_test(tc, goroutines_run_concurrently_ping_pong);
    tcase_add_test(tc, go_dump_prints_goroutines_in_gos_format);
    tcase_add_test(tc, go_with_a_null_function_panics);
    tcase_add_test(tc, a_goroutine_starts_with_its_creators_signal_mask);
    suite_add_tcase(s, tc);
    return s;
}
