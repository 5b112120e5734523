/*
 * 20 · A job queue with metrics: the tests that grade
 * katas/20-job-queue-metrics/jobqueue.c.
 *
 * The queue's tests (task 1) and the tests that run 200 jobs through it run
 * in a synctest bubble (go_synctest): the jobs sleep in virtual time, so
 * every duration is exact (a job of 50 ms took exactly 50 ms, and lands in
 * exactly one bucket) and "8 workers" can be checked as "16 jobs of 1 s
 * took 2 s". All waiting goes through one deadline an hour away: virtual
 * time reaches it only when every goroutine is stuck for good, and the test
 * then says what is stuck instead of hanging. go_synctest_wait() stops the
 * world at a known moment (every worker inside a job, the queue full): the
 * numbers there are exact too.
 *
 * The metrics' own tests (task 2) and the scrape-during-load test (task 3)
 * run in real time, on purpose: 8 goroutines record jobs as fast as they
 * can while the test reads the metrics over and over, the way a monitoring
 * server scrapes a busy service. A histogram whose numbers are not updated
 * and read together shows it there (a +Inf bucket that is not the count);
 * a counter updated without synchronization is a data race that both
 * detectors report, and usually loses updates too. Under the detectors
 * those tests run light (see LOAD_MAX_LIGHT): the detectors find a race
 * from the order of the accesses, not from a lucky timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gkcheck.h"
#include "jobqueue.h"
#include "kata_test.h"

/* ck_assert_msg without its bookkeeping on success: Check writes every
 * assertion that passes to a file (the last place reached, for a crash
 * report), and the load tests make millions of them, enough to hit the
 * grader's output limit. */
#define expect(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) ck_abort_msg(__VA_ARGS__);                                                    \
    } while (0)

#define SECS(d) ((double)(d) / SECOND) /* for messages: "%g s" */

static const go_duration_t bounds[HISTOGRAM_BOUNDS] = HISTOGRAM_BOUND_VALUES;
static const char *const le_labels[HISTOGRAM_BUCKETS] = HISTOGRAM_LE_LABELS;

/* The bucket a duration falls in (not cumulative): the first bound >= d. */
static int bucket_of(go_duration_t d)
{
    int b = 0;
    while (b < HISTOGRAM_BOUNDS && d > bounds[b])
        b++;
    return b;
}

/* A small fixed-seed generator (xorshift64): the same jobs every run. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- The watchdog: a spin, named ----------------------------------------- */

/* Real seconds before the watchdog speaks (times GOKATA_TIMEOUT_SCALE, which
 * the grader sets for its slower passes). A correct solution needs well
 * under a second of real time per test; the harness's own limit is 10 s. */
enum { WATCHDOG_SECONDS = 6 };

/* Runs body(arg) in a bubble, watched. */
static void run_test(go_func_t body, void *arg)
{
    gk_synctest_watched(body, arg, WATCHDOG_SECONDS,
                        "Is a loop polling (chan_len, chan_try_recv, a select with a default) "
                        "instead of waiting on a channel?");
}

/* ---- Inside a bubble: time, one deadline, the leak check ----------------- */

static go_timer_t *deadline;
static go_leak_mark_t leak_mark;

/* Every bubble test body starts with begin() and ends with finish(). */
static void begin(void)
{
    leak_mark = go_leak_mark();
    deadline = timer_new(HOUR);
}

/* Fails the test if a goroutine started by the test (the queue's included)
 * is still alive: it would be stuck forever, a leak. */
static void finish(void)
{
    timer_free(deadline);
    deadline = NULL;
    static char leaks[8192];
    if (go_leak_check(leak_mark, leaks, sizeof leaks) != 0)
        ck_abort_msg("a goroutine of the queue is still alive after its results channel was "
                     "closed and jobqueue_free returned: a leak. Every worker returns once the "
                     "jobs channel is closed and drained; whatever closes results returns right "
                     "after. Still alive:\n%s",
                     leaks);
}

/* True if ch is closed (or receives) before the test's deadline: false when
 * every goroutine has been stuck for an hour of virtual time. */
static bool closes_in_time(chan_t *ch)
{
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(deadline->C, NULL)};
    return chan_select(cs, 2, SELECT_BLOCK) == 0;
}

/* ---- Jobs whose every property the test knows ---------------------------- */

typedef struct {
    go_duration_t work; /* how long the job runs (it sleeps, in virtual time) */
    bool ok;            /* what it returns */
    atomic64_t calls;   /* how many times it ran */
} spec_t;

enum { MAX_JOBS = 200 };

typedef struct {
    spec_t specs[MAX_JOBS];
    int n;
    atomic64_t running;     /* jobs inside job_fn now */
    atomic64_t max_running; /* the most there ever were at once */
} jobset_t;

static bool job_fn(long id, void *arg)
{
    jobset_t *js = arg;
    expect(id >= 0 && id < js->n,
           "a job ran with id %ld, but the test submitted ids 0 to %d only: the worker "
           "must call job.fn(job.id, job.arg) with the job it received",
           id, js->n - 1);
    spec_t *s = &js->specs[id];
    atomic64_add(&s->calls, 1);
    int64_t r = atomic64_add(&js->running, 1);
    int64_t max = atomic64_load(&js->max_running);
    while (r > max && !atomic64_cas(&js->max_running, max, r))
        max = atomic64_load(&js->max_running);
    if (s->work > 0) go_sleep(s->work);
    atomic64_add(&js->running, -1);
    return s->ok;
}

static void jobset_init(jobset_t *js, int n)
{
    memset(js, 0, sizeof *js);
    js->n = n;
}

/* n jobs with durations picked (fixed seed) from a list that hits every
 * bucket and several bounds exactly; about one in six fails. */
static void jobset_random(jobset_t *js, int n, uint64_t seed)
{
    static const go_duration_t works[] = {
        5 * MILLISECOND,   10 * MILLISECOND,
        20 * MILLISECOND,  50 * MILLISECOND,
        80 * MILLISECOND,  100 * MILLISECOND,
        300 * MILLISECOND, 500 * MILLISECOND,
        700 * MILLISECOND, SECOND,
        2 * SECOND,        5 * SECOND,
        6 * SECOND,
    };
    jobset_init(js, n);
    for (int i = 0; i < n; i++) {
        js->specs[i].work = works[next_rand(&seed) % (sizeof works / sizeof works[0])];
        js->specs[i].ok = next_rand(&seed) % 6 != 0;
    }
}

/* ---- Submitting: some goroutines submit, then one closes the queue -------- */

enum { MAX_SUBMITTERS = 4 };

typedef struct producer producer_t;
typedef struct {
    producer_t *p;
    int k; /* submits ids k, k + nsub, k + 2 nsub, ... */
} submitter_t;

struct producer {
    jobqueue_t *q;
    jobset_t *js;
    int nsub;
    submitter_t subs[MAX_SUBMITTERS];
    wg_t submitters;
    atomic64_t returned;          /* jobqueue_submit calls that have returned */
    atomicbool_t closing;         /* set just before jobqueue_close is called */
    go_duration_t close_called;   /* when it was called (read after `closed`) */
    go_duration_t close_returned; /* when it returned (read after `closed`) */
    chan_t *closed;               /* closed once jobqueue_close has returned */
    wg_t wg;
};

static void submit_some(void *arg)
{
    submitter_t *s = arg;
    producer_t *p = s->p;
    for (int id = s->k; id < p->js->n; id += p->nsub) {
        jobqueue_submit(p->q, (job_t){.id = id, .fn = job_fn, .arg = p->js});
        atomic64_add(&p->returned, 1);
    }
    wg_done(&p->submitters);
}

/* The one who knows no submit is left: waits for every submitter, then
 * closes the queue. */
static void produce(void *arg)
{
    producer_t *p = arg;
    for (int k = 0; k < p->nsub; k++) {
        p->subs[k] = (submitter_t){.p = p, .k = k};
        wg_add(&p->submitters, 1);
        go(submit_some, &p->subs[k]);
    }
    wg_wait(&p->submitters);
    p->close_called = gk_now();
    atomicbool_store(&p->closing, true);
    jobqueue_close(p->q);
    p->close_returned = gk_now();
    chan_close(p->closed);
    wg_done(&p->wg);
}

static void start_producer(producer_t *p, jobqueue_t *q, jobset_t *js, int nsub)
{
    memset(p, 0, sizeof *p);
    p->q = q;
    p->js = js;
    p->nsub = nsub;
    p->closed = chan_make(0, 0);
    wg_add(&p->wg, 1);
    go(produce, p);
}

