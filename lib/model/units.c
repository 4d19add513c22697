/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "units.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* The trimmed text, bounded, for messages (the input is const). */
static const char *quote(const char *s, char *buf, size_t len)
{
        while (is_blank(*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        if (n >= len) {
                snprintf(buf, len, "%.*s...", (int)(len - 4), s);
                return buf;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
        return buf;
}

/* Digits at *p into *v (saturating flag instead of wrapping), advancing *p.
 * Returns the number of digits read. */
static size_t digits(const char **p, uint64_t *v, bool *overflow)
{
        const char *q = *p;
        *v = 0;
        *overflow = false;
        while (*q >= '0' && *q <= '9') {
                unsigned d = (unsigned)(*q - '0');
                if (*v > (UINT64_MAX - d) / 10)
                        *overflow = true;
                else
                        *v = *v * 10 + d;
                q++;
        }
        size_t n = (size_t)(q - *p);
        *p = q;
        return n;
}

/* The value's first non-blank character (s NULL reads as ""); *s is set to
 * the whole value for quoting in messages. */
static const char *value_start(const char **s)
{
        if (!*s)
                *s = "";
        const char *p = *s;
        while (is_blank(*p))
                p++;
        return p;
}

int vp_parse_ll(const char *s, long long lo, long long hi, long long *out, vp_error *err)
{
        char qb[72];
        const char *p = value_start(&s);
        if (*p == '\0')
                return vp_error_set(err, -EINVAL, "empty value (expected an integer)");
        bool neg = *p == '-';
        if (neg)
                p++;
        uint64_t mag;
        bool ovf;
        if (digits(&p, &mag, &ovf) == 0)
                return vp_error_set(err, -EINVAL, "'%s' is not an integer",
                                    quote(s, qb, sizeof(qb)));
        while (is_blank(*p))
                p++;
        if (*p != '\0')
                return vp_error_set(err, -EINVAL, "'%s' is not an integer",
                                    quote(s, qb, sizeof(qb)));
        uint64_t top = (uint64_t)LLONG_MAX;
        bool fits = !ovf && (neg ? mag <= top + 1 : mag <= top);
        long long v = 0;
        if (fits)
                v = neg ? (mag == top + 1 ? LLONG_MIN : -(long long)mag) : (long long)mag;
        if (!fits || v < lo || v > hi)
                return vp_error_set(err, -ERANGE, "%s out of range (%lld..%lld)",
                                    quote(s, qb, sizeof(qb)), lo, hi);
        *out = v;
        return 0;
}

int vp_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out, vp_error *err)
{
        long long v;
        int r = vp_parse_ll(s, lo, hi, &v, err);
        if (r < 0)
                return r;
        *out = (unsigned)v;
        return 0;
}

static const struct {
        const char *name;
        unsigned shift; /* KiB << shift */
} size_units[] = {
    {"KiB", 0},
    {"MiB", 10},
    {"GiB", 20},
    {"TiB", 30},
};

int vp_parse_size_kib(const char *s, uint64_t *kib, vp_error *err)
{
        char qb[72];
        const char *p = value_start(&s);
        if (*p == '\0')
                return vp_error_set(err, -EINVAL, "empty value (expected a size)");
        if (*p == '-')
                return vp_error_set(err, -EINVAL, "'%s' is negative (expected a size)",
                                    quote(s, qb, sizeof(qb)));
        uint64_t n;
        bool ovf;
        if (digits(&p, &n, &ovf) == 0 || *p == '.' || *p == ',')
                return vp_error_set(err, -EINVAL,
                                    "'%s' is not a size (a whole number of KiB, MiB, GiB or TiB)",
                                    quote(s, qb, sizeof(qb)));
        while (is_blank(*p))
                p++;
        const char *unit = p;
        size_t ulen = strlen(unit);
        while (ulen > 0 && is_blank(unit[ulen - 1]))
                ulen--;
        unsigned shift = 0;
        if (ulen > 0) {
                size_t i;
                for (i = 0; i < VP_ARRAY_SIZE(size_units); i++)
                        if (ulen == strlen(size_units[i].name) &&
                            memcmp(unit, size_units[i].name, ulen) == 0)
                                break;
                if (i == VP_ARRAY_SIZE(size_units))
                        return vp_error_set(err, -EINVAL,
                                            "'%s': unknown unit '%.*s' (use KiB, MiB, GiB or TiB)",
                                            quote(s, qb, sizeof(qb)), (int)ulen, unit);
                shift = size_units[i].shift;
        }
        if (ovf || (shift && n > (UINT64_MAX >> shift)))
                return vp_error_set(err, -ERANGE, "'%s' is too large", quote(s, qb, sizeof(qb)));
        *kib = n << shift;
        return 0;
}

const char *vp_size_fmt(uint64_t kib, char *buf, size_t len)
{
        size_t i = VP_ARRAY_SIZE(size_units);
        while (--i > 0) {
                uint64_t mask = (1ULL << size_units[i].shift) - 1;
                if (kib && !(kib & mask))
                        break;
        }
        snprintf(buf, len, "%llu %s", (unsigned long long)(kib >> size_units[i].shift),
                 size_units[i].name);
        return buf;
}
