/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpuset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

unsigned vp_cpuset_count(const vp_cpuset *s)
{
        unsigned n = 0;
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                n += (unsigned)__builtin_popcountll(s->w[i]);
        return n;
}

bool vp_cpuset_empty(const vp_cpuset *s)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                if (s->w[i])
                        return false;
        return true;
}

bool vp_cpuset_equal(const vp_cpuset *a, const vp_cpuset *b)
{
        return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

bool vp_cpuset_subset(const vp_cpuset *a, const vp_cpuset *b)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                if (a->w[i] & ~b->w[i])
                        return false;
        return true;
}

bool vp_cpuset_intersects(const vp_cpuset *a, const vp_cpuset *b)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                if (a->w[i] & b->w[i])
                        return true;
        return false;
}

void vp_cpuset_or(vp_cpuset *dst, const vp_cpuset *src)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                dst->w[i] |= src->w[i];
}

void vp_cpuset_and(vp_cpuset *dst, const vp_cpuset *src)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                dst->w[i] &= src->w[i];
}

void vp_cpuset_andnot(vp_cpuset *dst, const vp_cpuset *src)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                dst->w[i] &= ~src->w[i];
}

int vp_cpuset_next(const vp_cpuset *s, unsigned from)
{
        for (unsigned i = from / 64; i < VP_CPUSET_WORDS; i++) {
                uint64_t w = s->w[i];
                if (i == from / 64)
                        w &= ~0ULL << (from % 64);
                if (w)
                        return (int)(i * 64 + (unsigned)__builtin_ctzll(w));
        }
        return -1;
}

int vp_cpuset_last(const vp_cpuset *s)
{
        for (unsigned i = VP_CPUSET_WORDS; i-- > 0;)
                if (s->w[i])
                        return (int)(i * 64 + 63 - (unsigned)__builtin_clzll(s->w[i]));
        return -1;
}

