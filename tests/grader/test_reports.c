/*
 * Golden tests of every report format, from one fixed model: a kata with a
 * passing test, a wrong answer, a race only the detectors saw and a stub,
 * and a kata that doesn't compile; messages full of characters that each
 * format must escape. GOLDEN_UPDATE=1 rewrites tests/grader/golden/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "grader_test.h"
#include "report.h"
#include "util.h"

static test_spec_t sum_specs[] = {
    {"test_sums_one_to_ten", 1, 3},
    {"test_sums_one_to_a_thousand", 2, 3},
    {"test_sums_in_parallel", 1, 3},
    {"test_sums_nothing_for_zero", 1, 3},
};
static kata_t sum_kata = {.id = "01-sum",
                          .name = "sum",
                          .title = "Sum with goroutines",
                          .tests = sum_specs,
                          .ntests = 4,
                          .max_points = 5};
static test_spec_t chan_specs[] = {{"test_sends", 1, 5}, {"test_closes", 1, 5}};
static kata_t chan_kata = {.id = "02-chan",
                           .name = "chan",
                           .title = "Channels",
                           .tests = chan_specs,
                           .ntests = 2,
                           .max_points = 2};

static const pass_result_t ok = {V_PASS, NULL, NULL};

static submission_t model(report_opts_t *o)
{
    *o = (report_opts_t){.pass_enabled = {true, true, true}};
    static kata_result_t katas[2];
    static test_result_t sum_tests[4], chan_tests[2];
    for (int i = 0; i < 4; i++)
        sum_tests[i] = (test_result_t){.spec = &sum_specs[i]};
    for (int i = 0; i < 2; i++)
        chan_tests[i] = (test_result_t){.spec = &chan_specs[i]};

    for (int p = 0; p < NPASSES; p++)
        sum_tests[0].pass[p] = ok;
    sum_tests[1].pass[PASS_PLAIN] = (pass_result_t){
        V_FAIL, "sum_to(1000): expected 500500, got 499500 (tests/katas/01-sum/test_sum.c:22)",
        NULL};
    sum_tests[1].output = "debug <n> & \"1000\" | `x` ```fence``` bad byte \xff ctl \x01 end\n";
    sum_tests[2].pass[PASS_PLAIN] = ok;
    sum_tests[2].pass[PASS_TSAN] = (pass_result_t){
        V_FAIL,
        "ThreadSanitizer: data race: write by main thread at katas/01-sum/sum.c:23 (sum_to); "
        "previous write by thread T2 at katas/01-sum/sum.c:15 (compute)",
        "ThreadSanitizer: data race\n  Write of size 8 by main thread:\n    sum_to  "
        "katas/01-sum/sum.c:23\n  Previous write of size 8 by thread T2:\n    compute  "
        "katas/01-sum/sum.c:15\n"};
    sum_tests[2].pass[PASS_HELGRIND] = (pass_result_t){
        V_FAIL,
        "Helgrind: Possible data race during write by thread #1 at katas/01-sum/sum.c:23 (sum_to)",
        NULL};
    sum_tests[3].pass[PASS_PLAIN] =
        (pass_result_t){V_FAIL, "not implemented yet: sum_to (katas/01-sum/sum.c:8)", NULL};
    katas[0] = (kata_result_t){.kata = &sum_kata,
                               .tests = sum_tests,
                               .pass = {{true, 4, 2, 0, 1.0, NULL},
                                        {true, 2, 1, 1, 1.0, NULL},
                                        {true, 2, 1, 1, 1.0, NULL}}};
    katas[1] = (kata_result_t){.kata = &chan_kata,
                               .tests = chan_tests,
                               .status = KATA_BUILD_FAILED,
                               .message = "katas/02-chan/chan.c:3:1: error: expected ';' before "
                                          "'}' token\n    3 | }\n      | ^\n"};
    submission_t s = {.name = "alice", .katas = katas, .nkatas = 2};
    for (int k = 0; k < 2; k++) {
        grade_score(&katas[k], o->pass_enabled);
        s.points += katas[k].points;
        s.max_points += katas[k].max_points;
    }
    return s;
}

/* Compare work_dir/name with tests/grader/golden/name (or update it). */
static void golden(const char *name)
{
    char *got_path = xasprintf("%s/%s", work_dir, name);
    char *want_path = xasprintf("tests/grader/golden/%s", name);
    char *got = slurp(got_path);
    if (getenv("GOLDEN_UPDATE")) {
        FILE *f = fopen(want_path, "w");
        ck_assert_msg(f && fputs(got, f) >= 0 && fclose(f) == 0, "cannot write %s", want_path);
        return;
    }
    char *want = slurp(want_path);
    ck_assert_msg(!strcmp(got, want),
                  "%s differs from %s: diff -u %s %s (GOLDEN_UPDATE=1 to accept)", got_path,
                  want_path, want_path, got_path);
}

