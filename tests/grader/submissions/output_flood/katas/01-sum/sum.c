/* Prints without end: the grader must cap the output (keeping its head). */
#include <stdio.h>
#include "sum.h"

long sum_to(int n)
{
    for (long i = 0;; i++) printf("flood line %ld: sum_to(%d) is thinking\n", i, n);
}