static const char *skip_blank(const char *p)
{
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* Parse one decimal number at *p (no sign), advancing *p. */
static int parse_num(const char **p, unsigned limit, unsigned *out)
{
        const char *q = *p;
        if (*q < '0' || *q > '9')
                return -EINVAL;
        unsigned long v = 0;
        while (*q >= '0' && *q <= '9') {
                v = v * 10 + (unsigned long)(*q - '0');
                if (v >= limit || v >= VP_MAX_CPUS)
                        return -ERANGE;
                q++;
        }
        *p = q;
        *out = (unsigned)v;
        return 0;
}

int vp_cpuset_parse(vp_cpuset *s, const char *text, unsigned limit, vp_error *err)
{
        vp_cpuset inc, exc;
        vp_cpuset_zero(&inc);
        vp_cpuset_zero(&exc);
        if (!text)
                text = "";
        const char *p = skip_blank(text);
        if (*p == '\0')
                return vp_error_set(err, -EINVAL, "empty cpuset");
        for (;;) {
                p = skip_blank(p);
                bool neg = false;
                if (*p == '^') {
                        neg = true;
                        p = skip_blank(p + 1);
                }
                unsigned a, b;
                int r = parse_num(&p, limit, &a);
                if (r == -ERANGE)
                        return vp_error_set(err, r,
                                            "invalid cpuset '%s': number out of range (max %u)",
                                            text, (limit < VP_MAX_CPUS ? limit : VP_MAX_CPUS) - 1);
                if (r < 0)
                        return vp_error_set(
                            err, r, "invalid cpuset '%s': expected a number at '%s'", text, p);
                b = a;
                p = skip_blank(p);
                if (*p == '-') {
                        if (neg)
                                return vp_error_set(
                                    err, -EINVAL, "invalid cpuset '%s': '^' takes a single number",
                                    text);
                        p = skip_blank(p + 1);
                        r = parse_num(&p, limit, &b);
                        if (r == -ERANGE)
                                return vp_error_set(
                                    err, r, "invalid cpuset '%s': number out of range (max %u)",
                                    text, (limit < VP_MAX_CPUS ? limit : VP_MAX_CPUS) - 1);
                        if (r < 0)
                                return vp_error_set(err, r,
                                                    "invalid cpuset '%s': range without end", text);
                        if (b < a)
                                return vp_error_set(err, -EINVAL,
                                                    "invalid cpuset '%s': range %u-%u is reversed",
                                                    text, a, b);
                        p = skip_blank(p);
                }
                for (unsigned c = a; c <= b; c++)
                        vp_cpuset_set(neg ? &exc : &inc, c);
                if (*p == '\0')
                        break;
                if (*p != ',')
                        return vp_error_set(err, -EINVAL, "invalid cpuset '%s': unexpected '%c'",
                                            text, *p);
                p++;
        }
        vp_cpuset_andnot(&inc, &exc);
        if (vp_cpuset_empty(&inc))
                return vp_error_set(err, -EINVAL, "invalid cpuset '%s': selects nothing", text);
        *s = inc;
        return 0;
}

/* The first CPU at or after from that is not in s (VP_MAX_CPUS if none). */
static unsigned next_clear(const vp_cpuset *s, unsigned from)
{
        for (unsigned i = from / 64; i < VP_CPUSET_WORDS; i++) {
                uint64_t w = ~s->w[i];
                if (i == from / 64)
                        w &= ~0ULL << (from % 64);
                if (w)
                        return i * 64 + (unsigned)__builtin_ctzll(w);
        }
        return VP_MAX_CPUS;
}

/* Decimal digits of v at p, returning the end. */
static char *put_uint(char *p, unsigned v)
{
        char tmp[12];
        size_t n = 0;
        do
                tmp[n++] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        while (n > 0)
                *p++ = tmp[--n];
        return p;
}

/* Word-at-a-time and without stdio: the ledger and plan files format a few
 * hundred sets on every hook call. */
const char *vp_cpuset_fmt(const vp_cpuset *s, char *buf, size_t len)
{
        size_t off = 0;
        if (len == 0)
                return buf;
        buf[0] = '\0';
        for (int c = vp_cpuset_next(s, 0); c >= 0;) {
                unsigned e = next_clear(s, (unsigned)c) - 1;
                char piece[32], *p = piece;
                if (off)
                        *p++ = ',';
                p = put_uint(p, (unsigned)c);
                if (e > (unsigned)c) {
                        *p++ = '-';
                        p = put_uint(p, e);
                }
                size_t n = (size_t)(p - piece);
                if (n >= len - off) {
                        /* as snprintf would truncate, then mark it */
                        memcpy(buf + off, piece, len - off - 1);
                        buf[len - 1] = '\0';
                        if (len >= 4)
                                strcpy(buf + len - 4, "...");
                        return buf;
                }
                memcpy(buf + off, piece, n);
                off += n;
                buf[off] = '\0';
                c = e + 1 < VP_MAX_CPUS ? vp_cpuset_next(s, e + 1) : -1;
        }
        return buf;
}

char *vp_cpuset_format(const vp_cpuset *s)
{
        /* most sets fit a small buffer; else the worst case: every other
         * CPU, up to 5 chars each */
        char small[256];
        vp_cpuset_fmt(s, small, sizeof(small));
        size_t n = strlen(small);
        if (n < sizeof(small) - 4)
                return vp_xstrdup(small);
        size_t len = (size_t)vp_cpuset_count(s) * 6 + 1;
        char *buf = vp_xmalloc(len);
        vp_cpuset_fmt(s, buf, len);
        return buf;
}

void vp_cpumask_set(vp_cpumask *m, const vp_cpuset *s)
{
        int last = vp_cpuset_last(s);
        unsigned n = last < 0 ? 0 : (unsigned)last / 64 + 1;
        free(m->w);
        m->w = n ? vp_xmalloc(n * sizeof(uint64_t)) : NULL;
        m->n = n;
        for (unsigned i = 0; i < n; i++)
                m->w[i] = s->w[i];
}

vp_cpuset vp_cpumask_get(const vp_cpumask *m)
{
        vp_cpuset s = {{0}};
        for (unsigned i = 0; i < m->n && i < VP_CPUSET_WORDS; i++)
                s.w[i] = m->w[i];
        return s;
}

void vp_cpumask_copy(vp_cpumask *dst, const vp_cpumask *src)
{
        dst->n = src->n;
        dst->w = src->n ? vp_xmalloc(src->n * sizeof(uint64_t)) : NULL;
        for (unsigned i = 0; i < src->n; i++)
                dst->w[i] = src->w[i];
}

void vp_cpumask_free(vp_cpumask *m)
{
        free(m->w);
        m->w = NULL;
        m->n = 0;
}

unsigned vp_cpumask_count(const vp_cpumask *m)
{
        unsigned n = 0;
        for (unsigned i = 0; i < m->n; i++)
                n += (unsigned)__builtin_popcountll(m->w[i]);
        return n;
}

bool vp_cpumask_test(const vp_cpumask *m, unsigned c)
{
        return c / 64 < m->n && (m->w[c / 64] >> (c % 64)) & 1;
}

bool vp_cpumask_equal(const vp_cpumask *m, const vp_cpuset *s)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                if ((i < m->n ? m->w[i] : 0) != s->w[i])
                        return false;
        return true;
}

bool vp_cpumask_same(const vp_cpumask *a, const vp_cpumask *b)
{
        unsigned n = a->n > b->n ? a->n : b->n;
        for (unsigned i = 0; i < n; i++)
                if ((i < a->n ? a->w[i] : 0) != (i < b->n ? b->w[i] : 0))
                        return false;
        return true;
}

bool vp_cpumask_intersects(const vp_cpumask *m, const vp_cpuset *s)
{
        for (unsigned i = 0; i < m->n && i < VP_CPUSET_WORDS; i++)
                if (m->w[i] & s->w[i])
                        return true;
        return false;
}

bool vp_cpumask_subset(const vp_cpumask *m, const vp_cpuset *s)
{
        for (unsigned i = 0; i < m->n; i++)
                if (m->w[i] & ~(i < VP_CPUSET_WORDS ? s->w[i] : 0))
                        return false;
        return true;
}

void vp_cpumask_or_into(vp_cpuset *dst, const vp_cpumask *m)
{
        for (unsigned i = 0; i < m->n && i < VP_CPUSET_WORDS; i++)
                dst->w[i] |= m->w[i];
}

const char *vp_cpumask_fmt(const vp_cpumask *m, char *buf, size_t len)
{
        vp_cpuset s = vp_cpumask_get(m);
        return vp_cpuset_fmt(&s, buf, len);
}
