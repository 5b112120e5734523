/*
 * Running a test program inside bounds: wall time, processes + threads,
 * resident memory, file size. Everything it starts is gone when
 * sandbox_run returns.
 */
#ifndef GRADER_SANDBOX_H
#define GRADER_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    char **argv;          /* argv[0] is searched in PATH */
    char **envp;          /* the whole environment */
    const char *dir;      /* working directory, writable by the test */
    const char *log_path; /* the program's stdout and stderr */
    double wall_limit_s;
    long max_procs;
    long max_memory_kb;
    long max_file_bytes;
    bool no_aslr; /* ThreadSanitizer needs it on high-entropy ASLR kernels */
    int slot;     /* distinct for sandboxes that run at the same time */
} sandbox_spec_t;

enum { SANDBOX_MAX_TRACKED = 4096 }; /* test processes, and the runner's short probes */

typedef enum { STOP_NONE, STOP_TIME, STOP_MEMORY, STOP_INTERRUPTED } stop_t;

typedef struct {
    pid_t pid;
    long peak_threads;
    long peak_rss_kb;
    bool hit_proc_limit; /* the pass had (nearly) max_procs tasks while it lived */
    bool killed_for_memory;
} sandbox_tracked_t;

/* What happened: the supervisor fills it in shared memory, the grader reads it. */
typedef struct {
    bool exited; /* the program exited (else killed by signal `status`) */
    int status;
    stop_t stopped; /* the program was ended because it hit a bound */
    double seconds;
    long proc_limit;   /* the process limit in force (for messages) */
    bool separate_uid; /* the program ran under a uid of its own */
    pid_t pid;         /* the program's */
    /* The program's own children (for a test runner: one process per test),
     * with the peaks of their process trees. */
    int ntracked;
    sandbox_tracked_t tracked[SANDBOX_MAX_TRACKED];
} sandbox_report_t;

/* Run spec's program to its end or its bound; fill *r. Blocks. Call it in a
 * process of its own (a step of the scheduler): it becomes a subreaper. */
void sandbox_run(const sandbox_spec_t *spec, sandbox_report_t *r);

#endif
