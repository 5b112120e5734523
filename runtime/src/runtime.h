/*
 * The runtime's private declarations: goroutines (G), waiting records
 * (sudog), the scheduler counters, and the helpers every file shares.
 *
 * The one rule behind every file here: the runtime's own synchronization is
 * invisible to ThreadSanitizer and Helgrind, and the happens-before edges of
 * Go's memory model are told to them explicitly (race.h). Go's runtime does
 * the same: it is not instrumented, and chan.go calls raceacquire/racerelease
 * where the memory model says an edge exists. A runtime built on visible
 * pthread mutexes would order any two goroutines that touch the same channel
 * or the goroutine registry, and hide the learner's races.
 */
#ifndef GK_RUNTIME_H
#define GK_RUNTIME_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gokata.h"

/* ---- lock.c: the runtime's own lock (a futex word; 0 = unlocked) ---- */
void lock(uint32_t *l);
void unlock(uint32_t *l);
void futex_wait(uint32_t *addr, uint32_t val);
void futex_wake(uint32_t *addr, int n);

/* ---- waiting ---- */

/* Why a goroutine is parked, in the words of Go's goroutine dump. */
typedef enum {
    WAIT_RUNNING = 0,
    WAIT_CHAN_SEND,
    WAIT_CHAN_RECV,
    WAIT_CHAN_SEND_NIL,
    WAIT_CHAN_RECV_NIL,
    WAIT_SELECT,
    WAIT_SELECT_NO_CASES,
    WAIT_WAITGROUP,
    WAIT_MUTEX,
    WAIT_RWMUTEX_RLOCK,
    WAIT_RWMUTEX_LOCK,
    WAIT_COND,
    WAIT_SLEEP,
    WAIT_SYNCTEST_RUN,
    WAIT_SYNCTEST_WAIT,
    WAIT_EXITED,
} waitreason_t;

const char *waitreason_string(waitreason_t r);

typedef struct G G;
typedef struct sudog sudog_t;
typedef struct bubble bubble_t;
typedef struct timer timer_t_;
typedef struct tracebuf tracebuf_t;

/*
 * A sudog is one goroutine waiting in one queue (a channel's sendq or recvq,
 * or a sync object's queue). A select has one per case. Guarded by the lock
 * of the queue it is in; after dequeue, owned by the goroutine that woke g.
 */
struct sudog {
    G *g;
    sudog_t *next, *prev;
    void *elem;     /* channel ops: the value to send, or where to receive */
    struct chan *c; /* channel ops: the channel this sudog waits on */
    int case_index; /* select: which case this is */
    bool is_select;
    bool success; /* channel ops: true if a value passed, false if closed */
    bool retry;   /* woken by a timer's value in the buffer: try again */
    void *anchor; /* buffered channels: this party's past before parking (chan.c) */
};

/* A FIFO of sudogs; the public gk_waitq_t is this plus its lock. */
sudog_t *waitq_dequeue(gk_waitq_t *q);
void waitq_enqueue(gk_waitq_t *q, sudog_t *sg);
void waitq_remove(gk_waitq_t *q, sudog_t *sg);
/* Parks g on q, whose lock_ the caller holds; unlocks it first. */
void waitq_park(gk_waitq_t *q, G *g, waitreason_t reason);
/* Dequeues every waiter (q locked) into a list to pass to ready_all once
 * q is unlocked. */
sudog_t *waitq_dequeue_all(gk_waitq_t *q, int *count);
void ready_all(sudog_t *list);

/*
 * A goroutine. Invariants:
 *  - id, fn, arg, fn_name and the created_* fields never change after go().
 *  - wakeup is "waiting" from before g publishes a sudog until a waker
 *    sets it to "woken" (park.c); only the waker that dequeued g's sudog
 *    (for a select: the one that won select_done) may set it.
 *  - file/line/func are the call site of g's current or last runtime call,
 *    written only by g.
 *  - allnext/allprev and deadnext are guarded by sched.lock.
 * The whole struct is hidden from Helgrind (race_untrack): it is runtime
 * bookkeeping, and its accesses are ordered by the runtime's own locks.
 */
