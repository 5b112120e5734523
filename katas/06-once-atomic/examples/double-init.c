/*
 * double-init: lazy initialisation without Once runs the init more than once,
 * and is a data race even on a run where it happens not to.
 *
 *   Go:   var config *Config
 *         func getConfig() *Config {
 *             if config == nil {        // check...
 *                 config = loadConfig() // ...then act: not one step
 *             }
 *             return config
 *         }
 *
 * Eight goroutines call get_config() at once. Each checks "is it loaded?",
 * sees "not yet", and loads it: the check and the load are two steps, and
 * the others slip in between. Loading takes a millisecond here (it reads a
 * file, say), which makes the window wide enough to see on every run; with
 * a faster load it happens less often, which only makes it harder to find.
 * ThreadSanitizer needs no luck: `config` is written by one goroutine and
 * read by another with nothing ordering the two, and it says so.
 *
 * Run:  make example KATA=06 NAME=double-init
 * You will see (the count changes from run to run):
 *   config loaded 8 times by 8 goroutines (should be 1)
 *   (exit status 0)
 *
 * Run:  make example KATA=06 NAME=double-init DETECTOR=tsan
 * You will see:
 *   WARNING: ThreadSanitizer: data race (pid=...)
 *     Write of size 8 at ... by thread T10:
 *       #0 get_config katas/06-once-atomic/examples/double-init.c:66 ...
 *     Previous read of size 8 at ... by thread T5:
 *       #0 get_config katas/06-once-atomic/examples/double-init.c:65 ...
 *     Location is global 'config' of size 8 at ...
 *   ...
 *   ThreadSanitizer: reported 1 warnings
 *   config loaded 8 times by 8 goroutines (should be 1)
 *   (exit status 66)
 *
 * The fix is once_do(&once, load_config, NULL): that is task 1.
 */
#include <stdio.h>

#include "gokata.h"

enum { GOROUTINES = 8 };

typedef struct {
    int port;
} config_t;

static atomic64_t loads;
static config_t configs[GOROUTINES];
static config_t *config;

static config_t *load_config(void)
{
    int64_t n = atomic64_add(&loads, 1);
    go_sleep(MILLISECOND); /* reading a file, say */
    configs[n - 1].port = 8080;
    return &configs[n - 1];
}

static config_t *get_config(void)
{
    if (config == NULL)         /* check... */
        config = load_config(); /* ...then act: others run in between */
    return config;
}

static chan_t *start;
static wg_t wg;

static void use_config(void *arg)
{
    (void)arg;
    chan_recv(start, NULL); /* everyone starts together */
    config_t *c = get_config();
    (void)c->port;
    wg_done(&wg);
}

int main(void)
{
    start = chan_make(0, 0);
    for (int i = 0; i < GOROUTINES; i++) {
        wg_add(&wg, 1);
        go(use_config, NULL);
    }
    chan_close(start);
    wg_wait(&wg);
    printf("config loaded %ld times by %d goroutines (should be 1)\n", (long)atomic64_load(&loads),
           GOROUTINES);
    chan_free(start);
    return 0;
}
