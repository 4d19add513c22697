/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

int vp_strp_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vp_error_set(vp_error *err, int code, const char *fmt, ...)
{
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                err->code = code;
                err->where_len = 0;
        }
        return code;
}

int vp_error_vat(vp_error *err, int code, const char *file, unsigned line, bool line0,
                 const char *fmt, va_list ap)
{
        if (!err)
                return code;
        int n = line || line0 ? snprintf(err->msg, sizeof(err->msg), "%s:%u: ", file, line)
                              : snprintf(err->msg, sizeof(err->msg), "%s: ", file);
        if (n < 0)
                n = 0;
        /* the location is the prefix without its ": " (and without a ":0") */
        size_t w = line ? (n > 2 ? (size_t)n - 2 : 0) : strlen(file);
        err->where_len = (unsigned)(w < sizeof(err->msg) ? w : sizeof(err->msg) - 1);
        if ((size_t)n < sizeof(err->msg))
                vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
        err->code = code;
        return code;
}

int vp_error_at(vp_error *err, int code, const char *file, unsigned line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vp_error_vat(err, code, file, line, false, fmt, ap);
        va_end(ap);
        return code;
}

const char *vp_error_where(const vp_error *err, char *buf, size_t size)
{
        if (size == 0)
                return buf;
        size_t n = err->where_len < size ? err->where_len : size - 1;
        memcpy(buf, err->msg, n);
        buf[n] = '\0';
        return buf;
}

void *vp_xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                abort();
        return p;
}

void *vp_xcalloc(size_t n, size_t sz)
{
        void *p = calloc(n ? n : 1, sz ? sz : 1);
        if (!p)
                abort();
        return p;
}

void *vp_xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                abort();
        return p;
}

char *vp_xstrdup(const char *s)
{
        char *d = strdup(s ? s : "");
        if (!d)
                abort();
        return d;
}

char *vp_xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return s;
}

void vp_buf_reserve(vp_buf *b, size_t n)
{
        if (b->cap - b->len > n)
                return;
        size_t want = b->len + n + 1;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < want)
                cap *= 2;
        b->s = vp_xrealloc(b->s, cap);
        b->cap = cap;
}

void vp_buf_add(vp_buf *b, const char *p, size_t n)
{
        vp_buf_reserve(b, n);
        memcpy(b->s + b->len, p, n);
        b->len += n;
        b->s[b->len] = '\0';
}

void vp_buf_printf(vp_buf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        vp_buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

char *vp_buf_take(vp_buf *b)
{
        char *s = b->s ? b->s : vp_xstrdup("");
        *b = (vp_buf){0};
        return s;
}

char *vp_strstrip(char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        size_t n = strlen(s);
        while (n > 0 &&
               (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

int vp_parse_u64(const char *s, uint64_t *out)
{
        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        uint64_t v = 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                unsigned d = (unsigned)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *out = v;
        return 0;
}

size_t vp_utf8_len(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;
        if (u[0] == 0)
                return 0;
        if (u[0] < 0x80)
                return 1;
        size_t n;
        uint32_t cp, min;
        if ((u[0] & 0xE0) == 0xC0) {
                n = 2, cp = u[0] & 0x1F, min = 0x80;
        } else if ((u[0] & 0xF0) == 0xE0) {
                n = 3, cp = u[0] & 0x0F, min = 0x800;
        } else if ((u[0] & 0xF8) == 0xF0) {
                n = 4, cp = u[0] & 0x07, min = 0x10000;
        } else {
                return 0;
        }
        for (size_t i = 1; i < n; i++) {
                /* also stops at the NUL of a truncated sequence */
                if ((u[i] & 0xC0) != 0x80)
                        return 0;
                cp = cp << 6 | (u[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return n;
}

bool vp_utf8_valid(const char *s)
{
        while (*s) {
                size_t n = vp_utf8_len(s);
                if (!n)
                        return false;
                s += n;
        }
        return true;
}

char *vp_one_line(char *s)
{
        for (unsigned char *p = (unsigned char *)s; p && *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        *p = '?';
        return s;
}
