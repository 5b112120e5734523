/* RACE: one goroutine locks the mutex around its write, the other doesn't. */
#include <gokata.h>
#include <stdio.h>

static long balance;
static mutex_t mu;
static wg_t wg;

static void careful(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        mutex_lock(&mu);
        balance += 10;
        mutex_unlock(&mu);
    }
    wg_done(&wg);
}

static void careless(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) balance -= 10;
    wg_done(&wg);
}

int main(void)
{
    wg_add(&wg, 2);
    go(careful, NULL);
    go(careless, NULL);
    wg_wait(&wg);
    printf("balance = %ld\n", balance);
    return 0;
}
