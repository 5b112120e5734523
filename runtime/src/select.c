/*
 * select, after Go's runtime/select.go, in three passes:
 *   1. with every channel locked (in address order, each once), look at the
 *      cases in a random order and take the first that is ready;
 *   2. if none is and there is no default, put a sudog on every case's
 *      queue and park;
 *   3. once woken by one case, lock the channels again and take the other
 *      sudogs off their queues.
 * The random poll order is what makes select fair: among ready cases each is
 * chosen with equal probability. A case whose channel is NULL is left out.
 */
#include <stdlib.h>

#include "chan.h"
#include "race.h"

typedef struct {
    chan_t *c;
    int i;
} lockent_t;

/* Lock order: by channel address. Insertion sort: a select has a handful
 * of cases, and qsort's indirect compares cost more than the sort. */
static void sort_by_address(lockent_t *lo, int n)
{
    for (int i = 1; i < n; i++) {
        lockent_t e = lo[i];
        int j = i - 1;
        for (; j >= 0 && (uintptr_t)lo[j].c > (uintptr_t)e.c; j--)
            lo[j + 1] = lo[j];
        lo[j + 1] = e;
    }
}

static void sellock(lockent_t *lo, int n)
{
    for (int k = 0; k < n; k++)
        if (k == 0 || lo[k].c != lo[k - 1].c) lock(&lo[k].c->lock);
}

static void selunlock(lockent_t *lo, int n)
{
    for (int k = n - 1; k >= 0; k--)
        if (k == 0 || lo[k].c != lo[k - 1].c) unlock(&lo[k].c->lock);
}

static void grow_selsg(G *g, int n)
{
    if (g->selcap >= n) return;
    if (g->selsg) {
        for (int i = 0; i < g->selcap; i++)
            race_forget(&g->selsg[i]);
        rt_free(g->selsg, sizeof(sudog_t) * (size_t)g->selcap);
    }
    int cap = n < 8 ? 8 : n;
    g->selsg = calloc((size_t)cap, sizeof(sudog_t));
    if (!g->selsg) gk_fatal("select: out of memory");
    race_untrack(g->selsg, sizeof(sudog_t) * (size_t)cap);
    g->selcap = cap;
}

/* Pass 1 for one case; c is locked. Returns true if the case ran, with
 * *partner set to a goroutine to wake once the channels are unlocked. */
static bool try_case(select_case_t *cs, G **partner)
{
    chan_t *c = cs->ch;
    if (cs->dir == SELECT_RECV) {
        sudog_t *s = waitq_dequeue(&c->sendq);
        if (s) {
            chan_recv_from_waiter(c, s, cs->elem);
            s->g->param = s;
            *partner = s->g;
        } else if (c->qcount > 0) {
            chan_buf_take(c, cs->elem);
        } else if (c->closed) {
            chan_recv_closed(c, cs->elem);
            cs->ok = false;
            return true;
        } else {
            return false;
        }
        cs->ok = true;
        return true;
    }
    sudog_t *r = waitq_dequeue(&c->recvq);
    if (r) {
        chan_send_to_waiter(c, r, cs->elem);
        r->g->param = r;
        *partner = r->g;
        return true;
    }
    if (c->qcount < c->dataqsiz) {
        chan_buf_put(c, cs->elem);
        return true;
    }
    return false;
}

