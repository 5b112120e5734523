/* The processes below a given one, read from /proc: to measure them and to
 * end them all. */
#ifndef GRADER_PROCTREE_H
#define GRADER_PROCTREE_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    pid_t pid, ppid;
    long threads;
    long rss_kb;
} proc_t;

typedef struct {
    proc_t *procs; /* every descendant of root (root itself excluded) */
    int n;
} proctree_t;

/* Read the descendants of root. */
void proctree_read(proctree_t *t, pid_t root);
void proctree_free(proctree_t *t);

/* Is pid in the subtree rooted at top (top included)? */
bool proctree_within(const proctree_t *t, pid_t pid, pid_t top);

/* Threads and resident memory of the subtree rooted at top (top included). */
void proctree_sum(const proctree_t *t, pid_t top, long *threads, long *rss_kb);

/* Stop every descendant of root (so none can fork again), then kill them
 * all; repeat until none is left. root must be the caller, a subreaper: it
 * reaps them, and returns once it has no child left. */
void proctree_kill_all(pid_t root);

/* SIGKILL the subtree rooted at top. */
void proctree_kill_subtree(const proctree_t *t, pid_t top);

#endif
