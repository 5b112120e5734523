/*
 * Kata 17 · Priority queues using goroutines: the tests that grade
 * priority.c.
 *
 * The dispatcher's tests play a script in virtual time (go_synctest): one
 * producer sends each job at an exact instant, workers start receiving at
 * exact instants and "work" a fixed time per job, and the test may close in
 * or cancel the context at an exact instant. Everything that happens is
 * logged with its instant, and then checked:
 *
 *   - every job the producer sent was received by the dispatcher at the
 *     instant it was sent (a producer never waits for a worker);
 *   - each job a worker got was the most urgent one queued at that instant:
 *     no job that stayed queued outranks it (the test computes the rank of
 *     the contract itself: priority, then arrival; or the aging deadline);
 *   - every job goes out exactly once (or is counted as dropped on cancel),
 *     out is closed, and the dispatcher returns when it should.
 *
 * Every wait is bounded by an hour of virtual time: a dispatcher stuck in a
 * send or in a select whose cases are all NULL fails with where each
 * goroutine is stuck. A loop that spins stops the virtual clock; a
 * real-time watchdog names that instead.
 *
 * The given heap (priority.h) counts in pq_watch its uses by a goroutine
 * other than its owner: that is how a dispatcher whose heap is touched by
 * the producers or the workers is seen, besides the race detectors.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "priority.h"

pq_watch_t pq_watch;

enum { WATCHDOG_SECONDS = 5 };

#define NEVER ((go_duration_t)-1)

static void run_watched(go_func_t body, void *arg)
{
    gk_synctest_watched(body, arg, WATCHDOG_SECONDS,
                        "Does the dispatcher's loop go round without waiting: a select whose "
                        "chosen case is in's after it was closed, every turn, or a try-send in a "
                        "loop? Switch a closed channel's case off with a NULL channel, and wait "
                        "in one blocking chan_select.");
}

static const char *fmt_d(go_duration_t d)
{
    static char bufs[16][32];
    static int next;
    char *b = bufs[next++ % 16];
    if (d == NEVER) return "never";
    return gk_fmt_duration(d, b);
}

/* ==== Task 2: job_rank ========================================================= */

START_TEST(test_job_rank_without_aging_is_minus_the_priority)
{
    for (int p = 0; p <= PRIO_MAX; p++) {
        long r = job_rank(p, GK_EPOCH_2000 + p * SECOND, 0);
        ck_assert_msg(r == -p,
                      "job_rank(%d, t, 0) returned %ld, expected %d: without aging the rank is "
                      "-prio (smaller goes first, so the most urgent job has the smallest rank), "
                      "whenever the job arrived",
                      p, r, -p);
    }
}
END_TEST

START_TEST(test_job_rank_with_aging_is_a_deadline)
{
    go_time_t t = GK_EPOCH_2000 + 7 * SECOND;
    long r = job_rank(3, t, 2 * SECOND);
    ck_assert_msg(r == (long)(t - 6 * SECOND),
                  "job_rank(3, t, 2 s) returned t%+ld ns, expected t - 6 s (arrived - prio * age)",
                  (long)(r - t));
    r = job_rank(0, t, HOUR);
    ck_assert_msg(r == (long)t, "job_rank(0, t, 1 h) returned t%+ld ns, expected t", (long)(r - t));
    long older_low = job_rank(1, t, SECOND);               /* due at t - 1 s */
    long newer_high = job_rank(4, t + 4 * SECOND, SECOND); /* due at t + 0 s */
    ck_assert_msg(older_low < newer_high,
                  "with age 1 s, a priority-1 job that arrived at t must go before a priority-4 "
                  "job that arrived at t + 4 s (it has waited 3 levels' worth and more): its "
                  "rank must be smaller");
}
END_TEST

/* ==== Task 1: the dispatcher, played from a script ============================= */

enum { MAX_JOBS = 128, MAX_WORKERS = 4 };

typedef struct {
    int id;
    int prio;
    go_duration_t at; /* when the producer sends it (the script keeps these non-decreasing) */
} sub_t;

typedef struct {
    int id, worker;
    go_duration_t at;
} take_t;

typedef struct {
    /* the script */
    go_duration_t age;
    int n;
    sub_t subs[MAX_JOBS];
    go_duration_t close_at;  /* the producer closes in then (NEVER: it doesn't) */
    go_duration_t cancel_at; /* the test cancels ctx then (NEVER: it doesn't) */
    bool null_ctx;           /* pass ctx NULL */
    int nworkers;
    go_duration_t start_at[MAX_WORKERS]; /* when each worker starts receiving */
    go_duration_t work[MAX_WORKERS];     /* how long each worker works on one job */
    /* what happened */
    chan_t *in, *out, *returned, *finished;
    ctx_t *ctx;
    go_duration_t sent_at[MAX_JOBS]; /* when the dispatcher took job i from the producer */
    bool producer_stuck;
    mutex_t mu; /* guards the takes */
    int ntakes;
    take_t takes[MAX_JOBS + 8];
    go_duration_t closed_seen[MAX_WORKERS]; /* when each worker saw out closed; NEVER: didn't */
    int dropped;
    go_duration_t returned_at;
    go_leak_mark_t mark;
} scenario_t;

static scenario_t sc;

