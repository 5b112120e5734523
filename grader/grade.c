/*
 * The grading pipeline of one kata of one submission.
 *
 *   copy      the learner's files (only those kata.json names) into a
 *             directory of the grader's, so that nothing else from the
 *             submission, a header or a test, can be picked up
 *   build     plain and TSan binaries, in parallel
 *   plain     every test
 *   tsan, helgrind
 *             in parallel, only the tests that passed the plain run: a test
 *             that failed it has no points to win, and a hanging test would
 *             cost 40 times its limit under Helgrind
 *   score     a test scores if it passed every pass
 */
#include "grade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass.h"
#include "sandbox.h"
#include "sched.h"
#include "util.h"
#include "verdict.h"

enum { SHOWN_BUILD_LINES = 40, BUILD_LOG_HEAD = 64 << 10 };

typedef enum { B_PENDING, B_OK, B_FAILED, B_UNUSED } build_state_t;

typedef struct job job_t;

typedef struct {
    job_t *job;
    int which; /* build_id_t or pass_id_t */
} step_arg_t;

struct job {
    const options_t *opt;
    const toolchain_t *tc;
    const submission_t *sub;
    kata_result_t *kr;
    char *work, *src_root;
    build_state_t build[NBUILDS];
    char *build_msg[NBUILDS];
    bool queued[NPASSES];
    bool *selected[NPASSES];
    sandbox_report_t *sandbox[NPASSES];
    step_arg_t build_arg[NBUILDS], pass_arg[NPASSES];
    int pending;
    void (*on_done)(const submission_t *, const kata_result_t *);
};

static bool internal_error;

bool grade_internal_error(void)
{
    return internal_error;
}

/* ---- copy ---------------------------------------------------------------- */

static bool copy_learner_files(job_t *j, const char *files_root)
{
    const kata_t *k = j->kr->kata;
    for (int i = 0; i < k->nfiles; i++) {
        char *from = xasprintf("%s/%s/%s", files_root, k->id, k->files[i]);
        char *to = xasprintf("%s/katas/%s/%s", j->src_root, k->id, k->files[i]);
        char *dir = xstrndup(to, (size_t)(strrchr(to, '/') - to));
        mkdirs(dir, 0755);
        bool ok = file_exists(from) && copy_file(from, to, 0644);
        if (!ok) {
            j->kr->status = KATA_MISSING_FILE;
            j->kr->message =
                xasprintf("%s is missing%s", from, j->sub->name[0] ? " from the submission" : "");
        }
        free(from);
        free(to);
        free(dir);
        if (!ok) return false;
    }
    return true;
}

/* ---- build --------------------------------------------------------------- */

static char *bin_path(const job_t *j, build_id_t b)
{
    return xasprintf("%s/test-%s", j->work, build_names[b]);
}

static char *build_log(const job_t *j, build_id_t b)
{
    return xasprintf("%s/build-%s.log", j->work, build_names[b]);
}

static int build_run(void *arg, int slot)
{
    (void)slot;
    step_arg_t *a = arg;
    char *bin = bin_path(a->job, (build_id_t)a->which),
         *log = build_log(a->job, (build_id_t)a->which);
    build_outcome_t o =
        build_kata(a->job->tc, a->job->kr->kata, a->job->src_root, (build_id_t)a->which, bin, log);
    return o == BUILD_OK ? 0 : o == BUILD_LEARNER_ERROR ? 1 : 2;
}

static char *build_messages(const job_t *j, build_id_t b)
{
    char *log = build_log(j, b);
    char *text = read_head(log, BUILD_LOG_HEAD, NULL);
    free(log);
    char *clean = utf8_clean(text ? text : "");
    char *head = head_lines(clean, SHOWN_BUILD_LINES);
    free(text);
    free(clean);
    return head;
}

static void advance(job_t *j);

