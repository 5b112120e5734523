/*
 * escape-use-after-return: a function starts goroutines, hands each the
 * address of its own local variable, and returns. In Go that is fine: the
 * compiler sees that the variable outlives the function ("moved to heap:
 * req", go build -gcflags=-m) and puts it on the heap. C puts it on the
 * stack, in a frame that is gone (and soon reused) once the function
 * returns.
 *
 *   Go:   func startAll(n int) {
 *             for i := 0; i < n; i++ {
 *                 req := request{id: i}
 *                 go handle(&req)        // req escapes: heap-allocated
 *             }
 *         }
 *
 * Here start_all does the same in C: `request_t req` is one stack slot,
 * the same address in every iteration, and dead once start_all returns.
 * main then calls another function (any function: here one that fills its
 * own locals), which reuses that stack, and the workers read their
 * requests. Each of them reads the same slot, and what it reads is
 * whatever the stack holds now: here, the other function's 0xa5 bytes.
 *
 * Run:  make example KATA=13 NAME=escape-use-after-return
 * You will see:
 *   worker read request id -1515870811 (0xa5a5a5a5)
 *   worker read request id -1515870811 (0xa5a5a5a5)
 *   worker read request id -1515870811 (0xa5a5a5a5)
 *   every worker read the same address: 0x7f...
 *
 * Neither detector reports it here (the reads come after the overwrite,
 * ordered by the channel close): nothing warns you but the wrong values.
 * The fix: mem_alloc (malloc) each goroutine's request, and let the
 * goroutine free it when done; or, if the function waits for its
 * goroutines, an array with one slot per goroutine on its stack is fine:
 * the frame then outlives them.
 */
#include <stdio.h>
#include <string.h>

#include "gokata.h"

typedef struct {
    int id;
} request_t;

static chan_t *gate; /* closed by main once start_all has returned */
static wg_t wg;
static const void *seen[3];

static void handle(void *arg)
{
    const request_t *req = arg; /* points into start_all's frame */
    chan_recv(gate, NULL);      /* by now start_all has returned */
    printf("worker read request id %d (0x%x)\n", req->id, (unsigned)req->id);
    static atomic64_t k;
    seen[atomic64_add(&k, 1) - 1] = req;
    wg_done(&wg);
}

__attribute__((noinline)) static void start_all(int n)
{
    for (int i = 0; i < n; i++) {
        request_t req = {.id = i}; /* one stack slot, every iteration */
        go(handle, &req);          /* Go would move req to the heap; C does not */
    }
}

/* main's next piece of work: its locals reuse the stack start_all had; it
 * lets the workers go and waits for them while they are still there. */
__attribute__((noinline)) static void something_else(void)
{
    volatile unsigned char buf[16 * 1024];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = 0xa5;
    chan_close(gate);
    wg_wait(&wg);
}

int main(void)
{
    gate = chan_make(0, 0);
    wg_add(&wg, 3);
    start_all(3);
    go_wait_idle(); /* every worker is waiting at the gate */
    something_else();
    if (seen[0] == seen[1] && seen[1] == seen[2])
        printf("every worker read the same address: %p\n", seen[0]);
    chan_free(gate);
    return 0;
}
