/*
 * lock-order-deadlock: two transfers lock the same two accounts in opposite
 * orders, and each waits for the other forever.
 *
 *   Go:   func transfer(from, to *Account, n int) {
 *             from.mu.Lock()   // locks the account the money leaves first
 *             to.mu.Lock()
 *             ...
 *         }
 *         go transfer(a, b, 10)
 *         go transfer(b, a, 20)
 *
 * The transfer a -> b holds a's lock and waits for b's; the transfer b -> a
 * holds b's and waits for a's. Neither can go on. In a real program this
 * needs an unlucky moment, so it shows up once in a million runs, in
 * production; here a channel makes both take their first lock before either
 * tries its second, so it happens every time. The runtime sees that every
 * goroutine is blocked and stops the program with Go's message and where
 * each goroutine waits.
 *
 * Run:  make example KATA=05 NAME=lock-order-deadlock
 * You will see (the goroutines may be listed in another order):
 *   transfer 1 -> 2: holding account 1, now locking account 2
 *   transfer 2 -> 1: holding account 2, now locking account 1
 *   fatal error: all goroutines are asleep - deadlock!
 *
 *   goroutine 1 [sync.WaitGroup.Wait]:
 *   main(...)
 *           katas/05-mutex-rwmutex/examples/lock-order-deadlock.c:85
 *
 *   goroutine 2 [sync.Mutex.Lock]:
 *   transfer(...)
 *           katas/05-mutex-rwmutex/examples/lock-order-deadlock.c:65
 *   ...
 *   (exit status 2)
 * The fix: lock in one order for every transfer, the smaller id first
 * (fixed-lock-order.c).
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    int id;
    mutex_t mu;
    long long balance;
} account_t;

typedef struct {
    account_t *from, *to;
    long long amount;
    chan_t *locked, *go_on; /* only to force the unlucky moment */
    wg_t *wg;
} transfer_t;

static void transfer(void *arg)
{
    transfer_t *t = arg;
    mutex_lock(&t->from->mu); /* the account the money leaves: first */
    chan_send(t->locked, NULL);
    chan_recv(t->go_on, NULL); /* wait until the other transfer holds its first lock */
    printf("transfer %d -> %d: holding account %d, now locking account %d\n", t->from->id,
           t->to->id, t->from->id, t->to->id);
    fflush(stdout);
    mutex_lock(&t->to->mu); /* held by the other transfer, which waits for ours */
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    mutex_unlock(&t->to->mu);
    mutex_unlock(&t->from->mu);
    wg_done(t->wg);
}

int main(void)
{
    account_t a = {.id = 1, .balance = 100}, b = {.id = 2, .balance = 100};
    chan_t *locked = chan_make(0, 2), *go_on = chan_make(0, 0);
    wg_t wg = {0};
    transfer_t t1 = {&a, &b, 10, locked, go_on, &wg}, t2 = {&b, &a, 20, locked, go_on, &wg};
    wg_add(&wg, 2);
    go(transfer, &t1);
    go(transfer, &t2);
    chan_recv(locked, NULL); /* both hold their first lock */
    chan_recv(locked, NULL);
    chan_close(go_on);
    wg_wait(&wg); /* never returns */
    printf("never printed\n");
    return 0;
}
