/* CLEAN: the runtime's first use is in a constructor of the program's own,
 * of the same priority as the runtime's (101) and linked before it. The
 * runtime must still know it runs under Valgrind and hide its bookkeeping
 * from Helgrind: a review found 22 to 42 false reports here when the flag
 * was read only from the runtime's constructor.
 */
#include <gokata.h>

static chan_t *c;
static wg_t wg;

__attribute__((constructor(101))) static void early(void)
{
    c = chan_make(sizeof(int), 0);
    (void)go_id();
}

static void send_one(void *arg)
{
    (void)arg;
    int v = 1;
    chan_send(c, &v);
    wg_done(&wg);
}

int main(void)
{
    for (int i = 0; i < 4; i++) {
        wg_add(&wg, 1);
        go(send_one, NULL);
    }
    for (int i = 0; i < 4; i++) {
        int v;
        chan_recv(c, &v);
    }
    wg_wait(&wg);
    chan_free(c);
    return 0;
}
