/*
 * Helpers for Check tests of gokata code (the runtime's and the katas').
 *
 *   GK_EXPECT_DEATH(fn, arg, 2, "panic: send on closed channel")
 *     runs fn(arg) in a child process and asserts that it exits with the
 *     status and printed the text (Go's panics and fatal errors end a Go
 *     program; they end this child, not the test).
 *
 *   GK_LEAK_MARK / GK_ASSERT_NO_LEAKS
 *     fail the test, listing each goroutine it started that is still
 *     alive, with its state and creation site.
 */
#ifndef GKCHECK_H
#define GKCHECK_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "gokata.h"

typedef struct {
    bool exited;       /* false: killed by a signal */
    int status;        /* exit status, or the signal number */
    char output[8192]; /* what it wrote to stdout and stderr, truncated */
} gk_child_t;

/* Runs fn(arg) in a forked child with a time limit (seconds, scaled by
 * GOKATA_TIMEOUT_SCALE); fills *out. Call it before the test starts any
 * goroutine: ThreadSanitizer cannot fork a threaded process. */
void gk_run_child(void (*fn)(void *), void *arg, double timeout_s, gk_child_t *out);

#define GK_EXPECT_DEATH(fn, arg, want_status, want_text)                                           \
    do {                                                                                           \
        static gk_child_t gk_c_;                                                                   \
        gk_run_child((fn), (arg), 10, &gk_c_);                                                     \
        ck_assert_msg(gk_c_.exited &&gk_c_.status == (want_status),                                \
                      "expected %s to exit with status %d, but it %s %d; it printed:\n%s", #fn,    \
                      (want_status), gk_c_.exited ? "exited with" : "was killed by signal",        \
                      gk_c_.status, gk_c_.output);                                                 \
        ck_assert_msg(strstr(gk_c_.output, (want_text)) != NULL,                                   \
                      "expected %s to print \"%s\"; it printed:\n%s", #fn, (want_text),            \
                      gk_c_.output);                                                               \
    } while (0)

/* GOKATA_TIMEOUT_SCALE, at least 1: the grader sets it for its slower
 * passes (TSan, Helgrind); scale real-time bounds and loads by it. */
double gk_timeout_scale(void);

/* "3 s", "500 ms": a (virtual) duration, for a failure message. */
const char *gk_fmt_duration(go_duration_t d, char buf[32]);

/* How many goroutines have been started since mark. */
long gk_started_since(go_leak_mark_t mark);

/*
 * go_synctest(body, arg), watched. In a bubble the clock moves only when
 * every goroutine is blocked, so a goroutine that spins (a loop polling with
 * a default) stops it, and the test would just hang until the harness kills
 * it. Once the test's process has used seconds of CPU time (times
 * gk_timeout_scale()), or seconds + 4 of real time, this fails the test,
 * naming that cause and then if_spinning, a hint in the kata's terms. CPU
 * time, because a spinner burns a core's worth while a correct test uses
 * milliseconds of it, however loaded the machine (its real time grows with
 * the load: a 5 s real-time watchdog failed correct solutions at load 30).
 * The real-time bound stays under a 10 s test limit.
 *
 * The watchdog is a real-time timer, pending all along: go_leak_check inside
 * a watched bubble waits for timers, so when goroutines do survive it takes
 * its whole patience (2 s, times the scale: over a minute under Helgrind).
 * Check for leaks after the bubble, or in a bubble that is not watched.
 */
void gk_synctest_watched(go_func_t body, void *arg, double seconds, const char *if_spinning);

/*
 * Fails the test with the message (printf-style) and, under it, where every
 * goroutine started since mark is now: their dump, the test's own goroutines
 * among them. For a wait that did not end: the dump says who is stuck where.
 * The failure is reported at the caller's line, as ck_abort_msg's would be.
 */
#define gk_fail_with_dump(mark, ...) gk_fail_with_dump_at(__FILE__, __LINE__, (mark), __VA_ARGS__)
_Noreturn void gk_fail_with_dump_at(const char *file, int line, go_leak_mark_t mark,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Where a go_synctest bubble's clock starts: 2000-01-01 00:00:00 UTC. */
#define GK_EPOCH_2000 (946684800LL * SECOND)

/* In a bubble: virtual time since the bubble started. */
static inline go_duration_t gk_now(void)
{
    return time_now() - GK_EPOCH_2000;
}

/* In a bubble: sleeps until t of virtual time (gk_now), at once if past. */
void gk_sleep_until(go_duration_t t);

#define GK_LEAK_MARK() go_leak_mark_t gk_leak_mark_ = go_leak_mark()

#define GK_ASSERT_NO_LEAKS()                                                                       \
    do {                                                                                           \
        static char gk_leaks_[8192];                                                               \
        int gk_n_ = go_leak_check(gk_leak_mark_, gk_leaks_, sizeof gk_leaks_);                     \
        ck_assert_msg(gk_n_ == 0, "%s", gk_leaks_);                                                \
    } while (0)

#endif
