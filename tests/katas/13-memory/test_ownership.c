/*
 * Kata 13 · Memory management and concurrency: the tests that grade
 * ownership.c.
 *
 * The tests provide the kata's allocator (mem_alloc, mem_free; see
 * ownership.h). It counts every allocation and free, fills new memory with
 * garbage (0xab) as malloc may, and on a free poisons the block (0xdd) and
 * keeps it instead of giving it back: memory is never reused during a test,
 * so a double free is always seen, and a read after a free always reads
 * 0xdd, deterministically, in the plain run. The poisoning is an ordinary
 * write, so ThreadSanitizer and Helgrind report a free that is not ordered
 * after some goroutine's use of the block as a data race with mem_free.
 *
 * The allocator's own bookkeeping (counters, a block's state word) uses
 * relaxed atomics hidden from Helgrind: it orders nothing, so it hides no
 * race of the code under test.
 *
 * Every test runs in virtual time (go_synctest), and every wait is bounded
 * by an hour of it: a function that never returns, or never closes its
 * channel, fails with where each goroutine is stuck instead of hanging.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/helgrind.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "ownership.h"

/* ---- the allocator ---------------------------------------------------------- */

enum { GARBAGE = 0xab, POISON = 0xdd };
#define BLOCK_MAGIC 0x6b6174616d656d31ULL
#define ALIVE       0xa11ceu
#define FREED       0xdeadu

typedef struct {
    uint64_t magic;
    uint32_t state; /* ALIVE, then FREED: an atomic exchange tells a double free */
    uint32_t size;
} block_t; /* 16 bytes, so the payload after it keeps malloc's alignment */

static struct {
    int64_t allocs, frees, double_frees, foreign_frees;
} mem;

#define RELAXED_ADD(x, d) __atomic_add_fetch(&(x), (d), __ATOMIC_RELAXED)
#define RELAXED_LOAD(x)   __atomic_load_n(&(x), __ATOMIC_RELAXED)

void *mem_alloc(size_t size)
{
    block_t *b = malloc(sizeof(block_t) + (size ? size : 1));
    if (!b) abort();
    VALGRIND_HG_DISABLE_CHECKING(b, sizeof *b); /* bookkeeping, not the learner's */
    __atomic_store_n(&b->magic, BLOCK_MAGIC, __ATOMIC_RELAXED);
    __atomic_store_n(&b->size, (uint32_t)size, __ATOMIC_RELAXED);
    __atomic_store_n(&b->state, ALIVE, __ATOMIC_RELAXED);
    memset(b + 1, GARBAGE, size); /* as malloc may: nobody gets zeroed memory for free */
    RELAXED_ADD(mem.allocs, 1);
    return b + 1;
}

void mem_free(void *p)
{
    if (!p) return;
    block_t *b = (block_t *)p - 1;
    if (__atomic_load_n(&b->magic, __ATOMIC_RELAXED) != BLOCK_MAGIC) {
        RELAXED_ADD(mem.foreign_frees, 1);
        return;
    }
    if (__atomic_exchange_n(&b->state, FREED, __ATOMIC_RELAXED) != ALIVE) {
        RELAXED_ADD(mem.double_frees, 1);
        return;
    }
    /* Poison and keep (never free): a late reader reads 0xdd, and the write
     * is what the race detectors see as the free. */
    memset(p, POISON, __atomic_load_n(&b->size, __ATOMIC_RELAXED));
    RELAXED_ADD(mem.frees, 1);
}

static void mem_reset(void)
{
    VALGRIND_HG_DISABLE_CHECKING(&mem, sizeof mem);
    __atomic_store_n(&mem.allocs, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&mem.frees, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&mem.double_frees, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&mem.foreign_frees, 0, __ATOMIC_RELAXED);
}

static long allocs(void)
{
    return (long)RELAXED_LOAD(mem.allocs);
}
static long frees(void)
{
    return (long)RELAXED_LOAD(mem.frees);
}

/* Fails if any free so far was a double free or of memory mem_alloc did
 * not return; `who` names the functions under test. */
static void check_frees_were_sound(const char *who)
{
    long dbl = (long)RELAXED_LOAD(mem.double_frees);
    long foreign = (long)RELAXED_LOAD(mem.foreign_frees);
    ck_assert_msg(dbl == 0,
                  "%s: %ld double free%s: mem_free was called again on a block that was already "
                  "freed. Every object has exactly one owner at a time, and only its last owner "
                  "frees it, once",
                  who, dbl, dbl == 1 ? "" : "s");
    ck_assert_msg(foreign == 0,
                  "%s: mem_free was called %ld time%s on memory that mem_alloc did not return "
                  "(a stack variable, a pointer into the middle of a block, or malloc's memory): "
                  "allocate with mem_alloc, free with mem_free",
                  who, foreign, foreign == 1 ? "" : "s");
}

/* Whether p is the start of a block mem_alloc returned and mem_free has not
 * freed. Only for p known to come from mem_alloc. */
static bool block_alive(const void *p)
{
    const block_t *b = (const block_t *)p - 1;
    return __atomic_load_n(&b->state, __ATOMIC_RELAXED) == ALIVE;
}

/* Whether n bytes at p are all the byte v. */
static bool all_bytes(const void *p, size_t n, unsigned char v)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != v) return false;
    return true;
}

/* ---- helpers: bounded waits ------------------------------------------------- */

static go_leak_mark_t mark;

/* Waits for c to be closed, at most an hour of virtual time; else fails
 * with why. */
static void wait_closed(chan_t *c, const char *why)
{
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(c, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1) gk_fail_with_dump(mark, "%s", why);
}

typedef struct {
    go_func_t fn;
    void *arg;
    chan_t *returned;
} guarded_t;

static void guarded_run(void *arg)
{
    guarded_t *g = arg;
    g->fn(g->arg);
    chan_close(g->returned);
}

/* Runs fn(arg) in a goroutine; fails with why if it has not returned within
 * an hour of virtual time. */
static void run_within_an_hour(go_func_t fn, void *arg, const char *why)
{
    guarded_t g = {.fn = fn, .arg = arg, .returned = chan_make(0, 0)};
    go(guarded_run, &g);
    wait_closed(g.returned, why);
    chan_free(g.returned);
}

typedef struct {
    wg_t *wg;
    chan_t *done;
} wg_waiter_t;

static void wg_waiter(void *arg)
{
    wg_waiter_t *w = arg;
    wg_wait(w->wg);
    chan_close(w->done);
}

