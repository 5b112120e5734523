/*
 * Kata 13 · Memory management and concurrency: the contract. Read it; don't
 * edit it (the grader uses its own copy). You write ownership.c.
 *
 * Go decides for you where a variable lives (escape analysis: on the stack,
 * or on the heap when something may use it after its function returns) and
 * frees it for you once nobody can reach it (the garbage collector, which
 * runs alongside your goroutines). C does neither. Every function here is a
 * place where Go's compiler or its GC quietly does something that in C you
 * must write, and get exactly right while other goroutines run:
 *
 *   task 1  a goroutine's argument must outlive the function that starts it
 *           (Go: the variable escapes to the heap);
 *   task 2  a pointer sent on a channel hands the object over: the sender
 *           never touches it again (Go: the same rule, minus the free);
 *   task 3  a pool of buffers bounds allocation (Go: sync.Pool, Effective
 *           Go's "leaky buffer");
 *   task 4  reference counting keeps a shared snapshot alive while anyone
 *           reads it and frees it when the last reader lets go (Go: the GC).
 */
#ifndef KATA_OWNERSHIP_H
#define KATA_OWNERSHIP_H

#include <stddef.h>

#include "gokata.h"

/* ==== Given: the kata's allocator ============================================
 *
 * Use these instead of malloc and free for every object this kata's functions
 * allocate or free. The tests provide them: they count every allocation and
 * every free (a leak, a double free), fill new memory with garbage (as malloc
 * may), and poison freed memory and keep it (so a use after free reads 0xdd
 * bytes, every time, and the race detectors see the poisoning as a write that
 * races with your late read). Outside the tests they are malloc and free.
 */
void *mem_alloc(size_t size); /* never NULL; the contents are garbage */
void mem_free(void *p);       /* NULL is ignored */

/* ==== Task 1: an argument that outlives its function (escape) ================ */

typedef struct {
    int id;        /* 0, 1, ..., n-1 */
    char name[24]; /* "request-<id>", e.g. "request-7" */
} request_t;

/* The tests' handler. It may block for as long as it likes, and reads *req
 * at any time until it returns. */
typedef void (*handler_fn)(const request_t *req, void *arg);

/*
 * start_requests: for each i in 0..n-1, starts a goroutine that calls
 * h(req, arg) with a request of its own, {.id = i, .name = "request-<i>"};
 * returns at once, without waiting for any of them (Go:
 * `for i := 0; i < n; i++ { req := request{...}; go handle(&req) }`).
 *
 * Each request must stay valid, unchanged, while its handler runs: long
 * after start_requests has returned and its stack frame has been reused.
 * Go's escape analysis moves req to the heap for you; in C it is your move:
 * mem_alloc it (one per goroutine: not one variable shared by the loop),
 * and let its goroutine mem_free it once h has returned. Every byte this
 * function allocates is freed by the time its goroutines have exited.
 */
void start_requests(int n, handler_fn h, void *arg);

/* ==== Task 2: ownership moves with the pointer ================================ */

typedef struct {
    int seq;       /* 0, 1, 2, ... in the order produced */
    int hops;      /* how many relays it has been through */
    char text[40]; /* "message <seq>", e.g. "message 3" */
} msg_t;

/*
 * The channels of task 2 carry msg_t pointers: chan_make(sizeof(msg_t *), cap);
 * send one with `chan_send(out, &m)` where m is a msg_t *.
 *
 * Sending a pointer hands the message over: from the send on, it belongs to
 * the receiver, who may change it or free it at once. The sender must not
 * read it, write it or free it afterwards, not even "just to log it": that
 * is a data race (the race detectors report it) or a use after free.
 */

/*
 * produce: sends n messages on out, in order, then closes out. Message i is
 * a new msg_t from mem_alloc with seq = i, hops = 0, text = "message <i>":
 * one object per message, never one buffer refilled (the receiver may still
 * be reading the last one). Runs in the caller's goroutine. The receivers
 * free the messages; produce frees none.
 */
void produce(chan_t *out, int n);

