/* CLEAN: ctx_cancel happens before a receive from Done that sees it, and
 * before ctx_err returns non-NULL; time_after_func's call happens before
 * its function runs. */
#include <gokata.h>
#include <stdio.h>

static int reason, setting;
static wg_t wg;

static void worker(void *arg)
{
    ctx_t *ctx = arg;
    chan_recv(ctx_done(ctx), NULL);
    printf("reason = %d\n", reason);
    ctx_release(ctx);
    wg_done(&wg);
}

static void poller(void *arg)
{
    ctx_t *ctx = arg;
    while (!ctx_err(ctx)) go_yield();
    printf("reason = %d\n", reason);
    ctx_release(ctx);
    wg_done(&wg);
}

static void later(void *arg)
{
    (void)arg;
    printf("setting = %d\n", setting);
    wg_done(&wg);
}

int main(void)
{
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    wg_add(&wg, 3);
    ctx_retain(ctx);
    go(worker, ctx);
    ctx_retain(ctx);
    go(poller, ctx);
    setting = 7;
    go_timer_t *t = time_after_func(MILLISECOND, later, NULL);
    reason = 42;
    ctx_cancel(ctx);
    wg_wait(&wg);
    timer_free(t);
    return 0;
}
