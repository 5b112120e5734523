/*
 * Kata 15 · Concurrency debugging tools: read what the race detectors, the
 * goroutine dump and the goroutine profile tell you, and act on it.
 *
 * Tasks 1 to 5 are bugs to fix: the code is in debugging.c, and each bug is
 * one the tools point at (a ThreadSanitizer or Helgrind report, a deadlock
 * dump). Tasks 6 and 7 are tools of your own: a goroutine profile, like the
 * one pprof serves, built from the runtime's goroutine dump; and a summary
 * of an execution trace, per goroutine.
 *
 * This header is the contract. Read it; don't edit it (the grader uses its
 * own copy). You write debugging.c.
 */
#ifndef DEBUGGING_H
#define DEBUGGING_H

#include <stddef.h>
#include <stdlib.h>

#include "gokata.h"

/*
 * Task 1 (fix the bug). `workers` goroutines each record `visits_each`
 * visits on one shared counter; returns the counter once every goroutine
 * has finished: workers * visits_each.
 *
 * workers >= 0, visits_each >= 0.
 * Must not: lose a visit; let two goroutines update the counter without
 * synchronization (a data race); return before every goroutine is done.
 */
long count_visits(int workers, int visits_each);

/*
 * Task 2 (fix the bug). A value built on first use, like a package-level
 * `var cfg *Config` filled in by the first caller.
 *
 * lazy_get(l) returns l->value, calling l->build(l->build_arg) to make it
 * on the first call. Any number of goroutines may call lazy_get on the same
 * lazy_t at the same time: build is called exactly once, every caller gets
 * the same pointer, and every caller sees what build did (the value is
 * fully built before anyone uses it).
 *
 * The caller zeroes the struct and sets build and build_arg; once and mu are
 * yours to use for the fix (either one).
 * Must not: call build twice; return NULL (build never does); read or write
 * l->value unsynchronized while another goroutine may write it.
 */
typedef struct {
    void *(*build)(void *arg); /* set by the caller */
    void *build_arg;           /* set by the caller */
    void *value;               /* NULL until built */
    once_t once;               /* for your fix */
    mutex_t mu;                /* for your fix */
} lazy_t;

void *lazy_get(lazy_t *l);

/*
 * Task 3 (fix the bug). A growable list of ints, Go's `[]int` with
 * `append`. Given: int_list_append is not safe for concurrent use (it may
 * move the items with realloc; it reads and writes len), exactly like Go's
 * append on a shared slice.
 */
typedef struct {
    int *items;
    size_t len, cap;
} int_list_t;

static inline void int_list_append(int_list_t *l, int v)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        int *items = realloc(l->items, cap * sizeof *items);
        if (!items) abort();
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = v;
}

/*
 * Starts n goroutines; goroutine i computes i*i and appends it to out (any
 * order). Returns once all n squares are in out: out->len grew by exactly n
 * and holds 0, 1, 4, ..., (n-1)^2, each once.
 *
 * n >= 0; out belongs to the caller (zeroed or already holding items, which
 * stay); it is freed by the caller with free(out->items).
 * Must not: append from two goroutines at once without synchronization;
 * return before every goroutine is done.
 */
void collect_squares(int n, int_list_t *out);

/*
 * Task 4 (fix the bug). table[i] = f(i) for every i in 0..n-1, each call
 * of f in a goroutine of its own; returns once the table is full.
 *
 * n >= 0; table has room for n longs. f may be called from any goroutine,
 * once per i: never twice for one i, never with an i outside 0..n-1.
 * Must not: give two goroutines the same i, or an i that changes under
 * them (the loop variable, shared by address); write outside table[0..n);
 * return before every goroutine is done; keep any memory.
 */
void fill_table(long *table, int n, long (*f)(int i));

/*
 * Task 5 (fix the bug). A bank account, and a transfer between two.
 */
typedef struct {
    int id; /* unique per account: the lock order */
    long balance;
    mutex_t mu; /* guards balance */
} account_t;

/*
 * Moves amount from `from` to `to` (a balance may go negative), holding
 * both accounts' locks while it reads and writes the balances, so no other
 * transfer sees money in flight. It always locks the account with the
 * lower id first, whichever way the money goes: two transfers in opposite
 * directions must never deadlock. Unlocks both before returning.
 *
 * from != to.
 */
void transfer(account_t *from, account_t *to, long amount);