static void producer(void *arg)
{
    scenario_t *s = arg;
    for (int i = 0; i < s->n; i++) {
        gk_sleep_until(s->subs[i].at);
        job_t j = {.id = s->subs[i].id, .prio = s->subs[i].prio};
        go_timer_t *t = timer_new(HOUR);
        select_case_t cs[] = {select_send(s->in, &j), select_recv(t->C, NULL)};
        int which = chan_select(cs, 2, SELECT_BLOCK);
        timer_free(t);
        if (which != 0) {
            s->producer_stuck = true;
            s->sent_at[i] = NEVER;
            for (int k = i + 1; k < s->n; k++)
                s->sent_at[k] = NEVER;
            break;
        }
        s->sent_at[i] = gk_now();
    }
    if (s->close_at != NEVER && !s->producer_stuck) {
        gk_sleep_until(s->close_at);
        chan_close(s->in);
    }
    bool b = true;
    chan_send(s->finished, &b);
}

static void worker(void *arg)
{
    int w = (int)(long)arg;
    scenario_t *s = &sc;
    s->closed_seen[w] = NEVER;
    gk_sleep_until(s->start_at[w]);
    for (;;) {
        job_t j;
        go_timer_t *t = timer_new(HOUR);
        select_case_t cs[] = {select_recv(s->out, &j), select_recv(t->C, NULL)};
        int which = chan_select(cs, 2, SELECT_BLOCK);
        timer_free(t);
        if (which != 0) break; /* nothing for an hour: the checks say why */
        if (!cs[0].ok) {
            s->closed_seen[w] = gk_now();
            break;
        }
        mutex_lock(&s->mu);
        if (s->ntakes < MAX_JOBS + 8) s->takes[s->ntakes++] = (take_t){j.id, w, gk_now()};
        mutex_unlock(&s->mu);
        go_sleep(s->work[w]);
    }
    bool b = true;
    chan_send(s->finished, &b);
}

static void run_dispatcher(void *arg)
{
    scenario_t *s = arg;
    s->dropped = dispatcher(s->null_ctx ? NULL : s->ctx, s->in, s->out, s->age);
    s->returned_at = gk_now();
    if (!s->null_ctx) ctx_release(s->ctx);
    chan_close(s->returned);
}

/* Waits for ch to be closed (or to receive), at most an hour. */
static bool within_an_hour(chan_t *ch)
{
    go_timer_t *t = timer_new(HOUR);
    select_case_t cs[] = {select_recv(ch, NULL), select_recv(t->C, NULL)};
    int which = chan_select(cs, 2, SELECT_BLOCK);
    timer_free(t);
    return which == 0;
}

static const sub_t *sub_of(const scenario_t *s, int id, int *index)
{
    for (int i = 0; i < s->n; i++)
        if (s->subs[i].id == id) {
            if (index) *index = i;
            return &s->subs[i];
        }
    return NULL;
}

/* "5(p4) at 1 s, 3(p2) at 2 s": what the workers got, in order. */
static const char *fmt_takes(const scenario_t *s)
{
    static char out[4096];
    size_t len = 0;
    out[0] = 0;
    if (s->ntakes == 0) return "no job";
    int shown = s->ntakes < 24 ? s->ntakes : 20; /* a long log: its start is enough */
    for (int i = 0; i < shown; i++) {
        const sub_t *j = sub_of(s, s->takes[i].id, NULL);
        char prio[8] = "?";
        if (j) snprintf(prio, sizeof prio, "p%d", j->prio);
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%d(%s) at %s", i ? ", " : "",
                                s->takes[i].id, prio, fmt_d(s->takes[i].at));
    }
    if (shown < s->ntakes)
        snprintf(out + len, sizeof out - len, ", ... (%d jobs in all)", s->ntakes);
    return out;
}

/* Plays the script and runs the checks every scenario must pass. */
static void play(scenario_t *s)
{
    s->mark = go_leak_mark();
    s->in = chan_make(sizeof(job_t), 0);
    s->out = chan_make(sizeof(job_t), 0);
    s->returned = chan_make(0, 0);
    s->finished = chan_make(sizeof(bool), 1 + MAX_WORKERS);
    s->ctx = ctx_with_cancel(ctx_background());
    if (!s->null_ctx) ctx_retain(s->ctx); /* the dispatcher's reference */
    go(producer, s);
    for (long w = 0; w < s->nworkers; w++)
        go(worker, (void *)w);
    go(run_dispatcher, s);

    if (s->cancel_at != NEVER) {
        gk_sleep_until(s->cancel_at);
        ctx_cancel(s->ctx);
    }
    if (!within_an_hour(s->returned)) {
        bool closed = true;
        for (int w = 0; w < s->nworkers; w++)
            if (s->closed_seen[w] == NEVER) closed = false;
        gk_fail_with_dump(
            s->mark,
            "dispatcher has not returned an hour after the last thing the test did "
            "(it is now %s; in %s, ctx %s%s%s). The workers got: %s. Is it stuck in a "
            "chan_send or chan_recv, or in a select whose cases are all NULL? It "
            "returns once in is closed and every queued job has gone out, or at "
            "once when ctx is done",
            fmt_d(gk_now()),
            s->close_at == NEVER ? "never closed"
            : s->producer_stuck  ? "not closed: the producer "
                                   "got stuck sending"
                                 : "closed",
            s->cancel_at == NEVER ? "never cancelled" : "cancelled at ",
            s->cancel_at == NEVER ? "" : fmt_d(s->cancel_at),
            closed && s->nworkers ? "; out was closed" : "", fmt_takes(s));
    }
    for (int k = 0; k < 1 + s->nworkers; k++)
        if (!within_an_hour(s->finished))
            gk_fail_with_dump(s->mark,
                              "dispatcher returned at %s, but an hour later a worker or the "
                              "producer is still waiting (the workers got: %s)",
                              fmt_d(s->returned_at), fmt_takes(s));
    if (s->cancel_at == NEVER) ctx_cancel(s->ctx);
    bool ok = true;
    bool in_closed = chan_try_recv(s->in, NULL, &ok) && !ok;
    ck_assert_msg(!(in_closed && s->close_at == NEVER),
                  "dispatcher closed in: only its senders (the producers) may close it");
    chan_free(s->in);
    chan_free(s->out);
    chan_free(s->returned);
    chan_free(s->finished);
}

