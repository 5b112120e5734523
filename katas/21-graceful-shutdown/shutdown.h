/*
 * 21 · graceful shutdown: the contract of every function you write in shutdown.c.
 *
 * Read it, don't edit it: the grader compiles your shutdown.c against this
 * file as it is in the repository.
 *
 * Three pieces, and the program that puts them together:
 *   notify_context   a signal (Ctrl-C, SIGTERM) cancels a context  (task 1, Go's
 * signal.NotifyContext) server_*         a line-based TCP server on 127.0.0.1           (task 2)
 *   server_shutdown  stop accepting, let requests in flight finish  (task 3, Go's
 * http.Server.Shutdown) serve_until_signal   main: serve until a signal, then shut down within a
 * grace period (task 4)
 *
 * At the bottom, given and finished: the socket plumbing (listen, read a
 * line, write a line). Use it as it is; it is not part of the tasks.
 */
#ifndef SHUTDOWN_H
#define SHUTDOWN_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gokata.h"

/* ---- Task 1: a signal cancels a context ---------------------------------- */

/* Go's stop function: what notify_context gives you to undo it. You define
 * struct notify in shutdown.c. */
typedef struct notify notify_t;

/*
 * notify_context: Go's
 *
 *     ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
 *
 * Returns a child of parent (ctx_with_cancel) that is cancelled when the
 * process receives the first of the nsigs signals in sigs, or when parent is
 * done, or when notify_stop is called; sets *stop.
 *
 *   - When a signal cancels it, the cause is the signal's name:
 *     ctx_cancel_cause(ctx, signal_name(sig)), so ctx_err(ctx) is
 *     CTX_CANCELED and ctx_cause(ctx) is "interrupt" for SIGINT,
 *     "terminated" for SIGTERM.
 *   - Catches the signals with sigwait in a goroutine of its own, never with
 *     a handler. For that, the signals must be blocked in EVERY thread of
 *     the process, or the kernel hands one to a thread that doesn't block it
 *     and its default action ends the process. Blocks them
 *     (pthread_sigmask) in the calling thread BEFORE it starts the
 *     goroutine: a thread starts with its creator's mask, so every goroutine
 *     started from then on blocks them too. (So call it first thing, before
 *     any goroutine exists: its caller's contract.)
 *   - Signals that arrive after the first, until notify_stop, are caught
 *     too, and change nothing.
 *   - Returns at once; the goroutine keeps running until notify_stop.
 *   - nsigs >= 1.
 */
ctx_t *notify_context(ctx_t *parent, const int *sigs, int nsigs, notify_t **stop);

/*
 * notify_stop: Go's stop(). Cancels the context notify_context returned (a
 * no-op if it is done already) and gives back the reference to it that
 * notify_context returned: don't use ctx after this. Stops the goroutine
 * that waits for the signals and waits until it has returned (it is blocked
 * in sigwait: wake it with a signal sent to its own thread, pthread_kill).
 * Then gives the calling thread back the signal mask it had before
 * notify_context, the signals unblocked, so that the next one has its
 * default effect: the process ends (a second Ctrl-C kills a program that
 * is taking its time to shut down). Frees stop.
 *
 * Call it once, from the thread that called notify_context.
 */
void notify_stop(notify_t *stop);

/* ---- Task 2: a line-based TCP server -------------------------------------- */

/* A request line and its reply are each at most REQUEST_MAX - 1 bytes,
 * without the '\n' that ends them on the wire. */
#define REQUEST_MAX 256

/*
 * A handler: computes the reply to one request. line is the request
 * without its '\n'; the handler writes its reply, a string without '\n', to
 * reply (REQUEST_MAX bytes). arg is what was given to server_start.
 *
 * ctx is the server's own context, the same for every request: server_close
 * cancels it. A handler that may take long waits on ctx_done(ctx) too, and
 * gives up (returns at once, with any reply) when it is done.
 */
typedef void handler_t(ctx_t *ctx, const char *line, char *reply, void *arg);

/* A running server. You define struct server in shutdown.c. */
typedef struct server server_t;

/*
 * server_start: Go's net.Listen("tcp", "127.0.0.1:0") and `go srv.Serve(l)`.
 * Listens on 127.0.0.1, on a port the kernel chooses (listen_loopback,
 * below), and starts the goroutine that accepts connections. Returns at
 * once; NULL if it can't listen.
 *
 *   - Every accepted connection is served by a goroutine of its own: it
 *     reads a line (read_line), calls handle(ctx, line, reply, arg), writes
 *     the reply and a '\n' (write_line), and again, until the client closes
 *     the connection (or the server does). So a slow request on one
 *     connection never delays another connection.
 *   - Replies on one connection come in the order of its requests.
 *   - The server closes every file descriptor it opened, frees everything
 *     it allocated, and ends every goroutine it started, by the time
 *     server_close returns.
 */
server_t *server_start(handler_t *handle, void *arg);

/* The port the server listens on (127.0.0.1:port), as the kernel chose it. */
int server_port(const server_t *s);

/* ---- Task 3: shutting the server down -------------------------------------- */

