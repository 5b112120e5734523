/*
 * The execution trace: goroutine create/block/unblock/exit, channel
 * send/receive/close and select choices, with timestamps, written as Chrome
 * trace-event JSON (one track per goroutine) for Perfetto or
 * chrome://tracing.
 *
 * Each goroutine records into its own buffer, so tracing orders nothing
 * (a shared buffer under a lock would be a hidden edge). Buffers are listed
 * under trace_lock, which no goroutine takes while recording. When tracing
 * is off, each event costs one predictable branch (the TRACE macro).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "race.h"
#include "runtime.h"

int trace_on;

typedef struct {
    int64_t ts;
    int type;
    uintptr_t arg;
} event_t;

/* lock guards n, cap and ev: the owner appends, go_trace_stop reads. Only
 * the two of them ever take it, so it orders no goroutine with another. */
struct tracebuf {
    uint32_t lock;
    long gid;
    const char *name;
    tracebuf_t *next;
    event_t *ev;
    size_t n, cap;
};

static uint32_t trace_lock;
static tracebuf_t *buffers;
static char *trace_path;
static int64_t trace_start;

static void untrack_globals(void)
{
    race_untrack(&trace_on, sizeof trace_on);
    race_untrack(&buffers, sizeof buffers);
    race_untrack(&trace_path, sizeof trace_path);
    race_untrack(&trace_start, sizeof trace_start);
}

void trace_event(G *g, int type, uintptr_t arg)
{
    if (!g) return;
    tracebuf_t *b = g->trace;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return;
        race_untrack(b, sizeof *b);
        b->gid = g->id;
        b->name = g->fn_name;
        lock(&trace_lock);
        b->next = buffers;
        buffers = b;
        unlock(&trace_lock);
        g->trace = b;
    }
    lock(&b->lock);
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        event_t *ev = rt_realloc(b->ev, sizeof *b->ev * b->cap, sizeof *ev * cap);
        if (!ev) {
            unlock(&b->lock);
            return;
        }
        b->ev = ev;
        b->cap = cap;
    }
    b->ev[b->n++] = (event_t){nanotime(), type, arg};
    unlock(&b->lock);
}

void trace_goexit(G *g)
{
    g->trace = NULL; /* the buffer stays on the list until the trace is written */
}

bool go_trace_start(const char *path)
{
    lock(&trace_lock);
    untrack_globals();
    if (trace_path || !path) {
        unlock(&trace_lock);
        return false;
    }
    trace_path = strdup(path);
    trace_start = nanotime();
    unlock(&trace_lock);
    getg(); /* main becomes goroutine 1 before its first event */
    __atomic_store_n(&trace_on, 1, __ATOMIC_SEQ_CST);
    return true;
}

static double us(int64_t ts)
{
    return (double)(ts - trace_start) / 1000.0;
}

static json_object *event(const char *name, const char *ph, long tid, double ts)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "ph", json_object_new_string(ph));
    json_object_object_add(o, "pid", json_object_new_int(1));
    json_object_object_add(o, "tid", json_object_new_int64(tid));
    json_object_object_add(o, "ts", json_object_new_double(ts));
    return o;
}

static void span(json_object *out, const char *name, const char *cat, long tid, int64_t from,
                 int64_t to)
{
    json_object *o = event(name, "X", tid, us(from));
    json_object_object_add(o, "cat", json_object_new_string(cat));
    json_object_object_add(o, "dur", json_object_new_double((double)(to - from) / 1000.0));
    json_object_array_add(out, o);
}

static void instant(json_object *out, const char *name, long tid, int64_t ts, const char *key,
                    json_object *val)
{
    json_object *o = event(name, "i", tid, us(ts));
    json_object_object_add(o, "s", json_object_new_string("t"));
    json_object *args = json_object_new_object();
    json_object_object_add(args, key, val);
    json_object_object_add(o, "args", args);
    json_object_array_add(out, o);
}

static json_object *chan_name(uintptr_t c)
{
    char s[32];
    snprintf(s, sizeof s, "%#lx", (unsigned long)c);
    return json_object_new_string(s);
}

/* One goroutine's events as spans (running, blocked on X) and instants. */
static void emit(json_object *out, tracebuf_t *b, int64_t end)
{
    char name[160];
    snprintf(name, sizeof name, "goroutine %ld: %s", b->gid, b->name ? b->name : "?");
    json_object *meta = event("thread_name", "M", b->gid, 0);
    json_object *args = json_object_new_object();
    json_object_object_add(args, "name", json_object_new_string(name));
    json_object_object_add(meta, "args", args);
    json_object_array_add(out, meta);

    int64_t since = b->n ? b->ev[0].ts : end;
    const char *blocked_on = NULL; /* NULL while running */
    bool alive = true;
    for (size_t i = 0; i < b->n; i++) {
        event_t *e = &b->ev[i];
        switch (e->type) {
        case EV_BLOCK:
            if (!blocked_on) span(out, "running", "running", b->gid, since, e->ts);
            blocked_on = waitreason_string((waitreason_t)e->arg);
            since = e->ts;
            break;
        case EV_UNBLOCK:
            if (blocked_on) span(out, blocked_on, "blocked", b->gid, since, e->ts);
            blocked_on = NULL;
            since = e->ts;
            break;
        case EV_EXIT:
            span(out, "running", "running", b->gid, since, e->ts);
            alive = false;
            break;
        case EV_CREATE:
            instant(out, "go", b->gid, e->ts, "goroutine", json_object_new_int64((long)e->arg));
            break;
        case EV_SEND:
            instant(out, "chan send", b->gid, e->ts, "chan", chan_name(e->arg));
            break;
        case EV_RECV:
            instant(out, "chan receive", b->gid, e->ts, "chan", chan_name(e->arg));
            break;
        case EV_CLOSE:
            instant(out, "chan close", b->gid, e->ts, "chan", chan_name(e->arg));
            break;
        case EV_SELECT:
            instant(out, "select", b->gid, e->ts, "case", json_object_new_int((int)(long)e->arg));
            break;
        }
    }
    if (alive && b->n)
        span(out, blocked_on ? blocked_on : "running", blocked_on ? "blocked" : "running", b->gid,
             since, end);
}

bool go_trace_stop(void)
{
    if (!__atomic_exchange_n(&trace_on, 0, __ATOMIC_SEQ_CST)) return false;
    int64_t end = nanotime();
    lock(&trace_lock);
    json_object *root = json_object_new_object();
    json_object *events = json_object_new_array();
    for (tracebuf_t *b = buffers; b; b = b->next) {
        lock(&b->lock);
        emit(events, b, end);
        unlock(&b->lock);
    }
    json_object_object_add(root, "traceEvents", events);
    json_object_object_add(root, "displayTimeUnit", json_object_new_string("ns"));
    bool ok = json_object_to_file_ext(trace_path, root, JSON_C_TO_STRING_PLAIN) == 0;
    if (!ok) fprintf(stderr, "gokata: cannot write the trace to %s\n", trace_path);
    json_object_put(root);
    /* Goroutines still alive keep their buffer pointer: leave the buffers
     * allocated (the trace ends here), but forget the path. */
    free(trace_path);
    trace_path = NULL;
    unlock(&trace_lock);
    return ok;
}

static void trace_at_exit(void)
{
    go_trace_stop();
}

void trace_init_from_env(void)
{
    const char *path = getenv("GOKATA_TRACE");
    if (path && *path && go_trace_start(path)) atexit(trace_at_exit);
}

void trace_flush_on_crash(void)
{
    if (__atomic_load_n(&trace_on, __ATOMIC_RELAXED)) go_trace_stop();
}