static void build_done(void *arg, int status, double started, double seconds)
{
    (void)started;
    step_arg_t *a = arg;
    job_t *j = a->job;
    j->kr->seconds += seconds;
    build_id_t b = (build_id_t)a->which;
    j->pending--;
    j->build[b] = status == 0 ? B_OK : B_FAILED;
    if (status == 1) {
        j->build_msg[b] = build_messages(j, b);
    } else if (status == 2) {
        j->build_msg[b] = build_messages(j, b);
        if (j->kr->status == KATA_GRADED) {
            j->kr->status = KATA_BROKEN;
            j->kr->message = xasprintf(
                "the kata's tests do not build (not the learner's doing):\n%s", j->build_msg[b]);
        }
    } else if (status != 0) {
        internal_error = true;
        if (j->kr->status == KATA_GRADED) {
            j->kr->status = KATA_BROKEN;
            j->kr->message = xasprintf("the grader failed building this kata (status %d)", status);
        }
    }
    if (b == BUILD_PLAIN && status == 1 && j->kr->status == KATA_GRADED) {
        j->kr->status = KATA_BUILD_FAILED;
        j->kr->message = xstrdup(j->build_msg[b]);
    }
    advance(j);
}

/* ---- passes -------------------------------------------------------------- */

static int pass_run(void *arg, int slot)
{
    step_arg_t *a = arg;
    job_t *j = a->job;
    pass_id_t p = (pass_id_t)a->which;
    char *dir = xasprintf("%s/%s", j->work, pass_names[p]);
    mkdirs(dir, 0755);
    char *bin = bin_path(j, pass_build(p));
    char **argv, **envp;
    double wall;
    pass_command(p, j->tc, j->kr->kata, j->selected[p], bin, dir, &argv, &envp, &wall);
    char *log = xasprintf("%s/runner.out", dir);
    sandbox_spec_t spec = {
        .argv = argv,
        .envp = envp,
        .dir = dir,
        .log_path = log,
        .wall_limit_s = wall,
        .max_procs = j->opt->max_procs,
        .max_memory_kb = j->opt->max_memory_mb * 1024,
        .max_file_bytes = j->opt->max_output_kb * 1024,
        .no_aslr = p == PASS_TSAN,
        .slot = slot,
    };
    sandbox_run(&spec, j->sandbox[p]);
    return 0;
}

static void pass_done(void *arg, int status, double started, double seconds)
{
    step_arg_t *a = arg;
    job_t *j = a->job;
    pass_id_t p = (pass_id_t)a->which;
    j->kr->seconds += seconds;
    j->pending--;
    if (status != 0) {
        internal_error = true;
        warn("the %s pass of %s failed (status %d)", pass_names[p], j->kr->kata->id, status);
    }
    char *dir = xasprintf("%s/%s", j->work, pass_names[p]);
    pass_run_t run = {
        .pass = p,
        .dir = dir,
        .sandbox = j->sandbox[p],
        .selected = j->selected[p],
        .scale = pass_slowdown(p) * j->opt->timeout_scale,
        .max_output_kb = j->opt->max_output_kb,
        .max_memory_mb = j->opt->max_memory_mb,
    };
    verdict_read_pass(&run, j->kr);
    j->kr->pass[p].started = started;
    free(dir);
    advance(j);
}

static void queue_pass(job_t *j, pass_id_t p)
{
    char *label = xasprintf("%s%s%s %s", j->sub->name, j->sub->name[0] ? ": " : "", j->kr->kata->id,
                            pass_names[p]);
    j->queued[p] = true;
    j->pending++;
    sched_add(label, pass_run, pass_done, &j->pass_arg[p]);
    free(label);
}

/* The TSan build failed where the plain one worked (rare: a TSan-only
 * compile or link error). The tests can't pass that pass. */
static void fail_pass(job_t *j, pass_id_t p, const char *why)
{
    for (int i = 0; i < j->kr->kata->ntests; i++) {
        if (!j->selected[p][i]) continue;
        pass_result_t *r = &j->kr->tests[i].pass[p];
        r->verdict = V_FAIL;
        r->reason = xstrdup("does not build with -fsanitize=thread");
        r->detail = xstrdup(why);
    }
    j->kr->pass[p].ran = true;
}

/* ---- the pipeline -------------------------------------------------------- */

void grade_score(kata_result_t *kr, const bool pass_enabled[NPASSES])
{
    kr->points = kr->passed = 0;
    kr->max_points = kr->kata->max_points;
    for (int i = 0; i < kr->kata->ntests; i++) {
        test_result_t *t = &kr->tests[i];
        t->passed = kr->status == KATA_GRADED;
        for (int p = 0; p < NPASSES; p++)
            if (pass_enabled[p] && t->pass[p].verdict != V_PASS) t->passed = false;
        t->points = t->passed ? t->spec->points : 0;
        kr->points += t->points;
        kr->passed += t->passed;
    }
}

