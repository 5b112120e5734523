/*
 * Reading one pass's files into a verdict per test.
 *
 * The rules, in order (the first that applies names the reason):
 *   no result from Check      the pass was stopped, or the test program
 *                             ended early, or the test doesn't exist;
 *   Check says passed         a pass only with the end marker: otherwise kata
 *                             code ended the process (exit(0) looks like a
 *                             pass to Check);
 *   Check says failed         the bound it hit (output, memory, time), or
 *                             what the detectors or the runtime printed, or
 *                             the assertion's message.
 * Nothing here reads what the test printed to decide pass or fail: output
 * only explains a failure that the grader's own files already show.
 */
#include "verdict.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "util.h"

enum { OUTPUT_HEAD = 64 << 10, SHOWN_LINES = 30, KEPT_OUTPUT = 4096 };

typedef struct {
    const pass_run_t *run;
    const test_spec_t *spec;
    json_object *record; /* Check's verdict, or NULL */
    bool have_results, registered;
    bool ended, timed_out, started;
    long pid;
    char *output; /* head of the test's output */
    bool output_truncated;
    const sandbox_tracked_t *tracked;
} evidence_t;

static char *marker(const pass_run_t *run, const char *test, const char *ext)
{
    return xasprintf("%s/%s.%s", run->dir, test, ext);
}

static bool has_marker(const pass_run_t *run, const char *test, const char *ext)
{
    char *p = marker(run, test, ext);
    bool e = file_exists(p);
    free(p);
    return e;
}

static const char *rec_str(json_object *rec, const char *key)
{
    json_object *v;
    return rec && json_object_object_get_ex(rec, key, &v) ? json_object_get_string(v) : "";
}

static int rec_int(json_object *rec, const char *key)
{
    json_object *v;
    return rec && json_object_object_get_ex(rec, key, &v) ? json_object_get_int(v) : 0;
}

static void gather(evidence_t *e, json_object *results)
{
    const char *name = e->spec->name;
    json_object *list;
    if (results && json_object_object_get_ex(results, "results", &list))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *r = json_object_array_get_idx(list, i);
            if (!strcmp(rec_str(r, "test"), name)) e->record = r;
        }
    if (results && json_object_object_get_ex(results, "registered", &list))
        for (size_t i = 0; i < json_object_array_length(list); i++)
            if (!strcmp(json_object_get_string(json_object_array_get_idx(list, i)), name))
                e->registered = true;
    e->have_results = results != NULL;
    e->ended = has_marker(e->run, name, "end");
    e->timed_out = has_marker(e->run, name, "timeout");
    char *pidfile = marker(e->run, name, "pid");
    char *pidtext = read_head(pidfile, 32, NULL);
    free(pidfile);
    e->started = pidtext != NULL;
    e->pid = pidtext ? strtol(pidtext, NULL, 10) : 0;
    free(pidtext);
    char *out = marker(e->run, name, "out");
    e->output = read_head(out, OUTPUT_HEAD, &e->output_truncated);
    free(out);
    if (!e->output) e->output = xstrdup("");
    for (int i = 0; e->pid && i < e->run->sandbox->ntracked; i++)
        if (e->run->sandbox->tracked[i].pid == e->pid) e->tracked = &e->run->sandbox->tracked[i];
}

static void fail(pass_result_t *r, char *reason, char *detail)
{
    r->verdict = V_FAIL;
    r->reason = reason;
    r->detail = detail;
}

/* The test's time limit in this pass, for messages. */
static double limit_s(const evidence_t *e)
{
    return e->spec->limit_s * e->run->scale;
}

static char *output_head(const evidence_t *e)
{
    return *e->output ? head_lines(e->output, SHOWN_LINES) : NULL;
}

