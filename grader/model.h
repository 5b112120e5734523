/*
 * What the grader knows: the katas it grades (from each kata.json) and, for
 * each submission, every test's verdict in every pass. Built by the pipeline,
 * read by the report writers.
 */
#ifndef GRADER_MODEL_H
#define GRADER_MODEL_H

#include <stdbool.h>

/* The three passes, in the order they run. */
typedef enum { PASS_PLAIN, PASS_TSAN, PASS_HELGRIND, NPASSES } pass_id_t;

/* ---- a kata, from tests/katas/NN-name/kata.json ------------------------ */

typedef struct {
    char *name;     /* the START_TEST name, e.g. "test_sums_one_to_ten" */
    int points;     /* default 1 */
    double limit_s; /* time limit in the plain pass (0: the kata's) */
} test_spec_t;

typedef struct {
    char *id;   /* directory name, "01-goroutines" */
    char *name; /* short name, "goroutines": NAME.h, NAME.c, test_NAME.c */
    char *title;
    char **files; /* what a learner edits, relative to katas/ID/ */
    int nfiles;
    double limit_s; /* default per-test time limit, plain pass, seconds */
    test_spec_t *tests;
    int ntests;
    int max_points;
    char *error; /* kata.json could not be used: why (then nothing else is set) */
} kata_t;

/* ---- results ------------------------------------------------------------ */

typedef enum {
    V_NOT_RUN, /* skipped: the build failed, or an earlier pass failed it */
    V_PASS,
    V_FAIL,
} verdict_t;

typedef struct {
    verdict_t verdict;
    char *reason; /* one line, in the learner's terms */
    char *detail; /* more lines: the race's accesses, the goroutine dump, ... */
} pass_result_t;

typedef struct {
    const test_spec_t *spec;
    pass_result_t pass[NPASSES];
    bool passed;  /* every pass that ran it passed */
    int points;   /* spec->points if passed, else 0 */
    char *output; /* the head of what it printed in the plain pass */
} test_result_t;

typedef enum {
    KATA_GRADED,       /* built and ran (whatever the score) */
    KATA_MISSING_FILE, /* the submission lacks a file the learner edits */
    KATA_BUILD_FAILED, /* compile or link error: 0 points */
    KATA_BROKEN,       /* the kata itself (kata.json) is broken */
} kata_status_t;

/* One pass over one kata: how it went as a whole. */
typedef struct {
    bool ran;
    int run, passed; /* tests run in this pass, and passed */
    double started;  /* seconds after grading began */
    double seconds;  /* wall time */
    char *stopped;   /* non-NULL: the pass hit a bound, and which */
} pass_summary_t;

typedef struct {
    const kata_t *kata;
    kata_status_t status;
    char *message;        /* for a status other than KATA_GRADED: what went wrong */
    test_result_t *tests; /* kata->ntests of them */
    pass_summary_t pass[NPASSES];
    int points, max_points, passed;
    double seconds; /* the kata's own steps (builds and passes), added up */
} kata_result_t;

typedef struct {
    char *name; /* "" for the learner's own katas/, else the submission's name */
    char *dir;  /* where the learner's files are read from */
    kata_result_t *katas;
    int nkatas;
    int points, max_points;
} submission_t;

/* Human names of the passes, for reports. */
extern const char *const pass_names[NPASSES];  /* "plain", "tsan", "helgrind" */
extern const char *const pass_titles[NPASSES]; /* "plain run", "ThreadSanitizer", "Helgrind" */

#endif