/* wg_wait(wg), at most an hour of virtual time; else fails with why. */
static void wait_group_within_an_hour(wg_t *wg, const char *why)
{
    wg_waiter_t w = {.wg = wg, .done = chan_make(0, 0)};
    go(wg_waiter, &w);
    wait_closed(w.done, why);
    chan_free(w.done);
}

/* Receives from ch into v, waiting at most an hour of virtual time; false
 * when ch is closed. */
static bool recv_within_an_hour(chan_t *ch, void *v, const char *why)
{
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(ch, v), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    if (which == 1) gk_fail_with_dump(mark, "%s", why);
    return cs[0].ok;
}

/* Runs body in a bubble, with the allocator's counts reset and the mark
 * set; the goroutines it starts have all exited when this returns. */
static void in_bubble(go_func_t body, void *arg)
{
    mem_reset();
    mark = go_leak_mark();
    go_synctest(body, arg);
}

/* ---- Task 1: start_requests --------------------------------------------------- */

enum { MAX_REQ = 16 };

typedef struct {
    chan_t *gate;          /* closed by the test once start_requests has returned */
    wg_t done;             /* one per handler that has finished */
    atomic64_t entered;    /* handlers that have started */
    atomic64_t next;       /* the next free slot below */
    const char *frame_top; /* a local of the test's frame: start_requests' frame is below */
    const void *ptr[MAX_REQ];
    int id[MAX_REQ];
    char name[MAX_REQ][24];
    bool on_old_stack[MAX_REQ];
    bool was_freed[MAX_REQ];
} requests_t;

static void record_request(const request_t *req, void *arg)
{
    requests_t *t = arg;
    atomic64_add(&t->entered, 1);
    chan_recv(t->gate, NULL); /* until the test has returned from start_requests */
    int k = (int)atomic64_add(&t->next, 1) - 1;
    if (k < MAX_REQ) {
        const char *p = (const char *)req;
        t->ptr[k] = req;
        t->on_old_stack[k] = p < t->frame_top && p > t->frame_top - 64 * 1024;
        t->id[k] = req->id;
        memcpy(t->name[k], req->name, sizeof t->name[k]);
        t->name[k][sizeof t->name[k] - 1] = '\0';
    }
    wg_done(&t->done);
}

/* Calls start_requests from a frame of its own, so that the test can reuse
 * the stack it used once it has returned. */
__attribute__((noinline)) static void call_start_requests(int n, requests_t *t)
{
    start_requests(n, record_request, t);
    __asm__ volatile("" ::: "memory");
}

/* Writes 0xa5 over the 32 KiB of stack below the caller's frame: where
 * start_requests' frame was. */
__attribute__((noinline)) static void reuse_the_stack(void)
{
    volatile unsigned char junk[32 * 1024];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xa5;
    __asm__ volatile("" ::: "memory");
}

/* start_requests(n), its stack reused, then the gate opened; waits for
 * every handler. */
static void run_requests(requests_t *t, int n)
{
    char here;
    t->frame_top = &here;
    t->gate = chan_make(0, 0);
    wg_add(&t->done, n);

    call_start_requests(n, t);
    go_synctest_wait(); /* every handler that will start has started, and waits */
    reuse_the_stack();  /* any request left on start_requests' stack is now 0xa5... */
    chan_close(t->gate);
    char why[512];
    snprintf(why, sizeof why,
             "start_requests(%d): an hour after it returned, only %ld of its %d handlers have "
             "been called (or some never returned): start one goroutine per request, each "
             "calling h once",
             n, (long)atomic64_load(&t->entered), n);
    wait_group_within_an_hour(&t->done, why);
    chan_free(t->gate);
}

static void own_requests(void *unused)
{
    (void)unused;
    enum { N = 8 };
    static requests_t t;
    memset(&t, 0, sizeof t);
    run_requests(&t, N);

    int calls = (int)atomic64_load(&t.next);
    ck_assert_msg(calls == N, "start_requests(%d) called the handler %d times, expected %d", N,
                  calls, N);
    for (int a = 0; a < N; a++)
        for (int b = a + 1; b < N; b++)
            ck_assert_msg(t.ptr[a] != t.ptr[b],
                          "two handlers got the same request pointer %p: every goroutine must get "
                          "an object of its own. Passing the address of one variable (the loop's, "
                          "or a local declared in the loop body: it has one address for every "
                          "iteration) to every goroutine gives them all the same object, which "
                          "the loop keeps changing, and which is gone once start_requests returns",
                          t.ptr[a]);
    bool seen[N] = {false};
    for (int k = 0; k < N; k++) {
        ck_assert_msg(!t.on_old_stack[k],
                      "a handler got a request at %p, in the stack frame of start_requests (or "
                      "of its caller), which is gone once start_requests returns: the test has "
                      "since reused that stack, and the handler read id 0x%x (0xa5a5a5a5 is the "
                      "test's scribble). Go's escape analysis moves such a variable to the heap; "
                      "in C, mem_alloc each goroutine's request",
                      t.ptr[k], (unsigned)t.id[k]);
        int id = t.id[k];
        ck_assert_msg(id != (int)0xdddddddd,
                      "a handler's request had been freed (it reads 0xdd bytes) while the handler "
                      "was still using it: free a goroutine's request only after h returns");
        ck_assert_msg(id >= 0 && id < N,
                      "a handler got a request with id %d (0x%x), expected an id in 0..%d: is "
                      "the request filled in before the goroutine starts, and left alone after?",
                      id, (unsigned)id, N - 1);
        ck_assert_msg(!seen[id],
                      "two handlers got a request with id %d: every goroutine must get a request "
                      "of its own. Passing the address of one variable (the loop's, or a local "
                      "declared in the loop body) to every goroutine gives them all the same "
                      "object, which the loop keeps changing",
                      id);
        seen[id] = true;
        char want[24];
        snprintf(want, sizeof want, "request-%d", id);
        ck_assert_msg(strcmp(t.name[k], want) == 0,
                      "the handler of request %d got the name \"%s\", expected \"%s\"", id,
                      t.name[k], want);
    }
}

START_TEST(test_each_handler_gets_a_request_of_its_own_that_outlives_start_requests)
{
    in_bubble(own_requests, NULL);
}
END_TEST

typedef struct {
    requests_t *t;
    int n;
} start_call_t;

static void call_start(void *arg)
{
    start_call_t *c = arg;
    start_requests(c->n, record_request, c->t);
}

