/* Small shared helpers: cleanup attributes, error buffer, string and file I/O. */
#ifndef VMPLACE_UTIL_H
#define VMPLACE_UTIL_H

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void vp_freep(void *p)
{
        free(*(void **)p);
}
static inline void vp_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
static inline void vp_closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
static inline void vp_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_free_     _cleanup_(vp_freep)
#define _cleanup_fclose_   _cleanup_(vp_fclosep)
#define _cleanup_close_    _cleanup_(vp_closep)
#define _cleanup_closedir_ _cleanup_(vp_closedirp)

/* Hand ownership out of a cleanup-annotated variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _tp = (p);                                                           \
                (p) = NULL;                                                                        \
                _tp;                                                                               \
        })

#define VP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One error message travelling up the stack; functions that take one fill it
 * whenever they return a negative errno. */
typedef struct vp_error {
        char msg[1024];
} vp_error;

/* Format into err (if non-NULL) and return code (a negative errno), so callers
 * can write `return vp_error_set(err, -EINVAL, "...")`. */
int vp_error_set(vp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation that cannot fail: aborts on OOM (a hook with no memory cannot do
 * anything sensible, and partial state is worse). */
void *vp_xmalloc(size_t n);
void *vp_xcalloc(size_t n, size_t sz);
void *vp_xrealloc(void *p, size_t n);
char *vp_xstrdup(const char *s);
char *vp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growing NUL-terminated text buffer (s stays NULL until something is
 * added; the owner frees s). */
typedef struct vp_buf {
        char *s;
        size_t len, cap;
} vp_buf;
/* Room for n more bytes and the NUL (aborts on OOM like vp_xmalloc), for
 * writers that fill b->s + b->len themselves. */
void vp_buf_reserve(vp_buf *b, size_t n);
/* Append n bytes of p. */
void vp_buf_add(vp_buf *b, const char *p, size_t n);
static inline void vp_buf_str(vp_buf *b, const char *s)
{
        vp_buf_add(b, s, strlen(s));
}

/* qsort/bsearch comparator for an array of char *: strcmp of the strings
 * the elements point to. */
int vp_strp_cmp(const void *a, const void *b);

/* Strip leading and trailing whitespace in place; returns s advanced. */
char *vp_strstrip(char *s);

/* Read a whole regular file (at most max bytes; -EFBIG beyond), opened
 * without blocking: anything else (a FIFO, a device) is -EINVAL. Returns 0
 * and a NUL-terminated malloc'd buffer, or -errno (err names the path). */
int vp_read_file(const char *path, size_t max, char **out, size_t *len, vp_error *err);

/* vp_read_file for a file vmplace wrote for itself and acts on (the run
 * dir's ledger and state files): also owned by this euid and writable by
 * neither group nor others, else -EPERM naming it (vp_check_owned). */
int vp_read_owned(const char *path, size_t max, char **out, size_t *len, vp_error *err);

/* 0 when st (of path) is owned by this euid and neither group nor others may
 * write it; else -EPERM with err naming path and what is wrong. */
struct stat;
int vp_check_owned(const char *path, const struct stat *st, vp_error *err);

/* Read all of fd up to max bytes (-EFBIG beyond) into a NUL-terminated
 * malloc'd buffer. size is the file's size when fd is a regular file
 * (st_size), or -1: then it is read until a read returns 0. For a regular
 * file with a size (not procfs, which says 0) a read shorter than asked ends
 * it, so a file that did not change since its fstat takes one read(2). Returns 0 or -errno (err
 * says why, without the path). */
int vp_read_fd(int fd, long long size, size_t max, char **out, size_t *len, vp_error *err);

/* Read path when it is a file vmplace wrote for itself: a regular file
 * (not followed through a link) of this euid without group or other
 * permissions, at most max bytes. Returns 0 with *out (malloc'd,
 * NUL-terminated) and *len, or -1 when it is missing, foreign, too large or
 * unreadable: the caches (config index, ledger cache) then do without. */
int vp_read_private(const char *path, size_t max, char **out, size_t *len);

/* Read all of a stream (stdin) up to max bytes; -EFBIG beyond. */
int vp_read_stream(FILE *f, size_t max, char **out, size_t *len, vp_error *err);

/* Write data to path atomically: PATH.tmp.PID, fsync, rename. mode for new file.
 * Returns 0 or -errno. */
int vp_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode,
                         vp_error *err);

/* Create directory (and parents) with mode if missing. Returns 0 or -errno. */
int vp_mkdir_p(const char *path, unsigned mode, vp_error *err);

/* Parse a non-negative decimal integer that must fill the whole string. */
int vp_parse_u64(const char *s, uint64_t *out);

/* Length in bytes (1-4) of the valid UTF-8 sequence s starts with, or 0
 * when s[0] is NUL or starts no valid sequence (stray continuation byte,
 * truncated sequence, overlong form, surrogate, above U+10FFFF). */
size_t vp_utf8_len(const char *s);
/* true when the whole NUL-terminated s is valid UTF-8. */
bool vp_utf8_valid(const char *s);

/* Make s safe for one log or stderr line, in place: every control character
 * (a newline in a domain name would split the line) becomes '?'. Returns s. */
char *vp_one_line(char *s);

#endif