/* Once every result is in: jobqueue_close has returned long ago. */
static void end_producer(producer_t *p)
{
    if (!closes_in_time(p->closed))
        ck_abort_msg("every result came and the results channel was closed, but jobqueue_close "
                     "has not returned: it must close the jobs channel and return, without "
                     "waiting for anything");
    wg_wait(&p->wg);
    chan_free(p->closed);
}

/* ---- Receiving the results -------------------------------------------------- */

typedef enum { RESULTS_CLOSED, RESULTS_STUCK, RESULTS_TOO_MANY } collect_end_t;

typedef struct {
    result_t got[MAX_JOBS];
    go_duration_t at[MAX_JOBS]; /* when each arrived */
    int n;
    go_duration_t closed_at;
    collect_end_t end;
} collected_t;

/* Receives results until the channel is closed; stops early if more than
 * max arrive or nothing happens for the rest of the hour. */
static void collect(chan_t *results, int max, collected_t *c)
{
    memset(c, 0, sizeof *c);
    for (;;) {
        result_t r;
        select_case_t cs[] = {select_recv(results, &r), select_recv(deadline->C, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) {
            c->end = RESULTS_STUCK;
            return;
        }
        if (!cs[0].ok) {
            c->end = RESULTS_CLOSED;
            c->closed_at = gk_now();
            return;
        }
        if (c->n == max) {
            c->end = RESULTS_TOO_MANY;
            return;
        }
        c->got[c->n] = r;
        c->at[c->n] = gk_now();
        c->n++;
    }
}

/* Every job ran once and came back once, with what it returned and how long
 * it ran. */
static void check_results(const jobset_t *js, const collected_t *c)
{
    expect(c->end != RESULTS_TOO_MANY,
           "more than %d results came for %d jobs: is a job run (or its result sent) "
           "twice?",
           js->n, js->n);
    if (c->end == RESULTS_STUCK) {
        if (c->n < js->n)
            ck_abort_msg("%d of %d results came, then nothing for an hour of virtual time, and "
                         "the results channel was never closed: every goroutine is blocked. Do "
                         "the workers keep taking jobs until the jobs channel is closed, and do "
                         "they send each result on the channel jobqueue_results returns?",
                         c->n, js->n);
        ck_abort_msg("all %d results came, but the results channel was never closed: a receiver "
                     "ranging over it waits forever. Does jobqueue_close close the jobs channel "
                     "(so that the workers return), and does a goroutine close results once the "
                     "last worker has returned (it waits for the workers' WaitGroup, then "
                     "closes)?",
                     js->n);
    }
    expect(c->n == js->n,
           "the results channel was closed after %d of %d results: close it only once "
           "every worker has returned, so that every job queued before jobqueue_close "
           "runs and sends its result",
           c->n, js->n);

    int seen[MAX_JOBS] = {0};
    for (int i = 0; i < c->n; i++) {
        const result_t *r = &c->got[i];
        expect(r->id >= 0 && r->id < js->n,
               "a result carries id %ld, but the jobs had ids 0 to %d: a result's id is "
               "its job's id",
               r->id, js->n - 1);
        expect(++seen[r->id] == 1, "job %ld's result came twice", r->id);
        const spec_t *s = &js->specs[r->id];
        expect(r->ok == s->ok,
               "job %ld returned %s, but its result says ok = %s: the result carries "
               "what job.fn returned",
               r->id, s->ok ? "true" : "false", r->ok ? "true" : "false");
        expect(r->took == s->work,
               "job %ld ran for %g s, but its result says took = %g s: measure around "
               "job.fn only (time_now() just before the call, time_since() just after), "
               "not the time it waited in the queue",
               r->id, SECS(s->work), SECS(r->took));
    }
    for (int i = 0; i < js->n; i++) {
        int64_t calls = atomic64_load((atomic64_t *)&js->specs[i].calls);
        expect(calls == 1, "job %d ran %lld times; each job runs exactly once", i,
               (long long)calls);
    }
}

/* ---- Task 1: the job queue ------------------------------------------------ */

static void every_job_runs_once(void *arg)
{
    (void)arg;
    begin();
    /* 40 jobs on 4 workers: job i runs (i % 5 + 1) * 100 ms; every 7th fails. */
    static jobset_t js;
    jobset_init(&js, 40);
    for (int i = 0; i < js.n; i++)
        js.specs[i] = (spec_t){.work = (i % 5 + 1) * 100 * MILLISECOND, .ok = i % 7 != 3};

    jobqueue_t *q = jobqueue_start(4, 8, NULL);
    producer_t p;
    start_producer(&p, q, &js, 1);
    static collected_t c;
    collect(jobqueue_results(q), js.n, &c);
    check_results(&js, &c);
    end_producer(&p);
    jobqueue_free(q);
    finish();
}

START_TEST(test_every_job_runs_once_and_its_result_comes_back)
{
    run_test(every_job_runs_once, NULL);
}
END_TEST

/* n jobs of 1 s each on `workers` workers: all done after ceil(n / workers) s,
 * never more than `workers` at once. */
static void check_parallelism(int workers, int n)
{
    static jobset_t js;
    jobset_init(&js, n);
    for (int i = 0; i < n; i++)
        js.specs[i] = (spec_t){.work = SECOND, .ok = true};

    go_duration_t start = gk_now();
    jobqueue_t *q = jobqueue_start(workers, 0, NULL);
    producer_t p;
    start_producer(&p, q, &js, 1);
    static collected_t c;
    collect(jobqueue_results(q), n, &c);
    check_results(&js, &c);

    int64_t max = atomic64_load(&js.max_running);
    expect(max <= workers,
           "%lld jobs ran at the same time in a queue of %d workers: never more than "
           "`workers` at once. Start exactly `workers` goroutines, once, in "
           "jobqueue_start, each taking one job at a time (not a goroutine per job)",
           (long long)max, workers);
    expect(max == workers,
           "with %d workers and %d jobs of 1 s, at most %lld ran at the same time: all "
           "%d workers must take jobs at once. Start `workers` goroutines in "
           "jobqueue_start, each receiving from the one jobs channel",
           workers, n, (long long)max, workers);
    go_duration_t want = (n + workers - 1) / workers * SECOND;
    expect(c.closed_at - start == want,
           "%d jobs of 1 s on %d workers should be done (results closed) after %g s; it "
           "took %g s",
           n, workers, SECS(want), SECS(c.closed_at - start));
    end_producer(&p);
    jobqueue_free(q);
}

static void workers_run_in_parallel(void *arg)
{
    (void)arg;
    begin();
    check_parallelism(8, 16);
    check_parallelism(3, 7);
    finish();
}

START_TEST(test_the_workers_run_jobs_at_the_same_time_but_never_more_than_workers)
{
    run_test(workers_run_in_parallel, NULL);
}
END_TEST

/* With every worker busy, a queue of capacity `capacity` takes exactly
 * workers + capacity jobs before jobqueue_submit waits. */
static void check_back_pressure(int workers, int capacity, int n)
{
    static jobset_t js;
    jobset_init(&js, n);
    for (int i = 0; i < n; i++)
        js.specs[i] = (spec_t){.work = SECOND, .ok = true};

    jobqueue_t *q = jobqueue_start(workers, capacity, NULL);
    producer_t p;
    start_producer(&p, q, &js, 1);
    go_synctest_wait(); /* the workers are inside their jobs; the submitter is stuck or done */
    int64_t returned = atomic64_load(&p.returned);
    int64_t want = workers + capacity;
    expect(returned <= want,
           "with %d workers all busy and a queue of capacity %d, jobqueue_submit "
           "returned %lld times: only %lld jobs fit (%d being run, %d waiting). It must "
           "wait while the queue is full: that is a jobs channel with a buffer of "
           "`capacity`, and a send that blocks",
           workers, capacity, (long long)returned, (long long)want, workers, capacity);
    expect(returned == want,
           "with %d workers all busy and a queue of capacity %d, jobqueue_submit "
           "returned only %lld times, then waited: %lld jobs fit (%d being run, %d "
           "waiting). Make the jobs channel with room for `capacity` jobs",
           workers, capacity, (long long)returned, (long long)want, workers, capacity);

    static collected_t c;
    collect(jobqueue_results(q), n, &c);
    check_results(&js, &c);
    end_producer(&p);
    jobqueue_free(q);
}

static void submit_waits(void *arg)
{
    (void)arg;
    begin();
    check_back_pressure(2, 3, 10);
    check_back_pressure(3, 0, 6);
    finish();
}

START_TEST(test_submit_waits_while_the_queue_is_full)
{
    run_test(submit_waits, NULL);
}
END_TEST

static void close_returns_at_once(void *arg)
{
    (void)arg;
    begin();
    /* One worker, 4 jobs of 1 s: they fit in the queue (capacity 4), and
     * nobody reads results until jobqueue_close has returned. */
    static jobset_t js;
    jobset_init(&js, 4);
    for (int i = 0; i < js.n; i++)
        js.specs[i] = (spec_t){.work = SECOND, .ok = true};

    jobqueue_t *q = jobqueue_start(1, 4, NULL);
    producer_t p;
    start_producer(&p, q, &js, 1);
    if (!closes_in_time(p.closed)) {
        if (!atomicbool_load(&p.closing))
            ck_abort_msg("%lld of 4 jobqueue_submit calls returned, then nobody could move: "
                         "with 1 worker and a capacity of 4, the 4 jobs fit at once (the "
                         "worker takes one, the queue holds the rest). Make the jobs channel "
                         "with room for `capacity` jobs",
                         (long long)atomic64_load(&p.returned));
        ck_abort_msg("jobqueue_close has not returned, and nobody can move: does it wait for "
                     "the workers? It must close the jobs channel and return at once. The "
                     "caller reads the results only after it returns, and a worker waits for "
                     "its result to be taken");
    }
    expect(p.close_called == 0,
           "with 1 worker and a capacity of 4, the 4 jobs should fit at once (the worker takes "
           "one, the queue holds the rest), but the 4 jobqueue_submit calls took %g s: make "
           "the jobs channel with room for `capacity` jobs",
           SECS(p.close_called));
    expect(p.close_returned == p.close_called,
           "jobqueue_close returned after %g s of virtual time: it waited for the jobs. "
           "It must close the jobs channel and return at once; the results channel "
           "tells the caller when the jobs are done",
           SECS(p.close_returned - p.close_called));

    static collected_t c;
    collect(jobqueue_results(q), js.n, &c);
    check_results(&js, &c);
    for (int i = 0; i < c.n; i++)
        expect(c.at[i] == (i + 1) * SECOND,
               "with one worker, result %d of 4 jobs of 1 s should come after %d s; it "
               "came after %g s",
               i + 1, i + 1, SECS(c.at[i]));
    expect(c.closed_at == 4 * SECOND,
           "the results channel was closed after %g s; the last job ended after 4 s, "
           "and results is closed right after the last worker returns",
           SECS(c.closed_at));
    end_producer(&p);
    jobqueue_free(q);
    finish();
}

START_TEST(test_close_returns_at_once_and_results_closes_after_the_last_result)
{
    run_test(close_returns_at_once, NULL);
}
END_TEST

static void close_with_no_jobs(void *arg)
{
    (void)arg;
    begin();
    static jobset_t js;
    jobset_init(&js, 0);
    jobqueue_t *q = jobqueue_start(3, 2, NULL);
    producer_t p;
    start_producer(&p, q, &js, 1); /* submits nothing, closes */
    static collected_t c;
    collect(jobqueue_results(q), 0, &c);
    expect(c.end != RESULTS_TOO_MANY, "a queue that was given no job sent a result");
    expect(c.end == RESULTS_CLOSED,
           "a queue closed without any job never closed its results channel: once the "
           "jobs channel is closed, the workers return at once, and results is closed "
           "after the last of them");
    expect(c.closed_at == 0,
           "a queue closed without any job closed its results channel after %g s of "
           "virtual time; nothing had to wait",
           SECS(c.closed_at));
    end_producer(&p);
    jobqueue_free(q);
    finish();
}

START_TEST(test_a_queue_closed_with_no_jobs_closes_its_results)
{
    run_test(close_with_no_jobs, NULL);
}
END_TEST

/* ---- Metrics: expectations ------------------------------------------------- */

/* What a snapshot must say after these jobs finished. */
static void expect_jobs(metrics_snapshot_t *want, const jobset_t *js)
{
    memset(want, 0, sizeof *want);
    int64_t raw[HISTOGRAM_BUCKETS] = {0};
    for (int i = 0; i < js->n; i++) {
        want->submitted++;
        if (js->specs[i].ok)
            want->succeeded++;
        else
            want->failed++;
        raw[bucket_of(js->specs[i].work)]++;
        want->count++;
        want->sum += js->specs[i].work;
    }
    int64_t total = 0;
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        want->buckets[b] = total += raw[b];
}

static void assert_snapshot(const metrics_snapshot_t *got, const metrics_snapshot_t *want,
                            const char *after)
{
    static const struct {
        const char *name;
        size_t off;
    } counters[] = {
        {"submitted", offsetof(metrics_snapshot_t, submitted)},
        {"succeeded", offsetof(metrics_snapshot_t, succeeded)},
        {"failed", offsetof(metrics_snapshot_t, failed)},
        {"in_flight", offsetof(metrics_snapshot_t, in_flight)},
        {"count", offsetof(metrics_snapshot_t, count)},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
        int64_t g = *(const int64_t *)((const char *)got + counters[i].off);
        int64_t w = *(const int64_t *)((const char *)want + counters[i].off);
        expect(g == w, "after %s: the snapshot's %s is %lld, expected %lld", after,
               counters[i].name, (long long)g, (long long)w);
    }
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        expect(got->buckets[b] == want->buckets[b],
               "after %s: the snapshot's bucket le=\"%s\" (buckets[%d]) is %lld, expected "
               "%lld. Buckets are cumulative: each counts every job that ran for at most "
               "its bound (a job of exactly 10 ms counts in le=\"0.01\"), so every job of the "
               "buckets before it too",
               after, le_labels[b], b, (long long)got->buckets[b], (long long)want->buckets[b]);
    expect(got->sum == want->sum,
           "after %s: the snapshot's sum is %lld ns (%.9g s), expected %lld ns (%.9g s)", after,
           (long long)got->sum, SECS(got->sum), (long long)want->sum, SECS(want->sum));
}

/* ---- Task 2: metrics -------------------------------------------------------- */

START_TEST(test_metrics_start_at_zero_and_count_each_event)
{
    metrics_t *m = metrics_new();
    expect(m != NULL, "metrics_new returned NULL");
    metrics_snapshot_t got, want = {0};
    memset(&got, 0x5a, sizeof got); /* whatever metrics_snapshot doesn't set shows */
    metrics_snapshot(m, &got);
    assert_snapshot(&got, &want, "metrics_new (nothing recorded yet)");

    for (int i = 0; i < 3; i++)
        metrics_job_submitted(m);
    want.submitted = 3;
    metrics_snapshot(m, &got);
    assert_snapshot(&got, &want, "3 metrics_job_submitted");

    metrics_job_started(m);
    metrics_job_started(m);
    want.in_flight = 2;
    metrics_snapshot(m, &got);
    assert_snapshot(&got, &want, "3 submitted, 2 metrics_job_started");

    metrics_job_finished(m, true, 20 * MILLISECOND);
    want.in_flight = 1;
    want.succeeded = 1;
    want.count = 1;
    want.sum = 20 * MILLISECOND;
    for (int b = 1; b < HISTOGRAM_BUCKETS; b++)
        want.buckets[b] = 1; /* 20 ms: le 0.05 and every bucket above */
    metrics_snapshot(m, &got);
    assert_snapshot(&got, &want, "2 started, then one finished ok after 20 ms");

    metrics_job_finished(m, false, 2 * SECOND);
    want.in_flight = 0;
    want.failed = 1;
    want.count = 2;
    want.sum += 2 * SECOND;
    for (int b = 5; b < HISTOGRAM_BUCKETS; b++)
        want.buckets[b] = 2; /* 2 s: le 5 and +Inf */
    metrics_snapshot(m, &got);
    assert_snapshot(&got, &want, "then the other failed after 2 s");
    metrics_free(m);
}
END_TEST

START_TEST(test_each_duration_lands_in_the_smallest_bucket_that_holds_it)
{
    static const go_duration_t durations[] = {
        0,
        10 * MILLISECOND,     /* exactly a bound: le="0.01" */
        10 * MILLISECOND + 1, /* a nanosecond more: le="0.05" */
        50 * MILLISECOND,
        99 * MILLISECOND,
        100 * MILLISECOND,
        500 * MILLISECOND,
        700 * MILLISECOND,
        SECOND,
        5 * SECOND,
        5 * SECOND + 1, /* above the last bound: only +Inf */
        HOUR,
    };
    metrics_t *m = metrics_new();
    metrics_snapshot_t want = {0};
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        go_duration_t d = durations[i];
        metrics_job_started(m);
        metrics_job_finished(m, true, d);
        want.succeeded++;
        want.count++;
        want.sum += d;
        for (int b = bucket_of(d); b < HISTOGRAM_BUCKETS; b++)
            want.buckets[b]++;

        metrics_snapshot_t got;
        metrics_snapshot(m, &got);
        for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
            if (got.buckets[b] == want.buckets[b]) continue;
            const char *why = "a duration counts in the first bucket whose bound is >= it, and "
                              "in every bucket after that one (cumulative)";
            if (b < HISTOGRAM_BOUNDS && d == bounds[b])
                why = "a duration equal to a bound counts in that bucket: le means less than OR "
                      "EQUAL (10 ms is in le=\"0.01\")";
            else if (d > bounds[HISTOGRAM_BOUNDS - 1])
                why = "a duration above the last bound (5 s) counts in +Inf only";
            ck_abort_msg("after a job of %.9g s (job %zu of the test), bucket le=\"%s\" is %lld, "
                         "expected %lld: %s",
                         SECS(d), i + 1, le_labels[b], (long long)got.buckets[b],
                         (long long)want.buckets[b], why);
        }
        char after[96];
        snprintf(after, sizeof after, "jobs of 0 s up to %.9g s", SECS(d));
        assert_snapshot(&got, &want, after);
    }
    metrics_free(m);
}
END_TEST

