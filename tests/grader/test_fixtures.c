/*
 * End to end: the grader over the fixture submissions in
 * tests/grader/submissions, each proving one promise (see its sum.c), graded
 * against the fixture kata in tests/grader/repo (3 tests, 4 points, 3 s per
 * test). Every submission is graded in one run, in parallel, as an
 * instructor would; each test below reads that submission's --json report.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grader_test.h"
#include "util.h"

static int status; /* the grader's exit status */

void fixtures_grade(void)
{
    char *out = xasprintf("%s/fixtures.out", work_dir);
    char *json = xasprintf("%s/fixtures/{name}.json", work_dir);
    char *junit = xasprintf("%s/fixtures/{name}.xml", work_dir);
    char *exercism = xasprintf("%s/fixtures/{name}.exercism.json", work_dir);
    char *gradescope = xasprintf("%s/fixtures/{name}.gradescope.json", work_dir);
    char *md = xasprintf("%s/fixtures/{name}.md", work_dir);
    char *dir = xasprintf("%s/fixtures", work_dir);
    mkdirs(dir, 0755);
    status = run_grader(out, "--submissions", "tests/grader/submissions", "-j", "2", "--max-procs",
                        "128", "--max-memory", "256", "--json", json, "--junit", junit,
                        "--exercism", exercism, "--gradescope", gradescope, "--markdown", md, NULL);
}

static json_object *report(const char *name)
{
    char *path = xasprintf("%s/fixtures/%s.json", work_dir, name);
    json_object *r = json_object_from_file(path);
    ck_assert_msg(r != NULL, "no report %s (grader exit status %d; see %s/fixtures.out)", path,
                  status, work_dir);
    return r;
}

/* A test's reason in a pass: katas.0.tests.I.PASS.reason */
static const char *reason(json_object *r, int test, const char *pass)
{
    char *path = xasprintf("katas.0.tests.%d.%s.reason", test, pass);
    const char *s = jstr(r, path);
    free(path);
    return s ? s : "";
}

static const char *verdict(json_object *r, int test, const char *pass)
{
    char *path = xasprintf("katas.0.tests.%d.%s.verdict", test, pass);
    const char *s = jstr(r, path);
    free(path);
    return s ? s : "";
}

static const char *detail(json_object *r, int test, const char *pass)
{
    char *path = xasprintf("katas.0.tests.%d.%s.detail", test, pass);
    const char *s = jstr(r, path);
    free(path);
    return s ? s : "";
}

/* Every test failed in the plain run, for the reason given. */
static void all_fail_plain(json_object *r, const char *why)
{
    ck_assert_int_eq(jint(r, "points"), 0);
    for (int t = 0; t < 3; t++) {
        ck_assert_str_eq(verdict(r, t, "plain"), "fail");
        ck_assert_contains(reason(r, t, "plain"), why);
        ck_assert_str_eq(verdict(r, t, "tsan"), "not run"); /* no points left to win */
    }
}

START_TEST(test_grading_many_submissions_exits_0_whatever_the_scores)
{
    ck_assert_msg(status == 0, "exit status %d; see %s/fixtures.out", status, work_dir);
}
END_TEST

START_TEST(test_correct_code_gets_full_marks_in_every_pass)
{
    json_object *r = report("good");
    ck_assert_int_eq(jint(r, "points"), 4);
    ck_assert_int_eq(jint(r, "max_points"), 4);
    for (int t = 0; t < 3; t++)
        for (const char *const *p = (const char *const[]){"plain", "tsan", "helgrind", NULL}; *p;
             p++)
            ck_assert_str_eq(verdict(r, t, *p), "pass");
}
END_TEST

START_TEST(test_a_compile_error_scores_0_with_the_compilers_message)
{
    json_object *r = report("compile_error");
    ck_assert_int_eq(jint(r, "points"), 0);
    ck_assert_int_eq(jint(r, "max_points"), 4);
    ck_assert_str_eq(jstr(r, "katas.0.status"), "build failed");
    /* gcc and clang name different lines for the missing semicolon */
    ck_assert_contains(jstr(r, "katas.0.message"), "katas/01-sum/sum.c:");
    ck_assert_contains(jstr(r, "katas.0.message"), ": error: expected");
}
END_TEST

START_TEST(test_a_wrong_answer_fails_with_the_assertion_message)
{
    json_object *r = report("wrong_answer");
    ck_assert_int_eq(jint(r, "points"), 1); /* sum_to(0) is right */
    ck_assert_contains(reason(r, 0, "plain"), "sum_to(10): expected 55, got 45");
    ck_assert_contains(reason(r, 0, "plain"), "tests/katas/01-sum/test_sum.c:8");
    ck_assert_str_eq(verdict(r, 1, "plain"), "pass");
    ck_assert_str_eq(verdict(r, 1, "tsan"), "pass");
}
END_TEST

