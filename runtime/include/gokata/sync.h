/*
 * Go's sync package. Every type is ready to use when zeroed, as in Go:
 * `static mutex_t mu;` or `wg_t wg = {0};` needs no init call. Don't copy one
 * after first use (Go's vet says the same).
 *
 *   Go                         gokata
 *   var wg sync.WaitGroup      wg_t wg = {0};
 *   wg.Add(n); wg.Done()       wg_add(&wg, n); wg_done(&wg);
 *   wg.Wait()                  wg_wait(&wg);
 *   var mu sync.Mutex          mutex_t mu = {0};
 *   mu.Lock(); mu.Unlock()     mutex_lock(&mu); mutex_unlock(&mu);
 *   mu.TryLock()               mutex_trylock(&mu)
 *   var rw sync.RWMutex        rwmutex_t rw = {0};
 *   rw.RLock(); rw.RUnlock()   rwmutex_rlock(&rw); rwmutex_runlock(&rw);
 *   rw.Lock(); rw.Unlock()     rwmutex_lock(&rw); rwmutex_unlock(&rw);
 *   var once sync.Once         once_t once = {0};
 *   once.Do(f)                 once_do(&once, f, arg);
 *   c := sync.NewCond(&mu)     cond_t c = COND_INIT(&mu);
 *   c.Wait(); c.Signal()       cond_wait(&c); cond_signal(&c); cond_broadcast(&c);
 */
#ifndef GOKATA_SYNC_H
#define GOKATA_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include "site.h"

/* Runtime-private: a lock word and a FIFO of parked goroutines. */
typedef struct {
    uint32_t lock_;
    void *head_, *tail_;
} gk_waitq_t;

typedef struct {
    int64_t count_;
    gk_waitq_t q_;
} wg_t;

typedef struct {
    int32_t state_; /* runtime-private, as Go's: locked, woken, starving, waiters */
    uint32_t sema_;
    gk_waitq_t q_;
} mutex_t;

typedef struct {
    int readers_;         /* readers holding the lock */
    int writer_;          /* 1 while a writer holds it */
    int writers_waiting_; /* writers queued: new readers wait behind them */
    gk_waitq_t rq_, wq_;
    char rsem_, wsem_; /* happens-before anchors: reader unlocks, writer unlocks */
} rwmutex_t;

typedef struct {
    uint32_t done_;
    mutex_t m_;
} once_t;

typedef struct {
    mutex_t *L; /* held while observing or changing the condition */
    gk_waitq_t q_;
} cond_t;

#define COND_INIT(mu) ((cond_t){.L = (mu)})

/* WaitGroup: Add before starting the goroutine, Done when it finishes, Wait
 * for the counter to reach zero. A negative counter panics, as in Go. */
#define wg_add(wg, delta) wg_add_at((wg), (delta), GK_HERE)
#define wg_done(wg)       wg_add_at((wg), -1, GK_HERE)
#define wg_wait(wg)       wg_wait_at((wg), GK_HERE)
void wg_add_at(wg_t *wg, int delta, GK_SITE_PARAMS);
void wg_wait_at(wg_t *wg, GK_SITE_PARAMS);

#define mutex_lock(mu)    mutex_lock_at((mu), GK_HERE)
#define mutex_unlock(mu)  mutex_unlock_at((mu), GK_HERE)
#define mutex_trylock(mu) mutex_trylock_at((mu), GK_HERE)
void mutex_lock_at(mutex_t *mu, GK_SITE_PARAMS);
void mutex_unlock_at(mutex_t *mu, GK_SITE_PARAMS);
bool mutex_trylock_at(mutex_t *mu, GK_SITE_PARAMS);

/* Writer-preferring, as Go's: once a writer waits, new readers wait too. */
#define rwmutex_rlock(rw)    rwmutex_rlock_at((rw), GK_HERE)
#define rwmutex_runlock(rw)  rwmutex_runlock_at((rw), GK_HERE)
#define rwmutex_lock(rw)     rwmutex_lock_at((rw), GK_HERE)
#define rwmutex_unlock(rw)   rwmutex_unlock_at((rw), GK_HERE)
#define rwmutex_tryrlock(rw) rwmutex_tryrlock_at((rw), GK_HERE)
#define rwmutex_trylock(rw)  rwmutex_trylock_at((rw), GK_HERE)
void rwmutex_rlock_at(rwmutex_t *rw, GK_SITE_PARAMS);
void rwmutex_runlock_at(rwmutex_t *rw, GK_SITE_PARAMS);
void rwmutex_lock_at(rwmutex_t *rw, GK_SITE_PARAMS);
void rwmutex_unlock_at(rwmutex_t *rw, GK_SITE_PARAMS);
bool rwmutex_tryrlock_at(rwmutex_t *rw, GK_SITE_PARAMS);
bool rwmutex_trylock_at(rwmutex_t *rw, GK_SITE_PARAMS);

/* fn(arg) runs once, whoever calls first; every once_do returns after it. */
#define once_do(once, fn, arg) once_do_at((once), (fn), (arg), GK_HERE)
void once_do_at(once_t *once, void (*fn)(void *), void *arg, GK_SITE_PARAMS);

/* cond_wait: c->L must be held; it is released while waiting and held again
 * on return. Wait in a loop that re-checks the condition, as in Go. */
#define cond_wait(c)      cond_wait_at((c), GK_HERE)
#define cond_signal(c)    cond_signal_at((c), GK_HERE)
#define cond_broadcast(c) cond_broadcast_at((c), GK_HERE)
void cond_wait_at(cond_t *c, GK_SITE_PARAMS);
void cond_signal_at(cond_t *c, GK_SITE_PARAMS);
void cond_broadcast_at(cond_t *c, GK_SITE_PARAMS);

#endif
