/*
 * Building a kata's test binary.
 *
 * Every compile runs in the directory its source is named relative to
 * (the learner's copy, the repository, the gokata checkout), so that the
 * compiler's messages say "katas/01-sum/sum.c:6:17: error: ...", and
 * -ffile-prefix-map makes debug info, and so the race reports and the
 * goroutine dumps, name the same short paths.
 *
 * Caching: an object is named by a hash of the compiler, its arguments, the
 * source and every header it could include; a binary by the hash of its
 * objects and the runtime library. An instructor grading a class compiles
 * the pristine tests once, and a learner re-grading recompiles only their file.
 */
#include "build.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "util.h"

#ifndef GRADER_KATA_CFLAGS
#define GRADER_KATA_CFLAGS ""
#endif
#ifndef GRADER_KATA_LIBS
#define GRADER_KATA_LIBS "-lcheck -lsubunit -lrt -lm -ljson-c"
#endif

const char *const build_names[NBUILDS] = {"plain", "tsan"};

enum { MAX_LOG_BYTES = 4 << 20, MAX_OBJECT_BYTES = 256 << 20 };
static const double COMPILE_TIMEOUT_S = 120;

static char *cc_identity(const char *cc)
{
    char *cmd = xasprintf("%s --version 2>&1", cc);
    FILE *p = popen(cmd, "r");
    free(cmd);
    char line[512] = "";
    if (!p || !fgets(line, sizeof line, p)) fatal("cannot run the C compiler '%s'", cc);
    while (fgetc(p) != EOF) {
    }
    if (pclose(p) != 0) fatal("the C compiler '%s' does not work (%s)", cc, line);
    line[strcspn(line, "\n")] = '\0';
    return xasprintf("%s: %s", cc, line);
}

void toolchain_init(toolchain_t *tc, const options_t *opt)
{
    *tc = (toolchain_t){.opt = opt};
    tc->home = abs_path(opt->home);
    tc->repo = abs_path(opt->repo);
    mkdirs(opt->build_dir, 0755);
    char *cache = path_join(opt->build_dir, "cache");
    mkdirs(cache, 0755);
    tc->cache = abs_path(cache);
    free(cache);
    tc->cc_identity = cc_identity(opt->cc);
    tc->cflags = split_words(GRADER_KATA_CFLAGS, &tc->ncflags);
    tc->libs = split_words(GRADER_KATA_LIBS, &tc->nlibs);
}

/* ---- argument vectors --------------------------------------------------- */

typedef struct {
    char **v;
    int n;
} argv_t;

static void arg(argv_t *a, char *s)
{
    a->v = xrealloc(a->v, sizeof *a->v * (size_t)(a->n + 2));
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void args(argv_t *a, char **words, int n)
{
    for (int i = 0; i < n; i++)
        arg(a, words[i]);
}

/* The arguments as part of a cache key. Prefix maps are left out: they
 * name where the sources are (a learner's copy is in a new temporary
 * directory each run) and always map it to ".". */
static void hash_argv(hash_t *h, const argv_t *a)
{
    for (int i = 0; i < a->n; i++)
        if (!starts_with(a->v[i], "-ffile-prefix-map=")) hash_str(h, a->v[i]);
}

/* ---- what a compile depends on ------------------------------------------ */

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Hash every file under dir (recursively, in name order) whose name ends
 * with suffix ("" for all): each one's name relative to dir, and content. */
static void hash_tree_at(hash_t *h, const char *dir, const char *rel, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        names = xrealloc(names, sizeof *names * (size_t)(n + 1));
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        char *p = path_join(dir, names[i]);
        char *r = *rel ? path_join(rel, names[i]) : xstrdup(names[i]);
        size_t ln = strlen(names[i]), ls = strlen(suffix);
        if (dir_exists(p)) {
            hash_tree_at(h, p, r, suffix);
        } else if (ln >= ls && !strcmp(names[i] + ln - ls, suffix)) {
            hash_str(h, r);
            hash_file(h, p);
        }
        free(p);
        free(r);
        free(names[i]);
    }
    free(names);
}

static void hash_tree(hash_t *h, const char *dir, const char *suffix)
{
    hash_str(h, dir);
    hash_tree_at(h, dir, "", suffix);
}

