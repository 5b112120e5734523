/*
 * Go's context package: a tree of contexts, cancellation flowing down it.
 *
 * Each cancelable context has a done channel, closed when it is cancelled,
 * and a list of its cancelable children, each linked with a reference that
 * the list owns. Cancelling takes the list under the lock and cancels each
 * child after unlocking it: locks are only ever held one at a time, parent
 * then child, never both.
 *
 * Ownership: refs counts the creator's reference (given back by ctx_cancel
 * or ctx_release), one per ctx_retain, one per child (children keep their
 * parent alive), one held by the parent's children list, and one held by an
 * armed deadline timer. The last release frees.
 *
 * Happens-before, as Go's: ctx_cancel happens before a receive from Done
 * that sees it closed, and before a ctx_err that returns non-NULL. A
 * deadline's cancellation comes from no goroutine and carries no edge.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chan.h"
#include "race.h"
#include "timer.h"

const char *const CTX_CANCELED = "context canceled";
const char *const CTX_DEADLINE_EXCEEDED = "context deadline exceeded";

typedef enum { CTX_ROOT, CTX_CANCEL, CTX_VALUE } ctxkind_t;

/* All fields but refs are fixed at creation, except those under lock. */
struct ctx {
    ctxkind_t kind;
    const char *name; /* "context.Background", ... for messages */
    int refs;         /* atomic */
    ctx_t *parent;    /* a reference; NULL for the roots */

    uint32_t lock;      /* guards err, cause, children, sibling links, linked */
    const char *err;    /* NULL until cancelled */
    const char *cause;  /* ctx_cancel_cause's reason, or err */
    chan_t *done;       /* CTX_CANCEL: closed on cancellation */
    ctx_t *children;    /* CTX_CANCEL: cancelable descendants to cancel with it */
    ctx_t *next, *prev; /* in the nearest cancelable ancestor's children */
    ctx_t *owner;       /* that ancestor, while linked */
    bool has_deadline;  /* fixed at creation */
    go_time_t deadline;
    timer_t_ timer; /* the deadline's, T_CALL */

    const void *key; /* CTX_VALUE */
    void *val;
};

static ctx_t background = {.kind = CTX_ROOT, .name = "context.Background"};
static ctx_t todo = {.kind = CTX_ROOT, .name = "context.TODO"};

ctx_t *ctx_background(void)
{
    return &background;
}

ctx_t *ctx_todo(void)
{
    return &todo;
}

static ctx_t *checked(ctx_t *c, const char *what)
{
    if (!c) {
        char msg[120];
        snprintf(msg, sizeof msg, "context: %s with a NULL context (use ctx_background())", what);
        gk_panic(msg);
    }
    return c;
}

/* The nearest cancelable context at or above c: whose done and err c has. */
static ctx_t *canceler(ctx_t *c)
{
    while (c && c->kind == CTX_VALUE)
        c = c->parent;
    return c && c->kind == CTX_CANCEL ? c : NULL;
}

void ctx_retain(ctx_t *c)
{
    checked(c, "ctx_retain");
    if (c->kind != CTX_ROOT) __atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
}

static void ctx_free(ctx_t *c)
{
    ctx_t *parent = c->parent;
    if (c->done) chan_free(c->done);
    race_forget(&c->err);
    rt_free(c, sizeof *c);
    ctx_release(parent);
}

void ctx_release(ctx_t *c)
{
    if (!c || c->kind == CTX_ROOT) return;
    int left = __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    if (left == 0)
        ctx_free(c);
    else if (left < 0)
        gk_panic("context: released more often than retained");
}

/* Cancels c and its descendants. quiet: on behalf of a deadline, with no
 * happens-before edge from the calling thread. */
static void cancel(ctx_t *c, const char *err, const char *cause, bool quiet)
{
    if (!quiet) race_release(&c->err);
    lock(&c->lock);
    if (c->err) {
        unlock(&c->lock);
        return;
    }
    c->err = err;
    c->cause = cause ? cause : err;
    ctx_t *kids = c->children;
    c->children = NULL;
    for (ctx_t *k = kids; k; k = k->next)
        k->owner = NULL;
    unlock(&c->lock);

    if (quiet)
        chan_close_quiet(c->done);
    else {
        lock(&c->done->lock);
        sudog_t *wake = chan_close_locked(c->done);
        unlock(&c->done->lock);
        ready_all(wake);
    }
    while (kids) {
        ctx_t *next = kids->next;
        cancel(kids, err, cause, quiet);
        ctx_release(kids); /* the list's reference */
        kids = next;
    }
}

/* Takes c out of its ancestor's children list, if it is still there. */
static void unlink_from_owner(ctx_t *c)
{
    ctx_t *p = canceler(c->parent);
    if (!p) return;
    lock(&p->lock);
    bool linked = c->owner == p;
    if (linked) {
        if (c->prev)
            c->prev->next = c->next;
        else
            p->children = c->next;
        if (c->next) c->next->prev = c->prev;
        c->owner = NULL;
    }
    unlock(&p->lock);
    if (linked) ctx_release(c);
}

