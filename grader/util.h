/* Small helpers every part of the grader uses: strings, files, paths. */
#ifndef GRADER_UTIL_H
#define GRADER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation failures end the grader: there is nothing sensible to grade on. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The grader's own failure (not a learner's): print and exit with status 3. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable string. */
typedef struct {
    char *s;
    size_t len, cap;
} strbuf_t;

void sb_add(strbuf_t *b, const char *s);
void sb_addn(strbuf_t *b, const char *s, size_t n);
void sb_addf(strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf_t *b, const char *fmt, va_list ap);
char *sb_take(strbuf_t *b); /* the string (never NULL); b is emptied */

/* Files. read_head reads at most max bytes (NULL if the file can't be
 * opened); *truncated says whether there was more. */
char *read_head(const char *path, size_t max, bool *truncated);
bool file_exists(const char *path);
bool dir_exists(const char *path);
void mkdirs(const char *path, int mode); /* mkdir -p; fatal on failure */
bool copy_file(const char *from, const char *to, int mode);
void remove_tree(const char *path);
char *path_join(const char *a, const char *b);
char *abs_path(const char *path); /* realpath, fatal if missing */

/* Text. */
bool starts_with(const char *s, const char *prefix);
char *first_line(const char *s);                /* up to the first newline */
char *head_lines(const char *s, int max_lines); /* the first lines, "..." marks the cut */
char *utf8_clean(const char *s);                /* invalid bytes become U+FFFD */
char *truncate_text(const char *s, size_t max); /* at most max bytes, UTF-8 safe */

/* A 128-bit content hash (two FNV-1a 64 lanes), as 32 hex digits. */
typedef struct {
    uint64_t a, b;
} hash_t;
void hash_init(hash_t *h);
void hash_bytes(hash_t *h, const void *p, size_t n);
void hash_str(hash_t *h, const char *s); /* includes the terminator */
bool hash_file(hash_t *h, const char *path);
void hash_hex(const hash_t *h, char out[33]);

double now_s(void); /* monotonic seconds */

#endif
