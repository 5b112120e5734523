/*
 * signal-mask-too-late: a program "handles" SIGTERM, and dies of it anyway.
 *
 *   make example KATA=21 NAME=signal-mask-too-late
 *
 * Both children do what notify_context does: block SIGTERM in the main
 * thread, start a goroutine that waits for it with sigwait, and wait for
 * that goroutine to say "got it". The only difference is the order. The
 * first starts its four workers before it blocks SIGTERM: their threads
 * started with the mask of that moment, SIGTERM unblocked, and a signal
 * sent to a process goes to any one thread that doesn't block it. The
 * kernel picks a worker, where the default action ends the whole process.
 * The second blocks first: every thread started after inherits the mask,
 * and only sigwait can take the signal. You will see:
 *
 *   blocked after starting the workers:  killed by signal 15 (Terminated)
 *   blocked before starting the workers: sigwait got SIGTERM; exited with status 0
 *
 * A signal's disposition (default, ignore, handler) belongs to the process;
 * its mask, to each thread. Go hides this: its runtime catches every signal
 * on every thread and hands it to signal.Notify's channel. In C, block the
 * signals first thing in main, before any thread exists.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gokata.h"

static chan_t *forever; /* the workers wait on it */

static void worker(void *arg)
{
    (void)arg;
    chan_recv(forever, NULL);
}

static void wait_for_term(void *arg)
{
    chan_t *got = arg;
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    int sig;
    sigwait(&term, &sig);
    chan_close(got);
}

static void child(bool block_first)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    forever = chan_make(0, 0);
    if (block_first) pthread_sigmask(SIG_BLOCK, &term, NULL);
    for (int i = 0; i < 4; i++)
        go(worker, NULL);
    if (!block_first) pthread_sigmask(SIG_BLOCK, &term, NULL); /* too late for the workers */
    chan_t *got = chan_make(0, 0);
    go(wait_for_term, got);
    printf("ready\n");
    fflush(stdout);
    chan_recv(got, NULL);
    printf("sigwait got SIGTERM; ");
    exit(0);
}

static void run(const char *name, bool block_first)
{
    int p[2];
    if (pipe(p) != 0) exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        child(block_first);
    }
    close(p[1]);
    char buf[128] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1); /* "ready" */
    (void)n;
    kill(pid, SIGTERM);
    printf("%-37s", name);
    fflush(stdout);
    memset(buf, 0, sizeof buf);
    n = read(p[0], buf, sizeof buf - 1);
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("killed by signal %d (%s)\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        printf("%sexited with status %d\n", n > 0 ? buf : "", WEXITSTATUS(st));
    close(p[0]);
}

int main(void)
{
    run("blocked after starting the workers:", false);
    run("blocked before starting the workers:", true);
    return 0;
}