/*
 * Task 6. A goroutine profile: how many goroutines wait in which state, at
 * which line. It is what `go tool pprof` shows for Go's goroutine profile
 * (goroutines grouped by stack, with a count), here built from the
 * goroutine dump that gokata prints (go_dump, SIGQUIT, a deadlock) and that
 * go_leak_check writes into a buffer.
 *
 * The dump format. A dump is text made of records; a record starts at a
 * line that begins with "goroutine " followed by the id (digits), " [",
 * and ends at the next such line or the end of the text:
 *
 *   goroutine <id> [<state>]:             or  [<state>, <n> minute(s)]:
 *   <function>(...)
 *   \t<file>:<line>                        the top frame: where it waits
 *   created by <function> in goroutine <id>
 *   \t<file>:<line>                        where it was started
 *
 * <state> is what it waits for, in Go's words ("chan receive", "select",
 * "sync.Mutex.Lock", "sleep", ...; "running" when it runs); when it has
 * waited a minute or more, ", <n> minute" or ", <n> minutes" follows the
 * state inside the brackets, and is not part of the state. The line right
 * after the function line is the top frame's site when it starts with a
 * tab and ends in ':' and a line number (digits); otherwise (a running
 * goroutine's "\tgoroutine running on other thread; stack unavailable", or
 * nothing) the record has no site. The "created by" lines may be missing
 * (goroutine 1). Lines outside records (a "fatal error: ..." or
 * "SIGQUIT: quit" heading, "3 goroutines leaked ...", blank lines) are
 * ignored. Every line ends with '\n', except perhaps the last.
 */
enum { PROFILE_MAX = 16 };

typedef struct {
    char state[48]; /* "chan receive": the state without the minutes */
    char func[64];  /* the top frame's function, without "(...)" */
    char site[128]; /* "katas/15-debugging/x.c:42", or "" without a site */
    int count;      /* goroutines in this state at this site */
} profile_entry_t;

typedef struct {
    int total;                          /* goroutines in the dump */
    int n;                              /* entries used */
    profile_entry_t entry[PROFILE_MAX]; /* most goroutines first */
} goroutine_profile_t;

/*
 * Task 6a. Parses dump into *p: one entry per distinct (state, site) pair,
 * in which count goroutines are; func is that of the first goroutine of
 * the group. Entries are sorted by count, largest first; entries with equal
 * counts stay in the order their first goroutine appears in the dump.
 * p->total counts every record. Texts longer than a field are cut to fit
 * (always '\0'-terminated). When there are more than PROFILE_MAX groups,
 * the groups seen first are kept, counted and sorted, and the goroutines of
 * the others count in total only. Returns p->total.
 *
 * dump is never NULL; an empty dump (or one with no record) gives total 0
 * and n 0. p is overwritten completely.
 */
int profile_parse(const char *dump, goroutine_profile_t *p);

/*
 * Task 6b. The profile of the goroutines started since mark that are still
 * alive: take their dump with go_leak_check (into a buffer of at least
 * 64 KiB) and parse it with profile_parse. Returns p->total (0, and an
 * empty profile, when none is alive).
 *
 * Call it when those goroutines are blocked (go_leak_check waits up to 2 s
 * for goroutines that are still running to finish).
 * Must not: keep any memory it allocated.
 */
int profile_since(go_leak_mark_t mark, goroutine_profile_t *p);

/*
 * Task 7. Reading an execution trace: what each goroutine did, from the
 * file go_trace_stop writes (the same data Perfetto draws as a timeline).
 *
 * The trace format. One JSON object (Chrome's trace-event format):
 *
 *   {"traceEvents": [ <event>, ... ], "displayTimeUnit": "ns"}
 *
 * Every event is an object with "name" (string), "ph" (string: the kind of
 * event), "pid" (1), "tid" (the goroutine id: the track it belongs to) and
 * "ts" (microseconds since the trace started, a number). By "ph":
 *
 *   "M"  the track's name: "name" is "thread_name", and "args" is
 *        {"name": "goroutine <id>: <function>"}
 *   "X"  a span: "cat" is "running" or "blocked"; "name" is "running", or
 *        what it was blocked on ("chan send", "select", "sleep", ...);
 *        "dur" is its length in microseconds (a number)
 *   "i"  an instant: "name" is "go", "chan send", "chan receive",
 *        "chan close" or "select" ("args" says which channel, goroutine or
 *        case: not needed here)
 *
 * Events of a track come in no particular order, and the "M" event may
 * come before or after the others. Any other "ph", or an instant with
 * another name, is ignored. json-c is linked with your code: #include
 * <json-c/json.h> (json_object_from_file, json_object_object_get_ex,
 * json_object_array_length, json_object_array_get_idx, json_object_put).
 */
typedef struct {
    long gid;          /* the "tid" */
    char func[64];     /* from the "M" event's args.name: what follows its first
                          ": " (all of it if none); "" if the track has no "M"
                          event; cut to fit */
    int gos;           /* instants named "go" */
    int sends;         /* "chan send" */
    int receives;      /* "chan receive" */
    int closes;        /* "chan close" */
    int selects;       /* "select" */
    int blocked;       /* spans of cat "blocked" */
    double blocked_us; /* their total "dur" */
} trace_track_t;

/*
 * Reads the trace at path and summarizes each track (each goroutine that
 * has at least one event of any kind, "M" included) into one
 * trace_track_t, in increasing gid order. Fills tracks[0..max) with the
 * first max of them (max may be 0) and returns how many tracks the trace
 * has, which may be more than max, as snprintf does. Returns -1, with
 * tracks untouched, when the file can't be read, is not JSON, or has no
 * "traceEvents" array.
 * Must not: keep any memory (json_object_put what json-c gave you).
 */
int trace_summary(const char *path, trace_track_t *tracks, int max);

#endif