/* No verdict from Check for this test. */
static void judge_missing(const evidence_t *e, pass_result_t *r)
{
    const sandbox_report_t *sb = e->run->sandbox;
    const char *during = e->started ? "while this test ran" : "before this test could run";
    switch (sb->stopped) {
    case STOP_TIME:
        fail(r, xasprintf("stopped: the pass ran out of time (%.0f s) %s", sb->seconds, during),
             output_head(e));
        return;
    case STOP_MEMORY:
        fail(r,
             xasprintf("stopped: the pass used more than %ld MB of memory %s",
                       e->run->max_memory_mb, during),
             output_head(e));
        return;
    case STOP_INTERRUPTED:
        fail(r, xstrdup("interrupted"), NULL);
        return;
    case STOP_NONE:
        break;
    }
    if (!e->have_results) {
        /* What the test program said as it died: its output, or Valgrind's log. */
        char *runner = e->run->pass == PASS_HELGRIND
                           ? xasprintf("%s/hg.%d", e->run->dir, (int)sb->pid)
                           : xasprintf("%s/runner.out", e->run->dir);
        char *text = read_head(runner, OUTPUT_HEAD, NULL);
        free(runner);
        fail(r,
             xasprintf("no result: the test program %s %d before reporting any",
                       sb->exited ? "exited with status" : "was killed by signal", sb->status),
             text && *text ? head_lines(text, SHOWN_LINES) : NULL);
        free(text);
    } else if (!e->registered) {
        fail(r,
             xstrdup("no such test: kata.json lists it, but the kata's test file does not "
                     "add it with kata_add_test"),
             NULL);
    } else {
        fail(r, xstrdup("no result: the test did not run"), NULL);
    }
}

/* Check's message, with the place it names, as a reason. */
static char *located(const char *msg, json_object *rec)
{
    char *line = first_line(msg);
    const char *file = rec_str(rec, "file");
    char *r = *file && rec_int(rec, "line") > 0
                  ? xasprintf("%s (%s:%d)", line, short_path(file), rec_int(rec, "line"))
                  : xstrdup(line);
    free(line);
    return r;
}

static bool signal_in(const char *msg, int sig)
{
    char *want = xasprintf("Received signal %d ", sig);
    bool yes = strstr(msg, want) != NULL;
    free(want);
    return yes;
}

/* Check says the test failed or erred: find out why, in the learner's terms. */
static void judge_failed(const evidence_t *e, pass_result_t *r)
{
    const pass_run_t *run = e->run;
    const char *msg = rec_str(e->record, "message");
    diagnosis_t d = {0};

    if (signal_in(msg, 25 /* SIGXFSZ */)) {
        fail(r,
             xasprintf("output limit: the test wrote more than %ld KiB (the first lines are below)",
                       run->max_output_kb),
             output_head(e));
    } else if (e->tracked && e->tracked->killed_for_memory) {
        fail(r, xasprintf("memory limit: the test used more than %ld MB", run->max_memory_mb),
             output_head(e));
    } else if (e->timed_out) {
        bool dump = diagnose_runtime(e->output, &d);
        fail(
            r,
            xasprintf("timed out after %.3g s (the goroutine dump shows where it was)", limit_s(e)),
            dump ? d.detail : output_head(e));
        free(d.reason);
    } else if (strstr(msg, "Test timeout expired")) {
        fail(r,
             xasprintf("timed out after %.3g s (killed: it did not answer SIGQUIT with a dump)",
                       limit_s(e)),
             output_head(e));
    } else if (run->pass == PASS_TSAN && diagnose_tsan(e->output, &d)) {
        fail(r, d.reason, d.detail);
    } else if (run->pass == PASS_HELGRIND && e->pid) {
        char *log = xasprintf("%s/hg.%ld", run->dir, e->pid);
        char *text = read_head(log, OUTPUT_HEAD, NULL);
        free(log);
        if (text && diagnose_helgrind(text, &d)) fail(r, d.reason, d.detail);
        free(text);
    }
    if (r->verdict == V_FAIL) return;

    if (diagnose_runtime(e->output, &d)) {
        fail(r, d.reason, d.detail);
    } else if (!strcmp(rec_str(e->record, "result"), "failure")) {
        /* An assertion, kata_todo's "not implemented yet", or the leak check. */
        if (strstr(msg, " leaked (started since the mark, still alive):")) {
            /* go_leak_check's report (runtime/src/leakcheck.c):
             * "N goroutines leaked (started since the mark, still alive):",
             * then their dump. */
            char *first = first_line(msg);
            size_t n = strlen(first);
            if (n && first[n - 1] == ':') first[n - 1] = '\0';
            const char *dump = msg + n;
            while (*dump == '\n')
                dump++;
            fail(r, xasprintf("goroutine leak: %s", first), xstrdup(dump));
            free(first);
        } else {
            const char *nl = strchr(msg, '\n');
            fail(r, located(msg, e->record), nl ? xstrdup(nl + 1) : NULL);
        }
    } else if (starts_with(msg, "Received signal")) {
        fail(r, xasprintf("crashed: %s", msg + strlen("Received ")), output_head(e));
    } else if (starts_with(msg, "Early exit with return value 66")) {
        fail(r, xasprintf("%s reported an error", pass_titles[run->pass]), output_head(e));
    } else if (starts_with(msg, "Early exit with return value")) {
        fail(r,
             xasprintf("the test's process exited with status %s before the test ended "
                       "(did kata code call exit()?)",
                       msg + strlen("Early exit with return value ")),
             output_head(e));
    } else {
        fail(r, located(msg, e->record), output_head(e));
    }
}

