/*
 * Starting threads: goroutines and the runtime's helpers.
 *
 * glibc's pthread_create takes a global pthread mutex (ld.so's
 * dl_load_tls_lock, to set up the new thread's TLS), and Helgrind sees it:
 * under Helgrind, every thread that starts a thread is ordered after every
 * thread that started one before. A goroutine that wrote a result and then
 * started a goroutine (or made the first timer) would be ordered before
 * everything started after it, and the learner's race hidden. So under
 * Valgrind every thread is created by one spawner thread, which does nothing
 * else: the lock then only ever passes the spawner's own past along, and
 * the go statement's edge (parent to child) is told to Helgrind explicitly.
 * Outside Valgrind, threads are created directly (TSan does not see that
 * lock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "race.h"
#include "runtime.h"

typedef struct spawnreq {
    void *(*fn)(void *);
    void *arg;
    size_t stack;
    bool detached;
    pthread_t *out;
    const char *what;
    struct spawnreq *next;
} spawnreq_t;

static struct {
    uint32_t lock;
    spawnreq_t *head, *tail;
    uint32_t gen; /* futex */
    uint32_t started;
} spawner;

static void create(spawnreq_t *r)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, r->stack);
    if (r->detached) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int err = pthread_create(r->out ? r->out : &t, &attr, r->fn, r->arg);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "newproc: cannot start %s: %s (%d goroutines alive)", r->what,
                 strerror(err), go_numgoroutine_nocreate());
        gk_fatal(msg);
    }
}

static void *spawnerproc(void *unused)
{
    (void)unused;
    for (;;) {
        uint32_t gen = __atomic_load_n(&spawner.gen, __ATOMIC_ACQUIRE);
        lock(&spawner.lock);
        spawnreq_t *r = spawner.head;
        spawner.head = spawner.tail = NULL;
        unlock(&spawner.lock);
        if (!r) {
            futex_wait(&spawner.gen, gen);
            continue;
        }
        while (r) {
            spawnreq_t *next = r->next;
            create(r);
            rt_free(r, sizeof *r);
            r = next;
        }
    }
    return NULL;
}

static bool use_spawner(void)
{
    return RUNNING_ON_VALGRIND;
}

/* Called once, with the runtime's init lock held, before any other helper. */
void spawner_start(void)
{
    race_untrack(&spawner, sizeof spawner);
    if (!use_spawner() || spawner.started) return;
    spawnreq_t r = {.fn = spawnerproc, .stack = 64 * 1024, .detached = true, .what = "the spawner"};
    create(&r);
    spawner.started = 1;
}

void spawn_thread(void *(*fn)(void *), void *arg, size_t stack, bool detached, pthread_t *out,
                  const char *what)
{
    spawnreq_t req = {fn, arg, stack, detached, out, what, NULL};
    if (!use_spawner() || !__atomic_load_n(&spawner.started, __ATOMIC_ACQUIRE)) {
        create(&req);
        return;
    }
    spawnreq_t *r = malloc(sizeof *r);
    if (!r) gk_fatal("newproc: out of memory");
    race_untrack(r, sizeof *r);
    *r = req;
    lock(&spawner.lock);
    if (spawner.tail)
        spawner.tail->next = r;
    else
        spawner.head = r;
    spawner.tail = r;
    unlock(&spawner.lock);
    __atomic_fetch_add(&spawner.gen, 1, __ATOMIC_RELEASE);
    futex_wake(&spawner.gen, 1);
}

/* After fork() only the forking thread exists: the spawner must be started
 * again on next use. */
void spawner_forget(void)
{
    spawner.lock = 0;
    spawner.head = spawner.tail = NULL;
    spawner.started = 0;
}
