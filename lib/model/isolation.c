/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "isolation.h"

#include <errno.h>

/* 32 bits of a group at bit position bit (a multiple of 32) */
static uint32_t group_of(const vp_cpuset *s, unsigned bit)
{
        return (uint32_t)(s->w[bit / 64] >> (bit % 64));
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n';
}

int vp_hexmask_parse(const char *buf, size_t len, vp_cpuset *out, unsigned *nbits, vp_error *err)
{
        size_t a = 0, b = len;
        while (a < b && blank(buf[a]))
                a++;
        while (b > a && blank(buf[b - 1]))
                b--;
        /* the text quoted in messages: at most 80 bytes of it */
        int qn = (int)(b - a < 80 ? b - a : 80);
        const char *q = buf + a;
        if (a == b)
                return vp_error_set(err, -EINVAL, "invalid CPU mask '': empty");
        /* groups are read from the last (bits 0-31) backwards, as
         * bitmap_parse does: the first group's width is only known at the
         * end otherwise */
        vp_cpuset s;
        vp_cpuset_zero(&s);
        unsigned group = 0, digits = 0;
        for (size_t i = b; i-- > a;) {
                char c = buf[i];
                if (c == ',') {
                        if (digits == 0)
                                return vp_error_set(err, -EINVAL,
                                                    "invalid CPU mask '%.*s': empty group", qn, q);
                        group++;
                        digits = 0;
                        continue;
                }
                int h = hexval(c);
                if (h < 0)
                        return vp_error_set(err, -EINVAL,
                                            "invalid CPU mask '%.*s': '%c' is not a hex digit", qn,
                                            q, c);
                if (++digits > 8)
                        return vp_error_set(
                            err, -EINVAL, "invalid CPU mask '%.*s': a group has more than 8 digits",
                            qn, q);
                if (h == 0)
                        continue;
                unsigned bit = group * 32 + (digits - 1) * 4;
                if (bit >= VP_MAX_CPUS)
                        return vp_error_set(err, -ERANGE, "invalid CPU mask '%.*s': a CPU above %u",
                                            qn, q, VP_MAX_CPUS - 1);
                s.w[bit / 64] |= (uint64_t)h << (bit % 64);
        }
        if (digits == 0)
                return vp_error_set(err, -EINVAL, "invalid CPU mask '%.*s': empty group", qn, q);
        *out = s;
        if (nbits)
                *nbits = group * 32 + digits * 4;
        return 0;
}

char *vp_hexmask_format(const vp_cpuset *s, unsigned nbits)
{
        unsigned need = (unsigned)(vp_cpuset_last(s) + 1);
        if (nbits < need)
                nbits = need;
        if (nbits == 0)
                nbits = 1;
        if (nbits > VP_MAX_CPUS)
                nbits = VP_MAX_CPUS;
        unsigned first = nbits % 32 ? nbits % 32 : 32;
        unsigned ngroups = (nbits + 31) / 32;
        vp_buf b = {0};
        for (unsigned g = ngroups; g-- > 0;) {
                if (g == ngroups - 1)
                        vp_buf_printf(&b, "%0*x", (int)((first + 3) / 4), group_of(s, g * 32));
                else
                        vp_buf_printf(&b, ",%08x", group_of(s, g * 32));
        }
        return vp_buf_take(&b);
}

bool vp_isolation_narrow(const vp_cpuset *orig, const vp_cpuset *isolated,
                         const vp_cpuset *housekeeping, vp_cpuset *out)
{
        vp_cpuset n = *orig;
        vp_cpuset_andnot(&n, isolated);
        if (vp_cpuset_empty(&n))
                n = *housekeeping;
        bool changed = !vp_cpuset_equal(&n, orig);
        *out = n;
        return changed;
}

void vp_isolation_record_add_irq(vp_isolation_record *r, unsigned irq, const vp_cpuset *orig)
{
        r->irqs = vp_xrealloc(r->irqs, (r->n_irqs + 1) * sizeof(*r->irqs));
        vp_isolation_irq *e = &r->irqs[r->n_irqs++];
        e->irq = irq;
        e->orig = (vp_cpumask){0};
        vp_cpumask_set(&e->orig, orig);
}

void vp_isolation_record_free(vp_isolation_record *r)
{
        for (size_t i = 0; i < r->n_irqs; i++)
                vp_cpumask_free(&r->irqs[i].orig);
        free(r->irqs);
        memset(r, 0, sizeof(*r));
}