int chan_select_at(select_case_t *cases, int n, select_mode_t mode, GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    if (n < 0 || (n > 0 && !cases)) gk_panic("select: invalid case array (negative count or NULL)");

    enum { SMALL = 16 };
    int order_small[SMALL];
    lockent_t lock_small[SMALL];
    int *poll = order_small;
    lockent_t *lo = lock_small;
    if (n > SMALL) {
        poll = malloc(sizeof *poll * (size_t)n);
        lo = malloc(sizeof *lo * (size_t)n);
        if (!poll || !lo) gk_fatal("select: out of memory");
    }

    /* Random poll order over the live cases (Fisher-Yates), lock order by
     * channel address. */
    int live = 0;
    for (int i = 0; i < n; i++) {
        if (cases[i].dir != SELECT_SEND && cases[i].dir != SELECT_RECV)
            gk_panic("select: case direction must be SELECT_SEND or SELECT_RECV "
                     "(build cases with select_send / select_recv)");
        cases[i].ok = false;
        if (!cases[i].ch) continue;
        int j = (int)fastrandn(g, (uint32_t)live + 1);
        poll[live] = poll[j];
        poll[j] = i;
        lo[live] = (lockent_t){cases[i].ch, i};
        live++;
    }
    int chosen = SELECT_DEFAULT;
    if (live == 0) {
        if (mode == SELECT_NONBLOCK) goto out;
        park_forever(g, WAIT_SELECT_NO_CASES);
    }
    sort_by_address(lo, live);

    /* Pass 0: the cases one at a time, each under its own channel's lock, in
     * the same random order. A case found ready is as good a choice as pass
     * 1 would make (it was ready while its lock was held), and costs one
     * lock instead of one per channel, each contended by that channel's
     * other users. Only if none is ready are all locked together. */
    if (live > 1) {
        for (int k = 0; k < live; k++) {
            select_case_t *cs = &cases[poll[k]];
            G *partner = NULL;
            lock(&cs->ch->lock);
            if (cs->dir == SELECT_SEND && cs->ch->closed) {
                unlock(&cs->ch->lock);
                gk_panic("send on closed channel");
            }
            bool ran = try_case(cs, &partner);
            unlock(&cs->ch->lock);
            if (ran) {
                if (partner) goready(partner);
                chosen = poll[k];
                goto out;
            }
        }
    }

    /* Pass 1. */
again:
    sellock(lo, live);
    for (int k = 0; k < live; k++) {
        select_case_t *cs = &cases[poll[k]];
        if (cs->dir == SELECT_SEND && cs->ch->closed) {
            selunlock(lo, live);
            gk_panic("send on closed channel");
        }
        G *partner = NULL;
        if (try_case(cs, &partner)) {
            selunlock(lo, live);
            if (partner) goready(partner);
            chosen = poll[k];
            goto out;
        }
    }
    if (mode == SELECT_NONBLOCK) {
        selunlock(lo, live);
        goto out;
    }

    /* Pass 2: enqueue on every channel and park. */
    grow_selsg(g, n);
    park_prepare(g, WAIT_SELECT);
    for (int k = 0; k < live && g->durable; k++) /* durable if every channel is the bubble's */
        g->durable = chan_durable_for(lo[k].c, g);
    g->param = NULL;
    __atomic_store_n(&g->select_done, 0, __ATOMIC_RELAXED);
    for (int k = 0; k < live; k++) {
        int i = lo[k].i;
        sudog_t *sg = &g->selsg[i];
        *sg = (sudog_t){
            .g = g, .elem = cases[i].elem, .c = cases[i].ch, .case_index = i, .is_select = true};
        if (cases[i].ch->dataqsiz > 0) { /* this case's past, for a buffered handoff */
            sg->anchor = anchor_new();
            race_release(sg->anchor);
        }
        race_release(sg);
        waitq_enqueue(cases[i].dir == SELECT_SEND ? &cases[i].ch->sendq : &cases[i].ch->recvq, sg);
    }
    selunlock(lo, live);
    gopark(g);

    /* Pass 3: dequeue the losers. */
    sellock(lo, live);
    sudog_t *won = g->param;
    for (int k = 0; k < live; k++) {
        int i = lo[k].i;
        sudog_t *sg = &g->selsg[i];
        anchor_drop(&sg->anchor); /* unless the winning handoff took it */
        if (sg == won) continue;
        waitq_remove(cases[i].dir == SELECT_SEND ? &cases[i].ch->sendq : &cases[i].ch->recvq, sg);
    }
    selunlock(lo, live);

    if (won->retry) goto again; /* a timer left its value in a buffer */
    race_acquire(won);
    chosen = won->case_index;
    if (cases[chosen].dir == SELECT_SEND) {
        if (!won->success) gk_panic("send on closed channel");
    } else {
        cases[chosen].ok = won->success;
        if (!won->success) chan_recv_closed(cases[chosen].ch, cases[chosen].elem);
    }
out:
    TRACE(g, EV_SELECT, chosen);
    if (poll != order_small) {
        free(poll);
        free(lo);
    }
    return chosen;
}
