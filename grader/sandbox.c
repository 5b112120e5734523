/*
 * Running a test program inside bounds.
 *
 * The process that calls sandbox_run becomes the supervisor: a subreaper
 * (PR_SET_CHILD_SUBREAPER), so that every process the test starts stays in
 * its tree, even one that daemonizes. It forks the program and watches the
 * tree every 50 ms: wall time, resident memory, threads. At the end it
 * freezes and kills whatever is left.
 *
 * The process limit is RLIMIT_NPROC, which counts every process and thread
 * of a real uid, and does not apply to root. So as root the program runs
 * under a uid of its own (a high number nobody uses, distinct per grader
 * and per slot): the limit then counts only the test's own tasks, the test
 * can't touch the grader's files, and killing "everything of that uid" is
 * one atomic kill(-1). As another user, the limit is what the user already
 * runs plus the allowance.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proctree.h"
#include "util.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- the uid a test runs under, as root --------------------------------- */

/* Is uid mapped in this user namespace (containers map only some)? */
static bool uid_mapped(uid_t uid)
{
    FILE *f = fopen("/proc/self/uid_map", "re");
    if (!f) return true; /* no user namespaces: everything is mapped */
    unsigned long inside, outside, count;
    bool found = false;
    while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
        if (uid >= inside && uid - inside < count) found = true;
    fclose(f);
    return found;
}

/* A uid for slot, unused by anyone: 0x5a000000 + pid-derived block + slot. */
static uid_t sandbox_uid(int slot)
{
    if (geteuid() != 0) return 0;
    uid_t uid =
        (uid_t)(0x5a000000u + ((unsigned)getppid() & 0xffffu) * 64u + (unsigned)(slot & 63));
    if (uid_mapped(uid)) return uid;
    static bool warned;
    if (!warned)
        warn("running as root, but uid %u is not mapped here: tests run as root, and the "
             "process limit cannot be enforced",
             (unsigned)uid);
    warned = true;
    return 0;
}

/* Threads the current user runs now (RLIMIT_NPROC's count). */
static long user_tasks(void)
{
    long n = 0;
    proctree_t all;
    proctree_read(&all, 0); /* every process descends from pid 0 */
    uid_t me = getuid();
    for (int i = 0; i < all.n; i++) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d", (int)all.procs[i].pid);
        if (stat(path, &st) == 0 && st.st_uid == me) n += all.procs[i].threads;
    }
    proctree_free(&all);
    return n;
}

/* Kill every process of uid, atomically with respect to fork: kill(-1)
 * walks the process list under the lock that fork needs. Done from a child
 * that has become uid, never from root (kill(-1) as root would end the
 * whole system). */
static void kill_uid(uid_t uid)
{
    if (uid == 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0 || getuid() != uid ||
            geteuid() != uid)
            _exit(1);
        for (int i = 0; i < 100 && kill(-1, SIGKILL) == 0; i++) {
        }
        _exit(0);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

/* ---- the program ------------------------------------------------------- */

static _Noreturn void exec_program(const sandbox_spec_t *s, uid_t uid, long nproc)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Ignored signals stay ignored across exec: a grader started in the
     * background ignores SIGQUIT, and the test would then not answer its
     * time limit with a goroutine dump. Start from the defaults. */
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    setpgid(0, 0);
    int log = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log < 0) _exit(126);
    if (uid && fchown(log, uid, uid) != 0) _exit(126);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    close(log);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);

    struct rlimit lim = {(rlim_t)nproc, (rlim_t)nproc};
    setrlimit(RLIMIT_NPROC, &lim);
    lim = (struct rlimit){(rlim_t)s->max_file_bytes, (rlim_t)s->max_file_bytes};
    setrlimit(RLIMIT_FSIZE, &lim);
    lim = (struct rlimit){0, 0};
    setrlimit(RLIMIT_CORE, &lim);
    if (s->no_aslr) personality(ADDR_NO_RANDOMIZE);
    if (chdir(s->dir) != 0) {
        fprintf(stderr, "gokata-grade: cannot enter %s: %s\n", s->dir, strerror(errno));
        _exit(126);
    }
    if (uid) {
        if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0 || getuid() != uid) {
            fprintf(stderr, "gokata-grade: cannot switch to uid %u: %s\n", (unsigned)uid,
                    strerror(errno));
            _exit(126);
        }
    }
    execvpe(s->argv[0], s->argv, s->envp);
    fprintf(stderr, "gokata-grade: cannot run %s: %s\n", s->argv[0], strerror(errno));
    _exit(127);
}