/* The durations the load tests record: each exactly a bucket's bound (10 s
 * for +Inf), so the sum can be checked against the buckets. */
static const go_duration_t load_values[HISTOGRAM_BUCKETS] = {
    10 * MILLISECOND, 50 * MILLISECOND, 100 * MILLISECOND, 500 * MILLISECOND,
    SECOND,           5 * SECOND,       10 * SECOND,
};

/*
 * How hard the load presses. The plain pass presses hard, in real time: a
 * torn histogram shows only when a scrape lands in the middle of an update,
 * so the scraper scrapes for LOAD_MS while the writers write without pause,
 * and pauses briefly every other scrape: each time it wakes, the kernel lets
 * it in at once, at whatever point the writers are. The detector passes run
 * light (a few hundred jobs a writer): they find a race from the
 * happens-before order of the accesses, not from a lucky interleaving, and
 * they run 5 to 40 times slower. How long any of this runs changes how hard
 * the metrics are pressed, never what a correct solution answers.
 */
enum {
    LOAD_WRITERS = 8,
    LOAD_MIN = 150,          /* jobs each writer records at least */
    LOAD_MAX = 1000000,      /* at most (plain pass) */
    LOAD_MAX_LIGHT = 600,    /* at most (detector passes) */
    LOAD_SCRAPES = 150,      /* scrapes at least (plain pass) */
    LOAD_SCRAPES_LIGHT = 20, /* (detector passes) */
    LOAD_MS = 100,           /* real time the scraper scrapes at least (plain pass) */
    LOAD_PAUSE_US = 50,      /* its pause every other scrape (plain pass) */
};

