/* RACE: the sender keeps writing to a value after sending its pointer. */
#include <gokata.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int n;
} msg_t;

static chan_t *ch;
static wg_t wg;

static void sender(void *arg)
{
    (void)arg;
    msg_t *m = malloc(sizeof *m);
    m->n = 1;
    chan_send(ch, &m);
    m->n = 2; /* the receiver may be reading it now */
    wg_done(&wg);
}

int main(void)
{
    ch = chan_make(sizeof(msg_t *), 0);
    wg_add(&wg, 1);
    go(sender, NULL);
    msg_t *m;
    chan_recv(ch, &m);
    printf("n = %d\n", m->n);
    wg_wait(&wg);
    free(m);
    chan_free(ch);
    return 0;
}