/*
 * relay: receives every message from in until it is closed, adds 1 to its
 * hops and sends the same message (the same pointer: no copy, no
 * allocation) on out; then closes out. It owns each message from its
 * receive until its send, and not a moment longer. Runs in the caller's
 * goroutine; never closes in, frees nothing.
 */
void relay(chan_t *in, chan_t *out);

/*
 * consume: receives every message from in until it is closed, frees each
 * (mem_free, exactly once), and returns the sum of their seq (0 for none).
 * Runs in the caller's goroutine; never closes in.
 */
long consume(chan_t *in);

/* ==== Task 3: a pool of buffers (sync.Pool, the leaky buffer) ================= */

typedef struct {
    chan_t *free; /* the free list: a buffered channel of void * */
    size_t size;  /* every buffer's size, in bytes */
} pool_t;

/*
 * pool_init: an empty pool of buffers of `size` bytes that keeps at most
 * `keep` idle buffers (keep >= 1) in its free list: a channel of void *
 * with capacity keep (Effective Go's freeList).
 */
void pool_init(pool_t *p, int keep, size_t size);

/*
 * pool_get: a buffer of p->size bytes, all zero, for the caller alone until
 * it puts it back. An idle buffer from the free list if there is one (a
 * try-receive: never wait), else a new one (mem_alloc). A recycled buffer
 * still holds its last user's bytes: clear them (Go: buf.Reset()), or one
 * request's data shows up in the next.
 */
void *pool_get(pool_t *p);

/*
 * pool_put: gives a buffer back (the caller no longer touches it). Into the
 * free list if it has room (a try-send: never wait); if the list is full,
 * the buffer is freed (mem_free): the pool "leaks" it, and so never holds
 * more than keep idle buffers. Safe from any number of goroutines at once,
 * like pool_get.
 */
void pool_put(pool_t *p, void *buf);

/*
 * pool_destroy: frees every idle buffer in the free list and the list itself
 * (chan_free). Called once, when no goroutine uses the pool any more and
 * every buffer has been put back.
 */
void pool_destroy(pool_t *p);

/* ==== Task 4: reference counting, the C stand-in for the GC =================== */

/*
 * An immutable configuration snapshot, shared by every reader that holds a
 * reference to it. Nobody writes version or text after config_new returns.
 * refs counts the references; the one that brings it to 0 frees the config.
 */
typedef struct {
    atomic64_t refs; /* how many references are held */
    int version;
    char text[56];
} config_t;

/*
 * The current configuration: readers take a reference to it, a writer
 * publishes a new one. current holds one reference of its own (the
 * store's). mu guards current: a reader's "read current and take a
 * reference" must be one step with respect to a writer's "replace current
 * and drop the store's reference", or the reader may take a reference to a
 * config that has just been freed.
 */
typedef struct {
    rwmutex_t mu;
    config_t *current;
} config_store_t;

/*
 * config_new: a new config (mem_alloc) with the version and text (copied,
 * cut to fit, always NUL-terminated) and one reference, the caller's.
 */
config_t *config_new(int version, const char *text);

/*
 * config_release: gives back one reference to c. The release that gives
 * back the last one frees c (mem_free), exactly once, whichever goroutine
 * it comes from: decrement and test in one atomic step. Every read of c by
 * a holder happens before its release, and so before the free.
 */
void config_release(config_t *c);

/* store_init: s starts with `initial` as current, taking over the caller's
 * reference to it. */
void store_init(config_store_t *s, config_t *initial);

/*
 * config_acquire: the current config, with a new reference for the caller,
 * who reads it for as long as it likes (while writers publish newer ones)
 * and then gives the reference back with config_release. Many readers at
 * once. (Go: cfg := current.Load(); the GC keeps cfg alive while it is used.)
 */
config_t *config_acquire(config_store_t *s);

/*
 * store_publish: makes next the current config, taking over the caller's
 * reference to next, and gives back the store's reference to the one it
 * replaces (freeing it if no reader holds it). Readers that hold the old one
 * keep reading it, unchanged; the last of them frees it.
 */
void store_publish(config_store_t *s, config_t *next);

/* store_close: gives back the store's reference to current (the store is
 * not used afterwards). */
void store_close(config_store_t *s);

#endif