/* One of 8 goroutines recording jobs as fast as it can, keeping its own tally. */
typedef struct {
    metrics_t *m;
    int index;
    atomicbool_t *stop;  /* records at least LOAD_MIN jobs, then stops once this is set */
    atomic64_t *stopped; /* writers that have stopped */
    chan_t *start;       /* closed to start everyone at once */
    int max;             /* LOAD_MAX or LOAD_MAX_LIGHT */
    wg_t *wg;
    /* its tally, read after wg_wait */
    int64_t jobs, ok, failed;
    int64_t raw[HISTOGRAM_BUCKETS];
    go_duration_t sum;
} writer_t;

static void write_load(void *arg)
{
    writer_t *w = arg;
    chan_recv(w->start, NULL);
    for (int i = 0; i < w->max && (i < LOAD_MIN || !atomicbool_load(w->stop)); i++) {
        int b = (w->index + i) % HISTOGRAM_BUCKETS;
        bool ok = i % 4 != 3;
        metrics_job_submitted(w->m);
        metrics_job_started(w->m);
        metrics_job_finished(w->m, ok, load_values[b]);
        w->jobs++;
        if (ok)
            w->ok++;
        else
            w->failed++;
        w->raw[b]++;
        w->sum += load_values[b];
    }
    atomic64_add(w->stopped, 1);
    wg_done(w->wg);
}

/*
 * The load: 8 writers and, if scrape is set, a scraper goroutine that calls
 * scrape(l, n) for n = 1, 2, ... while they write. The scraper is a
 * goroutine started with the writers (not the test's own thread, which the
 * kernel would let the 8 fresh threads run ahead of): the scrapes then
 * overlap the writing. Once the writers are under way, it scrapes
 * LOAD_SCRAPES times and for LOAD_MS of real time at least (a detector
 * pass: LOAD_SCRAPES_LIGHT times), then tells the writers to stop.
 */
typedef struct load load_t;
struct load {
    metrics_t *m;
    writer_t w[LOAD_WRITERS];
    int64_t (*scrape)(load_t *l, int n); /* returns the count it saw */
    metrics_snapshot_t prev;             /* the scraper's previous scrape */
    writer_t pre;                        /* the tally of check_buckets_alone */
    bool light;                          /* a detector pass: see LOAD_MAX_LIGHT */
    atomicbool_t stop;
    atomic64_t stopped;
    chan_t *start;
    wg_t wg;
};

static void scrape_load(void *arg)
{
    load_t *l = arg;
    chan_recv(l->start, NULL);
    go_time_t began = time_now();
    int n = 0;
    for (;;) {
        int64_t count = l->scrape(l, ++n);
        if (atomic64_load(&l->stopped) == LOAD_WRITERS) break; /* all done anyway */
        if (count < LOAD_WRITERS * LOAD_MIN / 2) continue;     /* not under way yet */
        if (l->light ? n >= LOAD_SCRAPES_LIGHT
                     : n >= LOAD_SCRAPES && time_since(began) >= LOAD_MS * MILLISECOND)
            break;
        if (!l->light && n % 2 == 0) go_sleep(LOAD_PAUSE_US * MICROSECOND);
    }
    atomicbool_store(&l->stop, true);
    wg_done(&l->wg);
}

/*
 * Before any goroutine: one job of each of the load's durations, recorded by
 * the test alone. If the buckets are wrong already, the load tests would
 * blame concurrency for it (a "torn" sum): say what it is instead.
 */
static void check_buckets_alone(load_t *l)
{
    writer_t *pre = &l->pre;
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
        metrics_job_submitted(l->m);
        metrics_job_started(l->m);
        metrics_job_finished(l->m, true, load_values[b]);
        pre->jobs++;
        pre->ok++;
        pre->raw[b]++;
        pre->sum += load_values[b];
    }
    metrics_snapshot_t s;
    metrics_snapshot(l->m, &s);
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        expect(s.buckets[b] == b + 1,
               "one goroutine alone recorded one job of each of 0.01, 0.05, 0.1, 0.5, 1, 5 and "
               "10 s; then bucket le=\"%s\" is %lld, expected %d (the jobs up to %s s). The "
               "buckets are wrong before any concurrency: see "
               "test_each_duration_lands_in_the_smallest_bucket_that_holds_it first",
               le_labels[b], (long long)s.buckets[b], b + 1, le_labels[b]);
    expect(s.count == HISTOGRAM_BUCKETS && s.sum == pre->sum,
           "one goroutine alone recorded one job of each of 0.01, 0.05, 0.1, 0.5, 1, 5 and 10 s "
           "(%.9g s in all); then count is %lld and sum %.9g s, expected 7 and %.9g s",
           SECS(pre->sum), (long long)s.count, SECS(s.sum), SECS(pre->sum));
}

static void start_load(load_t *l, metrics_t *m, int64_t (*scrape)(load_t *, int))
{
    memset(l, 0, sizeof *l);
    l->m = m;
    l->scrape = scrape;
    l->light = gk_timeout_scale() > 1;
    check_buckets_alone(l);
    l->start = chan_make(0, 0);
    for (int i = 0; i < LOAD_WRITERS; i++) {
        l->w[i] = (writer_t){.m = m,
                             .index = i,
                             .stop = &l->stop,
                             .stopped = &l->stopped,
                             .start = l->start,
                             .max = l->light ? LOAD_MAX_LIGHT : LOAD_MAX,
                             .wg = &l->wg};
        wg_add(&l->wg, 1);
        go(write_load, &l->w[i]);
    }
    if (scrape) {
        wg_add(&l->wg, 1);
        go(scrape_load, l);
    } else {
        atomicbool_store(&l->stop, true); /* LOAD_MIN each */
    }
    chan_close(l->start);
}

