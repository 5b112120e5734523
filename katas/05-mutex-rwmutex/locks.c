/*
 * Kata 05: Mutexes and RWMutexes. The file you edit.
 *
 * The contract of every function is in locks.h; the lesson in README.md;
 * hints in HINTS.md. Check your work with:  make grade KATA=05
 */
#include <string.h>

#include "kata_todo.h"
#include "locks.h"

/* ---- Task 1: transfer ---------------------------------------------------- */

bool transfer(account_t *from, account_t *to, int64_t amount)
{
    (void)from;
    (void)to;
    (void)amount;
    TODO("transfer: lock both accounts (smaller id first), check, move the money, unlock both");
}

/* ---- Task 2: the read-mostly cache ---------------------------------------- */

bool cache_get(cache_t *c, const char *key, int64_t *value)
{
    (void)c;
    (void)key;
    (void)value;
    TODO("cache_get: find key under the read lock (rwmutex_rlock), count a hit or a miss");
}

bool cache_put(cache_t *c, const char *key, int64_t value)
{
    (void)c;
    (void)key;
    (void)value;
    TODO("cache_put: replace or add key under the write lock (rwmutex_lock)");
}

void cache_range(cache_t *c, cache_visit_t fn, void *arg)
{
    (void)c;
    (void)fn;
    (void)arg;
    TODO("cache_range: call fn on each entry, all under one read lock");
}

/* ---- Task 3: withdraw ------------------------------------------------------ */

/*
 * This one is written, and it works when the money is there. But after a
 * withdrawal is refused, the next operation on that account waits forever
 * (the goroutine dump shows it stuck in sync.Mutex.Lock). Find out why, and
 * fix it so that no future check added here can bring the bug back.
 */
withdraw_result_t withdraw(account_t *a, int64_t amount)
{
    mutex_lock(&a->mu);
    if (amount <= 0) return WITHDRAW_INVALID_AMOUNT;
    if (a->frozen) return WITHDRAW_FROZEN;
    if (a->balance < amount) return WITHDRAW_INSUFFICIENT_FUNDS;
    a->balance -= amount;
    mutex_unlock(&a->mu);
    return WITHDRAW_OK;
}
