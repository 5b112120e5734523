/*
 * The runtime's benchmarks: the workloads of DESIGN.md's performance table,
 * identical to runtime/bench/go/main.go, so that `make bench` can put gokata
 * and Go side by side.
 *
 *   bench [--quick] [--reps R] [WORKLOAD...]
 *
 * Prints one line per workload: name, unit, median, min, max (tab-separated)
 * over R repetitions. --quick runs each once at a tiny size (make test uses
 * it so that the benchmarks cannot rot); its figures mean nothing.
 */
#include <gokata.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool quick;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long size(long full, long tiny)
{
    return quick ? tiny : full;
}

/* ---- unbuffered ping-pong: ns per round trip ---- */
typedef struct {
    chan_t *ping, *pong;
    long n;
} pp_t;

static void ponger(void *arg)
{
    pp_t *p = arg;
    int v;
    for (long i = 0; i < p->n; i++) {
        chan_recv(p->ping, &v);
        chan_send(p->pong, &v);
    }
}

static double pingpong(void)
{
    pp_t p = {chan_make(sizeof(int), 0), chan_make(sizeof(int), 0), size(100000, 100)};
    go(ponger, &p);
    int v = 0;
    double t0 = now_ns();
    for (long i = 0; i < p.n; i++) {
        chan_send(p.ping, &v);
        chan_recv(p.pong, &v);
    }
    double ns = (now_ns() - t0) / (double)p.n;
    go_wait_idle();
    chan_free(p.ping);
    chan_free(p.pong);
    return ns;
}

/* ---- SPSC, MPMC: ns per item ---- */
typedef struct {
    chan_t *c;
    long n;
    wg_t *wg;
} prod_t;

static void producer(void *arg)
{
    prod_t *p = arg;
    for (long i = 0; i < p->n; i++) chan_send(p->c, &i);
    if (p->wg) wg_done(p->wg);
}

static void consumer(void *arg)
{
    prod_t *p = arg;
    long v;
    while (chan_recv(p->c, &v)) {
    }
    wg_done(p->wg);
}

static double spsc(size_t cap)
{
    long n = size(cap > 1 ? 2000000 : 200000, 100);
    prod_t p = {chan_make(sizeof(long), cap), n, NULL};
    go(producer, &p);
    long v;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) chan_recv(p.c, &v);
    double ns = (now_ns() - t0) / (double)n;
    go_wait_idle();
    chan_free(p.c);
    return ns;
}

static double spsc1024(void)
{
    return spsc(1024);
}

static double spsc1(void)
{
    return spsc(1);
}

static double mpmc(void)
{
    enum { P = 4, C = 4 };
    long n = size(400000, 400);
    chan_t *c = chan_make(sizeof(long), 64);
    wg_t pw = {0}, cw = {0};
    prod_t ps = {c, n / P, &pw}, cs = {c, 0, &cw};
    double t0 = now_ns();
    wg_add(&cw, C);
    for (int i = 0; i < C; i++) go(consumer, &cs);
    wg_add(&pw, P);
    for (int i = 0; i < P; i++) go(producer, &ps);
    wg_wait(&pw);
    chan_close(c);
    wg_wait(&cw);
    double ns = (now_ns() - t0) / (double)n;
    go_wait_idle();
    chan_free(c);
    return ns;
}

/* ---- select over 4 channels: ns per item received ---- */
static double select4(void)
{
    enum { K = 4 };
    long n = size(400000, 400);
    chan_t *cs[K];
    prod_t ps[K];
    for (int i = 0; i < K; i++) {
        cs[i] = chan_make(sizeof(long), 16);
        ps[i] = (prod_t){cs[i], n / K, NULL};
    }
    double t0 = now_ns();
    for (int i = 0; i < K; i++) go(producer, &ps[i]);
    long v;
    select_case_t sc[K];
    for (int i = 0; i < K; i++) sc[i] = select_recv(cs[i], &v);
    for (long got = 0; got < n; got++) chan_select(sc, K, SELECT_BLOCK);
    double ns = (now_ns() - t0) / (double)n;
    go_wait_idle();
    for (int i = 0; i < K; i++) chan_free(cs[i]);
    return ns;
}

/* ---- spawn + join: ns per goroutine ---- */
static void done(void *arg)
{
    wg_done(arg);
}

static double spawn(void)
{
    long n = size(20000, 50);
    wg_t wg = {0};
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        wg_add(&wg, 1);
        go(done, &wg);
    }
    wg_wait(&wg);
    double ns = (now_ns() - t0) / (double)n;
    while (go_numgoroutine() > 1) go_yield();
    return ns;
}