/* Waits for the writers (and the scraper) and adds up the writers' tallies
 * (and check_buckets_alone's) into *want. */
static void end_load(load_t *l, metrics_snapshot_t *want)
{
    wg_wait(&l->wg);
    chan_free(l->start);
    memset(want, 0, sizeof *want);
    int64_t raw[HISTOGRAM_BUCKETS] = {0};
    for (int i = 0; i <= LOAD_WRITERS; i++) {
        const writer_t *w = i < LOAD_WRITERS ? &l->w[i] : &l->pre;
        want->submitted += w->jobs;
        want->succeeded += w->ok;
        want->failed += w->failed;
        want->count += w->jobs;
        want->sum += w->sum;
        for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
            raw[b] += w->raw[b];
    }
    int64_t total = 0;
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        want->buckets[b] = total += raw[b];
}

START_TEST(test_concurrent_updates_lose_nothing)
{
    metrics_t *m = metrics_new();
    static load_t l;
    start_load(&l, m, NULL);
    metrics_snapshot_t want, got;
    end_load(&l, &want);
    metrics_snapshot(m, &got);
    expect(got.submitted == want.submitted && got.count == want.count,
           "8 goroutines recorded %lld jobs at the same time; the metrics say %lld "
           "submitted and a histogram count of %lld: updates were lost. n++ on a shared "
           "int64_t is a read, an add and a write: two goroutines that read the same n "
           "both write n + 1. Use atomic64_add, or hold a mutex around the update",
           (long long)want.submitted, (long long)got.submitted, (long long)got.count);
    assert_snapshot(&got, &want, "8 goroutines each recorded their jobs at the same time");
    metrics_free(m);
}
END_TEST

/*
 * The checks every snapshot (or scrape: `what`) taken during load passes;
 * prev is the one before (zero at first). A scrape's sum went through
 * "%.9g": it may be off by its last digit, 1e-8 of it (a torn sum is off by
 * one job at least, 10 ms or more).
 */
static void check_loaded_snapshot(const metrics_snapshot_t *s, const metrics_snapshot_t *prev,
                                  const char *what, int scrape)
{
    expect(s->in_flight >= 0 && s->in_flight <= LOAD_WRITERS,
           "%s %d, taken while 8 goroutines recorded jobs (each with at most one "
           "started and not finished), says in_flight = %lld: updates to in_flight were "
           "lost. Is it an atomic (atomic64_add), or changed under a mutex?",
           what, scrape, (long long)s->in_flight);
    for (int b = 1; b < HISTOGRAM_BUCKETS; b++)
        expect(s->buckets[b] >= s->buckets[b - 1],
               "%s %d, taken while 8 goroutines recorded jobs: bucket le=\"%s\" is "
               "%lld but le=\"%s\" is %lld. Buckets are cumulative (each counts every job "
               "up to its bound): none is smaller than the one before. Were they read at "
               "different moments?",
               what, scrape, le_labels[b], (long long)s->buckets[b], le_labels[b - 1],
               (long long)s->buckets[b - 1]);
    expect(s->buckets[HISTOGRAM_BOUNDS] == s->count,
           "%s %d, taken while 8 goroutines recorded jobs, is torn: count is %lld "
           "but the +Inf bucket (every job) is %lld. Each observation changes a bucket, "
           "count and sum; a reader must see all three changes or none. Update them under "
           "one mutex, and copy them under the same mutex (an atomic per number can't "
           "keep them in step)",
           what, scrape, (long long)s->count, (long long)s->buckets[HISTOGRAM_BOUNDS]);
    go_duration_t sum = 0;
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        sum += (s->buckets[b] - (b ? s->buckets[b - 1] : 0)) * load_values[b];
    go_duration_t off = s->sum > sum ? s->sum - sum : sum - s->sum;
    go_duration_t tolerance = strcmp(what, "scrape") == 0 ? sum / 100000000 + MICROSECOND : 0;
    expect(off <= tolerance,
           "%s %d, taken while 8 goroutines recorded jobs, is torn: its sum is %.9g "
           "s, but the jobs in its buckets add up to %.9g s (every job of this test "
           "lasts exactly a bucket's bound). A reader must see an observation in the "
           "bucket, count and sum, or in none: one mutex for the three, held by the "
           "writer and by the reader",
           what, scrape, SECS(s->sum), SECS(sum));
    static const struct {
        const char *name;
        size_t off;
    } counters[] = {
        {"submitted", offsetof(metrics_snapshot_t, submitted)},
        {"succeeded", offsetof(metrics_snapshot_t, succeeded)},
        {"failed", offsetof(metrics_snapshot_t, failed)},
        {"count", offsetof(metrics_snapshot_t, count)},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
        int64_t now_ = *(const int64_t *)((const char *)s + counters[i].off);
        int64_t before = *(const int64_t *)((const char *)prev + counters[i].off);
        expect(now_ >= before,
               "%s went down from %lld to %lld between %ss %d and %d: a counter "
               "only goes up",
               counters[i].name, (long long)before, (long long)now_, what, scrape - 1, scrape);
    }
}

static int64_t take_snapshot(load_t *l, int n)
{
    metrics_snapshot_t s;
    metrics_snapshot(l->m, &s);
    check_loaded_snapshot(&s, &l->prev, "snapshot", n);
    l->prev = s;
    return s.count;
}

START_TEST(test_a_snapshot_taken_during_load_is_consistent)
{
    metrics_t *m = metrics_new();
    static load_t l;
    start_load(&l, m, take_snapshot);
    metrics_snapshot_t want, s;
    end_load(&l, &want);
    metrics_snapshot(m, &s);
    assert_snapshot(&s, &want, "8 goroutines recorded their jobs while the test took snapshots");
    metrics_free(m);
}
END_TEST

/* ---- 200 jobs on 8 workers, recorded by the queue -------------------------- */

enum { RUN_JOBS = 200, RUN_WORKERS = 8, RUN_CAPACITY = 16, RUN_SUBMITTERS = 4 };

typedef struct {
    metrics_t *m;
    jobset_t js;
    metrics_snapshot_t want;  /* after every job */
    void (*at_start)(void *); /* called with every worker inside a job, the queue full */
    void (*at_end)(void *);   /* called after the last result */
} run_t;

static void run_200_jobs(void *arg)
{
    run_t *r = arg;
    begin();
    jobset_random(&r->js, RUN_JOBS, 20);
    expect_jobs(&r->want, &r->js);

    jobqueue_t *q = jobqueue_start(RUN_WORKERS, RUN_CAPACITY, r->m);
    producer_t p;
    start_producer(&p, q, &r->js, RUN_SUBMITTERS);
    go_synctest_wait(); /* at 0 s: 8 jobs running, 16 waiting, the submitters stuck */
    r->at_start(r);

    static collected_t c;
    collect(jobqueue_results(q), RUN_JOBS, &c);
    check_results(&r->js, &c);
    end_producer(&p);
    jobqueue_free(q);
    r->at_end(r);
    finish();
}

static void snapshot_at_start(void *arg)
{
    run_t *r = arg;
    metrics_snapshot_t got, want = {0};
    metrics_snapshot(r->m, &got);
    want.submitted = RUN_WORKERS + RUN_CAPACITY;
    want.in_flight = RUN_WORKERS;
    expect(got.in_flight == want.in_flight,
           "with all 8 workers inside a job, in_flight is %lld, expected 8: "
           "metrics_job_started when a worker starts a job, metrics_job_finished (which "
           "takes 1 off) when it ends",
           (long long)got.in_flight);
    expect(got.submitted <= want.submitted,
           "with 8 jobs running and 16 waiting in the queue (the submitters stuck on a "
           "full queue), submitted is %lld, expected 24: count a job once it is in the "
           "queue, after its send returns (a submitter still waiting for room has not put "
           "its job in yet)",
           (long long)got.submitted);
    expect(got.submitted == want.submitted,
           "with the 8 workers inside a job and the submitters stuck on a full queue, "
           "submitted is %lld, expected 24 (8 taken by the workers, 16 waiting in a queue of "
           "capacity 16). Does the jobs channel have room for `capacity` jobs, and does "
           "jobqueue_submit count each job once its send returns?",
           (long long)got.submitted);
    assert_snapshot(&got, &want, "starting 8 jobs and queuing 16, none finished");
}

