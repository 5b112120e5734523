/*
 * The consumer stops reading: the classic pipeline leak.
 *
 *   Go:   for v := range sq(gen(10)) {
 *             if v > 4 { break }   // "that's all I need"
 *         }
 *
 * gen sends 0, 1, ..., 9 and sq squares them, each stage in a goroutine of
 * its own, joined by unbuffered channels. main wants only the squares up
 * to 4: it takes 0, 1, 4, then 9, and stops reading. Nobody will ever
 * receive sq's next square, so sq waits in chan_send forever; gen's next
 * value is one sq will never ask for, so gen waits in chan_send forever
 * too. Nothing crashes and nothing is reported: main goes on (here it
 * asks the leak checker). In a server that builds a pipeline per request,
 * that is two more stuck goroutines with every request.
 *
 * Run:  make example KATA=09 NAME=consumer-stops-reading
 * You will see:
 *   squares up to 4: 0 1 4
 *   2 goroutines leaked (started since the mark, still alive):
 *
 *   goroutine 2 [chan send]:
 *   gen_loop(...)
 *           katas/09-pipeline/examples/consumer-stops-reading.c:42
 *   created by gen in goroutine 1
 *   ...
 *   goroutine 3 [chan send]:
 *   sq_loop(...)
 *           katas/09-pipeline/examples/consumer-stops-reading.c:63
 *
 * The fix is task 4: every send selects on a done channel too (a
 * context's), and the consumer cancels when it stops: see
 * pipeline-done-right.c.
 */
#include <stdio.h>

#include "gokata.h"

static void gen_loop(void *out)
{
    for (int i = 0; i < 10; i++)
        chan_send(out, &i); /* waits for a reader: main's loop, through sq */
    chan_close(out);
}

static chan_t *gen(void)
{
    chan_t *out = chan_make(sizeof(int), 0);
    go(gen_loop, out);
    return out;
}

typedef struct {
    chan_t *in, *out;
} sq_t;

static void sq_loop(void *arg)
{
    sq_t *s = arg;
    int v;
    while (chan_recv(s->in, &v)) {
        int sq = v * v;
        chan_send(s->out, &sq); /* waits for a reader: main, who has left */
    }
    chan_close(s->out);
}

static chan_t *sq(chan_t *in)
{
    static sq_t s;
    s = (sq_t){.in = in, .out = chan_make(sizeof(int), 0)};
    go(sq_loop, &s);
    return s.out;
}

int main(void)
{
    go_leak_mark_t mark = go_leak_mark();
    chan_t *squares = sq(gen());
    int v;
    printf("squares up to 4:");
    while (chan_recv(squares, &v)) {
        if (v > 4) break; /* that's all we need: stop reading */
        printf(" %d", v);
    }
    printf("\n");
    fflush(stdout);

    static char report[8192];
    if (go_leak_check(mark, report, sizeof report) == 0)
        printf("no goroutine leaked\n");
    else
        printf("%s", report);
    return 0;
}
