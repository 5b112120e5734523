/*
 * blocking-broker: a broker that waits for every subscriber. It sends each
 * event with a plain chan_send, one subscriber after the other, and serves
 * unsubscribe requests in the same loop. Subscriber "audit" reads two events
 * and then stops reading (it is busy, stuck, or just done) and asks to
 * unsubscribe.
 *
 *   Go:   for ev := range publish { for _, s := range subs { s <- ev } }   // blocks on the slowest
 *
 * The broker is stuck in `s <- ev` on audit's full channel, so it never
 * comes back to receive the unsubscribe; audit waits for the broker to take
 * its request; main waits to publish. Nobody can move: Go's classic pub-sub
 * deadlock. With only one slow subscriber it is not even a deadlock the
 * runtime can see until every goroutine is stuck: the fast subscribers just
 * stop getting events (the broker is as fast as its slowest reader).
 *
 * The fix is task 1: never wait for a subscriber (chan_try_send and a drop
 * policy), so the broker always comes back for the next request. See
 * events-done-right.c.
 *
 * Run:  make example KATA=18 NAME=blocking-broker
 * You will see:
 *   audit: got 0
 *   audit: got 1
 *   audit: unsubscribing
 *   fatal error: all goroutines are asleep - deadlock!
 * and the dump: the broker in [chan send] at blocking-broker.c:59 (audit's
 * full channel), audit in [chan send] at :74 (its unsubscribe request), main
 * in [chan send] at :96 (the next publish), fast in [chan receive] at :82.
 */
#include <stdio.h>

#include "gokata.h"

enum { BUFFER = 1 };

static chan_t *publish, *unsubscribe;
static chan_t *audit_events, *fast_events;

static void broker(void *unused)
{
    (void)unused;
    chan_t *subs[2] = {audit_events, fast_events};
    int n = 2;
    for (;;) {
        int ev;
        chan_t *gone;
        select_case_t cs[] = {select_recv(publish, &ev), select_recv(unsubscribe, &gone)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) {
            for (int i = 0; i < n; i++)
                if (subs[i] == gone) {
                    chan_close(gone);
                    subs[i] = subs[--n];
                    break;
                }
            continue;
        }
        for (int i = 0; i < n; i++)
            chan_send(subs[i], &ev); /* waits for this subscriber, however slow */
    }
}

static void audit(void *unused)
{
    (void)unused;
    int ev;
    for (int k = 0; k < 2; k++) {
        chan_recv(audit_events, &ev);
        printf("audit: got %d\n", ev);
    }
    go_sleep(100 * MILLISECOND); /* busy elsewhere: not reading (the broker fills its buffer) */
    printf("audit: unsubscribing\n");
    fflush(stdout);
    chan_send(unsubscribe, &audit_events);
    printf("audit: unsubscribed\n");
}

static void fast(void *unused)
{
    (void)unused;
    int ev;
    while (chan_recv(fast_events, &ev)) {
    }
}

int main(void)
{
    publish = chan_make(sizeof(int), 0);
    unsubscribe = chan_make(sizeof(chan_t *), 0);
    audit_events = chan_make(sizeof(int), BUFFER);
    fast_events = chan_make(sizeof(int), BUFFER);
    go(broker, NULL);
    go(audit, NULL);
    go(fast, NULL);
    for (int ev = 0; ev < 10; ev++)
        chan_send(publish, &ev);
    printf("all published\n");
    return 0;
}
