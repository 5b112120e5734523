/*
 * fairness: when several cases are ready, select picks one uniformly at
 * random. Not the first one written, as a C switch or an if/else chain
 * would: a channel that is always ready can't starve the others.
 *
 *   make example KATA=03 NAME=fairness
 *
 * Channels a and b each hold 10000 values, so both are ready on every turn.
 * 10000 selects over the two take about half from each (the exact split
 * changes with GOKATA_SEED; select's randomness is per goroutine, seeded
 * from its id). Then the same 10000 turns with a hand-made "select" that
 * tries a first and b only if a has nothing, and b starves:
 *
 *   chan_select, both always ready:  a 5004, b 4996
 *   try a, then b:                   a 10000, b 0
 *
 * When you do want a priority (say, "always notice done before the next
 * job"), write it out: a non-blocking check of the urgent channel first,
 * then the blocking select.
 */
#include <stdio.h>

#include "gokata.h"

enum { N = 10000 };

/* Two channels, each holding n values: both ready for n turns at least. */
static void fill(chan_t **a, chan_t **b)
{
    *a = chan_make(sizeof(int), N);
    *b = chan_make(sizeof(int), N);
    for (int i = 0; i < N; i++) {
        chan_send(*a, &i);
        chan_send(*b, &i);
    }
}

int main(void)
{
    chan_t *a, *b;
    int v, from_a = 0, from_b = 0;

    fill(&a, &b);
    for (int turn = 0; turn < N; turn++) {
        select_case_t cs[] = {select_recv(a, &v), select_recv(b, &v)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 0)
            from_a++;
        else
            from_b++;
    }
    printf("chan_select, both always ready:  a %d, b %d\n", from_a, from_b);
    chan_free(a);
    chan_free(b);

    fill(&a, &b);
    from_a = from_b = 0;
    for (int turn = 0; turn < N; turn++) {
        if (chan_try_recv(a, &v, NULL))
            from_a++;
        else if (chan_try_recv(b, &v, NULL))
            from_b++;
    }
    printf("try a, then b:                   a %d, b %d\n", from_a, from_b);
    chan_free(a);
    chan_free(b);
    return 0;
}
