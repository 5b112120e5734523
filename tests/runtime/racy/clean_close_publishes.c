/* CLEAN: close happens before a receive that sees it; RWMutex, Once and
 * atomics each order what they promise. */
#include <gokata.h>
#include <stdio.h>

static chan_t *done;
static int config;
static rwmutex_t rw;
static int table[4];
static once_t once;
static int lazy;
static atomicbool_t ready;
static int payload;
static wg_t wg;

static void init_lazy(void *arg)
{
    (void)arg;
    lazy = 7;
}

static void reader(void *arg)
{
    (void)arg;
    chan_recv(done, NULL); /* sees the close */
    int c = config;
    rwmutex_rlock(&rw);
    int t = table[0];
    rwmutex_runlock(&rw);
    once_do(&once, init_lazy, NULL);
    int l = lazy;
    while (!atomicbool_load(&ready)) go_yield();
    int p = payload;
    if (c + t + l + p < 0) printf("impossible\n");
    wg_done(&wg);
}

int main(void)
{
    done = chan_make(0, 0);
    wg_add(&wg, 4);
    for (int i = 0; i < 4; i++) go(reader, NULL);
    config = 1;
    rwmutex_lock(&rw);
    table[0] = 2;
    rwmutex_unlock(&rw);
    chan_close(done);
    payload = 3;
    atomicbool_store(&ready, true);
    wg_wait(&wg);
    printf("ok\n");
    chan_free(done);
    return 0;
}
