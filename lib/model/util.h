/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small shared helpers with no I/O: cleanup attributes, the error buffer,
 * allocation, strings, UTF-8. File I/O is fileio.h. */
#ifndef VMPLACE_UTIL_H
#define VMPLACE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void vp_freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(vp_freep)

/* Hand ownership out of a cleanup-annotated variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _tp = (p);                                                           \
                (p) = NULL;                                                                        \
                _tp;                                                                               \
        })

#define VP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One error travelling up the stack: functions that take one fill it whenever
 * they return a negative errno. Declared on the stack (the hook's hot path),
 * so it holds no heap memory and needs no freeing; `vp_error err = {0}` is
 * "no error". */
typedef struct vp_error {
        /* The whole one-line message as printed, starting with where the
         * problem is when it is in a file (truncated at 1023 bytes). */
        char msg[1024];
        /* The negative errno the failing function returned; 0: no error. */
        int code;
        /* Where the problem is: msg's first where_len bytes, "FILE:LINE" or
         * "FILE"; 0 when it is about no file. A length rather than a copy:
         * the hook zeroes several of these per call (vp_error_where). */
        unsigned where_len;
} vp_error;

/* Record code, no location, and the formatted message in err (if non-NULL);
 * return code (a negative errno), so callers can write
 * `return vp_error_set(err, -EINVAL, "...")`. */
int vp_error_set(vp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As vp_error_set, about a place in a file: msg becomes "FILE:LINE: " (just
 * "FILE: " when line is 0) followed by the formatted text, and its location
 * "FILE:LINE" (or "FILE"). Returns code. */
int vp_error_at(vp_error *err, int code, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* vp_error_at from a va_list; line0 keeps a line of 0 in the text
 * ("FILE:0: ", as configuration messages read). Returns code. */
int vp_error_vat(vp_error *err, int code, const char *file, unsigned line, bool line0,
                 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Where err's problem is ("FILE:LINE", "FILE", or "" for none), copied into
 * buf of size bytes (cut to fit). Returns buf. */
const char *vp_error_where(const vp_error *err, char *buf, size_t size);

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
/* Append printf-formatted text. */
void vp_buf_printf(vp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand out b's text (malloc'd; "" when nothing was added) and empty b. */
char *vp_buf_take(vp_buf *b);
static inline void vp_buf_str(vp_buf *b, const char *s)
{
        vp_buf_add(b, s, strlen(s));
}

/* qsort/bsearch comparator for an array of char *: strcmp of the strings
 * the elements point to. */
int vp_strp_cmp(const void *a, const void *b);

/* Strip leading and trailing whitespace in place; returns s advanced. */
char *vp_strstrip(char *s);

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
