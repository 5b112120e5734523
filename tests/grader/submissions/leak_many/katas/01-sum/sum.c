/* Right answer, but leaves 60 goroutines blocked forever: their dump is
 * longer than Check's default 4 KiB message limit. */
#include "gokata.h"
#include "sum.h"

static void wait_forever(void *arg)
{
    chan_t *ch = arg;
    long v;
    chan_recv(ch, &v); /* nobody ever sends: leaked */
}

long sum_to(int n)
{
    chan_t *never = chan_make(sizeof(long), 0);
    for (int i = 0; i < 60; i++)
        go(wait_forever, never);
    return (long)n * (n + 1) / 2;
}
