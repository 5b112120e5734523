/*
 * gokata-grade: grade gokata katas, trustworthily.
 *
 * The pipeline, each stage in its own file:
 *   options.c   what to grade, how, where to report
 *   kata.c      the katas and their metadata (tests/katas/NN-name/kata.json)
 *   grade.c     per kata: copy the learner's files, build (build.c), run the
 *               passes (pass.c) each in a sandbox (sandbox.c), in parallel
 *               (sched.c)
 *   verdict.c   read each pass's files into a verdict per test, explained
 *               in the learner's terms (diagnose.c)
 *   report*.c   the terminal table and the report files
 * See grader/README.md for how and why.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "build.h"
#include "grade.h"
#include "kata.h"
#include "options.h"
#include "report.h"
#include "sched.h"
#include "util.h"

static char *run_dir_to_remove; /* removed at exit, even on Ctrl-C */

static void remove_run_dir(void)
{
    if (run_dir_to_remove) remove_tree(run_dir_to_remove);
    run_dir_to_remove = NULL;
}

static bool live; /* stdout is a terminal: progress redraws one line */
static int katas_total, katas_done;

static void on_kata_done(const submission_t *s, const kata_result_t *kr)
{
    katas_done++;
    if (live) fputs("\r\033[K", stdout);
    report_progress_line(stdout, s, kr);
    fflush(stdout);
}

static void on_progress(const char *const *running, int n)
{
    if (!live) return;
    strbuf_t b = {0};
    sb_addf(&b, "[%d/%d katas]", katas_done, katas_total);
    for (int i = 0; i < n; i++)
        sb_addf(&b, "%s %s", i ? "," : "", running[i]);
    /* One line only: a wrapped line would not be redrawn in place. */
    struct winsize ws;
    int width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col : 80;
    printf("\r\033[K%.*s", width - 1, b.s);
    free(sb_take(&b));
    fflush(stdout);
}

/* The katas to grade: all, or those the --kata words name. */
static kata_t **select_katas(const options_t *o, kata_t *all, int nall, int *n)
{
    kata_t **sel = xcalloc((size_t)nall + 1, sizeof *sel);
    *n = 0;
    for (int w = 0; w < o->nkatas; w++) {
        bool found = false;
        for (int i = 0; i < nall; i++)
            found |= kata_matches(&all[i], o->katas[w]);
        if (!found) {
            fprintf(stderr, "gokata-grade: no kata matches '%s'; the katas are:", o->katas[w]);
            for (int i = 0; i < nall; i++)
                fprintf(stderr, " %s", all[i].id);
            fprintf(stderr, "\n");
            exit(2);
        }
    }
    for (int i = 0; i < nall; i++) {
        bool want = o->nkatas == 0;
        for (int w = 0; w < o->nkatas; w++)
            want |= kata_matches(&all[i], o->katas[w]);
        if (want) sel[(*n)++] = &all[i];
    }
    return sel;
}

/* Is program in PATH? */
static bool in_path(const char *program)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path ? path : "/usr/bin:/bin");
    bool found = false;
    for (char *save, *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = path_join(d, program);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

static void check_setup(const options_t *o)
{
    if (o->pass_enabled[PASS_HELGRIND] && !in_path("valgrind"))
        fatal("valgrind not found: install it (Debian: valgrind), or grade without Helgrind "
              "(--passes plain,tsan)");
    char *main_c = path_join(o->home, "tests/support/kata_main.c");
    if (!file_exists(main_c))
        fatal("%s not found: run from a gokata checkout, or pass --home", main_c);
    free(main_c);
    if (!file_exists(o->runtime_lib))
        fatal("%s not found: build the runtime first (make runtime), or pass --runtime",
              o->runtime_lib);
}

/* Where the tests run: $TMPDIR or /tmp (reachable by a test running under a
 * uid of its own, wherever the checkout is), unless it is mounted noexec:
 * then the build directory. */
static char *make_run_dir(const options_t *o)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    struct statvfs fs;
    if (statvfs(tmp, &fs) == 0 && (fs.f_flag & ST_NOEXEC)) {
        tmp = o->build_dir;
        mkdirs(tmp, 0755);
    }
    char *dir = xasprintf("%s/gokata-grade.XXXXXX", tmp);
    if (!mkdtemp(dir)) fatal("cannot create a directory in %s: %s", tmp, strerror(errno));
    /* Tests may run under a uid of their own: they must reach their directory. */
    chmod(dir, 0711);
    return dir;
}

/* A report path for submission s: {name} becomes its name. */
static char *report_path(const char *pattern, const submission_t *s)
{
    const char *at = strstr(pattern, "{name}");
    if (!at) return xstrdup(pattern);
    return xasprintf("%.*s%s%s", (int)(at - pattern), pattern, s->name[0] ? s->name : "katas",
                     at + strlen("{name}"));
}