static void snapshot_at_end(void *arg)
{
    run_t *r = arg;
    metrics_snapshot_t got;
    metrics_snapshot(r->m, &got);
    expect(got.submitted == RUN_JOBS,
           "after 200 jobs, submitted is %lld: does jobqueue_submit call "
           "metrics_job_submitted for each job?",
           (long long)got.submitted);
    expect(got.count == RUN_JOBS,
           "after 200 jobs, the histogram counted %lld: does each worker call "
           "metrics_job_finished(m, ok, took) after each job, before it sends the "
           "result?",
           (long long)got.count);
    assert_snapshot(&got, &r->want, "200 jobs on 8 workers, submitted by 4 goroutines");
}

START_TEST(test_the_queue_records_every_job_in_its_metrics)
{
    static run_t r;
    r.m = metrics_new();
    r.at_start = snapshot_at_start;
    r.at_end = snapshot_at_end;
    run_test(run_200_jobs, &r);
    metrics_free(r.m);
}
END_TEST

/* ---- Reading the Prometheus text ---------------------------------------------- */

enum { MAX_SAMPLES = 40, MAX_FAMILIES = 10, MAX_LABELS = 2, TEXT_SIZE = 8192 };

typedef struct {
    char name[64];
    int nlabels;
    char key[MAX_LABELS][32], val[MAX_LABELS][32];
    double value;
    char raw[64]; /* the value as written */
    int line;
} sample_t;

typedef struct {
    char name[64], type[16];
    bool help, has_samples;
} family_t;

typedef struct {
    sample_t s[MAX_SAMPLES];
    int ns;
    family_t f[MAX_FAMILIES];
    int nf;
    char err[600];
} expo_t;

static family_t *family(expo_t *e, const char *name, size_t len, bool add)
{
    for (int i = 0; i < e->nf; i++)
        if (strlen(e->f[i].name) == len && strncmp(e->f[i].name, name, len) == 0) return &e->f[i];
    if (!add || e->nf == MAX_FAMILIES || len >= sizeof e->f[0].name) return NULL;
    family_t *f = &e->f[e->nf++];
    memset(f, 0, sizeof *f);
    memcpy(f->name, name, len);
    return f;
}

/* The family a sample belongs to: a histogram's _bucket, _sum and _count
 * samples are its own; any other sample is its own family. */
static family_t *family_of(expo_t *e, const char *name)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    size_t n = strlen(name);
    for (int i = 0; i < 3; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > sl && strcmp(name + n - sl, suffixes[i]) == 0) {
            family_t *f = family(e, name, n - sl, false);
            if (f && strcmp(f->type, "histogram") == 0) return f;
        }
    }
    return family(e, name, n, false);
}

static bool is_name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* "line 3, `text`: why" into e->err; returns false. */
static bool bad_line(expo_t *e, int line, const char *start, size_t len, const char *why)
{
    snprintf(e->err, sizeof e->err, "line %d of the text, `%.*s`: %s", line,
             (int)(len > 120 ? 120 : len), start, why);
    return false;
}

static bool parse_sample(expo_t *e, int line, const char *p, const char *end)
{
    const char *start = p;
    size_t len = (size_t)(end - start);
    if (e->ns == MAX_SAMPLES) return bad_line(e, line, start, len, "too many samples");
    sample_t *s = &e->s[e->ns];
    memset(s, 0, sizeof *s);
    s->line = line;

    const char *n = p;
    while (p < end && is_name_char(*p, p == n))
        p++;
    if (p == n || (size_t)(p - n) >= sizeof s->name)
        return bad_line(e, line, start, len,
                        "a sample line starts with a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
    memcpy(s->name, n, (size_t)(p - n));

    if (p < end && *p == '{') {
        p++;
        while (p < end && *p != '}') {
            if (s->nlabels == MAX_LABELS)
                return bad_line(e, line, start, len, "more labels than any of these metrics has");
            const char *k = p;
            while (p < end && is_name_char(*p, p == k) && *p != ':')
                p++;
            if (p == k || (size_t)(p - k) >= sizeof s->key[0] || p + 1 >= end || p[0] != '=' ||
                p[1] != '"')
                return bad_line(e, line, start, len,
                                "a label is written name=\"value\", e.g. le=\"0.5\", the value in "
                                "double quotes");
            memcpy(s->key[s->nlabels], k, (size_t)(p - k));
            p += 2;
            const char *v = p;
            while (p < end && *p != '"')
                p++;
            if (p == end || (size_t)(p - v) >= sizeof s->val[0])
                return bad_line(e, line, start, len, "a label value has no closing '\"'");
            memcpy(s->val[s->nlabels], v, (size_t)(p - v));
            s->nlabels++;
            p++;
            if (p < end && *p == ',')
                p++;
            else if (p < end && *p != '}')
                return bad_line(e, line, start, len,
                                "labels are separated by ',' and closed by '}'");
        }
        if (p == end) return bad_line(e, line, start, len, "the labels are not closed by '}'");
        p++;
    }
    if (p == end || (*p != ' ' && *p != '\t'))
        return bad_line(e, line, start, len,
                        "a sample is `name{labels} value`: a space, then the value");
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    char num[64];
    const char *v = p;
    while (p < end && *p != ' ' && *p != '\t')
        p++;
    if (p == v || (size_t)(p - v) >= sizeof num)
        return bad_line(e, line, start, len, "the sample has no value after the space");
    memcpy(num, v, (size_t)(p - v));
    num[p - v] = '\0';
    char *rest;
    s->value = strtod(num, &rest);
    memcpy(s->raw, num, sizeof s->raw);
    if (*rest != '\0')
        return bad_line(e, line, start, len, "the value is not a number strtod can read");
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p != end)
        return bad_line(e, line, start, len, "something follows the value; end the line there");

    family_t *f = family_of(e, s->name);
    if (!f || !f->type[0])
        return bad_line(e, line, start, len,
                        "this sample comes before (or without) the # TYPE line of its metric: "
                        "every metric's # HELP and # TYPE lines come before its samples");
    f->has_samples = true;
    e->ns++;
    return true;
}

static bool parse_comment(expo_t *e, int line, const char *p, const char *end)
{
    const char *start = p;
    size_t len = (size_t)(end - start);
    bool help = end - p >= 7 && strncmp(p, "# HELP ", 7) == 0;
    bool type = end - p >= 7 && strncmp(p, "# TYPE ", 7) == 0;
    if (!help && !type) return true; /* any other comment is allowed */
    p += 7;
    const char *n = p;
    while (p < end && is_name_char(*p, p == n))
        p++;
    if (p == n)
        return bad_line(e, line, start, len, "# HELP and # TYPE are followed by a metric name");
    family_t *f = family(e, n, (size_t)(p - n), true);
    if (!f) return bad_line(e, line, start, len, "too many metrics");
    if (p == end || *p != ' ')
        return bad_line(e, line, start, len,
                        help ? "# HELP name is followed by a space and a description"
                             : "# TYPE name is followed by a space and the type");
    p++;
    if (help) {
        if (f->help) return bad_line(e, line, start, len, "a second # HELP line for this metric");
        if (p == end) return bad_line(e, line, start, len, "the description is empty");
        f->help = true;
        return true;
    }
    if (f->type[0]) return bad_line(e, line, start, len, "a second # TYPE line for this metric");
    if (f->has_samples)
        return bad_line(e, line, start, len, "the # TYPE line comes after the metric's samples");
    size_t tl = (size_t)(end - p);
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    for (int i = 0; i < 5; i++)
        if (tl == strlen(types[i]) && strncmp(p, types[i], tl) == 0) {
            memcpy(f->type, p, tl);
            return true;
        }
    return bad_line(e, line, start, len,
                    "the type is one of counter, gauge, histogram, summary, untyped");
}

/* Parses the text; false with e->err saying what is wrong. */
static bool parse_exposition(const char *text, expo_t *e)
{
    memset(e, 0, sizeof *e);
    size_t n = strlen(text);
    if (n == 0) {
        snprintf(e->err, sizeof e->err, "the text is empty");
        return false;
    }
    if (text[n - 1] != '\n') {
        snprintf(e->err, sizeof e->err,
                 "the text does not end with a newline: its last line must end in '\\n' too");
        return false;
    }
    int line = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        line++;
        bool ok = true;
        if (end == p)
            ok = true; /* an empty line is allowed */
        else if (*p == '#')
            ok = parse_comment(e, line, p, end);
        else
            ok = parse_sample(e, line, p, end);
        if (!ok) return false;
        p = end + 1;
    }
    return true;
}

