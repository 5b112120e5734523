/*
 * racy-subscribers: a broker goroutine that delivers events to a list of
 * subscribers, and a subscribe that appends to that list itself, from the
 * caller's goroutine, "because it is only an append". The list is the given
 * sublist_t of events.h, which is not safe for concurrent use.
 *
 *   Go:   func (b *Broker) Subscribe() <-chan int {
 *             ch := make(chan int, 8)
 *             b.subs = append(b.subs, ch)   // from the caller: races with the broker's range
 *             return ch
 *         }
 *
 * The broker reads the list (its length, its items) while a subscriber
 * appends to it, and an append may move the items (realloc) under the
 * broker's feet. Most runs print the right numbers: the race is there every
 * time, the damage only now and then. The detectors see it every time: run it
 * with DETECTOR=tsan (a write in sublist_add against a read in sublist_len or
 * sublist_at, called from the broker) or DETECTOR=helgrind.
 *
 * The fix is task 1: subscribe sends a request to the broker, which alone
 * touches the list. The sublist_t counts uses by another goroutine than its
 * first user, as the kata's tests do.
 *
 * Run:  make example KATA=18 NAME=racy-subscribers DETECTOR=tsan
 * You will see "WARNING: ThreadSanitizer: data race", and, at the end:
 *   subscribers: 8; uses of the list outside the broker: 8
 */
#include <stdio.h>

#include "events.h"

sublist_watch_t sublist_watch; /* the list's bookkeeping (the kata's tests define it) */

enum { SUBSCRIBERS = 8, EVENTS = 200 };

static sublist_t *subs;
static chan_t *publish, *ready, *done;
static wg_t wg;

static void broker(void *unused)
{
    (void)unused;
    int ev;
    sublist_len(subs); /* the broker uses the list first: it is its owner */
    chan_close(ready);
    while (chan_recv(publish, &ev))
        for (int i = 0; i < sublist_len(subs); i++)
            chan_try_send(sublist_at(subs, i)->events, &ev);
    chan_close(done);
}

static void subscriber(void *arg)
{
    chan_t *ch = chan_make(sizeof(int), 8);
    sublist_add(subs, ch); /* BUG: the broker's list, touched from here */
    *(chan_t **)arg = ch;
    wg_done(&wg);
}

int main(void)
{
    subs = sublist_new();
    publish = chan_make(sizeof(int), 0);
    done = chan_make(0, 0);
    ready = chan_make(0, 0);
    go(broker, NULL);
    chan_recv(ready, NULL);
    static chan_t *chans[SUBSCRIBERS];
    for (int i = 0; i < SUBSCRIBERS; i++) {
        wg_add(&wg, 1);
        go(subscriber, &chans[i]); /* subscribes while events are being delivered */
        for (int ev = 0; ev < EVENTS / SUBSCRIBERS; ev++)
            chan_send(publish, &ev);
    }
    wg_wait(&wg);
    chan_close(publish);
    chan_recv(done, NULL);
    printf("subscribers: %d; uses of the list outside the broker: %ld\n", SUBSCRIBERS,
           __atomic_load_n(&sublist_watch.foreign_uses, __ATOMIC_RELAXED));
    for (int i = 0; i < SUBSCRIBERS; i++)
        chan_free(chans[i]);
    sublist_free(subs);
    chan_free(publish);
    chan_free(ready);
    chan_free(done);
    return 0;
}