/* ---- watching ---------------------------------------------------------- */

static int track(sandbox_report_t *r, pid_t pid)
{
    for (int i = 0; i < r->ntracked; i++)
        if (r->tracked[i].pid == pid) return i;
    if (r->ntracked == SANDBOX_MAX_TRACKED) return -1;
    r->tracked[r->ntracked] = (sandbox_tracked_t){.pid = pid};
    return r->ntracked++;
}

/* One look at the tree: record peaks; end a test that takes too much memory
 * (or the whole program, if the runner itself does). */
static void watch(const sandbox_spec_t *s, sandbox_report_t *r, pid_t program)
{
    proctree_t t;
    proctree_read(&t, getpid());
    long total_threads = 0, total_rss = 0;
    for (int i = 0; i < t.n; i++) {
        total_threads += t.procs[i].threads;
        total_rss += t.procs[i].rss_kb;
    }
    long worst_rss = -1;
    int worst = -1;
    for (int i = 0; i < t.n; i++) {
        if (t.procs[i].ppid != program) continue;
        int k = track(r, t.procs[i].pid);
        if (k < 0) continue;
        long threads, rss;
        proctree_sum(&t, t.procs[i].pid, &threads, &rss);
        if (threads > r->tracked[k].peak_threads) r->tracked[k].peak_threads = threads;
        if (rss > r->tracked[k].peak_rss_kb) r->tracked[k].peak_rss_kb = rss;
        if (rss > worst_rss) worst_rss = rss, worst = k;
        /* The whole pass counts: a fork bomb's processes from the test
         * before may still hold the slots this one can't get. */
        if (total_threads >= s->max_procs * 9 / 10) r->tracked[k].hit_proc_limit = true;
    }
    if (total_rss > s->max_memory_kb) {
        if (worst >= 0 && worst_rss > total_rss / 2) {
            r->tracked[worst].killed_for_memory = true;
            proctree_kill_subtree(&t, r->tracked[worst].pid);
        } else {
            r->stopped = STOP_MEMORY;
        }
    }
    proctree_free(&t);
}

void sandbox_run(const sandbox_spec_t *s, sandbox_report_t *r)
{
    memset(r, 0, sizeof *r);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    uid_t uid = sandbox_uid(s->slot);
    r->separate_uid = uid != 0;
    long nproc = uid ? s->max_procs : user_tasks() + s->max_procs;
    r->proc_limit = s->max_procs;
    if (uid) {
        kill_uid(uid); /* a previous grader's leftovers, in the unlikely case */
        if (chown(s->dir, uid, uid) != 0) fatal("cannot hand %s to uid %u", s->dir, (unsigned)uid);
    }

    double start = now_s();
    pid_t program = fork();
    if (program < 0) fatal("fork: %s", strerror(errno));
    if (program == 0) exec_program(s, uid, nproc);
    r->pid = program;

    int st = 0;
    bool done = false;
    while (!done) {
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0)
            if (p == program) {
                done = true;
                break;
            }
        if (done) break;
        if (interrupted)
            r->stopped = STOP_INTERRUPTED;
        else if (now_s() - start > s->wall_limit_s)
            r->stopped = STOP_TIME;
        else
            watch(s, r, program);
        if (r->stopped) {
            kill(-program, SIGKILL);
            kill(program, SIGKILL);
            waitpid(program, &st, 0);
            break;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    r->seconds = now_s() - start;
    r->exited = WIFEXITED(st);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);

    kill_uid(uid); /* atomic: nothing of the test's can fork past it */
    proctree_kill_all(getpid());
}
