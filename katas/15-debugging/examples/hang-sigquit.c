/*
 * hang-sigquit: a program that hangs although not every goroutine is
 * blocked, so no deadlock is detected; SIGQUIT (Ctrl-\) prints the dump.
 *
 *   Go:   go heartbeat()                       // a ticker: always something to do
 *         go lookup(key, reply)                // never replies for a missing key
 *         v := <-reply                         // waits forever
 *         ... press Ctrl-\ : "SIGQUIT: quit" and every goroutine's stack
 *
 * The deadlock detector fires only when every goroutine is blocked and no
 * timer is pending. Here a heartbeat goroutine wakes every 100 ms, so the
 * program is not dead, only stuck: it would hang until killed. Go's answer,
 * and gokata's, is SIGQUIT: Ctrl-\ in the terminal, or `kill -QUIT <pid>`,
 * prints every goroutine and exits with status 2. This example sends itself
 * SIGQUIT after 1 second, as if you had pressed Ctrl-\ (the grader does the
 * same to a test that runs out of time).
 *
 * Run:  make example KATA=15 NAME=hang-sigquit
 *   looking up "carol" ...
 *   heartbeat
 *   ... (nine or ten heartbeats)
 *   SIGQUIT: quit
 *
 *   goroutine 1 [chan receive]:
 *   main(...)
 *           katas/15-debugging/examples/hang-sigquit.c:98
 *
 *   goroutine 2 [sleep]:
 *   heartbeat(...)
 *           katas/15-debugging/examples/hang-sigquit.c:58
 *   created by main in goroutine 1
 *           katas/15-debugging/examples/hang-sigquit.c:94
 *
 *   goroutine 3 [chan receive]:
 *   lookup(...)
 *           katas/15-debugging/examples/hang-sigquit.c:80
 *   created by main in goroutine 1
 *           katas/15-debugging/examples/hang-sigquit.c:96
 *   (and, on some runs, the goroutine that sent the signal, still
 *   [running]: press_ctrl_backslash)
 *   (exit status 2)
 *
 * README.md reads it. The fix: lookup must reply on every path (a "not
 * found" reply), and main should not wait without a timeout for a reply
 * that may never come.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gokata.h"

static void heartbeat(void *arg)
{
    (void)arg;
    for (;;) {
        go_sleep(100 * MILLISECOND);
        printf("heartbeat\n");
    }
}

typedef struct {
    const char *key;
    chan_t *reply;  /* the value, if the key is found */
    chan_t *cancel; /* never closed: the second bug */
} request_t;

static void lookup(void *arg)
{
    request_t *r = arg;
    static const char *const keys[] = {"alice", "bob"};
    for (int i = 0; i < 2; i++) {
        if (strcmp(r->key, keys[i]) == 0) {
            int v = i + 1;
            chan_send(r->reply, &v);
            return;
        }
    }
    chan_recv(r->cancel, NULL); /* not found: "wait until cancelled", never */
}

static void press_ctrl_backslash(void *arg)
{
    (void)arg;
    kill(getpid(), SIGQUIT);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    request_t r = {.key = "carol", .reply = chan_make(sizeof(int), 0), .cancel = chan_make(0, 0)};
    time_after_func(1 * SECOND, press_ctrl_backslash, NULL);
    go(heartbeat, NULL);
    printf("looking up \"%s\" ...\n", r.key);
    go(lookup, &r);
    int v;
    chan_recv(r.reply, &v); /* hangs: lookup never replies for "carol" */
    printf("found %d\n", v);
    return 0;
}
