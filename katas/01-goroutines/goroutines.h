/*
 * Kata 01 · Goroutines: start them, wait for them, collect what they
 * computed, and leave none behind.
 *
 * This header is the contract. Read it; don't edit it (the grader uses its
 * own copy). You write goroutines.c.
 */
#ifndef GOROUTINES_H
#define GOROUTINES_H

#include <stddef.h>

/*
 * Task 1. The sum of xs[0..n), computed by `workers` goroutines.
 *
 * Split xs into `workers` contiguous parts of nearly equal size (part w can
 * be xs[n*w/workers .. n*(w+1)/workers); a part may be empty when workers > n)
 * and start exactly one goroutine per part, all of them before waiting for
 * any. Each goroutine adds up its part and writes the partial sum to a slot
 * of its own. Wait for every goroutine (a WaitGroup), then add up the slots.
 *
 * workers >= 1. n may be 0 (then xs may be NULL and the sum is 0).
 * Must not: let two goroutines write the same variable (a data race: the
 * race detectors fail the test); read a slot before its goroutine has
 * finished; return while any goroutine it started is still running; keep
 * any memory it allocated.
 */
long sum_parallel(const long *xs, size_t n, int workers);

/*
 * Task 2 (fix the bug in goroutines.c). Counts the words of every document
 * at once, one goroutine per document: counts[i] receives the number of
 * words in docs[i] (a word is a run of characters that are not white space).
 * Returns the total number of words in all the documents.
 *
 * n >= 0; counts has room for n ints and belongs to the caller.
 * Must not: read counts[i] before the goroutine that writes it has
 * finished; return while any goroutine it started is still running.
 */
long count_words(const char *const *docs, int n, int *counts);

/*
 * Task 3 (fix the bug in goroutines.c). The sum of xs[0..n), or -1 if any
 * of the numbers is negative. A goroutine adds the numbers up while the
 * caller checks them.
 *
 * Must not: leave a goroutine behind on any path, the -1 one included (a
 * goroutine blocked forever is a leak: the test fails and names it);
 * free the channel while a goroutine may still use it; keep any memory.
 */
long checked_sum(const long *xs, size_t n);

/* What run_together calls: i is the call's own index, arg is passed through. */
typedef void (*index_func_t)(int i, void *arg);

/*
 * Task 4. Calls fn(i, arg) for every i in 0..n-1, each call in a goroutine
 * of its own, all n of them running at the same time, and returns once every
 * call has returned. Like Go's
 *
 *     for i := 0; i < n; i++ { wg.Add(1); go func() { defer wg.Done(); fn(i, arg) }() }
 *     wg.Wait()
 *
 * n >= 0. fn may block (sleep, wait for the other calls): the calls must
 * not run one after another.
 * Must not: give two calls the same i, or an i that changes under them
 * (each goroutine needs its own copy, alive until it is done with it);
 * return before every call has returned; keep any memory it allocated.
 */
void run_together(int n, index_func_t fn, void *arg);

#endif
