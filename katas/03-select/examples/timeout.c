/*
 * timeout: give up waiting after a while, with time_after in a select, and
 * the goroutine leak that comes with it if the reply channel has no room.
 *
 *   make example KATA=03 NAME=timeout
 *
 * ask() starts a server goroutine and waits for its reply, or for
 * time_after(1 s), whichever comes first. A fast server wins; a slow one
 * loses to the timeout. But the slow server still sends its reply later,
 * and on an unbuffered channel that send waits for a receiver who has gone:
 * it blocks forever, a goroutine leak. A reply channel with room for one
 * value lets the late server send and end. You will see (times rounded to
 * 0.1 s):
 *
 *   fast server (replies after 0.1 s), unbuffered reply: got 42 after 0.1 s
 *   slow server (replies after 2 s), unbuffered reply: timed out after 1.0 s
 *     at 2.5 s, goroutines alive: 2: main, and the slow server, stuck sending a reply
 *     nobody will receive (a leak)
 *   slow server (replies after 2 s), reply with room for 1: timed out after 1.0 s
 *     at 2.5 s, goroutines alive: still 2: this slow server sent into the buffer and ended
 *
 * In Go: `select { case r := <-reply: ... case <-time.After(time.Second): ... }`
 * and `reply := make(chan int, 1)`.
 */
#include <stdio.h>

#include "gokata.h"

typedef struct {
    chan_t *reply;
    go_duration_t delay;
} server_t;

static void server(void *arg)
{
    server_t *s = arg;
    go_sleep(s->delay); /* the work */
    int answer = 42;
    chan_send(s->reply, &answer); /* waits for a receiver if the channel has no room */
}

static double secs(go_duration_t d)
{
    return (double)(d / (100 * MILLISECOND)) / 10; /* rounded down to 0.1 s */
}

static void ask(const char *what, server_t *s, size_t reply_cap)
{
    s->reply = chan_make(sizeof(int), reply_cap);
    printf("%s (replies after %g s), %s: ", what, secs(s->delay),
           reply_cap ? "reply with room for 1" : "unbuffered reply");
    go_time_t start = time_now();
    go(server, s);

    int r;
    select_case_t cs[] = {select_recv(s->reply, &r), select_recv(time_after(SECOND), NULL)};
    if (chan_select(cs, 2, SELECT_BLOCK) == 0)
        printf("got %d after %.1f s\n", r, secs(time_since(start)));
    else
        printf("timed out after %.1f s\n", secs(time_since(start)));
}

int main(void)
{
    static server_t fast = {.delay = 100 * MILLISECOND};
    static server_t slow = {.delay = 2 * SECOND}, slow_buffered = {.delay = 2 * SECOND};

    ask("fast server", &fast, 0);

    go_time_t start = time_now();
    ask("slow server", &slow, 0);
    go_sleep(2500 * MILLISECOND - time_since(start)); /* the server has tried to reply by now */
    printf("  at 2.5 s, goroutines alive: %d: main, and the slow server, stuck sending a reply\n"
           "  nobody will receive (a leak)\n",
           go_numgoroutine());

    start = time_now();
    ask("slow server", &slow_buffered, 1);
    go_sleep(2500 * MILLISECOND - time_since(start));
    printf("  at 2.5 s, goroutines alive: still %d: this slow server sent into the buffer and "
           "ended\n",
           go_numgoroutine());
    /* The leaked server still uses slow.reply, so it can't be freed: a
     * leaked goroutine keeps everything it uses alive. */
    chan_free(fast.reply);
    chan_free(slow_buffered.reply);
    return 0;
}
