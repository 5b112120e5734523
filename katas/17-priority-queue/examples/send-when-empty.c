/*
 * send-when-empty: the send case left on while the heap is empty. The
 * dispatcher's select always offers "the top" on out; when there is no job,
 * that is a zeroed job_t, and an idle worker takes it at once: job 0 with
 * priority 0, which no producer ever sent. (Go would panic first: h[0] of an
 * empty slice is "index out of range"; C just hands out garbage.)
 *
 *   Go, wrong:   select { case j := <-in: ...; case out <- top: ... }
 *   Go, right:   var send chan<- job                // nil: this case never runs
 *                if h.Len() > 0 { send = out; top = h[0] }
 *                select { case j := <-in: ...; case send <- top: ... }
 *
 * Run:  make example KATA=17 NAME=send-when-empty
 * You will see:
 *   worker got job 0 (priority 0) at 0 ms   <- nobody sent it
 *   worker got job 0 (priority 0) at 1000 ms   <- nobody sent it
 *   worker got job 0 (priority 0) at 2000 ms   <- nobody sent it
 *   worker got job 42 (priority 7) at 3000 ms
 *
 *   --- with the send case switched off while the heap is empty:
 *   worker got job 42 (priority 7) at 2500 ms
 */
#include <stdio.h>

#include "priority.h"

pq_watch_t pq_watch;

#define EPOCH_2000 (946684800LL * SECOND)

typedef struct {
    chan_t *in, *out;
    bool guard;
} cfg_t;

static void dispatch(void *arg)
{
    cfg_t *c = arg;
    pq_t *q = pq_new();
    long seq = 0;
    for (;;) {
        int n = pq_len(q);
        if (c->in == NULL && n == 0) break;
        job_t got, top = n > 0 ? pq_top(q).job : (job_t){0};
        chan_t *send_to = c->guard && n == 0 ? NULL : c->out; /* the switch */
        select_case_t cs[] = {select_recv(c->in, &got), select_send(send_to, &top)};
        int w = chan_select(cs, 2, SELECT_BLOCK);
        if (w == 0 && !cs[0].ok) {
            c->in = NULL;
        } else if (w == 0) {
            pq_push(q, (pq_item_t){.job = got, .rank = -got.prio, .seq = seq++});
        } else if (n > 0) {
            pq_pop(q);
        }
    }
    pq_free(q);
    chan_close(c->out);
}

static void producer(void *arg)
{
    cfg_t *c = arg;
    go_sleep(2500 * MILLISECOND);
    job_t j = {.id = 42, .prio = 7};
    chan_send(c->in, &j);
    go_sleep(SECOND);
    chan_close(c->in);
}

static void run(void *arg)
{
    cfg_t c = {chan_make(sizeof(job_t), 0), chan_make(sizeof(job_t), 0), *(bool *)arg};
    go(dispatch, &c);
    go(producer, &c);
    job_t j;
    while (chan_recv(c.out, &j)) {
        printf("worker got job %d (priority %d) at %lld ms%s\n", j.id, j.prio,
               (long long)((time_now() - EPOCH_2000) / MILLISECOND),
               j.id == 0 ? "   <- nobody sent it" : "");
        go_sleep(SECOND); /* the work */
    }
}

int main(void)
{
    bool guard = false;
    go_synctest(run, &guard);
    guard = true;
    printf("--- with the send case switched off while the heap is empty:\n");
    go_synctest(run, &guard);
    return 0;
}
