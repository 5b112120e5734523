/* The go statement and what the runtime knows about goroutines. */
#ifndef GOKATA_GO_H
#define GOKATA_GO_H

#include "site.h"

/* A goroutine's body: go(worker, arg) runs worker(arg) concurrently. */
typedef void (*go_func_t)(void *arg);

/*
 * go(fn, arg): start fn(arg) as a new goroutine, like Go's `go fn(arg)`.
 * The goroutine runs on a thread: a new one, or (when no race detector is
 * watching) one whose earlier goroutine has returned, so don't keep state
 * in __thread variables (Go has no goroutine-local storage either).
 * Everything the caller did before go() happens before fn starts.
 */
#define go(fn, arg) go_spawn((fn), (arg), #fn, GK_HERE)
void go_spawn(go_func_t fn, void *arg, const char *fn_name, GK_SITE_PARAMS);

/* runtime.NumGoroutine(): goroutines alive now, the calling one included. */
int go_numgoroutine(void);

/* The calling goroutine's id (1 for the first thread that used the runtime). */
long go_id(void);

/* Print every goroutine, in Go's format, to standard error. */
#define go_dump() go_dump_at(GK_HERE)
void go_dump_at(GK_SITE_PARAMS);

/* runtime.Gosched(): let other goroutines run. */
void go_yield(void);

#endif