START_TEST(test_a_race_only_the_detectors_see_scores_0_naming_both_accesses)
{
    json_object *r = report("race");
    ck_assert_int_eq(jint(r, "points"), 0);
    for (int t = 0; t < 3; t++) {
        ck_assert_str_eq(verdict(r, t, "plain"), "pass");
        ck_assert_str_eq(verdict(r, t, "tsan"), "fail");
        ck_assert_contains(reason(r, t, "tsan"), "data race");
        ck_assert_contains(reason(r, t, "tsan"), "katas/01-sum/sum.c:27 (sum_to)");
        ck_assert_contains(reason(r, t, "tsan"), "katas/01-sum/sum.c:15 (compute)");
        ck_assert_str_eq(verdict(r, t, "helgrind"), "fail");
        ck_assert_contains(reason(r, t, "helgrind"), "data race");
        ck_assert_contains(reason(r, t, "helgrind"), "katas/01-sum/sum.c:");
    }
}
END_TEST

START_TEST(test_a_deadlock_fails_with_the_goroutine_dump)
{
    json_object *r = report("deadlock");
    all_fail_plain(r, "fatal error: all goroutines are asleep - deadlock!");
    ck_assert_contains(detail(r, 0, "plain"), "[chan send]");
    ck_assert_contains(detail(r, 0, "plain"), "katas/01-sum/sum.c:9");
}
END_TEST

START_TEST(test_a_leaked_goroutine_fails_with_its_state_and_creation_site)
{
    json_object *r = report("leak");
    all_fail_plain(r, "goroutine leak: 1 goroutine leaked");
    ck_assert_contains(detail(r, 0, "plain"), "[chan receive]");
    ck_assert_contains(detail(r, 0, "plain"), "created by sum_to");
    ck_assert_contains(detail(r, 0, "plain"), "katas/01-sum/sum.c:15");
}
END_TEST

/* Their dump (8 KiB, cut) is over Check's default 4 KiB message limit. */
START_TEST(test_many_leaked_goroutines_fail_with_their_dump)
{
    json_object *r = report("leak_many");
    all_fail_plain(r, "goroutine leak: 60 goroutines leaked");
    ck_assert_contains(detail(r, 0, "plain"), "[chan receive]");
    ck_assert_contains(detail(r, 0, "plain"), "created by sum_to");
}
END_TEST

START_TEST(test_exit_0_from_kata_code_is_not_a_pass)
{
    all_fail_plain(report("exit0"), "did not reach the end of the test");
}
END_TEST

START_TEST(test_a_printed_check_summary_changes_nothing)
{
    json_object *r = report("fake_summary");
    all_fail_plain(r, "got -1");
    ck_assert_contains(jstr(r, "katas.0.tests.0.output"), "100%: Checks: 3, Failures: 0");
}
END_TEST

START_TEST(test_tests_and_headers_in_a_submission_are_ignored)
{
    json_object *r = report("tampered");
    ck_assert_int_eq(jint(r, "points"), 1); /* its own tests and header would give 4 */
    ck_assert_str_eq(verdict(r, 0, "plain"), "pass");
    ck_assert_contains(reason(r, 1, "plain"), "sum_to(0): expected 0, got 55");
}
END_TEST

START_TEST(test_an_infinite_loop_times_out_with_a_dump_and_grading_goes_on)
{
    json_object *r = report("infinite_loop");
    all_fail_plain(r, "timed out after 3 s");
    ck_assert_contains(detail(r, 0, "plain"), "goroutine 1");
}
END_TEST

START_TEST(test_sleeping_for_an_hour_times_out)
{
    all_fail_plain(report("sleeper"), "timed out after 3 s");
}
END_TEST

START_TEST(test_a_fork_bomb_is_contained_and_named)
{
    json_object *r = report("fork_bomb");
    all_fail_plain(r, "timed out after 3 s");
    /* On a loaded machine a bomb may not fill its 128 slots within one
     * test's 3 s; over three tests, it does. */
    const char *limit = "reached the limit of 128 processes and threads";
    ck_assert_msg(strstr(reason(r, 0, "plain"), limit) || strstr(reason(r, 1, "plain"), limit) ||
                      strstr(reason(r, 2, "plain"), limit),
                  "no test named the process limit: %s", reason(r, 0, "plain"));
}
END_TEST

START_TEST(test_an_output_flood_is_cut_keeping_its_head)
{
    json_object *r = report("output_flood");
    all_fail_plain(r, "output limit: the test wrote more than 1024 KiB");
    ck_assert_contains(detail(r, 0, "plain"), "flood line 0:");
}
END_TEST

START_TEST(test_a_memory_hog_is_stopped_and_named)
{
    all_fail_plain(report("memory_hog"), "memory limit: the test used more than 256 MB");
}
END_TEST

