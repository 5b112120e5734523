/* CLEAN: a value is written, then its pointer sent; only the receiver
 * touches it afterwards (send happens before the receive completes). */
#include <gokata.h>
#include <stdio.h>
#include <stdlib.h>

static chan_t *ch;

static void sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        int *p = malloc(sizeof *p);
        *p = i;
        chan_send(ch, &p);
    }
    chan_close(ch);
}

int main(void)
{
    ch = chan_make(sizeof(int *), 0);
    go(sender, NULL);
    int *p;
    long sum = 0;
    while (chan_recv(ch, &p)) {
        sum += *p;
        *p = -1;
        free(p);
    }
    printf("sum = %ld\n", sum);
    return 0;
}
