/*
 * SIGQUIT (Ctrl-\) prints every goroutine and exits with status 2, as a Go
 * program does: on a hung kata it shows where each goroutine is stuck. The
 * grader sends it to a test that runs out of time.
 *
 * Two receivers, for two moments:
 *  - before the first go(), a handler that calls only write(2) and _exit(2)
 *    (ThreadSanitizer reports anything else in a handler);
 *  - from the first go() on, a thread that waits for the signal with
 *    sigwait, SIGQUIT being blocked in the thread that called go() and so
 *    in every goroutine it starts. ThreadSanitizer defers a handler until
 *    the thread next enters an intercepted call, which a goroutine parked in
 *    a futex never does; sigwait needs no handler at all.
 * Both are set up on the runtime's first use, not at load time, and only if
 * the program has no SIGQUIT handler of its own.
 */
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "runtime.h"

static _Noreturn void quit(void)
{
    char buf[1024];
    dumpbuf_t b = {.buf = buf, .cap = sizeof buf, .fd = STDERR_FILENO};
    db_str(&b, "SIGQUIT: quit\n\n");
    dump_all(&b, NULL, false);
    db_flush(&b);
    gk_exit(2);
}

static void on_sigquit(int sig)
{
    (void)sig;
    quit();
}

static bool ours(void)
{
    struct sigaction old;
    return sigaction(SIGQUIT, NULL, &old) == 0 &&
           (old.sa_handler == SIG_DFL || old.sa_handler == on_sigquit);
}

void signal_init(void)
{
    if (!ours()) return;
    struct sigaction sa; /* not = {...}: that may compile to a memcpy call (copy.c) */
    sa.sa_handler = on_sigquit;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGQUIT, &sa, NULL);
}

static void *sigquit_waiter(void *unused)
{
    (void)unused;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGQUIT);
    int sig;
    while (sigwait(&set, &sig) != 0 || sig != SIGQUIT) {
    }
    quit();
}

void signal_start_waiter(void)
{
    if (!ours()) return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, sigquit_waiter, NULL) != 0) {
        /* No waiter: let the handler take the signal again. */
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    }
    pthread_attr_destroy(&attr);
}
