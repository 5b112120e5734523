/*
 * abrupt-exit: what SIGTERM does to a server that doesn't handle it, and to
 * one that shuts down gracefully.
 *
 *   make example KATA=21 NAME=abrupt-exit
 *
 * Twice, a server runs in a child process, and this program is its client:
 * it sends a request that takes the server 300 ms, and while the request
 * is in flight it sends the server SIGTERM, as `kill`, systemd, Docker and
 * Kubernetes do to stop a process. The first server leaves SIGTERM to its
 * default action: the kernel ends the process on the spot, and the request
 * is lost halfway. The second blocks SIGTERM, waits for it with sigwait,
 * stops accepting, lets the request finish, then exits. You will see:
 *
 *   abrupt:   SIGTERM sent while a request was in flight
 *             the server was killed by signal 15 (Terminated)
 *             the client got: the connection closed, no reply (the request is lost)
 *   graceful: SIGTERM sent while a request was in flight
 *             the server exited with status 0
 *             the client got: "done"
 *
 * In Go: without signal.Notify, SIGTERM ends the program the same way;
 * with signal.NotifyContext and srv.Shutdown(ctx) it finishes the request.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "gokata.h"
#include "shutdown.h" /* listen_loopback, read_line, write_line (no learner code) */

static int lfd;

/* One request: read a line, work 300 ms, reply "done". */
static void serve_one(void *arg)
{
    wg_t *wg = arg;
    int fd = accept(lfd, NULL, NULL);
    line_reader_t r = {.fd = fd};
    char line[REQUEST_MAX];
    if (read_line(&r, line)) {
        printf("working\n");
        fflush(stdout);
        go_sleep(300 * MILLISECOND);
        write_line(fd, "done");
    }
    close(fd);
    wg_done(wg);
}

/* The child: a server of one request. graceful: handle SIGTERM. */
static void server(bool graceful)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (graceful) pthread_sigmask(SIG_BLOCK, &term, NULL); /* before any goroutine */
    int port = 0;
    lfd = listen_loopback(&port);
    printf("port %d\n", port);
    fflush(stdout);
    wg_t wg = {0};
    wg_add(&wg, 1);
    go(serve_one, &wg);
    if (!graceful) {
        wg_wait(&wg); /* SIGTERM's default action ends us in here */
        exit(0);
    }
    int sig;
    sigwait(&term, &sig);     /* the signal: shut down */
    shutdown(lfd, SHUT_RDWR); /* stop accepting */
    wg_wait(&wg);             /* let the request in flight finish */
    close(lfd);
    exit(0);
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) exit(1);
    return fd;
}

static void run(const char *name, bool graceful)
{
    int p[2];
    if (pipe(p) != 0) exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        server(graceful);
    }
    close(p[1]);
    FILE *from_server = fdopen(p[0], "r");
    char line[64];
    int port = 0;
    if (!fgets(line, sizeof line, from_server) || sscanf(line, "port %d", &port) != 1) exit(1);

    int fd = dial(port);
    write_line(fd, "work");
    if (!fgets(line, sizeof line, from_server)) exit(1); /* "working": it is in flight */
    kill(pid, SIGTERM);
    printf("%-9s SIGTERM sent while a request was in flight\n", name);

    line_reader_t r = {.fd = fd};
    char reply[REQUEST_MAX];
    bool got = read_line(&r, reply);
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("          the server was killed by signal %d (%s)\n", WTERMSIG(st),
               strsignal(WTERMSIG(st)));
    else
        printf("          the server exited with status %d\n", WEXITSTATUS(st));
    if (got)
        printf("          the client got: \"%s\"\n", reply);
    else
        printf("          the client got: the connection closed, no reply (the request is "
               "lost)\n");
    close(fd);
    fclose(from_server);
}

int main(void)
{
    run("abrupt:", false);
    run("graceful:", true);
    return 0;
}
