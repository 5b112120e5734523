/*
 * Kata 15 · Concurrency debugging tools: the reference solution.
 *
 * Tasks 1 to 5 are the stub's code with the one change each tool's report
 * points at; task 6 reads the dump format that debugging.h defines.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gokata.h"
#include "debugging.h"

/* ---- Task 1: a counter -------------------------------------------------- */
/*
 * TSan: "Write of size 8 ... by thread T2 ... Previous write of size 8 ...
 * by thread T1", both at `c->visits++`. The fix puts the read-modify-write
 * under a mutex; an atomic64_t would do as well.
 */

typedef struct {
    mutex_t mu;
    long visits; /* guarded by mu */
    int visits_each;
    wg_t wg;
} visit_counter_t;

static void visitor(void *arg)
{
    visit_counter_t *c = arg;
    for (int i = 0; i < c->visits_each; i++) {
        mutex_lock(&c->mu);
        c->visits++;
        mutex_unlock(&c->mu);
    }
    wg_done(&c->wg);
}

long count_visits(int workers, int visits_each)
{
    visit_counter_t c = {.visits_each = visits_each};
    for (int w = 0; w < workers; w++) {
        wg_add(&c.wg, 1);
        go(visitor, &c);
    }
    wg_wait(&c.wg); /* every visitor's last unlock happens before this returns */
    return c.visits;
}

/* ---- Task 2: lazy initialisation ---------------------------------------- */
/*
 * TSan: a read of l->value in lazy_get by one goroutine, a previous write
 * of it by another, both at the check-then-act. once_do runs build once;
 * its return happens before every once_do returns, so every caller sees
 * the value and what build wrote into it.
 */

static void build_once(void *arg)
{
    lazy_t *l = arg;
    l->value = l->build(l->build_arg);
}

void *lazy_get(lazy_t *l)
{
    once_do(&l->once, build_once, l);
    return l->value;
}

/* ---- Task 3: appending from several goroutines ------------------------- */
/*
 * TSan: writes in int_list_append (l->len, l->items, realloc's memory) by
 * two goroutines. One mutex guards the list: the append as a whole is the
 * critical section, realloc included.
 */

typedef struct {
    int_list_t *out;
    mutex_t *mu;
    wg_t *wg;
    int i;
} square_job_t;

static void append_square(void *arg)
{
    square_job_t *job = arg;
    int sq = job->i * job->i; /* computed outside the lock: only the append is shared */
    mutex_lock(job->mu);
    int_list_append(job->out, sq);
    mutex_unlock(job->mu);
    wg_done(job->wg);
}

void collect_squares(int n, int_list_t *out)
{
    if (n <= 0) return;
    square_job_t *jobs = calloc((size_t)n, sizeof *jobs);
    if (!jobs) abort();
    mutex_t mu = {0};
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (square_job_t){.out = out, .mu = &mu, .wg = &wg, .i = i};
        wg_add(&wg, 1);
        go(append_square, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs); /* only after every goroutine is done with its job */
}

/* ---- Task 4: the loop variable ------------------------------------------ */
/*
 * TSan: a read of i in fill_one by a goroutine, a previous write of i by
 * the loop in fill_table (i++). Each goroutine gets a struct of its own,
 * holding its own copy of i.
 */

typedef struct {
    long *table;
    long (*f)(int i);
    wg_t *wg;
    int i; /* this goroutine's own i */
} fill_job_t;

static void fill_one(void *arg)
{
    fill_job_t *job = arg;
    job->table[job->i] = job->f(job->i);
    wg_done(job->wg);
}

void fill_table(long *table, int n, long (*f)(int i))
{
    if (n <= 0) return;
    fill_job_t *jobs = calloc((size_t)n, sizeof *jobs);
    if (!jobs) abort();
    wg_t wg = {0};
    for (int i = 0; i < n; i++) {
        jobs[i] = (fill_job_t){.table = table, .f = f, .wg = &wg, .i = i};
        wg_add(&wg, 1);
        go(fill_one, &jobs[i]);
    }
    wg_wait(&wg);
    free(jobs);
}

