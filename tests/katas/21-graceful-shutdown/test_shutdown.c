/*
 * 21 · graceful shutdown: the tests that grade katas/21-graceful-shutdown/shutdown.c.
 *
 * Real sockets, real signals, real time. Virtual time (go_synctest) can't
 * serve here: a goroutine blocked in accept, read or sigwait is blocked in
 * the kernel, which the runtime counts as running, so a bubble's clock would
 * never move. So every wait below has a bound in real time, generous (BOUND,
 * scaled by GOKATA_TIMEOUT_SCALE, which the grader sets for its slower
 * passes), and no test depends on a sleep to be correct: "a request is in
 * flight" is a message its handler sends, "the server stopped accepting"
 * is a connect() the kernel refuses. Two checks look for a while at
 * something that must not happen (server_shutdown returning while a request
 * it must wait for is held by the test; giving up before its deadline): a
 * correct solution passes them however slow the machine.
 *
 * Two kinds of tests:
 *  - the server's (tasks 2 and 3) run in the test's own process, which is
 *    the client: the handler is the test's, and tells the test through a
 *    channel when a request has started, and waits for the test's word to
 *    finish;
 *  - whatever involves a signal (tasks 1 and 4) runs the learner's code in a
 *    child process, forked first thing, before any goroutine exists (TSan
 *    can't start threads in the child of a threaded process). The child
 *    prints what happens, one line at a time; the parent reads the lines,
 *    sends the signals with kill(), and reaps the child on every path, a
 *    failing one included (child_abort). If the test process dies, the
 *    child gets SIGKILL (PR_SET_PDEATHSIG).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "shutdown.h"

/* ---- Time ------------------------------------------------------------------ */

/* The longest anything here may take with a correct solution, in seconds of
 * real time, with room to spare: a bound for waits that end much sooner. */
#define BOUND (3.0 * gk_timeout_scale())

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static go_duration_t seconds(double s)
{
    return (go_duration_t)(s * (double)SECOND);
}

/* True if ch is closed (or receives) within limit_s of real time. */
static bool closes_within(chan_t *ch, double limit_s)
{
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(time_after(seconds(limit_s)), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/* ---- A client -------------------------------------------------------------- */

/* Connects to 127.0.0.1:port. Returns the socket, or -1 with errno set. */
static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

typedef struct {
    int fd;
    char buf[1024];
    size_t len;
} client_t;

typedef enum { GOT_LINE, GOT_EOF, GOT_RESET, GOT_NOTHING } got_t;

static const char *got_name(got_t g)
{
    switch (g) {
    case GOT_LINE:
        return "a reply";
    case GOT_EOF:
        return "the connection closed (EOF)";
    case GOT_RESET:
        return "the connection reset";
    default:
        return "nothing: no reply, and the connection still open";
    }
}

/* For messages: what a client got. */
static const char *what_got(got_t g, const char *reply)
{
    static char buf[REQUEST_MAX + 32];
    if (g == GOT_LINE)
        snprintf(buf, sizeof buf, "the reply \"%.200s\"", reply);
    else
        snprintf(buf, sizeof buf, "%s", got_name(g));
    return buf;
}

/* For messages: an error, or NULL. */
static const char *q(const char *err)
{
    static char buf[128];
    if (!err) return "NULL";
    snprintf(buf, sizeof buf, "\"%.100s\"", err);
    return buf;
}

/* Connects, with reads bounded by BOUND (SO_RCVTIMEO): a server that never
 * answers fails the test instead of hanging it. */
static bool client_open(client_t *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = dial(port);
    if (c->fd < 0) return false;
    double b = BOUND;
    struct timeval tv = {.tv_sec = (time_t)b, .tv_usec = (suseconds_t)((b - (time_t)b) * 1e6)};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return true;
}

static void client_send(client_t *c, const char *text)
{
    size_t n = strlen(text);
    for (size_t off = 0; off < n;) {
        ssize_t w = send(c->fd, text + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* the read that follows says what happened */
        off += (size_t)w;
    }
}

/* The next line the server sent, without its '\n'. */
static got_t client_recv(client_t *c, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            snprintf(line, cap, "%.*s", (int)n, c->buf);
            c->len -= n + 1;
            memmove(c->buf, nl + 1, c->len);
            return GOT_LINE;
        }
        line[0] = '\0';
        if (c->len == sizeof c->buf) return GOT_NOTHING;
        ssize_t got = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (got < 0 && errno == EINTR) continue;
        if (got == 0) return GOT_EOF;
        if (got < 0) return errno == ECONNRESET ? GOT_RESET : GOT_NOTHING;
        c->len += (size_t)got;
    }
}

static void client_close(client_t *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* Sends line, returns what came back (a reply, or why none came). */
static got_t ask(client_t *c, const char *line, char *reply, size_t cap)
{
    char msg[REQUEST_MAX + 2];
    snprintf(msg, sizeof msg, "%s\n", line);
    client_send(c, msg);
    return client_recv(c, reply, cap);
}

/*
 * Polls until a connection to port is refused, for limit_s at most. A
 * poll, not a wait on an event: whether the listener is shut is the
 * kernel's state, and nothing in the runtime says when it changes. A
 * connection that is accepted meanwhile (the listener still open) is closed
 * at once; the server sees a client that came and went.
 */
static bool refused_within(int port, double limit_s)
{
    double end = now_s() + limit_s;
    for (;;) {
        int fd = dial(port);
        if (fd < 0 && errno == ECONNREFUSED) return true;
        if (fd >= 0) close(fd);
        if (now_s() > end) return false;
        pause_ms(2);
    }
}

/* File descriptors open in this process (below the soft limit: Valgrind
 * keeps its own above it). */
static int open_fds(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && (rlim_t)atol(e->d_name) < rl.rlim_cur) n++;
    closedir(d);
    return n;
}

/* ---- The test's handler ------------------------------------------------------ */

enum { MAX_HELD = 8 };

/*
 * "hold N" (0 <= N < MAX_HELD) starts a slow request: its handler sends N
 * on started, then waits until the test closes release, or the server's
 * context is done; replies "done N" or "cancelled N". Any other line is
 * answered at once: "echo: LINE".
 */
typedef struct {
    chan_t *started; /* int, room for MAX_HELD: a held request has begun */
    chan_t *release; /* chan struct{}: the test closes it to let them finish */
    struct {
        bool began;      /* the test sent "hold N" and saw it start */
        bool finished;   /* the handler returned */
        const char *err; /* ctx_err of its context when it stopped waiting */
    } held[MAX_HELD];    /* each written by its request's handler, read by the
                            test once the server has ended every goroutine */
} script_t;

static void handle(ctx_t *ctx, const char *line, char *reply, void *arg)
{
    script_t *sc = arg;
    int i;
    if (sscanf(line, "hold %d", &i) == 1 && i >= 0 && i < MAX_HELD) {
        chan_send(sc->started, &i);
        select_case_t cs[] = {select_recv(sc->release, NULL), select_recv(ctx_done(ctx), NULL)};
        chan_select(cs, 2, SELECT_BLOCK);
        sc->held[i].err = ctx_err(ctx);
        sc->held[i].finished = true;
        snprintf(reply, REQUEST_MAX, "%s %d", sc->held[i].err ? "cancelled" : "done", i);
        return;
    }
    snprintf(reply, REQUEST_MAX, "echo: %.200s", line);
}

static script_t *script_new(void)
{
    script_t *sc = calloc(1, sizeof *sc);
    ck_assert(sc != NULL);
    sc->started = chan_make(sizeof(int), MAX_HELD);
    sc->release = chan_make(0, 0);
    return sc;
}

/* After server_close: every handler has returned (server_close waits for
 * them), so the channels they use can go. */
static void script_free(script_t *sc)
{
    for (int i = 0; i < MAX_HELD; i++)
        ck_assert_msg(!sc->held[i].began || sc->held[i].finished,
                      "server_close returned while the handler of \"hold %d\" was still running: "
                      "it cancels the handlers' context, then waits until every goroutine of the "
                      "server has returned",
                      i);
    chan_free(sc->started);
    chan_free(sc->release);
    free(sc);
}

static server_t *start(script_t *sc)
{
    server_t *s = server_start(handle, sc);
    ck_assert_msg(s != NULL, "server_start returned NULL: it could not listen on 127.0.0.1?");
    int port = server_port(s);
    ck_assert_msg(port > 0 && port < 65536,
                  "server_port returned %d: it must be the port listen_loopback chose", port);
    return s;
}

/* Connects to the server, or fails the test. */
static void connect_to(client_t *c, server_t *s)
{
    ck_assert_msg(client_open(c, server_port(s)),
                  "could not connect to the server at 127.0.0.1:%d (server_port): %s",
                  server_port(s), strerror(errno));
}

/* A round trip on c that must work: "ping" gets "echo: ping". */
static void ping(client_t *c)
{
    char reply[REQUEST_MAX];
    got_t g = ask(c, "ping", reply, sizeof reply);
    ck_assert_msg(g == GOT_LINE && strcmp(reply, "echo: ping") == 0,
                  "sent \"ping\" and got %s instead of \"echo: ping\" (with other connections "
                  "open, some of them busy: each connection is served by a goroutine of its own)",
                  what_got(g, reply));
}

/* server_shutdown returned while held requests should still be running:
 * if their handlers were cancelled, say so. */
static void fail_if_shutdown_cancelled(script_t *sc)
{
    ck_assert_msg(!sc->held[0].finished || sc->held[0].err == NULL,
                  "server_shutdown cancelled the handlers' context: the request in flight gave up "
                  "(its handler saw ctx_done) instead of finishing. Shutdown lets requests in "
                  "flight finish; only server_close cancels that context");
}

/* Once server_shutdown has begun: new connections are refused. */
static void expect_refused(int port)
{
    ck_assert_msg(refused_within(port, BOUND),
                  "%g s after server_shutdown began, new connections were still accepted: it "
                  "stops accepting first, at once (shutdown(listener, SHUT_RDWR))",
                  BOUND);
}

/* Sends "hold n" on c and waits until its handler has begun. */
static void hold(client_t *c, script_t *sc, int n)
{
    char msg[32];
    snprintf(msg, sizeof msg, "hold %d\n", n);
    client_send(c, msg);
    int got = -1;
    select_case_t cs[] = {select_recv(sc->started, &got),
                          select_recv(time_after(seconds(BOUND)), NULL)};
    ck_assert_msg(chan_select(cs, 2, SELECT_BLOCK) == 0,
                  "the handler was not called for the request \"hold %d\" within %g s: does each "
                  "connection's goroutine read a line (read_line) and call handle? (Each "
                  "connection has a goroutine of its own: one waiting for its client must not "
                  "keep the others waiting.)",
                  n, BOUND);
    ck_assert_msg(got == n, "expected the handler to start \"hold %d\", it started \"hold %d\"", n,
                  got);
    sc->held[n].began = true;
}

/* server_shutdown and server_close in a goroutine of their own, so that the
 * test can bound its wait, and say what is wrong if they never return. */
typedef struct {
    server_t *s;
    ctx_t *ctx;
    const char *err;
    double returned_at; /* now_s() when it returned */
    chan_t *returned;
    wg_t wg;
} call_t;

static void run_shutdown(void *arg)
{
    call_t *c = arg;
    c->err = server_shutdown(c->s, c->ctx);
    c->returned_at = now_s();
    chan_close(c->returned);
    wg_done(&c->wg);
}

static void run_close(void *arg)
{
    call_t *c = arg;
    server_close(c->s);
    chan_close(c->returned);
    wg_done(&c->wg);
}

static void call_start(call_t *c, go_func_t fn, server_t *s, ctx_t *ctx)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->ctx = ctx;
    c->returned = chan_make(0, 0);
    wg_add(&c->wg, 1);
    go(fn, c);
}

