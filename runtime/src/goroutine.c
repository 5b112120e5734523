/*
 * Goroutines are threads (1:1), so that ThreadSanitizer and Helgrind see a
 * race between two goroutines as a race between two threads.
 *
 * The registry (sched.allg) knows every live goroutine: its id, function,
 * creation site and what it waits on. It feeds go_numgoroutine, the dump,
 * deadlock detection and leak checks. Every goroutine touches it when it
 * starts and exits, so it is guarded by the runtime's invisible lock: a
 * visible one would order a goroutine's exit before everything main does
 * next, and the learner who forgot wg_wait would get no race report.
 *
 * Finished threads are joined by a reaper thread (TSan reports finished,
 * unjoined threads as leaks). pthread_join is an edge both detectors see, so
 * the reaper is a dead end: after joining it touches only runtime memory.
 * It starts on the first go(), never at load time: Check forks a child per
 * test, and TSan cannot start threads in the child of a threaded process.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "race.h"
#include "runtime.h"
#include "timer.h"

struct sched sched;

__thread G *tls_g; /* read inline by getg (runtime.h) */
static pthread_key_t foreign_key;
static uint32_t init_lock;
static uint32_t init_done;
static bool atexit_registered;

int64_t nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double timeout_scale(void)
{
    const char *s = getenv("GOKATA_TIMEOUT_SCALE");
    double v = s ? atof(s) : 1.0;
    return v >= 1.0 ? v : 1.0;
}

static void unlink_g(G *g);

static void foreign_exit(void *p)
{
    G *g = p;
    lock(&sched.lock);
    unlink_g(g);
    unlock(&sched.lock);
    __atomic_fetch_sub(&sched.ngoroutines, 1, __ATOMIC_RELAXED);
    if (__atomic_sub_fetch(&sched.running, 1, __ATOMIC_SEQ_CST) == 0) checkdead();
    /* Not freed: a dump may still be reading it; one G per foreign thread. */
}

void signal_init(void);         /* signal.c */
void signal_start_waiter(void); /* signal.c */

/* After fork() only the forking thread exists in the child (Go has no
 * fork; a kata's test may fork to run a program): forget the goroutines
 * and helper threads that did not come along. */
static void atfork_child(void)
{
    G *g = tls_g;
    sched.lock = 0;
    sched.allg = sched.alltail = g;
    if (g) g->allnext = g->allprev = NULL;
    sched.ngoroutines = g ? 1 : 0;
    sched.running = g ? 1 : 0;
    sched.dead = NULL;
    sched.reaper_started = 0;
    init_lock = 0;
    timers_forget();
    spawner_forget();
    m_forget();
}

static void runtime_init(void)
{
    lock(&init_lock);
    if (!__atomic_load_n(&init_done, __ATOMIC_ACQUIRE)) {
        race_untrack(&sched, sizeof sched);
        race_untrack(&timers, sizeof timers); /* time.c */
        park_init();
        const char *seed = getenv("GOKATA_SEED");
        sched.seed = seed ? strtoull(seed, NULL, 0) : 0;
        pthread_key_create(&foreign_key, foreign_exit);
        pthread_atfork(NULL, NULL, atfork_child);
        signal_init();
        trace_init_from_env();
        __atomic_store_n(&init_done, 1, __ATOMIC_RELEASE);
    }
    unlock(&init_lock);
}

/* Linux signal masks are 64 bits (signals 1 to 64), the first word of
 * glibc's sigset_t (which has room for 1024): a goroutine keeps that word,
 * not 128 bytes. */
static uint64_t sigmask_pack(const sigset_t *set)
{
    return set->__val[0];
}

static void sigmask_unpack(uint64_t m, sigset_t *set)
{
    sigemptyset(set);
    set->__val[0] = m;
}