static void finish(job_t *j)
{
    grade_score(j->kr, j->opt->pass_enabled);
    if (j->on_done) j->on_done(j->sub, j->kr);
}

static void advance(job_t *j)
{
    kata_result_t *kr = j->kr;
    const kata_t *k = kr->kata;
    if (kr->status == KATA_GRADED && j->build[BUILD_PLAIN] == B_OK && !j->queued[PASS_PLAIN]) {
        for (int i = 0; i < k->ntests; i++)
            j->selected[PASS_PLAIN][i] = true;
        queue_pass(j, PASS_PLAIN);
    }
    bool plain_done = j->queued[PASS_PLAIN] && kr->pass[PASS_PLAIN].ran;
    for (int p = PASS_TSAN; plain_done && kr->status == KATA_GRADED && p < NPASSES; p++) {
        build_state_t b = j->build[pass_build((pass_id_t)p)];
        if (j->queued[p] || !j->opt->pass_enabled[p] || b == B_PENDING) continue;
        int n = 0;
        for (int i = 0; i < k->ntests; i++) {
            j->selected[p][i] = kr->tests[i].pass[PASS_PLAIN].verdict == V_PASS;
            n += j->selected[p][i];
        }
        j->queued[p] = true; /* decided, whether it runs or not */
        if (n == 0) continue;
        if (b == B_FAILED)
            fail_pass(j, (pass_id_t)p, j->build_msg[pass_build((pass_id_t)p)]);
        else {
            j->queued[p] = false;
            queue_pass(j, (pass_id_t)p);
        }
    }
    if (j->pending == 0) finish(j);
}

static void queue_build(job_t *j, build_id_t b)
{
    char *label = xasprintf("%s%s%s build %s", j->sub->name, j->sub->name[0] ? ": " : "",
                            j->kr->kata->id, build_names[b]);
    j->pending++;
    sched_add(label, build_run, build_done, &j->build_arg[b]);
    free(label);
}

static void start_job(job_t *j, const char *files_root)
{
    const kata_t *k = j->kr->kata;
    if (k->error) {
        j->kr->status = KATA_BROKEN;
        j->kr->message = xstrdup(k->error);
        internal_error = true;
        finish(j);
        return;
    }
    mkdirs(j->src_root, 0755);
    if (!copy_learner_files(j, files_root)) {
        finish(j);
        return;
    }
    j->build[BUILD_TSAN] = j->opt->pass_enabled[PASS_TSAN] ? B_PENDING : B_UNUSED;
    queue_build(j, BUILD_PLAIN);
    if (j->build[BUILD_TSAN] == B_PENDING) queue_build(j, BUILD_TSAN);
}

void grade_submission(const options_t *opt, const toolchain_t *tc, const source_t *src,
                      const char *run_dir,
                      void (*on_done)(const submission_t *, const kata_result_t *))
{
    submission_t *sub = src->sub;
    for (int i = 0; i < sub->nkatas; i++) {
        kata_result_t *kr = &sub->katas[i];
        const kata_t *k = kr->kata;
        kr->tests = xcalloc((size_t)k->ntests + 1, sizeof *kr->tests);
        for (int t = 0; t < k->ntests; t++)
            kr->tests[t].spec = &k->tests[t];
        kr->max_points = k->max_points;

        job_t *j = xcalloc(1, sizeof *j);
        *j = (job_t){.opt = opt, .tc = tc, .sub = sub, .kr = kr, .on_done = on_done};
        j->work = xasprintf("%s/%s", run_dir, k->id);
        j->src_root = xasprintf("%s/src", j->work);
        for (int b = 0; b < NBUILDS; b++)
            j->build_arg[b] = (step_arg_t){j, b};
        for (int p = 0; p < NPASSES; p++) {
            j->pass_arg[p] = (step_arg_t){j, p};
            j->selected[p] = xcalloc((size_t)k->ntests + 1, sizeof(bool));
            j->sandbox[p] = shared_alloc(sizeof(sandbox_report_t));
        }
        start_job(j, src->files_root);
    }
}
