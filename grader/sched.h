/*
 * Running the grader's steps (builds and passes) in parallel: each step is a
 * forked process, at most `jobs` at a time. A step's completion callback
 * runs in the grader's own process and may queue more steps.
 */
#ifndef GRADER_SCHED_H
#define GRADER_SCHED_H

/* Runs in the forked child; its return value is the child's exit status.
 * slot is distinct among steps running at the same time (0 .. jobs-1). */
typedef int (*step_run_fn)(void *arg, int slot);
/* Runs in the grader after the child ended: status is the exit status, or
 * 128 + signal; the step started `started` seconds after sched_init and ran
 * for `seconds`. */
typedef void (*step_done_fn)(void *arg, int status, double started, double seconds);

void sched_init(int jobs);
void sched_add(const char *label, step_run_fn run, step_done_fn done, void *arg);

/* Run until nothing is queued or running. progress (may be NULL) is called
 * a few times a second with the labels of the running steps. On SIGINT or
 * SIGTERM, running steps are told to stop (they clean up) and the grader
 * exits with status 130. */
void sched_run(void (*progress)(const char *const *running, int n));

/* Memory shared with a step's process (for what it reports back). */
void *shared_alloc(unsigned long size);

#endif
