/*
 * What a kata's Check tests use from the shared test harness
 * (tests/support/kata_main.c, which owns main()).
 *
 *   #include "kata_test.h"
 *
 *   START_TEST(test_sums_every_number) { ck_assert_int_eq(sum_to(10), 55); }
 *   END_TEST
 *
 *   Suite *kata_suite(void)
 *   {
 *       Suite *s = suite_create("sum");
 *       kata_add_test(s, test_sums_every_number);
 *       return s;
 *   }
 *
 * Register every test with kata_add_test, not tcase_add_test: the harness
 * wraps each test so that the grader can tell a test that reached its end
 * from one whose process merely exited with status 0 (Check counts exit(0)
 * inside a test as a pass), give it its own time limit, capture its output,
 * and check that it left no goroutine running. A test added with plain
 * tcase_add_test never reports reaching its end, so the grader fails it.
 *
 * Each test name must also be listed in the kata's kata.json (with its
 * points); see grader/README.md.
 */
#ifndef KATA_TEST_H
#define KATA_TEST_H

#include <check.h>

/* Defined by the kata's test file: the tests, each added with kata_add_test. */
Suite *kata_suite(void);

/* Add test t (the name given to START_TEST) to suite s, in a test case of its
 * own named after it. */
void kata_add_test(Suite *s, const TTest *t);

#endif
