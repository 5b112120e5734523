/*
 * The terminal report: per submission, a table (kata, tests passed, each
 * pass's verdict, points), the score, then why each failing test failed.
 * Color only when asked (a terminal, and NO_COLOR unset).
 */
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "report.h"
#include "util.h"

enum { DETAIL_LINES = 24, MAX_DETAILED = 12 };

static const char *paint(const report_opts_t *o, const char *code)
{
    return o->color ? code : "";
}
#define GREEN "\033[32m"
#define RED   "\033[31m"
#define BOLD  "\033[1m"
#define DIM   "\033[2m"
#define RESET "\033[0m"

/* Print s padded to width (s is ASCII here). */
static void cell(FILE *f, const report_opts_t *o, const char *s, int width)
{
    const char *color = !strcmp(s, "ok")                               ? GREEN
                        : strstr(s, "failed") || !strcmp(s, "stopped") ? RED
                                                                       : "";
    fprintf(f, "%s%-*s%s", paint(o, color), width, s, *color ? paint(o, RESET) : "");
}

static void table(FILE *f, const submission_t *s, const report_opts_t *o)
{
    int w = 4;
    for (int i = 0; i < s->nkatas; i++) {
        int n = (int)strlen(s->katas[i].kata->id);
        if (n > w) w = n;
    }
    fprintf(f, "%s%-*s  %-7s", paint(o, BOLD), w, "kata", "tests");
    for (int p = 0; p < NPASSES; p++)
        fprintf(f, "  %-9s", pass_names[p]);
    fprintf(f, "  points%s\n", paint(o, RESET));
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        char *tests = xasprintf("%d/%d", kr->passed, kr->kata->ntests);
        fprintf(f, "%-*s  %-7s", w, kr->kata->id, tests);
        free(tests);
        const char *problem = report_kata_problem(kr);
        if (problem) {
            fprintf(f, "  %s%-31s%s", paint(o, RED), problem, paint(o, RESET));
        } else {
            for (int p = 0; p < NPASSES; p++) {
                char *c = report_pass_cell(kr, (pass_id_t)p, o);
                fputs("  ", f);
                cell(f, o, c, 9);
                free(c);
            }
        }
        fprintf(f, "  %d/%d\n", kr->points, kr->max_points);
    }
}

static void indented(FILE *f, const char *text, int max_lines)
{
    char *head = head_lines(text, max_lines);
    for (const char *p = head; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "    %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    free(head);
}

/* Do two failing tests fail the same way, with nothing more to show (the
 * stub's "not implemented yet" for every test of a kata)? */
static bool same_failure(const kata_result_t *kr, const test_result_t *a, const test_result_t *b,
                         const report_opts_t *o)
{
    char *ra = report_reason(kr, a, o), *rb = report_reason(kr, b, o);
    int pa = report_failed_pass(a, o);
    bool same = !b->passed && !strcmp(ra, rb) && pa == report_failed_pass(b, o) &&
                (pa < 0 || (!a->pass[pa].detail && !b->pass[pa].detail));
    free(ra);
    free(rb);
    return same;
}

/* One failing test, or a run of tests that fail the same way. */
static int failure(FILE *f, const kata_result_t *kr, int t, const report_opts_t *o, int *detailed)
{
    const test_result_t *tr = &kr->tests[t];
    int n = 1, points = tr->spec->points;
    while (t + n < kr->kata->ntests && same_failure(kr, tr, &kr->tests[t + n], o))
        points += kr->tests[t + n++].spec->points;
    fprintf(f, "\n%s%s › %s", paint(o, BOLD), kr->kata->id, tr->spec->name);
    for (int i = 1; i < n; i++)
        fprintf(f, ", %s", kr->tests[t + i].spec->name);
    char *reason = report_reason(kr, tr, o);
    fprintf(f, "%s (%d point%s)\n  %s%s%s\n", paint(o, RESET), points, points == 1 ? "" : "s",
            paint(o, RED), reason, paint(o, RESET));
    free(reason);
    int p = report_failed_pass(tr, o);
    if (p >= 0 && tr->pass[p].detail && *tr->pass[p].detail && (*detailed)++ < MAX_DETAILED)
        indented(f, tr->pass[p].detail, DETAIL_LINES);
    for (int q = 0; q < p; q++)
        if (o->pass_enabled[q] && tr->pass[q].verdict == V_PASS)
            fprintf(f, "  %s(it passed the %s)%s\n", paint(o, DIM), pass_titles[q],
                    paint(o, RESET));
    return n;
}

static void failures(FILE *f, const submission_t *s, const report_opts_t *o)
{
    int detailed = 0;
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        if (kr->status != KATA_GRADED) {
            fprintf(f, "\n%s%s%s: %s%s\n", paint(o, BOLD), kr->kata->id, paint(o, RESET),
                    report_kata_problem(kr), kr->status == KATA_BUILD_FAILED ? ":" : "");
            indented(f, kr->message ? kr->message : "", DETAIL_LINES * 2);
            continue;
        }
        for (int t = 0; t < kr->kata->ntests;)
            t += kr->tests[t].passed ? 1 : failure(f, kr, t, o, &detailed);
    }
}

void report_terminal(FILE *f, const submission_t *subs, int n, const report_opts_t *o)
{
    for (int i = 0; i < n; i++) {
        const submission_t *s = &subs[i];
        if (s->name[0])
            fprintf(f, "%s%s== %s ==%s\n", i ? "\n" : "", paint(o, BOLD), s->name, paint(o, RESET));
        table(f, s, o);
        failures(f, s, o);
        fprintf(f, "\n%sScore: %d/%d (%.0f%%)%s\n", paint(o, BOLD), s->points, s->max_points,
                report_percent(s->points, s->max_points), paint(o, RESET));
    }
    if (n > 1) {
        fprintf(f, "\n%sSubmissions%s\n", paint(o, BOLD), paint(o, RESET));
        for (int i = 0; i < n; i++)
            fprintf(f, "  %-30s %d/%d (%.0f%%)\n", subs[i].name, subs[i].points, subs[i].max_points,
                    report_percent(subs[i].points, subs[i].max_points));
    }
}

void report_progress_line(FILE *f, const submission_t *s, const kata_result_t *kr)
{
    const char *problem = report_kata_problem(kr);
    fprintf(f, "graded %s%s%s: %d/%d points%s%s (%.1f s)\n", s->name, s->name[0] ? " " : "",
            kr->kata->id, kr->points, kr->max_points, problem ? ", " : "", problem ? problem : "",
            kr->seconds);
}
