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

static void failures(FILE *f, const submission_t *s, const report_opts_t *o)
{
    int shown = 0;
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        if (kr->status != KATA_GRADED) {
            fprintf(f, "\n%s%s%s: %s%s\n", paint(o, BOLD), kr->kata->id, paint(o, RESET),
                    report_kata_problem(kr), kr->status == KATA_BUILD_FAILED ? ":" : "");
            indented(f, kr->message ? kr->message : "", DETAIL_LINES * 2);
            continue;
        }
        for (int t = 0; t < kr->kata->ntests; t++) {
            const test_result_t *tr = &kr->tests[t];
            if (tr->passed) continue;
            char *reason = report_reason(kr, tr, o);
            int p = report_failed_pass(tr, o);
            fprintf(f, "\n%s%s › %s%s (%d point%s)\n  %s%s%s\n", paint(o, BOLD), kr->kata->id,
                    tr->spec->name, paint(o, RESET), tr->spec->points,
                    tr->spec->points == 1 ? "" : "s", paint(o, RED), reason, paint(o, RESET));
            free(reason);
            if (p >= 0 && tr->pass[p].detail && *tr->pass[p].detail && shown++ < MAX_DETAILED)
                indented(f, tr->pass[p].detail, DETAIL_LINES);
            for (int q = 0; q < p; q++)
                if (o->pass_enabled[q] && tr->pass[q].verdict == V_PASS)
                    fprintf(f, "  %s(it passed the %s)%s\n", paint(o, DIM), pass_titles[q],
                            paint(o, RESET));
        }
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
