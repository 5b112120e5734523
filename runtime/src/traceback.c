/*
 * The goroutine dump, in Go's format:
 *
 *   goroutine 7 [chan receive, 2 minutes]:
 *   worker(...)
 *           katas/02-channels/channels.c:42
 *   created by collect in goroutine 1
 *           katas/02-channels/channels.c:30
 *
 * The top frame is where the goroutine called the runtime (every blocking
 * call passes its file, line and function), so the dump names the learner's
 * line. It is written with write(2) alone and no allocation, because it also
 * runs from the SIGQUIT handler and from a goroutine that is about to die.
 */
#include <string.h>
#include <unistd.h>

#include "runtime.h"

void db_flush(dumpbuf_t *b)
{
    if (b->fd < 0) return;
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = write(b->fd, b->buf + off, b->len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    b->len = 0;
}

void db_str(dumpbuf_t *b, const char *s)
{
    if (!s) s = "?";
    for (; *s; s++) {
        if (b->len + 1 >= b->cap) {
            if (b->fd < 0) break; /* a report buffer: keep the head */
            db_flush(b);
        }
        b->buf[b->len++] = *s;
    }
    if (b->cap) b->buf[b->len < b->cap ? b->len : b->cap - 1] = '\0';
}

void db_long(dumpbuf_t *b, long v)
{
    char tmp[24];
    int i = (int)sizeof tmp - 1;
    tmp[i] = '\0';
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    db_str(b, tmp + i);
}

const char *waitreason_string(waitreason_t r)
{
    switch (r) {
    case WAIT_RUNNING:
        return "running";
    case WAIT_CHAN_SEND:
        return "chan send";
    case WAIT_CHAN_RECV:
        return "chan receive";
    case WAIT_CHAN_SEND_NIL:
        return "chan send (nil chan)";
    case WAIT_CHAN_RECV_NIL:
        return "chan receive (nil chan)";
    case WAIT_SELECT:
        return "select";
    case WAIT_SELECT_NO_CASES:
        return "select (no cases)";
    case WAIT_WAITGROUP:
        return "sync.WaitGroup.Wait";
    case WAIT_MUTEX:
        return "sync.Mutex.Lock";
    case WAIT_RWMUTEX_RLOCK:
        return "sync.RWMutex.RLock";
    case WAIT_RWMUTEX_LOCK:
        return "sync.RWMutex.Lock";
    case WAIT_COND:
        return "sync.Cond.Wait";
    case WAIT_SLEEP:
        return "sleep";
    case WAIT_SYNCTEST_RUN:
        return "synctest.Run";
    case WAIT_SYNCTEST_WAIT:
        return "synctest.Wait";
    case WAIT_EXITED:
        return "exited";
    }
    return "unknown";
}

static void site(dumpbuf_t *b, const char *file, int line)
{
    db_str(b, "\t");
    db_str(b, file);
    db_str(b, ":");
    db_long(b, line);
    db_str(b, "\n");
}

void dump_goroutine(dumpbuf_t *b, G *g, bool current)
{
    waitreason_t r = __atomic_load_n(&g->waitreason, __ATOMIC_RELAXED);
    db_str(b, "goroutine ");
    db_long(b, g->id);
    db_str(b, " [");
    db_str(b, waitreason_string(r));
    if (r != WAIT_RUNNING && r != WAIT_EXITED) {
        long minutes = (long)((nanotime() - g->waitsince) / 60000000000LL);
        if (minutes >= 1) {
            db_str(b, ", ");
            db_long(b, minutes);
            db_str(b, minutes == 1 ? " minute" : " minutes");
        }
    }
    db_str(b, "]:\n");
    if (r == WAIT_RUNNING && !current) {
        db_str(b, g->fn_name);
        db_str(b, "(...)\n\tgoroutine running on other thread; stack unavailable\n");
    } else if (g->file) {
        db_str(b, g->func);
        db_str(b, "(...)\n");
        site(b, g->file, g->line);
    } else {
        db_str(b, g->fn_name);
        db_str(b, "(...)\n");
    }
    if (g->is_goroutine) {
        db_str(b, "created by ");
        db_str(b, g->created_func);
        db_str(b, " in goroutine ");
        db_long(b, g->parent_id);
        db_str(b, "\n");
        site(b, g->created_file, g->created_line);
    }
}

/* The current goroutine first, then the others in id order. When called
 * without sched.lock (a signal handler), it tries the lock briefly and reads
 * the list unlocked if it cannot: the process is about to exit anyway. */
void dump_all(dumpbuf_t *b, G *current, bool locked)
{
    bool took = false;
    if (!locked) {
        for (int i = 0; i < 1000 && !took; i++) {
            uint32_t zero = 0;
            took = __atomic_compare_exchange_n(&sched.lock, &zero, 1, false, __ATOMIC_ACQUIRE,
                                               __ATOMIC_RELAXED);
            if (!took) sched_yield();
        }
    }
    bool first = true;
    if (current) {
        dump_goroutine(b, current, true);
        first = false;
    }
    for (G *g = sched.allg; g; g = g->allnext) {
        if (g == current) continue;
        if (!first) db_str(b, "\n");
        first = false;
        dump_goroutine(b, g, false);
    }
    if (took) unlock(&sched.lock);
}

void go_dump_at(GK_SITE_PARAMS)
{
    G *g = getg();
    setsite(g, gk_file, gk_line, gk_func);
    char buf[1024];
    dumpbuf_t b = {.buf = buf, .cap = sizeof buf, .fd = STDERR_FILENO};
    dump_all(&b, g, false);
    db_flush(&b);
}
