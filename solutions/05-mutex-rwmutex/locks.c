/*
 * Kata 05, the reference solution.
 *
 * Every function has one way out: the checks set a result and jump to the
 * unlock (or fall through to it), so "every path unlocks" is true by the
 * shape of the code, not by remembering an unlock before each return. That
 * is what Go's defer gives for free.
 */
#include <string.h>

#include "locks.h"

/* ---- Task 1: transfer ---------------------------------------------------- */

bool transfer(account_t *from, account_t *to, int64_t amount)
{
    /* Checked before locking: these need no shared state (id never changes),
     * and from == to must be refused before we lock one mutex twice. */
    if (amount <= 0 || from == to) return false;

    /* One global order, whatever the direction of the money: the smaller id
     * first. If A -> B locked A then B while B -> A locked B then A, each
     * could hold one lock and wait for the other forever. */
    account_t *first = from->id < to->id ? from : to;
    account_t *second = first == from ? to : from;
    mutex_lock(&first->mu);
    mutex_lock(&second->mu);

    /* Both locks held: read, decide and write as one step. Checking the
     * balance before locking and moving the money after would let two
     * transfers both see enough money and overdraw the account. */
    bool ok = !from->frozen && !to->frozen && from->balance >= amount;
    if (ok) {
        from->balance -= amount;
        to->balance += amount;
    }

    /* Unlock order does not matter for deadlock; the reverse order is the
     * habit (it mirrors two stacked defers). */
    mutex_unlock(&second->mu);
    mutex_unlock(&first->mu);
    return ok;
}

/* ---- Task 2: the read-mostly cache ---------------------------------------- */

/* The entry holding key, or NULL. The caller holds c->mu (read or write). */
static cache_entry_t *find(cache_t *c, const char *key)
{
    for (int i = 0; i < c->len; i++)
        if (strcmp(c->entries[i].key, key) == 0) return &c->entries[i];
    return NULL;
}

bool cache_get(cache_t *c, const char *key, int64_t *value)
{
    /* A read lock: any number of cache_get run inside at once; only a
     * cache_put excludes them. */
    rwmutex_rlock(&c->mu);
    cache_entry_t *e = find(c, key);
    if (e) *value = e->value; /* copy out while the lock still guards it */
    rwmutex_runlock(&c->mu);

    /* Other readers count at the same moment: an atomic add, not ++.
     * (Outside the lock: the counters need no lock at all.) */
    atomic64_add(e ? &c->hits : &c->misses, 1);
    return e != NULL;
}

bool cache_put(cache_t *c, const char *key, int64_t value)
{
    if (strlen(key) >= CACHE_KEY_SIZE) return false; /* checked before locking */

    bool ok = true;
    /* The write lock waits until every reader has left, and keeps new ones
     * out while we change entries. */
    rwmutex_lock(&c->mu);
    cache_entry_t *e = find(c, key);
    if (e) {
        e->value = value;
    } else if (c->len < CACHE_CAPACITY) {
        e = &c->entries[c->len++];
        strcpy(e->key, key); /* fits: checked above */
        e->value = value;
    } else {
        ok = false; /* full */
    }
    rwmutex_unlock(&c->mu);
    return ok;
}

void cache_range(cache_t *c, cache_visit_t fn, void *arg)
{
    /* One read lock around the whole walk: fn sees one version of the
     * cache. Taking the lock per entry would let a cache_put land between
     * two calls of fn. */
    rwmutex_rlock(&c->mu);
    for (int i = 0; i < c->len; i++)
        if (!fn(c->entries[i].key, c->entries[i].value, arg)) break;
    rwmutex_runlock(&c->mu);
}

/* ---- Task 3: withdraw ------------------------------------------------------ */

withdraw_result_t withdraw(account_t *a, int64_t amount)
{
    /* No shared state: no lock needed, and no lock to forget. */
    if (amount <= 0) return WITHDRAW_INVALID_AMOUNT;

    withdraw_result_t res;
    mutex_lock(&a->mu);
    if (a->frozen) {
        res = WITHDRAW_FROZEN;
        goto out;
    }
    if (a->balance < amount) {
        res = WITHDRAW_INSUFFICIENT_FUNDS;
        goto out;
    }
    a->balance -= amount;
    res = WITHDRAW_OK;
out:
    /* The one exit, as `defer a.mu.Unlock()` would give: every check above
     * comes here, and a check added later will too. */
    mutex_unlock(&a->mu);
    return res;
}
