/*
 * The JSON reports, written with json-c: the grader's own (everything it
 * found, for scripts and for the grader's tests), Exercism's results.json
 * version 2, and Gradescope's results.json.
 */
#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

enum { EXERCISM_OUTPUT_MAX = 500, GRADESCOPE_OUTPUT_MAX = 8192 };

static const char *const verdict_names[] = {"not run", "pass", "fail"};
static const char *const status_names[] = {"graded", "missing file", "build failed", "kata broken"};

/* A JSON string from text that may hold anything a test printed. */
static json_object *text(const char *s)
{
    char *clean = utf8_clean(s ? s : "");
    json_object *o = json_object_new_string(clean);
    free(clean);
    return o;
}

static void put(json_object *o, const char *key, json_object *v)
{
    json_object_object_add(o, key, v);
}

static bool write_json(const char *path, json_object *root)
{
    int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;
    bool ok = json_object_to_file_ext(path, root, flags) == 0;
    json_object_put(root);
    return ok;
}

/* ---- the grader's own ---------------------------------------------------- */

static json_object *pass_json(const pass_result_t *r)
{
    json_object *o = json_object_new_object();
    put(o, "verdict", json_object_new_string(verdict_names[r->verdict]));
    if (r->reason) put(o, "reason", text(r->reason));
    if (r->detail) put(o, "detail", text(r->detail));
    return o;
}

static json_object *kata_json(const kata_result_t *kr, const report_opts_t *o)
{
    json_object *k = json_object_new_object();
    put(k, "id", json_object_new_string(kr->kata->id));
    put(k, "title", text(kr->kata->title));
    put(k, "status", json_object_new_string(status_names[kr->status]));
    if (kr->message) put(k, "message", text(kr->message));
    put(k, "points", json_object_new_int(kr->points));
    put(k, "max_points", json_object_new_int(kr->max_points));
    put(k, "seconds", json_object_new_double((double)(long)(kr->seconds * 10) / 10));
    json_object *passes = json_object_new_object();
    for (int p = 0; p < NPASSES; p++) {
        if (!o->pass_enabled[p]) continue;
        json_object *ps = json_object_new_object();
        put(ps, "run", json_object_new_int(kr->pass[p].run));
        put(ps, "passed", json_object_new_int(kr->pass[p].passed));
        put(ps, "started", json_object_new_double((double)(long)(kr->pass[p].started * 10) / 10));
        put(ps, "seconds", json_object_new_double((double)(long)(kr->pass[p].seconds * 10) / 10));
        if (kr->pass[p].stopped) put(ps, "stopped", text(kr->pass[p].stopped));
        put(passes, pass_names[p], ps);
    }
    put(k, "passes", passes);
    json_object *tests = json_object_new_array();
    for (int i = 0; i < kr->kata->ntests; i++) {
        const test_result_t *t = &kr->tests[i];
        json_object *tj = json_object_new_object();
        put(tj, "name", json_object_new_string(t->spec->name));
        put(tj, "passed", json_object_new_boolean(t->passed));
        put(tj, "points", json_object_new_int(t->points));
        put(tj, "max_points", json_object_new_int(t->spec->points));
        for (int p = 0; p < NPASSES; p++)
            if (o->pass_enabled[p]) put(tj, pass_names[p], pass_json(&t->pass[p]));
        if (t->output && *t->output) put(tj, "output", text(t->output));
        json_object_array_add(tests, tj);
    }
    put(k, "tests", tests);
    return k;
}

bool report_json(const char *path, const submission_t *s, const report_opts_t *o)
{
    json_object *root = json_object_new_object();
    put(root, "submission", text(s->name));
    put(root, "points", json_object_new_int(s->points));
    put(root, "max_points", json_object_new_int(s->max_points));
    json_object *passes = json_object_new_array();
    for (int p = 0; p < NPASSES; p++)
        if (o->pass_enabled[p])
            json_object_array_add(passes, json_object_new_string(pass_names[p]));
    put(root, "passes", passes);
    json_object *katas = json_object_new_array();
    for (int i = 0; i < s->nkatas; i++)
        json_object_array_add(katas, kata_json(&s->katas[i], o));
    put(root, "katas", katas);
    return write_json(path, root);
}

