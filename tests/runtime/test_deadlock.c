/* "all goroutines are asleep": found when it is true, never when it isn't. */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "gkcheck.h"
#include "suites.h"

static void send_with_no_receiver(void *unused)
{
    (void)unused;
    chan_t *c = chan_make(sizeof(int), 0);
    int v = 76;
    chan_send(c, &v); /* the roadmap's first deadlock */
}

START_TEST(a_send_with_no_receiver_is_a_deadlock)
{
    GK_EXPECT_DEATH(send_with_no_receiver, NULL, 2,
                    "fatal error: all goroutines are asleep - deadlock!\n\n"
                    "goroutine 1 [chan send]:\nsend_with_no_receiver(...)\n\t");
    GK_EXPECT_DEATH(send_with_no_receiver, NULL, 2, "tests/runtime/test_deadlock.c:");
}
END_TEST

static void nil_send(void *unused)
{
    (void)unused;
    int v = 0;
    chan_send(NULL, &v);
}

static void nil_recv(void *unused)
{
    (void)unused;
    chan_recv(NULL, NULL);
}

static void empty_select(void *unused)
{
    (void)unused;
    chan_select(NULL, 0, SELECT_BLOCK);
}

START_TEST(a_nil_channel_blocks_forever)
{
    GK_EXPECT_DEATH(nil_send, NULL, 2, "goroutine 1 [chan send (nil chan)]");
    GK_EXPECT_DEATH(nil_recv, NULL, 2, "goroutine 1 [chan receive (nil chan)]");
    GK_EXPECT_DEATH(empty_select, NULL, 2, "goroutine 1 [select (no cases)]");
}
END_TEST

static chan_t *never;

static void wait_forever(void *arg)
{
    (void)arg;
    chan_recv(never, NULL);
}

static void wait_for_stuck_worker(void *unused)
{
    (void)unused;
    never = chan_make(0, 0);
    wg_t wg = {0};
    wg_add(&wg, 1);
    go(wait_forever, NULL);
    wg_wait(&wg);
}

START_TEST(the_dump_names_every_goroutine_and_where_it_was_created)
{
    GK_EXPECT_DEATH(wait_for_stuck_worker, NULL, 2, "goroutine 1 [sync.WaitGroup.Wait]:");
    GK_EXPECT_DEATH(wait_for_stuck_worker, NULL, 2,
                    "goroutine 2 [chan receive]:\nwait_forever(...)\n");
    GK_EXPECT_DEATH(wait_for_stuck_worker, NULL, 2,
                    "created by wait_for_stuck_worker in goroutine 1\n\t");
}
END_TEST

static void lock_twice(void *unused)
{
    (void)unused;
    mutex_t m = {0};
    mutex_lock(&m);
    mutex_lock(&m);
}

START_TEST(locking_a_held_mutex_with_nobody_to_unlock_is_a_deadlock)
{
    GK_EXPECT_DEATH(lock_twice, NULL, 2, "goroutine 1 [sync.Mutex.Lock]:");
}
END_TEST

static int pipefd[2];

static void slow_syscall_then_send(void *arg)
{
    /* Blocked in the kernel, not in the runtime: still running as far as
     * deadlock detection goes. */
    char b;
    ck_assert_int_eq(read(pipefd[0], &b, 1), 1);
    chan_send(arg, &b);
}

/* A plain thread, unknown to the runtime: it never counts as running. */
static void *unblock_pipe_later(void *unused)
{
    (void)unused;
    /* Give main time to park: then the only goroutine not parked is the
     * one in read(). Timing only makes the test sharper; it passes either
     * way when the runtime is right. */
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ck_assert_int_eq(write(pipefd[1], "x", 1), 1);
    return NULL;
}

START_TEST(a_goroutine_blocked_outside_the_runtime_is_not_a_deadlock)
{
    GK_LEAK_MARK();
    ck_assert_int_eq(pipe(pipefd), 0);
    chan_t *c = chan_make(1, 0);
    go(slow_syscall_then_send, c);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, unblock_pipe_later, NULL), 0);
    char b = 0;
    ck_assert(chan_recv(c, &b));
    ck_assert_int_eq(b, 'x');
    pthread_join(t, NULL);
    GK_ASSERT_NO_LEAKS();
    chan_free(c);
}
END_TEST

static void sigquit_from_goroutine(void *arg)
{
    (void)arg;
    go_wait_idle();
    kill(getpid(), SIGQUIT);
    for (;;) pause(); /* stay alive (outside the runtime) until the dump ends us */
}

static void hang_then_quit(void *unused)
{
    (void)unused;
    never = chan_make(0, 0);
    go(sigquit_from_goroutine, NULL);
    mutex_t m = {0};
    mutex_lock(&m);
    /* A hung program: main waits on a channel nobody will send on, while
     * the other goroutine is alive (so this is no deadlock) and sends
     * SIGQUIT, as Ctrl-\ would. */
    chan_recv(never, NULL);
}

START_TEST(sigquit_prints_every_goroutine_and_exits_2)
{
    GK_EXPECT_DEATH(hang_then_quit, NULL, 2, "SIGQUIT: quit\n\ngoroutine 1 [chan receive]:");
    GK_EXPECT_DEATH(hang_then_quit, NULL, 2, "created by hang_then_quit in goroutine 1");
}
END_TEST

Suite *deadlock_suite(void)
{
    Suite *s = suite_create("deadlock");
    TCase *tc = tcase_create("deadlock");
    tcase_add_test(tc, a_send_with_no_receiver_is_a_deadlock);
    tcase_add_test(tc, a_nil_channel_blocks_forever);
    tcase_add_test(tc, the_dump_names_every_goroutine_and_where_it_was_created);
    tcase_add_test(tc, locking_a_held_mutex_with_nobody_to_unlock_is_a_deadlock);
    tcase_add_test(tc, a_goroutine_blocked_outside_the_runtime_is_not_a_deadlock);
    tcase_add_test(tc, sigquit_prints_every_goroutine_and_exits_2);
    suite_add_tcase(s, tc);
    return s;
}
