/*
 * pool-done-right: a worker pool with every goroutine accounted for. Three
 * workers count the letters of ten words; nothing deadlocks, nothing leaks.
 *
 *   Go:   jobs, results := make(chan string), make(chan int)
 *         var wg sync.WaitGroup
 *         for w := 0; w < 3; w++ {
 *             wg.Add(1)
 *             go func() { defer wg.Done(); for s := range jobs { results <- len(s) } }()
 *         }
 *         go func() { for _, s := range words { jobs <- s }; close(jobs) }()
 *         go func() { wg.Wait(); close(results) }()
 *         for n := range results { total += n }
 *
 * Who does what, and why nothing is left waiting:
 *   - a feeder goroutine sends the jobs, then closes jobs: it is the only
 *     sender, so it is the one who closes, and main is free to receive
 *     results meanwhile (no results-deadlock);
 *   - each worker ranges over jobs: the close ends its loop, then wg_done;
 *   - a closer goroutine waits for every worker, then closes results: the
 *     workers are the senders on results, and once they are all done
 *     nobody sends on it any more;
 *   - main ranges over results until that close.
 * Each goroutine ends, in that order, and the count is back to 1. (A pool
 * that lives on and takes jobs from many callers, as in this kata's tasks,
 * needs more: a bounded queue, and a shutdown that many senders can't
 * break.)
 *
 * Run:  make example KATA=08 NAME=pool-done-right
 * You will see (the per-worker counts vary from run to run):
 *   goroutines before: 1
 *   10 words, 58 letters
 *   worker 1 took 4 jobs, worker 2 took 3, worker 3 took 3
 *   goroutines after: 1
 *   (exit status 0)
 * Under both detectors it is clean:
 *   make example KATA=08 NAME=pool-done-right DETECTOR=tsan
 *   make example KATA=08 NAME=pool-done-right DETECTOR=helgrind
 */
#include <stdio.h>
#include <string.h>

#include "gokata.h"

enum { WORKERS = 3, WORDS = 10 };

static const char *const words[WORDS] = {"do",     "not",     "communicate", "by", "sharing",
                                         "memory", "instead", "share",       "by", "communicating"};

typedef struct {
    chan_t *jobs;    /* const char *; the feeder sends, then closes */
    chan_t *results; /* int; the workers send, the closer closes */
    wg_t wg;         /* the workers */
    int took[WORKERS];
} pool_t;

typedef struct {
    pool_t *p;
    int id;
} worker_arg_t;

static void worker(void *arg)
{
    worker_arg_t *w = arg;
    const char *word;
    while (chan_recv(w->p->jobs, &word)) {
        int n = (int)strlen(word);
        w->p->took[w->id]++; /* this worker's own slot: no other goroutine writes it */
        chan_send(w->p->results, &n);
    }
    wg_done(&w->p->wg);
}

static void feeder(void *arg)
{
    pool_t *p = arg;
    for (int i = 0; i < WORDS; i++)
        chan_send(p->jobs, &words[i]);
    chan_close(p->jobs); /* the only sender closes, after its last send */
}

static void closer(void *arg)
{
    pool_t *p = arg;
    wg_wait(&p->wg);        /* every worker has sent its last result */
    chan_close(p->results); /* so nobody sends on results any more */
}

int main(void)
{
    printf("goroutines before: %d\n", go_numgoroutine());
    pool_t p = {.jobs = chan_make(sizeof(const char *), 0), .results = chan_make(sizeof(int), 0)};
    worker_arg_t args[WORKERS];
    wg_add(&p.wg, WORKERS);
    for (int w = 0; w < WORKERS; w++) {
        args[w] = (worker_arg_t){.p = &p, .id = w};
        go(worker, &args[w]);
    }
    go(feeder, &p);
    go(closer, &p);

    int words_seen = 0, letters = 0, n;
    while (chan_recv(p.results, &n)) { /* ends with the closer's close */
        words_seen++;
        letters += n;
    }
    printf("%d words, %d letters\n", words_seen, letters);
    /* The close of results came after wg_wait, after every worker's
     * wg_done: their writes to took[] happen before this read. */
    printf("worker 1 took %d jobs, worker 2 took %d, worker 3 took %d\n", p.took[0], p.took[1],
           p.took[2]);

    go_wait_idle(); /* the feeder and the closer are returning: let them finish */
    printf("goroutines after: %d\n", go_numgoroutine());
    chan_free(p.jobs);
    chan_free(p.results);
    return 0;
}
