/*
 * dynamic-select: Go's reflect.Select in gokata, done right, and the slip
 * that comes with dropping cases.
 *
 *   make example KATA=12 NAME=dynamic-select
 *
 * N inputs, N chosen at run time (argv[1], default 4); input i sends i + 1
 * values, one every (i + 1) seconds, then closes. One loop selects over an
 * array of N cases; a closed input's case is dropped by moving the last live
 * case into its slot. In virtual time (go_synctest), with N = 4 (lines of
 * the same second may come in either order):
 *
 *   time  value (src[k], right)              WRONG (k as the input)
 *     1 s   0 from input 0                     0 from input 0
 *     1 s input 0 closed: case 0 dropped, input 3 moves into its slot
 *     2 s 100 from input 1                   100 from input 1
 *     3 s 200 from input 2                   200 from input 2
 *     4 s 300 from input 3                   300 from input 0   <- wrong
 *     4 s 101 from input 1                   101 from input 1
 *     4 s input 1 closed: case 1 dropped, input 2 moves into its slot
 *     6 s 201 from input 2                   201 from input 1   <- wrong
 *     ...
 *    16 s input 3 closed: case 0 dropped
 *   10 values from 4 inputs; out of cases at 16 s
 *
 * The moved case is why the index chan_select returns is a position in your
 * array, not the input's number: src[] says which input each position is.
 * Tag with the position instead (the WRONG column), and from the first drop
 * on, values are put down to the wrong input, silently.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

static int n = 4;

typedef struct {
    chan_t *ch;
    int i;
} input_t;

static void produce(void *arg)
{
    input_t *in = arg;
    for (int k = 0; k <= in->i; k++) {
        go_sleep((in->i + 1) * SECOND);
        int v = 100 * in->i + k;
        chan_send(in->ch, &v);
    }
    chan_close(in->ch);
}

static void run(void *arg)
{
    (void)arg;
    input_t *ins = malloc(sizeof *ins * (size_t)n);
    select_case_t *cs = malloc(sizeof *cs * (size_t)n);
    int *src = malloc(sizeof *src * (size_t)n);
    int v, live = n, got = 0;
    for (int i = 0; i < n; i++) {
        ins[i] = (input_t){chan_make(sizeof(int), 0), i};
        go(produce, &ins[i]);
        cs[i] = select_recv(ins[i].ch, &v);
        src[i] = i;
    }
    printf("%-5s %-34s %s\n", "time", "value (src[k], right)", "WRONG (k as the input)");
    while (live > 0) {
        int k = chan_select(cs, live, SELECT_BLOCK);
        long t = (long)((time_now() - EPOCH_2000) / SECOND);
        if (!cs[k].ok) {
            live--;
            if (k != live)
                printf("%3ld s input %d closed: case %d dropped, input %d moves into its slot\n", t,
                       src[k], k, src[live]);
            else
                printf("%3ld s input %d closed: case %d dropped\n", t, src[k], k);
            cs[k] = cs[live];
            src[k] = src[live];
            continue;
        }
        got++;
        printf("%3ld s %3d from input %-19d %3d from input %d%s\n", t, v, src[k], v, k,
               src[k] != k ? "   <- wrong" : "");
    }
    printf("%d values from %d inputs; out of cases at %ld s\n", got, n,
           (long)((time_now() - EPOCH_2000) / SECOND));
    go_synctest_wait();
    for (int i = 0; i < n; i++)
        chan_free(ins[i].ch);
    free(ins);
    free(cs);
    free(src);
}

int main(int argc, char **argv)
{
    if (argc > 1) n = atoi(argv[1]);
    if (n < 1) n = 1;
    go_synctest(run, NULL);
    return 0;
}
