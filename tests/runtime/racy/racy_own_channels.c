/* RACE: each goroutine uses only its own channel and its own WaitGroup, and
 * both write one global. Nothing orders the two goroutines. */
#include <gokata.h>
#include <stdio.h>

static long shared;

typedef struct {
    chan_t *ch;
    wg_t wg;
} own_t;

static void worker(void *arg)
{
    own_t *o = arg;
    shared++;
    int v = 1;
    chan_send(o->ch, &v);
    wg_done(&o->wg);
}

int main(void)
{
    own_t a = {chan_make(sizeof(int), 1), {0}}, b = {chan_make(sizeof(int), 1), {0}};
    wg_add(&a.wg, 1);
    wg_add(&b.wg, 1);
    go(worker, &a);
    go(worker, &b);
    int v;
    chan_recv(a.ch, &v);
    chan_recv(b.ch, &v);
    wg_wait(&a.wg);
    wg_wait(&b.wg);
    printf("shared = %ld\n", shared);
    chan_free(a.ch);
    chan_free(b.ch);
    return 0;
}
