/*
 * Go's two ways to die, with Go's words: a panic ("panic: send on closed
 * channel") and a fatal error ("fatal error: sync: unlock of unlocked
 * mutex"). Both print the goroutine dump and exit with status 2, as a Go
 * program does. There is no recover: a learner's C cannot unwind.
 */
#include <stdio.h>
#include <unistd.h>

#include "runtime.h"

#ifdef GK_COVERAGE
void __gcov_dump(void);
#endif

_Noreturn void gk_exit(int status)
{
#ifdef GK_COVERAGE
    __gcov_dump();
#endif
    _exit(status);
}

static _Noreturn void die(const char *prefix, const char *msg)
{
    /* The learner's printf output before the crash, as Go's unbuffered
     * os.Stdout would have shown it. */
    fflush(stdout);
    trace_flush_on_crash();
    char buf[1024];
    dumpbuf_t b = {.buf = buf, .cap = sizeof buf, .fd = STDERR_FILENO};
    db_str(&b, prefix);
    db_str(&b, msg);
    db_str(&b, "\n\n");
    dump_all(&b, getg_nocreate(), false);
    db_flush(&b);
    gk_exit(2);
}

_Noreturn void gk_panic(const char *msg)
{
    die("panic: ", msg);
}

_Noreturn void gk_fatal(const char *msg)
{
    die("fatal error: ", msg);
}
