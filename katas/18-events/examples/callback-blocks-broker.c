/*
 * callback-blocks-broker: listeners as callbacks instead of channels. The
 * broker calls every listener's function, in its own goroutine, for every
 * event. One listener writes each event to a slow disk (1 s per call); the
 * other only updates a counter on screen.
 *
 *   Go:   for _, l := range listeners { l(ev) }   // in the broker's goroutine
 *
 * A callback runs on the broker's time: while the slow one writes, the
 * broker delivers nothing to anyone and takes no request (subscribe,
 * unsubscribe, publish all wait). The screen gets event 3 two seconds
 * late, although it needs no time at all, and every publisher waits too. Worse, a callback that
 * calls back into the broker (unsubscribe from inside a listener) waits for
 * the broker, which is waiting for the callback: a deadlock.
 *
 * The rule: a callback must return at once and never block, never call the
 * broker. If it has slow work, it hands it to a goroutine of its own through
 * a buffered channel (which is a subscription with a channel again: that is
 * why Go APIs give subscribers channels). Runs in virtual time (go_synctest)
 * so the times are exact.
 *
 * Run:  make example KATA=18 NAME=callback-blocks-broker
 * You will see:
 *   screen: event 1 at 0.0 s
 *   screen: event 2 at 1.0 s
 *   screen: event 3 at 2.0 s
 *   publish of 3 events took 2.0 s (the slow listener's time, paid by all)
 */
#include <stdio.h>

#include "gokata.h"

#define EPOCH_2000 (946684800LL * SECOND)

typedef void (*listener_t)(int ev);

static void slow_disk(int ev)
{
    (void)ev;
    go_sleep(SECOND); /* a write to a slow disk, in the broker's goroutine */
}

static void screen(int ev)
{
    printf("screen: event %d at %.1f s\n", ev, (double)(time_now() - EPOCH_2000) / SECOND);
}

static listener_t listeners[] = {screen, slow_disk};
static chan_t *publish, *done;

static void broker(void *unused)
{
    (void)unused;
    int ev;
    while (chan_recv(publish, &ev))
        for (int i = 0; i < 2; i++)
            listeners[i](ev); /* the broker waits for each callback */
    chan_close(done);
}

static void run(void *unused)
{
    (void)unused;
    publish = chan_make(sizeof(int), 0);
    done = chan_make(0, 0);
    go(broker, NULL);
    go_time_t t0 = time_now();
    for (int ev = 1; ev <= 3; ev++)
        chan_send(publish, &ev);
    /* chan_send returns when the broker has taken the event: after the
     * callbacks of the event before it */
    printf("publish of 3 events took %.1f s (the slow listener's time, paid by all)\n",
           (double)time_since(t0) / SECOND);
    chan_close(publish);
    chan_recv(done, NULL); /* the broker has returned: now the channels can go */
    chan_free(publish);
    chan_free(done);
}

int main(void)
{
    go_synctest(run, NULL);
    return 0;
}
