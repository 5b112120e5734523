/*
 * shared-heap-race: the heap touched by two goroutines. A "receiver"
 * goroutine pushes the jobs the producer sends while the main goroutine pops
 * them for the worker: no lock, so the heap's array and its count are written
 * by one thread and read by the other at the same time. A binary heap is
 * never safe for that: a push in the middle of its sift-up and a pop in the
 * middle of its sift-down leave it in pieces (jobs lost, jobs twice).
 *
 *   Go:   go func() { for j := range in { heap.Push(h, j) } }()
 *         for h.Len() > 0 { out <- heap.Pop(h).(job) }      // races with the Push
 *
 * The fix is the kata's dispatcher: ONE goroutine owns the heap and does
 * both, with a select over the receive from in and the send on out
 * (good-dispatcher.c). Or, if the heap must be shared, a mutex around every
 * use of it, and then a way to wait for "not empty" (a cond): more code for
 * the same result.
 *
 * Run:  make example KATA=17 NAME=shared-heap-race DETECTOR=tsan
 * You will see (lines vary):
 *   WARNING: ThreadSanitizer: data race ...
 *     Write of size 4 ... pq_push priority.h ...
 *     Previous read of size 4 ... main ... shared-heap-race.c ...
 * and under DETECTOR=helgrind "Possible data race during write of size 4"
 * at the same lines. Without a detector it may even seem to work:
 *   popped 200 of 200 jobs; foreign uses of the heap: 200
 * (the heap's own watch counts the pops from a goroutine that is not its owner).
 */
#include <stdio.h>

#include "priority.h"

pq_watch_t pq_watch;

static pq_t *heap;
static chan_t *in;

static void receiver(void *arg)
{
    (void)arg;
    long seq = 0;
    job_t j;
    while (chan_recv(in, &j))
        pq_push(heap, (pq_item_t){.job = j, .rank = -j.prio, .seq = seq++}); /* RACE */
}

static void producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        job_t j = {.id = i, .prio = i % 10};
        chan_send(in, &j);
    }
    chan_close(in);
}

int main(void)
{
    heap = pq_new();
    in = chan_make(sizeof(job_t), 0);
    go(producer, NULL);
    go(receiver, NULL);
    int popped = 0;
    for (int spins = 0; popped < 200 && spins < 2000000; spins++) {
        if (heap->n > 0) { /* RACE: read while the receiver pushes */
            pq_pop(heap);
            popped++;
        } else {
            go_yield();
        }
    }
    printf("popped %d of 200 jobs; foreign uses of the heap: %ld\n", popped,
           __atomic_load_n(&pq_watch.foreign_uses, __ATOMIC_RELAXED));
    return 0;
}