struct G {
    long id;
    long parent_id;
    go_func_t fn;
    void *arg;
    const char *fn_name;
    const char *created_file;
    const char *created_func;
    int created_line;
    int selcap; /* select: how many sudogs selsg holds */

    const char *file;
    int line;
    const char *func;
    uint32_t waitreason; /* waitreason_t, atomic: read by dumps */
    int64_t waitsince;   /* monotonic ns when it parked */

    uint32_t wakeup;      /* futex word, see above */
    uint32_t select_done; /* select: 0 until one case wins */
    sudog_t *param;       /* the sudog that woke g */
    sudog_t sg;           /* the sudog for single-queue waits */
    sudog_t *selsg;       /* select: sudogs, one per case */

    uint64_t rng; /* select's random choice */
    pthread_t thread;

    bubble_t *bubble;      /* go_synctest bubble, or NULL; fixed at creation */
    uint64_t sigmask;      /* its creator's signal mask (signals 1-64), as a thread inherits */
    waitreason_t parking;  /* set by park_prepare, before g is published */
    bool durable;          /* parking counts as durably blocked in g->bubble */
    bool is_goroutine;     /* started by go(); false for main and foreign threads */
    timer_t_ *sleep_timer; /* go_sleep's timer, allocated on first use */
    timer_t_ *afters;      /* time_after timers, freed when g exits */
    tracebuf_t *trace;     /* execution trace events, when tracing */

    G *allnext, *allprev;
    G *deadnext;
};

/* The calling goroutine (registering the thread on first use). */
/* Inline: every runtime call starts with getg and setsite. */
extern __thread G *tls_g;
G *getg_slow(void); /* a thread the runtime has not seen: main, or a foreign one */
static inline G *getg(void)
{
    G *g = tls_g;
    return __builtin_expect(g != NULL, 1) ? g : getg_slow();
}
/* The calling goroutine, or NULL for a thread the runtime does not know
 * (the timer thread, the reaper). */
G *getg_nocreate(void);
static inline void setsite(G *g, GK_SITE_PARAMS)
{
    g->file = gk_file;
    g->line = gk_line;
    g->func = gk_func;
}

/*
 * Parking. gopark spins, then sleeps, until goready; the running count goes
 * down when g goes to sleep and up when a waker wakes a sleeper (the waker
 * counts, not the wakee, so the count never drops to 0 while a wake-up is in
 * flight; see park.c). When it reaches 0, every goroutine is blocked on the
 * runtime: deadlock.
 */
void park_prepare(G *g, waitreason_t reason); /* before publishing g */
bool spin_while(const uint32_t *word, uint32_t val, bool counted);
void procyield(int n); /* n pause instructions */
void park_init(void);
void gopark(G *g);
void goready(G *g);
_Noreturn void park_forever(G *g, waitreason_t reason);
void checkdead(void);

/* ---- scheduler state (goroutine.c) ---- */
struct sched {
    uint32_t lock; /* guards allg, dead list */
    G *allg;       /* every live goroutine, in id order */
    G *alltail;
    long nextid;
    int ngoroutines; /* atomic */
    long running;    /* atomic: live goroutines not parked */
    G *dead;         /* exited, not yet joined */
    uint32_t deadgen;
    uint32_t reaper_started;
    int ncpu; /* cores to spin on (1 under Valgrind: no spinning); set once */
    uint64_t seed; /* GOKATA_SEED, for select's random streams; set once */
};
extern struct sched sched;

int64_t nanotime(void);
void futex_wait_ns(uint32_t *addr, uint32_t val, int64_t ns);
double timeout_scale(void);

/* ---- panic.c ---- */
/* _exit, after flushing coverage counters in a coverage build. */
_Noreturn void gk_exit(int status);
_Noreturn void gk_panic(const char *msg);
_Noreturn void gk_fatal(const char *msg);