/* Once the call has returned: its results may be read. */
static void call_end(call_t *c)
{
    wg_wait(&c->wg);
    chan_free(c->returned);
}

static void close_server(server_t *s, const char *why_it_may_hang)
{
    call_t c;
    call_start(&c, run_close, s, NULL);
    ck_assert_msg(closes_within(c.returned, BOUND), "server_close has not returned after %g s. %s",
                  BOUND, why_it_may_hang);
    call_end(&c);
}

#define CLOSE_HANGS                                                                                \
    "It shuts every socket down (shutdown(fd, SHUT_RDWR) wakes a read blocked on it), cancels "    \
    "the handlers' context (the test's handler waits on ctx_done), then waits for every "          \
    "goroutine of the server: does each one end?"

static void assert_fds_back(int before)
{
    int after = open_fds();
    ck_assert_msg(after <= before,
                  "%d file descriptor(s) the server opened are still open after server_close: "
                  "close the listener, and each connection when its goroutine ends",
                  after - before);
}

/* ---- Task 2: the server --------------------------------------------------------- */

START_TEST(test_server_listens_on_127_0_0_1_on_a_port_the_kernel_chose)
{
    int fds = open_fds();
    script_t *sc = script_new();
    server_t *a = start(sc), *b = start(sc);
    ck_assert_msg(server_port(a) != server_port(b),
                  "two servers report the same port, %d: each listens on the port the kernel "
                  "chose for it (listen_loopback stores it in *port)",
                  server_port(a));
    server_t *both[] = {a, b};
    for (int i = 0; i < 2; i++) {
        client_t c;
        ck_assert_msg(client_open(&c, server_port(both[i])),
                      "could not connect to 127.0.0.1:%d, the port server_port returned: %s",
                      server_port(both[i]), strerror(errno));
        char reply[REQUEST_MAX];
        got_t g = ask(&c, "ping", reply, sizeof reply);
        ck_assert_msg(g == GOT_LINE && strcmp(reply, "echo: ping") == 0,
                      "sent \"ping\", expected the reply \"echo: ping\", got %s",
                      what_got(g, reply));
        client_close(&c);
    }
    close_server(a, CLOSE_HANGS);
    close_server(b, CLOSE_HANGS);
    script_free(sc);
    assert_fds_back(fds);
}
END_TEST

START_TEST(test_server_replies_to_each_line_in_order)
{
    int fds = open_fds();
    script_t *sc = script_new();
    server_t *s = start(sc);
    client_t c;
    connect_to(&c, s);
    /* Two lines in one write, then one line in two writes: TCP keeps no
     * message boundaries, so the server must split lines itself
     * (read_line does). */
    client_send(&c, "one\ntwo\n");
    client_send(&c, "thr");
    client_send(&c, "ee\n");
    const char *want[] = {"echo: one", "echo: two", "echo: three"};
    for (int i = 0; i < 3; i++) {
        char reply[REQUEST_MAX];
        got_t g = client_recv(&c, reply, sizeof reply);
        ck_assert_msg(
            g == GOT_LINE,
            "sent \"one\\ntwo\\n\", \"thr\", \"ee\\n\"; expected reply %d, \"%s\", got %s: "
            "does the connection's goroutine loop, a reply for each line, until the "
            "client closes?",
            i + 1, want[i], got_name(g));
        ck_assert_msg(strcmp(reply, want[i]) == 0,
                      "reply %d: expected \"%s\", got \"%s\" (replies come in the order of the "
                      "requests, each followed by '\\n')",
                      i + 1, want[i], reply);
    }
    client_close(&c);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
    assert_fds_back(fds);
}
END_TEST