/* ---- Exercism: results.json version 2 ------------------------------------ */

bool report_exercism(const char *path, const submission_t *s, const report_opts_t *o)
{
    json_object *root = json_object_new_object();
    put(root, "version", json_object_new_int(2));
    /* "error": the code could not be tested at all (it doesn't compile). */
    const kata_result_t *broken = NULL;
    bool all_passed = true;
    for (int i = 0; i < s->nkatas; i++) {
        if (s->katas[i].status != KATA_GRADED && !broken) broken = &s->katas[i];
        if (s->katas[i].points < s->katas[i].max_points ||
            s->katas[i].passed < s->katas[i].kata->ntests)
            all_passed = false;
    }
    put(root, "status", json_object_new_string(broken ? "error" : all_passed ? "pass" : "fail"));
    if (broken) {
        char *m = xasprintf("%s: %s\n%s", broken->kata->id, report_kata_problem(broken),
                            broken->message ? broken->message : "");
        put(root, "message", text(m));
        free(m);
    }
    json_object *tests = json_object_new_array();
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        for (int t = 0; t < kr->kata->ntests; t++) {
            const test_result_t *tr = &kr->tests[t];
            json_object *tj = json_object_new_object();
            char *name = report_test_name(s, kr, tr);
            put(tj, "name", text(name));
            free(name);
            put(tj, "status",
                json_object_new_string(tr->passed                  ? "pass"
                                       : kr->status != KATA_GRADED ? "error"
                                                                   : "fail"));
            char *details = report_details(kr, tr, o);
            if (details) put(tj, "message", text(details));
            free(details);
            if (tr->output && *tr->output) {
                char *out = truncate_text(tr->output, EXERCISM_OUTPUT_MAX);
                put(tj, "output", text(out));
                free(out);
            }
            json_object_array_add(tests, tj);
        }
    }
    put(root, "tests", tests);
    return write_json(path, root);
}

/* ---- Gradescope ---------------------------------------------------------- */

bool report_gradescope(const char *path, const submission_t *s, const report_opts_t *o)
{
    json_object *root = json_object_new_object();
    put(root, "score", json_object_new_int(s->points));
    put(root, "max_score", json_object_new_int(s->max_points));
    strbuf_t summary = {0};
    sb_addf(&summary,
            "gokata: %d/%d points. Each test scores only if it passes the plain run, "
            "ThreadSanitizer and Helgrind.\n",
            s->points, s->max_points);
    for (int i = 0; i < s->nkatas; i++) {
        const char *problem = report_kata_problem(&s->katas[i]);
        sb_addf(&summary, "%s: %d/%d%s%s\n", s->katas[i].kata->id, s->katas[i].points,
                s->katas[i].max_points, problem ? ", " : "", problem ? problem : "");
    }
    put(root, "output", text(summary.s));
    free(sb_take(&summary));
    json_object *tests = json_object_new_array();
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        for (int t = 0; t < kr->kata->ntests; t++) {
            const test_result_t *tr = &kr->tests[t];
            json_object *tj = json_object_new_object();
            char *name = report_test_name(s, kr, tr);
            put(tj, "name", text(name));
            free(name);
            put(tj, "score", json_object_new_int(tr->points));
            put(tj, "max_score", json_object_new_int(tr->spec->points));
            put(tj, "status", json_object_new_string(tr->passed ? "passed" : "failed"));
            char *details = report_details(kr, tr, o);
            char *out = details ? truncate_text(details, GRADESCOPE_OUTPUT_MAX) : xstrdup("");
            put(tj, "output", text(out));
            free(out);
            free(details);
            json_object_array_add(tests, tj);
        }
    }
    put(root, "tests", tests);
    return write_json(path, root);
}
