/*
 * Goroutine leak checks for tests, after uber-go/goleak: wait, with
 * backoff, for the goroutines started since a mark to exit; report the
 * ones that don't.
 *
 * A sleep-only check would be flaky under Helgrind (up to 300x slower), so
 * the wait ends early only when the answer is certain: every survivor is
 * parked and nothing but the checker is running, so nothing can wake them.
 * Otherwise it waits out the bound (2 s, times GOKATA_TIMEOUT_SCALE).
 */
#include <time.h>

#include "runtime.h"

go_leak_mark_t go_leak_mark(void)
{
    getg();
    lock(&sched.lock);
    long next = sched.nextid + 1;
    unlock(&sched.lock);
    return (go_leak_mark_t){.first_id = next};
}

/* Survivors since mark, and how many of them are not parked. */
static int survivors(go_leak_mark_t mark, G *self, int *running)
{
    int n = 0;
    *running = 0;
    lock(&sched.lock);
    for (G *g = sched.allg; g; g = g->allnext) {
        if (g->id < mark.first_id || g == self) continue;
        n++;
        waitreason_t r = __atomic_load_n(&g->waitreason, __ATOMIC_RELAXED);
        if (r == WAIT_RUNNING || r == WAIT_EXITED) (*running)++;
    }
    unlock(&sched.lock);
    return n;
}

int go_leak_check(go_leak_mark_t mark, char *report, size_t len)
{
    G *self = getg();
    int64_t deadline = nanotime() + (int64_t)(2e9 * timeout_scale());
    long backoff_ns = 1000;
    int n, running;
    for (;;) {
        n = survivors(mark, self, &running);
        if (n == 0) return 0;
        bool settled = running == 0 && __atomic_load_n(&sched.running, __ATOMIC_SEQ_CST) == 1 &&
                       !timers_pending(); /* a timer may still wake a survivor */
        if (settled || nanotime() > deadline) break;
        struct timespec ts = {0, backoff_ns};
        nanosleep(&ts, NULL);
        if (backoff_ns < 10 * 1000 * 1000) backoff_ns *= 2;
    }
    if (report && len > 0) {
        dumpbuf_t b = {.buf = report, .cap = len, .fd = -1};
        report[0] = '\0';
        db_long(&b, n);
        db_str(&b, n == 1 ? " goroutine" : " goroutines");
        db_str(&b, " leaked (started since the mark, still alive):\n\n");
        lock(&sched.lock);
        bool first = true;
        for (G *g = sched.allg; g; g = g->allnext) {
            if (g->id < mark.first_id || g == self) continue;
            if (!first) db_str(&b, "\n");
            first = false;
            dump_goroutine(&b, g, false);
        }
        unlock(&sched.lock);
    }
    return n;
}

void go_wait_idle(void)
{
    getg();
    long backoff_ns = 1000;
    while (__atomic_load_n(&sched.running, __ATOMIC_SEQ_CST) > 1) {
        struct timespec ts = {0, backoff_ns};
        nanosleep(&ts, NULL);
        if (backoff_ns < 1000 * 1000) backoff_ns *= 2;
    }
}
