/*
 * random-is-fair-on-average: what select's fairness promises, and what it
 * doesn't.
 *
 *   make example KATA=12 NAME=random-is-fair-on-average
 *
 * Four inputs, each holding 1000 values, so every input is ready on every
 * turn; 2000 turns. A select over the four (an array of cases, the
 * reflect.Select way) picks at random; round-robin takes them in turn. For
 * each: how many values each input got, and the longest run of turns one
 * input waited while it had a value ready:
 *
 *   random select:  shares 507 498 504 491, longest wait 43 turns
 *   round-robin:    shares 500 500 500 500, longest wait 3 turns
 *
 * (the random figures change with GOKATA_SEED.) Both are fair on average;
 * only round-robin bounds the wait: n - 1 turns. A random select makes a
 * long wait unlikely, never impossible: with 4 ready inputs, waiting 20
 * turns or more has a chance of (3/4)^20, about 1 in 300, per wait.
 */
#include <stdio.h>

#include "gokata.h"

enum { N = 4, PER = 1000, TURNS = 2000 };

static chan_t *ins[N];

static void fill(void)
{
    for (int i = 0; i < N; i++) {
        ins[i] = chan_make(sizeof(int), PER);
        for (int k = 0; k < PER; k++)
            chan_send(ins[i], &k);
    }
}

static void empty(void)
{
    for (int i = 0; i < N; i++)
        chan_free(ins[i]);
}

static void report(const char *name, const int *picked)
{
    int share[N] = {0}, last[N] = {0}, longest = 0;
    for (int t = 0; t < TURNS; t++) {
        int i = picked[t];
        share[i]++;
        if (t - last[i] > longest) longest = t - last[i];
        last[i] = t + 1;
    }
    printf("%-15s shares", name);
    for (int i = 0; i < N; i++)
        printf(" %d", share[i]);
    printf(", longest wait %d turns\n", longest);
}

int main(void)
{
    static int picked[TURNS];
    int v;

    fill();
    select_case_t cs[N];
    for (int i = 0; i < N; i++)
        cs[i] = select_recv(ins[i], &v); /* built at run time: any N */
    for (int t = 0; t < TURNS; t++)
        picked[t] = chan_select(cs, N, SELECT_BLOCK);
    report("random select:", picked);
    empty();

    fill();
    int next = 0;
    for (int t = 0; t < TURNS; t++) {
        for (int k = 0; k < N; k++) {
            int i = (next + k) % N;
            if (chan_try_recv(ins[i], &v, NULL)) {
                picked[t] = i;
                next = (i + 1) % N;
                break;
            }
        }
    }
    report("round-robin:", picked);
    empty();
    return 0;
}
