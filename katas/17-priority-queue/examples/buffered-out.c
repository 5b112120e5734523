/*
 * buffered-out: a buffer between the heap and the workers undoes the
 * priorities. "A buffered out channel goes faster", so the dispatcher sends
 * into a channel of capacity 4: it fills the buffer with the best 4 jobs it
 * has at that moment, and from then on those 4 are decided. An urgent job
 * that comes in a moment later waits behind all of them: the heap can only
 * order what is still in it. With out unbuffered, the dispatcher decides at
 * the instant a worker is ready to receive, so the urgent job goes next.
 *
 *   Go, wrong:   out := make(chan job, 4)
 *   Go, right:   out := make(chan job)      // the choice waits for the worker
 *
 * Run:  make example KATA=17 NAME=buffered-out
 * You will see:
 *   out with a buffer of 4: 1(p1) 2(p2) 3(p3) 4(p4) 5(p5) 99(p9) 6(p6)
 *   out unbuffered:         1(p1) 99(p9) 6(p6) 5(p5) 4(p4) 3(p3) 2(p2)
 * Jobs 2 to 5 each went into the buffer the moment they came in, so they go
 * out in arrival order, not by priority; and job 99, the most urgent, which
 * came in while the worker was busy with job 1, went sixth, behind the four
 * jobs the heap had already let go.
 */
#include <stdio.h>
#include <string.h>

#include "priority.h"

pq_watch_t pq_watch;

typedef struct {
    chan_t *in, *out;
} cfg_t;

static void dispatch(void *arg) /* the kata's dispatcher, without ctx or aging */
{
    cfg_t *c = arg;
    pq_t *q = pq_new();
    long seq = 0;
    for (;;) {
        int n = pq_len(q);
        if (c->in == NULL && n == 0) break;
        job_t got, top = n > 0 ? pq_top(q).job : (job_t){0};
        select_case_t cs[] = {select_recv(c->in, &got), select_send(n > 0 ? c->out : NULL, &top)};
        int w = chan_select(cs, 2, SELECT_BLOCK);
        if (w == 0 && !cs[0].ok)
            c->in = NULL;
        else if (w == 0)
            pq_push(q, (pq_item_t){.job = got, .rank = -got.prio, .seq = seq++});
        else
            pq_pop(q);
    }
    pq_free(q);
    chan_close(c->out);
}

static void producer(void *arg)
{
    cfg_t *c = arg;
    job_t j = {.id = 1, .prio = 1}; /* the worker takes it at once */
    chan_send(c->in, &j);
    go_sleep(MILLISECOND);
    for (int i = 2; i <= 6; i++) { /* then five more, one a millisecond */
        j = (job_t){.id = i, .prio = i};
        chan_send(c->in, &j);
        go_sleep(MILLISECOND);
    }
    go_sleep(100 * MILLISECOND);
    j = (job_t){.id = 99, .prio = 9}; /* an urgent one, while the worker is busy */
    chan_send(c->in, &j);
    chan_close(c->in);
}

static void run(void *arg)
{
    size_t cap = *(size_t *)arg;
    cfg_t c = {chan_make(sizeof(job_t), 0), chan_make(sizeof(job_t), cap)};
    go(dispatch, &c);
    go(producer, &c);
    char line[256] = "";
    job_t j;
    while (chan_recv(c.out, &j)) {
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, " %d(p%d)", j.id, j.prio);
        go_sleep(SECOND); /* the work */
    }
    printf("%-24s%s\n", cap ? "out with a buffer of 4:" : "out unbuffered:", line);
    chan_free(c.in);
    chan_free(c.out);
}

int main(void)
{
    size_t cap = 4;
    go_synctest(run, &cap);
    cap = 0;
    go_synctest(run, &cap);
    return 0;
}