/* ---- traceback.c: async-signal-safe dump writer ---- */
typedef struct {
    char *buf;
    size_t len, cap;
    int fd; /* flush to fd when full, or -1 to truncate */
} dumpbuf_t;
void db_str(dumpbuf_t *b, const char *s);
void db_long(dumpbuf_t *b, long v);
void db_flush(dumpbuf_t *b);
void dump_goroutine(dumpbuf_t *b, G *g, bool current);
void dump_all(dumpbuf_t *b, G *current, bool locked);

/* ---- goroutine.c ---- */
/* Starts a goroutine. go_edge: the caller's past happens before it starts
 * (the go statement); false when a timer starts it. */
void newproc(go_func_t fn, void *arg, const char *fn_name, long parent_id, bool go_edge,
             bubble_t *bubble, GK_SITE_PARAMS);

void start_helpers(void);
void run_goroutine(G *g, bool reap); /* on the calling thread, then exit it */
void freeg(G *g);
/* Each goroutine thread's stack: tens of thousands of goroutines must fit in
 * the address space and in max_map_count, and learners' frames are small. */
enum { GOROUTINE_STACK = 256 * 1024 };

/* ---- m.c: threads that run one goroutine after another ---- */
bool m_reuse(void);
void m_run(G *g);
void m_forget(void);
int go_numgoroutine_nocreate(void);

/* ---- spawn.c: every thread the runtime starts ---- */
void spawner_start(void);
void spawner_forget(void);
void spawn_thread(void *(*fn)(void *), void *arg, size_t stack, bool detached, pthread_t *out,
                  const char *what);

/* ---- time.c and synctest.c: clocks, timers, bubbles ---- */
struct bubble {
    long running;       /* bubble goroutines not durably blocked (atomic) */
    long ngoroutines;   /* live bubble goroutines (atomic) */
    int64_t now;        /* virtual time since 2000-01-01, ns; timers.lock */
    G *root;            /* go_synctest's caller, woken when ngoroutines is 0 */
    G *waiter;          /* in go_synctest_wait, or NULL; timers.lock */
    struct theap *heap; /* the bubble's timers; timers.lock */
    long id;
    /* Go's synctest edges: everything a bubble goroutine did before it
     * blocked durably or exited happens before go_synctest_wait returns;
     * everything before it exited, before go_synctest returns. */
    char race_wait, race_exit;
};
int64_t clock_now(bubble_t *b); /* b's virtual clock, or the monotonic one */
void bubble_idle(bubble_t *b);  /* every goroutine of b is durably blocked */
void bubble_exit(G *g);         /* g of a bubble exits */
bool timers_pending(void);      /* a real-time timer could still wake someone */
void timers_goexit(G *g);       /* frees g's time_after timers */
void timers_forget(void);       /* after fork: no timer thread, no timers */

/* ---- trace.c ---- */
extern int trace_on; /* read without a lock: one predictable branch when off */
enum {
    EV_CREATE = 1, /* arg: child id */
    EV_BLOCK,      /* arg: waitreason */
    EV_UNBLOCK,
    EV_EXIT,
    EV_SEND,   /* arg: channel */
    EV_RECV,   /* arg: channel */
    EV_CLOSE,  /* arg: channel */
    EV_SELECT, /* arg: chosen case */
};
void trace_event(G *g, int type, uintptr_t arg);
#define TRACE(g, type, arg)                                                                        \
    do {                                                                                           \
        if (__builtin_expect(__atomic_load_n(&trace_on, __ATOMIC_RELAXED), 0))                     \
            trace_event((g), (type), (uintptr_t)(arg));                                            \
    } while (0)
void trace_goexit(G *g);
void trace_init_from_env(void);
void trace_flush_on_crash(void); /* a panic or deadlock: write what was recorded */

/* ---- rand.c ---- */
uint32_t fastrandn(G *g, uint32_t n);

#endif
