/*
 * Go's context package: cancellation, deadlines and request-scoped values
 * that flow down a tree of contexts.
 *
 *   Go                                          gokata
 *   ctx := context.Background()                 ctx_t *ctx = ctx_background();
 *   ctx, cancel := context.WithCancel(parent)   ctx_t *ctx = ctx_with_cancel(parent);
 *   defer cancel()                              ... ctx_cancel(ctx);
 *   context.WithTimeout(parent, 2*time.Second)  ctx_with_timeout(parent, 2 * SECOND)
 *   context.WithDeadline(parent, t)             ctx_with_deadline(parent, t)
 *   context.WithValue(parent, key, v)           ctx_with_value(parent, &key, v)
 *   ctx.Value(key)                              ctx_value(ctx, &key)
 *   <-ctx.Done()                                chan_recv(ctx_done(ctx), NULL)
 *   ctx.Err()                                   ctx_err(ctx)  (NULL while not done)
 *   errors.Is(err, context.Canceled)            ctx_err(ctx) == CTX_CANCELED
 *   errors.Is(err, context.DeadlineExceeded)    ctx_err(ctx) == CTX_DEADLINE_EXCEEDED
 *   ctx.Deadline()                              ctx_deadline(ctx, &t)
 *   context.Cause(ctx)                          ctx_cause(ctx)
 *
 * Cancelling a context cancels every context derived from it; cancelling a
 * child leaves its parent alone. A child's deadline is never later than its
 * parent's.
 *
 * Ownership (C has no garbage collector), one rule:
 *   every ctx_with_* returns a reference that its caller gives back exactly
 *   once: ctx_cancel(ctx) for the cancelable ones (it cancels, then releases:
 *   Go's `defer cancel()`), ctx_release(ctx) for ctx_with_value.
 *   A goroutine that keeps using a context after its creator may have given
 *   it back takes a reference of its own: ctx_retain before go(), and
 *   ctx_release when it is done.
 * A context is freed when its last reference goes; children keep their
 * parents alive. ctx_background() and ctx_todo() need no release. Using a
 * context after its last reference went is a use after free: it may crash,
 * or wait forever on a done channel that no longer exists.
 */
#ifndef GOKATA_CONTEXT_H
#define GOKATA_CONTEXT_H

#include <stdbool.h>

#include "chan.h"
#include "site.h"
#include "time.h"

typedef struct ctx ctx_t;

/* Go's two context errors. Compare ctx_err's result with them. */
extern const char *const CTX_CANCELED;          /* "context canceled" */
extern const char *const CTX_DEADLINE_EXCEEDED; /* "context deadline exceeded" */

ctx_t *ctx_background(void);
ctx_t *ctx_todo(void);

ctx_t *ctx_with_cancel(ctx_t *parent);
ctx_t *ctx_with_timeout(ctx_t *parent, go_duration_t d);
ctx_t *ctx_with_deadline(ctx_t *parent, go_time_t deadline);
ctx_t *ctx_with_value(ctx_t *parent, const void *key, void *value);

/* Cancels ctx and every context derived from it (a no-op if already done),
 * then gives back the caller's reference. */
#define ctx_cancel(ctx) ctx_cancel_cause_at((ctx), NULL, GK_HERE)
/* The same, recording why (context.WithCancelCause): ctx_cause returns it. */
#define ctx_cancel_cause(ctx, cause) ctx_cancel_cause_at((ctx), (cause), GK_HERE)
void ctx_cancel_cause_at(ctx_t *ctx, const char *cause, GK_SITE_PARAMS);

void ctx_retain(ctx_t *ctx);
void ctx_release(ctx_t *ctx);

/* A channel closed when ctx is cancelled or its deadline passes; NULL (a
 * nil channel: never ready) for a context that can never be cancelled. */
chan_t *ctx_done(ctx_t *ctx);
/* NULL while ctx is not done; then CTX_CANCELED or CTX_DEADLINE_EXCEEDED. */
const char *ctx_err(ctx_t *ctx);
/* The cause given to ctx_cancel_cause, else ctx_err(ctx). */
const char *ctx_cause(ctx_t *ctx);
/* True, with *deadline set, if ctx has a deadline. */
bool ctx_deadline(ctx_t *ctx, go_time_t *deadline);
/* The value for key in ctx or its nearest ancestor that has one; NULL if none. */
void *ctx_value(ctx_t *ctx, const void *key);

#endif
