/*
 * An execution trace, the timeline of Go's `go tool trace`: goroutine
 * create, block, unblock and exit, channel send, receive and close, and
 * select choices, with timestamps, one track per goroutine. It is written
 * as Chrome trace-event JSON: open it in https://ui.perfetto.dev or
 * chrome://tracing.
 *
 *   GOKATA_TRACE=trace.json ./program     trace a whole run
 *   go_trace_start("trace.json"); ... go_trace_stop();
 *
 * Off, it costs one predictable branch per event.
 */
#ifndef GOKATA_TRACE_H
#define GOKATA_TRACE_H

#include <stdbool.h>

/* Starts recording; the file is written by go_trace_stop (or at exit).
 * Returns false if a trace is already being recorded. */
bool go_trace_start(const char *path);
/* Stops recording and writes the file. Returns false if it could not. */
bool go_trace_stop(void);

#endif
