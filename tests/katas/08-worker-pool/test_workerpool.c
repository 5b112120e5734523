/*
 * 08 · Worker pools: the tests that grade workerpool.c.
 *
 * Most tests run inside go_synctest, in virtual time: a task "takes 1s" by
 * waiting for a timer, the clock stands still while any goroutine can run
 * and jumps to the next timer when all are blocked. So "8 jobs of 1s on 4
 * workers finish at exactly 2s" is an exact check, instant, and the same
 * under Helgrind. go_synctest_wait() is how a test knows every other
 * goroutine has done all it can (a submit that is still waiting then is
 * waiting for good, until something changes).
 *
 * Every call of a kata function that might wait runs in a goroutine of its
 * own (call_start), and the test waits for it with a deadline an hour away
 * (call_wait). Virtual time only passes that hour when every goroutine is
 * stuck for good, so a call that never returns fails with a message, not a
 * hang. Each bubble ends with its own leak check (finish), naming any
 * worker left behind.
 *
 * Two tests run in real time instead (a submit and a shutdown racing, two
 * shutdowns at once): there go_wait_idle() says when the other goroutines
 * are parked. They use it because it also counts a goroutine waiting for a
 * mutex as parked, which virtual time cannot (the clock stops while anyone
 * waits for a mutex): designs that take a lock there are slow, not wrong,
 * and these tests let them pass.
 *
 * What Go itself reports (a send on a closed channel, a second close) ends
 * the test with Go's panic and a goroutine dump naming the line of
 * workerpool.c: the panics are part of the lesson, so the tests let them
 * through.
 */
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "workerpool.h"

/* ---- messages -------------------------------------------------------------- */

/* A duration for a message: 0s, 2s, 2.5s. */
static const char *dur(go_duration_t d)
{
    static char buf[8][32];
    static int next;
    char *b = buf[next++ % 8];
    if (d % SECOND == 0)
        snprintf(b, sizeof buf[0], "%llds", (long long)(d / SECOND));
    else if (d % MILLISECOND == 0)
        snprintf(b, sizeof buf[0], "%lld.%03llds", (long long)(d / SECOND),
                 (long long)(d % SECOND / MILLISECOND));
    else
        snprintf(b, sizeof buf[0], "%lldns", (long long)d);
    return b;
}

/* An error for a message: "pool: closed" with its quotes, or NULL. */
static const char *q(const char *err)
{
    static char buf[8][96];
    static int next;
    if (!err) return "NULL";
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "\"%s\"", err);
    return b;
}

/* ---- the test's deadline and leak check ------------------------------------- */

static go_timer_t *deadline; /* NULL in the real-time tests */
static go_leak_mark_t leak_mark;

/* Every test body starts with begin() (virtual) or begin_real(), and ends
 * with finish(). */
static void begin(void)
{
    leak_mark = go_leak_mark();
    deadline = timer_new(HOUR);
}

static void begin_real(void)
{
    leak_mark = go_leak_mark();
    deadline = NULL;
}

static void finish(void)
{
    if (deadline) timer_free(deadline);
    deadline = NULL;
    static char leaks[8192];
    if (go_leak_check(leak_mark, leaks, sizeof leaks) != 0)
        ck_abort_msg("a goroutine outlived the pool that started it: every worker must return "
                     "before run_jobs or pool_shutdown does (a worker waiting for a job on a "
                     "channel nobody closes waits forever).\n%s",
                     leaks);
}

/* Receives from ch; false if instead every goroutine was stuck for an hour
 * of virtual time (never, in the real-time tests: the runtime reports the
 * deadlock there). */
