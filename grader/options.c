/* The grader's command line: what to grade, how, and where to report. */
#include "options.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef GRADER_DEFAULT_CC
#define GRADER_DEFAULT_CC "cc"
#endif

static const char usage_text[] =
    "usage: gokata-grade [OPTIONS]\n"
    "\n"
    "Grade gokata katas: build each kata's learner file with the pristine header\n"
    "and tests, run its tests plain, under ThreadSanitizer and under Helgrind, and\n"
    "score each test that passes all three.\n"
    "\n"
    "What to grade (default: the learner's katas/ in the current checkout):\n"
    "  --kata LIST          only these katas: numbers, ids or names, comma-separated\n"
    "                       (03, 03-select, select)\n"
    "  --solutions          grade the reference solutions in solutions/\n"
    "  --submission DIR     grade a copy of the repository (a learner's clone, an\n"
    "                       unpacked hand-in): only the files a learner edits are\n"
    "                       read from it; repeat for several\n"
    "  --submissions DIR    grade every subdirectory of DIR as a submission\n"
    "\n"
    "How:\n"
    "  --passes LIST        passes to run, of plain,tsan,helgrind (default: all)\n"
    "  -j, --jobs N         build and run N things at once (default: number of CPUs)\n"
    "  --timeout-scale X    multiply every time limit by X (a slow machine)\n"
    "  --max-procs N        processes + threads a test may have (default 512)\n"
    "  --max-memory MB      resident memory of a pass (default 2048)\n"
    "  --max-output KB      size of any file a test writes, its output included\n"
    "                       (default 1024)\n"
    "\n"
    "Reports (the table always goes to standard output):\n"
    "  --json FILE          everything the grader found, as JSON\n"
    "  --exercism FILE      Exercism's results.json (version 2)\n"
    "  --junit FILE         JUnit XML, for a CI's test view\n"
    "  --gradescope FILE    Gradescope's results.json\n"
    "  --markdown FILE      a Markdown summary, for a CI job page\n"
    "                       With several submissions, put {name} in FILE: it is\n"
    "                       replaced by each submission's name.\n"
    "  --fail-under PCT     exit with status 1 when the score is below PCT percent\n"
    "\n"
    "Where (defaults suit `make grade` in a gokata checkout):\n"
    "  --home DIR           the gokata checkout (runtime/, tests/support/); default .\n"
    "  --repo DIR           where katas/, tests/katas/ and solutions/ are; default HOME\n"
    "  --runtime FILE       libgokata.a; default HOME/build/runtime/libgokata.a\n"
    "  --build-dir DIR      build cache; default HOME/build/grader\n"
    "  --cc CC              C compiler (default " GRADER_DEFAULT_CC ")\n"
    "  --keep               keep the run directory (logs of every test) and say where\n"
    "\n"
    "Exit status: 0 when grading ran, whatever the score; 1 when --fail-under was\n"
    "not met; 2 for a usage error; 3 when the grader itself failed.\n";

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "gokata-grade: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'gokata-grade --help'.\n");
    exit(2);
}

static long parse_long(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v <= 0) usage_error("%s must be a positive whole number", what);
    return v;
}

static double parse_double(const char *s, const char *what)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < 0) usage_error("%s must be a number >= 0", what);
    return v;
}

/* Split a comma-separated list, appending to *items. */
static void split_list(const char *arg, const char ***items, int *n)
{
    char *copy = xstrdup(arg);
    for (char *save, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        *items = xrealloc(*items, sizeof **items * (size_t)(*n + 1));
        (*items)[(*n)++] = w;
    }
}

static void add_submission(options_t *o, const char *dir)
{
    o->submissions =
        xrealloc(o->submissions, sizeof *o->submissions * (size_t)(o->nsubmissions + 1));
    o->submissions[o->nsubmissions++] = dir;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_submissions_in(options_t *o, const char *parent)
{
    DIR *d = opendir(parent);
    if (!d) usage_error("--submissions: cannot open %s", parent);
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *p = path_join(parent, e->d_name);
        if (e->d_name[0] != '.' && dir_exists(p)) {
            names = xrealloc(names, sizeof *names * (size_t)(n + 1));
            names[n++] = p;
        } else
            free(p);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++)
        add_submission(o, names[i]);
    free(names);
    if (n == 0) usage_error("--submissions: %s has no subdirectories", parent);
}

static void parse_passes(options_t *o, const char *arg)
{
    const char **words = NULL;
    int n = 0;
    split_list(arg, &words, &n);
    for (int p = 0; p < NPASSES; p++)
        o->pass_enabled[p] = false;
    for (int i = 0; i < n; i++) {
        int p = 0;
        while (p < NPASSES && strcmp(words[i], pass_names[p]))
            p++;
        if (p == NPASSES) usage_error("unknown pass '%s' (plain, tsan, helgrind)", words[i]);
        o->pass_enabled[p] = true;
    }
    if (!o->pass_enabled[PASS_PLAIN])
        usage_error("%s: the plain pass always runs (it picks what the others run)", arg);
    free(words);
}

