/*
 * busy-loop-on-closed-channel: a closed channel's case is ready on every
 * turn of the loop, forever. Left in the select, it turns the loop into a
 * spin that burns a whole core; setting the channel to NULL switches it off.
 *
 *   make example KATA=03 NAME=busy-loop-on-closed-channel
 *
 * A loop merges channels a and b. a is closed from the start; b's sender
 * is slow (its value comes after 100 ms). First the naive loop, which only
 * notes "a is closed" and goes round again: it never blocks, so we stop it
 * after a million turns (the count is exact; the milliseconds vary with
 * the machine):
 *
 *   naive loop: 1000000 turns in 137 ms, every one of them on closed channel a
 *               (ok == false), none on b: it never waited once
 *
 * Then the loop that sets a to NULL when it sees it closed. A case on a
 * NULL channel is never ready, so the select waits for b:
 *
 *   NULL trick: turn 1: a is closed, a = NULL
 *               turn 2: 42 from b, after 100 ms
 *               turn 3: b is closed, b = NULL
 *               3 turns, done
 */
#include <stdio.h>

#include "gokata.h"

enum { MAX_TURNS = 1000000 };

static wg_t sender_wg;

static void slow_sender(void *arg)
{
    go_sleep(100 * MILLISECOND);
    int v = 42;
    chan_send(arg, &v);
    chan_close(arg);
    wg_done(&sender_wg);
}

int main(void)
{
    chan_t *a = chan_make(sizeof(int), 0), *b = chan_make(sizeof(int), 0);
    chan_close(a);

    /* The naive loop: b's sender has not started yet, so all it can find
     * ready is a. */
    bool a_closed = false;
    long on_a = 0, on_b = 0, turns;
    go_time_t start = time_now();
    for (turns = 0; turns < MAX_TURNS; turns++) {
        int v;
        select_case_t cs[] = {select_recv(a, &v), select_recv(b, &v)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 0) {
            on_a++;
            a_closed = true; /* noted... and a stays in the select */
        } else {
            on_b++;
        }
    }
    printf("naive loop: %ld turns in %lld ms, every one of them on closed channel a\n"
           "            (ok == false), none on b: it never waited once%s\n",
           turns, (long long)(time_since(start) / MILLISECOND),
           on_a == MAX_TURNS && on_b == 0 && a_closed ? "" : " (unexpected counts!)");

    /* The fix: switch a closed channel's case off with NULL. */
    wg_add(&sender_wg, 1);
    go(slow_sender, b);
    start = time_now();
    chan_t *in_a = a, *in_b = b;
    printf("NULL trick: ");
    for (turns = 1; in_a != NULL || in_b != NULL; turns++) {
        int v;
        select_case_t cs[] = {select_recv(in_a, &v), select_recv(in_b, &v)};
        int i = chan_select(cs, 2, SELECT_BLOCK);
        if (turns > 1) printf("            ");
        if (!cs[i].ok) {
            printf("turn %ld: %s is closed, %s = NULL\n", turns, i == 0 ? "a" : "b",
                   i == 0 ? "a" : "b");
            if (i == 0)
                in_a = NULL;
            else
                in_b = NULL;
        } else {
            printf("turn %ld: %d from %s, after %lld ms\n", turns, v, i == 0 ? "a" : "b",
                   (long long)(time_since(start) / (10 * MILLISECOND)) * 10);
        }
    }
    printf("            %ld turns, done\n", turns - 1);
    wg_wait(&sender_wg); /* then nobody uses b any more */
    chan_free(a);
    chan_free(b);
    return 0;
}
