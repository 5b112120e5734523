/*
 * fixed-lock-order: transfers both ways at once, every one locking the two
 * accounts in the same order (the smaller id first). This one works.
 *
 *   Go:   func transfer(from, to *Account, n int) {
 *             first, second := from, to
 *             if to.id < from.id { first, second = to, from }
 *             first.mu.Lock(); defer first.mu.Unlock()
 *             second.mu.Lock(); defer second.mu.Unlock()
 *             from.balance -= n
 *             to.balance += n
 *         }
 *
 * Whichever way the money goes, a transfer between accounts 1 and 2 locks 1
 * first. A goroutine that holds 1 may wait for 2, but nobody holding 2 ever
 * waits for 1: no cycle, no deadlock. The same rule works for any number of
 * accounts (a global order; the address of the mutex is another common
 * one). Both locks are held from the first read to the last write, so no
 * money is lost either, and both race detectors stay quiet.
 *
 * Run:  make example KATA=05 NAME=fixed-lock-order
 *       (or add DETECTOR=tsan, DETECTOR=helgrind: no report)
 * You will see:
 *   20000 transfers, 10000 each way
 *   account 1: 1000, account 2: 1000, total 2000 (expected 2000)
 *   (exit status 0)
 */
#include <stdio.h>

#include "gokata.h"

enum { ROUNDS = 10000 };

typedef struct {
    int id;
    mutex_t mu;
    long long balance;
} account_t;

static void transfer(account_t *from, account_t *to, long long amount)
{
    account_t *first = from->id < to->id ? from : to;
    account_t *second = first == from ? to : from;
    mutex_lock(&first->mu);
    mutex_lock(&second->mu);
    from->balance -= amount;
    to->balance += amount;
    mutex_unlock(&second->mu);
    mutex_unlock(&first->mu);
}

typedef struct {
    account_t *from, *to;
    wg_t *wg;
} mover_t;

static void mover(void *arg)
{
    mover_t *m = arg;
    for (int i = 0; i < ROUNDS; i++)
        transfer(m->from, m->to, 1);
    wg_done(m->wg);
}

int main(void)
{
    account_t a = {.id = 1, .balance = 1000}, b = {.id = 2, .balance = 1000};
    wg_t wg = {0};
    mover_t there = {&a, &b, &wg}, back = {&b, &a, &wg};
    wg_add(&wg, 2);
    go(mover, &there);
    go(mover, &back);
    wg_wait(&wg); /* every Unlock happened before this returns: safe to read */
    printf("%d transfers, %d each way\n", 2 * ROUNDS, ROUNDS);
    printf("account 1: %lld, account 2: %lld, total %lld (expected 2000)\n", a.balance, b.balance,
           a.balance + b.balance);
    return 0;
}
