/*
 * send-then-touch: the sender sends a pointer, then writes to the object
 * ("just setting the timestamp"). Sending a pointer hands the object over:
 * from the send on, the receiver may read it, change it or free it, and the
 * sender's write races with it. The channel orders everything the sender
 * did *before* the send before the receive; nothing orders what it does
 * after.
 *
 *   Go:   m := &msg{seq: i}
 *         out <- m
 *         m.sentAt = time.Now()   // DATA RACE: m is the receiver's now
 *
 * Run:  make example KATA=13 NAME=send-then-touch
 * You will see the program run to the end, with nothing to see, or
 * something odd (the count varies from run to run):
 *   received 5 messages, 2 of them without their timestamp yet
 *
 * Run:  make example KATA=13 NAME=send-then-touch DETECTOR=tsan
 * You will see, among the report's lines:
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 8 at 0x... by main thread:
 *       #0 main katas/13-memory/examples/send-then-touch.c:60
 *     Previous write of size 8 at 0x... by thread T3:
 *       #0 producer katas/13-memory/examples/send-then-touch.c:48
 *   (or the same two accesses the other way round)
 *
 * DETECTOR=helgrind reports it too ("Possible data race during write of
 * size 8 ... by thread #2"). The fix: set every field before the send; the
 * send is the last line that touches m.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gokata.h"

typedef struct {
    int seq;
    go_time_t sent_at;
} msg_t;

static void producer(void *out)
{
    for (int i = 0; i < 5; i++) {
        msg_t *m = malloc(sizeof *m);
        m->seq = i;
        m->sent_at = 0;
        chan_send(out, &m);      /* m is the receiver's from here on ... */
        m->sent_at = time_now(); /* ... so this write races with it */
    }
    chan_close(out);
}

int main(void)
{
    chan_t *ch = chan_make(sizeof(msg_t *), 0);
    go(producer, ch);
    msg_t *m;
    int n = 0, unstamped = 0;
    while (chan_recv(ch, &m)) {
        if (m->sent_at == 0) unstamped++; /* the receiver reads what it now owns */
        n++;
    }
    printf("received %d messages, %d of them without their timestamp yet\n", n, unstamped);
    go_wait_idle();
    chan_free(ch);
    return 0; /* (the messages leak: this example is about the race) */
}
