/*
 * leak-profile: a goroutine leaks on every timed-out request; the goroutine
 * count grows, and the dump of the survivors shows them all at one line.
 * That is how a Go service's leak is found: runtime.NumGoroutine() (or the
 * goroutines graph of a dashboard) climbs, and the goroutine profile of
 * net/http/pprof groups the goroutines by stack:
 *
 *   Go:   func fetch(ctx context.Context) (int, error) {
 *             reply := make(chan int)                   // unbuffered
 *             go func() { reply <- slowBackend() }()    // blocks forever after a timeout
 *             select {
 *             case v := <-reply: return v, nil
 *             case <-time.After(10 * time.Millisecond): return 0, errTimeout
 *             }
 *         }
 *   $ curl 'localhost:6060/debug/pprof/goroutine?debug=1'
 *   10 @ 0x43a5f6 0x4087ec ...
 *   #   0x4b4b0f  main.fetch.func1+0x2f   /src/main.go:12
 *
 * Run:  make example KATA=15 NAME=leak-profile
 *   request 1: timed out
 *   ... (10 requests, all timed out)
 *   goroutines before: 1, after 10 requests: 11
 *   10 goroutines leaked (started since the mark, still alive):
 *
 *   goroutine 2 [chan send]:
 *   slow_backend(...)
 *           katas/15-debugging/examples/leak-profile.c:54
 *   created by fetch in goroutine 1
 *           katas/15-debugging/examples/leak-profile.c:61
 *
 *   goroutine 3 [chan send]:
 *   ... (goroutines 3 to 11: the same four lines)
 *
 * Ten records, one line: task 6 of this kata turns such a dump into
 * "10 x [chan send] slow_backend at leak-profile.c:54". The fix: give reply
 * room for the late answer (capacity 1), so the send never blocks and the
 * goroutine ends; or let the backend watch a context and give up.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

typedef struct {
    chan_t *reply; /* unbuffered: the bug */
} call_t;

static void slow_backend(void *arg)
{
    call_t *c = arg;
    go_sleep(50 * MILLISECOND); /* slower than the caller waits */
    int v = 42;
    chan_send(c->reply, &v); /* nobody receives after a timeout: blocks forever */
}

/* Returns the backend's answer, or -1 after 10 ms. */
static int fetch(call_t *c)
{
    c->reply = chan_make(sizeof(int), 0);
    go(slow_backend, c);
    int v;
    select_case_t cs[] = {select_recv(c->reply, &v),
                          select_recv(time_after(10 * MILLISECOND), NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0 ? v : -1;
}

int main(void)
{
    enum { REQUESTS = 10 };
    static call_t calls[REQUESTS]; /* stay alive: the leaked goroutines use them */
    int before = go_numgoroutine();
    go_leak_mark_t mark = go_leak_mark();
    for (int i = 0; i < REQUESTS; i++)
        printf("request %d: %s\n", i + 1, fetch(&calls[i]) < 0 ? "timed out" : "answered");
    go_sleep(100 * MILLISECOND); /* every backend has answered, or tried to */
    printf("goroutines before: %d, after %d requests: %d\n", before, REQUESTS, go_numgoroutine());
    static char report[16384];
    if (go_leak_check(mark, report, sizeof report) > 0) fputs(report, stdout);
    return 0;
}