START_TEST(test_a_slow_request_does_not_hold_up_other_connections)
{
    script_t *sc = script_new();
    server_t *s = start(sc);
    client_t a, b;
    connect_to(&a, s);
    hold(&a, sc, 0); /* in flight on a, until release */

    connect_to(&b, s);
    char reply[REQUEST_MAX];
    got_t g = ask(&b, "ping", reply, sizeof reply);
    ck_assert_msg(g == GOT_LINE && strcmp(reply, "echo: ping") == 0,
                  "while a slow request was in flight on one connection, \"ping\" on a second "
                  "connection got %s instead of \"echo: ping\": serve each connection in a "
                  "goroutine of its own, and keep accepting while they run",
                  what_got(g, reply));

    chan_close(sc->release);
    g = client_recv(&a, reply, sizeof reply);
    ck_assert_msg(g == GOT_LINE && strcmp(reply, "done 0") == 0,
                  "the slow request, released, got %s instead of \"done 0\"", what_got(g, reply));
    client_close(&a);
    client_close(&b);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
}
END_TEST

enum { CLIENTS = 8, REQUESTS = 25 };

typedef struct {
    int port, id;
    char wrong[160]; /* empty when every reply was right */
    wg_t *wg;
} busy_client_t;

static void busy_client(void *arg)
{
    busy_client_t *bc = arg;
    client_t c;
    if (!client_open(&c, bc->port)) {
        snprintf(bc->wrong, sizeof bc->wrong, "client %d could not connect: %s", bc->id,
                 strerror(errno));
    } else {
        for (int i = 0; i < REQUESTS && !bc->wrong[0]; i++) {
            char line[32], want[48], reply[REQUEST_MAX];
            snprintf(line, sizeof line, "client %d request %d", bc->id, i);
            snprintf(want, sizeof want, "echo: %s", line);
            got_t g = ask(&c, line, reply, sizeof reply);
            if (g != GOT_LINE || strcmp(reply, want) != 0)
                snprintf(bc->wrong, sizeof bc->wrong, "client %d sent \"%s\" and got %.80s", bc->id,
                         line, what_got(g, reply));
        }
        client_close(&c);
    }
    wg_done(bc->wg);
}

START_TEST(test_server_serves_many_clients_at_once)
{
    script_t *sc = script_new();
    server_t *s = start(sc);
    static busy_client_t bc[CLIENTS];
    wg_t wg = {0};
    for (int i = 0; i < CLIENTS; i++) {
        bc[i] = (busy_client_t){.port = server_port(s), .id = i, .wg = &wg};
        wg_add(&wg, 1);
        go(busy_client, &bc[i]);
    }
    wg_wait(&wg);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_msg(!bc[i].wrong[0], "%d clients, %d requests each, at the same time: %s",
                      CLIENTS, REQUESTS, bc[i].wrong);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
}
END_TEST

START_TEST(test_server_close_ends_every_connection_and_goroutine)
{
    int fds = open_fds();
    script_t *sc = script_new();
    server_t *s = start(sc);
    client_t idle, busy;
    char reply[REQUEST_MAX];
    connect_to(&idle, s);
    ping(&idle);
    connect_to(&busy, s);
    hold(&busy, sc, 0);

    close_server(s, CLOSE_HANGS);
    /* server_close has waited for every goroutine: the handler is done. */
    ck_assert_msg(sc->held[0].finished && sc->held[0].err == CTX_CANCELED,
                  "server_close returned, and the handler of the request in flight %s: "
                  "server_close cancels the handlers' context, and waits for them",
                  !sc->held[0].finished ? "had not returned"
                                        : "returned with its context not cancelled");
    got_t g = client_recv(&idle, reply, sizeof reply);
    ck_assert_msg(g == GOT_EOF || g == GOT_RESET,
                  "after server_close, an idle connection got %s instead of being closed",
                  got_name(g));
    g = client_recv(&busy, reply, sizeof reply);
    ck_assert_msg(g == GOT_EOF || g == GOT_RESET,
                  "after server_close, the connection whose request was in flight got %s "
                  "instead of being closed: server_close shuts every connection down, busy or not "
                  "(SHUT_RDWR), so the reply is lost",
                  what_got(g, reply));
    client_close(&idle);
    client_close(&busy);
    script_free(sc);
    assert_fds_back(fds);
}
END_TEST

/* ---- Task 3: server_shutdown ---------------------------------------------------- */

#define SHUTDOWN_HINT                                                                              \
    "server_shutdown: shut the listener down, shut the idle connections' read side, then wait "    \
    "(one select) for every goroutine of the server to return, or for ctx_done(ctx)"

START_TEST(test_shutdown_with_nothing_to_wait_for_returns_nil_at_once)
{
    int fds = open_fds();
    script_t *sc = script_new();
    server_t *s = start(sc);
    int port = server_port(s);
    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    ck_assert_msg(closes_within(c.returned, BOUND),
                  "server_shutdown has not returned after %g s, with no connection at all: the "
                  "goroutine blocked in accept must be woken (shutdown(listener, SHUT_RDWR); "
                  "close() does not wake it) and return. " SHUTDOWN_HINT,
                  BOUND);
    call_end(&c);
    ck_assert_msg(c.err == NULL,
                  "server_shutdown returned \"%s\", expected NULL: nothing was in "
                  "flight, and its context had an hour left",
                  c.err);
    ck_assert_msg(refused_within(port, 0.0),
                  "server_shutdown returned, and a new connection to the server was still "
                  "accepted: it stops accepting first (shutdown(listener, SHUT_RDWR))");
    ctx_cancel(ctx);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
    assert_fds_back(fds);
}
END_TEST

START_TEST(test_shutdown_closes_idle_connections)
{
    script_t *sc = script_new();
    server_t *s = start(sc);
    client_t idle;
    char reply[REQUEST_MAX];
    connect_to(&idle, s);
    ping(&idle);
    /* Now idle: its goroutine waits in read for a next request. */

    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    ck_assert_msg(closes_within(c.returned, BOUND),
                  "server_shutdown has not returned after %g s; one connection was open, idle "
                  "(waiting for its next request), and its client never closed it. An idle "
                  "connection is closed at once: shutdown(fd, SHUT_RD) wakes the read its "
                  "goroutine is blocked in, and the goroutine closes it and returns",
                  BOUND);
    call_end(&c);
    ck_assert_msg(c.err == NULL, "server_shutdown returned \"%s\", expected NULL", c.err);
    got_t g = client_recv(&idle, reply, sizeof reply);
    ck_assert_msg(g == GOT_EOF || g == GOT_RESET,
                  "after server_shutdown, the idle connection got %s instead of being closed",
                  got_name(g));
    client_close(&idle);
    ctx_cancel(ctx);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
}
END_TEST