static void returns_at_once(void *unused)
{
    (void)unused;
    enum { N = 6 };
    static requests_t t;
    memset(&t, 0, sizeof t);
    t.gate = chan_make(0, 0);
    wg_add(&t.done, N);
    start_call_t c = {.t = &t, .n = N};

    run_within_an_hour(call_start, &c,
                       "start_requests(6) has not returned an hour after it was called, while "
                       "its handlers wait for the test, which waits for it to return: it must "
                       "return at once, without waiting for the goroutines it started (a go "
                       "statement never waits)");

    go_synctest_wait(); /* every handler that will start has started */
    long in = (long)atomic64_load(&t.entered);
    ck_assert_msg(in == N,
                  "after start_requests(6) returned, %ld handlers had started, expected all 6 "
                  "at once, each in a goroutine of its own (they all wait for the test, so "
                  "they run at the same time)",
                  in);
    chan_close(t.gate);
    wait_group_within_an_hour(&t.done, "the handlers have not all returned an hour later");
    chan_free(t.gate);
}

START_TEST(test_start_requests_returns_at_once_with_every_handler_running)
{
    in_bubble(returns_at_once, NULL);
}
END_TEST

static requests_t freed_t;

static void frees_after_handlers(void *unused)
{
    (void)unused;
    memset(&freed_t, 0, sizeof freed_t);
    run_requests(&freed_t, 5);
}

START_TEST(test_each_request_is_freed_once_after_its_handler_returns)
{
    in_bubble(frees_after_handlers, NULL);
    /* go_synctest has returned: every goroutine of start_requests has exited */
    long a = allocs(), f = frees();
    ck_assert_msg(a > 0,
                  "start_requests allocated nothing with mem_alloc: allocate each goroutine's "
                  "request with mem_alloc (not malloc, not the stack), so that it outlives "
                  "start_requests and the test can check it is freed");
    check_frees_were_sound("start_requests");
    ck_assert_msg(f == a,
                  "start_requests allocated %ld block%s with mem_alloc and %ld %s freed once its "
                  "goroutines had all exited: each goroutine frees what it was given (mem_free) "
                  "after h returns, or the memory leaks, a little more with every call",
                  a, a == 1 ? "" : "s", f, f == 1 ? "was" : "were");
}
END_TEST

/* ---- Task 2: produce, relay, consume ------------------------------------------ */

enum { MAX_MSG = 32 };

static void check_msg(const msg_t *m, int want_seq, int want_hops, const char *who)
{
    ck_assert_msg(m != NULL, "%s sent a NULL message", who);
    ck_assert_msg(!all_bytes(m, sizeof *m, POISON),
                  "%s: message %d had been freed (it reads 0xdd bytes) when it was received: the "
                  "sender must not free what it sends, the receiver owns it",
                  who, want_seq);
    char want[40];
    snprintf(want, sizeof want, "message %d", want_seq);
    ck_assert_msg(m->seq == want_seq && m->hops == want_hops &&
                      strncmp(m->text, want, sizeof m->text) == 0,
                  "%s: message %d received as {seq %d, hops %d, text \"%.40s\"}, expected {seq "
                  "%d, hops %d, text \"%s\"}%s",
                  who, want_seq, m->seq, m->hops, m->text, want_seq, want_hops, want,
                  m->hops == want_hops - 1
                      ? ": was the hop added after the send? From the send on, the message is "
                        "the receiver's: change it before you send it, never after"
                      : "");
}

typedef struct {
    chan_t *out;
    int n;
} produce_call_t;

static void call_produce(void *arg)
{
    produce_call_t *c = arg;
    produce(c->out, c->n);
}

static void produce_in_order(void *unused)
{
    (void)unused;
    enum { N = 20 };
    chan_t *ch = chan_make(sizeof(msg_t *), 4); /* room to run ahead: one buffer refilled shows */
    produce_call_t c = {.out = ch, .n = N};
    guarded_t g = {.fn = call_produce, .arg = &c, .returned = chan_make(0, 0)};
    go(guarded_run, &g);

    static msg_t *got[N];
    msg_t *m;
    for (int i = 0; i < N; i++) {
        ck_assert_msg(recv_within_an_hour(ch, &m,
                                          "produce(20): an hour without a next message or the "
                                          "close"),
                      "produce(20) closed its channel after %d messages", i);
        check_msg(m, i, 0, "produce");
        for (int j = 0; j < i; j++)
            ck_assert_msg(got[j] != m,
                          "produce sent the same object (%p) as message %d and message %d: one "
                          "buffer refilled and sent again is overwritten while its receiver "
                          "still reads it. mem_alloc a new msg_t for every message",
                          (void *)m, j, i);
        got[i] = m;
    }
    ck_assert_msg(!recv_within_an_hour(ch, &m,
                                       "produce(20) sent 20 messages, then neither closed its "
                                       "channel nor returned for an hour: close it after the "
                                       "last message"),
                  "produce(20) sent a 21st message");
    wait_closed(g.returned, "produce closed its channel but has not returned an hour later");
    long a = allocs();
    ck_assert_msg(a == N,
                  "produce(20) made %ld allocations with mem_alloc, expected 20: one new msg_t "
                  "per message",
                  a);
    for (int i = 0; i < N; i++) {
        check_msg(got[i], i, 0, "produce (looked at again once it had returned)");
        mem_free(got[i]);
    }
    check_frees_were_sound("produce");
    chan_free(ch);
    chan_free(g.returned);
}

START_TEST(test_produce_sends_n_new_messages_in_order_then_closes)
{
    in_bubble(produce_in_order, NULL);
}
END_TEST

/* The receiver owns what it received: it scribbles on each message and frees
 * it at once. A sender that touches a message after sending it then races
 * with this (the detectors report it) or reads poison. */
static void take_over_and_free(msg_t *m)
{
    m->hops = -1;
    memset(m->text, 'X', sizeof m->text - 1);
    mem_free(m);
}

static void produce_hands_over(void *unused)
{
    (void)unused;
    enum { N = 12 };
    chan_t *ch = chan_make(sizeof(msg_t *), 0);
    produce_call_t c = {.out = ch, .n = N};
    guarded_t g = {.fn = call_produce, .arg = &c, .returned = chan_make(0, 0)};
    go(guarded_run, &g);

    msg_t *m;
    int n = 0;
    while (
        recv_within_an_hour(ch, &m, "produce(12): an hour without a next message or the close")) {
        ck_assert_msg(n < N, "produce(12) sent more than 12 messages");
        check_msg(m, n, 0, "produce");
        take_over_and_free(m);
        n++;
    }
    ck_assert_msg(n == N, "produce(12) sent %d messages", n);
    wait_closed(g.returned, "produce closed its channel but has not returned an hour later");
    check_frees_were_sound("produce (the receiver frees each message it gets)");
    ck_assert_msg(frees() == N && allocs() == N,
                  "produce(12): %ld allocations, %ld frees (the receiver's); expected 12 and 12: "
                  "produce allocates each message and frees none",
                  allocs(), frees());
    chan_free(ch);
    chan_free(g.returned);
}

