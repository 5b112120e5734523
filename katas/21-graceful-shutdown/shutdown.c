/*
 * 21 · graceful shutdown: your file. Replace each TODO with your code.
 *
 * The contracts are in shutdown.h (with the socket plumbing you may use:
 * listen_loopback, read_line, write_line, signal_name); the lesson is in
 * README.md; hints, from a nudge to nearly the answer, in HINTS.md.
 * Grade it with: make grade KATA=21
 */
#include <pthread.h>
#include <stdlib.h>

#include "kata_todo.h"
#include "shutdown.h"

/* ---- Task 1: a signal cancels a context ----------------------------------- */

struct notify {
    int todo_; /* your fields: the context, the signal set, the waiter's thread, ... */
};

ctx_t *notify_context(ctx_t *parent, const int *sigs, int nsigs, notify_t **stop)
{
    (void)parent;
    (void)sigs;
    (void)nsigs;
    (void)stop;
    TODO("notify_context: block the signals in this thread (pthread_sigmask), then start a "
         "goroutine that waits for them with sigwait and cancels a child of parent");
}

void notify_stop(notify_t *stop)
{
    (void)stop;
    TODO("notify_stop: cancel the context, wake the sigwait goroutine with pthread_kill and "
         "wait for it, then unblock the signals in this thread");
}

/* ---- Task 2: the server ----------------------------------------------------- */

struct server {
    int todo_; /* your fields: the listener, the handler, the connections, a lock, ... */
};

server_t *server_start(handler_t *handle, void *arg)
{
    (void)handle;
    (void)arg;
    TODO("server_start: listen_loopback, then a goroutine that accepts connections and starts "
         "one goroutine per connection (read_line, handle, write_line)");
}

int server_port(const server_t *s)
{
    (void)s;
    TODO("server_port: the port listen_loopback chose");
}

/* ---- Task 3: shutting the server down --------------------------------------- */

const char *server_shutdown(server_t *s, ctx_t *ctx)
{
    (void)s;
    (void)ctx;
    TODO("server_shutdown: shut the listener down, shut idle connections' read side, then "
         "select on \"every goroutine has returned\" and on ctx_done(ctx)");
}

void server_close(server_t *s)
{
    (void)s;
    TODO("server_close: shut every socket down, cancel the handlers' context, wait for every "
         "goroutine, then close the listener and free");
}

/* ---- Task 4: the program ----------------------------------------------------- */

int serve_until_signal(handler_t *handle, void *arg, go_duration_t grace, FILE *out)
{
    (void)handle;
    (void)arg;
    (void)grace;
    (void)out;
    TODO("serve_until_signal: notify_context first, server_start, wait for the signal, "
         "notify_stop, server_shutdown within grace, server_close");
}
