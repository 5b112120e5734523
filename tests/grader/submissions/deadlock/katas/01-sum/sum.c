/* Deadlock: sends on an unbuffered channel that nobody receives from. */
#include "gokata.h"
#include "sum.h"

long sum_to(int n)
{
    chan_t *ch = chan_make(sizeof(long), 0);
    long s = (long)n * (n + 1) / 2;
    chan_send(ch, &s); /* blocks forever: no receiver */
    return s;
}