START_TEST(test_produce_never_touches_a_message_after_sending_it)
{
    in_bubble(produce_hands_over, NULL);
}
END_TEST

typedef struct {
    chan_t *out;
    int n;
    msg_t *sent[MAX_MSG];
} feeder_t;

/* The test's producer: sends n messages of its own (hops = seq % 3), then
 * closes. */
static void feed(void *arg)
{
    feeder_t *fd = arg;
    for (int i = 0; i < fd->n; i++) {
        msg_t *m = mem_alloc(sizeof *m);
        *m = (msg_t){.seq = i, .hops = i % 3};
        snprintf(m->text, sizeof m->text, "message %d", i);
        fd->sent[i] = m;
        chan_send(fd->out, &m);
    }
    chan_close(fd->out);
}

typedef struct {
    chan_t *in, *out;
} relay_call_t;

static void call_relay(void *arg)
{
    relay_call_t *c = arg;
    relay(c->in, c->out);
}

/* feeder -> relay -> the test; `scribble`: the test takes each message over
 * and frees it at once. */
static void relay_through(bool scribble)
{
    enum { N = 10 };
    static feeder_t fd;
    fd = (feeder_t){.out = chan_make(sizeof(msg_t *), 0), .n = N};
    relay_call_t c = {.in = fd.out, .out = chan_make(sizeof(msg_t *), 2)};
    go(feed, &fd);
    guarded_t g = {.fn = call_relay, .arg = &c, .returned = chan_make(0, 0)};
    go(guarded_run, &g);

    static msg_t *got[N];
    msg_t *m;
    int n = 0;
    while (recv_within_an_hour(c.out, &m,
                               "relay: an hour without a next message or the close of its output "
                               "(it closes out once in is closed)")) {
        ck_assert_msg(n < N, "relay sent more messages than the 10 it received");
        check_msg(m, n, n % 3 + 1, "relay");
        ck_assert_msg(m == fd.sent[n],
                      "relay sent message %d as a different object (%p) from the one it "
                      "received (%p): it hands on the same pointer, no copy",
                      n, (void *)m, (void *)fd.sent[n]);
        if (scribble)
            take_over_and_free(m);
        else
            got[n] = m;
        n++;
    }
    ck_assert_msg(n == N, "relay sent %d of the 10 messages it received, then closed its output",
                  n);
    wait_closed(g.returned, "relay closed its output but has not returned an hour later");
    for (int i = 0; i < N && !scribble; i++) {
        check_msg(got[i], i, i % 3 + 1, "relay (looked at again once it had returned)");
        mem_free(got[i]);
    }
    check_frees_were_sound("relay");
    ck_assert_msg(allocs() == N,
                  "relay allocated %ld blocks: it hands on the messages it receives, and "
                  "allocates nothing",
                  allocs() - N);
    ck_assert_msg(frees() == N,
                  "%ld of the 10 messages were freed: relay frees none (its receiver owns them)",
                  frees());
    go_synctest_wait(); /* the feeder has returned from chan_close */
    chan_free(fd.out);
    chan_free(c.out);
    chan_free(g.returned);
}

static void relay_in_order(void *unused)
{
    (void)unused;
    relay_through(false);
}

START_TEST(test_relay_hands_on_the_same_messages_with_one_more_hop_then_closes)
{
    in_bubble(relay_in_order, NULL);
}
END_TEST

static void relay_hands_over(void *unused)
{
    (void)unused;
    relay_through(true);
}

START_TEST(test_relay_never_touches_a_message_after_sending_it_on)
{
    in_bubble(relay_hands_over, NULL);
}
END_TEST

typedef struct {
    chan_t *in;
    long sum;
} consume_call_t;

static void call_consume(void *arg)
{
    consume_call_t *c = arg;
    c->sum = consume(c->in);
}

static void consume_all(void *unused)
{
    (void)unused;
    enum { N = 15 };
    static feeder_t fd;
    fd = (feeder_t){.out = chan_make(sizeof(msg_t *), 3), .n = N};
    go(feed, &fd);
    consume_call_t c = {.in = fd.out};
    run_within_an_hour(call_consume, &c,
                       "consume has not returned an hour after its channel was closed: receive "
                       "until chan_recv returns false");
    check_frees_were_sound("consume");
    long f = frees();
    ck_assert_msg(f == N,
                  "consume freed %ld of the 15 messages it received: the receiver owns each "
                  "message, and frees it (mem_free) once done with it",
                  f);
    ck_assert_msg(c.sum == N * (N - 1) / 2,
                  "consume returned %ld, expected %d (the sum of seq 0..14)%s", c.sum,
                  N * (N - 1) / 2,
                  c.sum < 0 || c.sum > 100000
                      ? ": did it read a message's seq after freeing it? (freed memory reads 0xdd)"
                      : "");
    chan_t *first = fd.out;
    fd = (feeder_t){.out = chan_make(sizeof(msg_t *), 0), .n = 0};
    go(feed, &fd);
    c = (consume_call_t){.in = fd.out, .sum = -1};
    run_within_an_hour(call_consume, &c, "consume of a channel closed at once has not returned");
    ck_assert_msg(c.sum == 0, "consume of a channel closed without messages returned %ld", c.sum);
    go_synctest_wait(); /* the feeders have returned from chan_close */
    chan_free(first);
    chan_free(fd.out);
}

START_TEST(test_consume_frees_every_message_once_and_returns_the_sum_of_seq)
{
    in_bubble(consume_all, NULL);
}
END_TEST

static void chain(void *unused)
{
    (void)unused;
    enum { N = 25 };
    chan_t *a = chan_make(sizeof(msg_t *), 0), *b = chan_make(sizeof(msg_t *), 1),
           *c = chan_make(sizeof(msg_t *), 3);
    produce_call_t p = {.out = a, .n = N};
    relay_call_t r1 = {.in = a, .out = b}, r2 = {.in = b, .out = c};
    go(call_produce, &p);
    go(call_relay, &r1);
    go(call_relay, &r2);
    consume_call_t k = {.in = c};
    run_within_an_hour(call_consume, &k,
                       "produce(25) -> relay -> relay -> consume has not finished an hour later");
    ck_assert_msg(k.sum == N * (N - 1) / 2,
                  "produce(25) -> relay -> relay -> consume: consume returned %ld, expected %d",
                  k.sum, N * (N - 1) / 2);
    go_synctest_wait(); /* produce and the relays have returned */
    check_frees_were_sound("produce -> relay -> relay -> consume");
    ck_assert_msg(allocs() == N && frees() == N,
                  "produce(25) -> relay -> relay -> consume: %ld allocations and %ld frees, "
                  "expected 25 of each: one object per message, freed once by its last owner",
                  allocs(), frees());
    chan_free(a);
    chan_free(b);
    chan_free(c);
}

