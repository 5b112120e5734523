/*
 * Turning what a failing test printed into the learner's terms: the race's
 * two accesses at the learner's file:line (runtime and libc frames trimmed),
 * the panic or fatal error with its goroutine dump.
 */
#ifndef GRADER_DIAGNOSE_H
#define GRADER_DIAGNOSE_H

#include <stdbool.h>

typedef struct {
    char *reason; /* one line */
    char *detail; /* the trimmed report */
} diagnosis_t;

/* A ThreadSanitizer report in a test's output. false: none found. */
bool diagnose_tsan(const char *output, diagnosis_t *d);

/* Helgrind's log of one test process. false: no error in it. */
bool diagnose_helgrind(const char *log, diagnosis_t *d);

/* The runtime's "panic: ..." or "fatal error: ..." and the dump after it.
 * false: neither is there. */
bool diagnose_runtime(const char *output, diagnosis_t *d);

/* A source path as the learner knows it: "./katas/x/y.c" -> "katas/x/y.c". */
const char *short_path(const char *path);

/* Is this a frame worth showing: kata or test code, not the runtime's or libc's? */
bool is_kata_path(const char *path);

#endif
