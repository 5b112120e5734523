/*
 * recursive-lock: a function that holds a mutex calls another that locks it
 * again. A Go Mutex is not reentrant: the second Lock waits for the first
 * Unlock, which comes after it. The goroutine waits for itself.
 *
 *   Go:   func (a *Account) AddInterest() {
 *             a.mu.Lock(); defer a.mu.Unlock()
 *             a.balance += a.balance / 100
 *         }
 *         func (a *Account) DepositWithInterest(n int) {
 *             a.mu.Lock(); defer a.mu.Unlock()
 *             a.balance += n
 *             a.AddInterest() // locks a.mu again: waits forever
 *         }
 *
 * Unlike pthread's PTHREAD_MUTEX_RECURSIVE or Java's synchronized, Go has no
 * reentrant lock, on purpose: a function that takes a lock expects the data
 * it guards to be consistent, and a caller in the middle of changing it
 * breaks that. The usual fix is an unexported helper that expects the lock
 * to be held (addInterestLocked), called by both.
 *
 * Run:  make example KATA=05 NAME=recursive-lock
 * You will see:
 *   deposit 100: locked, balance 200; adding interest...
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [sync.Mutex.Lock]:
 *   add_interest(...)
 *           katas/05-mutex-rwmutex/examples/recursive-lock.c:43
 *   (exit status 2)
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    mutex_t mu;
    long long balance;
} account_t;

static void add_interest(account_t *a)
{
    mutex_lock(&a->mu); /* already held by deposit_with_interest, our caller */
    a->balance += a->balance / 100;
    mutex_unlock(&a->mu);
}

static void deposit_with_interest(account_t *a, long long amount)
{
    mutex_lock(&a->mu);
    a->balance += amount;
    printf("deposit %lld: locked, balance %lld; adding interest...\n", amount, a->balance);
    fflush(stdout);
    add_interest(a);
    mutex_unlock(&a->mu);
}

int main(void)
{
    account_t a = {.balance = 100};
    deposit_with_interest(&a, 100);
    printf("never printed\n");
    return 0;
}
