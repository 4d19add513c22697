/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "topocache.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs_parse.h"

#define MAGIC "vmplace-topology-cache 1\n"

static const char *const source_names[] = {"libnuma", "single", "sysfs"};

static void put_list(vp_buf *b, const vp_cpuset *s)
{
        _cleanup_free_ char *text = vp_cpuset_format(s);
        /* "-" for the empty set keeps every field a word */
        vp_buf_str(b, text[0] ? text : "-");
}

static void put_fmt(vp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(vp_buf *b, const char *fmt, ...)
{
        char tmp[128];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        vp_buf_add(b, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

char *vp_topocache_format(const vp_topology *t, vp_topo_source source, const char *key)
{
        vp_buf b = {0};
        vp_buf_reserve(&b, 256 + strlen(key) + t->n_nodes * 64 + (size_t)t->n_cpus * 64);
        vp_buf_str(&b, MAGIC);
        put_fmt(&b, "key %zu\n", strlen(key));
        vp_buf_str(&b, key);
        put_fmt(&b, "\nsource %s\nnodes %zu\n", source_names[source], t->n_nodes);
        for (size_t i = 0; i < t->n_nodes; i++) {
                const vp_node *n = &t->nodes[i];
                put_fmt(&b, "node %u cpus ", n->id);
                put_list(&b, &n->cpus);
                vp_buf_str(&b, " offline ");
                put_list(&b, &n->offline);
                vp_buf_str(&b, " distance");
                for (size_t j = 0; j < t->n_nodes; j++)
                        put_fmt(&b, "%c%u", j ? ',' : ' ', n->distance[j]);
                vp_buf_str(&b, "\n");
        }
        vp_buf_str(&b, "online ");
        put_list(&b, &t->online);
        put_fmt(&b, "\nn_cpus %u\nsmt %d\n", t->n_cpus, t->smt ? 1 : 0);
        for (unsigned c = 0; c < t->n_cpus; c++) {
                const vp_cpu *cpu = &t->cpus[c];
                put_fmt(&b, "cpu %u online %d node %d core %d package %d siblings ", c,
                        cpu->online ? 1 : 0, cpu->node, cpu->core_id, cpu->package_id);
                put_list(&b, &cpu->siblings);
                vp_buf_str(&b, "\n");
        }
        vp_buf_str(&b, "end\n");
        vp_buf_add(&b, "", 1);
        return b.s;
}

/* ---- parsing: a cursor over the lines, each split into words ---- */

enum { MAX_WORDS = 16 };

typedef struct cursor {
        char *p, *end;      /* the rest of the (writable) text */
        char *w[MAX_WORDS]; /* the current line's words, NUL-terminated in place */
        size_t n;
} cursor;

/* The next line's words (separated by single spaces); false at the end, for
 * a NUL in the line, an empty word or more than MAX_WORDS. */
static bool next_line(cursor *c)
{
        if (c->p >= c->end)
                return false;
        char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
        if (!nl || memchr(c->p, '\0', (size_t)(nl - c->p)))
                return false;
        *nl = '\0';
        c->n = 0;
        for (char *w = c->p;;) {
                char *sp = strchr(w, ' ');
                if (c->n == MAX_WORDS || (sp ? sp == w : *w == '\0'))
                        return false;
                c->w[c->n++] = w;
                if (!sp)
                        break;
                *sp = '\0';
                w = sp + 1;
        }
        c->p = nl + 1;
        return true;
}

/* Line is "NAME1 VALUE1 NAME2 VALUE2 ...": the words at even places are
 * exactly names[0..n/2). */
static bool shaped(const cursor *c, const char *const *names, size_t n)
{
        if (c->n != n)
                return false;
        for (size_t i = 0; i < n; i += 2)
                if (strcmp(c->w[i], names[i / 2]) != 0)
                        return false;
        return true;
}

/* A decimal number in [lo, hi]. */
static bool get_num(const char *s, long long lo, long long hi, long long *out)
{
        char *e;
        errno = 0;
        long long v = strtoll(s, &e, 10);
        if (e == s || *e || errno || v < lo || v > hi)
                return false;
        *out = v;
        return true;
}

static bool get_list(const char *word, vp_cpuset *out)
{
        vp_error err;
        if (strcmp(word, "-") == 0) {
                vp_cpuset_zero(out);
                return true;
        }
        return vp_sysfs_parse_cpulist(word, strlen(word), out, &err) == 0 && !vp_cpuset_empty(out);
}

/* "node ID cpus LIST offline LIST distance D,D,..." with n_nodes distances. */
static bool get_node(const cursor *c, vp_node *n, size_t n_nodes)
{
        static const char *const names[] = {"node", "cpus", "offline", "distance"};
        long long id;
        if (!shaped(c, names, 8) || !get_num(c->w[1], 0, VP_MAX_CPUS - 1, &id) ||
            !get_list(c->w[3], &n->cpus) || !get_list(c->w[5], &n->offline))
                return false;
        n->id = (unsigned)id;
        n->distance = vp_xcalloc(n_nodes, sizeof(*n->distance));
        const char *s = c->w[7];
        for (size_t j = 0; j < n_nodes; j++) {
                char *e;
                errno = 0;
                unsigned long d = strtoul(s, &e, 10);
                if (e == s || errno || d == 0 || d > VP_MAX_DISTANCE ||
                    *e != (j + 1 < n_nodes ? ',' : '\0'))
                        return false;
                n->distance[j] = (unsigned)d;
                s = e + 1;
        }
        return true;
}

/* "cpu C online O node N core K package P siblings LIST" for CPU c of t. */
static bool get_cpu(const cursor *c, unsigned num, const vp_topology *t, vp_cpu *cpu)
{
        static const char *const names[] = {"cpu", "online", "node", "core", "package", "siblings"};
        long long v[5];
        if (!shaped(c, names, 12) || !get_num(c->w[1], num, num, &v[0]) ||
            !get_num(c->w[3], 0, 1, &v[1]) || !get_num(c->w[5], -1, VP_MAX_CPUS - 1, &v[2]) ||
            !get_num(c->w[7], -1, INT32_MAX, &v[3]) || !get_num(c->w[9], -1, INT32_MAX, &v[4]) ||
            !get_list(c->w[11], &cpu->siblings) || !vp_cpuset_test(&cpu->siblings, num) ||
            (v[1] != 0) != vp_cpuset_test(&t->online, num) ||
            (v[2] >= 0 && !vp_topology_node(t, (unsigned)v[2])))
                return false;
        cpu->online = v[1] != 0;
        cpu->node = (int)v[2];
        cpu->core_id = (int)v[3];
        cpu->package_id = (int)v[4];
        return true;
}

/* A "NAME NUMBER" line with NUMBER in [lo, hi]. */
static bool get_field(cursor *c, const char *name, long long lo, long long hi, long long *out)
{
        const char *names[] = {name};
        return next_line(c) && shaped(c, names, 2) && get_num(c->w[1], lo, hi, out);
}

static int parse(cursor *c, const char *key, vp_topology *t, vp_topo_source *source)
{
        size_t klen = strlen(key);
        long long n, v;
        if ((size_t)(c->end - c->p) < strlen(MAGIC) || memcmp(c->p, MAGIC, strlen(MAGIC)) != 0)
                return -1;
        c->p += strlen(MAGIC);
        if (!get_field(c, "key", 0, (long long)klen, &n) || (size_t)n != klen ||
            (size_t)(c->end - c->p) < klen + 1 || memcmp(c->p, key, klen) != 0 ||
            c->p[klen] != '\n')
                return -1;
        c->p += klen + 1;
        static const char *const source_name[] = {"source"};
        if (!next_line(c) || !shaped(c, source_name, 2))
                return -1;
        size_t s = 0;
        while (s < VP_ARRAY_SIZE(source_names) && strcmp(c->w[1], source_names[s]) != 0)
                s++;
        if (s == VP_ARRAY_SIZE(source_names))
                return -1;
        *source = (vp_topo_source)s;
        if (!get_field(c, "nodes", 1, VP_MAX_CPUS, &n))
                return -1;
        t->nodes = vp_xcalloc((size_t)n, sizeof(*t->nodes));
        t->n_nodes = (size_t)n;
        for (size_t i = 0; i < t->n_nodes; i++)
                if (!next_line(c) || !get_node(c, &t->nodes[i], t->n_nodes) ||
                    (i > 0 && t->nodes[i].id <= t->nodes[i - 1].id))
                        return -1;
        static const char *const online_name[] = {"online"};
        if (!next_line(c) || !shaped(c, online_name, 2) || !get_list(c->w[1], &t->online) ||
            vp_cpuset_empty(&t->online) || !get_field(c, "n_cpus", 1, VP_MAX_CPUS, &n) ||
            n != vp_cpuset_last(&t->online) + 1 || !get_field(c, "smt", 0, 1, &v))
                return -1;
        t->n_cpus = (unsigned)n;
        t->smt = v != 0;
        t->cpus = vp_xcalloc(t->n_cpus, sizeof(*t->cpus));
        for (unsigned i = 0; i < t->n_cpus; i++)
                if (!next_line(c) || !get_cpu(c, i, t, &t->cpus[i]))
                        return -1;
        if (!next_line(c) || c->n != 1 || strcmp(c->w[0], "end") != 0 || c->p != c->end)
                return -1;
        return 0;
}

int vp_topocache_parse(const char *text, size_t len, const char *key, vp_topology **out,
                       vp_topo_source *source)
{
        *out = NULL;
        /* the words are cut in place: a copy */
        _cleanup_free_ char *copy = vp_xmalloc(len + 1);
        memcpy(copy, text, len);
        copy[len] = '\0';
        cursor c = {.p = copy, .end = copy + len};
        vp_topology *t = vp_xcalloc(1, sizeof(*t));
        int r = parse(&c, key, t, source);
        if (r < 0) {
                vp_topology_free(t);
                return -1;
        }
        *out = t;
        return 0;
}