START_TEST(test_produce_relay_relay_consume_frees_every_message_exactly_once)
{
    in_bubble(chain, NULL);
}
END_TEST

/* ---- Task 3: the pool ------------------------------------------------------------ */

typedef struct {
    pool_t *p;
    void *buf;
    int op; /* 0 get, 1 put, 2 destroy */
} pool_call_t;

static void call_pool(void *arg)
{
    pool_call_t *c = arg;
    if (c->op == 0)
        c->buf = pool_get(c->p);
    else if (c->op == 1)
        pool_put(c->p, c->buf);
    else
        pool_destroy(c->p);
}

/* pool_get, pool_put, pool_destroy, each bounded by an hour: neither get
 * nor put may ever wait. */
static void *get(pool_t *p)
{
    pool_call_t c = {.p = p, .op = 0};
    run_within_an_hour(call_pool, &c,
                       "pool_get has not returned an hour later: it never waits. Take an idle "
                       "buffer with a try-receive (chan_try_recv), and mem_alloc a new one when "
                       "there is none");
    ck_assert_msg(c.buf != NULL, "pool_get returned NULL");
    return c.buf;
}

static void put(pool_t *p, void *buf)
{
    pool_call_t c = {.p = p, .buf = buf, .op = 1};
    run_within_an_hour(call_pool, &c,
                       "pool_put has not returned an hour later, with the free list full: it "
                       "never waits. Put with a try-send (chan_try_send), and mem_free the "
                       "buffer when the list is full");
}

static void destroy(pool_t *p)
{
    pool_call_t c = {.p = p, .op = 2};
    run_within_an_hour(call_pool, &c, "pool_destroy has not returned an hour later");
}

static void check_zeroed(const void *buf, size_t size, const char *when)
{
    const unsigned char *b = buf;
    for (size_t i = 0; i < size; i++)
        if (b[i] != 0)
            ck_abort_msg("pool_get %s returned a buffer whose byte %zu is 0x%02x, expected every "
                         "byte 0%s",
                         when, i, b[i],
                         b[i] == GARBAGE ? ": memory from mem_alloc holds garbage, as malloc's "
                                           "may: clear it (memset)"
                                         : ": a recycled buffer still holds its last user's "
                                           "bytes: clear it before handing it out");
}

static void get_new(void *unused)
{
    (void)unused;
    pool_t p;
    pool_init(&p, 2, 64);
    ck_assert_msg(p.free != NULL && chan_cap(p.free) == 2,
                  "pool_init(keep 2): the free list must be a channel of capacity 2, got %s",
                  p.free ? "another capacity" : "NULL");
    ck_assert_msg(p.size == 64, "pool_init(size 64) set size to %zu", p.size);
    void *b = get(&p);
    ck_assert_msg(allocs() == 1, "pool_get on an empty pool made %ld allocations, expected 1",
                  allocs());
    ck_assert_msg(block_alive(b), "pool_get returned a buffer that has been freed");
    check_zeroed(b, 64, "on an empty pool");
    put(&p, b);
    destroy(&p);
    check_frees_were_sound("the pool");
    ck_assert_msg(frees() == 1,
                  "after one get, one put and pool_destroy, %ld buffers were freed, expected 1",
                  frees());
}

START_TEST(test_pool_get_on_an_empty_pool_allocates_a_zeroed_buffer)
{
    in_bubble(get_new, NULL);
}
END_TEST

static void reuse(void *unused)
{
    (void)unused;
    pool_t p;
    pool_init(&p, 2, 128);
    void *b1 = get(&p);
    put(&p, b1);
    ck_assert_msg(frees() == 0,
                  "pool_put freed the buffer although the free list had room: keep it for the "
                  "next pool_get");
    void *b2 = get(&p);
    ck_assert_msg(b2 == b1 && allocs() == 1,
                  "a buffer was put back, then pool_get allocated a new one (%ld allocations): "
                  "it must hand out the idle buffer from the free list first. A pool that "
                  "allocates for every get saves nothing",
                  allocs());
    void *b3 = get(&p);
    ck_assert_msg(b3 != b2 && allocs() == 2,
                  "with the only idle buffer handed out, pool_get must allocate a new one");
    put(&p, b2);
    put(&p, b3);
    destroy(&p);
    check_frees_were_sound("the pool");
    ck_assert_msg(frees() == 2, "pool_destroy freed %ld of the 2 idle buffers", frees());
}

START_TEST(test_pool_reuses_a_buffer_that_was_put_back)
{
    in_bubble(reuse, NULL);
}
END_TEST

static void cleared(void *unused)
{
    (void)unused;
    pool_t p;
    pool_init(&p, 1, 48);
    char *b = get(&p);
    snprintf(b, 48, "password=hunter2; card=4111111111111111");
    put(&p, b);
    char *again = get(&p);
    ck_assert_msg(again == b, "pool_get did not reuse the idle buffer");
    check_zeroed(again, 48, "after a put");
    put(&p, again);
    destroy(&p);
}

START_TEST(test_pool_clears_a_recycled_buffer)
{
    in_bubble(cleared, NULL);
}
END_TEST

static void bounded(void *unused)
{
    (void)unused;
    enum { KEEP = 3 };
    pool_t p;
    pool_init(&p, KEEP, 32);
    void *b[7];
    for (int i = 0; i < 6; i++)
        b[i] = get(&p);
    ck_assert_msg(allocs() == 6, "6 gets on an empty pool made %ld allocations", allocs());
    for (int i = 0; i < 6; i++)
        put(&p, b[i]);
    long f = frees();
    check_frees_were_sound("the pool");
    ck_assert_msg(f == 6 - KEEP,
                  "6 buffers put back into a pool that keeps 3: %ld were freed, expected 3. The "
                  "pool keeps as many as its free list holds and frees the rest (the \"leaky\" "
                  "buffer): that is what bounds its memory",
                  f);
    for (int i = 0; i < 3; i++)
        b[i] = get(&p);
    ck_assert_msg(allocs() == 6,
                  "3 gets from a pool holding 3 idle buffers allocated %ld new ones, expected 0",
                  allocs() - 6);
    b[3] = get(&p);
    ck_assert_msg(allocs() == 7, "a get from an emptied pool must allocate");
    for (int i = 0; i < 4; i++)
        put(&p, b[i]);
    destroy(&p);
    check_frees_were_sound("the pool");
    ck_assert_msg(frees() == allocs(),
                  "after every buffer was put back and the pool destroyed, %ld of %ld buffers "
                  "were freed: pool_destroy frees every idle buffer",
                  frees(), allocs());
}