START_TEST(test_shutdown_refuses_new_connections_at_once)
{
    script_t *sc = script_new();
    server_t *s = start(sc);
    int port = server_port(s);
    client_t a;
    connect_to(&a, s);
    hold(&a, sc, 0);

    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    ck_assert_msg(refused_within(port, BOUND),
                  "%g s after server_shutdown began, while a request was in flight, new "
                  "connections were still accepted: stop accepting first, at once "
                  "(shutdown(listener, SHUT_RDWR)); don't wait for the requests in flight before "
                  "that",
                  BOUND);
    chan_close(sc->release);
    ck_assert_msg(closes_within(c.returned, BOUND),
                  "server_shutdown has not returned %g s after the request in flight finished",
                  BOUND);
    call_end(&c);
    ck_assert_msg(c.err == NULL, "server_shutdown returned \"%s\", expected NULL", c.err);
    client_close(&a);
    ctx_cancel(ctx);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
}
END_TEST

START_TEST(test_shutdown_lets_the_request_in_flight_finish)
{
    int fds = open_fds();
    script_t *sc = script_new();
    server_t *s = start(sc);
    int port = server_port(s);
    client_t a;
    connect_to(&a, s);
    hold(&a, sc, 0);

    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    expect_refused(port); /* shutdown has begun */
    /* A correct server_shutdown waits for the request: it can't return before
     * the test releases it, however long we look. 200 ms of looking catches
     * one that doesn't wait. */
    if (closes_within(c.returned, 0.2)) {
        fail_if_shutdown_cancelled(sc);
        ck_abort_msg("server_shutdown returned (%s) while a request was still in flight: it "
                     "waits until every goroutine of the server has returned",
                     q(c.err));
    }
    chan_close(sc->release);

    char reply[REQUEST_MAX];
    got_t g = client_recv(&a, reply, sizeof reply);
    ck_assert_msg(g == GOT_LINE && strcmp(reply, "done 0") == 0,
                  "the request in flight during server_shutdown got %s instead of its "
                  "reply \"done 0\": shutdown lets it finish (a connection is closed while idle, "
                  "never while handling a request)%s",
                  what_got(g, reply),
                  g == GOT_LINE && strcmp(reply, "cancelled 0") == 0
                      ? "; and it must not cancel the handlers' context (server_close does that)"
                      : "");
    g = client_recv(&a, reply, sizeof reply);
    ck_assert_msg(g == GOT_EOF || g == GOT_RESET,
                  "after the reply to its request in flight, the connection got %s: in "
                  "shutdown, a connection closes after its last reply instead of reading another "
                  "request",
                  what_got(g, reply));
    ck_assert_msg(closes_within(c.returned, BOUND),
                  "server_shutdown has not returned %g s after the request in flight was "
                  "answered and its connection closed",
                  BOUND);
    call_end(&c);
    ck_assert_msg(c.err == NULL, "server_shutdown returned \"%s\", expected NULL", c.err);
    client_close(&a);
    ctx_cancel(ctx);
    close_server(s, CLOSE_HANGS);
    ck_assert_msg(sc->held[0].err == NULL,
                  "the handler of the request in flight saw its context cancelled during "
                  "server_shutdown: only server_close cancels it");
    script_free(sc);
    assert_fds_back(fds);
}
END_TEST

START_TEST(test_shutdown_waits_for_every_request_in_flight)
{
    enum { BUSY = 3, IDLE = 2 };
    script_t *sc = script_new();
    server_t *s = start(sc);
    int port = server_port(s);
    client_t busy[BUSY], idle[IDLE];
    char reply[REQUEST_MAX];
    for (int i = 0; i < IDLE; i++) {
        connect_to(&idle[i], s);
        ping(&idle[i]);
    }
    for (int i = 0; i < BUSY; i++) {
        connect_to(&busy[i], s);
        hold(&busy[i], sc, i);
    }
    ctx_t *ctx = ctx_with_timeout(ctx_background(), HOUR);
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    expect_refused(port);
    for (int i = 0; i < IDLE; i++) {
        got_t g = client_recv(&idle[i], reply, sizeof reply);
        ck_assert_msg(g == GOT_EOF || g == GOT_RESET,
                      "during server_shutdown, idle connection %d of %d got %s instead of being "
                      "closed (while %d requests were in flight on other connections)",
                      i + 1, IDLE, got_name(g), BUSY);
    }
    if (closes_within(c.returned, 0.2)) {
        fail_if_shutdown_cancelled(sc);
        ck_abort_msg("server_shutdown returned (%s) while %d requests were in flight: it waits "
                     "until every goroutine of the server has returned",
                     q(c.err), BUSY);
    }
    chan_close(sc->release);
    for (int i = 0; i < BUSY; i++) {
        char want[16];
        snprintf(want, sizeof want, "done %d", i);
        got_t g = client_recv(&busy[i], reply, sizeof reply);
        ck_assert_msg(g == GOT_LINE && strcmp(reply, want) == 0,
                      "request %d of the %d in flight during server_shutdown got %s instead of "
                      "\"%s\": shutdown lets requests in flight finish",
                      i + 1, BUSY, what_got(g, reply), want);
    }
    ck_assert_msg(closes_within(c.returned, BOUND),
                  "server_shutdown has not returned %g s after the %d requests in flight were "
                  "answered",
                  BOUND, BUSY);
    call_end(&c);
    ck_assert_msg(c.err == NULL, "server_shutdown returned \"%s\", expected NULL", c.err);
    for (int i = 0; i < BUSY; i++)
        client_close(&busy[i]);
    for (int i = 0; i < IDLE; i++)
        client_close(&idle[i]);
    ctx_cancel(ctx);
    close_server(s, CLOSE_HANGS);
    script_free(sc);
}
END_TEST

START_TEST(test_shutdown_gives_up_at_its_deadline)
{
    const double deadline = 0.1; /* seconds */
    script_t *sc = script_new();
    server_t *s = start(sc);
    client_t a;
    connect_to(&a, s);
    hold(&a, sc, 0); /* never released */

    double t0 = now_s(); /* the deadline counts from here */
    ctx_t *ctx = ctx_with_timeout(ctx_background(), seconds(deadline));
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    ck_assert_msg(closes_within(c.returned, deadline + BOUND),
                  "server_shutdown has not returned %g s after its context's deadline, with a "
                  "request still in flight: wait in one select for the server's goroutines and "
                  "for ctx_done(ctx), and return ctx_err(ctx) when the context is done",
                  BOUND);
    call_end(&c);
    if (c.err == NULL) fail_if_shutdown_cancelled(sc);
    ck_assert_msg(c.err == CTX_DEADLINE_EXCEEDED,
                  "server_shutdown returned %s when its deadline passed with a request in "
                  "flight; expected ctx_err(ctx), \"context deadline exceeded\"",
                  q(c.err));
    ck_assert_msg(c.returned_at - t0 >= deadline,
                  "server_shutdown gave up %.3f s after its context was made, before its "
                  "deadline (%g s): wait for the context itself",
                  c.returned_at - t0, deadline);

    /* The request still runs; server_close ends it. */
    close_server(s, "A request was still in flight after server_shutdown gave up: server_close "
                    "cancels the handlers' context (the test's handler waits on ctx_done), "
                    "shuts its connection down and waits for its goroutine.");
    ck_assert_msg(sc->held[0].finished,
                  "server_close returned while the handler still running when server_shutdown "
                  "gave up had not returned: server_close waits for every goroutine");
    ck_assert_msg(sc->held[0].err == CTX_CANCELED,
                  "the handler still running when server_shutdown gave up returned with its "
                  "context %s: server_close cancels it",
                  sc->held[0].err ? sc->held[0].err : "not cancelled");
    char reply[REQUEST_MAX];
    got_t g = client_recv(&a, reply, sizeof reply);
    ck_assert_msg(g == GOT_EOF || g == GOT_RESET,
                  "after server_close, the connection whose request outlived the shutdown got "
                  "%s instead of being closed",
                  what_got(g, reply));
    client_close(&a);
    ctx_cancel(ctx);
    script_free(sc);
}
END_TEST

