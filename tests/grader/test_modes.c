/*
 * The grader's modes and exit statuses: a learner's stubs in place, the
 * reference solutions, choosing katas, --fail-under, usage errors, its own
 * failures, and not rebuilding what hasn't changed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grader_test.h"
#include "util.h"

static int st_stub, st_solutions, st_solutions_again, st_kata_name, st_kata_unknown, st_help,
    st_no_runtime, st_no_name, st_missing_file, st_plain_only, st_broken;
static int cache_before, cache_after;

static char *w(const char *name)
{
    return xasprintf("%s/%s", work_dir, name);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

void modes_grade(void)
{
    st_stub = run_grader(w("stub.out"), "--json", w("stub.json"), "--fail-under", "50", NULL);
    st_solutions = run_grader(w("solutions.out"), "--solutions", "--fail-under", "100", "--json",
                              w("solutions.json"), NULL);
    /* A build cache of its own: other graders may share build/grader. */
    char *builds = w("cache-test"), *cache = xasprintf("%s/cache", builds);
    remove_tree(builds);
    run_grader(w("solutions1.out"), "--solutions", "--build-dir", builds, NULL);
    cache_before = count_files(cache);
    st_solutions_again =
        run_grader(w("solutions2.out"), "--solutions", "--build-dir", builds, NULL);
    cache_after = count_files(cache);
    st_kata_name = run_grader(w("kata_name.out"), "--kata", "sum", "--passes", "plain", NULL);
    st_kata_unknown = run_grader(w("kata_unknown.out"), "--kata", "7", NULL);
    st_help = run_grader(w("help.out"), "--help", NULL);
    st_no_runtime = run_grader(w("no_runtime.out"), "--runtime", "/nonexistent/libgokata.a", NULL);
    st_no_name =
        run_grader(w("no_name.out"), "--submission", "tests/grader/submissions/good",
                   "--submission", "tests/grader/submissions/race", "--json", w("x.json"), NULL);
    char *empty = w("empty_submission");
    mkdirs(empty, 0755);
    st_missing_file =
        run_grader(w("missing.out"), "--submission", empty, "--json", w("missing.json"), NULL);
    /* A repository whose kata.json and tests disagree, and a kata.json that isn't JSON. */
    st_broken = run_grader(w("broken.out"), "--repo", "tests/grader/repo-broken", "--solutions",
                           "--passes", "plain", "--json", w("broken.json"), NULL);
    st_plain_only = run_grader(w("plain_only.out"), "--submission", "tests/grader/submissions/race",
                               "--passes", "plain", "--json", w("plain_only.json"), NULL);
}

START_TEST(test_a_stub_scores_0_saying_not_implemented_yet)
{
    json_object *r = json_object_from_file(w("stub.json"));
    ck_assert_int_eq(jint(r, "points"), 0);
    ck_assert_contains(jstr(r, "katas.0.tests.0.plain.reason"),
                       "not implemented yet: sum_to: add up 1..n (katas/01-sum/sum.c:8)");
}
END_TEST

START_TEST(test_fail_under_exits_1_when_the_score_is_lower)
{
    ck_assert_int_eq(st_stub, 1);
    ck_assert_contains(slurp(w("stub.out")), "score 0% is under 50%");
}
END_TEST

START_TEST(test_the_solutions_score_100_percent)
{
    ck_assert_msg(st_solutions == 0, "exit status %d:\n%s", st_solutions,
                  slurp(w("solutions.out")));
    json_object *r = json_object_from_file(w("solutions.json"));
    ck_assert_int_eq(jint(r, "points"), 4);
}
END_TEST

START_TEST(test_nothing_unchanged_is_compiled_again)
{
    ck_assert_int_eq(st_solutions_again, 0);
    ck_assert_int_gt(cache_before, 0);
    ck_assert_int_eq(cache_after, cache_before);
}
END_TEST

START_TEST(test_a_kata_is_chosen_by_number_id_or_name)
{
    ck_assert_int_eq(st_kata_name, 0);
    ck_assert_contains(slurp(w("kata_name.out")), "01-sum");
    ck_assert_int_eq(st_kata_unknown, 2);
    ck_assert_contains(slurp(w("kata_unknown.out")), "no kata matches '7'; the katas are: 01-sum");
}
END_TEST