/* ---- Task 5: lock order ------------------------------------------------- */
/*
 * The deadlock dump: two goroutines [sync.Mutex.Lock], both at the second
 * mutex_lock, each holding the lock the other waits for. Taking the locks
 * in one global order (by id) makes that cycle impossible.
 */

void transfer(account_t *from, account_t *to, long amount)
{
    account_t *first = from->id < to->id ? from : to;
    account_t *second = first == from ? to : from;
    mutex_lock(&first->mu);
    mutex_lock(&second->mu);
    from->balance -= amount;
    to->balance += amount;
    mutex_unlock(&second->mu);
    mutex_unlock(&first->mu);
}

/* ---- Task 6: a goroutine profile ---------------------------------------- */

/* Copies s[0..n) into dst (size cap), cut to fit, '\0'-terminated. */
static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* The end of the line that starts at s: its '\n' or its '\0'. */
static const char *line_end(const char *s)
{
    const char *e = strchr(s, '\n');
    return e ? e : s + strlen(s);
}

static const char *next_line(const char *s)
{
    const char *e = line_end(s);
    return *e ? e + 1 : e;
}

/* A record's first line: "goroutine <digits> [". Returns where the state
 * starts, or NULL. */
static const char *record_header(const char *s)
{
    if (strncmp(s, "goroutine ", 10) != 0) return NULL;
    s += 10;
    if (!isdigit((unsigned char)*s)) return NULL;
    while (isdigit((unsigned char)*s))
        s++;
    if (strncmp(s, " [", 2) != 0) return NULL;
    return s + 2;
}

/* "\tfile:123": a tab, then text ending in ':' and digits. */
static bool is_site(const char *s, const char *end)
{
    if (s >= end || *s != '\t') return false;
    const char *d = end;
    while (d > s && isdigit((unsigned char)d[-1]))
        d--;
    return d < end && d > s + 1 && d[-1] == ':';
}

/* One record, parsed from its header line at s: fills e (count 0). */
static void parse_record(const char *state, const char *s, profile_entry_t *e)
{
    memset(e, 0, sizeof *e);
    /* The state runs to "]:" or ", <n> minute": whichever comes first. */
    const char *eol = line_end(s);
    const char *close = state;
    while (close < eol && *close != ']')
        close++;
    const char *comma = state;
    while (comma < close && strncmp(comma, ", ", 2) != 0)
        comma++;
    copy_cut(e->state, sizeof e->state, state, (size_t)(comma - state));

    const char *fn = next_line(s);
    if (!*fn || record_header(fn)) return;
    const char *fn_end = line_end(fn);
    const char *paren = fn;
    while (paren < fn_end && *paren != '(')
        paren++;
    copy_cut(e->func, sizeof e->func, fn, (size_t)(paren - fn));

    const char *site = next_line(fn);
    const char *site_end = line_end(site);
    if (is_site(site, site_end))
        copy_cut(e->site, sizeof e->site, site + 1, (size_t)(site_end - site - 1));
}

int profile_parse(const char *dump, goroutine_profile_t *p)
{
    memset(p, 0, sizeof *p);
    for (const char *s = dump; *s; s = next_line(s)) {
        const char *state = record_header(s);
        if (!state) continue;
        profile_entry_t e;
        parse_record(state, s, &e);
        p->total++;
        int k = 0;
        while (k < p->n &&
               !(strcmp(p->entry[k].state, e.state) == 0 && strcmp(p->entry[k].site, e.site) == 0))
            k++;
        if (k == p->n) {
            if (p->n == PROFILE_MAX) continue; /* counted in total only */
            p->entry[p->n++] = e;
        }
        p->entry[k].count++;
    }
    /* Insertion sort: by count, descending; stable, so ties keep dump order. */
    for (int i = 1; i < p->n; i++) {
        profile_entry_t e = p->entry[i];
        int j = i;
        while (j > 0 && p->entry[j - 1].count < e.count) {
            p->entry[j] = p->entry[j - 1];
            j--;
        }
        p->entry[j] = e;
    }
    return p->total;
}

