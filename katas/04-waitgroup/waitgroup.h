/*
 * Kata 04 · WaitGroup: the contract. Read it; don't edit it (the grader
 * uses its own copy). You write these functions in waitgroup.c.
 *
 * Every function here starts goroutines and must return only after they
 * have finished with everything the caller will read: the caller reads the
 * results straight away, and the race detectors check that it may.
 */
#ifndef KATA_WAITGROUP_H
#define KATA_WAITGROUP_H

#include <stdbool.h>

#include "gokata.h"

/* The function a map applies: Go's func(int) int. */
typedef int (*map_fn)(int x);

/*
 * Task 1a. out[i] = f(in[i]) for every i in [0, n), each call in a
 * goroutine of its own, all running at the same time.
 *
 * Must: start exactly n goroutines (none when n == 0) and return only after
 * every one of them has written its result and finished with its argument.
 * Must not: call f from the calling goroutine; write out[] after returning.
 * Owns nothing it is given; frees what it allocates before returning.
 */
void map_each(const int *in, int *out, int n, map_fn f);

/*
 * Task 1b. The same result as map_each, with a fixed number of workers:
 * out[i] = f(in[i]) for every i in [0, n), using min(workers, n)
 * goroutines (workers >= 1). Each worker handles its own share of the
 * elements one after the other; the shares differ in size by at most one
 * (with n = 10 and 4 workers: two workers get 3 elements, two get 2).
 *
 * Must: return only after every worker has finished.
 * Must not: call f from the calling goroutine; start a worker with nothing
 * to do (with n == 0, start none).
 */
void map_workers(const int *in, int *out, int n, int workers, map_fn f);

/* What fetch_all calls for each id: a slow request, safe to call from
 * many goroutines at once. */
typedef int (*fetch_fn)(int id);

/*
 * Task 2 (fix the bug). out[i] = fetch(ids[i]) for every i in [0, n), each
 * fetch in a goroutine of its own, all at once.
 *
 * Must: return only after every result is in out[]. The stub in
 * waitgroup.c does this almost right; its comment says what goes wrong.
 */
void fetch_all(const int *ids, int *out, int n, fetch_fn fetch);

/*
 * Task 3 (fix the bug). Parses each of the n texts as a decimal int, each
 * in a goroutine of its own: a valid text (an optional sign, then digits
 * only, within the range of int) gives values[i] = its value and
 * ok[i] = true; anything else gives ok[i] = false (values[i] is then left
 * untouched). Returns how many texts were valid.
 *
 * Must: return only after every goroutine has finished, whatever the texts
 * are. The stub in waitgroup.c parses correctly; its comment says what goes
 * wrong.
 */
int parse_all(const char *const *texts, int *values, bool *ok, int n);

/*
 * Task 4. Waits for wg's counter to reach zero, but for at most d: Go's
 * missing wg.WaitTimeout. Returns true as soon as the counter is zero
 * (at once if it already is), false once d has passed without that.
 *
 * After a true return, everything done before each wg_done is visible to
 * the caller, as after wg_wait. wg_wait itself can't be interrupted, so a
 * helper goroutine does the waiting; after a false return it keeps waiting.
 *
 * Must: leave no goroutine behind once the counter has reached zero (the
 * helper exits then, even though nobody listens any more) and free what it
 * allocated, whoever finishes last. The caller must keep wg valid, and make
 * sure its counter does reach zero: work that never ends leaks the helper.
 * May be called again, from any goroutine, while helpers from earlier calls
 * still wait.
 */
bool wait_timeout(wg_t *wg, go_duration_t d);

#endif