static ctx_t *new_ctx(ctx_t *parent, ctxkind_t kind, const char *name)
{
    ctx_t *c = calloc(1, sizeof *c);
    if (!c) gk_fatal("context: out of memory");
    race_untrack(c, sizeof *c);
    c->kind = kind;
    c->name = name;
    c->refs = 1;
    c->parent = parent;
    ctx_retain(parent);
    c->has_deadline = ctx_deadline(parent, &c->deadline);
    return c;
}

static ctx_t *new_cancel_ctx(ctx_t *parent, const char *name)
{
    ctx_t *c = new_ctx(parent, CTX_CANCEL, name);
    c->done = chan_make(0, 0);
    ctx_t *p = canceler(parent);
    if (!p) return c;
    lock(&p->lock);
    const char *perr = p->err, *pcause = p->cause;
    if (!perr) {
        __atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED); /* the list's */
        c->owner = p;
        c->next = p->children;
        if (c->next) c->next->prev = c;
        p->children = c;
    }
    unlock(&p->lock);
    if (perr) {
        race_acquire(&p->err);
        cancel(c, perr, pcause, false);
    }
    return c;
}

ctx_t *ctx_with_cancel(ctx_t *parent)
{
    return new_cancel_ctx(checked(parent, "ctx_with_cancel"), "context.WithCancel");
}

static void deadline_fired(void *arg)
{
    ctx_t *c = arg;
    cancel(c, CTX_DEADLINE_EXCEEDED, NULL, true);
    ctx_release(c); /* the timer's reference */
}

ctx_t *ctx_with_deadline(ctx_t *parent, go_time_t deadline)
{
    checked(parent, "ctx_with_deadline");
    go_time_t pd;
    if (ctx_deadline(parent, &pd) && pd <= deadline) /* the parent's comes first */
        return new_cancel_ctx(parent, "context.WithDeadline");
    ctx_t *c = new_cancel_ctx(parent, "context.WithDeadline");
    c->has_deadline = true;
    c->deadline = deadline;
    G *g = getg();
    go_duration_t left = deadline - time_now();
    if (left <= 0) {
        cancel(c, CTX_DEADLINE_EXCEEDED, NULL, false);
        return c;
    }
    timer_init(&c->timer, T_CALL, g->bubble);
    c->timer.cb = deadline_fired;
    c->timer.cbarg = c;
    __atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED); /* the timer's */
    lock(&timers.lock);
    timer_add_locked(&c->timer, clock_now(g->bubble) + left);
    unlock(&timers.lock);
    return c;
}

ctx_t *ctx_with_timeout(ctx_t *parent, go_duration_t d)
{
    checked(parent, "ctx_with_timeout");
    return ctx_with_deadline(parent, time_now() + d);
}

ctx_t *ctx_with_value(ctx_t *parent, const void *key, void *value)
{
    checked(parent, "ctx_with_value");
    if (!key) gk_panic("context: ctx_with_value with a NULL key");
    ctx_t *c = new_ctx(parent, CTX_VALUE, "context.WithValue");
    c->key = key;
    c->val = value;
    return c;
}

void ctx_cancel_cause_at(ctx_t *c, const char *cause, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    checked(c, "ctx_cancel");
    if (c->kind == CTX_ROOT)
        gk_panic("context: ctx_cancel of ctx_background() or ctx_todo(), which cannot be "
                 "cancelled");
    if (c->kind == CTX_VALUE)
        gk_panic("context: ctx_cancel of a ctx_with_value context, which cannot be cancelled "
                 "(give it back with ctx_release)");
    cancel(c, CTX_CANCELED, cause, false);
    lock(&timers.lock);
    bool armed = c->has_deadline && c->timer.cb && timer_del_locked(&c->timer);
    unlock(&timers.lock);
    if (armed) ctx_release(c); /* the timer's reference: it will not fire */
    unlink_from_owner(c);
    ctx_release(c); /* the caller's */
}

chan_t *ctx_done(ctx_t *c)
{
    ctx_t *k = canceler(checked(c, "ctx_done"));
    return k ? k->done : NULL;
}

static const char *read_err(ctx_t *c, bool want_cause)
{
    ctx_t *k = canceler(checked(c, "ctx_err"));
    if (!k) return NULL;
    lock(&k->lock);
    const char *e = want_cause ? k->cause : k->err;
    unlock(&k->lock);
    if (e) race_acquire(&k->err);
    return e;
}

const char *ctx_err(ctx_t *c)
{
    return read_err(c, false);
}

const char *ctx_cause(ctx_t *c)
{
    return read_err(c, true);
}

bool ctx_deadline(ctx_t *c, go_time_t *deadline)
{
    checked(c, "ctx_deadline");
    if (c->kind == CTX_ROOT || !c->has_deadline) return false;
    if (deadline) *deadline = c->deadline;
    return true;
}

void *ctx_value(ctx_t *c, const void *key)
{
    for (checked(c, "ctx_value"); c; c = c->parent)
        if (c->kind == CTX_VALUE && c->key == key) return c->val;
    return NULL;
}
