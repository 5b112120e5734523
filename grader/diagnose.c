/*
 * Turning what a failing test printed into the learner's terms.
 *
 * Race reports are long: ThreadSanitizer's and Helgrind's stacks run through
 * the runtime, Check and libc. A learner needs the two accesses and the
 * lines of their own code (and the test's) that made them, so each report
 * keeps its section headings and, under each, only the frames in katas/ and
 * tests/katas/.
 */
#include "diagnose.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { MAX_REPORTS = 3, MAX_DUMP_LINES = 60 };

const char *short_path(const char *path)
{
    /* From the last "katas/" that starts a path component, with "tests/"
     * before it if that is there too. */
    const char *best = NULL;
    for (const char *p = path; (p = strstr(p, "katas/")); p++)
        if (p == path || p[-1] == '/') best = p;
    if (!best) {
        while (path[0] == '.' && path[1] == '/')
            path += 2;
        return path;
    }
    if (best - path >= 6 && !strncmp(best - 6, "tests/", 6) &&
        (best - 6 == path || best[-7] == '/'))
        best -= 6;
    return best;
}

bool is_kata_path(const char *path)
{
    path = short_path(path);
    return starts_with(path, "katas/") || starts_with(path, "tests/katas/");
}

/* Iterate over lines: *line gets a copy of each (without its newline). */
static bool next_line(const char **p, char **line)
{
    if (!**p) return false;
    size_t n = strcspn(*p, "\n");
    *line = xstrndup(*p, n);
    *p += (*p)[n] == '\n' ? n + 1 : n;
    return true;
}

/* Remove " at 0x1234" and parenthesized ids ("(pid=N)", "(tid=N, finished)",
 * "(bin+0x11400)"): noise to a learner, and different on every run. */
static char *strip_addresses(const char *s)
{
    strbuf_t b = {0};
    sb_add(&b, "");
    while (*s) {
        if (starts_with(s, " at 0x")) {
            s += 6;
            while (isxdigit((unsigned char)*s))
                s++;
            continue;
        }
        if (starts_with(s, " (")) {
            const char *close = strchr(s, ')');
            char *inside = close ? xstrndup(s, (size_t)(close - s)) : NULL;
            bool noise = inside &&
                         (strstr(inside, "0x") || strstr(inside, "tid=") || strstr(inside, "pid="));
            free(inside);
            if (noise) {
                s = close + 1;
                continue;
            }
        }
        sb_addn(&b, s, 1);
        s++;
    }
    return sb_take(&b);
}

/* ---- ThreadSanitizer ---------------------------------------------------- */

/* "    #0 compute katas/01-sum/sum.c:15 (bin+0x385c)" -> function and place. */
static bool tsan_frame(const char *line, char **fn, char **where)
{
    const char *p = line;
    while (*p == ' ')
        p++;
    if (*p != '#') return false;
    while (*p && *p != ' ')
        p++;
    while (*p == ' ')
        p++;
    size_t fl = strcspn(p, " ");
    if (!p[fl]) return false;
    *fn = xstrndup(p, fl);
    p += fl + 1;
    size_t wl = strcspn(p, " ");
    char *w = xstrndup(p, wl);
    /* clang's reports add a column (file:line:col): keep file:line, as gcc's */
    char *colon = strrchr(w, ':');
    if (colon && colon != w) {
        char *prev = colon - 1;
        while (prev > w && *prev >= '0' && *prev <= '9')
            prev--;
        if (*prev == ':' && colon[1] >= '0' && colon[1] <= '9') *colon = '\0';
    }
    *where = xstrdup(short_path(w));
    free(w);
    return true;
}

/* Drop " of size N": the learner needs which access, not its width. */
static char *without_size(const char *s)
{
    const char *p = strstr(s, " of size ");
    if (!p) return xstrdup(s);
    const char *q = p + strlen(" of size ");
    while (isdigit((unsigned char)*q))
        q++;
    return xasprintf("%.*s%s", (int)(p - s), s, q);
}

/* "Write of size 8 at 0x... by thread T2:" -> "write by thread T2" */
static char *access_words(const char *heading)
{
    char *h = strip_addresses(heading);
    char *out = without_size(h);
    free(h);
    size_t n = strlen(out);
    if (n && out[n - 1] == ':') out[n - 1] = '\0';
    out[0] = (char)tolower((unsigned char)out[0]);
    return out;
}

/* Frames that say nothing about who made an access: the sanitizer's own
 * interceptors (malloc, free, pthread_create), libc's start code. */
