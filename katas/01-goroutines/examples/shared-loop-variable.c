/*
 * shared-loop-variable: every goroutine gets &i, the address of the one
 * loop variable, and reads it after the loop has moved on.
 *
 *   Go (before 1.22):  for i := 0; i < 5; i++ {
 *                          go func() { fmt.Println("goroutine got", i) }() // one i, shared
 *                      }
 *
 * Before Go 1.22 a for loop had one variable i for all its iterations, and
 * this printed "5" five times as often as not; Go 1.22 gave each iteration
 * its own i. C never will: &i is one variable, which the loop keeps changing
 * while the goroutines read it. That is a data race, and the values each
 * goroutine sees are whatever i happened to be. Fix: give each goroutine its
 * own copy (pass the value, or a pointer to an element of an array with one
 * slot per goroutine that lives until they are done).
 *
 * Run:  make example KATA=01 NAME=shared-loop-variable
 * You will see five lines, different each run, with repeats and gaps, e.g.:
 *   goroutine got 1
 *   goroutine got 1
 *   goroutine got 5
 *   goroutine got 5
 *   goroutine got 5
 *
 * Run:  make example KATA=01 NAME=shared-loop-variable DETECTOR=tsan
 * You will see, among the report's lines:
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 4 at 0x... by thread T...:
 *       #0 print_it katas/01-goroutines/examples/shared-loop-variable.c:42
 *     Previous write of size 4 at 0x... by main thread:
 *       #0 main katas/01-goroutines/examples/shared-loop-variable.c:50
 */
#include <stdio.h>

#include "gokata.h"

static wg_t wg;

static void print_it(void *arg)
{
    int *i = arg;
    printf("goroutine got %d\n", *i); /* reads main's i, whatever it is by now */
    wg_done(&wg);
}

int main(void)
{
    int i; /* one variable for the whole loop, as in Go before 1.22 */
    wg_add(&wg, 5);
    for (i = 0; i < 5; i++)
        go(print_it, &i); /* &i: the same address five times */
    wg_wait(&wg);         /* keeps i alive until they are done; the race is what they read */
    return 0;
}
