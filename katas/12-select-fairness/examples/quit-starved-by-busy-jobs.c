/*
 * quit-starved-by-busy-jobs: a worker whose quit signal loses to a channel
 * that is always ready.
 *
 *   make example KATA=12 NAME=quit-starved-by-busy-jobs
 *
 * jobs holds 50 jobs (always one ready); each takes 1 s; quit is closed at
 * 2.5 s, during job 3. Three workers, in virtual time (go_synctest); the
 * second ten times:
 *
 *   quit only in default:     stopped at 50 s, 47 jobs started after quit was closed
 *   one select on both:       jobs started after quit, run by run: 0, 1, 0, 1, 0, 0, 0, 0, 0, 1
 *   quit first, then select:  stopped at 3 s, 0 jobs started after quit was closed
 *
 * The first takes a job if one is ready and looks at quit only otherwise
 * (Go: `select { case j := <-jobs: work(j); continue; default: }` before the
 * select on both; in C, a chan_try_recv on jobs first): under a flood, that
 * "otherwise" never comes. The second leaves it to chance: with both ready, select picks the
 * job half of the time, so each run (a new worker goroutine, with its own
 * random stream) may start a job or two more. The third looks at quit on
 * its own, without blocking, before each job.
 */
#include <stdio.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

enum { JOBS = 50 };

static go_duration_t now(void)
{
    return time_now() - EPOCH_2000;
}

typedef struct {
    chan_t *quit, *jobs;
    int started_after_quit;
    wg_t wg;
} worker_t;

#define QUIT_AT (2500 * MILLISECOND)

static void work(worker_t *w)
{
    if (now() > QUIT_AT) w->started_after_quit++;
    go_sleep(SECOND);
}

static void quit_only_in_default(worker_t *w)
{
    int job;
    for (;;) {
        bool ok;
        if (chan_try_recv(w->jobs, &job, &ok)) { /* case j := <-jobs */
            work(w);
            continue;
        }
        if (chan_try_recv(w->quit, NULL, NULL)) return; /* default: quitting? */
        select_case_t cs[] = {select_recv(w->quit, NULL), select_recv(w->jobs, &job)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 0) return;
        work(w);
    }
}

static void one_select(worker_t *w)
{
    int job;
    for (;;) {
        select_case_t cs[] = {select_recv(w->quit, NULL), select_recv(w->jobs, &job)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 0) return;
        work(w);
    }
}

static void quit_first(worker_t *w)
{
    int job;
    for (;;) {
        if (chan_try_recv(w->quit, NULL, NULL)) return; /* quit closed: stop now */
        select_case_t cs[] = {select_recv(w->quit, NULL), select_recv(w->jobs, &job)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 0) return;
        work(w);
    }
}

static void (*loop)(worker_t *);
static worker_t w;
static go_duration_t stopped_at;

static void worker(void *arg)
{
    (void)arg;
    loop(&w);
    stopped_at = now();
    wg_done(&w.wg);
}

static void run(void *arg)
{
    (void)arg;
    w = (worker_t){.quit = chan_make(0, 0), .jobs = chan_make(sizeof(int), JOBS)};
    for (int i = 0; i < JOBS; i++)
        chan_send(w.jobs, &i);
    wg_add(&w.wg, 1);
    go(worker, NULL);
    go_sleep(QUIT_AT);
    chan_close(w.quit);
    wg_wait(&w.wg);
    chan_free(w.quit);
    chan_free(w.jobs);
}

static void show(const char *name, void (*fn)(worker_t *), int runs)
{
    loop = fn;
    printf("%-25s", name);
    for (int i = 0; i < runs; i++) {
        go_synctest(run, NULL);
        if (runs == 1)
            printf(" stopped at %g s, %d job%s started after quit was closed\n",
                   (double)stopped_at / SECOND, w.started_after_quit,
                   w.started_after_quit == 1 ? "" : "s");
        else
            printf("%s%d",
                   i ? ", " : " jobs started after quit, run by run: ", w.started_after_quit);
    }
    if (runs > 1) printf("\n");
}

int main(void)
{
    show("quit only in default:", quit_only_in_default, 1);
    show("one select on both:", one_select, 10);
    show("quit first, then select:", quit_first, 1);
    return 0;
}
