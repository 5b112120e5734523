/*
 * rt_valgrind (race.h): set by a constructor before main, or on first use
 * if that comes earlier (a program's own constructor of the same priority,
 * linked first, may call the runtime). Linked in with the first object
 * that uses race.h.
 */
#include <valgrind/valgrind.h>

#include "race.h"

int rt_valgrind = -1;

/* Also called lazily: a runtime call may come before this file's
 * constructor (another constructor of priority 101 linked earlier). */
int rt_valgrind_init(void)
{
    int v = RUNNING_ON_VALGRIND ? 1 : 0;
    __atomic_store_n(&rt_valgrind, v, __ATOMIC_RELAXED);
    return v;
}

__attribute__((constructor(101))) static void detect_valgrind(void)
{
    rt_valgrind_init();
}