/* The headers any kata source can include (besides the system's). */
static void hash_headers(hash_t *h, const toolchain_t *tc, const kata_t *k)
{
    char *rt = path_join(tc->home, "runtime/include");
    char *support = path_join(tc->home, "tests/support");
    char *kdir = xasprintf("%s/katas/%s", tc->repo, k->id);
    hash_tree(h, rt, ".h");
    hash_tree(h, support, ".h");
    hash_tree(h, kdir, ".h");
    free(rt);
    free(support);
    free(kdir);
}

/* ---- compiling ---------------------------------------------------------- */

typedef struct {
    const toolchain_t *tc;
    const kata_t *k;
    build_id_t b;
    const char *src_root; /* the learner's copies */
    const char *log;
    hash_t headers;
} job_t;

/* The flags every kata source is compiled with. */
static void common_flags(argv_t *a, const job_t *j, const char *cwd)
{
    const toolchain_t *tc = j->tc;
    arg(a, (char *)tc->opt->cc);
    arg(a, "-std=c11");
    arg(a, "-g");
    arg(a, "-gdwarf-4"); /* Valgrind 3.19 can't read clang 14's default DWARF 5 */
    arg(a, "-O1");
    arg(a, "-fno-omit-frame-pointer");
    arg(a, "-fno-optimize-sibling-calls"); /* a tail call would drop the learner's frame */
    arg(a, "-pthread");
    arg(a, "-D_GNU_SOURCE");
    arg(a, "-Wall");
    arg(a, "-Wextra");
    if (j->b == BUILD_TSAN) arg(a, "-fsanitize=thread");
    arg(a, xasprintf("-I%s/katas/%s", tc->repo, j->k->id));
    arg(a, xasprintf("-I%s/runtime/include", tc->home));
    arg(a, xasprintf("-I%s/tests/support", tc->home));
    args(a, tc->cflags, tc->ncflags);
    /* Short paths in debug info: the last map that matches wins. */
    arg(a, xasprintf("-ffile-prefix-map=%s=.", tc->home));
    arg(a, xasprintf("-ffile-prefix-map=%s=.", tc->repo));
    arg(a, xasprintf("-ffile-prefix-map=%s=.", cwd));
}

/* Compile cwd/rel into the cache; return the object's path, or NULL (the
 * compiler's messages are in the log). extra_key: more inputs (the
 * learner's other files). */
static char *compile(const job_t *j, const char *cwd, const char *rel, const hash_t *extra_key)
{
    argv_t a = {0};
    common_flags(&a, j, cwd);
    arg(&a, "-c");
    arg(&a, (char *)rel);

    hash_t h = j->headers;
    hash_str(&h, j->tc->cc_identity);
    hash_argv(&h, &a);
    char *src = path_join(cwd, rel);
    if (!hash_file(&h, src)) fatal("cannot read %s", src);
    free(src);
    if (extra_key) hash_bytes(&h, extra_key, sizeof *extra_key);
    char hex[33];
    hash_hex(&h, hex);
    char *obj = xasprintf("%s/%s.o", j->tc->cache, hex);
    if (file_exists(obj)) return obj;

    char *tmp = xasprintf("%s.%d.tmp", obj, (int)getpid());
    arg(&a, "-o");
    arg(&a, tmp);
    run_status_t rs = run_program(a.v, cwd, j->log, COMPILE_TIMEOUT_S * j->tc->opt->timeout_scale,
                                  MAX_OBJECT_BYTES);
    if (rs.timed_out) {
        FILE *f = fopen(j->log, "a");
        if (f) fprintf(f, "%s: the compiler took longer than %.0f s\n", rel, COMPILE_TIMEOUT_S);
        if (f) fclose(f);
    }
    bool ok = rs.exited && rs.status == 0 && rename(tmp, obj) == 0;
    unlink(tmp);
    free(tmp);
    if (!ok) {
        free(obj);
        return NULL;
    }
    return obj;
}

