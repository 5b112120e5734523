/*
 * Ms: threads that run one goroutine after another (Go's M, without the P).
 *
 * Creating a thread costs tens of microseconds; starting a goroutine in Go
 * costs well under one. So a thread whose goroutine has returned waits a
 * while (IDLE_NS) for the next one instead of exiting, and go() hands new
 * goroutines to such idle threads first.
 *
 * Reuse must not make two goroutines one identity to a race detector: a
 * thread's later goroutine would be ordered after its earlier one, hiding
 * their race. Helgrind has no notion of fibers; ThreadSanitizer has, but
 * consecutive goroutines of a thread share its stack memory, which TSan
 * then reports as racing (tried: fibers plus remapping the stack cannot
 * cover the frames nearest the top). So threads are reused only when no
 * detector is watching: plain runs, where speed is measured.
 */
#include <stdlib.h>
#include <valgrind/valgrind.h>

#include "race.h"
#include "runtime.h"

void __tsan_acquire(void *addr) __attribute__((weak)); /* present: running under TSan */

/* Idle threads wait this long for a goroutine, then exit; at most MAX_IDLE
 * wait at once. */
enum { MAX_IDLE = 256 };
static const int64_t IDLE_NS = 2000000000;

typedef struct m {
    uint32_t work; /* futex: 1 once g is set */
    G *g;
    struct m *next; /* in the idle list; mpool.lock */
} m_t;

static struct {
    uint32_t lock;
    m_t *idle;
    int nidle;
} mpool;

bool m_reuse(void)
{
    return !RUNNING_ON_VALGRIND && !__tsan_acquire;
}

/* Waits to be given a goroutine; false if none came in time (m is then off
 * the idle list and the thread should exit). */
static bool wait_for_work(m_t *m)
{
    int64_t deadline = nanotime() + IDLE_NS;
    while (__atomic_load_n(&m->work, __ATOMIC_ACQUIRE) == 0) {
        int64_t left = deadline - nanotime();
        if (left > 0) {
            if (!spin_while(&m->work, 0, false)) futex_wait_ns(&m->work, 0, left);
            continue;
        }
        lock(&mpool.lock);
        bool taken = __atomic_load_n(&m->work, __ATOMIC_ACQUIRE) != 0;
        if (!taken) { /* still idle: leave the list, and the thread exits */
            m_t **p = &mpool.idle;
            while (*p && *p != m)
                p = &(*p)->next;
            if (*p) {
                *p = m->next;
                mpool.nidle--;
            }
        }
        unlock(&mpool.lock);
        return taken;
    }
    return true;
}

static void *mstart(void *arg)
{
    m_t *m = arg;
    for (;;) {
        run_goroutine(m->g, false);
        lock(&mpool.lock);
        bool keep = mpool.nidle < MAX_IDLE;
        if (keep) {
            m->g = NULL;
            __atomic_store_n(&m->work, 0, __ATOMIC_RELAXED);
            m->next = mpool.idle;
            mpool.idle = m;
            mpool.nidle++;
        }
        unlock(&mpool.lock);
        if (!keep || !wait_for_work(m)) break;
    }
    rt_free(m, sizeof *m);
    return NULL;
}

void m_run(G *g)
{
    lock(&mpool.lock);
    m_t *m = mpool.idle;
    if (m) {
        /* Under the lock: an M whose wait times out checks its work word
         * under it too, so it either sees this goroutine or is not here. */
        mpool.idle = m->next;
        mpool.nidle--;
        m->g = g;
        __atomic_store_n(&m->work, 1, __ATOMIC_RELEASE);
    }
    unlock(&mpool.lock);
    if (m) {
        futex_wake(&m->work, 1);
        return;
    }
    m = calloc(1, sizeof *m);
    if (!m) gk_fatal("newproc: out of memory");
    race_untrack(m, sizeof *m);
    m->g = g;
    spawn_thread(mstart, m, GOROUTINE_STACK, true, NULL, g->fn_name);
}

void m_forget(void)
{
    mpool.lock = 0;
    mpool.idle = NULL;
    mpool.nidle = 0;
}