START_TEST(test_pool_keeps_at_most_keep_idle_buffers_and_frees_the_rest)
{
    in_bubble(bounded, NULL);
}
END_TEST

static void destroyed(void *unused)
{
    (void)unused;
    pool_t p;
    pool_init(&p, 4, 16);
    void *b[4];
    for (int i = 0; i < 4; i++)
        b[i] = get(&p);
    for (int i = 0; i < 4; i++)
        put(&p, b[i]);
    ck_assert_msg(frees() == 0, "4 buffers put into a pool that keeps 4: none may be freed");
    destroy(&p);
    check_frees_were_sound("pool_destroy");
    ck_assert_msg(frees() == 4,
                  "pool_destroy freed %ld of the 4 idle buffers: it takes every one out of the "
                  "free list (try-receive until none is left) and frees it",
                  frees());
}

START_TEST(test_pool_destroy_frees_every_idle_buffer)
{
    in_bubble(destroyed, NULL);
}
END_TEST

enum { POOL_G = 6, POOL_ROUNDS = 40, POOL_SIZE = 256, POOL_KEEP = 2 };

typedef struct {
    pool_t *p;
    int id;
    wg_t *wg;
    atomic64_t *dirty, *shared;
} pool_user_t;

static void use_pool(void *arg)
{
    pool_user_t *u = arg;
    for (int r = 0; r < POOL_ROUNDS; r++) {
        unsigned char *b = pool_get(u->p);
        if (!all_bytes(b, POOL_SIZE, 0)) atomic64_add(u->dirty, 1);
        memset(b, u->id, POOL_SIZE);
        go_yield(); /* let the others run while we hold it */
        if (!all_bytes(b, POOL_SIZE, (unsigned char)u->id)) atomic64_add(u->shared, 1);
        pool_put(u->p, b);
    }
    wg_done(u->wg);
}

static void shared_pool(void *unused)
{
    (void)unused;
    pool_t p;
    pool_init(&p, POOL_KEEP, POOL_SIZE);
    wg_t wg = {0};
    atomic64_t dirty = {0}, shared = {0};
    pool_user_t u[POOL_G];
    wg_add(&wg, POOL_G);
    for (int i = 0; i < POOL_G; i++) {
        u[i] = (pool_user_t){.p = &p, .id = i + 1, .wg = &wg, .dirty = &dirty, .shared = &shared};
        go(use_pool, &u[i]);
    }
    wait_group_within_an_hour(&wg, "6 goroutines sharing the pool have not finished an hour "
                                   "later: do pool_get or pool_put wait?");
    long d = (long)atomic64_load(&dirty), s = (long)atomic64_load(&shared);
    ck_assert_msg(s == 0,
                  "%ld times, a goroutine's buffer changed under it while it held it: the pool "
                  "handed one buffer to two goroutines at once",
                  s);
    ck_assert_msg(d == 0,
                  "%ld times, pool_get handed a goroutine a buffer that was not all zero: clear "
                  "every buffer before handing it out",
                  d);
    long idle = allocs() - frees();
    check_frees_were_sound("the pool, shared by 6 goroutines");
    ck_assert_msg(idle <= POOL_KEEP,
                  "every buffer is back, and %ld are still allocated: the pool may keep at most "
                  "2 (its free list's capacity) and must free the rest",
                  idle);
    destroy(&p);
    ck_assert_msg(frees() == allocs(),
                  "after pool_destroy, %ld of %ld buffers are still allocated (a leak)",
                  allocs() - frees(), allocs());
}

START_TEST(test_pool_shared_by_goroutines_hands_each_buffer_to_one_at_a_time)
{
    in_bubble(shared_pool, NULL);
}
END_TEST

/* ---- Task 4: reference-counted configs ----------------------------------------- */

static void check_config(const config_t *c, int version, const char *text, const char *when)
{
    ck_assert_msg(c != NULL, "%s: got a NULL config", when);
    ck_assert_msg(c->version != (int)0xdddddddd,
                  "%s: the config has been freed (it reads 0xdd bytes) while a reader still "
                  "holds a reference to it: only the release of the last reference may free it",
                  when);
    ck_assert_msg(c->version == version && strcmp(c->text, text) == 0,
                  "%s: got the config {version %d, \"%.56s\"}, expected {version %d, \"%s\"}", when,
                  c->version, c->text, version, text);
}

static long refs_of(config_t *c)
{
    return (long)atomic64_load(&c->refs);
}

static void new_and_release(void *unused)
{
    (void)unused;
    config_t *c = config_new(7, "alpha");
    ck_assert_msg(allocs() == 1, "config_new made %ld allocations with mem_alloc, expected 1",
                  allocs());
    check_config(c, 7, "alpha", "config_new(7, \"alpha\")");
    ck_assert_msg(refs_of(c) == 1,
                  "config_new returned a config with %ld references, expected 1: the caller's",
                  refs_of(c));
    config_release(c);
    check_frees_were_sound("config_release");
    ck_assert_msg(frees() == 1,
                  "config_release of the only reference did not free the config: the release "
                  "that gives back the last reference frees it");

    static const char longer[] = "a text longer than the fifty-five characters a config can hold";
    c = config_new(2, longer);
    ck_assert_msg(memchr(c->text, '\0', sizeof c->text) != NULL &&
                      strncmp(c->text, longer, sizeof c->text - 1) == 0,
                  "config_new with a text of %zu characters: text must hold its first %zu, then "
                  "a NUL",
                  strlen(longer), sizeof c->text - 1);
    config_release(c);
}

START_TEST(test_config_new_holds_one_reference_and_its_release_frees_it)
{
    in_bubble(new_and_release, NULL);
}
END_TEST

