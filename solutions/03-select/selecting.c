/*
 * 03 · select: the reference solution.
 *
 * Every function is one select in a loop (or no loop at all). What changes
 * from one task to the next is which cases the select has, and what makes
 * a case stop being ready: a closed input switched off with NULL (task 1),
 * a default (task 2), a timer channel (task 3), a done channel (task 4).
 */
#include "selecting.h"

/* ---- Task 1 -------------------------------------------------------------- */

void merge(chan_t *a, chan_t *b, chan_t *out)
{
    /* a and b are our own copies of the pointers: setting one to NULL
     * switches its case off here, and changes nothing for the caller. */
    while (a != NULL || b != NULL) {
        int v;
        select_case_t cs[] = {select_recv(a, &v), select_recv(b, &v)};
        int i = chan_select(cs, 2, SELECT_BLOCK);
        if (!cs[i].ok) {
            /* Closed. Its case would now be ready on every turn, with no
             * value: switch it off. A case on a NULL channel is never ready,
             * so the select blocks on the other input alone. */
            if (i == 0)
                a = NULL;
            else
                b = NULL;
            continue;
        }
        /* A plain send: the reader of out decides our pace. */
        chan_send(out, &v);
    }
    /* Both inputs are closed, so no value can follow: tell the reader. */
    chan_close(out);
}

/* ---- Task 2 -------------------------------------------------------------- */

int send_or_drop(chan_t *ch, const int *vals, int n)
{
    int sent = 0;
    for (int i = 0; i < n; i++) {
        select_case_t cs[] = {select_send(ch, &vals[i])};
        /* SELECT_NONBLOCK is the select's `default:`: if the send can't
         * happen right now, chan_select returns SELECT_DEFAULT at once
         * instead of waiting, and the value is dropped. */
        if (chan_select(cs, 1, SELECT_NONBLOCK) != SELECT_DEFAULT) sent++;
    }
    return sent;
}

int drain_ready(chan_t *ch, int *got, int max, bool *closed)
{
    int n = 0;
    *closed = false;
    while (n < max) {
        int v;
        bool ok;
        /* false: nothing ready right now (the `default:` case). */
        if (!chan_try_recv(ch, &v, &ok)) break;
        /* A receive happened, but from a closed channel: no value. */
        if (!ok) {
            *closed = true;
            break;
        }
        got[n++] = v;
    }
    return n;
}

/* ---- Task 3 -------------------------------------------------------------- */

recv_status_t recv_timeout(chan_t *ch, int *v, go_duration_t d)
{
    /* time_after(d) is a channel that receives once, d from now: as a case
     * of the select it is the timeout. (The runtime frees it when this
     * goroutine ends, as Go's garbage collector would.) */
    select_case_t cs[] = {select_recv(ch, v), select_recv(time_after(d), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 1) return RECV_TIMEOUT;
    return cs[0].ok ? RECV_VALUE : RECV_CLOSED;
}

int collect_for(chan_t *ch, int *got, int max, go_duration_t d)
{
    /* One timer, made before the loop: the deadline is d after the call,
     * whatever arrives. time_after(d) inside the loop would start a new
     * timer on every turn, and a value every d/2 would keep it from ever
     * firing. */
    chan_t *deadline = time_after(d);
    int n = 0;
    while (n < max) {
        int v;
        select_case_t cs[] = {select_recv(ch, &v), select_recv(deadline, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break; /* deadline */
        if (!cs[0].ok) break;                             /* ch closed */
        got[n++] = v;
    }
    return n;
}

/* ---- Task 4 -------------------------------------------------------------- */

void square_worker(void *arg)
{
    squarer_t *w = arg;
    for (;;) {
        /* Wait for a job, or to be told to stop. No default: with nothing
         * to do, the worker blocks instead of spinning. */
        int j;
        select_case_t take[] = {select_recv(w->done, NULL), select_recv(w->jobs, &j)};
        if (chan_select(take, 2, SELECT_BLOCK) == 0) return; /* done closed */
        if (!take[1].ok) return;                             /* jobs closed */

        /* Hand the result over, or stop. A plain chan_send here would wait
         * forever once the reader has gone: the classic goroutine leak. */
        int r = j * j;
        select_case_t give[] = {select_recv(w->done, NULL), select_send(w->results, &r)};
        if (chan_select(give, 2, SELECT_BLOCK) == 0) return;
    }
}