/* The rank the contract gives job i (seq: arrival order, the script's order). */
static bool outranks(const scenario_t *s, int a, int b)
{
    long ra = s->age ? (long)(s->sent_at[a] - s->subs[a].prio * s->age) : -s->subs[a].prio;
    long rb = s->age ? (long)(s->sent_at[b] - s->subs[b].prio * s->age) : -s->subs[b].prio;
    return ra < rb || (ra == rb && a < b);
}

/* The checks of every scenario: received at once, most urgent at each take,
 * each job once, out closed for every worker. */
static void check_common(scenario_t *s)
{
    for (int i = 0; i < s->n; i++)
        ck_assert_msg(s->sent_at[i] == s->subs[i].at,
                      "the producer sent job %d at %s, but the dispatcher received it only at %s "
                      "(the workers got: %s). It must receive whenever a producer sends, even "
                      "while every worker is busy: the receive from in is a case of the same "
                      "select as the send on out, not a step before it",
                      s->subs[i].id, fmt_d(s->subs[i].at), fmt_d(s->sent_at[i]), fmt_takes(s));

    int times[MAX_JOBS] = {0};
    go_duration_t taken_at[MAX_JOBS];
    for (int i = 0; i < s->n; i++)
        taken_at[i] = NEVER;
    for (int t = 0; t < s->ntakes; t++) {
        int i = -1;
        const sub_t *j = sub_of(s, s->takes[t].id, &i);
        ck_assert_msg(j != NULL,
                      "a worker got a job with id %d, which the producer never sent (the workers "
                      "got: %s). Is the send case on while the heap is empty? Give it a NULL "
                      "channel then",
                      s->takes[t].id, fmt_takes(s));
        ck_assert_msg(++times[i] == 1,
                      "job %d went out twice: %s. Pop it from the heap when its send is the case "
                      "that ran, and only then",
                      j->id, fmt_takes(s));
        taken_at[i] = s->takes[t].at;
    }
    /* Most urgent at the instant: no job queued then, and still queued after
     * that instant's takes, outranks a job taken at that instant. */
    for (int t = 0; t < s->ntakes; t++) {
        int a = -1;
        sub_of(s, s->takes[t].id, &a);
        go_duration_t at = s->takes[t].at;
        for (int b = 0; b < s->n; b++) {
            if (b == a || s->sent_at[b] == NEVER || s->sent_at[b] >= at) continue;
            if (taken_at[b] != NEVER && taken_at[b] <= at) continue;
            if (!outranks(s, b, a)) continue;
            ck_abort_msg("at %s worker %d got job %d (priority %d, came in at %s), but job %d "
                         "(priority %d, came in at %s) was queued then and %s. A worker must get "
                         "the most urgent job queued at the instant it receives: the send case "
                         "offers the heap's top as it is when the select starts, and a job that "
                         "comes in meanwhile ends that select and is considered on the next turn "
                         "(no job held back in a variable or a buffer).%s\n  The workers got: %s",
                         fmt_d(at), s->takes[t].worker, s->subs[a].id, s->subs[a].prio,
                         fmt_d(s->sent_at[a]), s->subs[b].id, s->subs[b].prio, fmt_d(s->sent_at[b]),
                         s->subs[a].prio == s->subs[b].prio && s->age == 0
                             ? "has the same priority but came in first (ties go in arrival "
                               "order: a seq that grows with each job received)"
                         : s->age == 0 ? "is more urgent"
                                       : "is due first (its rank, arrived - prio * age, is "
                                         "smaller)",
                         s->age == 0 ? "" : " With aging, rank = arrived - prio * age.",
                         fmt_takes(s));
        }
    }
    if (s->cancel_at == NEVER && s->close_at != NEVER) {
        for (int i = 0; i < s->n; i++)
            ck_assert_msg(times[i] == 1,
                          "job %d (priority %d) was sent at %s but no worker ever got it; in was "
                          "closed at %s, and every job queued then must still go out before out "
                          "is closed (the workers got: %s)",
                          s->subs[i].id, s->subs[i].prio, fmt_d(s->subs[i].at), fmt_d(s->close_at),
                          fmt_takes(s));
        ck_assert_msg(s->dropped == 0,
                      "dispatcher returned %d after in was closed and every job went out: it "
                      "returns how many jobs it dropped on a cancel, 0 here",
                      s->dropped);
    }
    for (int w = 0; w < s->nworkers; w++)
        ck_assert_msg(s->closed_seen[w] != NEVER,
                      "worker %d never saw out closed (the dispatcher returned at %s): the "
                      "dispatcher closes out on its way out, so that the workers' loops end",
                      w, fmt_d(s->returned_at));
}