static bool recv_or_stuck(chan_t *ch)
{
    if (!deadline) {
        chan_recv(ch, NULL);
        return true;
    }
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(deadline->C, NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/* ---- the work: what run_jobs's workers compute --------------------------- */

enum { MAX_JOBS = 100, CANARY = -1 };

/* Job i's input, and what work makes of an input. */
static long input_of(int i)
{
    return 1000 + 7L * i;
}

static long square(long input)
{
    return input * input;
}

/* What the work function saw. */
typedef struct {
    go_duration_t cost; /* each call takes this long (virtual time) */
    atomic64_t calls[MAX_JOBS];
    atomic64_t total;     /* calls of work */
    atomic64_t strangers; /* calls with an input no job had */
    atomic64_t running, max_running;
} jobwatch_t;

static void note_running(atomic64_t *running, atomic64_t *max_running, int delta)
{
    int64_t n = atomic64_add(running, delta), m;
    while (n > (m = atomic64_load(max_running)) && !atomic64_cas(max_running, m, n)) {
    }
}

static long square_slowly(long input, void *arg)
{
    jobwatch_t *w = arg;
    atomic64_add(&w->total, 1);
    long i = (input - 1000) / 7;
    if (input < 1000 || (input - 1000) % 7 != 0 || i >= MAX_JOBS)
        atomic64_add(&w->strangers, 1);
    else
        atomic64_add(&w->calls[i], 1);
    note_running(&w->running, &w->max_running, 1);
    if (w->cost > 0) go_sleep(w->cost);
    note_running(&w->running, &w->max_running, -1);
    return square(input);
}

/* ---- the tasks: what the pool's workers run ------------------------------ */

enum { MAX_TASKS = 40 };

typedef struct board board_t;

/* One task's record; the task's arg. */
typedef struct {
    int id;
    board_t *b;
    atomic64_t runs;          /* how many times it was called */
    atomic64_t started_at;    /* virtual time since b->t0 */
    atomic64_t ended_at;      /* likewise */
    atomicbool_t interrupted; /* it stopped early: ctx was done */
} rec_t;

/* What every task of a test shares. Its tasks are patient (cost > 0: each
 * waits cost, or until its ctx is done) or gated (each waits for a token
 * on gate, or for gate's close). */
struct board {
    go_time_t t0;
    go_duration_t cost;
    chan_t *gate;
    atomic64_t started, finished, running, max_running;
    rec_t rec[MAX_TASKS];
};

static void board_init(board_t *b, go_duration_t cost, chan_t *gate)
{
    memset(b, 0, sizeof *b);
    b->t0 = time_now();
    b->cost = cost;
    b->gate = gate;
    for (int i = 0; i < MAX_TASKS; i++) {
        b->rec[i].id = i;
        b->rec[i].b = b;
    }
}

static go_duration_t since(board_t *b)
{
    return time_now() - b->t0;
}

static void task(ctx_t *ctx, void *arg)
{
    rec_t *r = arg;
    board_t *b = r->b;
    if (atomic64_add(&r->runs, 1) == 1) atomic64_store(&r->started_at, since(b));
    atomic64_add(&b->started, 1);
    note_running(&b->running, &b->max_running, 1);
    bool interrupted = false;
    if (b->cost > 0) {
        go_timer_t *t = timer_new(b->cost);
        select_case_t cs[] = {select_recv(t->C, NULL), select_recv(ctx_done(ctx), NULL)};
        interrupted = chan_select(cs, 2, SELECT_BLOCK) == 1;
        timer_free(t);
    } else if (b->gate) {
        int token;
        chan_recv(b->gate, &token);
    }
    atomicbool_store(&r->interrupted, interrupted);
    atomic64_store(&r->ended_at, since(b));
    note_running(&b->running, &b->max_running, -1);
    atomic64_add(&b->finished, 1);
}

static int64_t runs(board_t *b, int i)
{
    return atomic64_load(&b->rec[i].runs);
}

/* Lets one gated task go. */
static void release_one(board_t *b)
{
    int token = 1;
    chan_send(b->gate, &token);
}

/* ---- calls, each in a goroutine of its own ------------------------------- */

typedef struct call call_t;
struct call {
    void (*fn)(call_t *);
    /* the pool functions */
    pool_t *p;
    board_t *b;
    int first, count;            /* submits: tasks first .. first+count-1 */
    bool try_;                   /* pool_try_submit rather than pool_submit */
    const char *err[MAX_TASKS];  /* what each submit (or the shutdown) returned */
    go_duration_t at[MAX_TASKS]; /* when each returned, since b->t0 */
    atomic64_t returned;         /* how many submits have returned so far */
    int64_t finished_when_done;  /* shutdown: tasks finished when it returned */
    /* run_jobs */
    int workers, n;
    const long *inputs;
    long *outputs;
    jobwatch_t *watch;
    go_time_t t0;
    go_duration_t took;
    chan_t *done; /* closed when fn has returned */
};

static void run_call(void *arg)
{
    call_t *c = arg;
    c->fn(c);
    chan_close(c->done); /* happens before the test sees it closed: c is safe to read */
}

static void call_start(call_t *c)
{
    c->done = chan_make(0, 0);
    go(run_call, c);
}

/* After go_synctest_wait() or go_wait_idle(): has the call returned? */
static bool call_returned(call_t *c)
{
    bool ok = true;
    return chan_try_recv(c->done, NULL, &ok) && !ok;
}

/* Waits for the call to return; false if it never will. */
static bool call_wait(call_t *c)
{
    if (!recv_or_stuck(c->done)) return false;
    chan_free(c->done);
    c->done = NULL;
    return true;
}

static void do_run_jobs(call_t *c)
{
    c->t0 = time_now();
    run_jobs(c->workers, c->inputs, c->outputs, c->n, square_slowly, c->watch);
    c->took = time_since(c->t0);
}

static void do_submits(call_t *c)
{
    for (int k = 0; k < c->count; k++) {
        rec_t *r = &c->b->rec[c->first + k];
        c->err[k] = c->try_ ? pool_try_submit(c->p, task, r) : pool_submit(c->p, task, r);
        c->at[k] = since(c->b);
        atomic64_add(&c->returned, 1);
    }
}

static void do_shutdown(call_t *c)
{
    c->err[0] = pool_shutdown(c->p);
    c->at[0] = since(c->b);
    c->finished_when_done = atomic64_load(&c->b->finished);
}

/* Starts submits of tasks first .. first+count-1 in a goroutine. */
static void submits_start(call_t *c, pool_t *p, board_t *b, int first, int count, bool try_)
{
    *c = (call_t){.fn = do_submits, .p = p, .b = b, .first = first, .count = count, .try_ = try_};
    call_start(c);
}

static void shutdown_start(call_t *c, pool_t *p, board_t *b)
{
    *c = (call_t){.fn = do_shutdown, .p = p, .b = b};
    call_start(c);
}

/* Submits tasks first .. first+count-1 and waits until every submit has
 * returned; fails with `why` (and how far it got) if they never do. */
static void submit_all(call_t *c, pool_t *p, board_t *b, int first, int count, const char *why)
{
    submits_start(c, p, b, first, count, false);
    if (!call_wait(c))
        ck_abort_msg("%s: pool_submit never returned for task %lld of %d (the tasks before it "
                     "did), and every goroutine was stuck. %lld tasks had started",
                     why, (long long)(first + atomic64_load(&c->returned)), first + count,
                     (long long)atomic64_load(&b->started));
}

/* Every submit of c returned NULL at once (0s): the pool had room for
 * all of them, a worker or a place in the queue. */
static void assert_accepted_at_once(call_t *c, const char *scenario)
{
    for (int k = 0; k < c->count; k++)
        ck_assert_msg(c->err[k] == NULL && c->at[k] == 0,
                      "%s: pool_submit(task %d) returned %s at %s, expected NULL at once (0s): "
                      "a free worker or a place in the queue was waiting for it. Is the jobs "
                      "channel's capacity queue_size?",
                      scenario, c->first + k, q(c->err[k]), dur(c->at[k]));
}

/* pool_shutdown, waited for; fails with a message if it never returns. */
static void shutdown_all(call_t *c, pool_t *p, board_t *b, const char *scenario)
{
    shutdown_start(c, p, b);
    if (!call_wait(c))
        ck_abort_msg("%s: pool_shutdown never returned, and every goroutine was stuck; %lld of "
                     "the accepted tasks had finished. Does it close the jobs channel, so that "
                     "the workers' loops end, and then wait for the workers (wg_wait)?",
                     scenario, (long long)atomic64_load(&b->finished));
}

/* One pool_submit or pool_try_submit that must return at once: the call
 * runs in a goroutine, and after go_synctest_wait() it must be done. */
static const char *submit_at_once(pool_t *p, board_t *b, int id, bool try_, const char *scenario)
{
    call_t c;
    submits_start(&c, p, b, id, 1, try_);
    go_synctest_wait();
    ck_assert_msg(call_returned(&c), "%s: %s(task %d) did not return at once, it waits. %s",
                  scenario, try_ ? "pool_try_submit" : "pool_submit", id,
                  try_ ? "pool_try_submit never waits: when there is no room it returns "
                         "POOL_FULL (chan_try_send, or chan_select with SELECT_NONBLOCK)"
                       : "Here it must not wait for room: it has an answer at once");
    call_wait(&c);
    return c.err[0];
}

/* ---- Task 1: run_jobs ---------------------------------------------------- */

/* Runs run_jobs as c says; fails with a diagnosis if it never returns. */
static void call_run_jobs(call_t *c)
{
    call_start(c);
    if (call_wait(c)) return;
    int64_t done = atomic64_load(&c->watch->total);
    if (done < c->n)
        ck_abort_msg("run_jobs(%d workers, %d jobs) never returned: every goroutine was stuck "
                     "after %lld of the %d jobs had been worked on. Does run_jobs send every "
                     "job before it receives any result? Then the workers wait to hand back "
                     "their results, which nobody receives yet, while run_jobs waits for a "
                     "worker to take the next job. Send the jobs from a goroutine of their own "
                     "(or give the results channel room for every job)",
                     c->workers, c->n, (long long)done, c->n);
    ck_abort_msg("run_jobs(%d workers, %d jobs) never returned, though all %d jobs were worked "
                 "on: is it waiting for workers that never return (close the jobs channel after "
                 "the last job, so that their loops end), or for more results than there are "
                 "jobs?",
                 c->workers, c->n, c->n);
}

static void hundred_jobs(void *unused)
{
    (void)unused;
    begin();
    enum { N = 100, W = 4 };
    long inputs[N], outputs[N];
    for (int i = 0; i < N; i++) {
        inputs[i] = input_of(i);
        outputs[i] = CANARY;
    }
    jobwatch_t w;
    memset(&w, 0, sizeof w);
    call_t c = {
        .fn = do_run_jobs, .workers = W, .n = N, .inputs = inputs, .outputs = outputs, .watch = &w};
    call_run_jobs(&c);
    ck_assert_msg(atomic64_load(&w.strangers) == 0,
                  "work was called with %lld inputs that no job had: send inputs[i] as job i's "
                  "input",
                  (long long)atomic64_load(&w.strangers));
    for (int i = 0; i < N; i++) {
        int64_t calls = atomic64_load(&w.calls[i]);
        ck_assert_msg(calls == 1,
                      "run_jobs(%d workers, %d jobs): job %d (input %ld) was worked on %lld "
                      "times, expected once. %s",
                      W, N, i, inputs[i], (long long)calls,
                      calls == 0 ? "Was every job sent before the jobs channel was closed?"
                                 : "A job sent once is received by exactly one worker: is each "
                                   "worker given its own copy of the jobs?");
    }
    for (int i = 0; i < N; i++) {
        ck_assert_msg(outputs[i] != CANARY,
                      "run_jobs(%d workers, %d jobs) returned with outputs[%d] never written: "
                      "receive exactly one result per job before returning, and store each at "
                      "its job's index",
                      W, N, i);
        ck_assert_msg(outputs[i] == square(inputs[i]),
                      "outputs[%d] is %ld, expected %ld (work(%ld)): store each result's "
                      "output at the index its job carried",
                      i, outputs[i], square(inputs[i]), inputs[i]);
    }
    finish();
}

START_TEST(test_run_jobs_gives_each_of_100_jobs_its_result_exactly_once)
{
    go_synctest(hundred_jobs, NULL);
}
END_TEST

/* run_jobs(workers, n jobs of 1s each) must take exactly `rounds` seconds,
 * with `workers` jobs at once at most, and at least. */
static void timed_run(int workers, int n, int rounds)
{
    long inputs[MAX_JOBS], outputs[MAX_JOBS];
    for (int i = 0; i < n; i++) {
        inputs[i] = input_of(i);
        outputs[i] = CANARY;
    }
    jobwatch_t w;
    memset(&w, 0, sizeof w);
    w.cost = SECOND;
    call_t c = {.fn = do_run_jobs,
                .workers = workers,
                .n = n,
                .inputs = inputs,
                .outputs = outputs,
                .watch = &w};
    call_run_jobs(&c);
    int64_t most = atomic64_load(&w.max_running);
    ck_assert_msg(most <= workers,
                  "run_jobs(%d workers, %d jobs of 1s): %lld jobs ran at the same time, "
                  "but a pool of %d workers runs %d at most. Start exactly `workers` goroutines "
                  "that each take jobs one after another, not a goroutine per job",
                  workers, n, (long long)most, workers, workers);
    ck_assert_msg(most == (n < workers ? n : workers),
                  "run_jobs(%d workers, %d jobs of 1s): at most %lld jobs ran at the same time, "
                  "expected %d: are all %d workers started before the first job is sent, and "
                  "does each take its next job as soon as it has sent its result?",
                  workers, n, (long long)most, n < workers ? n : workers, workers);
    ck_assert_msg(c.took == rounds * SECOND,
                  "run_jobs(%d workers, %d jobs of 1s each) returned after %s, expected exactly "
                  "%ds (%d rounds of up to %d jobs)",
                  workers, n, dur(c.took), rounds, rounds, workers);
    for (int i = 0; i < n; i++)
        ck_assert_msg(outputs[i] == square(inputs[i]), "outputs[%d] is %ld, expected %ld", i,
                      outputs[i], square(inputs[i]));
}

static void timed_runs(void *unused)
{
    (void)unused;
    begin();
    timed_run(4, 8, 2);
    timed_run(3, 7, 3);
    timed_run(1, 3, 3);
    finish();
}

START_TEST(test_run_jobs_runs_exactly_as_many_jobs_at_once_as_it_has_workers)
{
    go_synctest(timed_runs, NULL);
}
END_TEST

static void few_or_no_jobs(void *unused)
{
    (void)unused;
    begin();
    /* More workers than jobs: the idle workers see the channel closed and
     * return too (finish() names any that doesn't). */
    timed_run(5, 2, 1);

    /* No job at all. */
    jobwatch_t w;
    memset(&w, 0, sizeof w);
    long in[1] = {input_of(0)}, out[1] = {CANARY};
    call_t c = {.fn = do_run_jobs, .workers = 3, .n = 0, .inputs = in, .outputs = out, .watch = &w};
    call_run_jobs(&c);
    ck_assert_msg(atomic64_load(&w.total) == 0 && out[0] == CANARY,
                  "run_jobs(3 workers, 0 jobs) called work %lld times (expected 0) and %s "
                  "outputs[0]",
                  (long long)atomic64_load(&w.total), out[0] == CANARY ? "left" : "changed");
    ck_assert_msg(c.took == 0, "run_jobs(3 workers, 0 jobs) took %s, expected 0s", dur(c.took));
    finish();
}

START_TEST(test_run_jobs_with_more_workers_than_jobs_or_no_jobs_at_all)
{
    go_synctest(few_or_no_jobs, NULL);
}
END_TEST

/* ---- Task 2: the bounded queue -------------------------------------------- */

static void twenty_tasks(void *unused)
{
    (void)unused;
    begin();
    board_t b;
    board_init(&b, SECOND, NULL);
    pool_t *p = pool_start(ctx_background(), 3, 4);
    call_t s, d;
    submit_all(&s, p, &b, 0, 20, "pool_start(3 workers, queue of 4), 20 tasks of 1s");
    for (int i = 0; i < 20; i++)
        ck_assert_msg(s.err[i] == NULL, "pool_submit(task %d) returned %s, expected NULL", i,
                      q(s.err[i]));
    shutdown_all(&d, p, &b, "pool_start(3 workers, queue of 4), 20 tasks of 1s");
    ck_assert_msg(d.err[0] == NULL,
                  "pool_shutdown returned %s; no context was cancelled, so it returns NULL",
                  q(d.err[0]));
    ck_assert_msg(d.finished_when_done == 20,
                  "pool_shutdown returned with %lld of the 20 accepted tasks finished: it "
                  "returns only once the workers have run them all",
                  (long long)d.finished_when_done);
    for (int i = 0; i < 20; i++)
        ck_assert_msg(runs(&b, i) == 1, "task %d ran %lld times, expected once", i,
                      (long long)runs(&b, i));
    int64_t most = atomic64_load(&b.max_running);
    ck_assert_msg(most == 3,
                  "pool_start(3 workers, queue of 4), 20 tasks of 1s: %lld tasks ran at the same "
                  "time, expected 3: %s",
                  (long long)most,
                  most > 3 ? "a pool runs each task on one of its `workers` goroutines, never a "
                             "goroutine per task"
                           : "are all 3 workers started by pool_start, each taking the next "
                             "task as soon as it is free?");
    ck_assert_msg(d.at[0] == 7 * SECOND,
                  "20 tasks of 1s on 3 workers take 7 rounds: pool_shutdown should have "
                  "returned at exactly 7s, it returned at %s",
                  dur(d.at[0]));
    pool_free(p);
    finish();
}

START_TEST(test_the_pool_runs_every_task_once_never_more_than_its_workers_at_a_time)
{
    go_synctest(twenty_tasks, NULL);
}
END_TEST

static void full_queue(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(2 workers, queue of 3), tasks that wait until released";
    chan_t *gate = chan_make(sizeof(int), 0);
    board_t b;
    board_init(&b, 0, gate);
    pool_t *p = pool_start(ctx_background(), 2, 3);

    /* Five tasks: two keep the workers busy, three wait in the queue. */
    call_t five;
    submits_start(&five, p, &b, 0, 5, false);
    go_synctest_wait();
    int64_t back = atomic64_load(&five.returned), started = atomic64_load(&b.started);
    ck_assert_msg(back == 5,
                  "%s: only %lld of the first 5 pool_submit calls returned; the next one waits. "
                  "2 busy workers and 3 places in the queue take 5 tasks without waiting: is "
                  "the jobs channel made with capacity queue_size?",
                  scenario, (long long)back);
    ck_assert_msg(started == 2,
                  "%s, 5 tasks submitted: %lld of them had started, expected 2 (one per worker; "
                  "the 3 others wait in the queue)",
                  scenario, (long long)started);

    /* The sixth finds no room: it waits. */
    call_t sixth;
    submits_start(&sixth, p, &b, 5, 1, false);
    go_synctest_wait();
    ck_assert_msg(!call_returned(&sixth),
                  "%s: the 6th pool_submit returned %s while both workers were busy and the 3 "
                  "places of the queue were taken. It must wait for room (back-pressure): a "
                  "send on a full channel of capacity queue_size does exactly that",
                  scenario, q(sixth.err[0]));

    /* A try_submit doesn't wait: it says the queue is full. */
    const char *err = submit_at_once(p, &b, 6, true, scenario);
    ck_assert_msg(err == POOL_FULL,
                  "%s, all busy and the queue full: pool_try_submit returned %s, expected "
                  "POOL_FULL",
                  scenario, q(err));

    /* One task finishes: its worker takes the next from the queue, which
     * makes room for the sixth. */
    release_one(&b);
    go_synctest_wait();
    ck_assert_msg(call_returned(&sixth),
                  "%s: a task finished and its worker took the next one from the queue, which "
                  "made room, yet the 6th pool_submit still waits",
                  scenario);
    call_wait(&sixth);
    ck_assert_msg(sixth.err[0] == NULL, "the 6th pool_submit returned %s, expected NULL",
                  q(sixth.err[0]));
    ck_assert_msg(atomic64_load(&b.started) == 3,
                  "%s: after one task finished, %lld tasks had started, expected 3", scenario,
                  (long long)atomic64_load(&b.started));

    chan_close(gate); /* every task may finish now */
    call_t d;
    call_wait(&five);
    shutdown_all(&d, p, &b, scenario);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(runs(&b, i) == 1, "task %d ran %lld times, expected once", i,
                      (long long)runs(&b, i));
    ck_assert_msg(runs(&b, 6) == 0,
                  "the task pool_try_submit refused (POOL_FULL) ran anyway, %lld times",
                  (long long)runs(&b, 6));
    pool_free(p);
    chan_free(gate);
    finish();
}

START_TEST(test_submit_waits_for_room_while_every_worker_is_busy_and_the_queue_is_full)
{
    go_synctest(full_queue, NULL);
}
END_TEST

static void try_until_full(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(1 worker, queue of 2), tasks that wait until released";
    chan_t *gate = chan_make(sizeof(int), 0);
    board_t b;
    board_init(&b, 0, gate);
    pool_t *p = pool_start(ctx_background(), 1, 2);
    go_synctest_wait(); /* the worker waits for a task */

    const char *want[] = {NULL, NULL, NULL, POOL_FULL};
    for (int i = 0; i < 4; i++) {
        const char *err = submit_at_once(p, &b, i, true, scenario);
        ck_assert_msg(err == want[i],
                      "%s: pool_try_submit of task %d returned %s, expected %s (%s)", scenario, i,
                      q(err), q(want[i]),
                      i == 0  ? "the worker is free"
                      : i < 3 ? "the worker is busy, and the queue has room"
                              : "the worker is busy and both places of the queue are taken");
        go_synctest_wait(); /* the worker takes what it can */
    }
    release_one(&b); /* task 0 ends; task 1 leaves the queue */
    go_synctest_wait();
    const char *err = submit_at_once(p, &b, 4, true, scenario);
    ck_assert_msg(err == NULL,
                  "%s: after a task finished and the worker took the next, the queue had room "
                  "again, but pool_try_submit returned %s",
                  scenario, q(err));

    chan_close(gate);
    call_t d;
    shutdown_all(&d, p, &b, scenario);
    const int want_runs[] = {1, 1, 1, 0, 1};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(runs(&b, i) == want_runs[i], "task %d ran %lld times, expected %d%s", i,
                      (long long)runs(&b, i), want_runs[i],
                      want_runs[i] ? "" : ": pool_try_submit refused it with POOL_FULL");
    pool_free(p);
    chan_free(gate);
    finish();
}

START_TEST(test_try_submit_says_full_instead_of_waiting)
{
    go_synctest(try_until_full, NULL);
}
END_TEST

static void submit_timeline(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(2 workers, queue of 3), 9 tasks of 1s";
    board_t b;
    board_init(&b, SECOND, NULL);
    pool_t *p = pool_start(ctx_background(), 2, 3);
    call_t s, d;
    submit_all(&s, p, &b, 0, 9, scenario);

    /* 5 accepted at once (2 running, 3 queued); then each second the two
     * workers finish, take two from the queue, and two submits get in. */
    const go_duration_t want[9] = {0, 0, 0, 0, 0, SECOND, SECOND, 2 * SECOND, 2 * SECOND};
    for (int i = 0; i < 9; i++) {
        ck_assert_msg(s.err[i] == NULL, "%s: pool_submit(task %d) returned %s, expected NULL",
                      scenario, i, q(s.err[i]));
        if (s.at[i] > want[i])
            ck_abort_msg("%s: pool_submit(task %d) returned at %s, expected %s. The first 5 "
                         "are accepted at once (2 running, 3 in the queue); after that, one "
                         "each time a worker takes a task out of the queue. Is the jobs "
                         "channel's capacity queue_size?",
                         scenario, i, dur(s.at[i]), dur(want[i]));
        if (s.at[i] < want[i])
            ck_abort_msg("%s: pool_submit(task %d) returned at %s, expected %s: it got in "
                         "while 2 tasks were running and 3 waited in the queue. The queue "
                         "holds queue_size tasks at most; once it is full, submit waits for "
                         "room",
                         scenario, i, dur(s.at[i]), dur(want[i]));
    }
    shutdown_all(&d, p, &b, scenario);
    ck_assert_msg(d.at[0] == 5 * SECOND,
                  "%s: pool_shutdown returned at %s, expected 5s (9 tasks, 2 at a time)", scenario,
                  dur(d.at[0]));
    pool_free(p);
    finish();
}

START_TEST(test_each_waiting_submit_returns_as_soon_as_a_worker_makes_room)
{
    go_synctest(submit_timeline, NULL);
}
END_TEST

/* ---- Task 3: graceful shutdown ---------------------------------------------- */

static void drain_on_shutdown(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(2 workers, queue of 10), 10 tasks of 1s, then "
                           "pool_shutdown at once";
    board_t b;
    board_init(&b, SECOND, NULL);
    pool_t *p = pool_start(ctx_background(), 2, 10);
    call_t s, d;
    submit_all(&s, p, &b, 0, 10, scenario);
    assert_accepted_at_once(&s, scenario);

    shutdown_all(&d, p, &b, scenario);
    ck_assert_msg(d.finished_when_done == 10,
                  "%s: pool_shutdown returned at %s with %lld of the 10 accepted tasks run. A "
                  "graceful shutdown finishes the queue: close the jobs channel (a closed channel "
                  "still delivers what it holds, and only then says closed), and wait until every "
                  "worker has returned",
                  scenario, dur(d.at[0]), (long long)d.finished_when_done);
    for (int i = 0; i < 10; i++)
        ck_assert_msg(runs(&b, i) == 1, "%s: task %d ran %lld times, expected once", scenario, i,
                      (long long)runs(&b, i));
    ck_assert_msg(d.err[0] == NULL,
                  "%s: pool_shutdown returned %s, expected NULL: the workers ran out of work, "
                  "no context was cancelled",
                  scenario, q(d.err[0]));
    ck_assert_msg(d.at[0] == 5 * SECOND,
                  "%s: pool_shutdown returned at %s, expected exactly 5s (10 tasks, 2 at a time)",
                  scenario, dur(d.at[0]));
    pool_free(p);
    finish();
}

START_TEST(test_shutdown_runs_every_accepted_task_before_it_returns)
{
    go_synctest(drain_on_shutdown, NULL);
}
END_TEST

static void closed_for_business(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "after pool_shutdown returned";
    board_t b;
    board_init(&b, SECOND, NULL);
    pool_t *p = pool_start(ctx_background(), 2, 2);
    call_t s, d;
    submit_all(&s, p, &b, 0, 1, "pool_start(2 workers, queue of 2), 1 task of 1s");
    shutdown_all(&d, p, &b, "pool_start(2 workers, queue of 2), 1 task of 1s");
    ck_assert_msg(d.err[0] == NULL && runs(&b, 0) == 1,
                  "pool_shutdown returned %s having run the one task %lld times; expected NULL "
                  "and once",
                  q(d.err[0]), (long long)runs(&b, 0));

    const char *err = submit_at_once(p, &b, 1, false, scenario);
    ck_assert_msg(err == POOL_CLOSED, "%s, pool_submit returned %s, expected POOL_CLOSED", scenario,
                  q(err));
    err = submit_at_once(p, &b, 2, true, scenario);
    ck_assert_msg(err == POOL_CLOSED, "%s, pool_try_submit returned %s, expected POOL_CLOSED",
                  scenario, q(err));
    go_synctest_wait();
    ck_assert_msg(runs(&b, 1) == 0 && runs(&b, 2) == 0,
                  "%s, a task submitted anyway ran: a closed pool runs nothing new", scenario);
    pool_free(p);
    finish();
}

START_TEST(test_submit_after_shutdown_returns_pool_closed_and_runs_nothing)
{
    go_synctest(closed_for_business, NULL);
}
END_TEST

/* Real time (see the top of the file). */
START_TEST(test_a_submit_waiting_for_room_when_shutdown_begins_never_panics)
{
    begin_real();
    const char *scenario = "pool_start(1 worker, queue of 1), tasks that wait until released";
    chan_t *gate = chan_make(sizeof(int), 0);
    board_t b;
    board_init(&b, 0, gate);
    pool_t *p = pool_start(ctx_background(), 1, 1);

    /* Task 0 keeps the worker busy, task 1 fills the queue, and a third
     * submit (task 2) waits for room. */
    call_t s;
    submit_all(&s, p, &b, 0, 2, scenario);
    call_t waiting;
    submits_start(&waiting, p, &b, 2, 1, false);
    go_wait_idle();
    ck_assert_msg(!call_returned(&waiting),
                  "%s: pool_submit(task 2) returned %s while the worker was busy and the queue "
                  "full; it must wait for room",
                  scenario, q(waiting.err[0]));

    /* Now the shutdown. A shutdown that closes the jobs channel at once
     * makes the waiting send panic: "send on closed channel". */
    call_t d;
    shutdown_start(&d, p, &b);
    go_wait_idle();
    ck_assert_msg(!call_returned(&d),
                  "%s: pool_shutdown returned %s while task 0 was still running: it returns "
                  "only once every accepted task has run",
                  scenario, q(d.err[0]));

    /* While the shutdown waits, a new submit is turned away at once. */
    call_t late;
    submits_start(&late, p, &b, 3, 1, false);
    go_wait_idle();
    bool returned = call_returned(&late);
    if (!returned) chan_close(gate); /* let the others go: the test fails anyway */
    ck_assert_msg(returned,
                  "%s: pool_submit(task 3), called while pool_shutdown was waiting for the "
                  "tasks, did not return at once: once shutdown has begun, submit returns "
                  "POOL_CLOSED without waiting. Is it waiting for a lock that a waiting submit "
                  "or pool_shutdown holds? Hold no lock while you wait on a channel",
                  scenario);
    call_wait(&late);
    ck_assert_msg(late.err[0] == POOL_CLOSED,
                  "%s: pool_submit(task 3) during pool_shutdown returned %s, expected "
                  "POOL_CLOSED",
                  scenario, q(late.err[0]));

    chan_close(gate); /* the tasks may finish */
    call_wait(&d);
    call_wait(&waiting);
    ck_assert_msg(d.err[0] == NULL, "%s: pool_shutdown returned %s, expected NULL", scenario,
                  q(d.err[0]));
    ck_assert_msg(runs(&b, 0) == 1 && runs(&b, 1) == 1,
                  "%s: tasks 0 and 1, accepted before the shutdown, ran %lld and %lld times; a "
                  "graceful shutdown runs every accepted task once",
                  scenario, (long long)runs(&b, 0), (long long)runs(&b, 1));
    if (waiting.err[0] == NULL)
        ck_assert_msg(runs(&b, 2) == 1,
                      "%s: pool_submit(task 2), which was waiting for room when the shutdown "
                      "began, returned NULL (accepted), but the task ran %lld times: an "
                      "accepted task runs once",
                      scenario, (long long)runs(&b, 2));
    else
        ck_assert_msg(waiting.err[0] == POOL_CLOSED && runs(&b, 2) == 0,
                      "%s: pool_submit(task 2), which was waiting for room when the shutdown "
                      "began, returned %s and its task ran %lld times: expected NULL (it ran) "
                      "or POOL_CLOSED (it never ran)",
                      scenario, q(waiting.err[0]), (long long)runs(&b, 2));
    ck_assert_msg(runs(&b, 3) == 0, "%s: task 3, refused with POOL_CLOSED, ran anyway", scenario);
    pool_free(p);
    chan_free(gate);
    finish();
}
END_TEST

/* Real time (see the top of the file). */
START_TEST(test_shutdown_can_be_called_twice_and_from_two_goroutines_at_once)
{
    begin_real();
    const char *scenario = "pool_start(2 workers, queue of 2), 3 tasks that wait until released";
    chan_t *gate = chan_make(sizeof(int), 0);
    board_t b;
    board_init(&b, 0, gate);
    pool_t *p = pool_start(ctx_background(), 2, 2);
    call_t s;
    submit_all(&s, p, &b, 0, 3, scenario);

    call_t d1, d2;
    shutdown_start(&d1, p, &b);
    shutdown_start(&d2, p, &b);
    go_wait_idle();
    bool early = call_returned(&d1) || call_returned(&d2);
    if (early) chan_close(gate);
    ck_assert_msg(!early,
                  "%s, then pool_shutdown from two goroutines at once: one of them returned "
                  "while the tasks were still running. Every call waits for the workers, not "
                  "only the first",
                  scenario);

    chan_close(gate);
    call_wait(&d1);
    call_wait(&d2);
    ck_assert_msg(d1.err[0] == NULL && d2.err[0] == NULL,
                  "%s: the two pool_shutdown calls returned %s and %s, expected NULL both",
                  scenario, q(d1.err[0]), q(d2.err[0]));
    ck_assert_msg(d1.finished_when_done == 3 && d2.finished_when_done == 3,
                  "%s: the two pool_shutdown calls returned with %lld and %lld of the 3 tasks "
                  "finished; each must wait for all of them",
                  scenario, (long long)d1.finished_when_done, (long long)d2.finished_when_done);

    /* A third time, after the pool is down: at once, the same answer. */
    call_t d3;
    shutdown_start(&d3, p, &b);
    go_wait_idle();
    ck_assert_msg(call_returned(&d3),
                  "%s: a third pool_shutdown, after the first two returned, did not return",
                  scenario);
    call_wait(&d3);
    ck_assert_msg(d3.err[0] == NULL, "%s: a third pool_shutdown returned %s, expected NULL",
                  scenario, q(d3.err[0]));
    for (int i = 0; i < 3; i++)
        ck_assert_msg(runs(&b, i) == 1, "%s: task %d ran %lld times, expected once", scenario, i,
                      (long long)runs(&b, i));
    pool_free(p);
    chan_free(gate);
    finish();
}
END_TEST

/* ---- Task 4: cancellation ------------------------------------------------ */

enum { CANCEL_ROUNDS = 4, CANCEL_WORKERS = 4, CANCEL_QUEUE = 8 };

static void cancel_midway(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(ctx, 4 workers, queue of 8), 12 tasks of 10s, "
                           "pool_shutdown, and ctx cancelled at 3s";
    /* Several rounds: a worker that picks a queued task over the
     * cancellation does so at random (select's choice), so one round could
     * miss it. */
    for (int round = 0; round < CANCEL_ROUNDS; round++) {
        board_t b;
        board_init(&b, 10 * SECOND, NULL);
        ctx_t *ctx = ctx_with_cancel(ctx_background());
        pool_t *p = pool_start(ctx, CANCEL_WORKERS, CANCEL_QUEUE);
        call_t s, d;
        enum { N = CANCEL_WORKERS + CANCEL_QUEUE };
        submit_all(&s, p, &b, 0, N, scenario);
        assert_accepted_at_once(&s, scenario);
        shutdown_start(&d, p, &b);

        go_sleep(3 * SECOND);
        ctx_cancel(ctx); /* our reference; the pool holds its own */

        ck_assert_msg(call_wait(&d),
                      "%s: pool_shutdown never returned after the cancellation (%lld tasks had "
                      "started, %lld finished). The workers must stop when ctx is done: wait "
                      "for a task in a select on the jobs channel and on ctx_done(ctx)",
                      scenario, (long long)atomic64_load(&b.started),
                      (long long)atomic64_load(&b.finished));
        for (int i = 0; i < CANCEL_WORKERS; i++) {
            rec_t *r = &b.rec[i];
            ck_assert_msg(atomic64_load(&r->runs) == 1 && atomicbool_load(&r->interrupted),
                          "%s: task %d, running when ctx was cancelled, %s", scenario, i,
                          atomic64_load(&r->runs) != 1 ? "did not run exactly once"
                                                       : "was not told: give each task the "
                                                         "pool's ctx");
        }
        for (int i = CANCEL_WORKERS; i < N; i++)
            ck_assert_msg(runs(&b, i) == 0,
                          "%s: task %d, still in the queue at the cancellation, ran anyway (at "
                          "%s). Once ctx is done, no task starts: a worker waits for its next "
                          "task in a chan_select on the jobs channel and on ctx_done(ctx), and "
                          "since chan_select picks either case at random when both are ready, "
                          "it checks ctx_err(ctx) after receiving a task, before running it",
                          scenario, i, dur(atomic64_load(&b.rec[i].started_at)));
        ck_assert_msg(d.err[0] == CTX_CANCELED,
                      "%s: pool_shutdown returned %s, expected \"context canceled\" "
                      "(ctx_err(ctx)): the workers stopped because ctx was cancelled",
                      scenario, q(d.err[0]));
        ck_assert_msg(d.at[0] == 3 * SECOND,
                      "%s: pool_shutdown returned at %s, expected at 3s: the cancellation ends "
                      "the running tasks at once, and the queued ones never start",
                      scenario, dur(d.at[0]));
        pool_free(p);
    }
    finish();
}

START_TEST(test_cancelling_the_context_stops_the_workers_early)
{
    go_synctest(cancel_midway, NULL);
}
END_TEST

static void deadline_midway(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(a context with a 2.5s timeout, 1 worker, queue of 10), "
                           "10 tasks of 1s";
    board_t b;
    board_init(&b, SECOND, NULL);
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 2500 * MILLISECOND);
    pool_t *p = pool_start(ctx, 1, 10);
    call_t s, d;
    submit_all(&s, p, &b, 0, 10, scenario);
    assert_accepted_at_once(&s, scenario);
    shutdown_all(&d, p, &b, scenario);

    for (int i = 0; i < 2; i++)
        ck_assert_msg(runs(&b, i) == 1 && !atomicbool_load(&b.rec[i].interrupted),
                      "%s: task %d, before the deadline, should have run to its end", scenario, i);
    ck_assert_msg(runs(&b, 2) == 1 && atomicbool_load(&b.rec[2].interrupted),
                  "%s: task 2, running at the deadline, should have been interrupted (it "
                  "watches the ctx it was given)",
                  scenario);
    for (int i = 3; i < 10; i++)
        ck_assert_msg(runs(&b, i) == 0,
                      "%s: task %d, still queued at the deadline, ran anyway (at %s): once ctx "
                      "is done, no task starts. Do the workers watch ctx_done(ctx), and check "
                      "ctx_err(ctx) before each task?",
                      scenario, i, dur(atomic64_load(&b.rec[i].started_at)));
    ck_assert_msg(d.err[0] == CTX_DEADLINE_EXCEEDED,
                  "%s: pool_shutdown returned %s, expected \"context deadline exceeded\" "
                  "(ctx_err(ctx))",
                  scenario, q(d.err[0]));
    ck_assert_msg(d.at[0] == 2500 * MILLISECOND,
                  "%s: pool_shutdown returned at %s, expected at the deadline, 2.5s", scenario,
                  dur(d.at[0]));
    pool_free(p);
    ctx_cancel(ctx); /* our reference */
    finish();
}

START_TEST(test_a_deadline_stops_the_pool_with_deadline_exceeded)
{
    go_synctest(deadline_midway, NULL);
}
END_TEST

enum { AFTER_CANCEL_SUBMITS = 16 };

static void submits_after_cancel(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(ctx, 1 worker, queue of 1), tasks of 10s";
    board_t b;
    board_init(&b, 10 * SECOND, NULL);
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx); /* one reference to cancel with, one to look at ctx afterwards */
    pool_t *p = pool_start(ctx, 1, 1);

    /* Task 0 runs, task 1 waits in the queue, the submit of task 2 waits
     * for room. */
    call_t s;
    submit_all(&s, p, &b, 0, 2, scenario);
    assert_accepted_at_once(&s, scenario);
    call_t waiting;
    submits_start(&waiting, p, &b, 2, 1, false);
    go_synctest_wait();
    ck_assert_msg(!call_returned(&waiting),
                  "%s: pool_submit(task 2) returned %s with the worker busy and the queue "
                  "full; it must wait for room",
                  scenario, q(waiting.err[0]));

    ctx_cancel(ctx);
    go_synctest_wait();
    ck_assert_msg(call_returned(&waiting),
                  "%s: pool_submit(task 2) was waiting for room when ctx was cancelled, and "
                  "still waits. The workers have stopped: room never comes. Wait for room in a "
                  "chan_select on the send and on ctx_done(ctx)",
                  scenario);
    call_wait(&waiting);
    ck_assert_msg(runs(&b, 1) == 0,
                  "%s: task 1, in the queue when ctx was cancelled, ran anyway (which made room "
                  "for the waiting submit): once ctx is done, no task starts. Do the workers "
                  "watch ctx_done(ctx), and check ctx_err(ctx) before each task?",
                  scenario);
    ck_assert_msg(waiting.err[0] == CTX_CANCELED,
                  "%s: pool_submit(task 2), waiting for room when ctx was cancelled, returned "
                  "%s, expected \"context canceled\" (ctx_err(ctx))",
                  scenario, q(waiting.err[0]));
    const char *err = submit_at_once(p, &b, 3, true, scenario);
    ck_assert_msg(err == CTX_CANCELED,
                  "%s: pool_try_submit after the cancellation returned %s, expected \"context "
                  "canceled\"",
                  scenario, q(err));
    call_t d;
    shutdown_all(&d, p, &b, scenario);
    ck_assert_msg(d.err[0] == CTX_CANCELED && d.at[0] == 0,
                  "%s, cancelled before pool_shutdown: it returned %s at %s, expected \"context "
                  "canceled\" at once (0s)",
                  scenario, q(d.err[0]), dur(d.at[0]));
    ck_assert_msg(runs(&b, 0) == 1 && atomicbool_load(&b.rec[0].interrupted),
                  "%s: task 0, running at the cancellation, should have run once and been "
                  "interrupted",
                  scenario);
    for (int i = 1; i < 4; i++)
        ck_assert_msg(runs(&b, i) == 0, "%s: task %d ran after the cancellation", scenario, i);
    ck_assert_msg(ctx_err(ctx) == CTX_CANCELED, "ctx_err(ctx) changed after the cancellation");
    pool_free(p);
    ctx_release(ctx);

    /* A pool with room in its queue, cancelled before any submit: every
     * submit must say so. Check ctx_err first: with room in the queue and
     * ctx done, a select would pick either case at random. */
    scenario = "pool_start(ctx, 2 workers, queue of 16), ctx cancelled before any submit";
    board_init(&b, 10 * SECOND, NULL);
    ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx);
    p = pool_start(ctx, 2, AFTER_CANCEL_SUBMITS);
    ctx_cancel(ctx);
    go_synctest_wait(); /* the workers have seen it */
    call_t many;
    submits_start(&many, p, &b, 0, AFTER_CANCEL_SUBMITS, false);
    ck_assert_msg(call_wait(&many),
                  "%s: pool_submit did not return (%lld of %d had); nothing will ever take "
                  "tasks from this pool",
                  scenario, (long long)atomic64_load(&many.returned), AFTER_CANCEL_SUBMITS);
    int accepted = 0;
    for (int i = 0; i < AFTER_CANCEL_SUBMITS; i++) {
        ck_assert_msg(many.err[i] == NULL || many.err[i] == CTX_CANCELED,
                      "%s: pool_submit returned %s, expected \"context canceled\"", scenario,
                      q(many.err[i]));
        accepted += many.err[i] == NULL;
    }
    ck_assert_msg(accepted == 0,
                  "%s: %d of %d pool_submit calls returned NULL (accepted), but the workers "
                  "have stopped: those tasks never run. Check ctx_err(ctx) before offering the "
                  "task: with room in the queue and ctx done, chan_select picks the send or "
                  "ctx_done at random",
                  scenario, accepted, AFTER_CANCEL_SUBMITS);
    shutdown_all(&d, p, &b, scenario);
    ck_assert_msg(d.err[0] == CTX_CANCELED,
                  "%s: pool_shutdown returned %s, expected \"context canceled\"", scenario,
                  q(d.err[0]));
    ck_assert_msg(atomic64_load(&b.started) == 0, "%s: %lld tasks ran", scenario,
                  (long long)atomic64_load(&b.started));
    pool_free(p);
    ctx_release(ctx);
    finish();
}

