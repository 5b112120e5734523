/*
 * lost-update: two goroutines deposit into one balance without a lock.
 *
 *   Go:   for i := 0; i < 1000; i++ { balance += 1 } // in two goroutines
 *
 * `balance += 1` is three steps: read the balance, add one, write it back.
 * Two goroutines that both read 500 both write 501: one deposit is lost.
 * Here the window between read and write is made wide (go_yield lets the
 * other goroutine run right there), so you see lost deposits almost every
 * run; without it they are rare, which is worse: the bug ships.
 *
 * Run:  make example KATA=05 NAME=lost-update DETECTOR=tsan
 * You will see (addresses and thread numbers vary):
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Read of size 8 at 0x... by thread T4:
 *       #0 deposit katas/05-mutex-rwmutex/examples/lost-update.c:45 ...
 *     Previous write of size 8 at 0x... by thread T3:
 *       #0 deposit katas/05-mutex-rwmutex/examples/lost-update.c:47 ...
 *   ...
 *   SUMMARY: ThreadSanitizer: data race .../lost-update.c:45 in deposit
 *   ==================
 *   ThreadSanitizer: reported 1 warnings
 *   balance: 1677, expected 2000: 323 deposits lost
 *   (exit status 66)
 * ThreadSanitizer names the race even in a run that lost nothing. Without
 * DETECTOR you see only the wrong total (how many are lost varies).
 * The fix is a mutex held from the read to the write: mutex_lock before
 * line 45, mutex_unlock after line 47 (as in fixed-lock-order.c).
 */
#include <stdio.h>

#include "gokata.h"

enum { DEPOSITS = 1000 };

typedef struct {
    long long *balance;
    wg_t *wg;
} depositor_t;

static void deposit(void *arg)
{
    depositor_t *d = arg;
    for (int i = 0; i < DEPOSITS; i++) {
        long long b = *d->balance; /* read */
        go_yield();                /* the other goroutine may run here */
        *d->balance = b + 1;       /* write: whatever it did is overwritten */
    }
    wg_done(d->wg);
}

int main(void)
{
    long long balance = 0;
    wg_t wg = {0};
    depositor_t d = {&balance, &wg};
    wg_add(&wg, 2);
    go(deposit, &d);
    go(deposit, &d);
    wg_wait(&wg);
    printf("balance: %lld, expected %d: %lld deposits lost\n", balance, 2 * DEPOSITS,
           2 * DEPOSITS - balance);
    return 0;
}
