/* CLEAN: values handed over through select cases, both directions. */
#include <gokata.h>
#include <stdio.h>
#include <stdlib.h>

static chan_t *a, *b, *quit;

static void producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        int *p = malloc(sizeof *p);
        *p = i;
        select_case_t cs[] = {select_send(a, &p), select_send(b, &p)};
        chan_select(cs, 2, SELECT_BLOCK);
    }
    chan_close(quit);
}

int main(void)
{
    a = chan_make(sizeof(int *), 0);
    b = chan_make(sizeof(int *), 3);
    quit = chan_make(0, 0);
    go(producer, NULL);
    long sum = 0;
    int n = 0;
    for (;;) {
        int *p = NULL;
        select_case_t cs[] = {select_recv(a, &p), select_recv(b, &p), select_recv(quit, NULL)};
        int k = chan_select(cs, 3, SELECT_BLOCK);
        if (k == 2) break;
        sum += *p;
        free(p);
        n++;
    }
    int *p;
    while (chan_try_recv(b, &p, NULL)) { /* drain what was buffered */
        sum += *p;
        free(p);
        n++;
    }
    printf("n = %d sum = %ld\n", n, sum);
    return n == 200 ? 0 : 1;
}