/*
 * server_shutdown: Go's http.Server.Shutdown(ctx). In this order:
 *
 *   1. Stops accepting, at once: shutdown(listener, SHUT_RDWR) wakes the
 *      goroutine blocked in accept (close alone would not), and from then on
 *      a new connection is refused. That goroutine returns.
 *   2. Closes the idle connections: those waiting for their next request
 *      (shutdown(fd, SHUT_RD) wakes a read blocked on them; their goroutines
 *      then close them and return).
 *   3. Lets every request in flight finish: a connection that is handling
 *      a request writes its reply, then closes instead of reading another.
 *      Their handlers' context is NOT cancelled.
 *   4. Waits until every goroutine of the server has returned, and returns
 *      NULL; or, if ctx is done first, returns ctx_err(ctx) at once
 *      (CTX_DEADLINE_EXCEEDED, CTX_CANCELED), leaving the requests still in
 *      flight running. It never waits longer than ctx allows.
 *
 * A request is "in flight" from the moment its whole line has been read
 * until its reply has been written. Call server_shutdown at most once, and
 * server_close after it, whatever it returned.
 */
const char *server_shutdown(server_t *s, ctx_t *ctx);

/*
 * server_close: Go's http.Server.Close, plus the C part: everything is
 * given back. Stops accepting (if not yet), closes every connection, idle or
 * not (shutdown(fd, SHUT_RDWR): a handler's reply is then lost), cancels
 * the handlers' context, waits until every goroutine of the server has
 * returned (so a handler that ignores its context makes it wait), then
 * closes the listener and frees s.
 *
 * Call it exactly once, last: after server_shutdown, or instead of it.
 */
void server_close(server_t *s);

/* ---- Task 4: the program ----------------------------------------------------- */

/*
 * serve_until_signal: a program's main loop, Go's canonical
 *
 *     ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
 *     go srv.Serve(l)
 *     <-ctx.Done()
 *     stop()
 *     sctx, cancel := context.WithTimeout(context.Background(), grace)
 *     defer cancel()
 *     if err := srv.Shutdown(sctx); err != nil { srv.Close(); os.Exit(1) }
 *
 * In this order:
 *   1. notify_context(ctx_background(), {SIGINT, SIGTERM}), before anything
 *      else;
 *   2. server_start(handle, arg); then prints "listening on 127.0.0.1:PORT";
 *   3. blocks until the context is done: a signal;
 *   4. notify_stop, at once: from then on a second signal ends the process
 *      (the user insists). Then prints "shutting down (CAUSE)", CAUSE being
 *      ctx_cause of the context ("interrupt", "terminated"), read before
 *      notify_stop (which gives the context back);
 *   5. server_shutdown with a context that times out after grace;
 *   6. if that returned NULL: prints "shutdown complete", server_close,
 *      returns 0. Otherwise prints "shutdown: ERR" (ERR what it returned:
 *      "context deadline exceeded"), server_close (which cancels the
 *      requests still running), returns 1.
 *
 * Each line goes to out, ends with '\n', and is flushed (fflush) at once:
 * whoever reads the program's output sees it when it happens. Returns the
 * program's exit status; ends every goroutine it started, and gives back
 * every context, before it returns. If server_start fails, prints
 * "listen: failed" and returns 1.
 */
int serve_until_signal(handler_t *handle, void *arg, go_duration_t grace, FILE *out);

/* ---- Given: names and socket plumbing (finished; not a task) -------------- */

/* A signal's name, as Go prints it: "interrupt", "terminated", "hangup". */
static inline const char *signal_name(int sig)
{
    switch (sig) {
    case SIGINT:
        return "interrupt";
    case SIGTERM:
        return "terminated";
    case SIGHUP:
        return "hangup";
    case SIGQUIT:
        return "quit";
    case SIGUSR1:
        return "user defined signal 1";
    case SIGUSR2:
        return "user defined signal 2";
    default:
        return "signal";
    }
}

/* Listens on 127.0.0.1 on a port the kernel chooses (port 0); stores that
 * port in *port. Returns the listening socket, or -1. */
static inline int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0; /* the kernel picks a free port */
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Reads one connection's lines. Zero it, then set fd: line_reader_t r = {.fd = fd}; */
typedef struct {
    int fd;
    char buf[REQUEST_MAX];
    size_t len; /* bytes in buf not yet returned */
} line_reader_t;

/*
 * Reads the next line from r->fd into line (REQUEST_MAX bytes), without its
 * '\n' (or "\r\n"). Blocks until a whole line has arrived. Returns true for a
 * line; false when the connection is closed (read returns 0, as it does
 * after shutdown(fd, SHUT_RD)), fails, or sends a line too long.
 */
static inline bool read_line(line_reader_t *r, char *line)
{
    for (;;) {
        char *nl = memchr(r->buf, '\n', r->len);
        if (nl) {
            size_t n = (size_t)(nl - r->buf);
            memcpy(line, r->buf, n);
            if (n > 0 && line[n - 1] == '\r') n--;
            line[n] = '\0';
            r->len -= (size_t)(nl + 1 - r->buf);
            memmove(r->buf, nl + 1, r->len);
            return true;
        }
        if (r->len == sizeof r->buf) return false; /* too long */
        ssize_t got = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        r->len += (size_t)got;
    }
}

/* Writes text and a '\n' to fd. Returns false if the connection is gone.
 * MSG_NOSIGNAL: a write to a connection the peer has closed fails with
 * EPIPE instead of raising SIGPIPE, whose default action ends the process. */
static inline bool write_line(int fd, const char *text)
{
    char buf[REQUEST_MAX + 1];
    size_t n = strnlen(text, REQUEST_MAX - 1);
    memcpy(buf, text, n);
    buf[n++] = '\n';
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        off += (size_t)w;
    }
    return true;
}

#endif
