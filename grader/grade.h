/*
 * The grading pipeline of one kata of one submission: copy the learner's
 * files, build (plain and TSan at once), run the plain pass, then the TSan
 * and Helgrind passes (at once) on the tests that passed it, then score.
 */
#ifndef GRADER_GRADE_H
#define GRADER_GRADE_H

#include "build.h"
#include "model.h"
#include "options.h"

/* Where a submission's learner files are: FILES_ROOT/ID/FILE. */
typedef struct {
    submission_t *sub;
    const char *files_root; /* katas/ of a checkout, or solutions/ */
} source_t;

/* Queue the grading of every kata of src->sub (kr[i] for katas[i]); work
 * files go under run_dir. on_done is called as each kata is scored. */
void grade_submission(const options_t *opt, const toolchain_t *tc, const source_t *src,
                      const char *run_dir,
                      void (*on_done)(const submission_t *, const kata_result_t *));

/* True if a step of the grader itself failed (not a learner's doing). */
bool grade_internal_error(void);

/* Score a kata from its tests' verdicts (also used by tests of the reports). */
void grade_score(kata_result_t *kr, const bool pass_enabled[NPASSES]);

#endif
