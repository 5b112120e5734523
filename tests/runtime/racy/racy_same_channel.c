/* RACE: two senders on one buffered channel. Sends on the same channel are
 * not ordered with each other in Go: a runtime that guards the channel with
 * a visible mutex would hide this. */
#include <gokata.h>
#include <stdio.h>

static long shared;
static chan_t *ch;
static wg_t wg;

static void first(void *arg)
{
    (void)arg;
    shared = 1;
    int v = 1;
    chan_send(ch, &v);
    wg_done(&wg);
}

static void second(void *arg)
{
    (void)arg;
    while (chan_len(ch) == 0) go_yield(); /* after first's send, but not ordered by it */
    int v = 2;
    chan_send(ch, &v);
    printf("shared = %ld\n", shared);
    wg_done(&wg);
}

int main(void)
{
    ch = chan_make(sizeof(int), 4);
    wg_add(&wg, 2);
    go(first, NULL);
    go(second, NULL);
    wg_wait(&wg);
    chan_free(ch);
    return 0;
}
