/*
 * A Markdown summary for a CI job page (GitHub's $GITHUB_STEP_SUMMARY, a
 * merge request comment): the score, the table, and each failing test's
 * reason with its details folded away.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

/* Table cells: a pipe would end the cell, a newline the row. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

/* A fenced block longer than any run of backticks inside it. */
static void md_code(FILE *f, const char *s)
{
    int longest = 0, run = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    int fence = longest >= 3 ? longest + 1 : 3;
    fprintf(f, "%.*stext\n%s%s%.*s\n", fence, "``````````````````", s,
            s[0] && s[strlen(s) - 1] == '\n' ? "" : "\n", fence, "``````````````````");
}

/* HTML inside <summary>: escape what HTML would read. */
static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

bool report_markdown(const char *path, const submission_t *s, const report_opts_t *o)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f, "## gokata%s%s: %d/%d points (%.0f%%)\n\n", s->name[0] ? " · " : "", s->name,
            s->points, s->max_points, report_percent(s->points, s->max_points));
    fputs("| Kata | Tests |", f);
    for (int p = 0; p < NPASSES; p++)
        fprintf(f, " %s |", pass_names[p]);
    fputs(" Points |\n|:--|--:|", f);
    for (int p = 0; p < NPASSES; p++)
        fputs(":-:|", f);
    fputs("--:|\n", f);
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        fputs("| ", f);
        md_cell(f, kr->kata->id);
        fprintf(f, " | %d/%d |", kr->passed, kr->kata->ntests);
        const char *problem = report_kata_problem(kr);
        for (int p = 0; p < NPASSES; p++) {
            char *c =
                problem ? xstrdup(p == 0 ? problem : "") : report_pass_cell(kr, (pass_id_t)p, o);
            const char *mark = !strcmp(c, "ok") ? "✅ " : strstr(c, "failed") || problem ? "❌ " : "";
            fprintf(f, " %s", *c ? mark : "");
            md_cell(f, c);
            fputs(" |", f);
            free(c);
        }
        fprintf(f, " %d/%d |\n", kr->points, kr->max_points);
    }

    bool header = false;
    for (int i = 0; i < s->nkatas; i++) {
        const kata_result_t *kr = &s->katas[i];
        for (int t = 0; t < kr->kata->ntests; t++) {
            const test_result_t *tr = &kr->tests[t];
            if (tr->passed) continue;
            if (!header) fputs("\n### Not passing yet\n", f);
            header = true;
            char *reason = report_reason(kr, tr, o), *details = report_details(kr, tr, o);
            /* The details start with the reason, already in the summary line. */
            const char *body = details;
            if (starts_with(body, reason) && body[strlen(reason)] == '\n')
                body += strlen(reason) + 1;
            fputs(*body ? "\n<details><summary>" : "\n- ", f);
            fputs("<code>", f);
            html_text(f, kr->kata->id);
            fputs("</code> <code>", f);
            html_text(f, tr->spec->name);
            fputs("</code>: ", f);
            html_text(f, reason);
            if (*body) {
                fputs("</summary>\n\n", f);
                md_code(f, body);
                fputs("\n</details>\n", f);
            } else {
                fputs("\n", f);
            }
            free(reason);
            free(details);
        }
    }
    return fclose(f) == 0;
}
