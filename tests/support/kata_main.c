/*
 * main() of every kata test binary: runs the kata's Check suite so that its
 * results can be trusted.
 *
 * Check alone can't be: it counts a test whose process calls exit(0) as
 * passed, and its summary is text on stdout that kata code can print too.
 * So each test registered with kata_add_test runs inside a wrapper that,
 * in the test's own (forked) process:
 *   - sends the test's stdout and stderr to a file of its own;
 *   - arms a time limit that, when reached, records it and sends SIGQUIT,
 *     so that the runtime prints where every goroutine is stuck;
 *   - after the test body returns, checks that no goroutine it started is
 *     still alive (failing the test with their dump), and only then
 *     writes the test's end marker.
 * A test whose process ends any other way (exit, _exit, abort, a signal,
 * pthread_exit from the last thread) has no end marker, and the grader
 * fails it whatever Check says. Check's verdicts themselves are taken from
 * srunner_results() in this process, which runs only test-harness code, and
 * written as JSON to a file the grader chose.
 *
 * Usage:
 *   test_NAME                      run every test, print Check's summary
 *   test_NAME --list               print the names of the tests
 *   test_NAME --out DIR [--timeout S] [--scale X] [--test NAME[=S]]...
 *                                  the grader's mode: run the named tests
 *                                  (all when none is named), each limited to
 *                                  S seconds (default 10) times X, and write
 *                                  DIR/results.json and DIR/NAME.{out,pid,end,timeout}
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gokata/testing.h"
#include "kata_test.h"
#include "kata_todo.h"

enum { MAX_TESTS = 256, LEAK_REPORT_MAX = 8192 };

typedef struct {
    const TTest *body; /* the test as written: its name and function */
    TTest wrapped;     /* what Check runs: run_wrapped, same name and site */
    TCase *tc;         /* the test's own test case */
    double limit_s;    /* time limit before scaling; 0: the default */
    bool selected;     /* run in this invocation */
} test_t;

static test_t tests[MAX_TESTS];
static int ntests;

static const char *out_dir; /* grader mode when set */
static double default_limit_s = 10;
static double scale = 1;

/* Set in the test's own process, for the SIGALRM handler. */
static char timeout_path[4096];

static void die(const char *what)
{
    fprintf(stderr, "kata_main: %s\n", what);
    exit(3);
}

static void test_path(char *buf, size_t len, const char *name, const char *ext)
{
    if ((size_t)snprintf(buf, len, "%s/%s.%s", out_dir, name, ext) >= len)
        die("output directory path too long");
}

