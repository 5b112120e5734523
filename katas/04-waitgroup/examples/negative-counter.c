/*
 * Done called twice: panic: sync: negative WaitGroup counter.
 *
 * A job that fails calls wg_done on its error path, "to be safe", and then
 * falls through to the wg_done at the end. Two Dones for one Add: the
 * first one already let wg_wait return, the second takes the counter below
 * zero, and the runtime stops the program, as Go does.
 *
 *   make example KATA=04 NAME=negative-counter
 *
 * You will see `job 2 failed` (and perhaps `all jobs done`), then
 *   panic: sync: negative WaitGroup counter
 * and the goroutine dump: the goroutine running `job`, at the line of the
 * second wg_done. The exit status is 2.
 *
 * main sleeps a second after wg_wait, as a server would go on serving; a
 * program that exits right away can end before the second Done, and then
 * the bug goes unseen.
 */
#include <gokata.h>
#include <stdio.h>

static wg_t wg;

static void job(void *arg)
{
    int id = (int)(long)arg;
    if (id == 2) { /* this one fails */
        printf("job %d failed\n", id);
        fflush(stdout);
        wg_done(&wg); /* BUG: a second wg_done for the same job follows */
    }
    wg_done(&wg);
}

int main(void)
{
    for (long id = 1; id <= 3; id++) {
        wg_add(&wg, 1);
        go(job, (void *)id);
    }
    wg_wait(&wg);
    printf("all jobs done\n");
    fflush(stdout);
    go_sleep(SECOND); /* still running, as a server would be */
    return 0;
}
