/*
 * Kata 04 · WaitGroup: your file. The contract of each function is in
 * waitgroup.h; the lesson in README.md; hints in HINTS.md.
 *
 * Tasks 1 and 4 are yours to write (replace each TODO). Tasks 2 and 3 are
 * written, and each has one bug: find it and fix it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "kata_todo.h"
#include "waitgroup.h"

/* ---- Task 1a: one goroutine per element --------------------------------- */

void map_each(const int *in, int *out, int n, map_fn f)
{
    (void)in, (void)out, (void)n, (void)f;
    TODO("map_each: start one goroutine per element, each computing out[i] = f(in[i]); "
         "wait for all of them with a wg_t");
}

/* ---- Task 1b: a fixed number of workers --------------------------------- */

void map_workers(const int *in, int *out, int n, int workers, map_fn f)
{
    (void)in, (void)out, (void)n, (void)workers, (void)f;
    TODO("map_workers: start min(workers, n) goroutines, each mapping its own share "
         "of the elements; wait for all of them");
}

/* ---- Task 2: fix the bug ------------------------------------------------ */

/*
 * BUG, as a user sees it: fetch_all sometimes returns before every result
 * is in out[]. When fetches are slow, the caller finds nothing where the
 * results should be; when they are fast, the answer is usually right, but
 * ThreadSanitizer reports data races (on out[], and on the jobs that
 * fetch_all frees), and once in a while the program crashes.
 */

typedef struct {
    fetch_fn fetch;
    int id;
    int *out;
    wg_t *wg;
} fetch_job_t;

static void fetch_one(void *arg)
{
    fetch_job_t *j = arg;
    wg_done(j->wg); /* Go: defer wg.Done() */
    *j->out = j->fetch(j->id);
}

void fetch_all(const int *ids, int *out, int n, fetch_fn fetch)
{
    if (n <= 0) return;
    fetch_job_t *jobs = malloc(sizeof *jobs * (size_t)n);
    if (!jobs) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (fetch_job_t){.fetch = fetch, .id = ids[i], .out = &out[i], .wg = &wg};
        wg_add(&wg, 1);
        go(fetch_one, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs);
}

/* ---- Task 3: fix the bug ------------------------------------------------ */

/*
 * BUG, as a user sees it: parse_all works while every text is a number,
 * but as soon as one is not, it never returns.
 */

typedef struct {
    const char *text;
    int *value;
    bool *ok;
    wg_t *wg;
} parse_job_t;

/* Is text a decimal int? Then *v is its value. (This part is right.) */
static bool parse_int(const char *text, int *v)
{
    /* strtol would skip leading spaces; a text must be digits only. */
    if (text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r')) return false;
    char *end;
    errno = 0;
    long x = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || x < INT_MIN || x > INT_MAX) return false;
    *v = (int)x;
    return true;
}

static void parse_one(void *arg)
{
    parse_job_t *j = arg;
    int v;
    if (!parse_int(j->text, &v)) {
        *j->ok = false;
        return;
    }
    *j->value = v;
    *j->ok = true;
    wg_done(j->wg);
}

int parse_all(const char *const *texts, int *values, bool *ok, int n)
{
    if (n <= 0) return 0;
    parse_job_t *jobs = malloc(sizeof *jobs * (size_t)n);
    if (!jobs) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (parse_job_t){.text = texts[i], .value = &values[i], .ok = &ok[i], .wg = &wg};
        wg_add(&wg, 1);
        go(parse_one, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs);
    int valid = 0;
    for (int i = 0; i < n; i++)
        valid += ok[i];
    return valid;
}

/* ---- Task 4: wait, with a timeout --------------------------------------- */

bool wait_timeout(wg_t *wg, go_duration_t d)
{
    (void)wg, (void)d;
    TODO("wait_timeout: start a goroutine that waits on wg and then closes a channel; "
         "select on that channel and a timer of d");
}