static bool is_noise_frame(const char *where)
{
    return strstr(where, "libsanitizer") || strstr(where, "sysdeps") || strstr(where, "<null>") ||
           strstr(where, "libc.so");
}

/* One section of a report and its frames, gathered until it ends. */
typedef struct {
    bool open, is_access; /* is_access: one of the two accesses the reason names */
    char *fn[64], *where[64];
    int n;
} section_t;

/* Show a section's frames: those in kata code; if it has none (a race
 * inside the runtime), its first two meaningful frames, so that the report
 * still says where. */
static void flush_section(section_t *sec, strbuf_t *detail, strbuf_t *reason)
{
    int kata = 0, shown = 0;
    for (int i = 0; i < sec->n; i++)
        kata += is_kata_path(sec->where[i]);
    for (int i = 0; i < sec->n; i++) {
        bool show =
            kata ? is_kata_path(sec->where[i]) : !is_noise_frame(sec->where[i]) && shown < 2;
        if (!show) continue;
        sb_addf(detail, "    %s  %s\n", sec->fn[i], sec->where[i]);
        if (sec->is_access && shown == 0) sb_addf(reason, " at %s (%s)", sec->where[i], sec->fn[i]);
        shown++;
    }
    for (int i = 0; i < sec->n; i++) {
        free(sec->fn[i]);
        free(sec->where[i]);
    }
    *sec = (section_t){0};
}

/*
 * A report: "WARNING: ThreadSanitizer: data race", then sections indented
 * by two spaces ("Write of size 8 at ... by main thread:", "Location is
 * global 'total' ...", "Thread T2 ... created by main thread at:"), each
 * followed by frames indented by four ("#0 fn file:line (module+offset)").
 * The reason names the first two accesses and the first kata frame of each.
 */
bool diagnose_tsan(const char *output, diagnosis_t *d)
{
    const char *p = strstr(output, "WARNING: ThreadSanitizer: ");
    if (!p) return false;
    strbuf_t detail = {0}, reason = {0};
    int reports = 0, accesses = 0;
    bool in_report = false;
    section_t sec = {0};
    char *line;
    while (next_line(&p, &line)) {
        char *fn, *where;
        if (starts_with(line, "WARNING: ThreadSanitizer: ")) {
            flush_section(&sec, &detail, &reason);
            if (++reports > MAX_REPORTS) {
                free(line);
                break;
            }
            char *what = strip_addresses(line + strlen("WARNING: ThreadSanitizer: "));
            if (reports == 1) sb_addf(&reason, "%s", what);
            sb_addf(&detail, "%sThreadSanitizer: %s\n", reports > 1 ? "\n" : "", what);
            free(what);
            in_report = true;
        } else if (!in_report) {
        } else if (starts_with(line, "SUMMARY:") || starts_with(line, "=========")) {
            flush_section(&sec, &detail, &reason);
            in_report = false;
        } else if (tsan_frame(line, &fn, &where)) {
            if (sec.open && sec.n < 64) {
                sec.fn[sec.n] = fn;
                sec.where[sec.n++] = where;
            } else {
                free(fn);
                free(where);
            }
        } else if (starts_with(line, "  Location is global '<null>'")) {
            /* gcc 12's TSan adds this after "Location is stack of ...": noise */
        } else if (starts_with(line, "  ") && line[2] != ' ' && line[2]) {
            flush_section(&sec, &detail, &reason);
            char *h = strip_addresses(line + 2);
            size_t n = strlen(h);
            sec.open = n && h[n - 1] == ':'; /* a heading with frames below */
            sb_addf(&detail, "  %s\n", h);
            if (reports == 1 && sec.open && accesses < 2 && !starts_with(h, "Thread ")) {
                char *a = access_words(line + 2);
                sb_addf(&reason, "%s %s", accesses ? ";" : ":", a);
                free(a);
                accesses++;
                sec.is_access = true;
            }
            free(h);
        }
        free(line);
    }
    flush_section(&sec, &detail, &reason);
    d->reason = xasprintf("ThreadSanitizer: %s", reason.s ? reason.s : "");
    free(sb_take(&reason));
    d->detail = sb_take(&detail);
    return true;
}

/* ---- Helgrind ----------------------------------------------------------- */

