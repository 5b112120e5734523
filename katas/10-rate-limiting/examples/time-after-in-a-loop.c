/*
 * time-after-in-a-loop: a limiter that calls time_after for every event
 * keeps every one of those timers until its goroutine exits.
 *
 *   make example KATA=10 NAME=time-after-in-a-loop
 *
 * Both loops below let 10,000 events through, one per millisecond. The
 * first waits on chan_recv(time_after(1ms)) each time: it works, but each
 * call makes a timer and its channel, and C has no garbage collector:
 * time_after's channel belongs to the goroutine that called it and is
 * freed when that goroutine returns (that is its contract, so that
 * `select_recv(time_after(d), NULL)` needs no cleanup). A goroutine that
 * lives long, like a limiter or a server loop, grows without bound. The
 * second loop makes one ticker and frees it.
 *
 * It runs in virtual time (go_synctest): 10 s of events in a moment. The
 * exact byte counts depend on the build; you will see about:
 *
 *   time_after in a loop, 10000 events: the heap grew by 2972 KB (304 bytes an event)
 *     2966 KB of it was given back only when the goroutine exited
 *   one ticker, 10000 events: the heap grew by 0 KB
 *
 * In Go: before Go 1.23, each time.After in a loop kept its timer until it
 * fired; since 1.23 the garbage collector takes an unreferenced one at once.
 * Either way, `time.NewTicker` (or one `time.NewTimer` with Reset) and a
 * `defer t.Stop()` say what you mean.
 */
#include <malloc.h>
#include <stdio.h>

#include "gokata.h"

enum { EVENTS = 10000 };

static long heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)(m.uordblks + m.hblkhd);
}

static long before, grew_after, grew_ticker;

static void limit_with_time_after(void *arg)
{
    (void)arg;
    before = heap_in_use();
    for (int i = 0; i < EVENTS; i++)
        chan_recv(time_after(MILLISECOND), NULL); /* a new timer each time */
    grew_after = heap_in_use() - before;
} /* returning frees every one of them */

static void limit_with_a_ticker(void *arg)
{
    (void)arg;
    long start = heap_in_use();
    go_ticker_t *t = ticker_new(MILLISECOND); /* one timer for the whole loop */
    for (int i = 0; i < EVENTS; i++)
        chan_recv(t->C, NULL);
    ticker_free(t);
    grew_ticker = heap_in_use() - start;
}

int main(void)
{
    go_synctest(limit_with_time_after, NULL); /* returns once the goroutine has exited */
    long left = heap_in_use() - before;
    printf("time_after in a loop, %d events: the heap grew by %ld KB (%ld bytes an event)\n",
           EVENTS, grew_after / 1024, grew_after / EVENTS);
    printf("  %ld KB of it was given back only when the goroutine exited\n",
           (grew_after - left) / 1024);
    go_synctest(limit_with_a_ticker, NULL);
    printf("one ticker, %d events: the heap grew by %ld KB\n", EVENTS,
           grew_ticker > 0 ? grew_ticker / 1024 : 0);
    return 0;
}