static char *link_binary(const job_t *j, char **objs, int nobjs)
{
    const toolchain_t *tc = j->tc;
    argv_t a = {0};
    arg(&a, (char *)tc->opt->cc);
    if (j->b == BUILD_TSAN) arg(&a, "-fsanitize=thread");
    arg(&a, "-pthread");
    args(&a, objs, nobjs);
    arg(&a, (char *)tc->opt->runtime_lib);
    args(&a, tc->libs, tc->nlibs);

    hash_t h;
    hash_init(&h);
    hash_str(&h, tc->cc_identity);
    hash_argv(&h, &a);
    if (!hash_file(&h, tc->opt->runtime_lib))
        fatal("%s is missing: build the runtime first (make runtime)", tc->opt->runtime_lib);
    char hex[33];
    hash_hex(&h, hex);
    char *bin = xasprintf("%s/%s.bin", tc->cache, hex);
    if (file_exists(bin)) return bin;

    char *tmp = xasprintf("%s.%d.tmp", bin, (int)getpid());
    arg(&a, "-o");
    arg(&a, tmp);
    run_status_t rs = run_program(a.v, tc->home, j->log, COMPILE_TIMEOUT_S * tc->opt->timeout_scale,
                                  MAX_OBJECT_BYTES);
    bool ok = rs.exited && rs.status == 0 && rename(tmp, bin) == 0;
    unlink(tmp);
    free(tmp);
    if (!ok) {
        free(bin);
        return NULL;
    }
    return bin;
}

static bool ends_with_c(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && !strcmp(s + n - 2, ".c");
}

/* The C files of tests/support, relative to the checkout, in name order. */
static char **support_sources(const toolchain_t *tc, int *n)
{
    char *dir = path_join(tc->home, "tests/support");
    DIR *d = opendir(dir);
    if (!d) fatal("cannot read %s", dir);
    char **names = NULL;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !ends_with_c(e->d_name)) continue;
        names = xrealloc(names, sizeof *names * (size_t)(*n + 1));
        names[(*n)++] = xasprintf("tests/support/%s", e->d_name);
    }
    closedir(d);
    free(dir);
    if (*n) qsort(names, (size_t)*n, sizeof *names, by_name);
    return names;
}

/* A link error is the learner's (a function of the header left undefined, a
 * name that clashes with the runtime's) unless the runtime library itself
 * has undefined references: a broken build of the runtime. */
static bool runtime_broken(const char *log_path)
{
    char *log = read_head(log_path, 1 << 20, NULL);
    bool broken = log && strstr(log, "libgokata.a(") && strstr(log, "undefined reference");
    free(log);
    return broken;
}

build_outcome_t build_kata(const toolchain_t *tc, const kata_t *k, const char *src_root,
                           build_id_t b, const char *out_bin, const char *log_path)
{
    job_t j = {.tc = tc, .k = k, .b = b, .src_root = src_root, .log = log_path};
    hash_init(&j.headers);
    hash_headers(&j.headers, tc, k);

    /* The learner's files, all of them, are part of each learner object's key:
     * one may include another. */
    char *learner_dir = xasprintf("%s/katas/%s", src_root, k->id);
    hash_t learner;
    hash_init(&learner);
    hash_tree_at(&learner, learner_dir, "", ""); /* where the copy is doesn't matter */
    free(learner_dir);

    char **objs = xcalloc((size_t)k->nfiles + 2, sizeof *objs);
    int nobjs = 0;
    for (int i = 0; i < k->nfiles; i++) {
        if (!ends_with_c(k->files[i])) continue;
        char *rel = xasprintf("katas/%s/%s", k->id, k->files[i]);
        char *o = compile(&j, src_root, rel, &learner);
        free(rel);
        if (!o) return BUILD_LEARNER_ERROR;
        objs[nobjs++] = o;
    }
    char *test_rel = xasprintf("tests/katas/%s/test_%s.c", k->id, k->name);
    char *test_o = compile(&j, tc->repo, test_rel, NULL);
    free(test_rel);
    if (!test_o) return BUILD_KATA_ERROR;
    objs[nobjs++] = test_o;
    /* The shared harness: kata_main.c, and any helper kata tests may use. */
    int nsupport;
    char **support = support_sources(tc, &nsupport);
    objs = xrealloc(objs, sizeof *objs * (size_t)(nobjs + nsupport + 1));
    for (int i = 0; i < nsupport; i++) {
        char *o = compile(&j, tc->home, support[i], NULL);
        if (!o) return BUILD_KATA_ERROR;
        objs[nobjs++] = o;
    }

    char *bin = link_binary(&j, objs, nobjs);
    if (!bin) return runtime_broken(log_path) ? BUILD_KATA_ERROR : BUILD_LEARNER_ERROR;
    if (!copy_file(bin, out_bin, 0755)) fatal("cannot copy %s to %s", bin, out_bin);
    return BUILD_OK;
}