START_TEST(test_shutdown_returns_canceled_when_its_context_is_cancelled)
{
    script_t *sc = script_new();
    server_t *s = start(sc);
    int port = server_port(s);
    client_t a;
    connect_to(&a, s);
    hold(&a, sc, 0);

    ctx_t *ctx = ctx_with_cancel(ctx_background());
    call_t c;
    call_start(&c, run_shutdown, s, ctx);
    expect_refused(port);
    ctx_retain(ctx); /* the call still uses it after our ctx_cancel */
    ctx_cancel(ctx);
    ck_assert_msg(closes_within(c.returned, BOUND),
                  "server_shutdown has not returned %g s after its context was cancelled: wait "
                  "in one select for the server's goroutines and for ctx_done(ctx)",
                  BOUND);
    call_end(&c);
    ctx_release(ctx);
    ck_assert_msg(c.err == CTX_CANCELED,
                  "server_shutdown returned %s when its context was cancelled; expected "
                  "ctx_err(ctx), \"context canceled\"",
                  q(c.err));
    close_server(s, CLOSE_HANGS);
    client_close(&a);
    script_free(sc);
}
END_TEST

/* ---- A child process, for the tests that send signals ----------------------------- */

typedef struct {
    pid_t pid;
    int out;          /* the read end of the child's stdout and stderr */
    char text[16384]; /* what it printed (the start of it) */
    size_t len;
    size_t matched; /* the lines before this offset were matched */
    bool eof, reaped, killed_by_us, ended;
    bool exited; /* false: killed by a signal */
    int status;  /* exit status, or that signal */
} child_t;

static child_t child;

/* Runs fn(arg) in a child process, whose stdout and stderr come to us. Call
 * it before the test starts any goroutine. */
static void child_start(void (*fn)(void *), void *arg)
{
    child_t *c = &child;
    memset(c, 0, sizeof *c);
    int p[2];
    ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    c->pid = fork();
    ck_assert_msg(c->pid >= 0, "fork: %s", strerror(errno));
    if (c->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* if the test dies, so does the child */
        if (getppid() != parent) _exit(99);
        /* A program starts with the default action for these; the test
         * process has Check's handlers (which pass a SIGTERM on to the
         * whole process group, this test included). */
        static const int defaults[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGUSR1, SIGUSR2};
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            signal(defaults[i], SIG_DFL);
        dup2(p[1], STDOUT_FILENO);
        dup2(p[1], STDERR_FILENO);
        close(p[0]);
        close(p[1]);
        fn(arg);
        _exit(0);
    }
    close(p[1]);
    c->out = p[0];
}

/* Reads more of what the child prints, waiting until deadline at most.
 * False at EOF or once the deadline has passed. */
static bool child_read_more(double deadline)
{
    child_t *c = &child;
    while (!c->eof) {
        int ms = (int)((deadline - now_s()) * 1000);
        if (ms < 0) return false;
        struct pollfd p = {.fd = c->out, .events = POLLIN};
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return false;
        char buf[4096];
        ssize_t n = read(c->out, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            c->eof = true;
            return false;
        }
        size_t room = sizeof c->text - 1 - c->len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(c->text + c->len, buf, take);
        c->len += take;
        c->text[c->len] = '\0';
        return true;
    }
    return false;
}

static bool child_reap_until(double deadline)
{
    child_t *c = &child;
    while (!c->reaped) {
        int st;
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid) {
            c->reaped = true;
            c->exited = WIFEXITED(st);
            c->status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
        } else if (r < 0 && errno != EINTR) {
            c->reaped = true; /* not ours any more: nothing to wait for */
        } else if (now_s() > deadline) {
            return false;
        } else {
            pause_ms(1);
        }
    }
    return true;
}

/* Waits up to limit_s for the child to end by itself, reading what it
 * prints; then ends it: SIGQUIT first, for the runtime's goroutine dump,
 * then SIGKILL. The child is reaped when this returns. */
static void child_end(double limit_s)
{
    child_t *c = &child;
    if (c->ended) return;
    double deadline = now_s() + limit_s;
    while (child_read_more(deadline)) {
    }
    if (!child_reap_until(deadline)) {
        c->killed_by_us = true;
        kill(c->pid, SIGQUIT);
        double d2 = now_s() + 2 * gk_timeout_scale();
        while (child_read_more(d2)) {
        }
        if (!child_reap_until(d2)) {
            kill(c->pid, SIGKILL);
            child_reap_until(now_s() + 60);
        }
    }
    if (c->out >= 0) close(c->out);
    c->out = -1;
    c->ended = true;
}

static const char *sig_text(int sig)
{
    switch (sig) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGKILL:
        return "SIGKILL";
    case SIGQUIT:
        return "SIGQUIT";
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    default:
        return "a signal";
    }
}

/*
 * Helgrind's report on the child, if it wrote one: the grader names each
 * process's log hg.PID, in the directory the test runs in. Kept: the
 * headings, and the frames in katas/ and tests/katas/ (as the grader does
 * for the test's own log); the thread announcements go.
 */
static void add_helgrind_report(char *msg, size_t cap, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "hg.%ld", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t len = strlen(msg);
    len += (size_t)snprintf(msg + len, cap - len, "\nHelgrind's report on that process:\n");
    char line[512];
    bool on = false;
    while (len + 2 < cap && fgets(line, sizeof line, f)) {
        char *t = line;
        if (t[0] == '=' && t[1] == '=') { /* "==PID== " */
            t = strstr(t + 2, "== ");
            t = t ? t + 3 : line;
        }
        if (strstr(t, "Thread-Announcement"))
            on = false;
        else if (strstr(t, "Possible data race") || strstr(t, "lock order") ||
                 strstr(t, "Lock at") || strstr(t, "unlocked a"))
            on = true;
        if (!on || *t == '\n') continue;
        const char *u = t + strspn(t, " ");
        bool frame = strncmp(u, "at 0x", 5) == 0 || strncmp(u, "by 0x", 5) == 0;
        if (frame && !strstr(t, "katas/")) continue;
        len += (size_t)snprintf(msg + len, cap - len, "%s", t);
    }
    fclose(f);
}

/* Why a process that should catch SIGINT and SIGTERM dies of one. */
#define IF_KILLED                                                                                  \
    "when it came, some thread did not block it, and the kernel gave it to that thread, where "    \
    "its default action ends the process. notify_context blocks the signals (pthread_sigmask) "    \
    "in the calling thread before it starts the goroutine that waits in sigwait, so that every "   \
    "goroutine started after inherits the mask; and serve_until_signal calls notify_context "      \
    "before server_start"

/*
 * Fails the test with why (its first line is the reason the grader shows),
 * then how the child ended and what it printed. The child is ended and
 * reaped first. A race the child's ThreadSanitizer reported is copied to
 * our output, where the grader reads race reports.
 */
