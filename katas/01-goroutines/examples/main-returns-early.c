/*
 * main-returns-early: when main returns, the program ends, and every
 * goroutine still running ends with it, mid-work, without a word.
 *
 *   Go:   func main() {
 *             for i := 1; i <= 3; i++ {
 *                 go func() { time.Sleep(10 * time.Millisecond); fmt.Println("goroutine", i,
 * "done") }()
 *             }
 *             fmt.Println("main: started 3 goroutines, returning")
 *         }
 *
 * go() starts a goroutine and returns at once; it does not wait for it. Here
 * main returns (which calls exit(), which ends every thread of the process)
 * while the goroutines are still busy, so their lines are never printed.
 * Nobody reports anything: the work is simply lost. Fix: wait for them
 * (wait-for-them.c).
 *
 * Run:  make example KATA=01 NAME=main-returns-early
 * You will see:
 *   main: started 3 goroutines, returning
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

static void work_then_report(void *arg)
{
    long id = (long)arg;
    go_sleep(10 * MILLISECOND); /* stands for real work */
    printf("goroutine %ld done\n", id);
}

int main(void)
{
    for (long i = 1; i <= 3; i++)
        go(work_then_report, (void *)i);
    printf("main: started 3 goroutines, returning\n");
    return 0; /* ends the process: the goroutines never get to print */
}
