/* Takes memory without end: the grader's memory bound must stop it. Each
 * block is touched and kept (linked from a global), so that no compiler can
 * leave the allocation out. */
#include <stdlib.h>
#include <string.h>
#include "sum.h"

void *volatile hoard;

long sum_to(int n)
{
    for (;;) {
        void **block = malloc(64 << 20);
        if (!block) continue;
        memset(block, n, 64 << 20);
        *block = hoard;
        hoard = block;
    }
}
