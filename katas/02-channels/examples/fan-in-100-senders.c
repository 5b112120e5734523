/*
 * fan-in-100-senders: 100 senders, one receiver, one channel, closed once by
 * the only goroutine that knows the senders are done. This one works.
 *
 *   Go:   bufferChan := make(chan int, 1)
 *         var wg sync.WaitGroup
 *         wg.Add(2)
 *         go func() { // the sender side
 *             var senderWg sync.WaitGroup
 *             for i := 0; i < 100; i++ {
 *                 senderWg.Add(1)
 *                 go func(val int) {
 *                     defer senderWg.Done()
 *                     time.Sleep(10 * time.Millisecond)
 *                     bufferChan <- val
 *                 }(i)
 *             }
 *             senderWg.Wait()
 *             close(bufferChan) // only the sender side closes
 *             wg.Done()
 *         }()
 *         go func() { // the receiver
 *             for val := range bufferChan { fmt.Println(val) }
 *             wg.Done()
 *         }()
 *         wg.Wait()
 *
 * No single sender may close the channel: it cannot know whether the other
 * 99 are done, and a send on a closed channel panics (close-twice.c shows
 * what happens when each one closes). So one more goroutine waits for all
 * 100 on a WaitGroup and closes the channel then. The receiver's range loop
 * ends after the 100th value; main waits for both sides on a second
 * WaitGroup.
 *
 * Run:  make example KATA=02 NAME=fan-in-100-senders
 * You will see (the order of arrival changes from run to run):
 *   first ten values, in order of arrival: 3 0 7 1 12 5 9 2 4 10
 *   received 100 values, each of 0..99 exactly once, sum 4950
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

enum { SENDERS = 100 };

static chan_t *buffer_chan;

typedef struct {
    int val;
    wg_t *sender_wg;
} sender_t;

static void send_one(void *arg)
{
    sender_t *s = arg;
    go_sleep(10 * MILLISECOND);
    chan_send(buffer_chan, &s->val);
    wg_done(s->sender_wg); /* defer senderWg.Done() */
}

/* The sender side: starts the 100 senders, waits for them, closes. */
static void send_all(void *arg)
{
    wg_t *wg = arg;
    static sender_t senders[SENDERS];
    wg_t sender_wg = {0};
    for (int i = 0; i < SENDERS; i++) {
        senders[i] = (sender_t){.val = i, .sender_wg = &sender_wg};
        wg_add(&sender_wg, 1); /* before go: Wait must see every sender */
        go(send_one, &senders[i]);
    }
    wg_wait(&sender_wg);
    chan_close(buffer_chan); /* every send is done: now, and only now */
    wg_done(wg);
}

static int seen[SENDERS], received, sum, first[10];

/* The receiver: ranges until the channel is closed and drained. */
static void receive_all(void *arg)
{
    wg_t *wg = arg;
    int val;
    while (chan_recv(buffer_chan, &val)) { /* for val := range bufferChan */
        if (received < 10) first[received] = val;
        seen[val]++;
        received++;
        sum += val;
    }
    wg_done(wg);
}

int main(void)
{
    buffer_chan = chan_make(sizeof(int), 1);
    wg_t wg = {0};
    wg_add(&wg, 2);
    go(send_all, &wg);
    go(receive_all, &wg);
    wg_wait(&wg); /* the receiver's results are safe to read after this */

    printf("first ten values, in order of arrival:");
    for (int i = 0; i < 10; i++)
        printf(" %d", first[i]);
    int once = 0;
    for (int i = 0; i < SENDERS; i++)
        once += seen[i] == 1;
    printf("\nreceived %d values, %s of 0..%d exactly once, sum %d\n", received,
           once == SENDERS ? "each" : "NOT each", SENDERS - 1, sum);
    chan_free(buffer_chan);
    return 0;
}
