/* Never returns: spins forever. */
#include "sum.h"

long sum_to(int n)
{
    volatile long s = 0;
    for (;;) s += n;
}
