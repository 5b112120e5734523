/*
 * Finding the katas and reading their metadata.
 *
 * tests/katas/NN-name/kata.json is the one place that says what a kata is
 * worth: its tests (every one, in order, so that a test missing from a run
 * is noticed and the maximum score is known even when nothing compiles),
 * their points and time limits, and which files a learner edits. Schema in
 * grader/README.md.
 */
#include "kata.h"

#include <ctype.h>
#include <dirent.h>
#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { DEFAULT_LIMIT_S = 10 };

static bool is_identifier(const char *s)
{
    if (!*s || isdigit((unsigned char)*s)) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

/* A learner file: a plain name or a relative path that stays inside the kata. */
static bool is_safe_relative(const char *s)
{
    if (!*s || *s == '/') return false;
    for (const char *p = s; *p; p++)
        if (p[0] == '.' && p[1] == '.' && (p == s || p[-1] == '/')) return false;
    return true;
}

static const char *get_string(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* A positive number of seconds, or 0 when the key is absent; -1 if invalid. */
static double get_seconds(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) return 0;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return -1;
    double d = json_object_get_double(v);
    return d > 0 ? d : -1;
}

/* One entry of "tests": "name" or {"name": ..., "points": N, "timeout": S}. */
static char *parse_test(json_object *t, test_spec_t *spec)
{
    *spec = (test_spec_t){.points = 1};
    const char *name = NULL;
    if (json_object_is_type(t, json_type_string)) {
        name = json_object_get_string(t);
    } else if (json_object_is_type(t, json_type_object)) {
        name = get_string(t, "name");
        json_object *p;
        if (json_object_object_get_ex(t, "points", &p)) {
            if (!json_object_is_type(p, json_type_int) || json_object_get_int(p) < 0)
                return xasprintf("test \"%s\": points must be a whole number >= 0",
                                 name ? name : "?");
            spec->points = json_object_get_int(p);
        }
        spec->limit_s = get_seconds(t, "timeout");
        if (spec->limit_s < 0)
            return xasprintf("test \"%s\": timeout must be a positive number of seconds",
                             name ? name : "?");
    }
    if (!name || !is_identifier(name))
        return xstrdup("each test is a START_TEST name, or an object with one in \"name\"");
    spec->name = xstrdup(name);
    return NULL;
}

/* Fill k from the parsed kata.json; return an error message or NULL. */
static char *parse_kata(json_object *root, kata_t *k)
{
    if (!json_object_is_type(root, json_type_object)) return xstrdup("not a JSON object");
    const char *name = get_string(root, "name"), *title = get_string(root, "title");
    if (!name || !is_identifier(name)) return xstrdup("\"name\" must be the kata's short name");
    k->name = xstrdup(name);
    k->title = xstrdup(title ? title : name);

    json_object *files, *tests;
    if (!json_object_object_get_ex(root, "files", &files) ||
        !json_object_is_type(files, json_type_array) || json_object_array_length(files) == 0)
        return xstrdup("\"files\" must list the file(s) a learner edits");
    k->nfiles = (int)json_object_array_length(files);
    k->files = xcalloc((size_t)k->nfiles, sizeof *k->files);
    for (int i = 0; i < k->nfiles; i++) {
        json_object *f = json_object_array_get_idx(files, (size_t)i);
        if (!json_object_is_type(f, json_type_string) ||
            !is_safe_relative(json_object_get_string(f)))
            return xstrdup("\"files\" entries must be paths inside the kata's directory");
        k->files[i] = xstrdup(json_object_get_string(f));
    }

    k->limit_s = get_seconds(root, "timeout");
    if (k->limit_s < 0) return xstrdup("\"timeout\" must be a positive number of seconds");
    if (k->limit_s == 0) k->limit_s = DEFAULT_LIMIT_S;

    if (!json_object_object_get_ex(root, "tests", &tests) ||
        !json_object_is_type(tests, json_type_array) || json_object_array_length(tests) == 0)
        return xstrdup("\"tests\" must list every test of the kata");
    k->ntests = (int)json_object_array_length(tests);
    k->tests = xcalloc((size_t)k->ntests, sizeof *k->tests);
    for (int i = 0; i < k->ntests; i++) {
        char *err = parse_test(json_object_array_get_idx(tests, (size_t)i), &k->tests[i]);
        if (err) return err;
        if (k->tests[i].limit_s == 0) k->tests[i].limit_s = k->limit_s;
        for (int j = 0; j < i; j++)
            if (!strcmp(k->tests[j].name, k->tests[i].name))
                return xasprintf("test \"%s\" is listed twice", k->tests[i].name);
        k->max_points += k->tests[i].points;
    }
    return NULL;
}

/* Parse a JSON file, or say why not in words a kata author can act on. */
static json_object *read_json(const char *path, char **err)
{
    bool truncated;
    char *text = read_head(path, 1 << 20, &truncated);
    if (!text) {
        *err = xstrdup("missing (every kata needs one)");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, text, (int)strlen(text));
    enum json_tokener_error e = json_tokener_get_error(tok);
    if (!root && e == json_tokener_continue)
        *err = xstrdup("the JSON ends too early (a missing } or ]?)");
    else if (!root)
        *err = xasprintf("invalid JSON at byte %zu: %s", json_tokener_get_parse_end(tok),
                         json_tokener_error_desc(e));
    json_tokener_free(tok);
    free(text);
    return root;
}

static void load_one(const char *dir, const char *id, kata_t *k)
{
    *k = (kata_t){.id = xstrdup(id)};
    char *path = path_join(dir, "kata.json");
    char *err = NULL;
    json_object *root = read_json(path, &err);
    if (root) err = parse_kata(root, k);
    if (err) {
        kata_t broken = {.id = k->id,
                         .name = xstrdup(id),
                         .title = xstrdup(id),
                         .error = xasprintf("%s: %s", path, err)};
        *k = broken;
        free(err);
    }
    json_object_put(root);
    free(path);
}

static bool is_kata_id(const char *s)
{
    return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == '-' && s[3];
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const kata_t *)a)->id, ((const kata_t *)b)->id);
}

kata_t *katas_load(const char *repo, int *n)
{
    char *root = path_join(repo, "tests/katas");
    DIR *d = opendir(root);
    kata_t *katas = NULL;
    *n = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            char *dir = path_join(root, e->d_name);
            if (is_kata_id(e->d_name) && dir_exists(dir)) {
                katas = xrealloc(katas, sizeof *katas * (size_t)(*n + 1));
                load_one(dir, e->d_name, &katas[(*n)++]);
            }
            free(dir);
        }
        closedir(d);
    }
    free(root);
    if (*n) qsort(katas, (size_t)*n, sizeof *katas, by_id);
    return katas;
}

bool kata_matches(const kata_t *k, const char *word)
{
    if (!strcmp(word, k->id) || (k->name && !strcmp(word, k->name))) return true;
    char *end;
    long num = strtol(word, &end, 10);
    return *word && !*end && num == strtol(k->id, NULL, 10);
}