static G *newg(void)
{
    G *g = calloc(1, sizeof *g);
    if (!g) gk_fatal("out of memory allocating a goroutine");
    race_untrack(g, sizeof *g);
    return g;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Gives g its id and appends it to allg: the list stays in id order, which
 * is the order of the dump. */
static void link_g(G *g)
{
    lock(&sched.lock);
    g->id = ++sched.nextid;
    g->allprev = sched.alltail;
    if (sched.alltail)
        sched.alltail->allnext = g;
    else
        sched.allg = g;
    sched.alltail = g;
    unlock(&sched.lock);
    /* Mixed twice: neighbouring ids and seeds give unrelated streams. */
    g->rng = splitmix64(splitmix64((uint64_t)g->id) ^ sched.seed);
    if (g->rng == 0) g->rng = 1; /* xorshift's one fixed point */
    __atomic_fetch_add(&sched.ngoroutines, 1, __ATOMIC_RELAXED);
}

/* Removes g from allg; sched.lock held. */
static void unlink_g(G *g)
{
    if (g->allprev)
        g->allprev->allnext = g->allnext;
    else
        sched.allg = g->allnext;
    if (g->allnext)
        g->allnext->allprev = g->allprev;
    else
        sched.alltail = g->allprev;
}

/* A thread the runtime did not start (main, or a learner's pthread) becomes
 * a goroutine the first time it calls the runtime. */
static G *register_thread(void)
{
    runtime_init();
    G *g = newg();
    bool is_main = getpid() == gettid();
    g->fn_name = is_main ? "main" : "(thread not started by go)";
    g->thread = pthread_self();
    __atomic_fetch_add(&sched.running, 1, __ATOMIC_SEQ_CST);
    link_g(g);
    tls_g = g;
    if (!is_main) pthread_setspecific(foreign_key, g);
    return g;
}

G *getg_nocreate(void)
{
    return tls_g;
}

G *getg_slow(void)
{
    return register_thread();
}

long go_id(void)
{
    return getg()->id;
}

int go_numgoroutine_nocreate(void)
{
    return __atomic_load_n(&sched.ngoroutines, __ATOMIC_RELAXED);
}

int go_numgoroutine(void)
{
    getg();
    return __atomic_load_n(&sched.ngoroutines, __ATOMIC_RELAXED);
}

void go_yield(void)
{
    sched_yield();
}

void freeg(G *g)
{
    race_forget(g);
    race_forget(&g->sg);
    for (int i = 0; i < g->selcap; i++)
        race_forget(&g->selsg[i]);
    rt_free(g->selsg, sizeof(sudog_t) * (size_t)g->selcap);
    rt_free(g, sizeof *g);
}

/* Joins every exited goroutine on the dead list. */
static void reap(void)
{
    lock(&sched.lock);
    G *dead = sched.dead;
    sched.dead = NULL;
    unlock(&sched.lock);
    while (dead) {
        G *next = dead->deadnext;
        pthread_join(dead->thread, NULL);
        freeg(dead);
        dead = next;
    }
}

static void *reaper(void *unused)
{
    (void)unused;
    for (;;) {
        uint32_t gen = __atomic_load_n(&sched.deadgen, __ATOMIC_ACQUIRE);
        reap();
        futex_wait(&sched.deadgen, gen);
    }
    return NULL;
}

/* At exit, join what the reaper has not yet: a finished thread left unjoined
 * is a "thread leak" to TSan, which checks after this handler runs. */
static void reap_at_exit(void)
{
    reap();
}

/*
 * ThreadSanitizer's own defaults for every program that links the runtime
 * (TSAN_OPTIONS still overrides them). A goroutine can finish after the
 * exit-time reap and before TSan's leak check, and TSan would call its
 * thread "leaked"; goroutine leaks are the runtime's to report, with Go's
 * words (go_leak_check), not a thread's.
 */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "report_thread_leaks=0";
}

/* The runtime's helper threads, started together on the first go() or the
 * first timer, never at load time (see above), in this order: the SIGQUIT
 * waiter first, so that every later thread inherits SIGQUIT blocked; then,
 * under Valgrind, the spawner (spawn.c); then the reaper. */
void start_helpers(void)
{
    if (__atomic_load_n(&sched.reaper_started, __ATOMIC_ACQUIRE)) return;
    lock(&init_lock);
    if (!sched.reaper_started) {
        signal_start_waiter();
        spawner_start();
        spawn_thread(reaper, NULL, 64 * 1024, true, NULL, "the runtime's reaper thread");
        if (!atexit_registered) {
            atexit(reap_at_exit);
            atexit_registered = true;
        }
        __atomic_store_n(&sched.reaper_started, 1, __ATOMIC_RELEASE);
    }
    unlock(&init_lock);
}

/* g's last act. reap: g's thread ends now and the reaper joins it and frees
 * g; otherwise the thread goes on to run other goroutines (m.c) and g is
 * freed here, in g's own context (TSan checks the free against g's
 * allocation, which g's start acquired). */
