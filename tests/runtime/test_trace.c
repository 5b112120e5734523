/* The execution trace: valid Chrome trace-event JSON that shows a
 * ping-pong as the alternation it is. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gkcheck.h"
#include "suites.h"

enum { ROUNDS = 5 };

static wg_t pong_done;

static void pong(void *arg)
{
    chan_t **pp = arg;
    int v;
    while (chan_recv(pp[0], &v)) chan_send(pp[1], &v);
    wg_done(&pong_done);
}

START_TEST(a_ping_pong_trace_alternates_between_two_goroutines)
{
    char path[] = "/tmp/gokata-trace-XXXXXX";
    int fd = mkstemp(path);
    ck_assert(fd >= 0);
    close(fd);
    ck_assert(go_trace_start(path));
    ck_assert_msg(!go_trace_start(path), "a second trace must be refused");
    chan_t *pp[2] = {chan_make(sizeof(int), 0), chan_make(sizeof(int), 0)};
    wg_add(&pong_done, 1);
    go(pong, pp);
    for (int i = 0; i < ROUNDS; i++) {
        chan_send(pp[0], &i);
        chan_recv(pp[1], &i);
    }
    chan_close(pp[0]);
    wg_wait(&pong_done); /* pong has recorded its last send */
    ck_assert(go_trace_stop());

    json_object *root = json_object_from_file(path);
    unlink(path);
    ck_assert_msg(root != NULL, "the trace is not valid JSON");
    json_object *events;
    ck_assert(json_object_object_get_ex(root, "traceEvents", &events));
    ck_assert(json_object_is_type(events, json_type_array));

    /* Every "chan send", in time order, must alternate between goroutine 1
     * (ping) and goroutine 2 (pong); and each goroutine has a named track. */
    double last_ts = -1;
    long tids[2 * ROUNDS];
    int sends = 0;
    bool named[3] = {false};
    size_t n = json_object_array_length(events);
    for (size_t want = 0; want < 2 * ROUNDS; want++) {
        double best = 1e300;
        long best_tid = 0;
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(events, i), *name, *ts, *tid, *ph;
            ck_assert(json_object_object_get_ex(e, "name", &name));
            ck_assert(json_object_object_get_ex(e, "ph", &ph));
            ck_assert(json_object_object_get_ex(e, "tid", &tid));
            if (strcmp(json_object_get_string(name), "thread_name") == 0) {
                long t = json_object_get_int64(tid);
                if (t >= 1 && t <= 2) named[t] = true;
                continue;
            }
            /* instants: a span named "chan send" is time blocked in one */
            if (strcmp(json_object_get_string(name), "chan send") != 0 ||
                strcmp(json_object_get_string(ph), "i") != 0)
                continue;
            ck_assert(json_object_object_get_ex(e, "ts", &ts));
            double t = json_object_get_double(ts);
            if (t > last_ts && t < best) {
                best = t;
                best_tid = json_object_get_int64(tid);
            }
        }
        if (best_tid == 0) break;
        tids[sends++] = best_tid;
        last_ts = best;
    }
    ck_assert_msg(sends == 2 * ROUNDS, "expected %d channel sends in the trace, found %d",
                  2 * ROUNDS, sends);
    for (int i = 0; i < sends; i++)
        ck_assert_msg(tids[i] == (i % 2 == 0 ? 1 : 2),
                      "send %d was by goroutine %ld: ping and pong must alternate", i, tids[i]);
    ck_assert_msg(named[1] && named[2], "each goroutine needs a named track");
    json_object_put(root);
}
END_TEST

START_TEST(tracing_is_off_unless_asked_for)
{
    ck_assert(!go_trace_stop());
}
END_TEST

Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, a_ping_pong_trace_alternates_between_two_goroutines);
    tcase_add_test(tc, tracing_is_off_unless_asked_for);
    suite_add_tcase(s, tc);
    return s;
}
