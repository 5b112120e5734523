/*
 * sleep-drift: a limiter made of go_sleep falls behind; a ticker keeps time.
 *
 *   make example KATA=10 NAME=sleep-drift
 *
 * A background job should run every 100ms, and the job itself takes 30ms.
 * The first loop sleeps 100ms, then does the job: each turn lasts 130ms,
 * so the schedule slips 30ms further with every job. The second waits on a
 * ticker: the ticker ticks every 100ms whatever the loop is doing, so each
 * job starts on time. (C's usleep in a loop drifts the same way.)
 *
 * It runs in virtual time (go_synctest), so the numbers are exact. In real
 * time every sleep also oversleeps a little (the scheduler's wake-up
 * latency), and that adds up too; a ticker's ticks don't accumulate it.
 * You will see:
 *
 *   go_sleep(100ms), then the job: jobs start at 100 230 360 490 620 750 880 1010 1140 1270 ms
 *   a 100ms ticker:                jobs start at 100 200 300 400 500 600 700 800 900 1000 ms
 *   after 10 jobs the sleeping loop is 270ms behind, and 30ms more with every job
 *
 * In Go: `for { time.Sleep(d); job() }` against
 * `t := time.NewTicker(d); defer t.Stop(); for range t.C { job() }`.
 */
#include <stdio.h>

#include "gokata.h"

enum { JOBS = 10 };
#define PERIOD (100 * MILLISECOND)
#define WORK   (30 * MILLISECOND) /* what the job itself takes */

static go_time_t start;
static go_duration_t slept[JOBS], ticked[JOBS];

static void job(void)
{
    go_sleep(WORK); /* stands for 30ms of work */
}

static void with_sleep(void)
{
    start = time_now();
    for (int i = 0; i < JOBS; i++) {
        go_sleep(PERIOD); /* counted from the end of the last job */
        slept[i] = time_since(start);
        job();
    }
}

static void with_ticker(void)
{
    start = time_now();
    go_ticker_t *t = ticker_new(PERIOD); /* ticks at 100, 200, ... from now */
    for (int i = 0; i < JOBS; i++) {
        chan_recv(t->C, NULL);
        ticked[i] = time_since(start);
        job();
    }
    ticker_free(t);
}

static void print(const char *what, const go_duration_t *at)
{
    printf("%-31s jobs start at", what);
    for (int i = 0; i < JOBS; i++)
        printf(" %lld", (long long)(at[i] / MILLISECOND));
    printf(" ms\n");
}

static void both(void *arg)
{
    (void)arg;
    with_sleep();
    with_ticker();
}

int main(void)
{
    go_synctest(both, NULL);
    print("go_sleep(100ms), then the job:", slept);
    print("a 100ms ticker:", ticked);
    printf("after %d jobs the sleeping loop is %lldms behind, and %lldms more with every job\n",
           JOBS, (long long)((slept[JOBS - 1] - ticked[JOBS - 1]) / MILLISECOND),
           (long long)(WORK / MILLISECOND));
    return 0;
}
