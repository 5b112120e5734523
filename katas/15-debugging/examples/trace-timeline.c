/*
 * trace-timeline: record an execution trace around a small pipeline, then
 * read it back: which goroutine ran, which one waited, on what, how long.
 *
 *   Go:   f, _ := os.Create("trace.out")
 *         trace.Start(f); defer trace.Stop()       // runtime/trace
 *         ...
 *         $ go tool trace trace.out                 // a timeline in the browser
 *
 * gokata writes the trace as Chrome trace-event JSON: go_trace_start(path)
 * ... go_trace_stop() (or GOKATA_TRACE=path for a whole run). Open the file
 * in https://ui.perfetto.dev (or chrome://tracing): one track per goroutine,
 * "running" and "blocked on chan send" (or receive, select, sleep, ...)
 * spans, and instants for go, chan send, chan receive, chan close, select.
 *
 * Here a producer sends 5 items over an unbuffered channel to a consumer
 * that needs 20 ms per item: the producer spends most of its time blocked
 * on chan send. The trace shows it at a glance, and so does this program,
 * which reads the JSON back (with json-c, as the runtime writes it) and
 * adds up each track's spans.
 *
 * Run:  make example KATA=15 NAME=trace-timeline
 *   trace written to /tmp/gokata-15-trace.json: open it in https://ui.perfetto.dev
 *   goroutine 1: main
 *       running                       1 spans       0 ms
 *       blocked on sync.WaitGroup.Wait  1 spans     102 ms
 *       go x2
 *   goroutine 2: produce
 *       running                       6 spans       0 ms
 *       blocked on chan send          5 spans      82 ms
 *       go x0, chan send x5, chan close x1
 *   goroutine 3: consume
 *   ...
 * (the milliseconds vary a little from run to run; the shape does not:
 * the producer waits, the consumer works.)
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"

static wg_t wg;

static void produce(void *arg)
{
    chan_t *items = arg;
    for (int i = 1; i <= 5; i++)
        chan_send(items, &i); /* blocks until the consumer is ready */
    chan_close(items);
    wg_done(&wg);
}

static void consume(void *arg)
{
    chan_t *items = arg;
    int v;
    while (chan_recv(items, &v))
        go_sleep(20 * MILLISECOND); /* the slow stage */
    wg_done(&wg);
}

/* What one track holds: spans by name (count, total time), instants by name. */
typedef struct {
    char name[48];
    int count;
    double us;
} row_t;

typedef struct {
    long tid;
    char name[96]; /* "goroutine 2: produce" */
    row_t span[8], inst[8];
    int nspan, ninst;
} track_t;

static track_t tracks[16];
static int ntracks;

static track_t *track_of(long tid)
{
    for (int i = 0; i < ntracks; i++)
        if (tracks[i].tid == tid) return &tracks[i];
    if (ntracks == 16) return NULL;
    tracks[ntracks].tid = tid;
    return &tracks[ntracks++];
}

static void tally(row_t *rows, int *n, const char *name, double us)
{
    int i = 0;
    while (i < *n && strcmp(rows[i].name, name) != 0)
        i++;
    if (i == *n) {
        if (*n == 8) return;
        snprintf(rows[i].name, sizeof rows[i].name, "%s", name);
        (*n)++;
    }
    rows[i].count++;
    rows[i].us += us;
}

static int by_tid(const void *a, const void *b)
{
    long x = ((const track_t *)a)->tid, y = ((const track_t *)b)->tid;
    return (x > y) - (x < y);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static double num(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static void summarize(const char *path)
{
    json_object *root = json_object_from_file(path), *events;
    if (!root || !json_object_object_get_ex(root, "traceEvents", &events)) {
        printf("cannot read %s\n", path);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        const char *ph = str(e, "ph"), *name = str(e, "name");
        track_t *t = track_of((long)num(e, "tid"));
        if (!t) break;
        if (strcmp(ph, "M") == 0) { /* thread_name: "goroutine 2: produce" */
            json_object *args, *n;
            if (json_object_object_get_ex(e, "args", &args) &&
                json_object_object_get_ex(args, "name", &n))
                snprintf(t->name, sizeof t->name, "%s", json_object_get_string(n));
        } else if (strcmp(ph, "X") == 0) { /* a span: running, or blocked on X */
            char label[48];
            snprintf(label, sizeof label, "%s%s",
                     strcmp(str(e, "cat"), "blocked") == 0 ? "blocked on " : "", name);
            tally(t->span, &t->nspan, label, num(e, "dur"));
        } else if (strcmp(ph, "i") == 0) { /* an instant: go, chan send, ... */
            tally(t->inst, &t->ninst, name, 0);
        }
    }
    qsort(tracks, (size_t)ntracks, sizeof tracks[0], by_tid);
    for (int i = 0; i < ntracks; i++) {
        printf("%s\n", tracks[i].name);
        for (int k = 0; k < tracks[i].nspan; k++)
            printf("    %-30s %2d spans %7.0f ms\n", tracks[i].span[k].name,
                   tracks[i].span[k].count, tracks[i].span[k].us / 1000);
        for (int k = 0; k < tracks[i].ninst; k++)
            printf("%s%s x%d", k ? ", " : "    ", tracks[i].inst[k].name, tracks[i].inst[k].count);
        if (tracks[i].ninst) printf("\n");
    }
    json_object_put(root);
}

int main(void)
{
    const char *path = "/tmp/gokata-15-trace.json";
    go_trace_start(path);
    chan_t *items = chan_make(sizeof(int), 0);
    wg_add(&wg, 2);
    go(produce, items);
    go(consume, items);
    wg_wait(&wg);
    if (!go_trace_stop()) return 1;
    chan_free(items);
    printf("trace written to %s: open it in https://ui.perfetto.dev\n", path);
    summarize(path);
    return 0;
}