START_TEST(test_no_process_of_a_test_survives_the_grader)
{
    /* Test programs run from the grader's run directories: none may be left. */
    char *mine = xasprintf("%s/gokata-grade.", tmp_dir);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while ((e = readdir(d))) {
        char *path = xasprintf("/proc/%s/cmdline", e->d_name);
        char *cmd = read_head(path, 4096, NULL);
        ck_assert_msg(!cmd || !strstr(cmd, mine), "process %s survived: %s", e->d_name, cmd);
        free(cmd);
        free(path);
    }
    closedir(d);
}
END_TEST

START_TEST(test_submissions_are_graded_in_parallel)
{
    /* With -j 2, at some moment two passes ran at once. */
    enum { MAX = 64 };
    double start[MAX], end[MAX];
    int n = 0;
    DIR *d = opendir("tests/grader/submissions");
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        json_object *passes = jget(report(e->d_name), "katas.0.passes");
        json_object_object_foreach(passes, name, p)
        {
            (void)name;
            double s = json_object_get_double(jget(p, "started"));
            double len = json_object_get_double(jget(p, "seconds"));
            if (len > 0.2 && n < MAX) start[n] = s, end[n++] = s + len;
        }
    }
    closedir(d);
    /* The report gives "started" and "seconds" truncated to 0.1 s, so a
     * pass that began just as another ended can seem to overlap it by up to
     * 0.2 s: an overlap that short is rounding, not a third pass running. */
    const double SLACK = 0.2;
    int most = 0;
    for (int i = 0; i < n; i++) {
        int at_once = 0; /* passes running when pass i started */
        for (int j = 0; j < n; j++)
            at_once += start[j] <= start[i] && start[i] < end[j] - (i == j ? 0 : SLACK);
        if (at_once > most) most = at_once;
    }
    ck_assert_msg(most >= 2, "no two passes overlapped (%d passes)", n);
    ck_assert_msg(most <= 2, "%d passes ran at once with -j 2", most);
}
END_TEST

START_TEST(test_every_report_of_a_real_run_is_well_formed)
{
    const char *files[] = {"race.exercism.json", "race.gradescope.json",
                           "compile_error.exercism.json"};
    for (int i = 0; i < 3; i++) {
        char *path = xasprintf("%s/fixtures/%s", work_dir, files[i]);
        ck_assert_msg(json_object_from_file(path) != NULL, "%s is not valid JSON", path);
    }
    json_object *ex =
        json_object_from_file(xasprintf("%s/fixtures/compile_error.exercism.json", work_dir));
    ck_assert_str_eq(jstr(ex, "status"), "error");
    ck_assert_int_eq(jint(ex, "version"), 2);
    json_object *gs =
        json_object_from_file(xasprintf("%s/fixtures/wrong_answer.gradescope.json", work_dir));
    ck_assert_int_eq(jint(gs, "score"), 1);
    ck_assert_int_eq(jint(gs, "max_score"), 4);
    char *xml = slurp(xasprintf("%s/fixtures/race.xml", work_dir));
    ck_assert_contains(xml, "failures=\"3\"");
    ck_assert_contains(xml, "type=\"tsan\"");
    char *md = slurp(xasprintf("%s/fixtures/good.md", work_dir));
    ck_assert_contains(md, "4/4 points (100%)");
}
END_TEST

Suite *fixtures_suite(void)
{
    Suite *s = suite_create("fixtures");
    TCase *tc = tcase_create("submissions");
    tcase_add_test(tc, test_grading_many_submissions_exits_0_whatever_the_scores);
    tcase_add_test(tc, test_correct_code_gets_full_marks_in_every_pass);
    tcase_add_test(tc, test_a_compile_error_scores_0_with_the_compilers_message);
    tcase_add_test(tc, test_a_wrong_answer_fails_with_the_assertion_message);
    tcase_add_test(tc, test_a_race_only_the_detectors_see_scores_0_naming_both_accesses);
    tcase_add_test(tc, test_a_deadlock_fails_with_the_goroutine_dump);
    tcase_add_test(tc, test_a_leaked_goroutine_fails_with_its_state_and_creation_site);
    tcase_add_test(tc, test_many_leaked_goroutines_fail_with_their_dump);
    tcase_add_test(tc, test_exit_0_from_kata_code_is_not_a_pass);
    tcase_add_test(tc, test_a_printed_check_summary_changes_nothing);
    tcase_add_test(tc, test_tests_and_headers_in_a_submission_are_ignored);
    tcase_add_test(tc, test_an_infinite_loop_times_out_with_a_dump_and_grading_goes_on);
    tcase_add_test(tc, test_sleeping_for_an_hour_times_out);
    tcase_add_test(tc, test_a_fork_bomb_is_contained_and_named);
    tcase_add_test(tc, test_an_output_flood_is_cut_keeping_its_head);
    tcase_add_test(tc, test_a_memory_hog_is_stopped_and_named);
    tcase_add_test(tc, test_no_process_of_a_test_survives_the_grader);
    tcase_add_test(tc, test_submissions_are_graded_in_parallel);
    tcase_add_test(tc, test_every_report_of_a_real_run_is_well_formed);
    suite_add_tcase(s, tc);
    return s;
}