/* Create (or empty) a file; return its descriptor or -1. */
static int create_file(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void touch(const char *name, const char *ext)
{
    char path[4096];
    test_path(path, sizeof path, name, ext);
    int fd = create_file(path);
    if (fd >= 0) close(fd);
}

/*
 * The time limit fired. Only async-signal-safe calls: record the timeout
 * for the grader, then ask for the goroutine dump. The runtime's SIGQUIT
 * handler prints it and exits with status 2; if the runtime has none,
 * SIGQUIT's default action ends the process. Either way Check's own, longer
 * timeout stays as the backstop.
 */
static void on_time_limit(int sig)
{
    (void)sig;
    int fd = open(timeout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
    kill(getpid(), SIGQUIT);
}

static void arm_time_limit(const test_t *t)
{
    test_path(timeout_path, sizeof timeout_path, t->body->name, "timeout");
    struct sigaction sa = {.sa_handler = on_time_limit};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    double s = t->limit_s * scale;
    struct itimerval it = {
        .it_value = {.tv_sec = (time_t)s, .tv_usec = (suseconds_t)((s - (time_t)s) * 1e6)}};
    setitimer(ITIMER_REAL, &it, NULL);
}

/* In the test's process, before its body: capture output, record the pid
 * (Helgrind names its per-process log after it), start the clock. */
static void begin_test(const test_t *t)
{
    if (!out_dir) return;
    char path[4096];
    test_path(path, sizeof path, t->body->name, "out");
    int fd = create_file(path);
    if (fd < 0) die("cannot create the test's output file");
    fflush(stdout);
    fflush(stderr);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    /* Line-buffered: what the test printed before it crashed is kept. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    test_path(path, sizeof path, t->body->name, "pid");
    FILE *f = fopen(path, "we");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    arm_time_limit(t);
}

/* In the test's process, after its body returned: a goroutine still alive
 * fails the test (after uber-go/goleak); otherwise mark the end. */
static void end_test(const test_t *t, go_leak_mark_t mark)
{
    static char leaks[LEAK_REPORT_MAX];
    int n = go_leak_check(mark, leaks, sizeof leaks);
    if (n != 0) ck_abort_msg("%s", leaks);
    if (out_dir) touch(t->body->name, "end");
}

/* What Check runs for every test: i is the test's index (each test is added
 * as a one-iteration loop test so that Check hands us the index). */
static void run_wrapped(int i)
{
    const test_t *t = &tests[i];
    begin_test(t);
    go_leak_mark_t mark = go_leak_mark();
    t->body->fn(0);
    end_test(t, mark);
}

void kata_add_test(Suite *s, const TTest *body)
{
    if (ntests == MAX_TESTS) die("too many tests in one kata (raise MAX_TESTS)");
    test_t *t = &tests[ntests];
    *t = (test_t){.body = body, .selected = true};
    t->wrapped = (TTest){body->name, run_wrapped, body->file, body->line};
    t->tc = tcase_create(body->name);
    tcase_add_loop_test(t->tc, &t->wrapped, ntests, ntests + 1);
    tcase_set_tags(t->tc, body->name);
    suite_add_tcase(s, t->tc);
    ntests++;
}

_Noreturn void kata_todo(const char *what, const char *file, int line)
{
    _ck_assert_failed(file, line, "Failed", "not implemented yet: %s", what);
}

static test_t *find_test(const char *name, size_t len)
{
    for (int i = 0; i < ntests; i++)
        if (strlen(tests[i].body->name) == len && strncmp(tests[i].body->name, name, len) == 0)
            return &tests[i];
    return NULL;
}

static double parse_seconds(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v > 0)) die("a time limit must be a positive number of seconds");
    return v;
}

/*
 * --test NAME[=S]: select a test. A name the suite doesn't have is not an
 * error here: the grader notices that it has no result.
 */
static void select_test(const char *arg, bool *any)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (!*any)
        for (int i = 0; i < ntests; i++)
            tests[i].selected = false;
    *any = true;
    test_t *t = find_test(arg, len);
    if (!t) return;
    t->selected = true;
    if (eq) t->limit_s = parse_seconds(eq + 1);
}

static const char *result_name(int rtype)
{
    switch (rtype) {
    case CK_PASS:
        return "pass";
    case CK_FAILURE:
        return "failure";
    case CK_ERROR:
        return "error";
    default:
        return "invalid";
    }
}

static const char *context_name(enum ck_result_ctx ctx)
{
    switch (ctx) {
    case CK_CTX_SETUP:
        return "setup";
    case CK_CTX_TEST:
        return "test";
    case CK_CTX_TEARDOWN:
        return "teardown";
    default:
        return "unknown";
    }
}

/* DIR/results.json: every registered test, and Check's verdict on each one
 * that ran. Written to a temporary name and renamed: whole or absent. */
static void write_results(SRunner *sr)
{
    json_object *root = json_object_new_object();
    json_object *names = json_object_new_array();
    for (int i = 0; i < ntests; i++)
        json_object_array_add(names, json_object_new_string(tests[i].body->name));
    json_object_object_add(root, "registered", names);

    json_object *results = json_object_new_array();
    TestResult **rs = srunner_results(sr);
    for (int i = 0, n = srunner_ntests_run(sr); i < n; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "test", json_object_new_string(tr_tcname(rs[i])));
        json_object_object_add(r, "result", json_object_new_string(result_name(tr_rtype(rs[i]))));
        json_object_object_add(r, "message", json_object_new_string(tr_msg(rs[i])));
        json_object_object_add(r, "file",
                               json_object_new_string(tr_lfile(rs[i]) ? tr_lfile(rs[i]) : ""));
        json_object_object_add(r, "line", json_object_new_int(tr_lno(rs[i])));
        json_object_object_add(r, "context", json_object_new_string(context_name(tr_ctx(rs[i]))));
        json_object_array_add(results, r);
    }
    free(rs);
    json_object_object_add(root, "results", results);

    char tmp[4096], path[4096];
    snprintf(path, sizeof path, "%s/results.json", out_dir);
    snprintf(tmp, sizeof tmp, "%s/results.json.tmp", out_dir);
    if (json_object_to_file_ext(tmp, root, JSON_C_TO_STRING_PRETTY) != 0 || rename(tmp, path) != 0)
        die("cannot write results.json");
    json_object_put(root);
}