/* ---- RSS per blocked goroutine, at 10,000: bytes ---- */
static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

static void block(void *arg)
{
    chan_recv(arg, NULL);
}

static double rss(void)
{
    long n = size(10000, 20);
    chan_t *c = chan_make(0, 0);
    long before = rss_bytes();
    for (long i = 0; i < n; i++) go(block, c);
    go_wait_idle();
    double per = (double)(rss_bytes() - before) / (double)n;
    chan_close(c);
    while (go_numgoroutine() > 1) go_yield();
    chan_free(c);
    return per;
}

/* ---- contended Mutex and atomic add, 2 goroutines: ns per operation ---- */
typedef struct {
    mutex_t mu;
    long counter;
    atomic64_t a;
    long n;
    wg_t wg;
} contend_t;

static void lock_loop(void *arg)
{
    contend_t *c = arg;
    for (long i = 0; i < c->n; i++) {
        mutex_lock(&c->mu);
        c->counter++;
        mutex_unlock(&c->mu);
    }
    wg_done(&c->wg);
}

static void atomic_loop(void *arg)
{
    contend_t *c = arg;
    for (long i = 0; i < c->n; i++) atomic64_add(&c->a, 1);
    wg_done(&c->wg);
}

static double contended(go_func_t loop)
{
    static contend_t c;
    memset(&c, 0, sizeof c);
    c.n = size(1000000, 100);
    double t0 = now_ns();
    wg_add(&c.wg, 2);
    go(loop, &c);
    go(loop, &c);
    wg_wait(&c.wg);
    return (now_ns() - t0) / (double)(2 * c.n);
}

static double mutex2(void)
{
    return contended(lock_loop);
}

static double atomic2(void)
{
    return contended(atomic_loop);
}

/* ---- cancel a tree of 1,000 contexts: ms ---- */
static double ctxtree(void)
{
    enum { N = 1000 };
    static ctx_t *nodes[N];
    nodes[0] = ctx_with_cancel(ctx_background());
    for (int i = 1; i < N; i++) {
        nodes[i] = ctx_with_cancel(nodes[(i - 1) / 4]);
        ctx_retain(nodes[i]);
    }
    double t0 = now_ns();
    ctx_cancel(nodes[0]);
    double ms = (now_ns() - t0) / 1e6;
    for (int i = 1; i < N; i++) {
        ctx_cancel(nodes[i]);
        ctx_release(nodes[i]);
    }
    return ms;
}

/* ---- time_after(1 ms) overshoot: µs past the millisecond (median of 50) ---- */
static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double after(void)
{
    enum { N = 50 };
    double d[N];
    int n = quick ? 3 : N;
    for (int i = 0; i < n; i++) {
        double t0 = now_ns();
        chan_recv(time_after(MILLISECOND), NULL);
        d[i] = (now_ns() - t0 - 1e6) / 1e3;
    }
    qsort(d, (size_t)n, sizeof *d, cmp);
    return d[n / 2];
}

static const struct {
    const char *name, *unit;
    double (*fn)(void);
} workloads[] = {
    {"pingpong", "ns/roundtrip", pingpong}, {"spsc1024", "ns/item", spsc1024},
    {"spsc1", "ns/item", spsc1},            {"mpmc4x4", "ns/item", mpmc},
    {"select4", "ns/item", select4},        {"spawn", "ns/goroutine", spawn},
    {"rss10k", "bytes/goroutine", rss},     {"mutex2", "ns/op", mutex2},
    {"atomic2", "ns/op", atomic2},          {"ctxtree1000", "ms", ctxtree},
    {"after1ms", "us overshoot", after},
};

int main(int argc, char **argv)
{
    int reps = 5;
    const char *only[32];
    int nonly = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = true;
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
        else if (nonly < 32) only[nonly++] = argv[i];
    }
    if (quick) reps = 1;
    if (reps < 1 || reps > 99) reps = 5;
    for (size_t w = 0; w < sizeof workloads / sizeof *workloads; w++) {
        bool run = nonly == 0;
        for (int i = 0; i < nonly; i++) run |= strcmp(only[i], workloads[w].name) == 0;
        if (!run) continue;
        double r[99];
        for (int k = 0; k < reps; k++) r[k] = workloads[w].fn();
        qsort(r, (size_t)reps, sizeof *r, cmp);
        printf("%s\t%s\t%.3f\t%.3f\t%.3f\n", workloads[w].name, workloads[w].unit, r[reps / 2], r[0],
               r[reps - 1]);
        fflush(stdout);
    }
    return 0;
}