static bool write_reports(const options_t *o, const submission_t *subs, int n,
                          const report_opts_t *ro)
{
    struct {
        const char *pattern;
        bool (*write)(const char *, const submission_t *, const report_opts_t *);
    } files[] = {{o->json, report_json},
                 {o->exercism, report_exercism},
                 {o->junit, report_junit},
                 {o->gradescope, report_gradescope},
                 {o->markdown, report_markdown}};
    bool ok = true;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        if (!files[f].pattern) continue;
        for (int i = 0; i < n; i++) {
            char *path = report_path(files[f].pattern, &subs[i]);
            if (!files[f].write(path, &subs[i], ro)) {
                fprintf(stderr, "gokata-grade: cannot write %s: %s\n", path, strerror(errno));
                ok = false;
            }
            free(path);
        }
    }
    return ok;
}

int main(int argc, char **argv)
{
    options_t opt;
    options_parse(&opt, argc, argv);
    const char *reports[] = {opt.json, opt.exercism, opt.junit, opt.gradescope, opt.markdown};
    for (size_t i = 0; opt.nsubmissions > 1 && i < sizeof reports / sizeof *reports; i++)
        if (reports[i] && !strstr(reports[i], "{name}")) {
            fprintf(stderr, "gokata-grade: grading several submissions: put {name} in %s\n",
                    reports[i]);
            return 2;
        }
    check_setup(&opt);

    int nall, nsel;
    kata_t *all = katas_load(opt.repo, &nall);
    kata_t **sel = select_katas(&opt, all, nall, &nsel);

    /* What to grade: the learner's katas/, the solutions, or submissions. */
    int nsubs = opt.nsubmissions ? opt.nsubmissions : 1;
    submission_t *subs = xcalloc((size_t)nsubs, sizeof *subs);
    source_t *srcs = xcalloc((size_t)nsubs, sizeof *srcs);
    for (int i = 0; i < nsubs; i++) {
        submission_t *s = &subs[i];
        if (opt.nsubmissions) {
            char *copy = xstrdup(opt.submissions[i]);
            s->name = xstrdup(basename(copy));
            free(copy);
            s->dir = xstrdup(opt.submissions[i]);
            if (!dir_exists(s->dir)) fatal("submission %s: no such directory", s->dir);
            srcs[i].files_root = path_join(s->dir, "katas");
        } else {
            s->name = xstrdup("");
            s->dir = xstrdup(opt.repo);
            srcs[i].files_root = path_join(opt.repo, opt.solutions ? "solutions" : "katas");
        }
        srcs[i].sub = s;
        s->nkatas = nsel;
        s->katas = xcalloc((size_t)nsel + 1, sizeof *s->katas);
        for (int k = 0; k < nsel; k++)
            s->katas[k].kata = sel[k];
    }

    report_opts_t ro = {.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
                                 !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"))};
    for (int p = 0; p < NPASSES; p++)
        ro.pass_enabled[p] = opt.pass_enabled[p];
    live =
        ro.color || (isatty(STDOUT_FILENO) && !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb")));

    if (nsel == 0) {
        printf("No katas to grade yet (none in %s/tests/katas).\n\nScore: 0/0\n", opt.repo);
        return 0;
    }

    toolchain_t tc;
    toolchain_init(&tc, &opt);
    char *run_dir = make_run_dir(&opt);
    if (!opt.keep) {
        run_dir_to_remove = run_dir;
        atexit(remove_run_dir);
    }
    katas_total = nsel * nsubs;
    sched_init(opt.jobs);
    for (int i = 0; i < nsubs; i++) {
        char *dir = xasprintf("%s/%d", run_dir, i);
        mkdirs(dir, 0755);
        grade_submission(&opt, &tc, &srcs[i], dir, on_kata_done);
        free(dir);
    }
    sched_run(on_progress);
    if (live) fputs("\r\033[K", stdout);

    int points = 0, max = 0;
    for (int i = 0; i < nsubs; i++) {
        for (int k = 0; k < subs[i].nkatas; k++) {
            subs[i].points += subs[i].katas[k].points;
            subs[i].max_points += subs[i].katas[k].max_points;
        }
        points += subs[i].points;
        max += subs[i].max_points;
    }
    putchar('\n');
    report_terminal(stdout, subs, nsubs, &ro);
    fflush(stdout);
    bool reports_ok = write_reports(&opt, subs, nsubs, &ro);

    if (opt.keep) fprintf(stderr, "gokata-grade: every test's files are in %s\n", run_dir);
    remove_run_dir();

    if (grade_internal_error() || !reports_ok) return 3;
    if (opt.fail_under >= 0 && report_percent(points, max) < opt.fail_under) {
        fprintf(stderr, "gokata-grade: score %.0f%% is under %.0f%%\n", report_percent(points, max),
                opt.fail_under);
        return 1;
    }
    return 0;
}
