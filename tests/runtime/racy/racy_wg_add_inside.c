/* RACE: each worker calls wg_add itself, inside the goroutine, instead of
 * before go(). Nothing orders that Add with the Wait that counts on it: Go's
 * race detector reports it, and so must ours, even on a run where every Add
 * happens to come first. */
#include <gokata.h>
#include <stdio.h>

static wg_t wg;
static chan_t *gate;

static void worker(void *arg)
{
    (void)arg;
    wg_add(&wg, 1); /* too late: should be before go() */
    chan_recv(gate, NULL);
    wg_done(&wg);
}

static void closer(void *arg)
{
    wg_wait(&wg); /* blocks: both workers have added */
    chan_close(arg);
}

int main(void)
{
    gate = chan_make(0, 0);
    chan_t *done = chan_make(0, 0);
    go(worker, NULL);
    go(worker, NULL);
    go_wait_idle(); /* both have added and wait at the gate; orders nothing */
    go(closer, done);
    go_wait_idle(); /* the closer is blocked in wg_wait */
    chan_close(gate);
    chan_recv(done, NULL);
    printf("done\n");
    return 0;
}
