/*
 * priority-starves-low: "always high first" under a steady flood of high.
 *
 *   make example KATA=12 NAME=priority-starves-low
 *
 * high gets a value every millisecond (200 in all); each value takes the
 * consumer 2 ms, so high is never empty. low gets 1001 at 50 ms and 1002
 * right after the consumer takes 1001. The consumer reads with a hand-made
 * priority: take high if it has a value, otherwise wait on both. Then the
 * same with a burst limit (K = 4): after 4 highs in a row, low goes first if
 * it has a value. In virtual time (go_synctest), so the milliseconds are
 * exact:
 *
 *   always high first:  1001 at 401 ms, 1002 at 403 ms (175 highs went first)
 *   at most 4 in a row: 1001 at 51 ms, 1002 at 61 ms (4 highs went first)
 *
 * (1001 goes at once in the second run: no low value had been taken yet, so
 * the burst was long used up. 1002 waits behind exactly 4 highs.)
 *
 * Nothing hangs and nothing crashes: low just waits for as long as the flood
 * lasts. That is starvation. A select over both alone would be fair but not
 * a priority; the burst limit is both.
 */
#include <stdio.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

static go_duration_t now(void)
{
    return time_now() - EPOCH_2000;
}

typedef struct {
    chan_t *high, *low;
} chans_t;

static void flood(void *arg)
{
    chans_t *c = arg;
    for (int i = 1; i <= 200; i++) {
        go_sleep(MILLISECOND);
        chan_send(c->high, &i);
    }
    chan_close(c->high);
}

/* Two values on low: at 50 ms, and 1 ms after the first is taken. */
static void two_low(void *arg)
{
    chans_t *c = arg;
    for (int i = 0; i < 2; i++) {
        go_sleep(i == 0 ? 50 * MILLISECOND : MILLISECOND);
        int v = 1001 + i;
        chan_send(c->low, &v);
    }
    chan_close(c->low);
}

static int max_burst;        /* 0: no limit */
static int highs_since_sent; /* highs taken from 50 ms on */
static int highs_first;      /* of those, taken before the last low */

static void consume(void *arg)
{
    chans_t *c = arg;
    chan_t *high = c->high, *low = c->low;
    int v, burst = 0;
    while (high || low) {
        bool ok, from_high;
        if (max_burst && burst >= max_burst && low && chan_try_recv(low, &v, &ok) && ok) {
            from_high = false; /* low's turn */
        } else if (high && chan_try_recv(high, &v, &ok) && ok) {
            from_high = true; /* high first, if it has one */
        } else {
            select_case_t cs[] = {select_recv(high, &v), select_recv(low, &v)};
            int i = chan_select(cs, 2, SELECT_BLOCK);
            if (!cs[i].ok) {
                if (i == 0)
                    high = NULL;
                else
                    low = NULL;
                continue;
            }
            from_high = i == 0;
        }
        if (from_high) {
            burst++;
            if (now() >= 50 * MILLISECOND) highs_since_sent++;
        } else {
            printf("%s%d at %.0f ms", v == 1001 ? "" : ", ", v, (double)now() / MILLISECOND);
            highs_first = highs_since_sent;
            burst = 0;
        }
        go_sleep(2 * MILLISECOND); /* the work */
    }
}

static void run(void *arg)
{
    (void)arg;
    chans_t c = {chan_make(sizeof(int), 8), chan_make(sizeof(int), 0)};
    go(flood, &c);
    go(two_low, &c);
    consume(&c);
    go_synctest_wait();
    printf(" (%d highs went first)\n", highs_first);
    chan_free(c.high);
    chan_free(c.low);
}

int main(void)
{
    printf("always high first:  ");
    fflush(stdout);
    go_synctest(run, NULL);
    max_burst = 4;
    highs_since_sent = 0;
    printf("at most 4 in a row: ");
    fflush(stdout);
    go_synctest(run, NULL);
    return 0;
}