static bool label_matches(const sample_t *s, const char *key, const char *val)
{
    if (!key) return s->nlabels == 0;
    if (s->nlabels != 1 || strcmp(s->key[0], key) != 0) return false;
    if (strcmp(key, "le") == 0) return strtod(s->val[0], NULL) == strtod(val, NULL);
    return strcmp(s->val[0], val) == 0;
}

/* The sample name{key="val"} (no labels if key is NULL), or NULL. */
static const sample_t *find_sample(const expo_t *e, const char *name, const char *key,
                                   const char *val)
{
    for (int i = 0; i < e->ns; i++)
        if (strcmp(e->s[i].name, name) == 0 && label_matches(&e->s[i], key, val)) return &e->s[i];
    return NULL;
}

static void sample_label(char *out, size_t len, const char *name, const char *key, const char *val)
{
    if (key)
        snprintf(out, len, "%s{%s=\"%s\"}", name, key, val);
    else
        snprintf(out, len, "%s", name);
}

/* Asserts the sample is there and has the value want (a count). */
static void expect_count(const expo_t *e, const char *text, const char *name, const char *key,
                         const char *val, int64_t want, const char *after)
{
    char label[96];
    sample_label(label, sizeof label, name, key, val);
    const sample_t *s = find_sample(e, name, key, val);
    expect(s != NULL, "after %s, the text has no sample %s. The text:\n%s", after, label, text);
    expect(s->value == (double)want, "after %s, %s is %.17g, expected %lld (line %d)", after, label,
           s->value, (long long)want, s->line);
}

/* The sum in seconds, from a microsecond's accuracy up. */
static bool sum_matches(double got, go_duration_t want)
{
    double w = SECS(want), diff = got > w ? got - w : w - got;
    return diff <= 1e-6 * (w > 1 ? w : 1);
}

/* The whole text for snapshot-like expectations (in_flight, counters, histogram). */
static void expect_exposition(const expo_t *e, const char *text, const metrics_snapshot_t *want,
                              const char *after)
{
    expect_count(e, text, "jobs_submitted_total", NULL, NULL, want->submitted, after);
    expect_count(e, text, "jobs_total", "status", "ok", want->succeeded, after);
    expect_count(e, text, "jobs_total", "status", "failed", want->failed, after);
    expect_count(e, text, "jobs_in_flight", NULL, NULL, want->in_flight, after);
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        expect_count(e, text, "job_duration_seconds_bucket", "le", le_labels[b], want->buckets[b],
                     after);
    expect_count(e, text, "job_duration_seconds_count", NULL, NULL, want->count, after);
    const sample_t *s = find_sample(e, "job_duration_seconds_sum", NULL, NULL);
    expect(s != NULL, "after %s, the text has no sample job_duration_seconds_sum:\n%s", after,
           text);
    expect(sum_matches(s->value, want->sum),
           "after %s, job_duration_seconds_sum is %.17g, expected %.9g (seconds, to a "
           "microsecond or better: \"%%g\" keeps only 6 digits, \"%%.9g\" keeps 9)",
           after, s->value, SECS(want->sum));
}

/* The families, their types and HELP lines, the buckets in order. */
static void check_structure(const expo_t *e, const char *text)
{
    static const struct {
        const char *name, *type;
    } want[] = {
        {"jobs_submitted_total", "counter"},
        {"jobs_total", "counter"},
        {"jobs_in_flight", "gauge"},
        {"job_duration_seconds", "histogram"},
    };
    for (int i = 0; i < 4; i++) {
        const family_t *f = NULL;
        for (int j = 0; j < e->nf; j++)
            if (strcmp(e->f[j].name, want[i].name) == 0) f = &e->f[j];
        expect(f && f->type[0], "the text has no \"# TYPE %s %s\" line. The text:\n%s",
               want[i].name, want[i].type, text);
        expect(strcmp(f->type, want[i].type) == 0, "%s is declared a %s; it is a %s (# TYPE %s %s)",
               want[i].name, f->type, want[i].type, want[i].name, want[i].type);
        expect(f->help, "the text has no \"# HELP %s ...\" line saying what %s means", want[i].name,
               want[i].name);
        expect(f->has_samples, "the text declares %s but has no sample of it", want[i].name);
    }
    for (int j = 0; j < e->nf; j++) {
        bool known = false;
        for (int i = 0; i < 4; i++)
            known |= strcmp(e->f[j].name, want[i].name) == 0;
        expect(known,
               "the text has a metric %s; expected exactly jobs_submitted_total, "
               "jobs_total, jobs_in_flight and job_duration_seconds",
               e->f[j].name);
    }
    int nb = 0;
    double prev = -1;
    for (int i = 0; i < e->ns; i++) {
        const sample_t *s = &e->s[i];
        if (strcmp(s->name, "job_duration_seconds_bucket") != 0) continue;
        expect(s->nlabels == 1 && strcmp(s->key[0], "le") == 0,
               "line %d: a bucket has one label, le (\"less or equal\"): "
               "job_duration_seconds_bucket{le=\"0.5\"} 12",
               s->line);
        double le = strtod(s->val[0], NULL);
        expect(nb < HISTOGRAM_BUCKETS && le == strtod(le_labels[nb], NULL),
               "line %d: bucket number %d is le=\"%s\", expected le=\"%s\": the %d "
               "buckets (0.01, 0.05, 0.1, 0.5, 1, 5, +Inf) each once, in increasing order",
               s->line, nb + 1, s->val[0],
               nb < HISTOGRAM_BUCKETS ? le_labels[nb] : "(none: too many buckets)",
               HISTOGRAM_BUCKETS);
        expect(le > prev, "line %d: the buckets are not in increasing order of le", s->line);
        prev = le;
        nb++;
    }
    expect(nb == HISTOGRAM_BUCKETS,
           "the text has %d job_duration_seconds_bucket samples, expected %d (0.01, 0.05, "
           "0.1, 0.5, 1, 5, +Inf). The text:\n%s",
           nb, HISTOGRAM_BUCKETS, text);
}

/* metrics_expose into a buffer that is big enough; checks the return. */
static void expose(metrics_t *m, char *text)
{
    memset(text, 0, TEXT_SIZE);
    size_t n = metrics_expose(m, text, TEXT_SIZE);
    expect(n < TEXT_SIZE, "metrics_expose returned %zu for a text that fits in %d bytes", n,
           TEXT_SIZE);
    expect(n == strlen(text),
           "metrics_expose returned %zu, but wrote %zu characters: it returns the "
           "length of the text it wrote (as snprintf does). The text:\n%s",
           n, strlen(text), text);
}

/* ---- Task 3: the Prometheus text exposition ------------------------------------ */

START_TEST(test_the_exposition_describes_every_metric_with_help_and_type)
{
    metrics_t *m = metrics_new();
    static char text[TEXT_SIZE];
    expose(m, text);
    static expo_t e;
    expect(parse_exposition(text, &e), "the text of new metrics is not Prometheus text: %s", e.err);
    check_structure(&e, text);
    metrics_snapshot_t zero = {0};
    expect_exposition(&e, text, &zero, "metrics_new (nothing recorded yet)");
    metrics_free(m);
}
END_TEST

static void expose_at_start(void *arg)
{
    run_t *r = arg;
    static char text[TEXT_SIZE];
    expose(r->m, text);
    static expo_t e;
    expect(parse_exposition(text, &e),
           "the text, while 8 jobs were running, is not Prometheus text: %s", e.err);
    check_structure(&e, text);
    metrics_snapshot_t want = {0};
    want.submitted = RUN_WORKERS + RUN_CAPACITY;
    want.in_flight = RUN_WORKERS;
    expect_exposition(&e, text, &want,
                      "8 jobs started (jobs_in_flight 8) and 16 queued (24 submitted), none "
                      "finished");
}

static void expose_at_end(void *arg)
{
    run_t *r = arg;
    static char text[TEXT_SIZE];
    expose(r->m, text);
    static expo_t e;
    expect(parse_exposition(text, &e), "the text after 200 jobs is not Prometheus text: %s", e.err);
    check_structure(&e, text);
    expect_exposition(&e, text, &r->want, "200 jobs on 8 workers");
}

START_TEST(test_the_exposition_shows_exact_counts_after_200_jobs_on_8_workers)
{
    static run_t r;
    r.m = metrics_new();
    r.at_start = expose_at_start;
    r.at_end = expose_at_end;
    run_test(run_200_jobs, &r);
    metrics_free(r.m);
}
END_TEST

