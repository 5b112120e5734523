/* RACE: main reads a result written by a goroutine that has already
 * finished, but main never waited for it (no wg_wait, no channel). Only a
 * runtime that adds no hidden edge (registry, reaper, counters) lets the
 * detectors see it.
 *
 * (Starting another goroutine here instead would make gcc 12's TSan miss
 * the race in a few percent of runs, with its exit-time sleep off: a
 * TSan limitation, measured, that Helgrind does not share.) */
#include <gokata.h>
#include <stdio.h>

static int result;

static void compute(void *arg)
{
    (void)arg;
    result = 42;
}

int main(void)
{
    go(compute, NULL);
    while (go_numgoroutine() > 1) go_yield(); /* observes, orders nothing */
    go_leak_mark(); /* the registry's lock is taken again in between */
    printf("result = %d\n", result);
    return 0;
}
