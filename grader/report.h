/*
 * The reports: a table on the terminal, and on request JSON (the grader's
 * own, complete), Exercism's results.json v2, JUnit XML, Gradescope's
 * results.json and a Markdown summary. Each writer reads the model only.
 */
#ifndef GRADER_REPORT_H
#define GRADER_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

typedef struct {
    bool pass_enabled[NPASSES];
    bool color;
} report_opts_t;

/* Terminal: a table per submission, the score, then why each failing test failed. */
void report_terminal(FILE *f, const submission_t *subs, int n, const report_opts_t *o);
/* One line as a kata finishes (progress when stdout is not a terminal). */
void report_progress_line(FILE *f, const submission_t *s, const kata_result_t *kr);

/* Files, one submission each; false if the file can't be written. */
bool report_json(const char *path, const submission_t *s, const report_opts_t *o);
bool report_exercism(const char *path, const submission_t *s, const report_opts_t *o);
bool report_junit(const char *path, const submission_t *s, const report_opts_t *o);
bool report_gradescope(const char *path, const submission_t *s, const report_opts_t *o);
bool report_markdown(const char *path, const submission_t *s, const report_opts_t *o);

/* ---- shared by the writers ---------------------------------------------- */

/* The pass in which a failing test first failed (-1: it didn't fail in one:
 * its kata did not build, or it passed). */
int report_failed_pass(const test_result_t *t, const report_opts_t *o);

/* Why a test did not score, in one line ("tsan: data race ..."), and with
 * the details (multi-line). NULL if it passed. */
char *report_reason(const kata_result_t *kr, const test_result_t *t, const report_opts_t *o);
char *report_details(const kata_result_t *kr, const test_result_t *t, const report_opts_t *o);

/* A test's name in a report: its own, or "KATA: NAME" when the submission
 * has several katas. */
char *report_test_name(const submission_t *s, const kata_result_t *kr, const test_result_t *t);

/* What one pass's column says for a kata: "ok", "2 failed", "-" ... */
char *report_pass_cell(const kata_result_t *kr, pass_id_t p, const report_opts_t *o);
/* For a kata that didn't run: "does not compile", ... (NULL if it ran). */
const char *report_kata_problem(const kata_result_t *kr);

double report_percent(int points, int max_points);

#endif
