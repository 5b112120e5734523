/* One test added the harness's way, one with plain Check (so the grader
 * can't trust it), and kata.json lists a third that doesn't exist. */
#include "echo.h"
#include "kata_test.h"

START_TEST(test_echoes)
{
    ck_assert_int_eq(echo(7), 7);
}
END_TEST

START_TEST(test_added_with_plain_check)
{
    ck_assert_int_eq(echo(8), 8);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("echo");
    kata_add_test(s, test_echoes);
    TCase *tc = tcase_create("plain");
    tcase_add_test(tc, test_added_with_plain_check);
    suite_add_tcase(s, tc);
    return s;
}