/* A scrape, parsed, as a snapshot (for the load checks). */
static void scrape(metrics_t *m, char *text, expo_t *e, metrics_snapshot_t *s, int n)
{
    expose(m, text);
    expect(parse_exposition(text, e),
           "scrape %d, taken while 8 goroutines recorded jobs, is not Prometheus text: %s", n,
           e->err);
    check_structure(e, text);
    const sample_t *x;
#define SCRAPED(field, name, key, val)                                                             \
    x = find_sample(e, name, key, val);                                                            \
    expect(x != NULL, "scrape %d has no sample %s%s%s%s:\n%s", n, name, key ? "{" : "",            \
           key ? key : "", key ? "=...}" : "", text);                                              \
    s->field = (int64_t)x->value
    SCRAPED(submitted, "jobs_submitted_total", NULL, NULL);
    SCRAPED(succeeded, "jobs_total", "status", "ok");
    SCRAPED(failed, "jobs_total", "status", "failed");
    SCRAPED(in_flight, "jobs_in_flight", NULL, NULL);
    SCRAPED(count, "job_duration_seconds_count", NULL, NULL);
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
        SCRAPED(buckets[b], "job_duration_seconds_bucket", "le", le_labels[b]);
    }
#undef SCRAPED
    x = find_sample(e, "job_duration_seconds_sum", NULL, NULL);
    expect(x != NULL, "scrape %d has no sample job_duration_seconds_sum", n);
    s->sum = (go_duration_t)(x->value * 1e9 + 0.5); /* as nanoseconds */
}

/*
 * A sum that doesn't match the buckets could be torn, or merely printed with
 * too few digits ("%g" keeps 6): if it is exactly the buckets' sum rounded
 * to the digits it was written with, it is the printing.
 */
static void check_sum_digits(const expo_t *e, const metrics_snapshot_t *s, int n)
{
    go_duration_t want = 0;
    for (int b = 0; b < HISTOGRAM_BUCKETS; b++)
        want += (s->buckets[b] - (b ? s->buckets[b - 1] : 0)) * load_values[b];
    const sample_t *x = find_sample(e, "job_duration_seconds_sum", NULL, NULL);
    go_duration_t off = s->sum > want ? s->sum - want : want - s->sum;
    if (off <= want / 100000000 + MICROSECOND) return; /* as check_loaded_snapshot allows */
    int digits = 0;
    for (const char *c = x->raw; *c && *c != 'e' && *c != 'E'; c++)
        if (*c >= '0' && *c <= '9' && (digits > 0 || *c != '0')) digits++;
    char rounded[64];
    snprintf(rounded, sizeof rounded, "%.*g", digits > 0 ? digits : 1, SECS(want));
    expect(strtod(rounded, NULL) != x->value,
           "scrape %d: job_duration_seconds_sum is written %s, but its jobs add up to %.9g s: "
           "the sum was rounded to %d significant digits. \"%%g\" keeps only 6; print it with "
           "\"%%.9g\"",
           n, x->raw, SECS(want), digits);
}

static int64_t take_scrape(load_t *l, int n)
{
    static char text[TEXT_SIZE];
    static expo_t e;
    metrics_snapshot_t s;
    scrape(l->m, text, &e, &s, n);
    check_sum_digits(&e, &s, n);
    check_loaded_snapshot(&s, &l->prev, "scrape", n);
    l->prev = s;
    return s.count;
}

START_TEST(test_a_scrape_during_load_is_consistent)
{
    metrics_t *m = metrics_new();
    static load_t l;
    start_load(&l, m, take_scrape);
    metrics_snapshot_t want;
    end_load(&l, &want);
    static char text[TEXT_SIZE];
    static expo_t e;
    expose(m, text);
    expect(parse_exposition(text, &e), "the text after the load is not Prometheus text: %s", e.err);
    expect_exposition(&e, text, &want,
                      "8 goroutines recorded their jobs while the test scraped the metrics");
    metrics_free(m);
}
END_TEST

/* The metrics of the buffer test: one job, done. */
static metrics_t *one_job(void)
{
    metrics_t *m = metrics_new();
    metrics_job_submitted(m);
    metrics_job_started(m);
    metrics_job_finished(m, true, 75 * MILLISECOND);
    return m;
}

/* In a child process (it may crash): metrics_expose(m, NULL, 0). */
static void expose_into_nothing(void *arg)
{
    (void)arg;
    metrics_t *m = one_job();
    size_t n = metrics_expose(m, NULL, 0);
    printf("returned %zu\n", n);
}

START_TEST(test_the_exposition_never_writes_past_the_callers_buffer)
{
    metrics_t *m = one_job();
    static char full[TEXT_SIZE];
    expose(m, full);
    size_t n = strlen(full);

    enum { CANARY = 64 };
    size_t sizes[] = {0, 1, 2, 10, 100, n / 2, n - 1, n, n + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = sizes[i];
        static char buf[TEXT_SIZE + CANARY];
        memset(buf, 0x7e, sizeof buf);
        size_t r = metrics_expose(m, buf, len);
        for (size_t j = len; j < len + CANARY; j++)
            expect(buf[j] == 0x7e,
                   "metrics_expose(m, buf, %zu) wrote past the end of the %zu bytes it "
                   "was given (byte %zu changed): a buffer overflow. Write at most len "
                   "bytes, the '\\0' included; past the end, keep counting but write "
                   "nothing (snprintf with a size of 0)",
                   len, len, j);
        expect(r == n,
               "metrics_expose(m, buf, %zu) returned %zu; the whole text is %zu "
               "characters. It returns that length whatever the buffer's size (as "
               "snprintf does): a return >= len tells the caller the text was cut",
               len, r, n);
        if (len == 0) continue;
        size_t kept = len - 1 < n ? len - 1 : n;
        expect(memcmp(buf, full, kept) == 0 && buf[kept] == '\0',
               "metrics_expose(m, buf, %zu) should write the first %zu characters of "
               "the text and a '\\0' after them (as snprintf does); it wrote `%.*s`",
               len, kept, (int)(len < 200 ? len : 200), buf);
    }

    /* Last, in a child process (it may crash; this test starts no goroutine,
     * so it may fork): with len 0 and buf NULL, it must only count. */
    gk_child_t child;
    gk_run_child(expose_into_nothing, NULL, 10, &child);
    expect(child.exited && child.status == 0,
           "metrics_expose(m, NULL, 0) %s %d: with len 0 it writes nothing at all, not "
           "even the '\\0', so buf may be NULL (snprintf(NULL, 0, ...) is C's way to ask "
           "\"how long would it be?\"). Mind buf + offset too: past the buffer's end it "
           "is not a pointer you may write to, nor even compute. It printed:\n%s",
           child.exited ? "ended with status" : "crashed with signal", child.status, child.output);
    char want_line[64];
    snprintf(want_line, sizeof want_line, "returned %zu\n", n);
    expect(strstr(child.output, want_line) != NULL,
           "metrics_expose(m, NULL, 0) %s, but the whole text is %zu characters: it "
           "returns the length of the whole text whatever the buffer (as snprintf "
           "does), so that the caller can make a buffer big enough",
           child.output, n);
    metrics_free(m);
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("jobqueue");
    kata_add_test(s, test_every_job_runs_once_and_its_result_comes_back);
    kata_add_test(s, test_the_workers_run_jobs_at_the_same_time_but_never_more_than_workers);
    kata_add_test(s, test_submit_waits_while_the_queue_is_full);
    kata_add_test(s, test_close_returns_at_once_and_results_closes_after_the_last_result);
    kata_add_test(s, test_a_queue_closed_with_no_jobs_closes_its_results);
    kata_add_test(s, test_metrics_start_at_zero_and_count_each_event);
    kata_add_test(s, test_each_duration_lands_in_the_smallest_bucket_that_holds_it);
    kata_add_test(s, test_concurrent_updates_lose_nothing);
    kata_add_test(s, test_a_snapshot_taken_during_load_is_consistent);
    kata_add_test(s, test_the_queue_records_every_job_in_its_metrics);
    kata_add_test(s, test_the_exposition_describes_every_metric_with_help_and_type);
    kata_add_test(s, test_the_exposition_shows_exact_counts_after_200_jobs_on_8_workers);
    kata_add_test(s, test_a_scrape_during_load_is_consistent);
    kata_add_test(s, test_the_exposition_never_writes_past_the_callers_buffer);
    return s;
}
