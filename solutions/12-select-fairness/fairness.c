/*
 * 12 · Select and channel starvation: the reference solution.
 *
 * Four loops around chan_select. What changes is how the cases are chosen:
 * at random among an array built at run time (task 1), one case first
 * without blocking (tasks 2 and 3), or in turn (task 4). Each non-blocking
 * look is followed by a blocking select over the same channels, so nothing
 * here ever polls.
 */
#include <stdlib.h>

#include "fairness.h"

/* ---- Task 1 -------------------------------------------------------------- */

void fan_in(chan_t *const *ins, int n, chan_t *out)
{
    /* Our own arrays: the case array shrinks as inputs close, and ins[] is
     * the caller's. src[k] is the input that case k receives from. */
    size_t cap = n > 0 ? (size_t)n : 1;
    select_case_t *cs = malloc(sizeof *cs * cap);
    int *src = malloc(sizeof *src * cap);
    if (!cs || !src) abort();
    int v; /* every case receives here: only the chosen one writes it */
    for (int i = 0; i < n; i++) {
        cs[i] = select_recv(ins[i], &v);
        src[i] = i;
    }

    int live = n;
    while (live > 0) {
        /* Go's reflect.Select(cases): one select over every open input, so
         * whichever has a value goes first, and among several ready ones
         * each is equally likely. */
        int k = chan_select(cs, live, SELECT_BLOCK);
        if (!cs[k].ok) {
            /* Closed: drop the case, so that the select neither picks it
             * again (it is ready forever) nor pays for it. The last live
             * case takes its slot, with its input's index. */
            live--;
            cs[k] = cs[live];
            src[k] = src[live];
            continue;
        }
        tagged_t t = {.src = src[k], .v = v};
        chan_send(out, &t);
    }
    free(cs);
    free(src);
    chan_close(out); /* every input is closed: nothing more can come */
}

/* ---- Task 2 -------------------------------------------------------------- */

int run_worker(const worker_t *w)
{
    int handled = 0;
    for (;;) {
        /* Quit first, without blocking. Nobody sends on quit, so "ready"
         * means closed. Without this look, the select below, with both
         * cases ready, would take another job half of the time. */
        if (chan_try_recv(w->quit, NULL, NULL)) return handled;

        /* Then wait for either. Quit is here too, or an idle worker would
         * never hear it. */
        int job;
        select_case_t cs[] = {select_recv(w->quit, NULL), select_recv(w->jobs, &job)};
        int i = chan_select(cs, 2, SELECT_BLOCK);
        if (i == 0 || !cs[1].ok) return handled; /* quit closed, or jobs closed */
        w->handle(job, w->arg);
        handled++;
    }
}

/* ---- Task 3 -------------------------------------------------------------- */

/* A receive that doesn't wait: true with a value in *v. A closed channel is
 * switched off (set to NULL) and gives false, as an empty one does. */
static bool take_ready(chan_t **ch, int *v)
{
    int x;
    bool ok;
    if (*ch == NULL || !chan_try_recv(*ch, &x, &ok)) return false;
    if (!ok) {
        *ch = NULL;
        return false;
    }
    *v = x;
    return true;
}

static prio_from_t took_high(prio_t *p)
{
    p->burst++;
    return FROM_HIGH;
}

static prio_from_t took_low(prio_t *p)
{
    p->burst = 0;
    return FROM_LOW;
}

prio_from_t prio_recv(prio_t *p, int *v)
{
    for (;;) {
        /* Low's turn: K highs went before it. Look at low first (it may
         * have nothing: then high, below, rather than wait for low). */
        if (p->burst >= p->max_burst && take_ready(&p->low, v)) return took_low(p);
        /* High by preference... */
        if (take_ready(&p->high, v)) return took_high(p);
        /* ...low when high has nothing. */
        if (take_ready(&p->low, v)) return took_low(p);
        if (p->high == NULL && p->low == NULL) return BOTH_CLOSED;

        /* Neither has a value: wait for whichever comes first. A NULL
         * channel (one found closed) is never ready. */
        int x;
        select_case_t cs[] = {select_recv(p->high, &x), select_recv(p->low, &x)};
        int i = chan_select(cs, 2, SELECT_BLOCK);
        if (!cs[i].ok) {
            if (i == 0)
                p->high = NULL;
            else
                p->low = NULL;
            continue; /* the other may still have values */
        }
        *v = x;
        return i == 0 ? took_high(p) : took_low(p);
    }
}

/* ---- Task 4 -------------------------------------------------------------- */

void rr_merge(chan_t *const *ins, int n, chan_t *out)
{
    /* Our copy of the inputs, so that a closed one can be set to NULL. The
     * case array for the blocking select is indexed like it. */
    size_t cap = n > 0 ? (size_t)n : 1;
    chan_t **in = malloc(sizeof *in * cap);
    select_case_t *cs = malloc(sizeof *cs * cap);
    if (!in || !cs) abort();
    for (int i = 0; i < n; i++)
        in[i] = ins[i];

    int open = n, next = 0, v;
    while (open > 0) {
        /* The first input, from next on, that has a value right now: in
         * turn, not at random, so the bound is n - 1, not an average. */
        int from = -1;
        for (int k = 0; k < n && from < 0; k++) {
            int i = (next + k) % n;
            bool ok;
            if (in[i] == NULL || !chan_try_recv(in[i], &v, &ok)) continue;
            if (!ok) {
                in[i] = NULL; /* closed: skipped from now on */
                open--;
                continue;
            }
            from = i;
        }
        if (from < 0) {
            if (open == 0) break;
            /* Nothing ready: block on every open input. Whichever comes
             * first is taken; nobody else was waiting, so it is fair. */
            for (int i = 0; i < n; i++)
                cs[i] = select_recv(in[i], &v);
            int i = chan_select(cs, n, SELECT_BLOCK);
            if (!cs[i].ok) {
                in[i] = NULL;
                open--;
                continue;
            }
            from = i;
        }
        tagged_t t = {.src = from, .v = v};
        chan_send(out, &t);
        next = (from + 1) % n;
    }
    free(in);
    free(cs);
    chan_close(out);
}
