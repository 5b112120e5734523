/* Context: trees of cancellation, deadlines in virtual time, values. */
#include <stdlib.h>
#include <string.h>

#include "gkcheck.h"
#include "suites.h"

START_TEST(background_is_never_done)
{
    ctx_t *bg = ctx_background();
    ck_assert_ptr_null(ctx_done(bg));
    ck_assert_ptr_null(ctx_err(bg));
    ck_assert(!ctx_deadline(bg, NULL));
    ck_assert_ptr_null(ctx_err(ctx_todo()));
    ctx_release(bg); /* harmless */
}
END_TEST

START_TEST(cancelling_a_parent_cancels_every_descendant_but_not_the_other_way)
{
    ctx_t *root = ctx_with_cancel(ctx_background());
    ctx_t *child = ctx_with_cancel(root);
    ctx_t *val = ctx_with_value(child, "k", "v");
    ctx_t *grandchild = ctx_with_cancel(val);
    ctx_t *sibling = ctx_with_cancel(root);

    ctx_retain(sibling); /* keep using it after giving our reference back */
    ctx_cancel(sibling);
    ck_assert_ptr_eq(ctx_err(sibling), CTX_CANCELED);
    ck_assert_msg(ctx_err(root) == NULL, "cancelling a child must not cancel its parent");
    ctx_release(sibling);

    ctx_retain(child);
    ctx_retain(grandchild);
    ctx_retain(val);
    ctx_cancel(root);
    ck_assert_ptr_eq(ctx_err(child), CTX_CANCELED);
    ck_assert_ptr_eq(ctx_err(grandchild), CTX_CANCELED);
    ck_assert_ptr_eq(ctx_err(val), CTX_CANCELED);
    ck_assert_ptr_eq(ctx_done(val), ctx_done(child));
    ck_assert(!chan_recv(ctx_done(grandchild), NULL)); /* closed */
    ctx_cancel(grandchild);
    ctx_release(val);
    ctx_cancel(child);
    ctx_release(child);
    ctx_release(grandchild);
}
END_TEST

static const char *seen_err;
static wg_t finished;

static void wait_for_cancel(void *arg)
{
    ctx_t *ctx = arg; /* the caller retained it for us */
    chan_t *work = chan_make(sizeof(int), 0);
    int v;
    select_case_t cs[] = {select_recv(work, &v), select_recv(ctx_done(ctx), NULL)};
    int k = chan_select(cs, 2, SELECT_BLOCK);
    if (k == 1) seen_err = ctx_err(ctx);
    chan_free(work);
    ctx_release(ctx);
    wg_done(&finished);
}

START_TEST(cancel_wakes_a_goroutine_blocked_in_select_on_done)
{
    GK_LEAK_MARK();
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_retain(ctx);
    wg_add(&finished, 1);
    go(wait_for_cancel, ctx);
    go_wait_idle(); /* it is blocked in the select */
    ctx_cancel(ctx);
    wg_wait(&finished);
    GK_ASSERT_NO_LEAKS();
    ck_assert_ptr_eq(seen_err, CTX_CANCELED);
}
END_TEST

typedef struct {
    go_time_t t[4];
    const char *err[4];
    bool has[4];
} ctxout_t;

static void deadline_in_virtual_time(void *arg)
{
    ctxout_t *o = arg;
    go_time_t start = time_now();
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 2 * SECOND);
    ctx_t *later = ctx_with_timeout(ctx, 5 * SECOND);  /* keeps the parent's 2 s */
    ctx_t *sooner = ctx_with_timeout(ctx, SECOND);
    go_time_t d;
    o->has[0] = ctx_deadline(later, &d);
    o->t[0] = d - start;
    chan_recv(ctx_done(sooner), NULL);
    o->t[1] = time_now() - start;
    o->err[1] = ctx_err(sooner);
    o->err[2] = ctx_err(ctx); /* not yet */
    chan_recv(ctx_done(later), NULL);
    o->t[2] = time_now() - start;
    o->err[3] = ctx_err(later);
    ctx_cancel(sooner);
    ctx_cancel(later);
    ctx_cancel(ctx);
}

START_TEST(a_deadline_cancels_on_time_and_a_child_keeps_its_parents_earlier_deadline)
{
    ctxout_t o = {0};
    go_synctest(deadline_in_virtual_time, &o);
    ck_assert(o.has[0]);
    ck_assert_int_eq(o.t[0], 2 * SECOND);
    ck_assert_int_eq(o.t[1], SECOND);
    ck_assert_ptr_eq(o.err[1], CTX_DEADLINE_EXCEEDED);
    ck_assert_ptr_null(o.err[2]);
    ck_assert_int_eq(o.t[2], 2 * SECOND);
    ck_assert_ptr_eq(o.err[3], CTX_DEADLINE_EXCEEDED);
}
END_TEST

