/* Unit tests of the log readers (grader/diagnose.c), on real logs kept in
 * tests/grader/logs/. */
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "grader_test.h"
#include "util.h"

START_TEST(test_tsan_report_names_both_accesses_at_the_learners_lines)
{
    diagnosis_t d;
    ck_assert(diagnose_tsan(slurp("tests/grader/logs/tsan_race.txt"), &d));
    ck_assert_contains(d.reason, "ThreadSanitizer: data race");
    ck_assert_contains(d.reason, "write by main thread at katas/01-sum/sum.c:23 (sum_to)");
    ck_assert_contains(d.reason, "previous write by thread");
    ck_assert_contains(d.reason, "at katas/01-sum/sum.c:15 (compute)");
    ck_assert_contains(d.detail, "Location is global 'total'");
}
END_TEST

START_TEST(test_tsan_report_trims_runtime_and_libc_frames)
{
    diagnosis_t d;
    ck_assert(diagnose_tsan(slurp("tests/grader/logs/tsan_race.txt"), &d));
    ck_assert_msg(!strstr(d.detail, "runtime/src"), "runtime frames left in:\n%s", d.detail);
    ck_assert_msg(!strstr(d.detail, "libc"), "libc frames left in:\n%s", d.detail);
    ck_assert_msg(!strstr(d.detail, "0x"), "addresses left in:\n%s", d.detail);
    ck_assert_contains(d.detail, "tests/katas/01-sum/test_sum.c:7");
}
END_TEST

START_TEST(test_tsan_report_on_a_stack_variable_says_whose_stack_only)
{
    diagnosis_t d;
    ck_assert(diagnose_tsan(slurp("tests/grader/logs/tsan_stack_race.txt"), &d));
    ck_assert_contains(d.detail, "Location is stack of main thread.");
    ck_assert_msg(!strstr(d.detail, "<null>"), "TSan's null global line left in:\n%s", d.detail);
    ck_assert_contains(d.reason, "at katas/01-sum/sum.c:3 (inc)");
}
END_TEST

START_TEST(test_a_race_outside_kata_code_still_says_where)
{
    /* A race inside the runtime: no kata frame for one access, so the
     * report falls back to its first meaningful frames, not to nothing. */
    diagnosis_t d;
    ck_assert(diagnose_tsan(slurp("tests/grader/logs/tsan_runtime_race.txt"), &d));
    ck_assert_contains(d.reason, "write by thread T4 at runtime/src/chan.c:56 (chan_free_at)");
    ck_assert_contains(d.reason, "tests/katas/07-context/test_deadlines.c:465");
    ck_assert_msg(!strstr(d.detail, "libsanitizer"), "interceptor frames left in:\n%s", d.detail);
}
END_TEST

START_TEST(test_helgrind_report_names_both_accesses_with_short_paths)
{
    diagnosis_t d;
    ck_assert(diagnose_helgrind(slurp("tests/grader/logs/helgrind_race.txt"), &d));
    ck_assert_contains(d.reason, "Helgrind: Possible data race during write by thread #1");
    ck_assert_contains(d.reason, "at katas/01-sum/sum.c:23 (sum_to)");
    ck_assert_contains(d.reason, "This conflicts with a previous write by thread #3");
    ck_assert_contains(d.reason, "at katas/01-sum/sum.c:15 (compute)");
    ck_assert_msg(!strstr(d.detail, "Thread-Announcement") && !strstr(d.detail, "clone"),
                  "thread announcements left in:\n%s", d.detail);
}
END_TEST

START_TEST(test_helgrind_log_without_errors_is_no_diagnosis)
{
    diagnosis_t d;
    ck_assert(!diagnose_helgrind("==12== Helgrind, a thread error detector\n==12== \n", &d));
}
END_TEST

START_TEST(test_deadlock_reason_is_the_runtime_message_and_detail_the_dump)
{
    diagnosis_t d;
    ck_assert(diagnose_runtime(slurp("tests/grader/logs/deadlock.txt"), &d));
    ck_assert_str_eq(d.reason, "fatal error: all goroutines are asleep - deadlock!");
    ck_assert_contains(d.detail, "goroutine 1 [chan send]:");
    ck_assert_msg(!strstr(d.detail, "fatal error"), "reason repeated in the detail:\n%s", d.detail);
}
END_TEST

START_TEST(test_output_without_a_runtime_message_is_no_diagnosis)
{
    diagnosis_t d;
    ck_assert(!diagnose_runtime("hello\nno panic here: panic: inside a line\n", &d));
}
END_TEST

START_TEST(test_short_paths_start_at_the_kata_directories)
{
    ck_assert_str_eq(short_path("/work/main/tests/katas/01-sum/test_sum.c"),
                     "tests/katas/01-sum/test_sum.c");
    ck_assert_str_eq(short_path("./katas/01-sum/sum.c"), "katas/01-sum/sum.c");
    ck_assert_str_eq(short_path("/tmp/x/src/katas/01-sum/sum.c"), "katas/01-sum/sum.c");
    ck_assert_str_eq(short_path("./runtime/src/chan.c"), "runtime/src/chan.c");
    ck_assert(is_kata_path("katas/03-select/select.c"));
    ck_assert(!is_kata_path("runtime/src/select.c"));
    ck_assert(!is_kata_path("/usr/include/mykatas/x.h"));
}
END_TEST

START_TEST(test_text_cleaning_keeps_reports_valid)
{
    ck_assert_str_eq(utf8_clean("ok \xff\xfe é"), "ok \xEF\xBF\xBD\xEF\xBF\xBD é");
    char *t = truncate_text("éééééééééééééééééééé", 25); /* never cuts a character in half */
    ck_assert_msg(strlen(t) <= 25, "%s", t);
    ck_assert_contains(t, "(truncated)");
    ck_assert_str_eq(utf8_clean(t), t);
    ck_assert_str_eq(head_lines("a\nb\nc\n", 2), "a\nb\n...\n");
}
END_TEST

Suite *diagnose_suite(void)
{
    Suite *s = suite_create("diagnose");
    TCase *tc = tcase_create("logs");
    tcase_add_test(tc, test_tsan_report_names_both_accesses_at_the_learners_lines);
    tcase_add_test(tc, test_tsan_report_trims_runtime_and_libc_frames);
    tcase_add_test(tc, test_tsan_report_on_a_stack_variable_says_whose_stack_only);
    tcase_add_test(tc, test_a_race_outside_kata_code_still_says_where);
    tcase_add_test(tc, test_helgrind_report_names_both_accesses_with_short_paths);
    tcase_add_test(tc, test_helgrind_log_without_errors_is_no_diagnosis);
    tcase_add_test(tc, test_deadlock_reason_is_the_runtime_message_and_detail_the_dump);
    tcase_add_test(tc, test_output_without_a_runtime_message_is_no_diagnosis);
    tcase_add_test(tc, test_short_paths_start_at_the_kata_directories);
    tcase_add_test(tc, test_text_cleaning_keeps_reports_valid);
    suite_add_tcase(s, tc);
    return s;
}
