/*
 * Channels: Go's `chan T`, for elements of any fixed size.
 *
 *   Go                          gokata
 *   ch := make(chan int)        chan_t *ch = chan_make(sizeof(int), 0);
 *   ch := make(chan int, 8)     chan_t *ch = chan_make(sizeof(int), 8);
 *   ch <- v                     chan_send(ch, &v);
 *   v := <-ch                   chan_recv(ch, &v);
 *   v, ok := <-ch               bool ok = chan_recv(ch, &v);
 *   for v := range ch {}        while (chan_recv(ch, &v)) {}
 *   close(ch)                   chan_close(ch);
 *   len(ch), cap(ch)            chan_len(ch), chan_cap(ch)
 *
 * A NULL channel is Go's nil channel: send and receive block forever.
 * C has no garbage collector: free a channel with chan_free once no goroutine
 * will use it again.
 */
#ifndef GOKATA_CHAN_H
#define GOKATA_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include "site.h"

typedef struct chan chan_t;

/* make(chan T, cap): elements of elem_size bytes (0 for chan struct{}). */
chan_t *chan_make(size_t elem_size, size_t cap);

/* ch <- *elem. Blocks until a receiver takes it or the buffer has room.
 * Panics with "send on closed channel" if ch is closed. */
#define chan_send(ch, elem) chan_send_at((ch), (elem), GK_HERE)
void chan_send_at(chan_t *ch, const void *elem, GK_SITE_PARAMS);

/* *elem = <-ch. Returns true for a value sent, false when ch is closed and
 * drained (then *elem is zeroed, Go's zero value). elem may be NULL. */
#define chan_recv(ch, elem) chan_recv_at((ch), (elem), GK_HERE)
bool chan_recv_at(chan_t *ch, void *elem, GK_SITE_PARAMS);

/* select { case ch <- *elem: return true; default: return false } */
#define chan_try_send(ch, elem) chan_try_send_at((ch), (elem), GK_HERE)
bool chan_try_send_at(chan_t *ch, const void *elem, GK_SITE_PARAMS);

/* select { case v, ok := <-ch: ...; default: } Returns true if the receive
 * happened, with *ok (may be NULL) false if it saw ch closed. */
#define chan_try_recv(ch, elem, ok) chan_try_recv_at((ch), (elem), (ok), GK_HERE)
bool chan_try_recv_at(chan_t *ch, void *elem, bool *ok, GK_SITE_PARAMS);

/* close(ch): receivers drain the buffer, then get ok == false; blocked
 * senders panic. Panics on a closed or NULL channel, as Go does. */
#define chan_close(ch) chan_close_at((ch), GK_HERE)
void chan_close_at(chan_t *ch, GK_SITE_PARAMS);

size_t chan_len(chan_t *ch);
size_t chan_cap(chan_t *ch);

/* Release ch. No goroutine may be blocked on it or use it afterwards. */
#define chan_free(ch) chan_free_at((ch), GK_HERE)
void chan_free_at(chan_t *ch, GK_SITE_PARAMS);

#endif
