/* Right answer, but leaves a goroutine blocked forever on a channel. */
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
    go(wait_forever, never);
    return (long)n * (n + 1) / 2;
}