static void expect_takes(const scenario_t *s, const char *want, const char *why)
{
    const char *got = fmt_takes(s);
    ck_assert_msg(strcmp(got, want) == 0, "the workers got\n    %s\n  expected\n    %s\n  %s", got,
                  want, why);
}

static void script_init(scenario_t *s)
{
    memset(s, 0, sizeof *s);
    s->close_at = NEVER;
    s->cancel_at = NEVER;
}

static void add_job(scenario_t *s, int id, int prio, go_duration_t at)
{
    s->subs[s->n++] = (sub_t){id, prio, at};
}

/* ---- order --------------------------------------------------------------------- */

static void body_most_urgent_first(void *arg)
{
    (void)arg;
    script_init(&sc);
    int prios[] = {3, 1, 5, 2, 4};
    for (int i = 0; i < 5; i++)
        add_job(&sc, i + 1, prios[i], i * MILLISECOND);
    sc.close_at = 2 * SECOND;
    sc.nworkers = 1;
    sc.start_at[0] = SECOND;
    sc.work[0] = SECOND;
    play(&sc);
    check_common(&sc);
    expect_takes(&sc, "3(p5) at 1 s, 5(p4) at 2 s, 1(p3) at 3 s, 4(p2) at 4 s, 2(p1) at 5 s",
                 "five jobs queued before the one worker came: each time it is free it gets the "
                 "most urgent one left");
}

START_TEST(test_dispatcher_hands_out_queued_jobs_most_urgent_first)
{
    run_watched(body_most_urgent_first, NULL);
}
END_TEST

static void body_fifo_ties(void *arg)
{
    (void)arg;
    script_init(&sc);
    sc.null_ctx = true;
    int prios[] = {2, 2, 5, 2, 5, 2, 2, 5, 2, 2, 5, 2};
    for (int i = 0; i < 12; i++)
        add_job(&sc, i + 1, prios[i], i * MILLISECOND);
    sc.close_at = SECOND;
    sc.nworkers = 1;
    sc.start_at[0] = SECOND;
    sc.work[0] = SECOND;
    play(&sc);
    check_common(&sc);
    expect_takes(&sc,
                 "3(p5) at 1 s, 5(p5) at 2 s, 8(p5) at 3 s, 11(p5) at 4 s, 1(p2) at 5 s, "
                 "2(p2) at 6 s, 4(p2) at 7 s, 6(p2) at 8 s, 7(p2) at 9 s, 9(p2) at 10 s, "
                 "10(p2) at 11 s, 12(p2) at 12 s",
                 "jobs of equal priority leave in the order they came in (FIFO). A binary heap "
                 "is not stable by itself: give each job a seq that grows by one for each job "
                 "received (ctx was NULL here: never cancelled)");
}

START_TEST(test_dispatcher_hands_out_equal_priorities_in_arrival_order)
{
    run_watched(body_fifo_ties, NULL);
}
END_TEST

static void body_receives_while_busy(void *arg)
{
    (void)arg;
    script_init(&sc);
    add_job(&sc, 1, 1, 0);
    for (int i = 0; i < 6; i++)
        add_job(&sc, i + 2, i % 3, 100 * MILLISECOND * (i + 1));
    sc.close_at = 2 * SECOND;
    sc.nworkers = 1;
    sc.work[0] = 10 * SECOND;
    play(&sc);
    check_common(&sc);
}

START_TEST(test_dispatcher_receives_while_every_worker_is_busy)
{
    run_watched(body_receives_while_busy, NULL);
}
END_TEST

static void body_late_urgent(void *arg)
{
    (void)arg;
    script_init(&sc);
    add_job(&sc, 1, 4, 0);
    add_job(&sc, 2, 1, 200 * MILLISECOND);
    add_job(&sc, 3, 3, 300 * MILLISECOND);
    add_job(&sc, 4, 9, 1500 * MILLISECOND);
    add_job(&sc, 5, 2, 1600 * MILLISECOND);
    sc.close_at = 3 * SECOND;
    sc.nworkers = 1;
    sc.work[0] = 2 * SECOND;
    play(&sc);
    check_common(&sc);
    expect_takes(&sc, "1(p4) at 0 s, 4(p9) at 2 s, 3(p3) at 4 s, 5(p2) at 6 s, 2(p1) at 8 s",
                 "the worker was busy when job 4 (priority 9) came in at 1500 ms: it overtakes "
                 "the jobs queued before it. Which job goes is decided when a worker takes one, "
                 "not when the previous one went");
}

START_TEST(test_dispatcher_gives_a_late_urgent_job_before_older_ones)
{
    run_watched(body_late_urgent, NULL);
}
END_TEST

static void body_empty_heap(void *arg)
{
    (void)arg;
    script_init(&sc);
    add_job(&sc, 7, 3, 5 * SECOND);
    sc.close_at = 6 * SECOND;
    sc.nworkers = 2;
    sc.work[0] = sc.work[1] = SECOND;
    play(&sc);
    check_common(&sc);
    ck_assert_msg(sc.ntakes == 1 && sc.takes[0].at == 5 * SECOND,
                  "two workers waited on out from 0 s; the only job was sent at 5 s. Expected "
                  "one job, 7 at 5 s; the workers got: %s",
                  fmt_takes(&sc));
    for (int w = 0; w < 2; w++)
        ck_assert_msg(sc.closed_seen[w] == 6 * SECOND,
                      "in was closed at 6 s with nothing queued; worker %d saw out closed at %s: "
                      "expected at once, at 6 s",
                      w, fmt_d(sc.closed_seen[w]));
}

