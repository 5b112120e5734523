/* Sleeps for an hour. */
#include <unistd.h>
#include "sum.h"

long sum_to(int n)
{
    sleep(3600);
    return (long)n * (n + 1) / 2;
}
