/*
 * gokata: Go's concurrency vocabulary for C.
 *
 * One header for the whole runtime. Each part mirrors a Go package:
 *   go.h      the go statement, runtime.NumGoroutine, the goroutine dump
 *   chan.h    chan T: make, send, receive, close, len, cap
 *   select.h  the select statement (and reflect.Select)
 *   sync.h    sync.WaitGroup, Mutex, RWMutex, Once, Cond
 *   atomic.h  sync/atomic, in a form both race detectors understand
 *   time.h    time: sleep, timers, tickers, time_after
 *   context.h context: cancellation, deadlines, values
 *   trace.h   an execution trace for Perfetto (GOKATA_TRACE=trace.json)
 *   testing.h goroutine leak checks (after goleak), virtual time (synctest)
 *
 * Every call that can block or fail is a macro that passes the caller's
 * file, line and function, so that a deadlock dump or a panic names the
 * learner's line, as Go's traceback does.
 */
#ifndef GOKATA_H
#define GOKATA_H

#include "gokata/go.h"
#include "gokata/chan.h"
#include "gokata/select.h"
#include "gokata/sync.h"
#include "gokata/atomic.h"
#include "gokata/time.h"
#include "gokata/context.h"
#include "gokata/trace.h"
#include "gokata/testing.h"

#endif
