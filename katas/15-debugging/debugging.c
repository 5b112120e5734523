/*
 * Kata 15 · Concurrency debugging tools. This is the file you edit.
 *
 * The contract of every function is in debugging.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=15
 *
 * Tasks 1 to 5 are written, and each has a bug. Don't guess: grade it,
 * read what the detector or the dump says (the two lines of a race, the
 * line where each goroutine waits), and fix what it points at.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"
#include "kata_todo.h"
#include "debugging.h"

/* ---- Task 1: fix the bug ------------------------------------------------- */
/*
 * What you see: the total is right on most plain runs and a little short
 * on some; ThreadSanitizer and Helgrind report a data race every time.
 */

typedef struct {
    long visits;
    int visits_each;
    wg_t wg;
} visit_counter_t;

static void visitor(void *arg)
{
    visit_counter_t *c = arg;
    for (int i = 0; i < c->visits_each; i++) {
        c->visits++;
        go_yield(); /* between visits, let the others run */
    }
    wg_done(&c->wg);
}

long count_visits(int workers, int visits_each)
{
    visit_counter_t c = {.visits_each = visits_each};
    for (int w = 0; w < workers; w++) {
        wg_add(&c.wg, 1);
        go(visitor, &c);
    }
    wg_wait(&c.wg);
    return c.visits;
}

/* ---- Task 2: fix the bug ------------------------------------------------- */
/*
 * What you see: every caller gets a value, nearly always the same one; now
 * and then build runs twice; the detectors report a race every time.
 */

void *lazy_get(lazy_t *l)
{
    if (l->value == NULL) l->value = l->build(l->build_arg);
    return l->value;
}

/* ---- Task 3: fix the bug ------------------------------------------------- */
/*
 * What you see: squares go missing now and then, or the program crashes in
 * realloc; the detectors report races in int_list_append.
 */

typedef struct {
    int_list_t *out;
    wg_t *wg;
    int i;
} square_job_t;

static void append_square(void *arg)
{
    square_job_t *job = arg;
    int_list_append(job->out, job->i * job->i);
    wg_done(job->wg);
}

void collect_squares(int n, int_list_t *out)
{
    if (n <= 0) return;
    square_job_t *jobs = calloc((size_t)n, sizeof *jobs);
    if (!jobs) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (square_job_t){.out = out, .wg = &wg, .i = i};
        wg_add(&wg, 1);
        go(append_square, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs);
}

/* ---- Task 4: fix the bug ------------------------------------------------- */
/*
 * What you see: some slots of the table are never filled, f is called
 * twice with the same i, now and then with i == n (one past the end of
 * the table); the detectors report a race on i.
 */

typedef struct {
    long *table;
    long (*f)(int i);
    wg_t *wg;
    int *i;
} fill_job_t;

static void fill_one(void *arg)
{
    fill_job_t *job = arg;
    int i = *job->i;
    job->table[i] = job->f(i);
    wg_done(job->wg);
}

void fill_table(long *table, int n, long (*f)(int i))
{
    wg_t wg = {0};
    fill_job_t job = {.table = table, .f = f, .wg = &wg};
    for (int i = 0; i < n; i++) {
        job.i = &i;
        wg_add(&wg, 1);
        go(fill_one, &job);
    }
    wg_wait(&wg);
}

/* ---- Task 5: fix the bug ------------------------------------------------- */
/*
 * What you see: transfers in one direction work; with transfers both ways
 * at once the program stops with "fatal error: all goroutines are asleep -
 * deadlock!" and a goroutine dump.
 */

void transfer(account_t *from, account_t *to, long amount)
{
    mutex_lock(&from->mu);
    mutex_lock(&to->mu);
    from->balance -= amount;
    to->balance += amount;
    mutex_unlock(&to->mu);
    mutex_unlock(&from->mu);
}

/* ---- Task 6 ------------------------------------------------------------- */

int profile_parse(const char *dump, goroutine_profile_t *p)
{
    (void)dump;
    (void)p;
    TODO("profile_parse: find each record (a line \"goroutine <id> [\"), take its state (up to "
         "\"]\" or \", \"), its function and its site; group by state and site, count, sort by "
         "count");
}

int profile_since(go_leak_mark_t mark, goroutine_profile_t *p)
{
    (void)mark;
    (void)p;
    TODO("profile_since: go_leak_check(mark, buf, 64 KiB) gives the survivors' dump; parse it "
         "with profile_parse");
}

/* ---- Task 7 ------------------------------------------------------------- */

int trace_summary(const char *path, trace_track_t *tracks, int max)
{
    (void)path;
    (void)tracks;
    (void)max;
    TODO("trace_summary: json_object_from_file(path); for each event of \"traceEvents\", find "
         "or add the track of its \"tid\" and count it by \"ph\" and \"name\"; sort by gid");
}
