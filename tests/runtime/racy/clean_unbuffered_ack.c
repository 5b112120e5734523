/* CLEAN: on an unbuffered channel the receive happens before the send
 * completes, so the receiver's write before receiving is visible to the
 * sender after sending. */
#include <gokata.h>
#include <stdio.h>

static chan_t *ch;
static int reply;

static void receiver(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        reply = i;           /* written before the receive ... */
        chan_recv(ch, NULL); /* ... so the sender may read it once its send completes */
        chan_recv(ch, NULL); /* the sender has read it: write again */
    }
}

int main(void)
{
    ch = chan_make(0, 0);
    go(receiver, NULL);
    long sum = 0;
    for (int i = 0; i < 100; i++) {
        chan_send(ch, NULL);
        sum += reply; /* read after the send completed */
        chan_send(ch, NULL);
    }
    printf("sum = %ld\n", sum);
    return 0;
}
