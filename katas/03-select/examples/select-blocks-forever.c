/*
 * select-blocks-forever: a select waits until one of its cases is ready. If
 * none ever will be, it waits forever.
 *
 *   make example KATA=03 NAME=select-blocks-forever
 *
 * main asks a worker for a result and waits in a select for either a result
 * or an error. The worker hits a problem and returns without sending either
 * (a forgotten error path, the most common way to get here). Nobody is left
 * who could make a case ready, every goroutine is blocked, and the runtime
 * says so, in Go's words, with the line where main is stuck, then exits
 * with status 2:
 *
 *   waiting for a result or an error...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [select]:
 *   main(...)
 *           katas/03-select/examples/select-blocks-forever.c:52
 *
 * A select with a timeout case (time_after) would have given up instead:
 * see the timeout example. (Go's `select {}`, with no case at all, blocks
 * forever on purpose; here it is by accident.)
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    chan_t *results; /* chan int */
    chan_t *errors;  /* chan int */
} job_t;

static void worker(void *arg)
{
    job_t *j = arg;
    int input_ok = 0;
    if (!input_ok) return; /* the bug: should send on j->errors first */
    int r = 42;
    chan_send(j->results, &r);
}

int main(void)
{
    job_t j = {chan_make(sizeof(int), 0), chan_make(sizeof(int), 0)};
    go(worker, &j);

    printf("waiting for a result or an error...\n");
    fflush(stdout);
    int r, e;
    select_case_t cs[] = {select_recv(j.results, &r), select_recv(j.errors, &e)};
    switch (chan_select(cs, 2, SELECT_BLOCK)) {
    case 0:
        printf("result: %d\n", r);
        break;
    case 1:
        printf("error: %d\n", e);
        break;
    }
    return 0;
}
