/*
 * ticker-limiter: the roadmap's rate limiter, done right. It works.
 *
 *   make example KATA=10 NAME=ticker-limiter
 *
 * Go by Example's "Rate Limiting", translated. Five requests wait in a
 * channel. A ticker lets one through every 200ms. Then a "bursty" limiter:
 * a channel of capacity 3 holds up to 3 permits and starts full, and a
 * goroutine adds one per tick (dropping it when the channel is full), so
 * three requests go at once and the rest one per tick. Unlike the Go
 * original, whose feeding goroutine runs forever, this one stops it and
 * frees its ticker, and the program ends with no goroutine left. Virtual
 * time (go_synctest) makes the times exact. You will see:
 *
 *   ticker:  request 1 at 200ms
 *   ticker:  request 2 at 400ms
 *   ticker:  request 3 at 600ms
 *   ticker:  request 4 at 800ms
 *   ticker:  request 5 at 1000ms
 *   bursty:  request 1 at 0ms
 *   bursty:  request 2 at 0ms
 *   bursty:  request 3 at 0ms
 *   bursty:  request 4 at 200ms
 *   bursty:  request 5 at 400ms
 *   goroutines left: 1 (main)
 *
 * The Go it mirrors:
 *
 *   limiter := time.Tick(200 * time.Millisecond)
 *   for req := range requests { <-limiter; fmt.Println("request", req, time.Now()) }
 *
 *   burstyLimiter := make(chan time.Time, 3)
 *   for i := 0; i < 3; i++ { burstyLimiter <- time.Now() }
 *   go func() { for t := range time.Tick(200 * time.Millisecond) { burstyLimiter <- t } }()
 *   for req := range burstyRequests { <-burstyLimiter; fmt.Println("request", req, time.Now()) }
 */
#include <stdio.h>

#include "gokata.h"

enum { REQUESTS = 5, BURST = 3 };
#define EVERY (200 * MILLISECOND)

static chan_t *queue_requests(void)
{
    chan_t *requests = chan_make(sizeof(int), REQUESTS);
    for (int r = 1; r <= REQUESTS; r++)
        chan_send(requests, &r);
    chan_close(requests);
    return requests;
}

/* Adds a permit per tick, until stop is closed. */
typedef struct {
    chan_t *permits, *stop;
    go_ticker_t *ticker;
    wg_t done;
} feeder_t;

static void feed(void *arg)
{
    feeder_t *f = arg;
    for (;;) {
        select_case_t cs[] = {select_recv(f->ticker->C, NULL), select_recv(f->stop, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break;
        chan_try_send(f->permits, NULL); /* full: this permit is lost */
    }
    wg_done(&f->done);
}

static void both(void *arg)
{
    (void)arg;
    go_time_t start = time_now();
    int r;

    /* One request per tick. */
    chan_t *requests = queue_requests();
    go_ticker_t *limiter = ticker_new(EVERY);
    while (chan_recv(requests, &r)) {
        chan_recv(limiter->C, NULL);
        printf("ticker:  request %d at %lldms\n", r, (long long)(time_since(start) / MILLISECOND));
    }
    ticker_free(limiter);
    chan_free(requests);

    /* Up to BURST at once, then one per tick. */
    start = time_now();
    requests = queue_requests();
    static feeder_t f;
    f.permits = chan_make(0, BURST);
    for (int i = 0; i < BURST; i++)
        chan_send(f.permits, NULL); /* starts full */
    f.stop = chan_make(0, 0);
    f.ticker = ticker_new(EVERY);
    wg_add(&f.done, 1);
    go(feed, &f);
    while (chan_recv(requests, &r)) {
        chan_recv(f.permits, NULL);
        printf("bursty:  request %d at %lldms\n", r, (long long)(time_since(start) / MILLISECOND));
    }
    chan_close(f.stop); /* stop the feeder, wait for it, free what it used */
    wg_wait(&f.done);
    ticker_free(f.ticker);
    chan_free(f.stop);
    chan_free(f.permits);
    chan_free(requests);
}

int main(void)
{
    go_synctest(both, NULL);
    printf("goroutines left: %d (main)\n", go_numgoroutine());
    return 0;
}
