/* Running a helper program (a compiler) with a time limit and its output
 * captured in a file. */
#ifndef GRADER_RUN_H
#define GRADER_RUN_H

#include <stdbool.h>

typedef struct {
    bool exited; /* false: killed by a signal (or by the time limit) */
    int status;  /* exit status, or signal number */
    bool timed_out;
} run_status_t;

/* Run argv[0] (found in PATH) in directory cwd, its stdout and stderr
 * appended to log_path (each file it writes capped at max_file_bytes),
 * killed with its process group after timeout_s seconds. */
run_status_t run_program(char *const argv[], const char *cwd, const char *log_path,
                         double timeout_s, long max_file_bytes);

/* Split a string of shell-like words (no quoting) into a NULL-terminated array. */
char **split_words(const char *s, int *n);

#endif
