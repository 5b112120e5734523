/*
 * Reading one pass's files into a verdict per test: Check's result (from
 * kata_main's results.json), the end marker, the timeout marker, the test's
 * output and Helgrind's log, and what the supervisor saw.
 */
#ifndef GRADER_VERDICT_H
#define GRADER_VERDICT_H

#include "model.h"
#include "sandbox.h"

typedef struct {
    pass_id_t pass;
    const char *dir; /* the pass's directory */
    const sandbox_report_t *sandbox;
    const bool *selected; /* per test: run in this pass */
    double scale;         /* time limits' multiplier in this pass */
    long max_output_kb, max_memory_mb;
} pass_run_t;

/* Fill kr->tests[i].pass[run->pass] for every selected test, and
 * kr->pass[run->pass]. */
void verdict_read_pass(const pass_run_t *run, kata_result_t *kr);

#endif
