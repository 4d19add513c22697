/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysfs_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_blanks(const char *p, const char *end)
{
        while (p < end && is_blank(*p))
                p++;
        return p;
}

static const char *skip_spaces(const char *p, const char *end)
{
        while (p < end && is_space(*p))
                p++;
        return p;
}

/* The first line of untrusted text, bounded and printable, for messages. */
static const char *excerpt(const char *buf, size_t len, char *out, size_t outlen)
{
        size_t n = 0, i = 0;
        while (i < len && buf[i] != '\n' && n + 4 < outlen) {
                char c = buf[i++];
                out[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
        }
        if (i < len && buf[i] != '\n')
                for (int k = 0; k < 3; k++)
                        out[n++] = '.';
        out[n] = '\0';
        return out;
}

/* Unsigned decimal at *p, at most max; advances *p past the digits. */
static int take_u64(const char **p, const char *end, uint64_t max, uint64_t *out)
{
        const char *q = *p;
        if (q >= end || *q < '0' || *q > '9')
                return -EINVAL;
        uint64_t v = 0;
        while (q < end && *q >= '0' && *q <= '9') {
                unsigned d = (unsigned)(*q - '0');
                if (d > max || v > (max - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
                q++;
        }
        *p = q;
        *out = v;
        return 0;
}

int vp_sysfs_parse_cpulist(const char *buf, size_t len, vp_cpuset *out, vp_error *err)
{
        const char *p = buf, *end = buf + len;
        char ex[64];
        vp_cpuset s;
        vp_cpuset_zero(&s);

        p = skip_spaces(p, end);
        while (p < end) { /* once per item; a blank list is the empty set */
                uint64_t a, b;
                int r = take_u64(&p, end, VP_MAX_CPUS - 1, &a);
                if (r == 0 && p < end && *p == '-') {
                        p++;
                        r = take_u64(&p, end, VP_MAX_CPUS - 1, &b);
                        if (r == 0 && b < a)
                                return vp_error_set(err, -EINVAL,
                                                    "invalid CPU list '%s': range %" PRIu64
                                                    "-%" PRIu64 " is reversed",
                                                    excerpt(buf, len, ex, sizeof(ex)), a, b);
                } else {
                        b = a;
                }
                if (r == -ERANGE)
                        return vp_error_set(err, r,
                                            "invalid CPU list '%s': number above %u, the highest "
                                            "CPU vmplace handles",
                                            excerpt(buf, len, ex, sizeof(ex)), VP_MAX_CPUS - 1);
                if (r < 0)
                        return vp_error_set(
                            err, r, "invalid CPU list '%s': expected a number at offset %zu",
                            excerpt(buf, len, ex, sizeof(ex)), (size_t)(p - buf));
                for (uint64_t c = a; c <= b; c++)
                        vp_cpuset_set(&s, (unsigned)c);
                if (p < end && *p == ',') {
                        if (++p == end)
                                return vp_error_set(err, -EINVAL,
                                                    "invalid CPU list '%s': ends with ','",
                                                    excerpt(buf, len, ex, sizeof(ex)));
                        continue;
                }
                p = skip_spaces(p, end);
                if (p < end)
                        return vp_error_set(err, -EINVAL,
                                            "invalid CPU list '%s': unexpected character at "
                                            "offset %zu",
                                            excerpt(buf, len, ex, sizeof(ex)), (size_t)(p - buf));
        }
        *out = s;
        return 0;
}

enum { MI_TOTAL, MI_FREE };
static const char *const mi_keys[] = {"MemTotal", "MemFree"};

/* One meminfo line [p, end). Lines that are not MemTotal/MemFree are
 * ignored; those two are parsed strictly. */
static int meminfo_line(const char *line, const char *end, int node, uint64_t val[2], bool seen[2],
                        vp_error *err)
{
        const char *p = line;
        uint64_t line_node = 0;
        char ex[80];

        if (node >= 0) {
                if ((size_t)(end - p) < 4 || memcmp(p, "Node", 4) != 0)
                        return 0;
                p = skip_blanks(p + 4, end);
                if (take_u64(&p, end, INT_MAX, &line_node) < 0)
                        return 0;
                p = skip_blanks(p, end);
        }
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon)
                return 0;
        int k = -1;
        for (int i = 0; i < 2; i++)
                if ((size_t)(colon - p) == strlen(mi_keys[i]) &&
                    memcmp(p, mi_keys[i], (size_t)(colon - p)) == 0)
                        k = i;
        if (k < 0)
                return 0;
        if (node >= 0 && line_node != (uint64_t)node)
                return vp_error_set(err, -EINVAL, "%s line '%s' is for node %" PRIu64 ", not %d",
                                    mi_keys[k], excerpt(line, (size_t)(end - line), ex, sizeof(ex)),
                                    line_node, node);
        if (seen[k])
                return vp_error_set(err, -EINVAL, "more than one %s line", mi_keys[k]);

        p = skip_blanks(colon + 1, end);
        /* KiB that still fit in bytes: callers may convert */
        int r = take_u64(&p, end, UINT64_MAX / 1024, &val[k]);
        if (r == -ERANGE)
                return vp_error_set(err, r, "%s line '%s': value out of range", mi_keys[k],
                                    excerpt(line, (size_t)(end - line), ex, sizeof(ex)));
        const char *q = skip_blanks(p, end);
        if (r == 0 && q > p && end - q >= 2 && q[0] == 'k' && q[1] == 'B')
                q = skip_spaces(q + 2, end);
        else
                r = -EINVAL;
        if (r < 0 || q != end)
                return vp_error_set(err, -EINVAL, "bad %s line '%s': expected 'NUMBER kB'",
                                    mi_keys[k],
                                    excerpt(line, (size_t)(end - line), ex, sizeof(ex)));
        seen[k] = true;
        return 0;
}

int vp_sysfs_parse_meminfo(const char *buf, size_t len, int node, uint64_t *total_kib,
                           uint64_t *free_kib, vp_error *err)
{
        const char *end = buf + len;
        uint64_t val[2] = {0, 0};
        bool seen[2] = {false, false};

        for (const char *line = buf; line < end;) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                const char *le = nl ? nl : end;
                int r = meminfo_line(line, le, node, val, seen, err);
                if (r < 0)
                        return r;
                line = nl ? nl + 1 : end;
        }
        for (int i = 0; i < 2; i++)
                if (!seen[i])
                        return vp_error_set(err, -EINVAL, "no %s line", mi_keys[i]);
        if (val[MI_FREE] > val[MI_TOTAL])
                return vp_error_set(err, -EINVAL,
                                    "MemFree %" PRIu64 " kB exceeds MemTotal %" PRIu64 " kB",
                                    val[MI_FREE], val[MI_TOTAL]);
        *total_kib = val[MI_TOTAL];
        *free_kib = val[MI_FREE];
        return 0;
}

int vp_sysfs_parse_distance(const char *buf, size_t len, unsigned *out, size_t n, vp_error *err)
{
        const char *p = buf, *end = buf + len;
        size_t count = 0;
        char ex[80];

        p = skip_blanks(p, end);
        while (p < end && *p != '\n') {
                uint64_t v;
                int r = take_u64(&p, end, VP_MAX_DISTANCE, &v);
                if (r == -ERANGE)
                        return vp_error_set(err, r, "invalid distances '%s': value above %u",
                                            excerpt(buf, len, ex, sizeof(ex)), VP_MAX_DISTANCE);
                if (r < 0 || (p < end && !is_space(*p)))
                        return vp_error_set(err, -EINVAL,
                                            "invalid distances '%s': expected a number at offset "
                                            "%zu",
                                            excerpt(buf, len, ex, sizeof(ex)), (size_t)(p - buf));
                if (count == n)
                        return vp_error_set(err, -EINVAL,
                                            "invalid distances '%s': more than %zu values (one "
                                            "per node)",
                                            excerpt(buf, len, ex, sizeof(ex)), n);
                out[count++] = (unsigned)v;
                p = skip_blanks(p, end);
        }
        if (skip_spaces(p, end) != end)
                return vp_error_set(err, -EINVAL, "invalid distances: text after the first line");
        if (count != n)
                return vp_error_set(err, -EINVAL,
                                    "invalid distances '%s': %zu values, expected %zu (one per "
                                    "node)",
                                    excerpt(buf, len, ex, sizeof(ex)), count, n);
        return 0;
}

int vp_sysfs_parse_int(const char *buf, size_t len, int *out, vp_error *err)
{
        const char *p = buf, *end = buf + len;
        char ex[64];
        bool neg = false;
        uint64_t v;

        p = skip_spaces(p, end);
        if (p < end && *p == '-') {
                neg = true;
                p++;
        }
        int r = take_u64(&p, end, neg ? (uint64_t)INT_MAX + 1 : INT_MAX, &v);
        if (r == -ERANGE)
                return vp_error_set(err, r, "invalid number '%s': out of range",
                                    excerpt(buf, len, ex, sizeof(ex)));
        if (r < 0 || skip_spaces(p, end) != end)
                return vp_error_set(err, -EINVAL, "invalid number '%s'",
                                    excerpt(buf, len, ex, sizeof(ex)));
        *out = neg ? (int)(-(int64_t)v) : (int)v;
        return 0;
}

/* One isolcpus= or nohz_full= value [v, end). */
static int isolation_value(const char *word, const char *v, const char *end, bool isolcpus,
                           vp_cpuset *isolated, vp_cpuset *nohz_full, vp_error *err)
{
        bool domain = true, nohz = !isolcpus;
        if (isolcpus) {
                /* Flags come first, each a word of letters and '_'; any flag
                 * given replaces the default "domain". */
                bool any_flag = false, flag_domain = false, flag_nohz = false;
                while (v < end && ((*v >= 'a' && *v <= 'z') || *v == '_')) {
                        const char *f = v;
                        while (v < end && *v != ',')
                                v++;
                        size_t n = (size_t)(v - f);
                        any_flag = true;
                        flag_domain |= n == 6 && memcmp(f, "domain", 6) == 0;
                        flag_nohz |= n == 4 && memcmp(f, "nohz", 4) == 0;
                        if (v < end)
                                v++;
                }
                if (any_flag) {
                        domain = flag_domain;
                        nohz = flag_nohz;
                }
        }
        vp_cpuset s;
        vp_error sub = {0};
        int r = vp_sysfs_parse_cpulist(v, (size_t)(end - v), &s, &sub);
        if (r < 0) {
                char ex[80];
                return vp_error_set(err, r, "kernel parameter '%s': %s",
                                    excerpt(word, (size_t)(end - word), ex, sizeof(ex)), sub.msg);
        }
        if (isolcpus)
                *isolated = domain ? s : (vp_cpuset){{0}};
        if (nohz)
                *nohz_full = s;
        return 0;
}

int vp_proc_parse_cmdline_isolation(const char *buf, size_t len, vp_cpuset *isolated,
                                    vp_cpuset *nohz_full, vp_error *err)
{
        const char *p = buf, *end = buf + len;
        vp_cpuset iso, nohz;
        vp_cpuset_zero(&iso);
        vp_cpuset_zero(&nohz);
        while ((p = skip_spaces(p, end)) < end) {
                /* A word; double quotes may hold blanks (param="a b"). */
                const char *w = p;
                bool quoted = false;
                while (p < end && (quoted || !is_space(*p))) {
                        if (*p == '"')
                                quoted = !quoted;
                        p++;
                }
                size_t n = (size_t)(p - w);
                if (n == 2 && memcmp(w, "--", 2) == 0)
                        break;
                /* The kernel also takes a whole quoted word: "param=value". */
                if (n >= 2 && w[0] == '"') {
                        w++;
                        n -= 1 + (w[n - 2] == '"');
                }
                bool is_iso = n >= 9 && memcmp(w, "isolcpus=", 9) == 0;
                bool is_nohz = n >= 10 && memcmp(w, "nohz_full=", 10) == 0;
                if (!is_iso && !is_nohz)
                        continue;
                const char *v = w + (is_iso ? 9 : 10), *ve = w + n;
                if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
                        v++;
                        ve--;
                }
                int r = isolation_value(w, v, ve, is_iso, &iso, &nohz, err);
                if (r < 0)
                        return r;
        }
        *isolated = iso;
        *nohz_full = nohz;
        return 0;
}

