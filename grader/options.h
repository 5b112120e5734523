/* The grader's command line. */
#ifndef GRADER_OPTIONS_H
#define GRADER_OPTIONS_H

#include <stdbool.h>

#include "model.h"

typedef struct {
    const char *home;        /* the gokata checkout: runtime/, tests/support/ */
    const char *repo;        /* where the pristine katas, tests and solutions are */
    const char *runtime_lib; /* libgokata.a */
    const char *build_dir;   /* the build cache */
    const char *cc;          /* C compiler for katas and tests */
    const char **katas;      /* --kata words; none: every kata */
    int nkatas;
    bool solutions;           /* grade solutions/ instead of katas/ */
    const char **submissions; /* --submission DIRs */
    int nsubmissions;
    bool pass_enabled[NPASSES];
    int jobs;
    double timeout_scale;
    long max_procs;                                              /* processes + threads per pass */
    long max_memory_mb;                                          /* resident memory per pass */
    long max_output_kb;                                          /* per file a test writes */
    const char *json, *exercism, *junit, *gradescope, *markdown; /* report files */
    double fail_under;                                           /* percent; < 0: not given */
    bool keep;                                                   /* keep the run directory */
} options_t;

/* Parse argv; prints --help or a usage error and exits as needed. */
void options_parse(options_t *o, int argc, char **argv);

#endif
