/*
 * rt_valgrind (race.h), set before any constructor of the program's own and
 * before main: the runtime's first client request may come from a learner's
 * constructor. Linked in with the first object that uses race.h.
 */
#include <valgrind/valgrind.h>

#include "race.h"

int rt_valgrind;

__attribute__((constructor(101))) static void detect_valgrind(void)
{
    rt_valgrind = RUNNING_ON_VALGRIND ? 1 : 0;
}
