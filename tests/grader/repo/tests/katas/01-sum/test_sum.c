/* The fixture kata's tests. */
#include "kata_test.h"
#include "sum.h"

START_TEST(test_sums_one_to_ten)
{
    long got = sum_to(10);
    ck_assert_msg(got == 55, "sum_to(10): expected 55, got %ld", got);
}
END_TEST

START_TEST(test_sums_nothing_for_zero)
{
    long got = sum_to(0);
    ck_assert_msg(got == 0, "sum_to(0): expected 0, got %ld", got);
}
END_TEST

START_TEST(test_sums_one_to_a_thousand)
{
    long got = sum_to(1000);
    ck_assert_msg(got == 500500, "sum_to(1000): expected 500500, got %ld", got);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("sum");
    kata_add_test(s, test_sums_one_to_ten);
    kata_add_test(s, test_sums_nothing_for_zero);
    kata_add_test(s, test_sums_one_to_a_thousand);
    return s;
}