static void json_parses(const char *name)
{
    char *path = xasprintf("%s/%s", work_dir, name);
    ck_assert_msg(json_object_from_file(path) != NULL, "%s is not valid JSON", path);
}

START_TEST(test_terminal_report_matches_golden)
{
    report_opts_t o;
    submission_t s = model(&o);
    char *path = xasprintf("%s/report.txt", work_dir);
    FILE *f = fopen(path, "w");
    report_terminal(f, &s, 1, &o);
    fclose(f);
    golden("report.txt");
}
END_TEST

START_TEST(test_terminal_report_is_colored_only_when_asked)
{
    report_opts_t o;
    submission_t s = model(&o);
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    report_terminal(f, &s, 1, &o);
    fclose(f);
    ck_assert_msg(!strchr(buf, '\033'), "escape codes without color");
    o.color = true;
    f = open_memstream(&buf, &len);
    report_terminal(f, &s, 1, &o);
    fclose(f);
    ck_assert_contains(buf, "\033[31m");
}
END_TEST

#define FILE_REPORT_TEST(fn, file, is_json)                                                        \
    START_TEST(test_##fn##_report_matches_golden)                                                  \
    {                                                                                              \
        report_opts_t o;                                                                           \
        submission_t s = model(&o);                                                                \
        char *path = xasprintf("%s/%s", work_dir, file);                                           \
        ck_assert(report_##fn(path, &s, &o));                                                      \
        if (is_json) json_parses(file);                                                            \
        if (strstr(file, ".xml")) xml_well_formed(file);                                           \
        golden(file);                                                                              \
    }                                                                                              \
    END_TEST

/* JUnit XML must be well-formed whatever the tests printed (checked with
 * xmllint where it is installed). */
static void xml_well_formed(const char *name)
{
    if (system("command -v xmllint >/dev/null 2>&1") != 0) return;
    char *cmd = xasprintf("xmllint --noout %s/%s", work_dir, name);
    ck_assert_msg(system(cmd) == 0, "%s/%s is not well-formed XML", work_dir, name);
}

FILE_REPORT_TEST(json, "report.json", 1)
FILE_REPORT_TEST(exercism, "exercism.json", 1)
FILE_REPORT_TEST(gradescope, "gradescope.json", 1)
FILE_REPORT_TEST(junit, "junit.xml", 0)
FILE_REPORT_TEST(markdown, "report.md", 0)

START_TEST(test_exercism_output_is_at_most_500_characters)
{
    report_opts_t o;
    submission_t s = model(&o);
    static char big[2000];
    memset(big, 'x', sizeof big - 1);
    s.katas[0].tests[1].output = big;
    char *path = xasprintf("%s/exercism-big.json", work_dir);
    ck_assert(report_exercism(path, &s, &o));
    json_object *r = json_object_from_file(path);
    const char *out = jstr(r, "tests.1.output");
    ck_assert_msg(out && strlen(out) <= 500, "output of %zu characters", out ? strlen(out) : 0);
}
END_TEST

Suite *reports_suite(void)
{
    Suite *s = suite_create("reports");
    TCase *tc = tcase_create("golden");
    tcase_add_test(tc, test_terminal_report_matches_golden);
    tcase_add_test(tc, test_terminal_report_is_colored_only_when_asked);
    tcase_add_test(tc, test_json_report_matches_golden);
    tcase_add_test(tc, test_exercism_report_matches_golden);
    tcase_add_test(tc, test_gradescope_report_matches_golden);
    tcase_add_test(tc, test_junit_report_matches_golden);
    tcase_add_test(tc, test_markdown_report_matches_golden);
    tcase_add_test(tc, test_exercism_output_is_at_most_500_characters);
    suite_add_tcase(s, tc);
    return s;
}
