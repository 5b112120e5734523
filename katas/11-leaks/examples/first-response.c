/*
 * First response wins, and the losers stay forever.
 *
 *   Go:   func First(key int, replicas ...Lookup) int64 {
 *             c := make(chan int64)          // unbuffered: the bug
 *             for _, r := range replicas {
 *                 go func(r Lookup) { c <- r(key) }(r)
 *             }
 *             return <-c                     // takes one answer, leaves
 *         }
 *
 * Three replicas answer after 10, 20 and 30 ms. first() takes the first
 * answer and returns; the two slower replicas answer a little later, and
 * each waits, in chan_send, for a receiver that will never come. Every
 * request leaves two goroutines behind: after 3 requests, 6. Nothing
 * crashes and nothing is printed; only the count grows. The fix is one
 * number: chan_make(sizeof(long), n), room for every answer, so that a late
 * send never waits (task 1). With a context (task 2), cancel the losers too.
 *
 * Run:  make example KATA=11 NAME=first-response
 * You will see:
 *   request 1: answer 101, goroutines alive now: 3
 *   request 2: answer 102, goroutines alive now: 5
 *   request 3: answer 103, goroutines alive now: 7
 *   6 goroutines leaked (started since the mark, still alive):
 *
 *   goroutine 3 [chan send]:
 *   ask(...)
 *           katas/11-leaks/examples/first-response.c:48
 *   created by first in goroutine 1
 *           katas/11-leaks/examples/first-response.c:59
 *   ...
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    chan_t *answers;
    int replica, key;
} ask_t;

static void ask(void *arg)
{
    ask_t *a = arg;
    go_sleep((a->replica + 1) * 10 * MILLISECOND); /* the network round trip */
    long v = 100 * (a->replica + 1) + a->key;
    chan_send(a->answers, &v); /* the losers wait here forever */
}

static long first(int key)
{
    static ask_t asks[3 * 3];
    static int next;
    chan_t *answers = chan_make(sizeof(long), 0); /* the bug: room for no answer */
    for (int r = 0; r < 3; r++) {
        ask_t *a = &asks[next++];
        *a = (ask_t){.answers = answers, .replica = r, .key = key};
        go(ask, a);
    }
    long v;
    chan_recv(answers, &v); /* the first answer; nobody receives the others */
    return v;
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    for (int req = 1; req <= 3; req++) {
        long v = first(req);
        go_sleep(50 * MILLISECOND); /* the slower replicas have answered by now */
        printf("request %d: answer %ld, goroutines alive now: %d\n", req, v, go_numgoroutine());
    }
    static char report[16384];
    if (go_leak_check(mark, report, sizeof report) == 0)
        printf("no goroutine leaked\n");
    else
        printf("%s", report);
    return 0;
}
