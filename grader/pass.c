/*
 * The three passes.
 *
 *   plain     the test binary as built: the learner's answers, timeouts,
 *             crashes, deadlocks, leaks.
 *   tsan      the ThreadSanitizer build; a race makes the test's process
 *             exit with status 66. Run with ASLR off for the process (gcc 12
 *             and clang 14's TSan die at start on high-entropy ASLR kernels).
 *   helgrind  the plain binary under valgrind --tool=helgrind, each test
 *             process logging to hg.PID, errors making it exit with 66.
 *
 * Helgrind is 13-300x slower than a plain run and ThreadSanitizer up to 20x
 * on tight loops: each pass multiplies the time limits by its slowdown, and
 * tells the runtime the same through GOKATA_TIMEOUT_SCALE (its leak check
 * waits 2 s times that).
 */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const pass_names[NPASSES] = {"plain", "tsan", "helgrind"};
const char *const pass_titles[NPASSES] = {"plain run", "ThreadSanitizer", "Helgrind"};

static const double slowdown[NPASSES] = {1, 5, 40};

/* Check's backstop per test (kata_main.c): limit * scale + 2 + scale. */
static const double STARTUP_S = 5;

build_id_t pass_build(pass_id_t p)
{
    return p == PASS_TSAN ? BUILD_TSAN : BUILD_PLAIN;
}

double pass_slowdown(pass_id_t p)
{
    return slowdown[p];
}

typedef struct {
    char **v;
    int n;
} list_t;

static void add(list_t *l, char *s)
{
    l->v = xrealloc(l->v, sizeof *l->v * (size_t)(l->n + 2));
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

void pass_command(pass_id_t p, const toolchain_t *tc, const kata_t *k, const bool *selected,
                  const char *bin, const char *dir, char ***argv, char ***envp,
                  double *wall_limit_s)
{
    double scale = slowdown[p] * tc->opt->timeout_scale;
    list_t a = {0}, e = {0};
    if (p == PASS_HELGRIND) {
        add(&a, "valgrind");
        add(&a, "--tool=helgrind");
        add(&a, "--error-exitcode=66");
        add(&a, "--quiet");
        add(&a, "--fullpath-after=");
        add(&a, xasprintf("--log-file=%s/hg.%%p", dir));
        char *supp = path_join(tc->home, "runtime/helgrind.supp");
        if (file_exists(supp)) add(&a, xasprintf("--suppressions=%s", supp));
    }
    add(&a, (char *)bin);
    add(&a, "--out");
    add(&a, (char *)dir);
    add(&a, "--timeout");
    add(&a, xasprintf("%g", k->limit_s));
    add(&a, "--scale");
    add(&a, xasprintf("%g", scale));
    double wall = STARTUP_S * scale;
    for (int i = 0; i < k->ntests; i++) {
        if (!selected[i]) continue;
        add(&a, "--test");
        add(&a, xasprintf("%s=%g", k->tests[i].name, k->tests[i].limit_s));
        wall += k->tests[i].limit_s * scale + 2 + scale;
    }

    const char *path = getenv("PATH");
    add(&e, xasprintf("PATH=%s", path ? path : "/usr/local/bin:/usr/bin:/bin"));
    add(&e, xasprintf("HOME=%s", dir));
    add(&e, xasprintf("TMPDIR=%s", dir));
    add(&e, "LC_ALL=C");
    add(&e, xasprintf("GOKATA_TIMEOUT_SCALE=%g", scale));
    /* select's random choices: an instructor reproducing a run sets it */
    const char *seed = getenv("GOKATA_SEED");
    if (seed) add(&e, xasprintf("GOKATA_SEED=%s", seed));
    /* atexit_sleep_ms: TSan waits 1 s at every exit by default, for
     * threads still running; each test is a process, and the leak check
     * has already waited for the goroutines. */
    if (p == PASS_TSAN)
        add(&e,
            "TSAN_OPTIONS=exitcode=66 halt_on_error=0 report_signal_unsafe=1 atexit_sleep_ms=20 "
            "second_deadlock_stack=1 color=never");
    *argv = a.v;
    *envp = e.v;
    *wall_limit_s = wall;
}