static _Noreturn void child_abort(const char *why)
{
    child_t *c = &child;
    if (!c->ended) child_end(c->reaped ? 0 : 0.05);
    static char msg[3900];
    int n;
    if (c->reaped && c->exited && c->status == 66)
        n = snprintf(msg, sizeof msg,
                     "the race detector found an error in the process running your code (its "
                     "exit status is 66; the report is below)\n\nThe check that failed: "
                     "%s\n\n",
                     why);
    else if (c->reaped && !c->exited && !c->killed_by_us &&
             (c->status == SIGINT || c->status == SIGTERM))
        n = snprintf(msg, sizeof msg,
                     "the process running your code was killed by %s, the signal it was meant "
                     "to catch: %s\n\nThe check that failed: %s\n\n",
                     sig_text(c->status), IF_KILLED, why);
    else
        n = snprintf(msg, sizeof msg, "%s\n\n", why);
    if (strstr(c->text, "WARNING: ThreadSanitizer:")) {
        fprintf(stderr, "%s", c->text);
        n += snprintf(msg + n, sizeof msg - (size_t)n,
                      "(ThreadSanitizer reported a race in the process that ran your code)\n");
    }
    if (!c->reaped)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "The process running your code: ");
    else if (c->killed_by_us)
        n += snprintf(msg + n, sizeof msg - (size_t)n,
                      "The process running your code was still running; the test ended it "
                      "(with SIGQUIT: the dump below shows where each goroutine was). ");
    else if (c->exited)
        n += snprintf(msg + n, sizeof msg - (size_t)n,
                      "The process running your code exited with status %d%s. ", c->status,
                      c->status == 66 ? " (66: the race detector found an error in it)" : "");
    else
        n += snprintf(msg + n, sizeof msg - (size_t)n,
                      "The process running your code was killed by %s (signal %d). ",
                      sig_text(c->status), c->status);
    snprintf(msg + n, sizeof msg - (size_t)n, "It printed:\n%.2400s%s", c->text,
             c->len > 2400 ? "\n[...]" : "");
    if (c->reaped && c->exited && c->status == 66) add_helgrind_report(msg, sizeof msg, c->pid);
    ck_abort_msg("%s", msg);
}

/* Waits until the child prints a line that starts with prefix (lines before
 * it are passed over); copies it to line. Fails the test with why if none
 * comes within limit_s, or the child ends first. */
static void expect_line(const char *prefix, char *line, size_t cap, double limit_s, const char *why)
{
    child_t *c = &child;
    double deadline = now_s() + limit_s;
    size_t plen = strlen(prefix);
    for (;;) {
        char *p = c->text + c->matched, *nl;
        while ((nl = memchr(p, '\n', (size_t)(c->text + c->len - p)))) {
            if ((size_t)(nl - p) >= plen && strncmp(p, prefix, plen) == 0) {
                if (line) snprintf(line, cap, "%.*s", (int)(nl - p), p);
                c->matched = (size_t)(nl + 1 - c->text);
                return;
            }
            p = nl + 1;
        }
        if (!child_read_more(deadline)) {
            if (c->eof) child_reap_until(now_s() + BOUND);
            child_abort(why);
        }
    }
}

/* Expects the child to end by itself within limit_s: to exit with
 * want_status (want_signal 0), or to be killed by want_signal. */
static void expect_end(int want_status, int want_signal, double limit_s, const char *why)
{
    child_t *c = &child;
    child_end(limit_s);
    bool ok = !c->killed_by_us && !strstr(c->text, "WARNING: ThreadSanitizer:") &&
              (want_signal ? !c->exited && c->status == want_signal
                           : c->exited && c->status == want_status);
    if (!ok) child_abort(why);
}

/* In the child: one line to stdout, in one write (unbuffered, so lines from
 * several goroutines don't mix). */
static void say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof buf - 2) n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    ssize_t w = write(STDOUT_FILENO, buf, (size_t)n);
    (void)w;
}

/* In the child: ends it with status 3 if a goroutine started since mark is
 * still running, printing their dump. */
static void child_check_leaks(go_leak_mark_t mark, const char *who)
{
    static char report[4096];
    if (go_leak_check(mark, report, sizeof report) != 0) {
        say("leaked: %s returned, and goroutines it started are still running", who);
        say("%s", report);
        _exit(3);
    }
}

/* In the child: true if ch is closed (or receives) within limit_s. */
static bool child_wait(chan_t *ch, double limit_s)
{
    return closes_within(ch, limit_s);
}

/* ---- Task 1: notify_context -------------------------------------------------------- */

static const int both_signals[] = {SIGINT, SIGTERM};

/* The child: notify_context, wait for the signal, report, notify_stop. */
static void child_waits_for_a_signal(void *arg)
{
    (void)arg;
    go_leak_mark_t mark = go_leak_mark();
    notify_t *stop = NULL;
    ctx_t *ctx = notify_context(ctx_background(), both_signals, 2, &stop);
    if (!ctx || !stop || !ctx_done(ctx)) {
        say("notify_context returned %s, with *stop %s", ctx ? "a context" : "NULL",
            stop ? "set" : "NULL");
        _exit(5);
    }
    say("ready");
    if (!child_wait(ctx_done(ctx), BOUND)) {
        say("not cancelled %g s after the signal was sent", BOUND);
        _exit(4);
    }
    const char *err = ctx_err(ctx), *cause = ctx_cause(ctx);
    say("cancelled: %s (%s)", err ? err : "NULL", cause ? cause : "NULL");
    notify_stop(stop);
    say("stopped");
    child_check_leaks(mark, "notify_stop");
}

static void signal_cancels(int sig, const char *name)
{
    child_start(child_waits_for_a_signal, NULL);
    expect_line("ready", NULL, 0, BOUND,
                "the process never got past notify_context: did it return (setting *stop)?");
    kill(child.pid, sig);
    char line[256], want[128], why[1024];
    snprintf(why, sizeof why,
             "after %s, the context of notify_context was not cancelled within %g s: the "
             "goroutine waiting in sigwait cancels it (ctx_cancel_cause)",
             sig_text(sig), BOUND);
    expect_line("cancelled: ", line, sizeof line, BOUND, why);
    snprintf(want, sizeof want, "cancelled: context canceled (%s)", name);
    if (strcmp(line, want) != 0) {
        snprintf(why, sizeof why,
                 "after %s, expected ctx_err and ctx_cause of the context to be \"context "
                 "canceled\" and \"%s\" (cancel it with ctx_cancel_cause(ctx, signal_name(sig))); "
                 "the test saw \"%s\"",
                 sig_text(sig), name, line);
        child_abort(why);
    }
    expect_line("stopped", NULL, 0, BOUND,
                "notify_stop did not return: it wakes the goroutine in sigwait (pthread_kill, "
                "with a signal of the set, to that goroutine's own thread) and waits for it to "
                "return");
    expect_end(0, 0, BOUND,
               "after notify_stop, the process must end cleanly: no goroutine left running");
}

START_TEST(test_a_sigterm_cancels_the_context_and_names_the_signal)
{
    signal_cancels(SIGTERM, "terminated");
}
END_TEST

START_TEST(test_a_sigint_cancels_the_context_too)
{
    signal_cancels(SIGINT, "interrupt");
}
END_TEST

