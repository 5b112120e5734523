/*
 * 21 · graceful shutdown: the reference solution.
 *
 * Two kinds of waiting meet here. Goroutines wait on the runtime (channels,
 * select, WaitGroups), which can wake them. Sockets and signals are the
 * kernel's: a goroutine blocked in accept, read or sigwait can be woken only
 * by the kernel, so each has its own way out: shutdown(2) on the socket
 * (SHUT_RDWR for the listener, SHUT_RD for an idle connection), a signal
 * sent to the one thread in sigwait. Every such wake-up is paired with a
 * flag read under a lock or atomically, because the kernel's wake-up is no
 * synchronization for the race detectors (nor, in C, for the compiler).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>

#include "shutdown.h"

/* ---- Task 1: signal.NotifyContext ---------------------------------------- */

struct notify {
    ctx_t *ctx;            /* the caller's reference: notify_stop gives it back */
    sigset_t set;          /* the signals we catch */
    sigset_t old;          /* the caller's mask before we blocked them */
    int wake;              /* the signal notify_stop sends the waiter's own thread */
    pthread_t thread;      /* the waiter's thread: written before it sends on started */
    atomicbool_t stopping; /* set by notify_stop before it wakes the waiter */
    chan_t *started;       /* chan struct{}: the waiter has recorded its thread */
    wg_t done;             /* Done when the waiter has returned */
};

/* The goroutine that catches the signals. sigwait takes a blocked, pending
 * signal of the set and returns it: no handler runs, so nothing here needs
 * to be async-signal-safe. */
static void wait_for_signals(void *arg)
{
    notify_t *n = arg;
    ctx_t *mine = n->ctx; /* the reference notify_context retained for us */
    n->thread = pthread_self();
    chan_send(n->started, NULL); /* orders the write above before notify_stop reads it */
    for (;;) {
        int sig;
        if (sigwait(&n->set, &sig) != 0) continue;
        /* pthread_kill is no happens-before edge: the flag is an atomic. */
        if (atomicbool_load(&n->stopping)) break;
        if (mine) {
            /* The first signal: cancel, naming it, and give back our
             * reference. Later ones are caught and change nothing. */
            ctx_cancel_cause(mine, signal_name(sig));
            mine = NULL;
        }
    }
    if (mine) ctx_release(mine); /* stopped before any signal */
    wg_done(&n->done);           /* last: notify_stop frees n after it */
}

ctx_t *notify_context(ctx_t *parent, const int *sigs, int nsigs, notify_t **stop)
{
    notify_t *n = calloc(1, sizeof *n);
    if (!n) abort();
    sigemptyset(&n->set);
    for (int i = 0; i < nsigs; i++)
        sigaddset(&n->set, sigs[i]);
    n->wake = sigs[0];
    /* Before go(): the new thread starts with this thread's mask, and so
     * does every goroutine started after this, from here or from them. A
     * signal is then blocked everywhere, and only sigwait takes it. */
    pthread_sigmask(SIG_BLOCK, &n->set, &n->old);

    n->ctx = ctx_with_cancel(parent); /* the caller's */
    n->started = chan_make(0, 0);
    ctx_retain(n->ctx); /* the waiter's: it may cancel after notify_stop gave ours back */
    wg_add(&n->done, 1);
    go(wait_for_signals, n);
    chan_recv(n->started, NULL); /* n->thread is set */
    *stop = n;
    return n->ctx;
}

void notify_stop(notify_t *n)
{
    ctx_cancel(n->ctx); /* Go's stop() cancels too; gives back the caller's reference */
    /* Wake the waiter: a signal of the set, sent to its thread alone (a
     * process-wide kill() could be taken for a real one). The flag first,
     * so that it knows why it woke. */
    atomicbool_store(&n->stopping, true);
    pthread_kill(n->thread, n->wake);
    wg_wait(&n->done);
    /* Nobody catches the signals any more: let this thread take the next
     * one, with its default action (the process ends). */
    pthread_sigmask(SIG_SETMASK, &n->old, NULL);
    chan_free(n->started);
    free(n);
}

/* ---- Task 2: the server --------------------------------------------------- */

typedef struct conn conn_t;
struct conn {
    server_t *s;
    int fd;
    bool busy;    /* a request is in flight (under s->mu) */
    conn_t *next; /* in s->conns (under s->mu) */
};

struct server {
    int lfd, port; /* set before any goroutine starts; never change */
    handler_t *handle;
    void *arg;
    ctx_t *base; /* the handlers' context: server_close cancels it */

    mutex_t mu;         /* guards the fields below */
    bool shutting_down; /* no new connection, no new request on an old one */
    conn_t *conns;      /* open connections, each with its goroutine */
    int running;        /* goroutines of the server still running */
    chan_t *drained;    /* chan struct{}: closed when running drops to 0 */
};

/* Every goroutine of the server ends here. The one that brings running to
 * 0 closes drained. running can reach 0 only once: only the accepting
 * goroutine starts new ones, and it returns only after shutting_down is
 * set. */
static void goroutine_done(server_t *s)
{
    mutex_lock(&s->mu);
    bool last = --s->running == 0;
    mutex_unlock(&s->mu);
    if (last) chan_close(s->drained); /* server_close frees s once it sees this */
}

