/* Correct: two goroutines add the odd and the even numbers; main adds up
 * what they send. */
#include "gokata.h"
#include "sum.h"

typedef struct {
    int n, first;
    chan_t *out;
} job_t;

static void add_every_other(void *arg)
{
    job_t *j = arg;
    long s = 0;
    for (int i = j->first; i <= j->n; i += 2) s += i;
    chan_send(j->out, &s);
}

long sum_to(int n)
{
    chan_t *out = chan_make(sizeof(long), 2);
    job_t odd = {n, 1, out}, even = {n, 2, out};
    go(add_every_other, &odd);
    go(add_every_other, &even);
    long a, b;
    chan_recv(out, &a);
    chan_recv(out, &b);
    chan_free(out);
    return a + b;
}