START_TEST(test_dispatcher_never_sends_from_an_empty_heap)
{
    run_watched(body_empty_heap, NULL);
}
END_TEST

/* ---- close and cancel ----------------------------------------------------------- */

static void body_drain(void *arg)
{
    (void)arg;
    script_init(&sc);
    for (int i = 0; i < 6; i++)
        add_job(&sc, i + 1, (i * 5) % 7, i * 10 * MILLISECOND);
    sc.close_at = SECOND;
    sc.nworkers = 2;
    sc.start_at[0] = sc.start_at[1] = 10 * SECOND;
    sc.work[0] = SECOND;
    sc.work[1] = 1500 * MILLISECOND;
    play(&sc);
    check_common(&sc);
    ck_assert_msg(sc.ntakes == 6,
                  "in was closed at 1 s with 6 jobs queued and no worker yet; the workers came "
                  "at 10 s and got: %s. Closing in stops the intake, not the output: every "
                  "queued job still goes out, then out is closed",
                  fmt_takes(&sc));
    go_duration_t last = sc.takes[5].at;
    ck_assert_msg(sc.returned_at >= last,
                  "dispatcher returned at %s, before the last queued job went out at %s",
                  fmt_d(sc.returned_at), fmt_d(last));
}

START_TEST(test_dispatcher_drains_queued_jobs_after_in_is_closed)
{
    run_watched(body_drain, NULL);
}
END_TEST

static void body_cancel(void *arg)
{
    (void)arg;
    script_init(&sc);
    for (int i = 0; i < 5; i++)
        add_job(&sc, i + 1, i, i * MILLISECOND);
    sc.cancel_at = 2 * SECOND;
    sc.nworkers = 1;
    sc.start_at[0] = 10 * SECOND;
    sc.work[0] = SECOND;
    long live = __atomic_load_n(&pq_watch.live, __ATOMIC_RELAXED);
    play(&sc);
    check_common(&sc);
    ck_assert_msg(sc.returned_at == 2 * SECOND,
                  "ctx was cancelled at 2 s with 5 jobs queued and no worker; the dispatcher "
                  "returned at %s: expected at once, at 2 s (ctx's done is a case of the select)",
                  fmt_d(sc.returned_at));
    ck_assert_msg(sc.ntakes == 0,
                  "after the cancel at 2 s the dispatcher hands out nothing more, but the worker "
                  "that came at 10 s got: %s",
                  fmt_takes(&sc));
    ck_assert_msg(sc.dropped == 5,
                  "dispatcher returned %d when cancelled with 5 jobs queued: it returns how many "
                  "jobs it dropped",
                  sc.dropped);
    long now_live = __atomic_load_n(&pq_watch.live, __ATOMIC_RELAXED);
    ck_assert_msg(now_live == live, "dispatcher returned after a cancel without freeing its heap "
                                    "(pq_free): the dropped jobs go with it");
}

START_TEST(test_dispatcher_stops_at_once_when_cancelled)
{
    run_watched(body_cancel, NULL);
}
END_TEST

static void body_cancel_idle(void *arg)
{
    (void)arg;
    script_init(&sc);
    add_job(&sc, 1, 5, 0);
    add_job(&sc, 2, 3, 0);
    sc.cancel_at = 4 * SECOND;
    sc.nworkers = 2;
    sc.work[0] = sc.work[1] = SECOND;
    play(&sc);
    check_common(&sc);
    ck_assert_msg(sc.ntakes == 2 && sc.dropped == 0 && sc.returned_at == 4 * SECOND,
                  "two jobs went to two waiting workers at 0 s, then nothing came until ctx was "
                  "cancelled at 4 s: expected the dispatcher to return 0 (nothing dropped) at "
                  "4 s; it returned %d at %s, and the workers got: %s",
                  sc.dropped, fmt_d(sc.returned_at), fmt_takes(&sc));
}

START_TEST(test_dispatcher_cancelled_while_idle_returns_zero_and_leaves_in_open)
{
    run_watched(body_cancel_idle, NULL);
}
END_TEST

/* ---- many jobs, many workers ---------------------------------------------------- */

static unsigned long rng = 17;
static int rnd(int n)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (int)((rng >> 33) % (unsigned long)n);
}

static void random_script(scenario_t *s, int n, go_duration_t age)
{
    script_init(s);
    s->age = age;
    go_duration_t t = 0;
    for (int i = 0; i < n; i++) {
        t += (2 * rnd(4) + 1) * MILLISECOND; /* odd ms: never at a worker's instant */
        add_job(s, 100 + i, rnd(PRIO_MAX + 1), t);
    }
    s->close_at = t + MILLISECOND;
    s->nworkers = 3;
    for (int w = 0; w < 3; w++) {
        s->start_at[w] = 10 * MILLISECOND * w;
        s->work[w] = 10 * MILLISECOND * (w + 1);
    }
}

static void body_many(void *arg)
{
    (void)arg;
    rng = 17;
    random_script(&sc, 100, 0);
    play(&sc);
    check_common(&sc);
}

