/*
 * The processes below a given one, read from /proc.
 *
 * The supervisor of a pass is a subreaper (PR_SET_CHILD_SUBREAPER): every
 * process a test starts stays below it, even after its parent dies or it
 * calls setsid(). So "what this pass started" is "the supervisor's
 * descendants", found by following parent links.
 */
#include "proctree.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Parse /proc/PID/stat: the command name may hold spaces and parentheses,
 * so the fields are counted from the last ')'. */
static bool read_stat(pid_t pid, proc_t *p)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    if (!s) return false;
    /* Fields from 3 (state): state ppid pgrp session tty tpgid flags minflt cminflt majflt
     * cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime
     * vsize rss */
    char state;
    int ppid;
    long threads, rss_pages;
    if (sscanf(s + 2,
               "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d "
               "%*u %*u %ld",
               &state, &ppid, &threads, &rss_pages) != 4)
        return false;
    static long page_kb;
    if (!page_kb) page_kb = sysconf(_SC_PAGESIZE) / 1024;
    *p = (proc_t){.pid = pid, .ppid = ppid, .threads = threads, .rss_kb = rss_pages * page_kb};
    (void)state;
    return true;
}

static proc_t *read_all(int *n)
{
    DIR *d = opendir("/proc");
    if (!d) fatal("cannot read /proc");
    proc_t *all = NULL;
    int cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            all = xrealloc(all, sizeof *all * (size_t)cap);
        }
        if (read_stat((pid_t)pid, &all[*n])) (*n)++;
    }
    closedir(d);
    return all;
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = ((const proc_t *)a)->pid, y = ((const proc_t *)b)->pid;
    return (x > y) - (x < y);
}

static int index_of(const proc_t *all, int n, pid_t pid)
{
    proc_t key = {.pid = pid};
    const proc_t *p = bsearch(&key, all, (size_t)n, sizeof *all, by_pid);
    return p ? (int)(p - all) : -1;
}

void proctree_read(proctree_t *t, pid_t root)
{
    int n;
    proc_t *all = read_all(&n);
    if (n) qsort(all, (size_t)n, sizeof *all, by_pid);
    /* below[i]: 0 unknown, 1 a descendant of root, 2 not. Each chain of
     * parents is walked once, then every process on it is marked. */
    char *below = xcalloc((size_t)n + 1, 1);
    int *chain = xcalloc((size_t)n + 1, sizeof *chain);
    for (int i = 0; i < n; i++) {
        int len = 0, j = i;
        char verdict = 2;
        while (j >= 0 && !below[j] && len <= n) {
            chain[len++] = j;
            if (all[j].ppid == root) {
                verdict = 1;
                break;
            }
            j = index_of(all, n, all[j].ppid);
        }
        if (j >= 0 && below[j] && len <= n) verdict = below[j];
        for (int k = 0; k < len; k++)
            below[chain[k]] = verdict;
    }
    t->procs = xcalloc((size_t)n + 1, sizeof *t->procs);
    t->n = 0;
    for (int i = 0; i < n; i++)
        if (below[i] == 1) t->procs[t->n++] = all[i];
    free(chain);
    free(below);
    free(all);
}

void proctree_free(proctree_t *t)
{
    free(t->procs);
    *t = (proctree_t){0};
}

static const proc_t *find(const proctree_t *t, pid_t pid)
{
    int i = index_of(t->procs, t->n, pid); /* procs are in pid order */
    return i >= 0 ? &t->procs[i] : NULL;
}

bool proctree_within(const proctree_t *t, pid_t pid, pid_t top)
{
    for (int hops = 0; hops < t->n + 1; hops++) {
        if (pid == top) return true;
        const proc_t *p = find(t, pid);
        if (!p) return false;
        pid = p->ppid;
    }
    return false;
}

void proctree_sum(const proctree_t *t, pid_t top, long *threads, long *rss_kb)
{
    *threads = *rss_kb = 0;
    for (int i = 0; i < t->n; i++) {
        if (!proctree_within(t, t->procs[i].pid, top)) continue;
        *threads += t->procs[i].threads;
        *rss_kb += t->procs[i].rss_kb;
    }
}

void proctree_kill_subtree(const proctree_t *t, pid_t top)
{
    for (int i = 0; i < t->n; i++)
        if (proctree_within(t, t->procs[i].pid, top)) kill(t->procs[i].pid, SIGKILL);
}

/*
 * Done only when root has no child left at all (waitpid says ECHILD): a
 * process whose parent is dying may not be in the tree we read, but the
 * kernel moves it to root (the subreaper) before its parent can be reaped,
 * so "no children" means "no descendants".
 */
void proctree_kill_all(pid_t root)
{
    for (int round = 0;; round++) {
        proctree_t t;
        /* Freeze first: a stopped process can't fork, so each round the
         * tree can only shrink. */
        for (int i = 0; i < 3; i++) {
            proctree_read(&t, root);
            for (int j = 0; j < t.n; j++)
                kill(t.procs[j].pid, SIGSTOP);
            proctree_free(&t);
        }
        proctree_read(&t, root);
        for (int j = 0; j < t.n; j++)
            kill(t.procs[j].pid, SIGKILL);
        proctree_free(&t);
        pid_t p;
        while ((p = waitpid(-1, NULL, WNOHANG)) > 0) {
        }
        if (p < 0 && errno == ECHILD) return;
        if (round > 100000) fatal("cannot end the processes of a test");
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}
