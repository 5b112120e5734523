/* Forked children for death tests: see gkcheck.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gkcheck.h"

double gk_timeout_scale(void)
{
    const char *s = getenv("GOKATA_TIMEOUT_SCALE");
    double v = s ? atof(s) : 1.0;
    return v >= 1.0 ? v : 1.0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void gk_run_child(void (*fn)(void *), void *arg, double timeout_s, gk_child_t *out)
{
    memset(out, 0, sizeof *out);
    int fds[2];
    ck_assert_msg(pipe(fds) == 0, "pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        fn(arg);
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    double deadline = now() + timeout_s * gk_timeout_scale();
    bool killed = false;
    for (;;) {
        int ms = (int)((deadline - now()) * 1000);
        if (ms <= 0 && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, ms > 0 ? ms : 100) <= 0) continue;
        char tmp[1024];
        ssize_t n = read(fds[0], tmp, sizeof tmp);
        if (n <= 0) break;
        size_t room = sizeof out->output - 1 - len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(out->output + len, tmp, take);
        len += take;
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    out->output[len] = '\0';
    out->exited = WIFEXITED(st);
    out->status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
}

const char *gk_fmt_duration(go_duration_t d, char buf[32])
{
    if (d % SECOND == 0)
        snprintf(buf, 32, "%lld s", (long long)(d / SECOND));
    else if (d % MILLISECOND == 0)
        snprintf(buf, 32, "%lld ms", (long long)(d / MILLISECOND));
    else
        snprintf(buf, 32, "%.9f s", (double)d / (double)SECOND);
    return buf;
}

void gk_sleep_until(go_duration_t t)
{
    go_duration_t d = t - gk_now();
    if (d > 0) go_sleep(d);
}

long gk_started_since(go_leak_mark_t mark)
{
    return go_leak_mark().first_id - mark.first_id;
}

void gk_fail_with_dump_at(const char *file, int line, go_leak_mark_t mark, const char *fmt, ...)
{
    static char msg[4096], report[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (go_leak_check(mark, report, sizeof report) == 0)
        _ck_assert_failed(file, line, "Failed",
                          "%s\n\nNo goroutine started by the test is alive any more.", msg);
    const char *dump = strstr(report, "\n\n"); /* after the leak check's own heading */
    _ck_assert_failed(file, line, "Failed",
                      "%s\n\nWhere the goroutines are (the test's own are among them):\n\n%s", msg,
                      dump ? dump + 2 : report);
}

static struct {
    chan_t *finished;  /* closed when the watched bubble has ended */
    double cpu_limit;  /* seconds of the process's CPU time */
    double wall_limit; /* seconds of real time */
    const char *if_spinning;
    wg_t wg;
} dog;

static double seconds_of(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Looks every 100 ms. A spinning goroutine burns CPU time at the rate of a
 * core; a correct test in virtual time uses milliseconds of it however
 * loaded the machine is, while its real time grows with the load. */
static void watch(void *arg)
{
    (void)arg;
    double cpu0 = seconds_of(CLOCK_PROCESS_CPUTIME_ID), wall0 = seconds_of(CLOCK_MONOTONIC);
    for (;;) {
        select_case_t cs[] = {select_recv(dog.finished, NULL),
                              select_recv(time_after(100 * MILLISECOND), NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 0) break;
        double cpu = seconds_of(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        double wall = seconds_of(CLOCK_MONOTONIC) - wall0;
        if (cpu > dog.cpu_limit || wall > dog.wall_limit)
            ck_abort_msg("the test has not finished after %.1f s of CPU time (%.1f s of real "
                         "time), though in virtual time it is quick: the virtual clock moves only "
                         "when every goroutine is blocked, so some goroutine never blocks, or one "
                         "keeps waking up and waiting again forever. %s",
                         cpu, wall, dog.if_spinning ? dog.if_spinning : "");
    }
    wg_done(&dog.wg);
}

void gk_synctest_watched(go_func_t body, void *arg, double seconds, const char *if_spinning)
{
    dog.finished = chan_make(0, 0);
    dog.cpu_limit = seconds * gk_timeout_scale();
    dog.wall_limit = (seconds + 4) * gk_timeout_scale();
    dog.if_spinning = if_spinning;
    wg_add(&dog.wg, 1);
    go(watch, NULL);
    go_synctest(body, arg);
    chan_close(dog.finished);
    wg_wait(&dog.wg);
    chan_free(dog.finished);
}