static void slow_lookup(void *arg)
{
    ctxout_t *o = arg;
    ctx_t *ctx = ctx_with_timeout(ctx_background(), 100 * MILLISECOND);
    /* A lookup that takes a second, honouring the context. */
    select_case_t cs[] = {select_recv(time_after(SECOND), NULL),
                          select_recv(ctx_done(ctx), NULL)};
    int k = chan_select(cs, 2, SELECT_BLOCK);
    o->t[0] = k;
    o->err[0] = ctx_err(ctx);
    o->t[1] = time_now() - 946684800LL * SECOND;
    ctx_cancel(ctx);
}

START_TEST(an_hour_long_lookup_gives_up_at_the_context_deadline)
{
    ctxout_t o = {0};
    go_synctest(slow_lookup, &o);
    ck_assert_int_eq(o.t[0], 1);
    ck_assert_ptr_eq(o.err[0], CTX_DEADLINE_EXCEEDED);
    ck_assert_int_eq(o.t[1], 100 * MILLISECOND);
}
END_TEST

static int request_id_key, user_key;

START_TEST(values_are_found_through_the_chain_nearest_first)
{
    ctx_t *a = ctx_with_value(ctx_background(), &request_id_key, "req-1");
    ctx_t *b = ctx_with_cancel(a);
    ctx_t *c = ctx_with_value(b, &user_key, "gopher");
    ctx_t *d = ctx_with_value(c, &request_id_key, "req-2");
    ck_assert_str_eq(ctx_value(c, &request_id_key), "req-1");
    ck_assert_str_eq(ctx_value(c, &user_key), "gopher");
    ck_assert_str_eq(ctx_value(d, &request_id_key), "req-2");
    ck_assert_ptr_null(ctx_value(b, &user_key));
    ctx_release(d);
    ctx_release(c);
    ctx_cancel(b);
    ctx_release(a);
}
END_TEST

START_TEST(a_cancel_cause_is_kept_beside_the_error)
{
    ctx_t *ctx = ctx_with_cancel(ctx_background());
    ctx_t *child = ctx_with_cancel(ctx);
    ctx_retain(child);
    ctx_retain(ctx);
    ctx_cancel_cause(ctx, "shutting down");
    ck_assert_ptr_eq(ctx_err(ctx), CTX_CANCELED);
    ck_assert_str_eq(ctx_cause(ctx), "shutting down");
    ck_assert_str_eq(ctx_cause(child), "shutting down");
    ctx_release(ctx);
    ctx_cancel(child);
    ctx_release(child);
}
END_TEST

static void cancel_value(void *unused)
{
    (void)unused;
    ctx_cancel(ctx_with_value(ctx_background(), &user_key, NULL));
}

static void cancel_background(void *unused)
{
    (void)unused;
    ctx_cancel(ctx_background());
}

START_TEST(cancelling_what_cannot_be_cancelled_panics_with_advice)
{
    GK_EXPECT_DEATH(cancel_value, NULL, 2, "give it back with ctx_release");
    GK_EXPECT_DEATH(cancel_background, NULL, 2, "cannot be cancelled");
}
END_TEST

enum { TREE = 1000 };

START_TEST(a_tree_of_a_thousand_contexts_cancels_all_at_once)
{
    static ctx_t *nodes[TREE];
    nodes[0] = ctx_with_cancel(ctx_background());
    for (int i = 1; i < TREE; i++) nodes[i] = ctx_with_cancel(nodes[(i - 1) / 4]);
    for (int i = 1; i < TREE; i++) ctx_retain(nodes[i]);
    go_time_t start = time_now();
    ctx_cancel(nodes[0]);
    go_duration_t took = time_since(start);
    for (int i = 1; i < TREE; i++) {
        ck_assert_ptr_eq(ctx_err(nodes[i]), CTX_CANCELED);
        ctx_cancel(nodes[i]);
        ctx_release(nodes[i]);
    }
    /* The figure is measured by make bench; here only a bound that holds
     * under Helgrind. */
    ck_assert_msg(took < 30 * SECOND, "cancelling 1,000 contexts took %lld ms",
                  (long long)(took / MILLISECOND));
}
END_TEST

Suite *context_suite(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("context");
    tcase_add_test(tc, background_is_never_done);
    tcase_add_test(tc, cancelling_a_parent_cancels_every_descendant_but_not_the_other_way);
    tcase_add_test(tc, cancel_wakes_a_goroutine_blocked_in_select_on_done);
    tcase_add_test(tc, a_deadline_cancels_on_time_and_a_child_keeps_its_parents_earlier_deadline);
    tcase_add_test(tc, an_hour_long_lookup_gives_up_at_the_context_deadline);
    tcase_add_test(tc, values_are_found_through_the_chain_nearest_first);
    tcase_add_test(tc, a_cancel_cause_is_kept_beside_the_error);
    tcase_add_test(tc, cancelling_what_cannot_be_cancelled_panics_with_advice);
    tcase_add_test(tc, a_tree_of_a_thousand_contexts_cancels_all_at_once);
    suite_add_tcase(s, tc);
    return s;
}
