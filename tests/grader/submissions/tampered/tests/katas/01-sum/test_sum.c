/* Tampered tests: everything passes. The grader must not use this file. */
#include "kata_test.h"

START_TEST(test_sums_one_to_ten) {} END_TEST
START_TEST(test_sums_nothing_for_zero) {} END_TEST
START_TEST(test_sums_one_to_a_thousand) {} END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("sum");
    kata_add_test(s, test_sums_one_to_ten);
    kata_add_test(s, test_sums_nothing_for_zero);
    kata_add_test(s, test_sums_one_to_a_thousand);
    return s;
}
