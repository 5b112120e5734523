/* CLEAN: wg_wait orders the goroutine's write before main's read. */
#include <gokata.h>
#include <stdio.h>

static int result;
static wg_t wg;

static void compute(void *arg)
{
    (void)arg;
    result = 42;
    wg_done(&wg);
}

int main(void)
{
    wg_add(&wg, 1);
    go(compute, NULL);
    wg_wait(&wg);
    printf("result = %d\n", result);
    return 0;
}
