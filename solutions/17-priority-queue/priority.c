/*
 * Kata 17 · Priority queues using goroutines: the reference solution.
 */
#include "priority.h"

/* ---- Task 2: the rank of a job ------------------------------------------------ */

long job_rank(int prio, go_time_t arrived, go_duration_t age)
{
    if (age == 0) return -(long)prio; /* strict: the most urgent first */
    /* A deadline: as if the job had arrived prio * age earlier. It is fixed
     * when the job comes in, so the heap never needs re-ordering as jobs age. */
    return (long)(arrived - (go_duration_t)prio * age);
}

/* ---- Task 1: the dispatcher ---------------------------------------------------- */

int dispatcher(ctx_t *ctx, chan_t *in, chan_t *out, go_duration_t age)
{
    pq_t *q = pq_new(); /* confined: only this goroutine ever touches it, so no lock */
    long seq = 0;       /* arrival order, for FIFO among equal ranks */
    chan_t *done = ctx ? ctx_done(ctx) : NULL;
    int dropped = 0;

    for (;;) {
        /* Done first: when a worker is waiting too, the select below would
         * pick at random, and might hand out a job after the cancel (kata 12). */
        if (ctx && ctx_err(ctx)) {
            dropped = pq_len(q);
            break;
        }
        int n = pq_len(q);
        if (in == NULL && n == 0) break; /* closed and drained */

        job_t got;
        job_t top = n > 0 ? pq_top(q).job : (job_t){0};
        /* The send case is on only while there is a job to give, and what it
         * offers is the top at this instant: if a more urgent job comes in
         * first, the select returns with case 0 and the next turn offers it. */
        select_case_t cs[] = {
            select_recv(in, &got),                 /* NULL once in is closed */
            select_send(n > 0 ? out : NULL, &top), /* NULL while the heap is empty */
            select_recv(done, NULL),               /* NULL: never cancelled */
        };
        int which = chan_select(cs, 3, SELECT_BLOCK);
        if (which == 0) {
            if (!cs[0].ok) { /* closed: off for good; what is queued still goes out */
                in = NULL;
                continue;
            }
            pq_push(q, (pq_item_t){
                           .job = got, .rank = job_rank(got.prio, time_now(), age), .seq = seq++});
        } else if (which == 1) {
            pq_pop(q); /* the worker has it: the very item we offered */
        } else {
            dropped = pq_len(q); /* cancelled: hand out nothing more */
            break;
        }
    }
    pq_free(q);
    chan_close(out);
    return dropped;
}

/* ---- Task 3: a deadline queue ---------------------------------------------------- */

struct timerq {
    chan_t *adds;     /* tq_req_t: from timerq_add to the owner */
    chan_t *fired;    /* int: the caller's */
    chan_t *finished; /* closed by the owner when it has returned */
};

typedef struct {
    int id;
    go_duration_t d;
} tq_req_t;

static void timerq_owner(void *arg)
{
    timerq_t *tq = arg;
    pq_t *q = pq_new();                  /* confined to this goroutine */
    go_timer_t *timer = timer_new(HOUR); /* the one timer; armed only while q holds a deadline */
    timer_stop(timer);
    long seq = 0;
    chan_t *adds = tq->adds;

    while (adds != NULL) {
        tq_req_t r;
        select_case_t cs[] = {
            select_recv(adds, &r),
            select_recv(pq_len(q) > 0 ? timer->C : NULL, NULL),
        };
        if (chan_select(cs, 2, SELECT_BLOCK) == 0) {
            if (!cs[0].ok) { /* timerq_stop closed adds: what is left is dropped */
                adds = NULL;
                break;
            }
            pq_push(q, (pq_item_t){
                           .job = {.id = r.id}, .rank = (long)(time_now() + r.d), .seq = seq++});
        } else {
            /* Fired: everything due by now goes out, earliest first. */
            while (pq_len(q) > 0 && pq_top(q).rank <= (long)time_now()) {
                int id = pq_pop(q).job.id;
                chan_send(tq->fired, &id);
            }
        }
        /* One timer, always at the earliest deadline (Go 1.23 timers: a reset
         * never leaves a stale value in C to be received later). */
        if (pq_len(q) > 0) {
            go_duration_t wait = (go_duration_t)pq_top(q).rank - time_now();
            timer_reset(timer, wait > 0 ? wait : 0);
        } else {
            timer_stop(timer);
        }
    }
    timer_free(timer);
    pq_free(q);
    chan_close(tq->finished);
}

timerq_t *timerq_start(chan_t *fired)
{
    timerq_t *tq = malloc(sizeof *tq);
    if (!tq) abort();
    tq->adds = chan_make(sizeof(tq_req_t), 0);
    tq->fired = fired;
    tq->finished = chan_make(0, 0);
    go(timerq_owner, tq);
    return tq;
}

void timerq_add(timerq_t *tq, int id, go_duration_t d)
{
    tq_req_t r = {id, d};
    chan_send(tq->adds, &r); /* unbuffered: returns once the owner has it */
}

void timerq_stop(timerq_t *tq)
{
    chan_close(tq->adds);
    chan_recv(tq->finished, NULL);
    chan_free(tq->adds);
    chan_free(tq->finished);
    free(tq);
}
