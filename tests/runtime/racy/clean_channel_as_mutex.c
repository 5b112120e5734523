/* CLEAN: a buffered channel of capacity 1 used as a lock. Go's memory model
 * makes this correct (the k-th receive happens before the (k+C)-th send
 * completes): a runtime that dropped that edge would cry wolf here. */
#include <gokata.h>
#include <stdio.h>

static chan_t *sem;
static long shared;
static wg_t wg;

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        chan_send(sem, NULL); /* acquire */
        shared++;
        chan_recv(sem, NULL); /* release */
    }
    wg_done(&wg);
}

int main(void)
{
    sem = chan_make(0, 1);
    wg_add(&wg, 3);
    for (int i = 0; i < 3; i++) go(worker, NULL);
    wg_wait(&wg);
    printf("shared = %ld\n", shared);
    chan_free(sem);
    return 0;
}
