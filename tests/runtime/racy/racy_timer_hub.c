/* RACE: each goroutine waits only on its own timer. The runtime's timer
 * thread fires both: it must not carry one goroutine's past to the other. */
#include <gokata.h>
#include <stdio.h>

static int x;
static wg_t wg;

static void early_writer(void *arg)
{
    (void)arg;
    x = 1;
    chan_recv(time_after(5 * MILLISECOND), NULL);
    wg_done(&wg);
}

static void late_reader(void *arg)
{
    (void)arg;
    chan_recv(time_after(50 * MILLISECOND), NULL);
    printf("x = %d\n", x);
    wg_done(&wg);
}

int main(void)
{
    wg_add(&wg, 2);
    go(early_writer, NULL);
    go(late_reader, NULL);
    wg_wait(&wg);
    return 0;
}