START_TEST(test_help_documents_the_flags)
{
    ck_assert_int_eq(st_help, 0);
    char *h = slurp(w("help.out"));
    const char *flags[] = {"--kata",       "--solutions", "--submission", "--passes",
                           "--jobs",       "--json",      "--exercism",   "--junit",
                           "--gradescope", "--markdown",  "--fail-under", "Exit status"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        ck_assert_contains(h, flags[i]);
}
END_TEST

START_TEST(test_the_graders_own_failure_exits_3)
{
    ck_assert_int_eq(st_no_runtime, 3);
    ck_assert_contains(slurp(w("no_runtime.out")), "/nonexistent/libgokata.a not found");
}
END_TEST

START_TEST(test_several_submissions_need_a_name_in_report_paths)
{
    ck_assert_int_eq(st_no_name, 2);
    ck_assert_contains(slurp(w("no_name.out")), "put {name} in");
}
END_TEST

START_TEST(test_a_submission_without_the_learner_file_scores_0)
{
    ck_assert_int_eq(st_missing_file, 0);
    json_object *r = json_object_from_file(w("missing.json"));
    ck_assert_int_eq(jint(r, "points"), 0);
    ck_assert_str_eq(jstr(r, "katas.0.status"), "missing file");
    ck_assert_contains(jstr(r, "katas.0.message"),
                       "katas/01-sum/sum.c is missing from the submission");
}
END_TEST

START_TEST(test_without_the_detectors_the_race_would_have_scored)
{
    /* Why the detector passes exist: the plain run alone gives the racy code full marks. */
    ck_assert_int_eq(st_plain_only, 0);
    json_object *r = json_object_from_file(w("plain_only.json"));
    ck_assert_int_eq(jint(r, "points"), 4);
}
END_TEST

START_TEST(test_a_test_the_grader_cannot_account_for_fails)
{
    json_object *r = json_object_from_file(w("broken.json"));
    ck_assert_str_eq(jstr(r, "katas.0.tests.0.plain.verdict"), "pass");
    /* added with tcase_add_test: no end marker, so no trust */
    ck_assert_contains(jstr(r, "katas.0.tests.1.plain.reason"),
                       "does not add it with kata_add_test");
    /* listed in kata.json, absent from the tests */
    ck_assert_contains(jstr(r, "katas.0.tests.2.plain.reason"), "no such test");
    ck_assert_int_eq(jint(r, "katas.0.points"), 1);
    ck_assert_int_eq(jint(r, "katas.0.max_points"), 3);
}
END_TEST

START_TEST(test_a_broken_kata_json_is_the_graders_failure_and_says_why)
{
    ck_assert_int_eq(st_broken, 3);
    json_object *r = json_object_from_file(w("broken.json"));
    ck_assert_str_eq(jstr(r, "katas.1.status"), "kata broken");
    ck_assert_contains(jstr(r, "katas.1.message"), "02-bad/kata.json: the JSON ends too early");
}
END_TEST

Suite *modes_suite(void)
{
    Suite *s = suite_create("modes");
    TCase *tc = tcase_create("modes");
    tcase_add_test(tc, test_a_stub_scores_0_saying_not_implemented_yet);
    tcase_add_test(tc, test_fail_under_exits_1_when_the_score_is_lower);
    tcase_add_test(tc, test_the_solutions_score_100_percent);
    tcase_add_test(tc, test_nothing_unchanged_is_compiled_again);
    tcase_add_test(tc, test_a_kata_is_chosen_by_number_id_or_name);
    tcase_add_test(tc, test_help_documents_the_flags);
    tcase_add_test(tc, test_the_graders_own_failure_exits_3);
    tcase_add_test(tc, test_several_submissions_need_a_name_in_report_paths);
    tcase_add_test(tc, test_a_submission_without_the_learner_file_scores_0);
    tcase_add_test(tc, test_without_the_detectors_the_race_would_have_scored);
    tcase_add_test(tc, test_a_test_the_grader_cannot_account_for_fails);
    tcase_add_test(tc, test_a_broken_kata_json_is_the_graders_failure_and_says_why);
    suite_add_tcase(s, tc);
    return s;
}