static void judge(const evidence_t *e, pass_result_t *r)
{
    if (!e->record) {
        judge_missing(e, r);
    } else if (!strcmp(rec_str(e->record, "result"), "pass")) {
        if (e->ended)
            r->verdict = V_PASS;
        else
            fail(r,
                 xstrdup("did not reach the end of the test: kata code ended the process early "
                         "(exit(), _exit(), or pthread_exit() in the last thread); Check alone "
                         "would have counted it as passed"),
                 output_head(e));
    } else {
        judge_failed(e, r);
    }
    /* A fork bomb shows as a timeout or a crash: say what else happened. */
    long limit = e->run->sandbox->proc_limit;
    if (r->verdict == V_FAIL && e->tracked && e->tracked->hit_proc_limit) {
        char *more =
            xasprintf("%s; it reached the limit of %ld processes and threads", r->reason, limit);
        free(r->reason);
        r->reason = more;
    }
}

void verdict_read_pass(const pass_run_t *run, kata_result_t *kr)
{
    char *path = xasprintf("%s/results.json", run->dir);
    json_object *results = file_exists(path) ? json_object_from_file(path) : NULL;
    free(path);
    pass_summary_t *sum = &kr->pass[run->pass];
    sum->ran = true;
    sum->seconds = run->sandbox->seconds;
    if (run->sandbox->stopped == STOP_TIME)
        sum->stopped = xasprintf("ran out of time (%.0f s)", run->sandbox->seconds);
    else if (run->sandbox->stopped == STOP_MEMORY)
        sum->stopped = xasprintf("used more than %ld MB", run->max_memory_mb);
    else if (run->sandbox->stopped == STOP_INTERRUPTED)
        sum->stopped = xstrdup("interrupted");

    for (int i = 0; i < kr->kata->ntests; i++) {
        if (!run->selected[i]) continue;
        test_result_t *t = &kr->tests[i];
        evidence_t e = {.run = run, .spec = t->spec};
        gather(&e, results);
        judge(&e, &t->pass[run->pass]);
        sum->run++;
        if (t->pass[run->pass].verdict == V_PASS) sum->passed++;
        if (run->pass == PASS_PLAIN) {
            char *clean = utf8_clean(e.output);
            t->output = truncate_text(clean, KEPT_OUTPUT);
            free(clean);
        }
        free(e.output);
    }
    json_object_put(results);
}
