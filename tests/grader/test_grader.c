/*
 * The grader's own tests: unit tests of its log readers, golden tests of
 * every report format, and end-to-end runs over fixture katas and
 * submissions (tests/grader/repo, tests/grader/submissions) proving each
 * promise of grader/README.md.
 *
 * usage: test_grader --grader BIN [--cc CC] [--work DIR] [--runtime LIB] [--build-dir DIR]
 *        (run from the repo root)
 * GOLDEN_UPDATE=1 rewrites the golden files instead of comparing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grader_test.h"
#include "util.h"

const char *grader_bin;
const char *grader_cc = "cc";
const char *work_dir = "build/grader/test";
const char *runtime_lib = "build/runtime/libgokata.a";
const char *build_dir = "build/grader";
char *tmp_dir;

int run_grader(const char *out_path, ...)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = grader_bin;
    argv[n++] = "--cc";
    argv[n++] = grader_cc;
    argv[n++] = "--runtime";
    argv[n++] = runtime_lib;
    argv[n++] = "--build-dir";
    argv[n++] = build_dir;
    argv[n++] = "--repo";
    argv[n++] = "tests/grader/repo";
    va_list ap;
    va_start(ap, out_path);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 63)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        FILE *out = freopen(out_path, "w", stdout);
        if (!out || dup2(STDOUT_FILENO, STDERR_FILENO) < 0) _exit(126);
        unsetenv("NO_COLOR");
        /* Run directories of its own: other graders may run on this machine. */
        setenv("TMPDIR", tmp_dir, 1);
        execv(grader_bin, (char **)argv);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

char *slurp(const char *path)
{
    char *s = read_head(path, 16 << 20, NULL);
    ck_assert_msg(s != NULL, "cannot read %s", path);
    return s;
}

json_object *jget(json_object *o, const char *path)
{
    char *copy = xstrdup(path);
    for (char *save, *key = strtok_r(copy, ".", &save); key && o;
         key = strtok_r(NULL, ".", &save)) {
        char *end;
        long i = strtol(key, &end, 10);
        if (!*end && json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)i);
        else if (!json_object_object_get_ex(o, key, &o))
            o = NULL;
    }
    free(copy);
    return o;
}

const char *jstr(json_object *o, const char *path)
{
    json_object *v = jget(o, path);
    return v ? json_object_get_string(v) : NULL;
}

int jint(json_object *o, const char *path)
{
    json_object *v = jget(o, path);
    ck_assert_msg(v != NULL, "no %s in the report", path);
    return json_object_get_int(v);
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--grader"))
            grader_bin = argv[i + 1];
        else if (!strcmp(argv[i], "--cc"))
            grader_cc = argv[i + 1];
        else if (!strcmp(argv[i], "--work"))
            work_dir = argv[i + 1];
    }
    if (!grader_bin) {
        fprintf(stderr, "usage: test_grader --grader BIN [--cc CC] [--work DIR] [--runtime LIB] "
                        "[--build-dir DIR]\n");
        return 2;
    }
    mkdirs(work_dir, 0755);
    char *tmp = xasprintf("%s/tmp", work_dir);
    mkdirs(tmp, 0755);
    tmp_dir = abs_path(tmp);

    /* The end-to-end runs happen once, here; the tests read their reports. */
    double t0 = now_s();
    fixtures_grade();
    modes_grade();
    printf("test_grader: fixture runs took %.1f s\n", now_s() - t0);

    SRunner *sr = srunner_create(diagnose_suite());
    srunner_add_suite(sr, reports_suite());
    srunner_add_suite(sr, fixtures_suite());
    srunner_add_suite(sr, modes_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
