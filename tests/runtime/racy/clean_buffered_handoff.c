/* CLEAN: values written, then their pointers sent through a buffered
 * channel of capacity 1, by a plain send and by a select, so that senders
 * often park on a full buffer and the receiver on an empty one: every
 * direct handoff, and every value moved into the buffer from a parked
 * sender, still orders the send before the receive. */
#include <gokata.h>
#include <stdio.h>
#include <stdlib.h>

static chan_t *ch, *other;

static void producer(void *arg)
{
    long by_select = (long)arg;
    for (int i = 0; i < 300; i++) {
        int *p = malloc(sizeof *p);
        *p = i;
        if (by_select) {
            select_case_t cs[] = {select_send(ch, &p), select_send(other, &p)};
            chan_select(cs, 2, SELECT_BLOCK);
        } else {
            chan_send(ch, &p);
        }
    }
}

int main(void)
{
    ch = chan_make(sizeof(int *), 1);
    other = chan_make(sizeof(int *), 2);
    go(producer, (void *)0L);
    go(producer, (void *)1L);
    long sum = 0;
    for (int n = 0; n < 600; n++) {
        int *p = NULL;
        select_case_t cs[] = {select_recv(ch, &p), select_recv(other, &p)};
        if (n % 2)
            chan_select(cs, 2, SELECT_BLOCK);
        else if (!chan_try_recv(ch, &p, NULL))
            chan_select(cs, 2, SELECT_BLOCK);
        sum += *p;
        *p = -1;
        free(p);
        if (n % 7 == 0) go_yield(); /* let a producer park on a full buffer */
    }
    printf("sum = %ld\n", sum);
    return sum == 2 * 44850 ? 0 : 1;
}