/* The child: the context of notify_context ends with its parent. */
static void child_cancels_the_parent(void *arg)
{
    (void)arg;
    go_leak_mark_t mark = go_leak_mark();
    ctx_t *parent = ctx_with_cancel(ctx_background());
    notify_t *stop = NULL;
    ctx_t *ctx = notify_context(parent, both_signals, 2, &stop);
    ctx_cancel(parent);
    if (!child_wait(ctx_done(ctx), BOUND)) {
        say("not done after its parent was cancelled");
        _exit(4);
    }
    say("done: %s", ctx_err(ctx) ? ctx_err(ctx) : "NULL");
    notify_stop(stop);
    say("stopped");
    child_check_leaks(mark, "notify_stop");
}

START_TEST(test_the_context_ends_with_its_parent)
{
    child_start(child_cancels_the_parent, NULL);
    char line[256];
    expect_line("done: ", line, sizeof line, BOUND,
                "the context notify_context returned was not done after its parent was "
                "cancelled: make it a child of parent (ctx_with_cancel(parent))");
    if (strcmp(line, "done: context canceled") != 0)
        child_abort("the context's parent was cancelled: expected ctx_err \"context canceled\"");
    expect_line("stopped", NULL, 0, BOUND,
                "notify_stop did not return: it wakes the goroutine in sigwait (pthread_kill, "
                "with a signal of the set, to that goroutine's own thread) and waits for it to "
                "return");
    expect_end(0, 0, BOUND, "after notify_stop, the process must end cleanly");
}
END_TEST

/* The child: notify_stop with no signal at all. */
static void child_stops_at_once(void *arg)
{
    (void)arg;
    go_leak_mark_t mark = go_leak_mark();
    notify_t *stop = NULL;
    ctx_t *ctx = notify_context(ctx_background(), both_signals, 2, &stop);
    ctx_retain(ctx); /* ours, to look at it after notify_stop */
    say("stopping");
    notify_stop(stop);
    say("stopped: %s", ctx_err(ctx) ? ctx_err(ctx) : "NULL");
    ctx_release(ctx);
    child_check_leaks(mark, "notify_stop");
}

START_TEST(test_notify_stop_cancels_the_context_and_ends_its_goroutine)
{
    child_start(child_stops_at_once, NULL);
    char line[256];
    expect_line("stopped: ", line, sizeof line, BOUND,
                "notify_stop, with no signal ever sent, did not return: the goroutine is "
                "blocked in sigwait; wake it with pthread_kill(its thread, a signal of the set) "
                "after setting a flag that says \"stop\" (an atomicbool_t), and wait for it to "
                "return");
    if (strcmp(line, "stopped: context canceled") != 0)
        child_abort("after notify_stop, the context must be cancelled (Go's stop() cancels it); "
                    "it was not");
    expect_end(0, 0, BOUND,
               "notify_stop must end the goroutine that waits for the signals before it returns");
}
END_TEST

/* The child: a signal, notify_stop, then it waits to be killed. */
static void child_stops_then_waits(void *arg)
{
    (void)arg;
    notify_t *stop = NULL;
    ctx_t *ctx = notify_context(ctx_background(), both_signals, 2, &stop);
    say("ready");
    if (!child_wait(ctx_done(ctx), BOUND)) _exit(4);
    notify_stop(stop);
    say("stopped");
    chan_t *never = chan_make(0, 0);
    child_wait(never, 3 * BOUND); /* the next SIGTERM ends us long before; the test
                                     gives up after BOUND */
    say("still alive");
    _exit(0);
}

START_TEST(test_after_notify_stop_the_next_signal_ends_the_process)
{
    child_start(child_stops_then_waits, NULL);
    expect_line("ready", NULL, 0, BOUND, "the process never got past notify_context");
    kill(child.pid, SIGTERM);
    expect_line("stopped", NULL, 0, BOUND,
                "after a SIGTERM and notify_stop, the process did not go on");
    kill(child.pid, SIGTERM);
    expect_end(0, SIGTERM, BOUND,
               "after notify_stop, a second SIGTERM did not end the process: nobody catches the "
               "signals any more, so notify_stop unblocks them in its calling thread "
               "(pthread_sigmask, restoring the mask it had before notify_context), and the next "
               "one has its default action");
}
END_TEST

/* ---- Task 4: serve_until_signal -------------------------------------------------------- */

/* The child's handler. "hold" starts a slow request: it prints
 * "handler: hold started", then waits until the parent writes a byte on its
 * end of a socket pair, or the server's context is done. Anything else:
 * "echo: LINE" at once. */
static struct {
    int release_fd;  /* the child's end of the socket pair */
    chan_t *release; /* closed by read_release when a byte (or EOF) comes */
    once_t once;
    wg_t reader;
} cs = {.release_fd = -1};

static void read_release(void *arg)
{
    (void)arg;
    char b;
    while (read(cs.release_fd, &b, 1) < 0 && errno == EINTR) {
    }
    chan_close(cs.release);
    wg_done(&cs.reader);
}

/* Started from the first "hold": after serve_until_signal has blocked the
 * signals, so this goroutine blocks them too. */
static void start_release_reader(void *arg)
{
    (void)arg;
    cs.release = chan_make(0, 0);
    wg_add(&cs.reader, 1);
    go(read_release, NULL);
}

static void child_handler(ctx_t *ctx, const char *line, char *reply, void *arg)
{
    (void)arg;
    if (strcmp(line, "hold") == 0) {
        once_do(&cs.once, start_release_reader, NULL);
        say("handler: hold started");
        select_case_t w[] = {select_recv(cs.release, NULL), select_recv(ctx_done(ctx), NULL)};
        chan_select(w, 2, SELECT_BLOCK);
        const char *err = ctx_err(ctx);
        say("handler: hold %s", err ? "cancelled" : "released");
        snprintf(reply, REQUEST_MAX, "%s", err ? "cancelled" : "done");
        return;
    }
    snprintf(reply, REQUEST_MAX, "echo: %.200s", line);
}

static double grace_s;

/* The child: the program. Its output is a pipe, fully buffered as a pipe
 * is: a line the program doesn't fflush doesn't arrive. */
static void child_main(void *arg)
{
    (void)arg;
    go_leak_mark_t mark = go_leak_mark();
    FILE *out = fdopen(dup(STDOUT_FILENO), "w");
    if (!out) _exit(5);
    int status = serve_until_signal(child_handler, NULL, seconds(grace_s), out);
    fclose(out);
    say("returned %d", status);
    if (cs.release) { /* end our reader before the leak check */
        shutdown(cs.release_fd, SHUT_RDWR);
        wg_wait(&cs.reader);
        chan_free(cs.release);
    }
    child_check_leaks(mark, "serve_until_signal");
    _exit(status);
}

/* Starts the program in a child; returns the port it reports. release[0]
 * is the parent's end of the socket pair. */
static int main_start(double grace, int release[2])
{
    ck_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, release) == 0);
    cs.release_fd = release[1];
    grace_s = grace;
    child_start(child_main, NULL);
    close(release[1]);
    char line[256];
    expect_line("listening on ", line, sizeof line, BOUND,
                "the program printed no \"listening on 127.0.0.1:PORT\" line: it starts the "
                "server, then prints that line and fflush(out)es it (out is a pipe here: "
                "without fflush, the line waits in its buffer)");
    int port = 0;
    if (sscanf(line, "listening on 127.0.0.1:%d", &port) != 1 || port <= 0 || port > 65535)
        child_abort("expected the line \"listening on 127.0.0.1:PORT\", with the server's port");
    return port;
}

static void main_connect(client_t *c, int port)
{
    if (!client_open(c, port))
        child_abort("could not connect to the port in the program's \"listening on\" line");
}