START_TEST(test_submit_after_cancellation_returns_the_contexts_error)
{
    go_synctest(submits_after_cancel, NULL);
}
END_TEST

static void live_context(void *unused)
{
    (void)unused;
    begin();
    const char *scenario = "pool_start(a cancellable ctx, 2 workers, queue of 4), 4 tasks of "
                           "1s, pool_shutdown, ctx never cancelled";
    board_t b;
    board_init(&b, SECOND, NULL);
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    pool_t *p = pool_start(ctx, 2, 4);
    call_t s, d;
    submit_all(&s, p, &b, 0, 4, scenario);
    assert_accepted_at_once(&s, scenario);
    shutdown_all(&d, p, &b, scenario);
    ck_assert_msg(d.err[0] == NULL,
                  "%s: pool_shutdown returned %s, expected NULL: the workers ran out of work, "
                  "ctx was never done",
                  scenario, q(d.err[0]));
    ck_assert_msg(d.at[0] == 2 * SECOND, "%s: pool_shutdown returned at %s, expected 2s", scenario,
                  dur(d.at[0]));
    for (int i = 0; i < 4; i++)
        ck_assert_msg(runs(&b, i) == 1 && !atomicbool_load(&b.rec[i].interrupted), "%s: task %d %s",
                      scenario, i,
                      runs(&b, i) != 1 ? "did not run exactly once"
                                       : "saw its ctx done: a shutdown lets the tasks finish");
    ck_assert_msg(ctx_err(ctx) == NULL,
                  "%s: after pool_shutdown, ctx says %s: the pool cancelled a context that "
                  "isn't its own. It may watch ctx, never cancel it",
                  scenario, q(ctx_err(ctx)));

    /* The workers stopped because they ran out of work. A later
     * cancellation doesn't change that, and every pool_shutdown gives the
     * same answer. */
    ctx_retain(ctx);
    ctx_cancel(ctx);
    call_t again;
    shutdown_all(&again, p, &b, scenario);
    ck_assert_msg(again.err[0] == NULL,
                  "%s, then ctx cancelled once the pool was down: a second pool_shutdown "
                  "returned %s, expected NULL like the first. The workers stopped because they "
                  "ran out of work: record why each worker stopped, when it stops, rather than "
                  "asking ctx afterwards",
                  scenario, q(again.err[0]));
    ctx_release(ctx);
    finish();
}

