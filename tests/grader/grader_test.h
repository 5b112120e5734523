/* Shared by the grader's own tests (the C files in tests/grader/). */
#ifndef GRADER_TEST_H
#define GRADER_TEST_H

#include <check.h>
#include <json.h>

#include "model.h"

/* Where things are: set by main() from the command line. */
extern const char *grader_bin; /* the gokata-grade under test */
extern const char *grader_cc;
extern const char *work_dir;    /* scratch space for reports */
extern const char *runtime_lib; /* libgokata.a, as `make` built it */
extern const char *build_dir;   /* the grader's build cache */
extern char *tmp_dir;           /* where the grader under test makes its run directories */

Suite *diagnose_suite(void);
Suite *reports_suite(void);
Suite *fixtures_suite(void);
Suite *modes_suite(void);

/* Run the grader on the fixture repository with these extra arguments
 * (NULL-terminated); its stdout and stderr go to out_path. Returns its exit
 * status. */
int run_grader(const char *out_path, ...);

/* Grade the fixtures once, before the suites run (in main: not once per
 * forked test). */
void fixtures_grade(void);
void modes_grade(void);

/* Text of a file (the test fails if it can't be read). */
char *slurp(const char *path);

/* JSON helpers for the grader's own report (--json). */
json_object *jget(json_object *o, const char *path); /* "katas.0.tests.1.plain.reason" */
const char *jstr(json_object *o, const char *path);
int jint(json_object *o, const char *path);

#define ck_assert_contains(haystack, needle)                                                       \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        ck_assert_msg(h_ &&strstr(h_, n_), "expected \"%s\" in:\n%s", n_, h_ ? h_ : "(null)");     \
    } while (0)

#endif
