/*
 * JUnit XML, the format every CI's test view reads: a <testsuite> per kata,
 * a <testcase> per test, <failure> for a test that ran and failed, <error>
 * for one that could not run (its kata does not compile). Text from tests
 * is escaped, and characters XML 1.0 forbids are replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

/* Escape for an attribute or element text; control characters other than
 * tab and newline are not allowed in XML 1.0, even as references. */
static void xml_text(FILE *f, const char *s)
{
    char *clean = utf8_clean(s ? s : "");
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\n':
            fputs("&#10;", f);
            break;
        case '\t':
            fputc('\t', f);
            break;
        default:
            fputc(*p < 0x20 ? '?' : *p, f);
        }
    }
    free(clean);
}

/* Element content: newlines kept as they are. */
static void xml_body(FILE *f, const char *s)
{
    char *clean = utf8_clean(s ? s : "");
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '\n':
        case '\t':
            fputc(*p, f);
            break;
        default:
            fputc(*p < 0x20 ? '?' : *p, f);
        }
    }
    free(clean);
}

static void testcase(FILE *f, const submission_t *s, const kata_result_t *kr,
                     const test_result_t *t, const report_opts_t *o)
{
    fputs("    <testcase classname=\"", f);
    xml_text(f, kr->kata->id);
    fputs("\" name=\"", f);
    xml_text(f, t->spec->name);
    fputs("\"", f);
    (void)s;
    if (t->passed) {
        fputs("/>\n", f);
        return;
    }
    bool error = kr->status != KATA_GRADED;
    int p = report_failed_pass(t, o);
    char *reason = report_reason(kr, t, o), *details = report_details(kr, t, o);
    fprintf(f, ">\n      <%s message=\"", error ? "error" : "failure");
    xml_text(f, reason);
    fprintf(f, "\" type=\"%s\">",
            error    ? report_kata_problem(kr)
            : p >= 0 ? pass_names[p]
                     : "failure");
    xml_body(f, details);
    fprintf(f, "</%s>\n", error ? "error" : "failure");
    if (t->output && *t->output) {
        fputs("      <system-out>", f);
        xml_body(f, t->output);
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
    free(reason);
    free(details);
}

bool report_junit(const char *path, const submission_t *s, const report_opts_t *o)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    int tests = 0, failures = 0, errors = 0;
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        tests += kr->kata->ntests;
        if (kr->status != KATA_GRADED)
            errors += kr->kata->ntests;
        else
            failures += kr->kata->ntests - kr->passed;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
    xml_text(f, s->name[0] ? s->name : "gokata");
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n", tests, failures, errors);
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        int kf = kr->status == KATA_GRADED ? kr->kata->ntests - kr->passed : 0;
        int ke = kr->status == KATA_GRADED ? 0 : kr->kata->ntests;
        fputs("  <testsuite name=\"", f);
        xml_text(f, kr->kata->id);
        fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\">\n",
                kr->kata->ntests, kf, ke);
        for (int t = 0; t < kr->kata->ntests; t++)
            testcase(f, s, kr, &kr->tests[t], o);
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return fclose(f) == 0;
}
