/*
 * Kata 05: Mutexes and RWMutexes. The contract: read it, don't edit it.
 * You write locks.c.
 *
 * A small bank, three pieces, each guarded by a lock:
 *   transfer     moves money between two accounts, each with its own Mutex (task 1)
 *   cache_*      a read-mostly cache of exchange rates behind an RWMutex    (task 2)
 *   withdraw     takes money out; every way out of it unlocks               (task 3)
 *
 * The rule for every function here: whatever it returns, it returns with
 * every lock it took unlocked. That is Go's
 *
 *     mu.Lock()
 *     defer mu.Unlock()
 *
 * which C has no word for: you write it yourself on each path out.
 */
#ifndef LOCKS_H
#define LOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "gokata.h"

/* ---- Accounts and transfers (task 1) ------------------------------------ */

/*
 * A bank account. Ready to use when zeroed, but for its id:
 *
 *     account_t a = {.id = 1, .balance = 10000};
 *
 * id is set once, before any goroutine uses the account, and never changes:
 * read it without a lock. Every account has a different id.
 * mu guards balance and frozen: read or write them only while holding mu.
 */
typedef struct {
    int id;
    mutex_t mu;
    int64_t balance; /* in cents; never negative */
    bool frozen;     /* a frozen account refuses withdrawals and transfers */
} account_t;

/*
 * Task 1. Moves amount cents from `from` to `to` in one step: no other
 * goroutine ever sees the money in both accounts, or in neither. Returns
 * true when it moved the money.
 *
 * Refuses, returning false and changing nothing, when
 *   - amount <= 0;
 *   - from == to (it must not lock that account twice: a Mutex is not
 *     reentrant, the second mutex_lock would wait for itself forever);
 *   - either account is frozen;
 *   - from->balance < amount.
 *
 * Holds both accounts' locks while it reads and changes them. Takes them in
 * one fixed order whatever the direction of the money: the smaller id
 * first. (Then a transfer A -> B and a transfer B -> A at the same moment
 * can't each hold one lock and wait for the other forever.) Every path out
 * unlocks both.
 */
bool transfer(account_t *from, account_t *to, int64_t amount);

/* ---- The exchange-rate cache (task 2) ---------------------------------- */

enum {
    CACHE_CAPACITY = 32, /* entries at most */
    CACHE_KEY_SIZE = 16, /* bytes for a key, its final '\0' included */
};

typedef struct {
    char key[CACHE_KEY_SIZE]; /* a NUL-terminated string, e.g. "EUR" */
    int64_t value;            /* e.g. a rate in millionths */
} cache_entry_t;

/*
 * A read-mostly cache: looked up all the time, changed rarely. Ready to
 * use when zeroed:
 *
 *     cache_t rates = {0};
 *
 * mu guards len and entries: read them holding the read lock
 * (rwmutex_rlock: many readers at once) and change them holding the write
 * lock (rwmutex_lock: one writer, no reader). entries[0..len-1] are in use,
 * in the order their keys were first put.
 *
 * hits and misses are counted by readers, who hold only the read lock, at
 * the same time as other readers: a plain int64_t++ there would be a data
 * race, so they are atomics (atomic64_add).
 */
typedef struct {
    rwmutex_t mu;
    int len;
    cache_entry_t entries[CACHE_CAPACITY];
    atomic64_t hits;   /* cache_get calls that found their key */
    atomic64_t misses; /* cache_get calls that did not */
} cache_t;

/*
 * Looks key up under the read lock. Found: stores its value in *value,
 * counts a hit, returns true. Not found: counts a miss, returns false and
 * leaves *value alone. Many cache_get (and cache_range) calls run at the
 * same time: one must never wait for another.
 */
bool cache_get(cache_t *c, const char *key, int64_t *value);

/*
 * Sets key to value under the write lock: replaces the value if key is
 * there, otherwise adds key at the end. Waits until no reader is inside.
 * Returns true when it stored the value; false, changing nothing, when key
 * is too long (CACHE_KEY_SIZE - 1 characters at most) or key is new and
 * the cache already holds CACHE_CAPACITY entries.
 */
bool cache_put(cache_t *c, const char *key, int64_t value);

/*
 * Calls fn(key, value, arg) for each entry in order, stopping early when fn
 * returns false, all under ONE read lock: fn sees one consistent picture of
 * the cache, and no cache_put lands in the middle.
 *
 * fn runs inside the read section, so it must not call cache_put (the
 * writer would wait for this reader to leave: forever), nor any other
 * cache_ function (a second read lock taken while a writer waits is a
 * deadlock too: see the README, "writer preference").
 */
typedef bool (*cache_visit_t)(const char *key, int64_t value, void *arg);
void cache_range(cache_t *c, cache_visit_t fn, void *arg);

/* ---- Withdrawals (task 3) ---------------------------------------------- */

/* What withdraw did. */
typedef enum {
    WITHDRAW_OK = 0,             /* the money was taken out */
    WITHDRAW_INVALID_AMOUNT,     /* amount <= 0 */
    WITHDRAW_FROZEN,             /* the account is frozen */
    WITHDRAW_INSUFFICIENT_FUNDS, /* balance < amount */
} withdraw_result_t;

/*
 * Task 3 (fix it: locks.c has a version with a bug). Takes amount cents out
 * of a, under a->mu. Checks in this order: the amount, frozen, the balance;
 * the first that fails is the answer and nothing changes. Whatever it
 * returns, a->mu is unlocked when it returns.
 */
withdraw_result_t withdraw(account_t *a, int64_t amount);

#endif
