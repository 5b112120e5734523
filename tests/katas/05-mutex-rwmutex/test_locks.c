/*
 * Kata 05's tests: transfers under two Mutexes, a cache under an RWMutex,
 * and a withdraw whose every path unlocks.
 *
 * How a test sees inside a lock without sleeping: it holds a lock itself (an
 * account's mu), or parks a reader inside cache_range (the visit function
 * waits on a channel), starts the goroutine under test, and calls
 * go_wait_idle(), which returns once every other goroutine is parked or has
 * exited. Then "still running" means "waiting for a lock", exactly. A flag
 * the goroutine sets (an atomic) or a channel says whether it finished.
 */
#include <stdio.h>
#include <string.h>

#include "gkcheck.h"
#include "kata_test.h"
#include "locks.h"

/* ---- helpers ---------------------------------------------------------------- */

/* `call` says what returned, e.g. "withdraw(account 1, 0) returned WITHDRAW_FROZEN". */
static void assert_account_unlocked(account_t *a, const char *call)
{
    ck_assert_msg(mutex_trylock(&a->mu),
                  "%s with account %d still locked: the next operation on that account would "
                  "wait forever. Every path out must unlock (Go: defer mu.Unlock())",
                  call, a->id);
    mutex_unlock(&a->mu);
}

static void assert_cache_unlocked(cache_t *c, const char *call)
{
    ck_assert_msg(rwmutex_trylock(&c->mu),
                  "%s with the cache's lock still held (read or write): the next cache_put "
                  "would wait forever. Every path out must unlock",
                  call);
    rwmutex_unlock(&c->mu);
}

static void assert_balance(const account_t *a, int64_t want, const char *after)
{
    ck_assert_msg(a->balance == want, "after %s: expected account %d to hold %lld, it holds %lld",
                  after, a->id, (long long)want, (long long)a->balance);
}

/* A small fixed-seed generator (xorshift64): the same transfers every run. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* One transfer in a goroutine; done is set once transfer has returned. */
typedef struct {
    account_t *from, *to;
    int64_t amount;
    bool ok;
    atomicbool_t done;
    wg_t wg;
} transfer_job_t;

static void run_transfer(void *arg)
{
    transfer_job_t *j = arg;
    j->ok = transfer(j->from, j->to, j->amount);
    atomicbool_store(&j->done, true);
    wg_done(&j->wg);
}

static void start_transfer(transfer_job_t *j, account_t *from, account_t *to, int64_t amount)
{
    *j = (transfer_job_t){.from = from, .to = to, .amount = amount};
    wg_add(&j->wg, 1);
    go(run_transfer, j);
}

/* ---- Task 1: transfer --------------------------------------------------------- */

START_TEST(test_transfer_moves_money_from_one_account_to_another)
{
    account_t a = {.id = 1, .balance = 500}, b = {.id = 2, .balance = 100};

    ck_assert_msg(transfer(&a, &b, 200),
                  "transfer(account 1 -> account 2, 200) with 500 in account 1: expected true, "
                  "got false");
    assert_balance(&a, 300, "moving 200 from account 1 to account 2");
    assert_balance(&b, 300, "moving 200 from account 1 to account 2");

    ck_assert_msg(transfer(&b, &a, 300),
                  "transfer(account 2 -> account 1, 300) with exactly 300 in account 2: expected "
                  "true (refuse only when the balance is smaller than the amount), got false");
    assert_balance(&a, 600, "moving 300 from account 2 to account 1");
    assert_balance(&b, 0, "moving 300 from account 2 to account 1");

    assert_account_unlocked(&a, "transfer returned true");
    assert_account_unlocked(&b, "transfer returned true");
}
END_TEST

/* Runs in a child process (gk_run_child): the verdict is what it prints. */
static void transfer_to_itself(void *arg)
{
    account_t *a = arg;
    bool ok = transfer(a, a, 10);
    bool unlocked = mutex_trylock(&a->mu);
    printf("%s, balance %lld%s\n", ok ? "moved" : "refused", (long long)a->balance,
           unlocked ? "" : ", and the account was left locked");
}