START_TEST(test_a_pool_that_finishes_its_work_returns_null_and_leaves_the_context_alone)
{
    go_synctest(live_context, NULL);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("workerpool");
    kata_add_test(s, test_run_jobs_gives_each_of_100_jobs_its_result_exactly_once);
    kata_add_test(s, test_run_jobs_runs_exactly_as_many_jobs_at_once_as_it_has_workers);
    kata_add_test(s, test_run_jobs_with_more_workers_than_jobs_or_no_jobs_at_all);
    kata_add_test(s, test_the_pool_runs_every_task_once_never_more_than_its_workers_at_a_time);
    kata_add_test(s, test_submit_waits_for_room_while_every_worker_is_busy_and_the_queue_is_full);
    kata_add_test(s, test_try_submit_says_full_instead_of_waiting);
    kata_add_test(s, test_each_waiting_submit_returns_as_soon_as_a_worker_makes_room);
    kata_add_test(s, test_shutdown_runs_every_accepted_task_before_it_returns);
    kata_add_test(s, test_submit_after_shutdown_returns_pool_closed_and_runs_nothing);
    kata_add_test(s, test_a_submit_waiting_for_room_when_shutdown_begins_never_panics);
    kata_add_test(s, test_shutdown_can_be_called_twice_and_from_two_goroutines_at_once);
    kata_add_test(s, test_cancelling_the_context_stops_the_workers_early);
    kata_add_test(s, test_a_deadline_stops_the_pool_with_deadline_exceeded);
    kata_add_test(s, test_submit_after_cancellation_returns_the_contexts_error);
    kata_add_test(s, test_a_pool_that_finishes_its_work_returns_null_and_leaves_the_context_alone);
    return s;
}
