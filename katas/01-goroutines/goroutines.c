/*
 * Kata 01 · Goroutines. This is the file you edit.
 *
 * The contract of every function is in goroutines.h; the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with:  make grade KATA=01
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>

#include "gokata.h"
#include "kata_todo.h"
#include "goroutines.h"

/* ---- Task 1 ------------------------------------------------------------ */

long sum_parallel(const long *xs, size_t n, int workers)
{
    (void)xs;
    (void)n;
    (void)workers;
    TODO("sum_parallel: one goroutine per part, each writing its own slot; wait for all, then add "
         "up the slots");
}

/* ---- Task 2: fix the bug ------------------------------------------------- */
/*
 * This code has a bug. What you see: the total is often too small (often
 * 0), now and then right; counts[] is sometimes partly filled in when the
 * caller looks at it; and ThreadSanitizer and Helgrind report a data race
 * between count_one writing *job->count and count_words reading counts[i].
 */

/* The number of words in doc: runs of characters that are not white space. */
static int words_in(const char *doc)
{
    int words = 0;
    bool in_word = false;
    for (const char *p = doc; *p; p++) {
        bool space = isspace((unsigned char)*p);
        if (!space && !in_word) words++;
        in_word = !space;
    }
    return words;
}

typedef struct {
    const char *doc;
    int *count;
} count_job_t;

/* One document's goroutine. The job was allocated for it alone, so it frees it. */
static void count_one(void *arg)
{
    count_job_t *job = arg;
    *job->count = words_in(job->doc);
    free(job);
}

long count_words(const char *const *docs, int n, int *counts)
{
    for (int i = 0; i < n; i++) {
        count_job_t *job = malloc(sizeof *job);
        if (!job) abort();
        *job = (count_job_t){.doc = docs[i], .count = &counts[i]};
        go(count_one, job);
    }
    long total = 0;
    for (int i = 0; i < n; i++)
        total += counts[i];
    return total;
}

/* ---- Task 3: fix the bug ------------------------------------------------- */
/*
 * This code has a bug. What you see: with good input it returns the right
 * sum; with a negative number it returns -1, as it should, but the test then
 * fails with "1 goroutine leaked": a goroutine still blocked in
 * sum_in_background [chan send], created by checked_sum. Every call with bad
 * input leaves one more behind, for as long as the program runs.
 */

typedef struct {
    const long *xs;
    size_t n;
    chan_t *result; /* the sum goes back to checked_sum through this */
} sum_job_t;

static void sum_in_background(void *arg)
{
    sum_job_t *job = arg;
    long sum = 0;
    for (size_t i = 0; i < job->n; i++)
        sum += job->xs[i];
    chan_send(job->result, &sum); /* waits until checked_sum takes the sum */
    free(job);
}

long checked_sum(const long *xs, size_t n)
{
    chan_t *result = chan_make(sizeof(long), 0);
    sum_job_t *job = malloc(sizeof *job);
    if (!job) abort();
    *job = (sum_job_t){.xs = xs, .n = n, .result = result};
    go(sum_in_background, job);

    for (size_t i = 0; i < n; i++)
        if (xs[i] < 0) return -1;

    long sum;
    chan_recv(result, &sum);
    chan_free(result); /* nobody uses it any more: the goroutine has sent */
    return sum;
}

/* ---- Task 4 ------------------------------------------------------------ */

void run_together(int n, index_func_t fn, void *arg)
{
    (void)n;
    (void)fn;
    (void)arg;
    TODO("run_together: start fn(i, arg) for every i, each goroutine with its own i; then wait "
         "for all of them");
}