int profile_since(go_leak_mark_t mark, goroutine_profile_t *p)
{
    enum { DUMP_SIZE = 64 * 1024 };
    char *dump = malloc(DUMP_SIZE);
    if (!dump) abort();
    dump[0] = '\0';
    /* go_leak_check writes the dump of the survivors only when there are any. */
    if (go_leak_check(mark, dump, DUMP_SIZE) == 0) dump[0] = '\0';
    int n = profile_parse(dump, p);
    free(dump);
    return n;
}

/* ---- Task 7: a trace's summary ------------------------------------------ */

static const char *get_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

static double get_num(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

/* The track of gid in t[0..*n), added (zeroed) if new; t has room for cap. */
static trace_track_t *track_for(trace_track_t *t, int *n, int cap, long gid)
{
    for (int i = 0; i < *n; i++)
        if (t[i].gid == gid) return &t[i];
    if (*n == cap) return NULL;
    memset(&t[*n], 0, sizeof t[*n]);
    t[*n].gid = gid;
    return &t[(*n)++];
}

static void count_event(trace_track_t *t, json_object *e)
{
    const char *ph = get_str(e, "ph"), *name = get_str(e, "name");
    if (strcmp(ph, "M") == 0) {
        json_object *args;
        if (!json_object_object_get_ex(e, "args", &args)) return;
        const char *track = get_str(args, "name");
        const char *colon = strstr(track, ": ");
        const char *fn = colon ? colon + 2 : track;
        copy_cut(t->func, sizeof t->func, fn, strlen(fn));
    } else if (strcmp(ph, "X") == 0) {
        if (strcmp(get_str(e, "cat"), "blocked") != 0) return;
        t->blocked++;
        t->blocked_us += get_num(e, "dur");
    } else if (strcmp(ph, "i") == 0) {
        if (strcmp(name, "go") == 0)
            t->gos++;
        else if (strcmp(name, "chan send") == 0)
            t->sends++;
        else if (strcmp(name, "chan receive") == 0)
            t->receives++;
        else if (strcmp(name, "chan close") == 0)
            t->closes++;
        else if (strcmp(name, "select") == 0)
            t->selects++;
    }
}

static int by_gid(const void *a, const void *b)
{
    long x = ((const trace_track_t *)a)->gid, y = ((const trace_track_t *)b)->gid;
    return (x > y) - (x < y);
}

int trace_summary(const char *path, trace_track_t *tracks, int max)
{
    json_object *root = json_object_from_file(path), *events;
    if (!root) return -1;
    if (!json_object_object_get_ex(root, "traceEvents", &events) ||
        !json_object_is_type(events, json_type_array)) {
        json_object_put(root);
        return -1;
    }
    /* Every track first, in a list of our own: the caller's max may be
     * smaller than the number of tracks, and the first max by gid are
     * known only once all are. */
    size_t len = json_object_array_length(events);
    trace_track_t *all = calloc(len ? len : 1, sizeof *all);
    if (!all) abort();
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(events, i);
        if (!json_object_is_type(e, json_type_object)) continue;
        json_object *tid;
        if (!json_object_object_get_ex(e, "tid", &tid)) continue;
        trace_track_t *t = track_for(all, &n, (int)len, (long)json_object_get_int64(tid));
        if (t) count_event(t, e);
    }
    json_object_put(root);
    qsort(all, (size_t)n, sizeof *all, by_gid);
    for (int i = 0; i < n && i < max; i++)
        tracks[i] = all[i];
    free(all);
    return n;
}
