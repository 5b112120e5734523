/*
 * unlock-of-unlocked: a mutex unlocked twice, on the one path where an
 * early unlock was added "to be safe".
 *
 *   Go:   mu.Lock()
 *         if balance < amount {
 *             mu.Unlock()
 *             // ... forgot to return
 *         }
 *         ...
 *         mu.Unlock() // the second Unlock on that path
 *
 * Unlocking a mutex nobody holds is not a no-op in Go: it is a fatal error
 * (not even recover() catches it), because it means the program has lost
 * track of who owns the lock. gokata stops the same way, with the line.
 * Early returns and hand-placed unlocks are where this comes from; a single
 * exit (Go's defer, C's goto out) is the cure.
 *
 * Run:  make example KATA=05 NAME=unlock-of-unlocked
 * You will see:
 *   withdraw 30: ok, balance 70
 *   withdraw 500: not enough money
 *   fatal error: sync: unlock of unlocked mutex
 *
 *   goroutine 1 [running]:
 *   withdraw(...)
 *           katas/05-mutex-rwmutex/examples/unlock-of-unlocked.c:52
 *   (exit status 2)
 */
#include <stdbool.h>
#include <stdio.h>

#include "gokata.h"

static mutex_t mu;
static long long balance = 100;

static bool withdraw(long long amount)
{
    bool ok = true;
    mutex_lock(&mu);
    if (balance < amount) {
        printf("withdraw %lld: not enough money\n", amount);
        fflush(stdout);
        mutex_unlock(&mu); /* unlocks here... */
        ok = false;
    } else {
        balance -= amount;
        printf("withdraw %lld: ok, balance %lld\n", amount, balance);
        fflush(stdout);
    }
    mutex_unlock(&mu); /* ...and again here, on the refused path */
    return ok;
}

int main(void)
{
    withdraw(30);
    withdraw(500);
    printf("never printed\n");
    return 0;
}
