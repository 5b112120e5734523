/* CLEAN: go_synctest_wait orders what the other bubble goroutines did
 * before blocking; go_synctest's return orders everything they did. */
#include <gokata.h>
#include <stdio.h>

static int x, y;
static chan_t *block;

static void worker(void *arg)
{
    (void)arg;
    x = 1;
    chan_recv(block, NULL);
    y = 2;
}

static void bubble(void *arg)
{
    (void)arg;
    block = chan_make(0, 0);
    go(worker, NULL);
    go_synctest_wait();
    printf("x = %d\n", x);
    chan_close(block);
}

int main(void)
{
    go_synctest(bubble, NULL);
    printf("y = %d\n", y);
    chan_free(block);
    return 0;
}
