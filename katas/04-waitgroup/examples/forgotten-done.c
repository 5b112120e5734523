/*
 * A path that forgets wg_done: wg_wait waits forever.
 *
 * Each worker checks its input first and returns early when it is bad,
 * before the wg_done at the end. In Go `defer wg.Done()` would still run on
 * that early return; in C nothing does. The counter never reaches zero,
 * and main waits for a Done that never comes.
 *
 *   make example KATA=04 NAME=forgotten-done
 *
 * You will see `skipping bad input -1`, then
 *   fatal error: all goroutines are asleep - deadlock!
 * and the dump: goroutine 1 [sync.WaitGroup.Wait] at main's wg_wait line.
 * The exit status is 2. (In a real program some other goroutine is often
 * still running, a server loop, a ticker, so there is no deadlock report:
 * the program just hangs. Ctrl-\ then prints the same dump.)
 */
#include <gokata.h>
#include <stdio.h>

enum { N = 4 };

static wg_t wg;
static int inputs[N] = {3, -1, 4, 1};
static int results[N];

static void worker(void *arg)
{
    int i = (int)(long)arg;
    if (inputs[i] < 0) {
        printf("skipping bad input %d\n", inputs[i]);
        fflush(stdout);
        return; /* BUG: returns without wg_done */
    }
    results[i] = inputs[i] * 10;
    wg_done(&wg);
}

int main(void)
{
    for (long i = 0; i < N; i++) {
        wg_add(&wg, 1);
        go(worker, (void *)i);
    }
    wg_wait(&wg);
    printf("results: %d %d %d %d\n", results[0], results[1], results[2], results[3]);
    return 0;
}
