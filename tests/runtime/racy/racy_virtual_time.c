/* RACE: in virtual time the two writes happen a second apart, but sleeping
 * orders nothing (Go's race detector agrees): a clock must not hide races. */
#include <gokata.h>
#include <stdio.h>

static int x;

static void write_after(void *arg)
{
    go_sleep((go_duration_t)(long)arg * SECOND);
    x++;
}

static void bubble(void *arg)
{
    (void)arg;
    go(write_after, (void *)1L);
    go(write_after, (void *)2L);
    go_sleep(5 * SECOND);
}

int main(void)
{
    go_synctest(bubble, NULL);
    printf("x = %d\n", x);
    return 0;
}
