/*
 * Goroutine leak checks for tests, after uber-go/goleak.
 *
 *   go_leak_mark_t m = go_leak_mark();
 *   ... code under test ...
 *   char why[4096];
 *   int n = go_leak_check(m, why, sizeof why);   // 0: nothing leaked
 *
 * go_leak_check waits for the goroutines started since the mark to exit.
 * It stops waiting early once they are all blocked and nothing is left
 * running, and no timer pending, that could wake them (that is a leak for
 * certain), and otherwise
 * after a bounded time (2 s, times GOKATA_TIMEOUT_SCALE when set).
 */
#ifndef GOKATA_TESTING_H
#define GOKATA_TESTING_H

#include <stddef.h>

#include "go.h"
#include "site.h"

typedef struct {
    long first_id; /* goroutines with this id or above are checked */
} go_leak_mark_t;

go_leak_mark_t go_leak_mark(void);

/* Returns how many goroutines started since mark are still alive. When it
 * is not 0 and report is not NULL, report receives their dump. */
int go_leak_check(go_leak_mark_t mark, char *report, size_t report_len);

/*
 * Blocks until every other goroutine is parked on the runtime (a channel,
 * select, sync object) or has exited: the moment a test knows the others
 * have done all they can. It is an observation, not synchronization: it
 * orders nothing, so it cannot hide a race (unlike go_synctest_wait).
 */
void go_wait_idle(void);

/*
 * Virtual time, after Go's testing/synctest. go_synctest(fn, arg) runs fn in
 * a new goroutine inside a "bubble" and returns when every goroutine of the
 * bubble has exited. Goroutines started inside belong to the bubble. Its
 * clock starts at 2000-01-01 00:00:00 UTC and stands still while any bubble
 * goroutine can run; when all are durably blocked (channels made inside
 * the bubble, a select over such channels only, WaitGroup, Cond, sleep,
 * timers; a Mutex or a channel made outside does not count), it jumps to the
 * next timer. If none is pending, that is a deadlock: the program panics
 * with the bubble's goroutine dump.
 */
#define go_synctest(fn, arg) go_synctest_at((fn), (arg), #fn, GK_HERE)
void go_synctest_at(go_func_t fn, void *arg, const char *fn_name, GK_SITE_PARAMS);

/* Inside a bubble: blocks until every other goroutine of the bubble is
 * durably blocked. As Go's synctest.Wait, what each of them did before it
 * blocked happens before this returns, so the caller may read what they
 * wrote. */
#define go_synctest_wait() go_synctest_wait_at(GK_HERE)
void go_synctest_wait_at(GK_SITE_PARAMS);

#endif