START_TEST(test_dispatcher_delivers_every_job_once_most_urgent_first_to_three_workers)
{
    run_watched(body_many, NULL);
}
END_TEST

static void body_heap_owner(void *arg)
{
    (void)arg;
    rng = 5;
    random_script(&sc, 40, 0);
    long foreign = __atomic_load_n(&pq_watch.foreign_uses, __ATOMIC_RELAXED);
    long live = __atomic_load_n(&pq_watch.live, __ATOMIC_RELAXED);
    play(&sc);
    long f = __atomic_load_n(&pq_watch.foreign_uses, __ATOMIC_RELAXED) - foreign;
    ck_assert_msg(f == 0,
                  "the heap was used %ld times by a goroutine other than the one that first "
                  "pushed on it: only the dispatcher's goroutine may touch it (confinement: "
                  "then it needs no lock)",
                  f);
    long started = gk_started_since(sc.mark);
    ck_assert_msg(started == 2 + sc.nworkers,
                  "the test started %d goroutines (a producer, %d workers, the dispatcher) but "
                  "%ld were started: the dispatcher starts none; it is the one goroutine that "
                  "owns the heap",
                  2 + sc.nworkers, sc.nworkers, started);
    ck_assert_msg(__atomic_load_n(&pq_watch.live, __ATOMIC_RELAXED) == live,
                  "dispatcher returned without freeing its heap (pq_free)");
    check_common(&sc);
}

START_TEST(test_dispatcher_keeps_its_heap_to_itself_and_frees_it)
{
    run_watched(body_heap_owner, NULL);
}
END_TEST

/* ---- aging ---------------------------------------------------------------------- */

/* A low job at 0 s, then a flood: a priority-3 job every 250 ms from 100 ms
 * to 19.85 s, while one worker takes a job a second from 500 ms. */
static void flood_script(scenario_t *s, go_duration_t age)
{
    script_init(s);
    s->age = age;
    add_job(s, 1, 0, 0);
    for (int i = 0; i < 80; i++)
        add_job(s, 10 + i, 3, 100 * MILLISECOND + i * 250 * MILLISECOND);
    s->close_at = 20 * SECOND;
    s->nworkers = 1;
    s->start_at[0] = 500 * MILLISECOND;
    s->work[0] = SECOND;
}

static int position_of(const scenario_t *s, int id)
{
    for (int t = 0; t < s->ntakes; t++)
        if (s->takes[t].id == id) return t;
    return -1;
}

static void body_aging(void *arg)
{
    (void)arg;
    flood_script(&sc, SECOND);
    play(&sc);
    int p = position_of(&sc, 1);
    ck_assert_msg(
        p == 12 && sc.takes[12].at == 12500 * MILLISECOND,
        "with age 1 s, the priority-0 job that came in at 0 s is due at 0 s, like a "
        "priority-3 job coming in at 3 s: it must go after the 12 flood jobs that came "
        "in before 3 s and before all the others: number 13, at 12500 ms. It went %s%d, at "
        "%s. The workers got: %s",
        p < 0 ? "never: " : "number ", p + 1, p < 0 ? "-" : fmt_d(sc.takes[p].at), fmt_takes(&sc));
    check_common(&sc);
}

START_TEST(test_dispatcher_with_aging_serves_a_low_job_within_its_bound)
{
    run_watched(body_aging, NULL);
}
END_TEST

static void body_strict_flood(void *arg)
{
    (void)arg;
    flood_script(&sc, 0);
    play(&sc);
    int p = position_of(&sc, 1);
    ck_assert_msg(p == sc.n - 1,
                  "with age 0 (strict priority), the priority-0 job goes after every priority-3 "
                  "job queued with it: it went %s%d of %d. The workers got: %s",
                  p < 0 ? "never: " : "number ", p + 1, sc.n, fmt_takes(&sc));
    check_common(&sc);
}

START_TEST(test_dispatcher_without_aging_lets_the_flood_go_first)
{
    run_watched(body_strict_flood, NULL);
}
END_TEST

static void body_many_aging(void *arg)
{
    (void)arg;
    rng = 99;
    random_script(&sc, 100, 20 * MILLISECOND);
    play(&sc);
    check_common(&sc);
}

START_TEST(test_dispatcher_with_aging_hands_out_the_job_due_first_to_three_workers)
{
    run_watched(body_many_aging, NULL);
}
END_TEST

/* ==== Task 3: the deadline queue ================================================ */

enum { MAX_FIRES = 64 };

typedef struct {
    chan_t *fired, *quit, *reader_done, *stopped;
    timerq_t *tq;
    int nf;
    int ids[MAX_FIRES];
    go_duration_t at[MAX_FIRES];
    go_leak_mark_t mark;
} tq_run_t;

static tq_run_t tr;

static void tq_reader(void *arg)
{
    tq_run_t *r = arg;
    for (;;) {
        int id;
        select_case_t cs[] = {select_recv(r->fired, &id), select_recv(r->quit, NULL)};
        if (chan_select(cs, 2, SELECT_BLOCK) == 1) break;
        if (r->nf < MAX_FIRES) {
            r->ids[r->nf] = id;
            r->at[r->nf++] = gk_now();
        }
    }
    chan_close(r->reader_done);
}

static void tq_stopper(void *arg)
{
    tq_run_t *r = arg;
    timerq_stop(r->tq);
    chan_close(r->stopped);
}