void options_parse(options_t *o, int argc, char **argv)
{
    enum {
        O_KATA = 256,
        O_SOLUTIONS,
        O_SUBMISSION,
        O_SUBMISSIONS,
        O_PASSES,
        O_SCALE,
        O_PROCS,
        O_MEMORY,
        O_OUTPUT,
        O_JSON,
        O_EXERCISM,
        O_JUNIT,
        O_GRADESCOPE,
        O_MARKDOWN,
        O_FAIL_UNDER,
        O_HOME,
        O_REPO,
        O_RUNTIME,
        O_BUILD_DIR,
        O_CC,
        O_KEEP,
        O_HELP
    };
    static const struct option longopts[] = {
        {"kata", required_argument, 0, O_KATA},
        {"solutions", no_argument, 0, O_SOLUTIONS},
        {"submission", required_argument, 0, O_SUBMISSION},
        {"submissions", required_argument, 0, O_SUBMISSIONS},
        {"passes", required_argument, 0, O_PASSES},
        {"jobs", required_argument, 0, 'j'},
        {"timeout-scale", required_argument, 0, O_SCALE},
        {"max-procs", required_argument, 0, O_PROCS},
        {"max-memory", required_argument, 0, O_MEMORY},
        {"max-output", required_argument, 0, O_OUTPUT},
        {"json", required_argument, 0, O_JSON},
        {"exercism", required_argument, 0, O_EXERCISM},
        {"junit", required_argument, 0, O_JUNIT},
        {"gradescope", required_argument, 0, O_GRADESCOPE},
        {"markdown", required_argument, 0, O_MARKDOWN},
        {"fail-under", required_argument, 0, O_FAIL_UNDER},
        {"home", required_argument, 0, O_HOME},
        {"repo", required_argument, 0, O_REPO},
        {"runtime", required_argument, 0, O_RUNTIME},
        {"build-dir", required_argument, 0, O_BUILD_DIR},
        {"cc", required_argument, 0, O_CC},
        {"keep", no_argument, 0, O_KEEP},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (options_t){.home = ".",
                     .cc = GRADER_DEFAULT_CC,
                     .jobs = ncpu > 0 ? (int)ncpu : 1,
                     .timeout_scale = 1,
                     .max_procs = 512,
                     .max_memory_mb = 2048,
                     .max_output_kb = 1024,
                     .fail_under = -1};
    for (int p = 0; p < NPASSES; p++)
        o->pass_enabled[p] = true;
    int c;
    while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_KATA:
            split_list(optarg, &o->katas, &o->nkatas);
            break;
        case O_SOLUTIONS:
            o->solutions = true;
            break;
        case O_SUBMISSION:
            add_submission(o, optarg);
            break;
        case O_SUBMISSIONS:
            add_submissions_in(o, optarg);
            break;
        case O_PASSES:
            parse_passes(o, optarg);
            break;
        case 'j':
            o->jobs = (int)parse_long(optarg, "--jobs");
            break;
        case O_SCALE:
            o->timeout_scale = parse_double(optarg, "--timeout-scale");
            break;
        case O_PROCS:
            o->max_procs = parse_long(optarg, "--max-procs");
            break;
        case O_MEMORY:
            o->max_memory_mb = parse_long(optarg, "--max-memory");
            break;
        case O_OUTPUT:
            o->max_output_kb = parse_long(optarg, "--max-output");
            break;
        case O_JSON:
            o->json = optarg;
            break;
        case O_EXERCISM:
            o->exercism = optarg;
            break;
        case O_JUNIT:
            o->junit = optarg;
            break;
        case O_GRADESCOPE:
            o->gradescope = optarg;
            break;
        case O_MARKDOWN:
            o->markdown = optarg;
            break;
        case O_FAIL_UNDER:
            o->fail_under = parse_double(optarg, "--fail-under");
            break;
        case O_HOME:
            o->home = optarg;
            break;
        case O_REPO:
            o->repo = optarg;
            break;
        case O_RUNTIME:
            o->runtime_lib = optarg;
            break;
        case O_BUILD_DIR:
            o->build_dir = optarg;
            break;
        case O_CC:
            o->cc = optarg;
            break;
        case O_KEEP:
            o->keep = true;
            break;
        case 'h':
        case O_HELP:
            fputs(usage_text, stdout);
            exit(0);
        default:
            fprintf(stderr, "Try 'gokata-grade --help'.\n");
            exit(2);
        }
    }
    if (optind < argc) usage_error("unexpected argument '%s'", argv[optind]);
    if (o->timeout_scale <= 0) usage_error("%s", "--timeout-scale must be above 0");
    if (o->solutions && o->nsubmissions)
        usage_error("%s", "--solutions and --submission don't go together");
    if (!o->repo) o->repo = o->home;
    if (!o->runtime_lib) o->runtime_lib = path_join(o->home, "build/runtime/libgokata.a");
    if (!o->build_dir) o->build_dir = path_join(o->home, "build/grader");
}
