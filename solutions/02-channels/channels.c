/*
 * Kata 02, the reference solution. One idea runs through all four tasks:
 * the goroutine that sends last is the one that closes, and when no single
 * goroutine can know it sends last, a goroutine whose only job is to wait
 * for the senders closes instead.
 */
#include <stdlib.h>

#include "channels.h"

/* ---- Task 1: generate ------------------------------------------------- */

/* What the generator goroutine needs. generate mallocs it (its own stack
 * frame is gone by the time the goroutine runs); the goroutine frees it. */
typedef struct {
    chan_t *out;
    int n;
} generator_t;

static void send_numbers(void *arg)
{
    generator_t *g = arg;
    for (int i = 0; i < g->n; i++)
        chan_send(g->out, &i); /* waits for the receiver */
    /* The last send has completed: this goroutine is the only sender, so it
     * knows no value will follow. Closing is how it tells the receiver's
     * range loop to end. */
    chan_close(g->out);
    free(g); /* g->out now belongs to the receiver: don't touch it again */
}

chan_t *generate(int n)
{
    generator_t *g = malloc(sizeof *g);
    if (!g) abort();
    /* Unbuffered: each value is produced when the receiver asks for it. */
    g->out = chan_make(sizeof(int), 0);
    g->n = n;
    chan_t *out = g->out; /* read before go(): after it, g is the goroutine's */
    go(send_numbers, g);
    return out;
}

/* ---- Task 2: collect ---------------------------------------------------- */

size_t collect(chan_t *in, int *out, size_t max)
{
    size_t n = 0;
    int v;
    /* for v := range in: chan_recv returns false only once in is closed and
     * its buffer drained, never for a value (not even 0). */
    while (chan_recv(in, &v)) {
        if (n < max) out[n] = v;
        n++; /* count past max too: keep receiving so the sender can finish */
    }
    return n; /* no close: in is not ours to close */
}

/* ---- Task 3: fan_in ------------------------------------------------------- */

/* Shared by all the senders and the closer. The closer frees it: it is the
 * last to use it (after wg_wait, every sender has called wg_done). */
typedef struct {
    chan_t *out;
    wg_t wg;
} fan_in_t;

/* Each sender's own argument: which value it sends. */
typedef struct {
    fan_in_t *f;
    int i;
} fan_sender_t;

static void send_one(void *arg)
{
    fan_sender_t *s = arg;
    fan_in_t *f = s->f;
    chan_send(f->out, &s->i);
    free(s);
    wg_done(&f->wg); /* after the send: Done says "I will not send again" */
}

/* The only goroutine that can know all the senders are done. */
static void close_after_senders(void *arg)
{
    fan_in_t *f = arg;
    wg_wait(&f->wg);
    chan_close(f->out);
    free(f);
}

chan_t *fan_in(int senders)
{
    fan_in_t *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->out = chan_make(sizeof(int), 0);
    chan_t *out = f->out;
    /* wg_add before go(): if each sender added itself, the closer could
     * find the counter at 0 before any sender had run, and close early. */
    wg_add(&f->wg, senders);
    for (int i = 0; i < senders; i++) {
        fan_sender_t *s = malloc(sizeof *s);
        if (!s) abort();
        *s = (fan_sender_t){.f = f, .i = i};
        go(send_one, s);
    }
    /* Not wg_wait here: the senders are waiting for the caller to receive,
     * and the caller can't until we return. The closer waits instead. */
    go(close_after_senders, f);
    return out;
}

/* ---- Task 4: square_all ---------------------------------------------------- */

typedef struct {
    chan_t *in, *out;
    wg_t wg;
} squarer_t;

static void square_worker(void *arg)
{
    squarer_t *s = arg;
    int v;
    while (chan_recv(s->in, &v)) { /* ends when the caller closes in */
        int sq = v * v;
        chan_send(s->out, &sq);
    }
    /* Not chan_close(s->out): the other workers may still be sending.
     * Not chan_close(s->in): the caller, its sender, closed it. */
    wg_done(&s->wg);
}

static void close_after_workers(void *arg)
{
    squarer_t *s = arg;
    wg_wait(&s->wg);    /* every worker has sent its last square */
    chan_close(s->out); /* so out is ours to close, once */
    free(s);            /* the workers are done with s */
}

chan_t *square_all(chan_t *in, int workers)
{
    squarer_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->in = in;
    s->out = chan_make(sizeof(int), 0);
    chan_t *out = s->out;
    wg_add(&s->wg, workers);
    for (int w = 0; w < workers; w++)
        go(square_worker, s);
    go(close_after_workers, s);
    return out;
}
