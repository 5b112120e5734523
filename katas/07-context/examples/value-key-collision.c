/*
 * value-key-collision: two pieces of middleware that each keep a value in
 * the context under the key "id", a string literal.
 *
 * The request-id middleware stores "req-7" under "id"; the auth middleware
 * below it stores the user "user-42" under "id" too. A key is compared by
 * address, and the compiler and linker merge identical string literals, so
 * both keys are one pointer: the inner value shadows the outer, and the
 * logger, asking for the request id, gets the user. (Whether two literals
 * are merged depends on the compiler, its flags and the linker: the bug
 * may come and go with a build option, which is worse.)
 *
 * The fix is Go's unexported key type: each piece of code makes its key the
 * address of a static variable of its own, which nothing else can name.
 * And a context value is for request-scoped data that crosses API
 * boundaries (a request id, a trace id, the authenticated user), never for
 * a function's optional parameters: those belong in its signature.
 *
 *   make example KATA=07 NAME=value-key-collision
 *
 * You will see:
 *
 *   string keys:  the logger's request id is "user-42" (it should be "req-7")
 *   private keys: the logger's request id is "req-7", the user is "user-42"
 */
#include <stdio.h>

#include "gokata.h"

/* ---- with string keys: the bug ---- */

static ctx_t *with_request_id_str(ctx_t *parent, const char *id)
{
    return ctx_with_value(parent, "id", (void *)id); /* package "requestid" */
}

static ctx_t *with_user_str(ctx_t *parent, const char *user)
{
    return ctx_with_value(parent, "id", (void *)user); /* package "auth": same key! */
}

static const char *request_id_str(ctx_t *ctx)
{
    return ctx_value(ctx, "id");
}

/* ---- with private keys: the fix ---- */

static const char request_id_key; /* only its address matters */
static const char user_key;

static ctx_t *with_request_id(ctx_t *parent, const char *id)
{
    return ctx_with_value(parent, &request_id_key, (void *)id);
}

static ctx_t *with_user(ctx_t *parent, const char *user)
{
    return ctx_with_value(parent, &user_key, (void *)user);
}

int main(void)
{
    ctx_t *req = with_request_id_str(ctx_background(), "req-7");
    ctx_t *authed = with_user_str(req, "user-42");
    printf("string keys:  the logger's request id is \"%s\" (it should be \"req-7\")\n",
           request_id_str(authed));
    ctx_release(authed);
    ctx_release(req);

    req = with_request_id(ctx_background(), "req-7");
    authed = with_user(req, "user-42");
    printf("private keys: the logger's request id is \"%s\", the user is \"%s\"\n",
           (const char *)ctx_value(authed, &request_id_key),
           (const char *)ctx_value(authed, &user_key));
    ctx_release(authed); /* value contexts go back with ctx_release */
    ctx_release(req);
    return 0;
}