static void serve_conn(void *arg)
{
    conn_t *c = arg;
    server_t *s = c->s;
    line_reader_t r = {.fd = c->fd};
    char line[REQUEST_MAX], reply[REQUEST_MAX];
    /* Idle while in read_line: server_shutdown may shut our read side,
     * and read_line then returns false. */
    while (read_line(&r, line)) {
        mutex_lock(&s->mu);
        c->busy = true; /* from here, server_shutdown leaves us alone */
        mutex_unlock(&s->mu);

        reply[0] = '\0';
        s->handle(s->base, line, reply, s->arg);
        bool sent = write_line(c->fd, reply);

        mutex_lock(&s->mu);
        c->busy = false;
        bool stop = s->shutting_down; /* read with busy cleared, under one lock */
        mutex_unlock(&s->mu);
        if (!sent || stop) break; /* in shutdown: this was our last request */
    }
    /* Out of the list first, then close: once it is closed, the number fd
     * may be reused by another open(), and a shutdown() through a stale
     * entry would hit someone else's file. */
    mutex_lock(&s->mu);
    for (conn_t **p = &s->conns; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    mutex_unlock(&s->mu);
    close(c->fd);
    free(c);
    ctx_release(s->base); /* the reference taken for this goroutine */
    goroutine_done(s);
}

static void accept_loop(void *arg)
{
    server_t *s = arg;
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
        mutex_lock(&s->mu);
        if (s->shutting_down) {
            /* shutdown(listener) woke us (accept failed), or a connection
             * came in just before: either way, serve nothing more. */
            mutex_unlock(&s->mu);
            if (fd >= 0) close(fd);
            break;
        }
        if (fd < 0) {
            mutex_unlock(&s->mu);
            /* A passing error (the client gave up, out of descriptors):
             * pause a little instead of spinning, as Go's Serve does. */
            if (errno != EINTR && errno != ECONNABORTED) go_sleep(5 * MILLISECOND);
            continue;
        }
        conn_t *c = calloc(1, sizeof *c);
        if (!c) abort();
        c->s = s;
        c->fd = fd;
        c->next = s->conns;
        s->conns = c;
        s->running++; /* under the lock, with shutting_down false */
        mutex_unlock(&s->mu);
        ctx_retain(s->base); /* the connection goroutine's; server_close gives back ours */
        go(serve_conn, c);
    }
    goroutine_done(s);
}

server_t *server_start(handler_t *handle, void *arg)
{
    server_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->lfd = listen_loopback(&s->port);
    if (s->lfd < 0) {
        free(s);
        return NULL;
    }
    s->handle = handle;
    s->arg = arg;
    s->base = ctx_with_cancel(ctx_background());
    s->drained = chan_make(0, 0);
    s->running = 1; /* the accepting goroutine */
    go(accept_loop, s);
    return s;
}

int server_port(const server_t *s)
{
    return s->port;
}

/* ---- Task 3: shutdown ------------------------------------------------------ */

/* Under s->mu. shutdown(), not close(): it wakes the goroutine blocked in
 * accept (close would not), the kernel refuses new connections from now on,
 * and the descriptor stays ours to close once nobody uses it. */
static void stop_accepting_locked(server_t *s)
{
    if (s->shutting_down) return;
    s->shutting_down = true;
    shutdown(s->lfd, SHUT_RDWR);
}

const char *server_shutdown(server_t *s, ctx_t *ctx)
{
    mutex_lock(&s->mu);
    stop_accepting_locked(s);
    for (conn_t *c = s->conns; c; c = c->next)
        if (!c->busy) shutdown(c->fd, SHUT_RD); /* idle: its read returns 0 */
    /* The busy ones see shutting_down when they finish, and close. */
    mutex_unlock(&s->mu);

    select_case_t cs[] = {select_recv(s->drained, NULL), select_recv(ctx_done(ctx), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 0) return NULL;
    return ctx_err(ctx); /* those in flight keep running: server_close ends them */
}

void server_close(server_t *s)
{
    mutex_lock(&s->mu);
    stop_accepting_locked(s);
    for (conn_t *c = s->conns; c; c = c->next)
        shutdown(c->fd, SHUT_RDWR); /* wakes a read, makes a write fail */
    mutex_unlock(&s->mu);
    ctx_cancel(s->base);         /* tells the handlers; gives back the server's reference */
    chan_recv(s->drained, NULL); /* every goroutine has returned */
    close(s->lfd);
    chan_free(s->drained);
    free(s);
}

/* ---- Task 4: the program --------------------------------------------------- */

/* One line of the program's output. fflush: stdio buffers a pipe or a file
 * fully, and the line must leave now, not at exit. */
__attribute__((format(printf, 2, 3))) static void say(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    fflush(out);
}

int serve_until_signal(handler_t *handle, void *arg, go_duration_t grace, FILE *out)
{
    /* First, while this is the only thread: every goroutine started from
     * here on (the server's included) blocks SIGINT and SIGTERM. */
    static const int sigs[] = {SIGINT, SIGTERM};
    notify_t *stop;
    ctx_t *ctx = notify_context(ctx_background(), sigs, 2, &stop);

    server_t *s = server_start(handle, arg);
    if (!s) {
        say(out, "listen: failed");
        notify_stop(stop);
        return 1;
    }
    say(out, "listening on 127.0.0.1:%d", server_port(s));

    chan_recv(ctx_done(ctx), NULL);     /* until a signal */
    const char *cause = ctx_cause(ctx); /* a static string: outlives ctx */
    /* At once: from now on a second signal ends the process (and ctx is
     * given back). Before the line, so that whoever reads it knows. */
    notify_stop(stop);
    say(out, "shutting down (%s)", cause);

    ctx_t *sctx = ctx_with_timeout(ctx_background(), grace);
    const char *err = server_shutdown(s, sctx);
    ctx_cancel(sctx);
    if (err)
        say(out, "shutdown: %s", err);
    else
        say(out, "shutdown complete");
    server_close(s); /* after a timeout, this cancels the requests still running */
    return err ? 1 : 0;
}
