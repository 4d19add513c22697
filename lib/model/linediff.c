/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "linediff.h"

#include <string.h>

#include "util.h"

#define MAX_LINES 20000
#define CONTEXT   2

typedef struct lines {
        const char **s;
        size_t *len;
        size_t n;
} lines;

static void split(const char *t, lines *l)
{
        size_t cap = 64;
        l->s = vp_xmalloc(cap * sizeof(*l->s));
        l->len = vp_xmalloc(cap * sizeof(*l->len));
        l->n = 0;
        while (*t) {
                const char *e = strchr(t, '\n');
                size_t n = e ? (size_t)(e - t) : strlen(t);
                if (l->n == cap) {
                        cap *= 2;
                        l->s = vp_xrealloc(l->s, cap * sizeof(*l->s));
                        l->len = vp_xrealloc(l->len, cap * sizeof(*l->len));
                }
                l->s[l->n] = t;
                l->len[l->n++] = n;
                t += n + (e ? 1 : 0);
        }
}

static bool same(const lines *a, size_t i, const lines *b, size_t j)
{
        return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

static void put_line(vp_buf *o, char tag, const char *p, size_t n)
{
        vp_buf_add(o, &tag, 1);
        vp_buf_add(o, p, n);
        vp_buf_add(o, "\n", 1);
}

/* The diff body of two split texts into o. */
static void diff_lines(const lines *a, const lines *b, const char *a_name, const char *b_name,
                       vp_buf *o)
{
        /* trim common prefix/suffix, then LCS on the middle */
        size_t pre = 0;
        while (pre < a->n && pre < b->n && same(a, pre, b, pre))
                pre++;
        size_t suf = 0;
        while (suf < a->n - pre && suf < b->n - pre && same(a, a->n - 1 - suf, b, b->n - 1 - suf))
                suf++;
        size_t n = a->n - pre - suf, m = b->n - pre - suf;
        if (n == 0 && m == 0)
                return;
        unsigned *T = vp_xcalloc((n + 1) * (m + 1), sizeof(unsigned));
#define L(i, j) T[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
                for (size_t j = m; j-- > 0;)
                        L(i, j) = same(a, pre + i, b, pre + j)
                                      ? L(i + 1, j + 1) + 1
                                      : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
        /* one hunk covering the changed middle with context */
        size_t cs = pre > CONTEXT ? pre - CONTEXT : 0;
        size_t ce_a = a->n - suf + (suf > CONTEXT ? CONTEXT : suf);
        size_t ce_b = b->n - suf + (suf > CONTEXT ? CONTEXT : suf);
        char *hdr = vp_xasprintf("--- %s\n+++ %s\n@@ -%zu,%zu +%zu,%zu @@\n", a_name, b_name,
                                 cs + 1, ce_a - cs, cs + 1, ce_b - cs);
        vp_buf_add(o, hdr, strlen(hdr));
        free(hdr);
        for (size_t k = cs; k < pre; k++)
                put_line(o, ' ', a->s[k], a->len[k]);
        size_t i = 0, j = 0;
        while (i < n || j < m) {
                if (i < n && j < m && same(a, pre + i, b, pre + j)) {
                        put_line(o, ' ', a->s[pre + i], a->len[pre + i]);
                        i++, j++;
                } else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
                        /* deletions before insertions in a changed block */
                        put_line(o, '-', a->s[pre + i], a->len[pre + i]);
                        i++;
                } else {
                        put_line(o, '+', b->s[pre + j], b->len[pre + j]);
                        j++;
                }
        }
#undef L
        for (size_t k = a->n - suf; k < ce_a; k++)
                put_line(o, ' ', a->s[k], a->len[k]);
        free(T);
}

char *vp_linediff(const char *a_txt, const char *b_txt, const char *a_name, const char *b_name)
{
        lines a, b;
        split(a_txt, &a);
        split(b_txt, &b);
        vp_buf o = {0};
        vp_buf_add(&o, "", 0);
        if (a.n <= MAX_LINES && b.n <= MAX_LINES) {
                diff_lines(&a, &b, a_name, b_name, &o);
        } else if (strcmp(a_txt, b_txt) != 0) {
                char *m = vp_xasprintf("(documents differ; too long to diff: %zu and %zu lines)\n",
                                       a.n, b.n);
                vp_buf_add(&o, m, strlen(m));
                free(m);
        }
        free(a.s);
        free(a.len);
        free(b.s);
        free(b.len);
        return o.s;
}
