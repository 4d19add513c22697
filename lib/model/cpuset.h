/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fixed-size bitmap of CPU (or NUMA node) numbers and libvirt's cpuset
 * syntax ("0-3,8,^2"). Pure: no I/O. */
#ifndef VMPLACE_CPUSET_H
#define VMPLACE_CPUSET_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* Highest CPU number + 1 vmplace handles. Debian's NR_CPUS is 8192 but hosts
 * beyond 4096 CPUs are not a target; parse refuses larger numbers clearly. */
#define VP_MAX_CPUS     4096
#define VP_CPUSET_WORDS (VP_MAX_CPUS / 64)

typedef struct vp_cpuset {
        uint64_t w[VP_CPUSET_WORDS];
} vp_cpuset;

static inline void vp_cpuset_zero(vp_cpuset *s)
{
        for (unsigned i = 0; i < VP_CPUSET_WORDS; i++)
                s->w[i] = 0;
}
static inline void vp_cpuset_set(vp_cpuset *s, unsigned c)
{
        if (c < VP_MAX_CPUS)
                s->w[c / 64] |= 1ULL << (c % 64);
}
static inline void vp_cpuset_clear(vp_cpuset *s, unsigned c)
{
        if (c < VP_MAX_CPUS)
                s->w[c / 64] &= ~(1ULL << (c % 64));
}
static inline bool vp_cpuset_test(const vp_cpuset *s, unsigned c)
{
        return c < VP_MAX_CPUS && (s->w[c / 64] >> (c % 64)) & 1;
}

unsigned vp_cpuset_count(const vp_cpuset *s);
bool vp_cpuset_empty(const vp_cpuset *s);
bool vp_cpuset_equal(const vp_cpuset *a, const vp_cpuset *b);
/* true when every member of a is in b */
bool vp_cpuset_subset(const vp_cpuset *a, const vp_cpuset *b);
bool vp_cpuset_intersects(const vp_cpuset *a, const vp_cpuset *b);
void vp_cpuset_or(vp_cpuset *dst, const vp_cpuset *src);     /* dst |= src */
void vp_cpuset_and(vp_cpuset *dst, const vp_cpuset *src);    /* dst &= src */
void vp_cpuset_andnot(vp_cpuset *dst, const vp_cpuset *src); /* dst &= ~src */
/* First member >= from, or -1 when none. Iterate with
 * for (int c = vp_cpuset_next(s, 0); c >= 0; c = vp_cpuset_next(s, c + 1)) */
int vp_cpuset_next(const vp_cpuset *s, unsigned from);
/* Highest member, or -1 when empty. */
int vp_cpuset_last(const vp_cpuset *s);

/* Parse libvirt cpuset syntax: comma-separated items, each N, N-M or ^N
 * (exclusion applied after all inclusions, as libvirt does); surrounding
 * blanks allowed. Every number must be < limit (pass VP_MAX_CPUS when there
 * is no tighter bound). An empty string or a list that excludes everything
 * is an error. Returns 0, or -EINVAL/-ERANGE with err saying what is wrong
 * ("invalid cpuset '0-': range without end"). */
int vp_cpuset_parse(vp_cpuset *s, const char *text, unsigned limit, vp_error *err);

/* Normalised text ("0-3,8"), "" for the empty set. Returns a malloc'd string. */
char *vp_cpuset_format(const vp_cpuset *s);

/* Same into a caller buffer; returns buf (truncated output ends in "..."). */
const char *vp_cpuset_fmt(const vp_cpuset *s, char *buf, size_t len);

/* A set kept for long in numbers: its words up to the highest member only
 * (w NULL and n 0 when empty). The ledger keeps four per entry; as full
 * vp_cpusets they were 2 KiB an entry, and every page a hook touches fresh
 * costs a page fault (docs/benchmarks.md). It owns w: copy with
 * vp_cpumask_copy, release with vp_cpumask_free. Computations expand it
 * (vp_cpumask_get) or read it in place with the helpers below. */
typedef struct vp_cpumask {
        uint64_t *w;
        unsigned n;
} vp_cpumask;

/* Store s in m (what m held is freed). */
void vp_cpumask_set(vp_cpumask *m, const vp_cpuset *s);
/* m as a full set. */
vp_cpuset vp_cpumask_get(const vp_cpumask *m);
void vp_cpumask_copy(vp_cpumask *dst, const vp_cpumask *src);
void vp_cpumask_free(vp_cpumask *m);
static inline bool vp_cpumask_empty(const vp_cpumask *m)
{
        return m->n == 0;
}
bool vp_cpumask_test(const vp_cpumask *m, unsigned c);
unsigned vp_cpumask_count(const vp_cpumask *m);
/* m equals s */
bool vp_cpumask_equal(const vp_cpumask *m, const vp_cpuset *s);
/* a and b have the same members */
bool vp_cpumask_same(const vp_cpumask *a, const vp_cpumask *b);
bool vp_cpumask_intersects(const vp_cpumask *m, const vp_cpuset *s);
/* every member of m is in s */
bool vp_cpumask_subset(const vp_cpumask *m, const vp_cpuset *s);
/* dst |= m */
void vp_cpumask_or_into(vp_cpuset *dst, const vp_cpumask *m);
/* vp_cpuset_fmt of m */
const char *vp_cpumask_fmt(const vp_cpumask *m, char *buf, size_t len);

#endif