START_TEST(test_transfer_refuses_what_it_cannot_do_and_changes_nothing)
{
    account_t a = {.id = 1, .balance = 100}, b = {.id = 2, .balance = 100};
    account_t frozen = {.id = 3, .balance = 100, .frozen = true};
    struct {
        account_t *from, *to;
        int64_t amount;
        const char *what;
    } cases[] = {
        {&a, &b, 101, "more than the balance (101 from an account holding 100)"},
        {&a, &b, 0, "an amount of 0"},
        {&a, &b, -50, "a negative amount (-50)"},
        {&frozen, &a, 10, "a transfer from a frozen account"},
        {&a, &frozen, 10, "a transfer to a frozen account"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = transfer(cases[i].from, cases[i].to, cases[i].amount);
        ck_assert_msg(!ok, "%s: expected transfer to refuse it (return false), it returned true",
                      cases[i].what);
        assert_balance(&a, 100, cases[i].what);
        assert_balance(&b, 100, cases[i].what);
        assert_balance(&frozen, 100, cases[i].what);
        char call[160];
        snprintf(call, sizeof call, "transfer refused %s, but returned", cases[i].what);
        assert_account_unlocked(cases[i].from, call);
        assert_account_unlocked(cases[i].to, call);
    }

    /* From an account to itself, in a child process: locking the account's
     * mutex twice would deadlock, and the child's death says so. */
    gk_child_t child;
    gk_run_child(transfer_to_itself, &a, 10, &child);
    ck_assert_msg(!strstr(child.output, "deadlock"),
                  "transfer(account 1 -> account 1, 10) deadlocked: it locked account 1 twice. "
                  "A Mutex is not reentrant: the second mutex_lock waits for the first to be "
                  "unlocked, forever. Refuse from == to before locking anything. It printed:\n%s",
                  child.output);
    ck_assert_msg(child.exited && child.status == 0,
                  "transfer(account 1 -> account 1, 10) %s %d; it printed:\n%s",
                  child.exited ? "ended the process with status" : "was killed by signal",
                  child.status, child.output);
    ck_assert_msg(strstr(child.output, "refused, balance 100\n") != NULL,
                  "transfer(account 1 -> account 1, 10), a transfer from an account to itself: "
                  "expected it refused (false), the balance left at 100 and the account unlocked; "
                  "got: %s",
                  child.output);
}
END_TEST

START_TEST(test_transfer_holds_both_accounts_locks)
{
    account_t acc[2] = {{.id = 1, .balance = 1000}, {.id = 2, .balance = 1000}};

    /* Each direction, with each of the two accounts held by this test: the
     * transfer must wait until the test lets go. */
    for (int dir = 0; dir < 2; dir++) {
        for (int held = 0; held < 2; held++) {
            account_t *from = &acc[dir], *to = &acc[1 - dir];
            mutex_lock(&acc[held].mu);
            transfer_job_t j;
            start_transfer(&j, from, to, 10);
            go_wait_idle(); /* the transfer has done all it can */
            ck_assert_msg(!atomicbool_load(&j.done),
                          "transfer(account %d -> account %d) finished while another goroutine "
                          "held account %d's lock: it must hold both accounts' locks while it "
                          "reads and changes their balances",
                          from->id, to->id, acc[held].id);
            mutex_unlock(&acc[held].mu);
            wg_wait(&j.wg);
            ck_assert_msg(j.ok,
                          "transfer(account %d -> account %d, 10) returned false once it got "
                          "its locks, with 1000 in account %d",
                          from->id, to->id, from->id);
        }
    }
    /* Two transfers each way: back where we started. */
    assert_balance(&acc[0], 1000, "two transfers of 10 each way");
    assert_balance(&acc[1], 1000, "two transfers of 10 each way");
}
END_TEST

/*
 * With account 1 held by the test, start transfer(from -> to) and look at
 * account 2's lock while the transfer waits: true when the transfer took
 * account 2's lock before waiting for account 1's.
 */
static bool takes_account_2_first(account_t acc[2], account_t *from, account_t *to)
{
    mutex_lock(&acc[0].mu);
    transfer_job_t j;
    start_transfer(&j, from, to, 10);
    go_wait_idle();
    ck_assert_msg(!atomicbool_load(&j.done),
                  "transfer(account %d -> account %d) finished while another goroutine held "
                  "account 1's lock: it must hold both accounts' locks",
                  from->id, to->id);
    bool took_2 = !mutex_trylock(&acc[1].mu);
    if (!took_2) mutex_unlock(&acc[1].mu);
    mutex_unlock(&acc[0].mu);
    wg_wait(&j.wg);
    return took_2;
}

START_TEST(test_transfers_take_the_two_locks_in_the_same_order_both_ways)
{
    account_t acc[2] = {{.id = 1, .balance = 1000}, {.id = 2, .balance = 1000}};
    bool one_to_two = takes_account_2_first(acc, &acc[0], &acc[1]);
    bool two_to_one = takes_account_2_first(acc, &acc[1], &acc[0]);
    if (one_to_two != two_to_one) {
        const char *first = one_to_two ? "1 -> account 2" : "2 -> account 1";
        const char *other = one_to_two ? "2 -> account 1" : "1 -> account 2";
        ck_abort_msg("transfer(account %s) locks account 2 first, transfer(account %s) locks "
                     "account 1 first. Run both at the same moment and each can hold one lock "
                     "while it waits for the other: a deadlock. Take the two locks in one "
                     "order whichever way the money goes: the smaller id first",
                     first, other);
    }
    assert_balance(&acc[0], 1000, "a transfer of 10 each way");
    assert_balance(&acc[1], 1000, "a transfer of 10 each way");
}
END_TEST

enum { OPPOSITE_WORKERS = 4, OPPOSITE_ROUNDS = 250 };

typedef struct {
    account_t *from, *to;
    int refused;
    wg_t *wg;
} shuttle_t;

static void shuttle(void *arg)
{
    shuttle_t *s = arg;
    for (int i = 0; i < OPPOSITE_ROUNDS; i++)
        if (!transfer(s->from, s->to, 1)) s->refused++;
    wg_done(s->wg);
}

START_TEST(test_opposite_transfers_at_the_same_time_do_not_deadlock)
{
    account_t a = {.id = 1, .balance = 10000}, b = {.id = 2, .balance = 10000};

    /* First, the deadly moment, on purpose: the test holds account 1 while a
     * transfer 1 -> 2 and a transfer 2 -> 1 line up behind it (in both
     * orders), then lets go. A Mutex hands itself to its first waiter, so
     * with the two locks taken in different orders one transfer now holds
     * account 1 and waits for 2 while the other holds 2 and waits for 1:
     * the runtime reports "all goroutines are asleep - deadlock!" at the
     * wg_wait below, and its dump shows both stuck in transfer. */
    for (int round = 0; round < 2; round++) {
        account_t *first_from = round == 0 ? &a : &b, *first_to = round == 0 ? &b : &a;
        mutex_lock(&a.mu);
        transfer_job_t j1, j2;
        start_transfer(&j1, first_from, first_to, 10);
        go_wait_idle(); /* j1 waits for account 1 */
        start_transfer(&j2, first_to, first_from, 10);
        go_wait_idle(); /* j2 too, or for account 2 */
        mutex_unlock(&a.mu);
        wg_wait(&j1.wg);
        wg_wait(&j2.wg);
        ck_assert_msg(j1.ok && j2.ok, "a transfer of 10 between accounts holding 10000 returned "
                                      "false");
    }

    /* Then many at once, half each way. */
    wg_t wg = {0};
    shuttle_t s[OPPOSITE_WORKERS];
    for (int i = 0; i < OPPOSITE_WORKERS; i++) {
        s[i] = (shuttle_t){.from = i % 2 ? &b : &a, .to = i % 2 ? &a : &b, .wg = &wg};
        wg_add(&wg, 1);
        go(shuttle, &s[i]);
    }
    wg_wait(&wg);
    for (int i = 0; i < OPPOSITE_WORKERS; i++)
        ck_assert_msg(s[i].refused == 0,
                      "%d of %d transfers of 1 were refused, with thousands in every account",
                      s[i].refused, OPPOSITE_ROUNDS);
    assert_balance(&a, 10000, "as many transfers each way");
    assert_balance(&b, 10000, "as many transfers each way");
}
END_TEST

enum { BANK_ACCOUNTS = 8, BANK_WORKERS = 12, BANK_ROUNDS = 200, BANK_START = 1000000 };

typedef struct {
    account_t *accounts;
    uint64_t seed;
    int64_t delta[BANK_ACCOUNTS]; /* what this worker's transfers did to each account */
    int refused;
    wg_t *wg;
} teller_t;

static void teller(void *arg)
{
    teller_t *t = arg;
    for (int i = 0; i < BANK_ROUNDS; i++) {
        int from = (int)(next_rand(&t->seed) % BANK_ACCOUNTS);
        int to = (from + 1 + (int)(next_rand(&t->seed) % (BANK_ACCOUNTS - 1))) % BANK_ACCOUNTS;
        int64_t amount = 1 + (int64_t)(next_rand(&t->seed) % 100);
        if (transfer(&t->accounts[from], &t->accounts[to], amount)) {
            t->delta[from] -= amount;
            t->delta[to] += amount;
        } else {
            t->refused++;
        }
    }
    wg_done(t->wg);
}

START_TEST(test_concurrent_transfers_lose_no_money)
{
    /* Every account starts with more than all the transfers together can
     * take out, so none may be refused and each final balance is exact. */
    account_t acc[BANK_ACCOUNTS];
    for (int i = 0; i < BANK_ACCOUNTS; i++)
        acc[i] = (account_t){.id = i + 1, .balance = BANK_START};
    teller_t t[BANK_WORKERS];
    wg_t wg = {0};
    for (int w = 0; w < BANK_WORKERS; w++) {
        t[w] = (teller_t){
            .accounts = acc, .seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(w + 1), .wg = &wg};
        wg_add(&wg, 1);
        go(teller, &t[w]);
    }
    wg_wait(&wg);

    int refused = 0;
    for (int w = 0; w < BANK_WORKERS; w++)
        refused += t[w].refused;
    ck_assert_msg(refused == 0,
                  "%d of %d transfers were refused, but every account always had enough money",
                  refused, BANK_WORKERS * BANK_ROUNDS);
    int64_t total = 0;
    for (int i = 0; i < BANK_ACCOUNTS; i++)
        total += acc[i].balance;
    ck_assert_msg(total == (int64_t)BANK_START * BANK_ACCOUNTS,
                  "the bank holds %lld in all, expected %lld: transfers running at the same "
                  "time lost or made money. Does transfer hold both accounts' locks from the "
                  "first read of a balance to the last write?",
                  (long long)total, (long long)BANK_START * BANK_ACCOUNTS);
    for (int i = 0; i < BANK_ACCOUNTS; i++) {
        int64_t want = BANK_START;
        for (int w = 0; w < BANK_WORKERS; w++)
            want += t[w].delta[i];
        ck_assert_msg(acc[i].balance == want,
                      "account %d holds %lld, expected %lld after %d concurrent transfers",
                      acc[i].id, (long long)acc[i].balance, (long long)want,
                      BANK_WORKERS * BANK_ROUNDS);
    }
}
END_TEST

/* ---- Task 2: the cache ------------------------------------------------------- */

START_TEST(test_cache_get_returns_what_put_stored)
{
    cache_t c = {0};
    int64_t v = -1;
    ck_assert_msg(!cache_get(&c, "EUR", &v), "cache_get(\"EUR\") on an empty cache returned true");
    ck_assert_msg(v == -1, "cache_get changed *value on a miss (to %lld): leave it alone",
                  (long long)v);

    ck_assert_msg(cache_put(&c, "EUR", 1085000), "cache_put(\"EUR\", 1085000) returned false");
    ck_assert_msg(cache_put(&c, "GBP", 1270000), "cache_put(\"GBP\", 1270000) returned false");
    ck_assert_msg(cache_get(&c, "EUR", &v) && v == 1085000,
                  "cache_get(\"EUR\"): expected 1085000, got %lld", (long long)v);
    ck_assert_msg(cache_get(&c, "GBP", &v) && v == 1270000,
                  "cache_get(\"GBP\"): expected 1270000, got %lld", (long long)v);

    ck_assert_msg(cache_put(&c, "EUR", 1090000), "cache_put(\"EUR\", 1090000) returned false");
    ck_assert_msg(cache_get(&c, "EUR", &v) && v == 1090000,
                  "cache_get(\"EUR\") after putting 1090000 over 1085000: got %lld", (long long)v);
    ck_assert_msg(c.len == 2,
                  "putting a key that is already there must replace its value, not add a "
                  "second entry: expected len 2, got %d",
                  c.len);

    v = -1;
    ck_assert_msg(!cache_get(&c, "JPY", &v) && v == -1,
                  "cache_get(\"JPY\"), never put: expected false with *value untouched");
    ck_assert_msg(atomic64_load(&c.hits) == 3 && atomic64_load(&c.misses) == 2,
                  "after 3 lookups that found their key and 2 that did not: expected hits 3, "
                  "misses 2; got hits %lld, misses %lld",
                  (long long)atomic64_load(&c.hits), (long long)atomic64_load(&c.misses));
    assert_cache_unlocked(&c, "cache_get returned");
}
END_TEST

START_TEST(test_cache_put_refuses_long_keys_and_a_full_cache)
{
    cache_t c = {0};
    const char *longest = "ABCDEFGHIJKLMNO";   /* 15 characters: fits */
    const char *too_long = "ABCDEFGHIJKLMNOP"; /* 16: no room for the '\0' */
    int64_t v = 0;
    ck_assert_msg(cache_put(&c, longest, 15), "cache_put of a 15-character key returned false");
    ck_assert_msg(cache_get(&c, longest, &v) && v == 15,
                  "cache_get of a 15-character key: expected 15, got %lld", (long long)v);
    ck_assert_msg(!cache_put(&c, too_long, 16),
                  "cache_put of a 16-character key returned true: keys have %d characters at "
                  "most",
                  CACHE_KEY_SIZE - 1);
    assert_cache_unlocked(&c, "cache_put returned false");

    char key[CACHE_KEY_SIZE];
    for (int i = 1; i < CACHE_CAPACITY; i++) { /* one entry is already there */
        snprintf(key, sizeof key, "K%d", i);
        ck_assert_msg(cache_put(&c, key, i),
                      "cache_put(\"%s\") into a cache with %d entries "
                      "returned false",
                      key, c.len);
    }
    ck_assert_msg(c.len == CACHE_CAPACITY, "after %d different keys: expected len %d, got %d",
                  CACHE_CAPACITY, CACHE_CAPACITY, c.len);
    ck_assert_msg(!cache_put(&c, "ONE-TOO-MANY", 1),
                  "cache_put of a new key into a full cache (%d entries) returned true",
                  CACHE_CAPACITY);
    assert_cache_unlocked(&c, "cache_put returned false");
    ck_assert_msg(cache_put(&c, "K7", 700),
                  "cache_put of a key already there returned false because the cache is full: "
                  "replacing a value needs no room");
    ck_assert_msg(cache_get(&c, "K7", &v) && v == 700, "cache_get(\"K7\"): expected 700, got %lld",
                  (long long)v);
    ck_assert_msg(c.len == CACHE_CAPACITY, "replacing a value changed len to %d", c.len);
}
END_TEST

enum { MAX_SEEN = 8 };

/* What a cache_range saw. */
typedef struct {
    int n;
    int stop_after; /* return false from this visit on (0: never) */
    char keys[MAX_SEEN][CACHE_KEY_SIZE];
    int64_t values[MAX_SEEN];
} seen_t;

static bool collect(const char *key, int64_t value, void *arg)
{
    seen_t *s = arg;
    if (s->n < MAX_SEEN) {
        snprintf(s->keys[s->n], CACHE_KEY_SIZE, "%s", key);
        s->values[s->n] = value;
    }
    s->n++;
    return s->stop_after == 0 || s->n < s->stop_after;
}

START_TEST(test_cache_range_visits_every_entry_in_order_until_told_to_stop)
{
    cache_t c = {0};
    seen_t s = {0};
    cache_range(&c, collect, &s);
    ck_assert_msg(s.n == 0, "cache_range on an empty cache called fn %d times", s.n);

    cache_put(&c, "EUR", 1);
    cache_put(&c, "GBP", 2);
    cache_put(&c, "JPY", 3);
    cache_put(&c, "EUR", 4); /* replaced in place: still first */
    s = (seen_t){0};
    cache_range(&c, collect, &s);
    ck_assert_msg(s.n == 3, "cache_range over 3 entries called fn %d times", s.n);
    const char *want_keys[] = {"EUR", "GBP", "JPY"};
    int64_t want_values[] = {4, 2, 3};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(strcmp(s.keys[i], want_keys[i]) == 0 && s.values[i] == want_values[i],
                      "visit %d of cache_range: expected (\"%s\", %lld), got (\"%s\", %lld); "
                      "entries come in the order their keys were first put",
                      i + 1, want_keys[i], (long long)want_values[i], s.keys[i],
                      (long long)s.values[i]);

    s = (seen_t){.stop_after = 2};
    cache_range(&c, collect, &s);
    ck_assert_msg(s.n == 2,
                  "fn returned false on its 2nd call, but cache_range called it %d "
                  "times: stop as soon as fn returns false",
                  s.n);
    assert_cache_unlocked(&c, "cache_range returned");
}
END_TEST

/*
 * A reader that parks inside cache_range: its visit function says so on
 * `entered` at the first entry, then (when `release` is set) waits until the
 * test closes `release`. It records what it saw.
 */
typedef struct {
    cache_t *c;
    int who;
    chan_t *entered, *release;
    seen_t seen;
    wg_t *wg;
} reader_t;

static bool enter_and_hold(const char *key, int64_t value, void *arg)
{
    reader_t *r = arg;
    if (r->seen.n == 0) {
        chan_send(r->entered, &r->who);
        if (r->release) chan_recv(r->release, NULL); /* returns when closed */
    }
    return collect(key, value, &r->seen);
}

static void range_reader(void *arg)
{
    reader_t *r = arg;
    cache_range(r->c, enter_and_hold, r);
    wg_done(r->wg);
}

typedef struct {
    cache_t *c;
    const char *key;
    int64_t value;
    bool found;
    atomicbool_t done;
    wg_t *wg;
} lookup_t;

static void run_get(void *arg)
{
    lookup_t *l = arg;
    l->found = cache_get(l->c, l->key, &l->value);
    atomicbool_store(&l->done, true);
    wg_done(l->wg);
}

static void run_put(void *arg)
{
    lookup_t *l = arg;
    l->found = cache_put(l->c, l->key, l->value);
    atomicbool_store(&l->done, true);
    wg_done(l->wg);
}

START_TEST(test_cache_readers_share_the_read_lock)
{
    cache_t c = {0};
    cache_put(&c, "EUR", 1085000);
    chan_t *entered = chan_make(sizeof(int), 2);
    chan_t *release = chan_make(0, 0);
    wg_t wg = {0};

    /* Reader 1 gets inside cache_range and stays there. */
    reader_t r1 = {.c = &c, .who = 1, .entered = entered, .release = release, .wg = &wg};
    wg_add(&wg, 1);
    go(range_reader, &r1);
    int who = 0;
    chan_recv(entered, &who);

    /* While it is inside: a second cache_range, and a cache_get. Each must
     * get in without waiting for reader 1. With an exclusive lock they wait
     * for reader 1, which waits for the test: they never would. */
    reader_t r2 = {.c = &c, .who = 2, .entered = entered, .release = NULL, .wg = &wg};
    lookup_t get = {.c = &c, .key = "EUR", .wg = &wg};
    wg_add(&wg, 2);
    go(range_reader, &r2);
    go(run_get, &get);
    go_wait_idle(); /* both have done all they can */

    bool second_in = chan_try_recv(entered, &who, NULL);
    ck_assert_msg(second_in,
                  "a second cache_range could not get in while a first one was inside its read "
                  "section: readers must share the lock (rwmutex_rlock), not shut each other "
                  "out (rwmutex_lock, or a mutex)");
    ck_assert_msg(atomicbool_load(&get.done),
                  "cache_get waited while a cache_range was inside its read section: look the "
                  "key up under the read lock (rwmutex_rlock), which readers share");

    chan_close(release);
    wg_wait(&wg);
    ck_assert_msg(get.found && get.value == 1085000,
                  "cache_get(\"EUR\") beside a cache_range: expected 1085000, got %s %lld",
                  get.found ? "" : "not found,", (long long)get.value);
    chan_free(entered);
    chan_free(release);
}
END_TEST

START_TEST(test_cache_put_waits_until_readers_leave)
{
    cache_t c = {0};
    cache_put(&c, "EUR", 1);
    cache_put(&c, "GBP", 2);
    chan_t *entered = chan_make(sizeof(int), 1);
    chan_t *release = chan_make(0, 0);
    wg_t wg = {0};

    /* A reader parks inside cache_range, at its first entry. */
    reader_t r = {.c = &c, .who = 1, .entered = entered, .release = release, .wg = &wg};
    wg_add(&wg, 1);
    go(range_reader, &r);
    int who;
    chan_recv(entered, &who);

    /* A writer changes the second entry meanwhile. */
    lookup_t put = {.c = &c, .key = "GBP", .value = 20, .wg = &wg};
    wg_add(&wg, 1);
    go(run_put, &put);
    go_wait_idle();
    ck_assert_msg(!atomicbool_load(&put.done),
                  "cache_put finished while a cache_range was inside its read section: change "
                  "the cache under the write lock (rwmutex_lock), which waits for readers to "
                  "leave");

    chan_close(release);
    wg_wait(&wg);
    ck_assert_msg(put.found, "cache_put(\"GBP\", 20) returned false");
    ck_assert_msg(r.seen.n == 2, "cache_range over 2 entries called fn %d times", r.seen.n);
    ck_assert_msg(r.seen.values[1] == 2,
                  "cache_range saw GBP = %lld, a value put while it was running: hold one read "
                  "lock for the whole walk, so that fn sees one version of the cache",
                  (long long)r.seen.values[1]);
    int64_t v = 0;
    ck_assert_msg(cache_get(&c, "GBP", &v) && v == 20,
                  "cache_get(\"GBP\") after the put: expected 20, got %lld", (long long)v);
    chan_free(entered);
    chan_free(release);
}
END_TEST

enum { RATE_KEYS = 8, LOOKUP_KEYS = 10, CACHE_READERS = 8, LOOKUPS = 150, WRITES = 100 };

typedef struct {
    cache_t *c;
    int first;
    int64_t hits, misses; /* as cache_get's return values said */
    int wrong_found;      /* found a key never put, or missed one always there */
    int wrong_value;      /* a value never put under that key */
    wg_t *wg;
} rate_reader_t;

/* Key i holds i + 1000 * version: a value's key is value % 1000. */
static void rate_reader(void *arg)
{
    rate_reader_t *r = arg;
    char key[CACHE_KEY_SIZE];
    for (int j = 0; j < LOOKUPS; j++) {
        int i = (r->first + j) % LOOKUP_KEYS; /* K8 and K9 are never put */
        snprintf(key, sizeof key, "K%d", i);
        int64_t v = -1;
        bool found = cache_get(r->c, key, &v);
        if (found != (i < RATE_KEYS)) r->wrong_found++;
        if (found) {
            r->hits++;
            if (v % 1000 != i) r->wrong_value++;
        } else {
            r->misses++;
        }
    }
    wg_done(r->wg);
}

typedef struct {
    cache_t *c;
    int refused;
    wg_t *wg;
} rate_writer_t;

static void rate_writer(void *arg)
{
    rate_writer_t *w = arg;
    char key[CACHE_KEY_SIZE];
    for (int v = 1; v <= WRITES; v++) {
        int i = v % RATE_KEYS;
        snprintf(key, sizeof key, "K%d", i);
        if (!cache_put(w->c, key, i + 1000 * v)) w->refused++;
    }
    wg_done(w->wg);
}

START_TEST(test_cache_counts_hits_and_misses_under_concurrent_readers)
{
    cache_t c = {0};
    char key[CACHE_KEY_SIZE];
    for (int i = 0; i < RATE_KEYS; i++) {
        snprintf(key, sizeof key, "K%d", i);
        cache_put(&c, key, i);
    }
    int64_t base_hits = atomic64_load(&c.hits), base_misses = atomic64_load(&c.misses);

    wg_t wg = {0};
    rate_reader_t r[CACHE_READERS];
    rate_writer_t w = {.c = &c, .wg = &wg};
    wg_add(&wg, CACHE_READERS + 1);
    for (int k = 0; k < CACHE_READERS; k++) {
        r[k] = (rate_reader_t){.c = &c, .first = k, .wg = &wg};
        go(rate_reader, &r[k]);
    }
    go(rate_writer, &w);
    wg_wait(&wg);

    int64_t hits = 0, misses = 0;
    int wrong_found = 0, wrong_value = 0;
    for (int k = 0; k < CACHE_READERS; k++) {
        hits += r[k].hits;
        misses += r[k].misses;
        wrong_found += r[k].wrong_found;
        wrong_value += r[k].wrong_value;
    }
    ck_assert_msg(w.refused == 0, "%d of %d cache_put calls replacing a value returned false",
                  w.refused, WRITES);
    ck_assert_msg(wrong_found == 0,
                  "%d of %d lookups, run beside a writer, found a key never put or missed one "
                  "that is always there",
                  wrong_found, CACHE_READERS * LOOKUPS);
    ck_assert_msg(wrong_value == 0,
                  "%d of %d lookups returned a value never put under their key: a reader saw "
                  "a writer's half-done work",
                  wrong_value, CACHE_READERS * LOOKUPS);
    int64_t counted_hits = atomic64_load(&c.hits) - base_hits;
    int64_t counted_misses = atomic64_load(&c.misses) - base_misses;
    ck_assert_msg(counted_hits == hits && counted_misses == misses,
                  "%lld lookups found their key and %lld did not, but the cache counted %lld "
                  "hits and %lld misses: count each one with atomic64_add (readers count at "
                  "the same time)",
                  (long long)hits, (long long)misses, (long long)counted_hits,
                  (long long)counted_misses);
}
END_TEST

/* ---- Task 3: withdraw ------------------------------------------------------- */

static const char *result_name(withdraw_result_t r)
{
    switch (r) {
    case WITHDRAW_OK:
        return "WITHDRAW_OK";
    case WITHDRAW_INVALID_AMOUNT:
        return "WITHDRAW_INVALID_AMOUNT";
    case WITHDRAW_FROZEN:
        return "WITHDRAW_FROZEN";
    case WITHDRAW_INSUFFICIENT_FUNDS:
        return "WITHDRAW_INSUFFICIENT_FUNDS";
    }
    return "an unknown result";
}

/* withdraw(a, amount) must answer want, leave the balance at balance_after,
 * and return with a->mu unlocked. */
static void expect_withdraw(account_t *a, int64_t amount, withdraw_result_t want,
                            int64_t balance_after)
{
    char what[64], call[128];
    snprintf(what, sizeof what, "withdraw(account %d, %lld)", a->id, (long long)amount);
    withdraw_result_t got = withdraw(a, amount);
    ck_assert_msg(got == want, "%s: expected %s, got %s", what, result_name(want),
                  result_name(got));
    snprintf(call, sizeof call, "%s returned %s", what, result_name(got));
    assert_account_unlocked(a, call);
    assert_balance(a, balance_after, what);
}

START_TEST(test_withdraw_refuses_a_zero_or_negative_amount_and_unlocks)
{
    account_t a = {.id = 1, .balance = 100};
    expect_withdraw(&a, 0, WITHDRAW_INVALID_AMOUNT, 100);
    expect_withdraw(&a, -5, WITHDRAW_INVALID_AMOUNT, 100);
    expect_withdraw(&a, 30, WITHDRAW_OK, 70);
}
END_TEST

START_TEST(test_withdraw_refuses_a_frozen_account_and_unlocks)
{
    account_t a = {.id = 1, .balance = 100, .frozen = true};
    expect_withdraw(&a, 10, WITHDRAW_FROZEN, 100);
    expect_withdraw(&a, 500, WITHDRAW_FROZEN, 100); /* frozen is checked before the balance */
    expect_withdraw(&a, 0, WITHDRAW_INVALID_AMOUNT, 100);
}
END_TEST

START_TEST(test_withdraw_refuses_more_than_the_balance_and_unlocks)
{
    account_t a = {.id = 1, .balance = 100};
    expect_withdraw(&a, 101, WITHDRAW_INSUFFICIENT_FUNDS, 100);
    expect_withdraw(&a, 100, WITHDRAW_OK, 0);
    expect_withdraw(&a, 1, WITHDRAW_INSUFFICIENT_FUNDS, 0);
}
END_TEST

enum { ATM_WORKERS = 8, ATM_ROUNDS = 25, ATM_AMOUNT = 10, ATM_START = 1000 };

typedef struct {
    account_t *a;
    int ok, refused, other;
    wg_t *wg;
} atm_t;

static void atm(void *arg)
{
    atm_t *m = arg;
    for (int i = 0; i < ATM_ROUNDS; i++) {
        switch (withdraw(m->a, ATM_AMOUNT)) {
        case WITHDRAW_OK:
            m->ok++;
            break;
        case WITHDRAW_INSUFFICIENT_FUNDS:
            m->refused++;
            break;
        default:
            m->other++;
            break;
        }
    }
    wg_done(m->wg);
}

START_TEST(test_concurrent_withdrawals_never_overdraw)
{
    /* 200 withdrawals of 10 from 1000: exactly 100 succeed, whoever's they
     * are. A refused one that keeps the lock stops every other goroutine
     * (the runtime then reports a deadlock). */
    account_t a = {.id = 1, .balance = ATM_START};
    wg_t wg = {0};
    atm_t m[ATM_WORKERS];
    for (int i = 0; i < ATM_WORKERS; i++) {
        m[i] = (atm_t){.a = &a, .wg = &wg};
        wg_add(&wg, 1);
        go(atm, &m[i]);
    }
    wg_wait(&wg);
    int ok = 0, refused = 0, other = 0;
    for (int i = 0; i < ATM_WORKERS; i++) {
        ok += m[i].ok;
        refused += m[i].refused;
        other += m[i].other;
    }
    int attempts = ATM_WORKERS * ATM_ROUNDS, want_ok = ATM_START / ATM_AMOUNT;
    ck_assert_msg(other == 0, "%d withdrawals returned neither OK nor INSUFFICIENT_FUNDS", other);
    ck_assert_msg(a.balance >= 0,
                  "the account was overdrawn to %lld: two withdrawals both saw enough money and "
                  "both took it. Check and take under one lock",
                  (long long)a.balance);
    ck_assert_msg(ok == want_ok && refused == attempts - want_ok && a.balance == 0,
                  "%d concurrent withdrawals of %d from %d: expected %d to succeed and %d to be "
                  "refused, leaving 0; got %d and %d, leaving %lld",
                  attempts, ATM_AMOUNT, ATM_START, want_ok, attempts - want_ok, ok, refused,
                  (long long)a.balance);
    assert_account_unlocked(&a, "the last withdraw returned");
}
END_TEST

Suite *kata_suite(void)
{
    Suite *s = suite_create("locks");
    kata_add_test(s, test_transfer_moves_money_from_one_account_to_another);
    kata_add_test(s, test_transfer_refuses_what_it_cannot_do_and_changes_nothing);
    kata_add_test(s, test_transfer_holds_both_accounts_locks);
    kata_add_test(s, test_transfers_take_the_two_locks_in_the_same_order_both_ways);
    kata_add_test(s, test_opposite_transfers_at_the_same_time_do_not_deadlock);
    kata_add_test(s, test_concurrent_transfers_lose_no_money);
    kata_add_test(s, test_cache_get_returns_what_put_stored);
    kata_add_test(s, test_cache_put_refuses_long_keys_and_a_full_cache);
    kata_add_test(s, test_cache_range_visits_every_entry_in_order_until_told_to_stop);
    kata_add_test(s, test_cache_readers_share_the_read_lock);
    kata_add_test(s, test_cache_put_waits_until_readers_leave);
    kata_add_test(s, test_cache_counts_hits_and_misses_under_concurrent_readers);
    kata_add_test(s, test_withdraw_refuses_a_zero_or_negative_amount_and_unlocks);
    kata_add_test(s, test_withdraw_refuses_a_frozen_account_and_unlocks);
    kata_add_test(s, test_withdraw_refuses_more_than_the_balance_and_unlocks);
    kata_add_test(s, test_concurrent_withdrawals_never_overdraw);
    return s;
}
