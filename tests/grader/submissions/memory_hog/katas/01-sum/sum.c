/* Touches memory without end: the grader's memory bound must stop it. */
#include <stdlib.h>
#include <string.h>
#include "sum.h"

long sum_to(int n)
{
    for (;;) {
        char *p = malloc(64 << 20);
        if (p) memset(p, n, 64 << 20);
    }
}