/*
 * A test that forked without end (a fork bomb) leaves processes that are
 * still dying, or not yet reaped, just after Check killed them; until they
 * are gone the process limit refuses the next test's fork, and Check's
 * runner gives up on every test left. So before each test, wait (a few
 * seconds at most) until a fork works.
 */
static void wait_for_room(void)
{
    for (int i = 0; i < 500; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p > 0) {
            waitpid(p, NULL, 0);
            return;
        }
        usleep(10 * 1000);
    }
}

/* The grader's mode: one test at a time, results.json rewritten after each,
 * so that a pass stopped half-way still has the verdicts so far. */
static int run_for_grader(SRunner *sr)
{
    for (int i = 0; i < ntests; i++) {
        if (!tests[i].selected) continue;
        wait_for_room();
        srunner_run_tagged(sr, NULL, NULL, tests[i].body->name, NULL, CK_SILENT);
        write_results(sr);
    }
    write_results(sr);
    return 0;
}

/* By hand: the selected tests at once, with Check's usual summary. */
static int run_by_hand(SRunner *sr)
{
    size_t len = 1;
    for (int i = 0; i < ntests; i++)
        len += strlen(tests[i].body->name) + 1;
    char *tags = calloc(1, len);
    if (!tags) die("out of memory");
    for (int i = 0; i < ntests; i++) {
        if (!tests[i].selected) continue;
        if (*tags) strcat(tags, " ");
        strcat(tags, tests[i].body->name);
    }
    if (*tags) /* an empty tag list would mean "every test" to Check */
        srunner_run_tagged(sr, NULL, NULL, tags, NULL, CK_NORMAL);
    free(tags);
    return srunner_ntests_failed(sr) == 0 ? 0 : 1;
}

static void usage(void)
{
    fputs("usage: test_NAME [--list] [--out DIR [--timeout S] [--scale X] [--test NAME[=S]]...]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    Suite *suite = kata_suite();
    bool any_selected = false, list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--list") == 0)
            list = true;
        else if (i + 1 == argc)
            usage();
        else if (strcmp(a, "--out") == 0)
            out_dir = argv[++i];
        else if (strcmp(a, "--scale") == 0)
            scale = parse_seconds(argv[++i]);
        else if (strcmp(a, "--test") == 0)
            select_test(argv[++i], &any_selected);
        else if (strcmp(a, "--timeout") == 0)
            default_limit_s = parse_seconds(argv[++i]);
        else
            usage();
    }
    for (int i = 0; i < ntests; i++)
        if (tests[i].limit_s == 0) tests[i].limit_s = default_limit_s;
    if (list) {
        for (int i = 0; i < ntests; i++)
            printf("%s\n", tests[i].body->name);
        return 0;
    }
    /* Check's timeout is the backstop behind ours: it kills without a dump. */
    for (int i = 0; i < ntests; i++)
        tcase_set_timeout(tests[i].tc, tests[i].limit_s * scale + 2 + scale);

    /* A leak report or a goroutine dump goes through ck_abort_msg: room for
     * LEAK_REPORT_MAX, over Check's default 4 KiB (a longer message is
     * replaced by an error and the test's verdict is lost). */
    check_set_max_msg_size(2 * LEAK_REPORT_MAX);
    SRunner *sr = srunner_create(suite);
    srunner_set_fork_status(sr, CK_FORK); /* a test's crash must not end the run */
    int status = out_dir ? run_for_grader(sr) : run_by_hand(sr);
    srunner_free(sr);
    return status;
}