/* "   at 0x10B851: sum_to (katas/01-sum/sum.c:23)" -> function and place. */
static bool vg_frame(const char *line, char **fn, char **where)
{
    const char *p = line;
    while (*p == ' ')
        p++;
    if (!starts_with(p, "at 0x") && !starts_with(p, "by 0x")) return false;
    p = strchr(p, ':');
    if (!p) return false;
    p += 2;
    size_t fl = strcspn(p, " ");
    *fn = xstrndup(p, fl);
    const char *open = strchr(p, '(');
    const char *close = open ? strrchr(open, ')') : NULL;
    if (open && close) {
        char *w = xstrndup(open + 1, (size_t)(close - open - 1));
        *where = xstrdup(short_path(w));
        free(w);
    } else {
        *where = xstrdup("?");
    }
    return true;
}

/* The text of a Helgrind line, without its "==PID== " prefix. */
static const char *vg_text(const char *line)
{
    if (line[0] != '=' || line[1] != '=') return line;
    const char *p = strstr(line + 2, "==");
    return p ? p + (p[2] == ' ' ? 3 : 2) : line;
}

/*
 * An error is a block of lines between blank ones: a heading ("Possible data
 * race during write of size 8 at 0x... by thread #1"), "Locks held", frames
 * ("at 0x...: fn (file:line)", "by 0x...: ..."), and for a race a second
 * block ("This conflicts with a previous write ...") with its frames. Blocks
 * without frames (banners, summaries) and thread announcements (where each
 * thread was created) are left out.
 */
typedef struct {
    strbuf_t text;     /* the block as shown */
    char *heading;     /* its first line */
    char *first_frame; /* " at FILE:LINE (FN)" of its first kata frame */
    bool frames, announcement;
} vg_block_t;

static void vg_block_line(vg_block_t *b, const char *line)
{
    char *fn, *where;
    if (starts_with(line, "---Thread-Announcement")) b->announcement = true;
    if (starts_with(line, "---") || starts_with(line, "Locks held")) return;
    if (vg_frame(line, &fn, &where)) {
        b->frames = true;
        if (is_kata_path(where)) {
            sb_addf(&b->text, "    %s  %s\n", fn, where);
            if (!b->first_frame) b->first_frame = xasprintf(" at %s (%s)", where, fn);
        }
        free(fn);
        free(where);
        return;
    }
    char *h0 = strip_addresses(line[0] == ' ' ? line + 1 : line);
    char *h = without_size(h0);
    free(h0);
    if (!b->heading) b->heading = xstrdup(h);
    sb_addf(&b->text, "%s%s\n", line[0] == ' ' ? "  " : "", h);
    free(h);
}

bool diagnose_helgrind(const char *log, diagnosis_t *d)
{
    strbuf_t detail = {0}, reason = {0};
    const char *p = log;
    char *raw;
    int errors = 0;
    vg_block_t b = {0};
    bool more = true;
    while (more) {
        more = next_line(&p, &raw);
        const char *line = more ? vg_text(raw) : "";
        if (*line) {
            vg_block_line(&b, line);
        } else if (b.heading) {
            /* The end of a block: keep it if it is an error. */
            bool second = starts_with(b.heading, "This conflicts");
            if (b.frames && !b.announcement && !second) errors++;
            if (b.frames && !b.announcement && errors >= 1 && errors <= MAX_REPORTS) {
                if (errors == 1)
                    sb_addf(&reason, "%s%s%s", second ? "; " : "", b.heading,
                            b.first_frame ? b.first_frame : "");
                sb_addf(&detail, "%s%s", !second && errors > 1 ? "\n" : "", b.text.s);
            }
            free(sb_take(&b.text));
            free(b.heading);
            free(b.first_frame);
            b = (vg_block_t){0};
        }
        if (more) free(raw);
    }
    if (errors == 0) {
        free(sb_take(&detail));
        free(sb_take(&reason));
        return false;
    }
    d->reason = xasprintf("Helgrind: %s", reason.s);
    free(sb_take(&reason));
    d->detail = sb_take(&detail);
    return true;
}

/* ---- the runtime's panics and fatal errors ------------------------------ */

bool diagnose_runtime(const char *output, diagnosis_t *d)
{
    const char *p = output;
    while (p && *p) {
        if (starts_with(p, "panic: ") || starts_with(p, "fatal error: ") ||
            starts_with(p, "SIGQUIT: quit"))
            break;
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (!p || !*p) return false;
    d->reason = first_line(p);
    /* The detail is the dump that follows (the reason is the first line). */
    p += strlen(d->reason);
    while (*p == '\n')
        p++;
    d->detail = head_lines(p, MAX_DUMP_LINES);
    return true;
}
