/*
 * sync.Once, from a mutex and a flag, as Go's is (pthread_once makes
 * Helgrind report a false race on what the init routine wrote).
 *
 * Happens-before: fn's return happens before every once_do returns. The
 * fast path acquires the Once's address, which the slow path released after
 * fn; callers that waited on the mutex are ordered by it as well.
 */
#include "race.h"
#include "runtime.h"

void once_do_at(once_t *o, void (*fn)(void *), void *arg, GK_SITE_PARAMS)
{
    setsite(getg(), gk_file, gk_line, gk_func);
    race_untrack(&o->done_, sizeof o->done_);
    if (__atomic_load_n(&o->done_, __ATOMIC_ACQUIRE)) {
        race_acquire(o);
        return;
    }
    if (!fn) gk_panic("sync: once_do with a NULL function");
    mutex_lock_at(&o->m_, gk_file, gk_line, gk_func);
    if (!o->done_) {
        fn(arg);
        race_release(o);
        __atomic_store_n(&o->done_, 1, __ATOMIC_RELEASE);
    }
    mutex_unlock_at(&o->m_, gk_file, gk_line, gk_func);
}
