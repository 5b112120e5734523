/* RACE: two goroutines increment one counter with no synchronization. */
#include <gokata.h>
#include <stdio.h>

static long counter;
static wg_t wg;

static void bump(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) counter++;
    wg_done(&wg);
}

int main(void)
{
    wg_add(&wg, 2);
    go(bump, NULL);
    go(bump, NULL);
    wg_wait(&wg);
    printf("counter = %ld\n", counter);
    return 0;
}