static const char *fmt_fires(const tq_run_t *r)
{
    static char out[2048];
    size_t len = 0;
    out[0] = 0;
    if (r->nf == 0) return "nothing";
    for (int i = 0; i < r->nf && len < sizeof out - 64; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%d at %s", i ? ", " : "", r->ids[i],
                                fmt_d(r->at[i]));
    return out;
}

static void tq_begin(tq_run_t *r)
{
    memset(r, 0, sizeof *r);
    r->mark = go_leak_mark();
    r->fired = chan_make(sizeof(int), 0);
    r->quit = chan_make(0, 0);
    r->reader_done = chan_make(0, 0);
    r->stopped = chan_make(0, 0);
    go(tq_reader, r);
    r->tq = timerq_start(r->fired);
    ck_assert_msg(r->tq != NULL, "timerq_start returned NULL");
}

/* Stops the queue at stop_at (bounded), then the reader. */
static void tq_end(tq_run_t *r, go_duration_t stop_at)
{
    gk_sleep_until(stop_at);
    go_duration_t asked = gk_now();
    go(tq_stopper, r);
    if (!within_an_hour(r->stopped))
        gk_fail_with_dump(r->mark,
                          "timerq_stop, called at %s, had not returned an hour later (fired so "
                          "far: %s). It stops the owner (close its channel: the owner's select "
                          "sees it) and waits for it; deadlines not yet passed are dropped",
                          fmt_d(asked), fmt_fires(r));
    ck_assert_msg(gk_now() == asked,
                  "timerq_stop, called at %s, returned at %s: it must not wait for the "
                  "deadlines still pending (they are dropped)",
                  fmt_d(asked), fmt_d(gk_now()));
    chan_close(r->quit);
    within_an_hour(r->reader_done);
    chan_free(r->fired);
    chan_free(r->quit);
    chan_free(r->reader_done);
    chan_free(r->stopped);
}

static void expect_fires(const tq_run_t *r, const char *want, const char *why)
{
    const char *got = fmt_fires(r);
    ck_assert_msg(strcmp(got, want) == 0, "fired got\n    %s\n  expected\n    %s\n  %s", got, want,
                  why);
}

static void body_tq_order(void *arg)
{
    (void)arg;
    tq_begin(&tr);
    timerq_add(tr.tq, 1, 3 * SECOND);
    timerq_add(tr.tq, 2, SECOND);
    timerq_add(tr.tq, 3, 2 * SECOND);
    timerq_add(tr.tq, 4, 2 * SECOND);
    timerq_add(tr.tq, 5, 0);
    tq_end(&tr, 10 * SECOND);
    expect_fires(&tr, "5 at 0 s, 2 at 1 s, 3 at 2 s, 4 at 2 s, 1 at 3 s",
                 "five deadlines added at 0 s (after 3 s, 1 s, 2 s, 2 s, 0 s): each id is sent "
                 "on fired at its deadline, earliest first, equal deadlines in the order added");
}

START_TEST(test_timerq_fires_each_id_at_its_deadline_in_order)
{
    run_watched(body_tq_order, NULL);
}
END_TEST

static void body_tq_reset(void *arg)
{
    (void)arg;
    tq_begin(&tr);
    timerq_add(tr.tq, 1, 10 * SECOND);
    gk_sleep_until(SECOND);
    timerq_add(tr.tq, 2, 2 * SECOND);
    gk_sleep_until(4 * SECOND);
    timerq_add(tr.tq, 3, SECOND);
    gk_sleep_until(20 * SECOND);
    timerq_add(tr.tq, 4, 5 * SECOND);
    tq_end(&tr, 30 * SECOND);
    expect_fires(&tr, "2 at 3 s, 3 at 5 s, 1 at 10 s, 4 at 25 s",
                 "id 1 was due at 10 s; id 2, added at 1 s, was due at 3 s, before it: when a "
                 "new deadline becomes the earliest, the owner resets its one timer to it "
                 "(timer_reset). After a fire, the timer is set to the next deadline, and when "
                 "the heap is empty it waits for the next add");
}

START_TEST(test_timerq_resets_its_timer_when_an_earlier_deadline_comes)
{
    run_watched(body_tq_reset, NULL);
}
END_TEST

typedef struct {
    int base;
    go_duration_t when[10], d[10];
} tq_adder_t;

static tq_adder_t adders[3];
static chan_t *adders_done;

static void tq_adder(void *arg)
{
    tq_adder_t *a = arg;
    for (int i = 0; i < 10; i++) {
        gk_sleep_until(a->when[i]);
        timerq_add(tr.tq, a->base + i, a->d[i]);
    }
    bool b = true;
    chan_send(adders_done, &b);
}