int vp_proc_parse_stat(const char *buf, size_t len, vp_proc_stat *st, vp_error *err)
{
        const char *end = buf + len, *open = memchr(buf, '(', len), *p = NULL;
        for (const char *q = buf; q < end; q++)
                if (*q == ')')
                        p = q + 1;
        if (!open || !p || p <= open)
                return vp_error_set(err, -EINVAL, "no '(' command name ')'");
        size_t n = (size_t)(p - 1 - (open + 1));
        if (n >= sizeof(st->comm))
                n = sizeof(st->comm) - 1;
        memcpy(st->comm, open + 1, n);
        st->comm[n] = '\0';
        /* After ')': field 3 (state), 4 (ppid) ... field 22 (starttime). */
        for (int field = 3; field <= 22; field++) {
                p = skip_blanks(p, end);
                const char *f = p;
                while (p < end && !is_space(*p))
                        p++;
                if (p == f)
                        return vp_error_set(err, -EINVAL, "only %d fields", field - 1);
                if (field != 4 && field != 22)
                        continue;
                const char *q = f;
                uint64_t v;
                if (take_u64(&q, p, field == 4 ? INT_MAX : UINT64_MAX, &v) < 0 || q != p)
                        return vp_error_set(err, -EINVAL, "bad %s '%.*s'",
                                            field == 4 ? "ppid" : "starttime",
                                            (int)(p - f > 30 ? 30 : p - f), f);
                if (field == 4)
                        st->ppid = (long)v;
                else
                        st->starttime = v;
        }
        return 0;
}

int vp_proc_parse_stat_starttime(const char *buf, size_t len, uint64_t *ticks, vp_error *err)
{
        vp_proc_stat st;
        int r = vp_proc_parse_stat(buf, len, &st, err);
        if (r == 0)
                *ticks = st.starttime;
        return r;
}

int vp_proc_parse_btime(const char *buf, size_t len, int64_t *btime, vp_error *err)
{
        const char *end = buf + len;
        for (const char *line = buf; line < end;) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                const char *le = nl ? nl : end;
                if (le - line > 6 && memcmp(line, "btime", 5) == 0 && is_blank(line[5])) {
                        const char *p = skip_blanks(line + 5, le);
                        uint64_t v;
                        char ex[64];
                        if (take_u64(&p, le, INT64_MAX, &v) < 0 || skip_spaces(p, le) != le)
                                return vp_error_set(
                                    err, -EINVAL, "bad btime line '%s'",
                                    excerpt(line, (size_t)(le - line), ex, sizeof(ex)));
                        *btime = (int64_t)v;
                        return 0;
                }
                line = nl ? nl + 1 : end;
        }
        return vp_error_set(err, -EINVAL, "no btime line");
}
