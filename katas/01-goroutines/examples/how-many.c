/*
 * how-many: goroutines here are threads. Start 1,000 of them, blocked, and
 * ask the runtime and the kernel how many there are and what they cost.
 *
 *   Go:   start := make(chan struct{})
 *         for i := 0; i < 1000; i++ { go func() { <-start }() }
 *         fmt.Println(runtime.NumGoroutine()) // 1001
 *
 * In Go the 1,000 goroutines are 1,000 small stacks (2 KiB to start, grown
 * as needed) multiplexed by the runtime onto a few threads (GOMAXPROCS); a
 * million of them is fine. In gokata each one is a pthread: a kernel thread
 * with its own 256 KiB stack (reserved address space; only the pages it
 * touches use memory). go_numgoroutine() counts them the way Go counts
 * goroutines; the kernel's "Threads:" line counts them too, plus a couple
 * of the runtime's helper threads. The limit is tens of thousands (about
 * 30,000 on a default Linux), not millions. Timings vary by machine.
 *
 * Run:  make example KATA=01 NAME=how-many
 * You will see something like:
 *   before:          1 goroutine,     1 kernel thread,  RSS    1 MiB
 *   1000 started:    1001 goroutines, 1003 kernel threads, RSS   10 MiB
 *   about 31 us per go(), about 8 KiB of memory per goroutine
 *   after wg_wait:   every goroutine has returned
 *   (exit status 0)
 */
#include <stdio.h>
#include <string.h>

#include "gokata.h"

enum { N = 1000 };

static chan_t *start;
static wg_t wg;

static void wait_for_start(void *arg)
{
    (void)arg;
    chan_recv(start, NULL); /* blocks until main closes start */
    wg_done(&wg);
}

/* A "Name:   value" line of /proc/self/status, as a number (VmRSS is in kB). */
static long proc_status(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t len = strlen(name);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            sscanf(line + len + 1, "%ld", &v);
            break;
        }
    fclose(f);
    return v;
}

int main(void)
{
    start = chan_make(0, 0);
    long rss0 = proc_status("VmRSS");
    printf("before:          %d goroutine,     %ld kernel thread,  RSS %4ld MiB\n",
           go_numgoroutine(), proc_status("Threads"), rss0 / 1024);

    go_time_t t0 = time_now();
    wg_add(&wg, N);
    for (int i = 0; i < N; i++)
        go(wait_for_start, NULL);
    go_duration_t spawn = time_since(t0);

    long rss1 = proc_status("VmRSS");
    printf("%d started:    %d goroutines, %ld kernel threads, RSS %4ld MiB\n", N, go_numgoroutine(),
           proc_status("Threads"), rss1 / 1024);
    printf("about %lld us per go(), about %ld KiB of memory per goroutine\n",
           (long long)(spawn / N / MICROSECOND), (rss1 - rss0) / N);

    chan_close(start); /* releases every one of them at once */
    wg_wait(&wg);
    printf("after wg_wait:   every goroutine has returned\n");
    chan_free(start); /* safe now: each goroutine was done with it before its wg_done */
    return 0;
}
