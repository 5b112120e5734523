/*
 * leaky-buffer: Effective Go's "leaky buffer", done right. A server
 * handles 1000 requests with 4 workers; each request needs a 4 KiB buffer.
 * Allocating one per request means 1000 allocations (and in Go, 1000
 * objects for the garbage collector to find and free, while the program
 * runs). A free list of idle buffers, a buffered channel, bounds that:
 *
 *   Go:   var freeList = make(chan *Buffer, 8)
 *         func get() *Buffer {
 *             select {
 *             case b := <-freeList: return b     // reuse one
 *             default: return new(Buffer)        // none idle: allocate
 *             }
 *         }
 *         func put(b *Buffer) {
 *             select {
 *             case freeList <- b:                // keep it
 *             default:                           // list full: let the GC have it
 *             }
 *         }
 *
 * Neither get nor put ever waits, and the channel is what makes it safe:
 * the receive that takes a buffer out is ordered after the send that put
 * it back, so a buffer is only ever in one goroutine's hands.
 *
 * Run:  make example KATA=13 NAME=leaky-buffer
 * You will see (the count varies from run to run: it is how many workers
 * happened to hold a buffer at the same time, at most 4):
 *   1000 requests, 4 workers: 2 buffer(s) allocated, 0 freed by put, 2 freed at the end
 *
 * Clean under both detectors (DETECTOR=tsan, DETECTOR=helgrind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"

enum { BUF = 4096, KEEP = 8, WORKERS = 4, REQUESTS = 1000 };

static chan_t *free_list; /* of void *, capacity KEEP */
static atomic64_t allocated, freed_by_put;
static wg_t workers;

static void *get(void)
{
    void *b;
    bool ok;
    if (!chan_try_recv(free_list, &b, &ok)) {
        b = malloc(BUF);
        atomic64_add(&allocated, 1);
    }
    memset(b, 0, BUF); /* the last user's bytes are not ours to see */
    return b;
}

static void put(void *b)
{
    if (!chan_try_send(free_list, &b)) {
        free(b);
        atomic64_add(&freed_by_put, 1);
    }
}

static void worker(void *jobs)
{
    int id;
    while (chan_recv(jobs, &id)) {
        char *b = get();
        snprintf(b, BUF, "response to request %d", id);
        put(b);
    }
    wg_done(&workers);
}

int main(void)
{
    free_list = chan_make(sizeof(void *), KEEP);
    chan_t *jobs = chan_make(sizeof(int), 16);
    wg_add(&workers, WORKERS);
    for (int w = 0; w < WORKERS; w++)
        go(worker, jobs);
    for (int i = 0; i < REQUESTS; i++)
        chan_send(jobs, &i);
    chan_close(jobs);
    wg_wait(&workers); /* every buffer is back (or freed) */
    int left = 0;
    void *b;
    bool ok;
    while (chan_try_recv(free_list, &b, &ok)) {
        free(b);
        left++;
    }
    printf("%d requests, %d workers: %ld buffer(s) allocated, %ld freed by put, %d freed at the "
           "end\n",
           REQUESTS, WORKERS, (long)atomic64_load(&allocated), (long)atomic64_load(&freed_by_put),
           left);
    chan_free(jobs);
    chan_free(free_list);
    return 0;
}
