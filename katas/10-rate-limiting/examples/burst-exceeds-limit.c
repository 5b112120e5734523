/*
 * burst-exceeds-limit: two limiters that average 5 requests a second, and
 * still send 10 within one second.
 *
 *   make example KATA=10 NAME=burst-exceeds-limit
 *
 * A server accepts at most 5 requests in any 1 s (a sliding window: a
 * request is rejected when 5 were accepted in the second before it). A
 * client has 10 requests ready at 800ms, and three ways to pace them:
 *
 *   - a fixed window: at most 5 per calendar second. 5 go at 800ms (the
 *     window 0..1s has room), 5 more at 1000ms (a new window): 10 within
 *     200ms. The windows are each within the limit; the second straddling
 *     them is not.
 *   - a token bucket with burst 5 and a token every 200ms (5 a second): the
 *     full bucket lets 5 go at once, and then one every 200ms. Its promise
 *     is "5 a second on average, bursts of up to 5 on top": up to 10 in one
 *     second.
 *   - a bucket with burst 1 (a request at once, then one per 200ms tick):
 *     never more than 5 in any second.
 *
 * Virtual time (go_synctest) makes the times exact. You will see:
 *
 *   fixed window, 5 per calendar second
 *     sent at     800 800 800 800 800 1000 1000 1000 1000 1000 ms
 *     server      accepted 5, rejected 5 (429 Too Many Requests)
 *   token bucket, burst 5, a token every 200ms
 *     sent at     800 800 800 800 800 1000 1200 1400 1600 1800 ms
 *     server      accepted 6, rejected 4 (429 Too Many Requests)
 *   token bucket, burst 1, a token every 200ms
 *     sent at     800 1000 1200 1400 1600 1800 2000 2200 2400 2600 ms
 *     server      accepted 10, rejected 0
 *
 * A limiter's burst comes on top of its rate. If the other side enforces
 * "N in any window", size burst and rate so that burst + rate * window
 * stays within N, or pace requests evenly (burst 1).
 */
#include <stdio.h>

#include "gokata.h"

enum { REQUESTS = 10, LIMIT = 5 };
#define WINDOW (1 * SECOND)
#define READY  (800 * MILLISECOND) /* when the client has its 10 requests */

static go_time_t start;

static go_duration_t now(void)
{
    return time_since(start);
}

/* The server: accepts a request unless LIMIT were accepted in the WINDOW
 * before it. */
static int server(const go_duration_t *sent, int n, int *rejected)
{
    go_duration_t accepted[REQUESTS];
    int a = 0;
    *rejected = 0;
    for (int i = 0; i < n; i++) {
        int recent = 0;
        for (int j = 0; j < a; j++)
            recent += accepted[j] > sent[i] - WINDOW;
        if (recent < LIMIT)
            accepted[a++] = sent[i];
        else
            (*rejected)++;
    }
    return a;
}

/* At most LIMIT requests per calendar second: count per window, and sleep
 * to the next window when this one is used up. */
static void fixed_window(go_duration_t *sent)
{
    long window = -1;
    int used = 0;
    for (int i = 0; i < REQUESTS; i++) {
        if (now() / WINDOW != window) {
            window = (long)(now() / WINDOW);
            used = 0;
        }
        if (used == LIMIT) {
            go_sleep((window + 1) * WINDOW - now());
            window++;
            used = 0;
        }
        used++;
        sent[i] = now();
    }
}

/* A full bucket of `burst` tokens that gains one per tick: the first burst
 * requests go at once, then one per tick. */
static void bucket(go_duration_t *sent, int burst)
{
    go_ticker_t *tick = ticker_new(200 * MILLISECOND);
    for (int i = 0; i < REQUESTS; i++) {
        if (i >= burst) chan_recv(tick->C, NULL);
        sent[i] = now();
    }
    ticker_free(tick);
}

static void show(const char *limiter, const go_duration_t *sent)
{
    printf("%s\n  sent at    ", limiter);
    for (int i = 0; i < REQUESTS; i++)
        printf(" %lld", (long long)(sent[i] / MILLISECOND));
    int rejected;
    int accepted = server(sent, REQUESTS, &rejected);
    printf(" ms\n  server      accepted %d, rejected %d%s\n", accepted, rejected,
           rejected ? " (429 Too Many Requests)" : "");
}

static void client(void *arg)
{
    (void)arg;
    go_duration_t sent[REQUESTS];
    start = time_now();

    go_sleep(READY);
    fixed_window(sent);
    show("fixed window, 5 per calendar second", sent);

    start = time_now(); /* the same again, from a fresh clock */
    go_sleep(READY);
    bucket(sent, 5);
    show("token bucket, burst 5, a token every 200ms", sent);

    start = time_now();
    go_sleep(READY);
    bucket(sent, 1);
    show("token bucket, burst 1, a token every 200ms", sent);
}

int main(void)
{
    go_synctest(client, NULL);
    return 0;
}