static void body_tq_many(void *arg)
{
    (void)arg;
    long foreign = __atomic_load_n(&pq_watch.foreign_uses, __ATOMIC_RELAXED);
    long live = __atomic_load_n(&pq_watch.live, __ATOMIC_RELAXED);
    tq_begin(&tr);
    long started = gk_started_since(tr.mark) - 1; /* less the test's reader */
    ck_assert_msg(started == 1,
                  "timerq_start started %ld goroutines: it starts exactly one, the owner", started);
    rng = 3;
    adders_done = chan_make(sizeof(bool), 3);
    for (int k = 0; k < 3; k++) {
        adders[k].base = 100 * (k + 1);
        go_duration_t t = 0;
        for (int i = 0; i < 10; i++) {
            t += (rnd(5) + 1) * 100 * MILLISECOND;
            adders[k].when[i] = t;
            adders[k].d[i] = rnd(30) * 100 * MILLISECOND + (k + 1) * MILLISECOND;
        }
    }
    go_leak_mark_t before_adds = go_leak_mark();
    for (int k = 0; k < 3; k++)
        go(tq_adder, &adders[k]);
    for (int k = 0; k < 3; k++)
        if (!within_an_hour(adders_done))
            gk_fail_with_dump(tr.mark, "timerq_add has not returned for an hour");
    long by_adds = gk_started_since(before_adds) - 3;
    chan_free(adders_done);
    tq_end(&tr, 60 * SECOND);
    ck_assert_msg(by_adds == 0,
                  "30 calls of timerq_add started %ld goroutines: a goroutine (or a timer) per "
                  "deadline is what the queue is there to avoid; the owner does the waiting",
                  by_adds);
    char bad[256] = "";
    int seen = 0;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 10; i++) {
            int id = adders[k].base + i, n = 0;
            go_duration_t due = adders[k].when[i] + adders[k].d[i], at = NEVER;
            for (int f = 0; f < tr.nf; f++)
                if (tr.ids[f] == id) {
                    n++;
                    at = tr.at[f];
                }
            seen += n;
            if ((n != 1 || at != due) && !bad[0])
                snprintf(bad, sizeof bad, "id %d, added at %s to fire after %s, fired %d times%s%s",
                         id, fmt_d(adders[k].when[i]), fmt_d(adders[k].d[i]), n, n ? ", at " : "",
                         n ? fmt_d(at) : "");
        }
    ck_assert_msg(!bad[0] && seen == tr.nf,
                  "three goroutines added 30 deadlines: each must fire once, at its deadline "
                  "(added at + d); %s. Fired: %s",
                  bad[0] ? bad : "an id no one added fired", fmt_fires(&tr));
    long f = __atomic_load_n(&pq_watch.foreign_uses, __ATOMIC_RELAXED) - foreign;
    ck_assert_msg(f == 0,
                  "the deadline heap was used %ld times by a goroutine other than the owner: "
                  "timerq_add sends a request; only the owner touches the heap",
                  f);
    ck_assert_msg(__atomic_load_n(&pq_watch.live, __ATOMIC_RELAXED) == live,
                  "timerq_stop returned without the heap being freed (pq_free)");
}

START_TEST(test_timerq_serves_many_adders_with_one_goroutine_that_owns_the_heap)
{
    run_watched(body_tq_many, NULL);
}
END_TEST

static void body_tq_stop(void *arg)
{
    (void)arg;
    tq_begin(&tr);
    timerq_add(tr.tq, 1, SECOND);
    timerq_add(tr.tq, 2, 30 * MINUTE);
    tq_end(&tr, 2 * SECOND);
    expect_fires(&tr, "1 at 1 s",
                 "timerq_stop was called at 2 s: id 1 fired at 1 s, and id 2 (due at 30 min) "
                 "is dropped");
    gk_sleep_until(40 * MINUTE);
    ck_assert_msg(tr.nf == 1, "after timerq_stop, a dropped deadline fired anyway: %s",
                  fmt_fires(&tr));
}

START_TEST(test_timerq_stop_drops_pending_deadlines_and_returns_at_once)
{
    GK_LEAK_MARK();
    run_watched(body_tq_stop, NULL);
    GK_ASSERT_NO_LEAKS();
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("priority");
    kata_add_test(s, test_job_rank_without_aging_is_minus_the_priority);
    kata_add_test(s, test_job_rank_with_aging_is_a_deadline);
    kata_add_test(s, test_dispatcher_hands_out_queued_jobs_most_urgent_first);
    kata_add_test(s, test_dispatcher_hands_out_equal_priorities_in_arrival_order);
    kata_add_test(s, test_dispatcher_receives_while_every_worker_is_busy);
    kata_add_test(s, test_dispatcher_gives_a_late_urgent_job_before_older_ones);
    kata_add_test(s, test_dispatcher_never_sends_from_an_empty_heap);
    kata_add_test(s, test_dispatcher_drains_queued_jobs_after_in_is_closed);
    kata_add_test(s, test_dispatcher_stops_at_once_when_cancelled);
    kata_add_test(s, test_dispatcher_cancelled_while_idle_returns_zero_and_leaves_in_open);
    kata_add_test(s, test_dispatcher_delivers_every_job_once_most_urgent_first_to_three_workers);
    kata_add_test(s, test_dispatcher_keeps_its_heap_to_itself_and_frees_it);
    kata_add_test(s, test_dispatcher_with_aging_serves_a_low_job_within_its_bound);
    kata_add_test(s, test_dispatcher_without_aging_lets_the_flood_go_first);
    kata_add_test(s, test_dispatcher_with_aging_hands_out_the_job_due_first_to_three_workers);
    kata_add_test(s, test_timerq_fires_each_id_at_its_deadline_in_order);
    kata_add_test(s, test_timerq_resets_its_timer_when_an_earlier_deadline_comes);
    kata_add_test(s, test_timerq_serves_many_adders_with_one_goroutine_that_owns_the_heap);
    kata_add_test(s, test_timerq_stop_drops_pending_deadlines_and_returns_at_once);
    return s;
}