static void acquire_keeps(void *unused)
{
    (void)unused;
    config_store_t s;
    config_t *one = config_new(1, "one");
    store_init(&s, one);
    config_t *c = config_acquire(&s);
    ck_assert_msg(c == one, "config_acquire did not return the current config");
    ck_assert_msg(refs_of(c) == 2,
                  "after config_acquire, the config has %ld references, expected 2: the "
                  "store's and the reader's",
                  refs_of(c));
    config_t *c2 = config_acquire(&s);
    ck_assert_msg(c2 == one && refs_of(c) == 3, "a second reader: %ld references, expected 3",
                  refs_of(c));
    config_release(c2);
    config_release(c);
    ck_assert_msg(frees() == 0 && refs_of(one) == 1,
                  "two readers released their references while the store still holds one: "
                  "%ld references left (expected 1) and %s",
                  refs_of(one), frees() ? "the config was freed" : "not freed (right)");
    check_config(one, 1, "one", "the current config, after its readers released it");
    store_close(&s);
    check_frees_were_sound("config_release");
    ck_assert_msg(frees() == 1,
                  "store_close gave back the last reference, yet the config was not freed");
}

START_TEST(test_acquire_takes_a_reference_that_keeps_the_config_alive)
{
    in_bubble(acquire_keeps, NULL);
}
END_TEST

static void snapshot_survives(void *unused)
{
    (void)unused;
    config_store_t s;
    store_init(&s, config_new(1, "one"));
    config_t *old = config_acquire(&s);
    store_publish(&s, config_new(2, "two"));
    ck_assert_msg(frees() == 0,
                  "store_publish freed the old config while a reader still holds it: it gives "
                  "back only the store's reference");
    check_config(old, 1, "one", "a reader's config, after a newer one was published");
    config_t *cur = config_acquire(&s);
    check_config(cur, 2, "two", "config_acquire after store_publish");
    ck_assert_msg(refs_of(old) == 1,
                  "the old config has %ld references after the publish, expected 1: the "
                  "reader's (publish gives back the store's)",
                  refs_of(old));
    config_release(old);
    check_frees_were_sound("config_release");
    ck_assert_msg(frees() == 1,
                  "the last reader of the old config released it, and it was not freed: the "
                  "release that gives back the last reference frees it");
    config_release(cur);
    ck_assert_msg(frees() == 1, "a reader released the current config, and it was freed although "
                                "the store still holds it");
    store_close(&s);
    check_frees_were_sound("config_release");
    ck_assert_msg(frees() == 2 && allocs() == 2,
                  "2 configs, %ld allocations and %ld frees at the end, expected 2 and 2", allocs(),
                  frees());
}

START_TEST(test_a_reader_keeps_its_snapshot_after_a_publish_and_the_last_release_frees_it)
{
    in_bubble(snapshot_survives, NULL);
}
END_TEST

static void publish_frees(void *unused)
{
    (void)unused;
    config_store_t s;
    config_t *v1 = config_new(1, "one");
    store_init(&s, v1);
    store_publish(&s, config_new(2, "two"));
    ck_assert_msg(frees() == 1 && !block_alive(v1),
                  "store_publish replaced a config that no reader holds, and did not free it "
                  "(a leak): give back the store's reference with config_release");
    store_publish(&s, config_new(3, "three"));
    config_t *c = config_acquire(&s);
    check_config(c, 3, "three", "config_acquire after two publishes");
    config_release(c);
    store_close(&s);
    check_frees_were_sound("store_publish and store_close");
    ck_assert_msg(frees() == 3, "3 configs published, the store closed: %ld freed, expected 3",
                  frees());
}

START_TEST(test_publish_frees_the_old_config_when_no_reader_holds_it)
{
    in_bubble(publish_frees, NULL);
}
END_TEST

typedef struct {
    config_store_t *s;
    int version;
    char text[56];
} reader_t;

static void read_once(void *arg)
{
    reader_t *r = arg;
    config_t *c = config_acquire(r->s);
    r->version = c->version; /* plain reads, ordered before the free only by the release */
    memcpy(r->text, c->text, sizeof r->text);
    config_release(c);
}

static void free_after_reads(void *unused)
{
    (void)unused;
    enum { R = 3 };
    config_store_t s;
    store_init(&s, config_new(1, "one"));
    reader_t r[R];
    go_leak_mark_t readers = go_leak_mark();
    for (int i = 0; i < R; i++) {
        r[i] = (reader_t){.s = &s};
        go(read_once, &r[i]);
    }
    /* Wait until they have exited: an observation, not an edge. Only the
     * reference count orders their reads before the free below. */
    static char report[4096];
    ck_assert_msg(go_leak_check(readers, report, sizeof report) == 0,
                  "3 readers (acquire, read, release) did not finish:\n%s", report);
    ck_assert_msg(frees() == 0, "the readers' releases freed the config the store still holds");
    store_publish(&s, config_new(2, "two")); /* the last reference to "one": freed here */
    check_frees_were_sound("config_release");
    ck_assert_msg(frees() == 1, "the store gave back the last reference to a config, and it was "
                                "not freed");
    store_close(&s);
}

START_TEST(test_the_last_release_is_ordered_after_every_readers_reads)
{
    in_bubble(free_after_reads, NULL);
}
END_TEST

/* Two holders of the last two references release them at the same instant,
 * round after round: a release that tests the count in a separate step from
 * its decrement ("decrement, then load: 0?", or "load: 1? then free, else
 * decrement") frees twice or never when the two interleave. Each round the
 * two meet at a spinning barrier so that their releases overlap as closely
 * as the machine allows; how often they do is luck, so the rounds are many
 * (fewer under the slow detectors, whose runs interleave anyway). */
typedef struct {
    config_t *c;
    int64_t *arrived; /* the barrier: relaxed atomics, no edge */
    wg_t *wg;
} holder_t;

static void release_with_the_other(void *arg)
{
    holder_t *h = arg;
    if (__atomic_add_fetch(h->arrived, 1, __ATOMIC_RELAXED) == 2) {
        /* the other one learns of our arrival a cache miss later: wait as long */
        for (volatile int i = 0; i < 40; i++) {
        }
    }
    for (int spins = 1; __atomic_load_n(h->arrived, __ATOMIC_RELAXED) < 2; spins++)
        if (spins % 65536 == 0) go_yield(); /* the other may be waiting for a core */
    config_release(h->c);
    wg_done(h->wg);
}

