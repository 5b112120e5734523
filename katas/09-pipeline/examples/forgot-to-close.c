/*
 * A stage that forgets to close its output: the range downstream never ends.
 *
 *   Go:   go func() {
 *             for n := range in { out <- n * n }
 *             // close(out) forgotten
 *         }()
 *
 * gen sends 1, 2, 3, 4 and closes its output. sq squares each value and
 * sends it on, but when its input is closed its loop ends and it returns
 * without closing its own output. main ranges over sq's output: it gets
 * 1, 4, 9, 16, then asks for the next value. The channel is still open,
 * so more might come: main waits. Nobody will ever send or close, and
 * every other goroutine has returned: a deadlock, which gokata (like Go)
 * detects because main is the only goroutine left and it is blocked.
 * (In a real program, with other goroutines running, it would just hang.)
 *
 * Run:  make example KATA=09 NAME=forgot-to-close
 * You will see:
 *   1
 *   4
 *   9
 *   16
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [chan receive]:
 *   main(...)
 *           katas/09-pipeline/examples/forgot-to-close.c:68
 *   (exit status 2)
 *
 * The fix: chan_close(s->out) after the loop, on every way out of sq_loop
 * (Go: `defer close(out)` as the goroutine's first line).
 */
#include <stdio.h>

#include "gokata.h"

static void gen_loop(void *out)
{
    for (int i = 1; i <= 4; i++)
        chan_send(out, &i);
    chan_close(out); /* gen does it right */
}

typedef struct {
    chan_t *in, *out;
} sq_t;

static void sq_loop(void *arg)
{
    sq_t *s = arg;
    int v;
    while (chan_recv(s->in, &v)) {
        int sq = v * v;
        chan_send(s->out, &sq);
    }
    /* BUG: chan_close(s->out) is missing */
}

int main(void)
{
    chan_t *nums = chan_make(sizeof(int), 0);
    go(gen_loop, nums);
    sq_t s = {.in = nums, .out = chan_make(sizeof(int), 0)};
    go(sq_loop, &s);

    int v;
    while (chan_recv(s.out, &v)) { /* for v := range out */
        printf("%d\n", v);
        fflush(stdout);
    }
    printf("never printed\n");
    return 0;
}
