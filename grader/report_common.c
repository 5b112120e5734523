/* What every report says the same way: why a test failed, a kata's pass
 * verdicts, percentages. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int report_failed_pass(const test_result_t *t, const report_opts_t *o)
{
    for (int p = 0; p < NPASSES; p++)
        if (o->pass_enabled[p] && t->pass[p].verdict == V_FAIL) return p;
    return -1;
}

const char *report_kata_problem(const kata_result_t *kr)
{
    switch (kr->status) {
    case KATA_GRADED:
        return NULL;
    case KATA_MISSING_FILE:
        return "file missing";
    case KATA_BUILD_FAILED:
        return "does not compile";
    case KATA_BROKEN:
        return "kata broken";
    }
    return NULL;
}

char *report_reason(const kata_result_t *kr, const test_result_t *t, const report_opts_t *o)
{
    if (t->passed) return NULL;
    if (kr->status != KATA_GRADED) {
        char *first = first_line(kr->message ? kr->message : "");
        char *r = xasprintf("%s: %s", report_kata_problem(kr), first);
        free(first);
        return r;
    }
    int p = report_failed_pass(t, o);
    if (p < 0) return xstrdup("not run");
    return xasprintf("%s: %s", pass_names[p], t->pass[p].reason ? t->pass[p].reason : "failed");
}

char *report_details(const kata_result_t *kr, const test_result_t *t, const report_opts_t *o)
{
    if (t->passed) return NULL;
    if (kr->status != KATA_GRADED) return xstrdup(kr->message ? kr->message : "");
    strbuf_t b = {0};
    char *reason = report_reason(kr, t, o);
    sb_addf(&b, "%s\n", reason);
    free(reason);
    int p = report_failed_pass(t, o);
    if (p >= 0 && t->pass[p].detail && *t->pass[p].detail) {
        sb_add(&b, t->pass[p].detail);
        if (b.s[b.len - 1] != '\n') sb_add(&b, "\n");
    }
    /* Which passes it passed before failing: a race the plain run missed. */
    for (int q = 0; q < p; q++)
        if (o->pass_enabled[q] && t->pass[q].verdict == V_PASS)
            sb_addf(&b, "(it passed the %s)\n", pass_titles[q]);
    return sb_take(&b);
}

char *report_test_name(const submission_t *s, const kata_result_t *kr, const test_result_t *t)
{
    if (s->nkatas == 1) return xstrdup(t->spec->name);
    return xasprintf("%s: %s", kr->kata->id, t->spec->name);
}

char *report_pass_cell(const kata_result_t *kr, pass_id_t p, const report_opts_t *o)
{
    if (!o->pass_enabled[p]) return xstrdup("off");
    const pass_summary_t *s = &kr->pass[p];
    if (!s->ran || s->run == 0) {
        /* A later pass with nothing to run: every test failed the plain run. */
        return xstrdup("-");
    }
    if (s->stopped) return xasprintf("stopped");
    if (s->passed == s->run) return xstrdup("ok");
    return xasprintf("%d failed", s->run - s->passed);
}

double report_percent(int points, int max_points)
{
    return max_points > 0 ? 100.0 * points / max_points : 100.0;
}
