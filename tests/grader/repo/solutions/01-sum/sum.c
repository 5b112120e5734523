/* Four workers each add a quarter of 1..n and send the partial sum. */
#include "gokata.h"
#include "sum.h"

enum { WORKERS = 4 };

typedef struct {
    long from, to;
    chan_t *out;
} part_t;

static void add_part(void *arg)
{
    part_t *p = arg;
    long s = 0;
    for (long i = p->from; i <= p->to; i++) s += i;
    chan_send(p->out, &s);
}

long sum_to(int n)
{
    chan_t *out = chan_make(sizeof(long), 0);
    part_t parts[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        parts[w] = (part_t){.from = (long)n * w / WORKERS + 1, .to = (long)n * (w + 1) / WORKERS,
                            .out = out};
        go(add_part, &parts[w]);
    }
    long total = 0;
    for (int w = 0; w < WORKERS; w++) {
        long s;
        chan_recv(out, &s);
        total += s;
    }
    chan_free(out);
    return total;
}
