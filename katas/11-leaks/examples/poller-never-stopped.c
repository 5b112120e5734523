/*
 * A poller nobody can stop: the leak that keeps working.
 *
 *   Go:   func Subscribe(fetch func() int) <-chan int {
 *             updates := make(chan int)
 *             go func() {
 *                 tick := time.NewTicker(10 * time.Millisecond)  // never stopped
 *                 for range tick.C {
 *                     select {
 *                     case updates <- fetch():
 *                     default:                // nobody reading: drop it
 *                     }
 *                 }
 *             }()
 *             return updates
 *         }
 *
 * main reads three updates and is done with the subscription. But there is
 * no way to tell the goroutine: it has no quit channel, and its loop never
 * ends. This leak is not even parked: it wakes up every tick, fetches (a
 * network call, in real life) and throws the value away, forever. Ticks go
 * on, fetches go on, CPU and the remote server pay for it. The fix (task 4,
 * Go's "Advanced Concurrency Patterns" subscription): a Close that closes a
 * quit channel every wait of the loop selects on, waits for the goroutine
 * to exit, and stops the ticker.
 *
 * Run:  make example KATA=11 NAME=poller-never-stopped
 * You will see:
 *   got 3 updates; unsubscribed (or so main thinks)
 *   fetches in the next 200 ms, with nobody reading: 20
 *   1 goroutine leaked (started since the mark, still alive):
 *
 *   goroutine 2 [chan receive]:
 *   poll(...)
 *           katas/11-leaks/examples/poller-never-stopped.c:51
 *   created by subscribe in goroutine 1
 *           katas/11-leaks/examples/poller-never-stopped.c:60
 * (the count is about 20: real time; the leak check waits 2 s first, as a
 * goroutine that keeps being woken by a timer may still be about to exit)
 */
#include <stdio.h>

#include "gokata.h"

static atomic64_t fetches;

static void poll(void *updates)
{
    go_ticker_t *tick = ticker_new(10 * MILLISECOND); /* never stopped */
    for (;;) {
        chan_recv(tick->C, NULL);
        long v = atomic64_add(&fetches, 1); /* fetch(): a call to a remote service */
        chan_try_send(updates, &v);         /* nobody reading: dropped */
    }
}

static chan_t *subscribe(void)
{
    chan_t *updates = chan_make(sizeof(long), 0);
    go(poll, updates);
    return updates;
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    chan_t *updates = subscribe();
    long v;
    for (int i = 0; i < 3; i++)
        chan_recv(updates, &v);
    printf("got 3 updates; unsubscribed (or so main thinks)\n");
    int64_t before = atomic64_load(&fetches);
    go_sleep(200 * MILLISECOND);
    printf("fetches in the next 200 ms, with nobody reading: %lld\n",
           (long long)(atomic64_load(&fetches) - before));
    fflush(stdout);
    static char report[8192];
    if (go_leak_check(mark, report, sizeof report) == 0)
        printf("no goroutine leaked\n");
    else
        printf("%s", report);
    return 0;
}