/* Sends "hold" and waits until the child's handler has started it. */
static void main_hold(client_t *c)
{
    client_send(c, "hold\n");
    expect_line("handler: hold started", NULL, 0, BOUND,
                "the handler never started the request \"hold\": does the program serve with "
                "server_start(handle, arg), given the handler it was given?");
}

static void expect_shutting_down(const char *cause, int sig)
{
    char line[256], want[64], why[1024];
    snprintf(why, sizeof why,
             "after %s, the program printed no \"shutting down (%s)\" line: when the context "
             "of notify_context is done, it calls notify_stop, then prints that line and "
             "fflushes it",
             sig_text(sig), cause);
    expect_line("shutting down", line, sizeof line, BOUND, why);
    snprintf(want, sizeof want, "shutting down (%s)", cause);
    if (strcmp(line, want) != 0) {
        snprintf(why, sizeof why, "expected \"%s\" (the cause, ctx_cause), got \"%s\"", want, line);
        child_abort(why);
    }
}

START_TEST(test_main_lets_the_request_in_flight_finish_then_exits_0)
{
    int release[2];
    int port = main_start(60 * gk_timeout_scale(), release);
    client_t a;
    main_connect(&a, port);
    main_hold(&a);
    kill(child.pid, SIGTERM);
    expect_shutting_down("terminated", SIGTERM);
    if (!refused_within(port, BOUND))
        child_abort("after \"shutting down\", new connections were still accepted: "
                    "server_shutdown stops accepting first");
    send(release[0], "x", 1, MSG_NOSIGNAL); /* the request may finish now */

    char reply[REQUEST_MAX], why[512];
    got_t g = client_recv(&a, reply, sizeof reply);
    if (g != GOT_LINE || strcmp(reply, "done") != 0) {
        snprintf(why, sizeof why,
                 "the request in flight when SIGTERM came got %s instead of its reply "
                 "\"done\": the program shuts down gracefully (server_shutdown), letting it "
                 "finish",
                 what_got(g, reply));
        child_abort(why);
    }
    expect_line("shutdown complete", NULL, 0, BOUND,
                "the request in flight finished, and the program did not print \"shutdown "
                "complete\"");
    expect_end(0, 0, BOUND,
               "after \"shutdown complete\", serve_until_signal returns 0 (and ends every "
               "goroutine it started)");
    client_close(&a);
    close(release[0]);
}
END_TEST

START_TEST(test_main_shuts_down_on_sigint_and_closes_idle_connections)
{
    int release[2];
    int port = main_start(60 * gk_timeout_scale(), release);
    client_t a;
    char reply[REQUEST_MAX];
    main_connect(&a, port);
    if (ask(&a, "ping", reply, sizeof reply) != GOT_LINE || strcmp(reply, "echo: ping") != 0)
        child_abort("the program's server did not answer \"ping\" with \"echo: ping\"");
    kill(child.pid, SIGINT);
    expect_shutting_down("interrupt", SIGINT);
    expect_line("shutdown complete", NULL, 0, BOUND,
                "with only an idle connection open, the program did not print \"shutdown "
                "complete\"");
    got_t g = client_recv(&a, reply, sizeof reply);
    if (g != GOT_EOF && g != GOT_RESET)
        child_abort("the idle connection was not closed by the shutdown");
    expect_end(0, 0, BOUND, "after \"shutdown complete\", serve_until_signal returns 0");
    client_close(&a);
    close(release[0]);
}
END_TEST

START_TEST(test_main_exits_1_when_the_grace_period_runs_out)
{
    int release[2];
    int port = main_start(0.1, release);
    client_t a;
    main_connect(&a, port);
    main_hold(&a); /* never released */
    kill(child.pid, SIGTERM);
    expect_shutting_down("terminated", SIGTERM);
    expect_line("shutdown: ", NULL, 0, BOUND,
                "a request outlived the grace period (0.1 s), and the program did not print "
                "\"shutdown: context deadline exceeded\": server_shutdown gets a context that "
                "times out after grace (ctx_with_timeout)");
    if (!strstr(child.text, "shutdown: context deadline exceeded\n"))
        child_abort("expected the line \"shutdown: context deadline exceeded\"");
    expect_line("handler: hold cancelled", NULL, 0, BOUND,
                "after the grace period, the request still running was not cancelled: call "
                "server_close, which cancels the handlers' context");
    expect_end(1, 0, BOUND,
               "when the grace period runs out, serve_until_signal returns 1 (after "
               "server_close), and ends every goroutine it started");
    char reply[REQUEST_MAX];
    got_t g = client_recv(&a, reply, sizeof reply);
    if (g == GOT_LINE)
        ck_abort_msg("the request cut off by the end of the grace period still got a reply, "
                     "\"%s\": server_close shuts its connection down first",
                     reply);
    client_close(&a);
    close(release[0]);
}
END_TEST

START_TEST(test_a_second_signal_ends_the_program_at_once)
{
    int release[2];
    int port = main_start(60 * gk_timeout_scale(), release);
    client_t a;
    main_connect(&a, port);
    main_hold(&a); /* never released: the shutdown would take the whole grace period */
    kill(child.pid, SIGTERM);
    expect_shutting_down("terminated", SIGTERM);
    kill(child.pid, SIGTERM); /* the user insists */
    expect_end(0, SIGTERM, BOUND,
               "a second SIGTERM, sent once the program had printed \"shutting down\", did not "
               "end it: call notify_stop as soon as the context is done, before shutting the "
               "server down (and before printing that line), so that the next signal has its "
               "default action");
    client_close(&a);
    close(release[0]);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("shutdown");
    /* Task 1 */
    kata_add_test(s, test_a_sigterm_cancels_the_context_and_names_the_signal);
    kata_add_test(s, test_a_sigint_cancels_the_context_too);
    kata_add_test(s, test_the_context_ends_with_its_parent);
    kata_add_test(s, test_notify_stop_cancels_the_context_and_ends_its_goroutine);
    kata_add_test(s, test_after_notify_stop_the_next_signal_ends_the_process);
    /* Task 2 */
    kata_add_test(s, test_server_listens_on_127_0_0_1_on_a_port_the_kernel_chose);
    kata_add_test(s, test_server_replies_to_each_line_in_order);
    kata_add_test(s, test_a_slow_request_does_not_hold_up_other_connections);
    kata_add_test(s, test_server_serves_many_clients_at_once);
    kata_add_test(s, test_server_close_ends_every_connection_and_goroutine);
    /* Task 3 */
    kata_add_test(s, test_shutdown_with_nothing_to_wait_for_returns_nil_at_once);
    kata_add_test(s, test_shutdown_closes_idle_connections);
    kata_add_test(s, test_shutdown_refuses_new_connections_at_once);
    kata_add_test(s, test_shutdown_lets_the_request_in_flight_finish);
    kata_add_test(s, test_shutdown_waits_for_every_request_in_flight);
    kata_add_test(s, test_shutdown_gives_up_at_its_deadline);
    kata_add_test(s, test_shutdown_returns_canceled_when_its_context_is_cancelled);
    /* Task 4 */
    kata_add_test(s, test_main_lets_the_request_in_flight_finish_then_exits_0);
    kata_add_test(s, test_main_shuts_down_on_sigint_and_closes_idle_connections);
    kata_add_test(s, test_main_exits_1_when_the_grace_period_runs_out);
    kata_add_test(s, test_a_second_signal_ends_the_program_at_once);
    return s;
}
