/*
 * len read without the lock: a data race, however harmless it looks.
 *
 *   Go:   func (c *Chan) Len() int { return c.count }   // "just a read"
 *
 * A sender writes count under the mutex; Len reads it without. Nothing
 * orders the read after the write: it is a data race, undefined behaviour
 * in C (and in Go's memory model, a racy read may see anything). The
 * number is stale the moment Len returns anyway, so the lock costs nothing
 * that was real. Plain, the program prints a plausible number and exits 0;
 * under a detector the race is reported.
 *
 * Run:  make example KATA=16 NAME=len-without-lock DETECTOR=tsan
 * You will see:
 *   WARNING: ThreadSanitizer: data race ...
 *     Read of size 8 at 0x... by main thread:
 *       #0 len_unlocked katas/16-custom-channel/examples/len-without-lock.c:39
 *     Previous write of size 8 at 0x... by thread T3:
 *       #0 send katas/16-custom-channel/examples/len-without-lock.c:33
 *   len saw ... values at most
 * (DETECTOR=helgrind reports "Possible data race" at the same lines.)
 */
#include <stdio.h>

#include "gokata.h"

static mutex_t mu;
static size_t count;

static void send(void)
{
    mutex_lock(&mu);
    count++;
    mutex_unlock(&mu);
}

static size_t len_unlocked(void)
{
    return count; /* the bug: read without mu (take it, as send does) */
}

static void sender(void *arg)
{
    wg_t *wg = arg;
    for (int i = 0; i < 1000; i++)
        send();
    wg_done(wg);
}

int main(void)
{
    wg_t wg = {0};
    wg_add(&wg, 1);
    go(sender, &wg);
    size_t most = 0;
    for (int i = 0; i < 1000; i++) {
        size_t n = len_unlocked();
        if (n > most) most = n;
    }
    wg_wait(&wg);
    printf("len saw %zu values at most\n", most);
    return 0;
}