static void release_at_once(void *unused)
{
    (void)unused;
    int rounds = (int)(1000 / gk_timeout_scale());
    if (rounds < 10) rounds = 10;
    /* Bounded in real time too: a loaded machine makes each round's
     * spin slow, and the round count is only the chance to overlap. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static int64_t arrived;
    VALGRIND_HG_DISABLE_CHECKING(&arrived, sizeof arrived);
    for (int r = 0; r < rounds; r++) {
        config_store_t s;
        store_init(&s, config_new(r, "shared"));
        wg_t wg = {0};
        __atomic_store_n(&arrived, 0, __ATOMIC_RELAXED);
        holder_t h[2];
        wg_add(&wg, 2);
        for (int i = 0; i < 2; i++) {
            h[i] = (holder_t){.c = config_acquire(&s), .arrived = &arrived, .wg = &wg};
            go(release_with_the_other, &h[i]);
        }
        store_close(&s); /* the two holders have the only references left */
        wg_wait(&wg);
        long dbl = (long)RELAXED_LOAD(mem.double_frees);
        ck_assert_msg(dbl == 0,
                      "round %d: two goroutines released the last two references to a config at "
                      "the same time, and both freed it (a double free). Decrement and test in "
                      "one atomic step: if (atomic64_add(&c->refs, -1) == 0) free. A separate "
                      "load after the decrement can see the other's decrement too",
                      r);
        ck_assert_msg(frees() == r + 1,
                      "round %d: two goroutines released the last two references to a config at "
                      "the same time, and neither freed it (a leak). Decrement and test in one "
                      "atomic step: if (atomic64_add(&c->refs, -1) == 0) free. A load, then a "
                      "decrement, lets both see 2 and both decrement without freeing",
                      r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (r >= 10 && (t1.tv_sec - t0.tv_sec) > 3 * gk_timeout_scale()) break;
    }
}

START_TEST(test_the_last_two_holders_releasing_at_once_free_the_config_exactly_once)
{
    in_bubble(release_at_once, NULL);
}
END_TEST

enum { CFG_READERS = 4, CFG_ROUNDS = 25, CFG_VERSIONS = 15 };

typedef struct {
    config_store_t *s;
    atomic64_t *bad, *backwards;
    wg_t *wg;
} cfg_reader_t;

static void cfg_reader(void *arg)
{
    cfg_reader_t *r = arg;
    int last = -1;
    for (int i = 0; i < CFG_ROUNDS; i++) {
        config_t *c = config_acquire(r->s);
        char want[56];
        int v = c->version;
        snprintf(want, sizeof want, "version %d", v);
        if (v < 0 || v > CFG_VERSIONS || strcmp(c->text, want) != 0) atomic64_add(r->bad, 1);
        if (v < last) atomic64_add(r->backwards, 1);
        last = v;
        go_yield(); /* hold it while the writer publishes */
        if (c->version != v || strcmp(c->text, want) != 0) atomic64_add(r->bad, 1);
        config_release(c);
    }
    wg_done(r->wg);
}

static void cfg_writer(void *arg)
{
    cfg_reader_t *r = arg;
    for (int v = 1; v <= CFG_VERSIONS; v++) {
        char text[56];
        snprintf(text, sizeof text, "version %d", v);
        store_publish(r->s, config_new(v, text));
        go_yield();
    }
    wg_done(r->wg);
}

static void readers_and_writer(void *unused)
{
    (void)unused;
    config_store_t s;
    store_init(&s, config_new(0, "version 0"));
    wg_t wg = {0};
    atomic64_t bad = {0}, backwards = {0};
    cfg_reader_t r = {.s = &s, .bad = &bad, .backwards = &backwards, .wg = &wg};
    wg_add(&wg, CFG_READERS + 1);
    go(cfg_writer, &r);
    for (int i = 0; i < CFG_READERS; i++)
        go(cfg_reader, &r);
    wait_group_within_an_hour(&wg, "4 readers and a writer have not finished an hour later");
    ck_assert_msg(atomic64_load(&bad) == 0,
                  "%ld times, a reader saw a config that was not whole (freed, 0xdd, or changed "
                  "while it held a reference): a config is freed only by the release of its last "
                  "reference, and config_acquire takes its reference under s->mu, where no "
                  "publisher can drop the store's reference in between",
                  (long)atomic64_load(&bad));
    ck_assert_msg(atomic64_load(&backwards) == 0, "a reader got an older config after a newer one");
    store_close(&s);
    check_frees_were_sound("readers and a writer");
    ck_assert_msg(allocs() == CFG_VERSIONS + 1 && frees() == allocs(),
                  "16 configs (version 0 and 15 publishes), every reference given back: %ld "
                  "allocations, %ld frees; expected 16 and 16",
                  allocs(), frees());
}

START_TEST(test_readers_and_a_writer_at_once_see_whole_snapshots_and_nothing_leaks)
{
    in_bubble(readers_and_writer, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("ownership");
    kata_add_test(s, test_each_handler_gets_a_request_of_its_own_that_outlives_start_requests);
    kata_add_test(s, test_start_requests_returns_at_once_with_every_handler_running);
    kata_add_test(s, test_each_request_is_freed_once_after_its_handler_returns);
    kata_add_test(s, test_produce_sends_n_new_messages_in_order_then_closes);
    kata_add_test(s, test_produce_never_touches_a_message_after_sending_it);
    kata_add_test(s, test_relay_hands_on_the_same_messages_with_one_more_hop_then_closes);
    kata_add_test(s, test_relay_never_touches_a_message_after_sending_it_on);
    kata_add_test(s, test_consume_frees_every_message_once_and_returns_the_sum_of_seq);
    kata_add_test(s, test_produce_relay_relay_consume_frees_every_message_exactly_once);
    kata_add_test(s, test_pool_get_on_an_empty_pool_allocates_a_zeroed_buffer);
    kata_add_test(s, test_pool_reuses_a_buffer_that_was_put_back);
    kata_add_test(s, test_pool_clears_a_recycled_buffer);
    kata_add_test(s, test_pool_keeps_at_most_keep_idle_buffers_and_frees_the_rest);
    kata_add_test(s, test_pool_destroy_frees_every_idle_buffer);
    kata_add_test(s, test_pool_shared_by_goroutines_hands_each_buffer_to_one_at_a_time);
    kata_add_test(s, test_config_new_holds_one_reference_and_its_release_frees_it);
    kata_add_test(s, test_acquire_takes_a_reference_that_keeps_the_config_alive);
    kata_add_test(s,
                  test_a_reader_keeps_its_snapshot_after_a_publish_and_the_last_release_frees_it);
    kata_add_test(s, test_publish_frees_the_old_config_when_no_reader_holds_it);
    kata_add_test(s, test_the_last_release_is_ordered_after_every_readers_reads);
    kata_add_test(s, test_the_last_two_holders_releasing_at_once_free_the_config_exactly_once);
    kata_add_test(s, test_readers_and_a_writer_at_once_see_whole_snapshots_and_nothing_leaks);
    return s;
}
