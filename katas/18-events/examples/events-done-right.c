/*
 * events-done-right: blocking-broker.c fixed. The same broker, the same
 * "audit" subscriber that reads two events, stops reading and unsubscribes,
 * and a fast subscriber that reads everything. The broker now never waits
 * for a subscriber: it offers each event with chan_try_send, and when a
 * buffer is full it drops the event for that subscriber and counts it
 * (drop-newest). It comes straight back to its select, so the unsubscribe
 * is served, and it closes audit's channel itself (only the broker sends on
 * or closes a subscriber's channel: no "send on closed channel" is possible).
 *
 *   Go:   select { case s.ch <- ev: default: s.dropped++ }
 *
 * Clean under both detectors (DETECTOR=tsan, DETECTOR=helgrind).
 *
 * Run:  make example KATA=18 NAME=events-done-right
 * You will see:
 *   audit: got 0
 *   audit: got 1
 *   audit: unsubscribed; it had 7 events dropped   (7 or so: scheduling)
 *   fast: got all 10 events, in order
 */
#include <stdbool.h>
#include <stdio.h>

#include "gokata.h"

enum { BUFFER = 1, EVENTS = 10 };

typedef struct {
    chan_t *events;
    long dropped;
} sub_t;

typedef struct {
    chan_t *events;
    chan_t *reply; /* long: the dropped count, capacity 1 */
} unsub_t;

static chan_t *publish, *unsubscribe, *quit, *done;
static chan_t *audit_events, *fast_events;

static void broker(void *unused)
{
    (void)unused;
    sub_t subs[2] = {{audit_events, 0}, {fast_events, 0}}; /* the broker's alone */
    int n = 2;
    for (;;) {
        int ev;
        unsub_t u;
        select_case_t cs[] = {select_recv(publish, &ev), select_recv(unsubscribe, &u),
                              select_recv(quit, NULL)};
        int i = chan_select(cs, 3, SELECT_BLOCK);
        if (i == 2) break;
        if (i == 1) {
            long dropped = -1;
            for (int k = 0; k < n; k++)
                if (subs[k].events == u.events) {
                    dropped = subs[k].dropped;
                    chan_close(u.events);
                    for (int j = k + 1; j < n; j++)
                        subs[j - 1] = subs[j];
                    n--;
                    break;
                }
            chan_send(u.reply, &dropped);
            continue;
        }
        for (int k = 0; k < n; k++)
            if (!chan_try_send(subs[k].events, &ev)) subs[k].dropped++; /* never waits */
    }
    for (int k = 0; k < n; k++)
        chan_close(subs[k].events);
    chan_close(done);
}

static void audit(void *arg)
{
    chan_t *finished = arg;
    int ev;
    for (int k = 0; k < 2; k++) {
        chan_recv(audit_events, &ev);
        printf("audit: got %d\n", ev);
    }
    go_sleep(100 * MILLISECOND); /* busy elsewhere: not reading */
    unsub_t u = {audit_events, chan_make(sizeof(long), 1)};
    long dropped;
    chan_send(unsubscribe, &u);
    chan_recv(u.reply, &dropped);
    chan_free(u.reply);
    while (chan_recv(audit_events, &ev)) {
    } /* what was buffered, then the close */
    printf("audit: unsubscribed; it had %ld events dropped\n", dropped);
    chan_close(finished);
}

static void fast(void *arg)
{
    chan_t *finished = arg;
    int ev, n = 0;
    bool in_order = true;
    while (chan_recv(fast_events, &ev))
        in_order = in_order && ev == n++;
    printf("fast: got %s %d events%s\n", n == EVENTS ? "all" : "only", n,
           in_order ? ", in order" : ", out of order");
    chan_close(finished);
}

int main(void)
{
    publish = chan_make(sizeof(int), 0);
    unsubscribe = chan_make(sizeof(unsub_t), 0);
    quit = chan_make(0, 0);
    done = chan_make(0, 0);
    audit_events = chan_make(sizeof(int), BUFFER);
    fast_events = chan_make(sizeof(int), EVENTS); /* room for all: it never misses one */
    chan_t *audit_done = chan_make(0, 0), *fast_done = chan_make(0, 0);
    go(broker, NULL);
    go(audit, audit_done);
    go(fast, fast_done);
    for (int ev = 0; ev < EVENTS; ev++)
        chan_send(publish, &ev);
    chan_recv(audit_done, NULL);
    chan_close(quit);
    chan_recv(done, NULL);
    chan_recv(fast_done, NULL);
    chan_t *all[] = {publish,      unsubscribe, quit,       done,
                     audit_events, fast_events, audit_done, fast_done};
    for (int i = 0; i < 8; i++)
        chan_free(all[i]);
    return 0;
}
