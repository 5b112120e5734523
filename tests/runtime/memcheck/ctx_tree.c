/* Contexts follow one ownership rule (runtime/include/gokata/context.h);
 * followed, nothing leaks. Run under memcheck by `make test`: a tree of
 * cancel, timeout and value contexts, goroutines that keep references,
 * deadlines that fire and deadlines that are cancelled first. */
#include <gokata.h>
#include <stdio.h>

static wg_t wg;
static int key;

static void worker(void *arg)
{
    ctx_t *ctx = arg; /* retained for us by the caller */
    chan_recv(ctx_done(ctx), NULL);
    ctx_release(ctx);
    wg_done(&wg);
}

int main(void)
{
    enum { N = 200 };
    static ctx_t *nodes[N];
    nodes[0] = ctx_with_cancel(ctx_background());
    for (int i = 1; i < N; i++) {
        ctx_t *parent = nodes[(i - 1) / 3];
        switch (i % 3) {
        case 0: nodes[i] = ctx_with_cancel(parent); break;
        case 1: nodes[i] = ctx_with_timeout(parent, (i % 2 ? 1 : 1000) * MILLISECOND); break;
        default: nodes[i] = ctx_with_value(parent, &key, &nodes[i]); break;
        }
    }
    for (int i = 0; i < N; i += 10) {
        wg_add(&wg, 1);
        ctx_retain(nodes[i]);
        go(worker, nodes[i]);
    }
    go_sleep(20 * MILLISECOND); /* some deadlines fire */
    for (int i = N - 1; i >= 0; i--) { /* every creator gives its reference back */
        if (i % 3 == 2) ctx_release(nodes[i]);
        else ctx_cancel(nodes[i]);
        nodes[i] = NULL; /* so that a context still allocated is a definite leak */
    }
    wg_wait(&wg);
    printf("ok\n");
    return 0;
}
