/* Leak checks: quiet when goroutines finish, precise when one is stuck. */
#include <string.h>

#include "gkcheck.h"
#include "suites.h"

static void finish(void *arg)
{
    (void)arg;
}

START_TEST(no_leak_is_reported_when_every_goroutine_finishes)
{
    go_leak_mark_t m = go_leak_mark();
    for (int i = 0; i < 10; i++) go(finish, NULL);
    char why[2048];
    ck_assert_msg(go_leak_check(m, why, sizeof why) == 0, "%s", why);
}
END_TEST

static void block_on_forgotten_channel(void *arg)
{
    chan_recv(arg, NULL); /* nobody sends, nobody closes: a leak */
}

START_TEST(a_goroutine_blocked_forever_is_reported_with_state_and_creation_site)
{
    chan_t *forgotten = chan_make(0, 0);
    go(finish, NULL);
    go_leak_mark_t m = go_leak_mark();
    go(block_on_forgotten_channel, forgotten);
    go(finish, NULL);
    char why[2048];
    int n = go_leak_check(m, why, sizeof why);
    ck_assert_msg(n == 1, "expected exactly 1 leaked goroutine, got %d:\n%s", n, why);
    ck_assert_msg(strstr(why, "1 goroutine leaked") != NULL, "report: %s", why);
    ck_assert_msg(strstr(why, "[chan receive]:\nblock_on_forgotten_channel(...)") != NULL,
                  "report: %s", why);
    ck_assert_msg(strstr(why, "created by a_goroutine_blocked_forever_is_reported") != NULL,
                  "report: %s", why);
    ck_assert_msg(strstr(why, "test_leak.c:") != NULL, "report: %s", why);
    chan_close(forgotten); /* let it go, so the test itself leaks nothing */
}
END_TEST

START_TEST(goroutines_started_before_the_mark_are_not_counted)
{
    chan_t *c = chan_make(0, 0);
    go(block_on_forgotten_channel, c);
    go_leak_mark_t m = go_leak_mark();
    ck_assert_int_eq(go_leak_check(m, NULL, 0), 0);
    chan_close(c);
}
END_TEST

Suite *leak_suite(void)
{
    Suite *s = suite_create("leak");
    TCase *tc = tcase_create("leak");
    tcase_add_test(tc, no_leak_is_reported_when_every_goroutine_finishes);
    tcase_add_test(tc, a_goroutine_blocked_forever_is_reported_with_state_and_creation_site);
    tcase_add_test(tc, goroutines_started_before_the_mark_are_not_counted);
    suite_add_tcase(s, tc);
    return s;
}