static void goexit(G *g, bool reap)
{
    TRACE(g, EV_EXIT, 0);
    trace_goexit(g);
    timers_goexit(g);
    __atomic_store_n(&g->waitreason, WAIT_EXITED, __ATOMIC_RELAXED);
    lock(&sched.lock);
    unlink_g(g);
    if (reap) {
        g->deadnext = sched.dead;
        sched.dead = g;
    }
    unlock(&sched.lock);
    __atomic_fetch_sub(&sched.ngoroutines, 1, __ATOMIC_RELAXED);
    if (reap) {
        __atomic_fetch_add(&sched.deadgen, 1, __ATOMIC_RELEASE);
        futex_wake(&sched.deadgen, 1);
    }
    if (g->bubble) bubble_exit(g);
    if (__atomic_sub_fetch(&sched.running, 1, __ATOMIC_SEQ_CST) == 0) checkdead();
    if (!reap) {
        tls_g = NULL;
        freeg(g);
    }
}

void run_goroutine(G *g, bool reap)
{
    sigset_t mask;
    sigmask_unpack(g->sigmask, &mask);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    tls_g = g;
    race_acquire(g); /* the go statement: see newproc */
    TRACE(g, EV_UNBLOCK, 0);
    g->fn(g->arg);
    goexit(g, reap);
}

static void *gostart(void *p)
{
    run_goroutine(p, true);
    return NULL;
}

void AnnotateIgnoreSyncBegin(const char *file, int line) __attribute__((weak));
void AnnotateIgnoreSyncEnd(const char *file, int line) __attribute__((weak));

void newproc(go_func_t fn, void *arg, const char *fn_name, long parent_id, bool go_edge,
             bubble_t *bubble, GK_SITE_PARAMS)
{
    start_helpers();
    G *g = newg();
    g->parent_id = parent_id;
    g->fn = fn;
    g->arg = arg;
    g->fn_name = fn_name;
    g->created_file = gk_file;
    g->created_line = gk_line;
    g->created_func = gk_func;
    g->is_goroutine = true;
    g->bubble = bubble;
    /* A thread inherits its creator's signal mask; a goroutine on a reused
     * thread, or made by the spawner, must get it too (kata 21 blocks
     * signals before it starts goroutines). */
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    g->sigmask = sigmask_pack(&mask);
    /* Counted as running before it exists: nobody may see 0 in between. */
    if (bubble) {
        __atomic_fetch_add(&bubble->ngoroutines, 1, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&bubble->running, 1, __ATOMIC_SEQ_CST);
    }
    __atomic_fetch_add(&sched.running, 1, __ATOMIC_SEQ_CST);
    link_g(g);
    G *parent = getg_nocreate();
    if (parent) TRACE(parent, EV_CREATE, g->id);

    /* The go statement's edge. pthread_create is one both detectors see,
     * but under Valgrind the thread is created by the spawner (spawn.c), so
     * the edge is told explicitly; gostart acquires it. A goroutine started
     * by a timer has no go statement (go_edge false): its edge comes from
     * the time_after_func call (time.c). */
    if (go_edge) race_release(g);
    /* Without a go statement, TSan must not see pthread_create's edge either
     * (in a bubble, the creator is whichever goroutine blocked last). */
    bool quiet = !go_edge && AnnotateIgnoreSyncBegin;
    if (quiet) AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
    if (m_reuse())
        m_run(g); /* on a thread that ran a goroutine before (m.c) */
    else
        spawn_thread(gostart, g, GOROUTINE_STACK, false, &g->thread, fn_name);
    if (quiet) AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}

void go_spawn(go_func_t fn, void *arg, const char *fn_name, GK_SITE_PARAMS)
{
    G *parent = getg();
    setsite(parent, gk_file, gk_line, gk_func);
    if (!fn)
        gk_panic("runtime error: invalid memory address or nil pointer dereference "
                 "(go with a NULL function)");
    /* TSan's "thread created at" stack is its shadow stack, which the
     * uninstrumented runtime does not extend: without this frame the line
     * that called go() would be missing from it. */
    if (__tsan_func_entry) __tsan_func_entry(__builtin_return_address(0));
    newproc(fn, arg, fn_name, parent->id, true, parent->bubble, gk_file, gk_line, gk_func);
    if (__tsan_func_exit) __tsan_func_exit();
}
