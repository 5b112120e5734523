/* The three passes: which build each runs, how much slower it is allowed
 * to be, and the command and environment it runs the tests with. */
#ifndef GRADER_PASS_H
#define GRADER_PASS_H

#include "build.h"
#include "model.h"
#include "options.h"

/* The build a pass runs: plain for the plain run and Helgrind. */
build_id_t pass_build(pass_id_t p);

/* How many times a test's time limit this pass allows (before --timeout-scale). */
double pass_slowdown(pass_id_t p);

/* argv and envp to run the tests selected[] of kata k from binary bin in
 * directory dir; also the wall-clock bound of the whole pass. */
void pass_command(pass_id_t p, const toolchain_t *tc, const kata_t *k, const bool *selected,
                  const char *bin, const char *dir, char ***argv, char ***envp,
                  double *wall_limit_s);

#endif
