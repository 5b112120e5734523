/*
 * Building a kata's test binary: the learner's file(s) + the pristine header
 * and tests + tests/support/kata_main.c + libgokata.a, once per build
 * configuration. The plain binary serves the plain and Helgrind passes; the
 * ThreadSanitizer binary is a build of its own (it can't run under Valgrind).
 */
#ifndef GRADER_BUILD_H
#define GRADER_BUILD_H

#include "model.h"
#include "options.h"

typedef enum { BUILD_PLAIN, BUILD_TSAN, NBUILDS } build_id_t;

extern const char *const build_names[NBUILDS];

/* How to compile: resolved once, before any build. */
typedef struct {
    const options_t *opt;
    char *home, *repo;     /* absolute */
    char *cache;           /* absolute: BUILD_DIR/cache */
    char *cc_identity;     /* `cc --version`: part of every cache key */
    char **cflags, **libs; /* for Check and json-c */
    int ncflags, nlibs;
} toolchain_t;

void toolchain_init(toolchain_t *tc, const options_t *opt);

typedef enum {
    BUILD_OK,
    BUILD_LEARNER_ERROR, /* the learner's code doesn't compile or link */
    BUILD_KATA_ERROR,    /* the pristine tests or harness don't compile: not the learner's fault */
} build_outcome_t;

/*
 * Build kata k from the learner's files, copied under src_root/katas/ID/.
 * On success the test binary is written to out_bin. The compiler's messages
 * go to log_path. Unchanged inputs are not compiled again: objects and
 * binaries are cached by a hash of everything that goes into them.
 */
build_outcome_t build_kata(const toolchain_t *tc, const kata_t *k, const char *src_root,
                           build_id_t b, const char *out_bin, const char *log_path);

#endif
