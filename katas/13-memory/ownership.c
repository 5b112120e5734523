/*
 * Kata 13 · Memory management and concurrency: your file, the only one you
 * edit.
 *
 * The contract of each function is in ownership.h (with the given
 * allocator: use mem_alloc and mem_free, never malloc and free); the lesson
 * in README.md; hints in HINTS.md. Check your work with:  make grade KATA=13
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kata_todo.h"
#include "ownership.h"

/* ---- Task 1: an argument that outlives its function ------------------------ */

void start_requests(int n, handler_fn h, void *arg)
{
    (void)n, (void)h, (void)arg;
    TODO("start_requests: for each i, mem_alloc what the goroutine needs (its request, h, "
         "arg), go() it, and let the goroutine mem_free it after h returns; don't wait");
}

/* ---- Task 2: ownership moves with the pointer ------------------------------- */

void produce(chan_t *out, int n)
{
    (void)out, (void)n;
    TODO("produce: for each i, a new msg_t from mem_alloc, filled in, sent (chan_send(out, &m)) "
         "and never touched again; then close out");
}

void relay(chan_t *in, chan_t *out)
{
    (void)in, (void)out;
    TODO("relay: for each message received, hops++ and send the same pointer on; "
         "close out once in is closed");
}

long consume(chan_t *in)
{
    (void)in;
    TODO("consume: receive every message until in is closed, add up seq, mem_free each");
}

/* ---- Task 3: a pool of buffers ----------------------------------------------- */

void pool_init(pool_t *p, int keep, size_t size)
{
    (void)p, (void)keep, (void)size;
    TODO("pool_init: the free list is chan_make(sizeof(void *), keep)");
}

void *pool_get(pool_t *p)
{
    (void)p;
    TODO("pool_get: try-receive an idle buffer, else mem_alloc one; clear it");
}

void pool_put(pool_t *p, void *buf)
{
    (void)p, (void)buf;
    TODO("pool_put: try-send it to the free list; if that fails, mem_free it");
}

void pool_destroy(pool_t *p)
{
    (void)p;
    TODO("pool_destroy: mem_free every idle buffer, then chan_free the free list");
}

/* ---- Task 4: reference counting ---------------------------------------------- */

config_t *config_new(int version, const char *text)
{
    (void)version, (void)text;
    TODO("config_new: mem_alloc a config_t, fill it in, one reference (the caller's)");
}

void config_release(config_t *c)
{
    (void)c;
    TODO("config_release: one atomic decrement; the release that reaches 0 frees c");
}

void store_init(config_store_t *s, config_t *initial)
{
    (void)s, (void)initial;
    TODO("store_init: current = initial (the store takes over the caller's reference)");
}

config_t *config_acquire(config_store_t *s)
{
    (void)s;
    TODO("config_acquire: read current and take a reference, both under s->mu");
}

void store_publish(config_store_t *s, config_t *next)
{
    (void)s, (void)next;
    TODO("store_publish: swap current for next under s->mu, then release the old one");
}

void store_close(config_store_t *s)
{
    (void)s;
    TODO("store_close: release the store's reference to current");
}
