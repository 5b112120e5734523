/* Running a helper program (a compiler) with a time limit and its output
 * captured in a file. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

run_status_t run_program(char *const argv[], const char *cwd, const char *log_path,
                         double timeout_s, long max_file_bytes)
{
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) fatal("cannot write %s", log_path);
    pid_t pid = fork();
    if (pid < 0) fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        sigset_t none; /* the grader blocks SIGCHLD; a compiler must not inherit that */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        struct rlimit fsize = {(rlim_t)max_file_bytes, (rlim_t)max_file_bytes};
        setrlimit(RLIMIT_FSIZE, &fsize);
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        if (cwd && chdir(cwd) != 0) {
            fprintf(stderr, "cannot enter %s: %s\n", cwd, strerror(errno));
            _exit(127);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(log);
    run_status_t rs = {0};
    double deadline = now_s() + timeout_s;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) fatal("waitpid: %s", strerror(errno));
        if (now_s() > deadline && !rs.timed_out) {
            rs.timed_out = true;
            kill(-pid, SIGKILL);
        }
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* anything it left behind */
    rs.exited = WIFEXITED(st) && !rs.timed_out;
    rs.status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
    return rs;
}

char **split_words(const char *s, int *n)
{
    char **words = xcalloc(1, sizeof *words);
    *n = 0;
    char *copy = xstrdup(s);
    for (char *save, *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
        words = xrealloc(words, sizeof *words * (size_t)(*n + 2));
        words[(*n)++] = xstrdup(w);
        words[*n] = NULL;
    }
    free(copy);
    return words;
}
