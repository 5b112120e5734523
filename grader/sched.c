/*
 * Running the grader's steps in parallel.
 *
 * Why processes, not threads: a step is either a build (it runs compilers)
 * or a pass (its process becomes the supervisor of the test program, a
 * subreaper that owns everything the test starts). Both need a process of
 * their own; the grader's own process only schedules and reads results, so
 * it stays single-threaded and simple.
 */
#include "sched.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

typedef struct {
    char *label;
    step_run_fn run;
    step_done_fn done;
    void *arg;
    pid_t pid;
    int slot;
    double started; /* now_s() when it started */
} step_t;

static step_t *queue; /* FIFO of waiting steps */
static int nqueue, capqueue;
static step_t *running;
static int jobs;
static volatile sig_atomic_t stop_signal;
static double epoch; /* now_s() at sched_init */

static void on_stop(int sig)
{
    stop_signal = sig;
}

void sched_init(int n)
{
    jobs = n > 0 ? n : 1;
    epoch = now_s();
    running = xcalloc((size_t)jobs, sizeof *running);
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* SIGCHLD is waited for with sigtimedwait, so it stays blocked here
     * (steps unblock it again). */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
}

void sched_add(const char *label, step_run_fn run, step_done_fn done, void *arg)
{
    if (nqueue == capqueue) {
        capqueue = capqueue ? capqueue * 2 : 16;
        queue = xrealloc(queue, sizeof *queue * (size_t)capqueue);
    }
    queue[nqueue++] = (step_t){.label = xstrdup(label), .run = run, .done = done, .arg = arg};
}

void *shared_alloc(unsigned long size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fatal("mmap: %s", strerror(errno));
    return p;
}

static void start(step_t *s, int slot)
{
    s->slot = slot;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        /* If the grader dies, its steps stop too (a pass then kills its test). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (getppid() != parent) _exit(1); /* the grader died before the line above */
        _exit(s->run(s->arg, slot));
    }
    s->pid = pid;
    s->started = now_s();
}

static int nrunning(void)
{
    int n = 0;
    for (int i = 0; i < jobs; i++)
        n += running[i].pid != 0;
    return n;
}

static void fill_slots(void)
{
    for (int i = 0; i < jobs && nqueue > 0; i++) {
        if (running[i].pid) continue;
        running[i] = queue[0];
        memmove(queue, queue + 1, sizeof *queue * (size_t)--nqueue);
        start(&running[i], i);
    }
}

/* Collect every step that has ended; run its completion callback. */
static void reap(void)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int i = 0; i < jobs; i++) {
            if (running[i].pid != pid) continue;
            step_t s = running[i];
            running[i] = (step_t){0};
            s.done(s.arg, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), s.started - epoch,
                   now_s() - s.started);
            free(s.label);
        }
    }
}

static void stop_all(void)
{
    for (int i = 0; i < jobs; i++)
        if (running[i].pid) kill(running[i].pid, SIGTERM);
    for (int i = 0; i < jobs; i++)
        if (running[i].pid) waitpid(running[i].pid, NULL, 0);
    exit(130); /* atexit handlers clean up (the run directory) */
}

void sched_run(void (*progress)(const char *const *running, int n))
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    const char **labels = xcalloc((size_t)jobs, sizeof *labels);
    for (;;) {
        if (stop_signal) stop_all();
        fill_slots();
        if (nrunning() == 0 && nqueue == 0) break;
        if (progress) {
            int n = 0;
            for (int i = 0; i < jobs; i++)
                if (running[i].pid) labels[n++] = running[i].label;
            progress(labels, n);
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        sigtimedwait(&chld, NULL, &ts);
        reap();
    }
    free(labels);
}
