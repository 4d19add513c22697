/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the ledger tests share: uuids, a clock, temporary run dirs removed
 * at the end, cpusets by text, an entry maker and ledger comparison. Static
 * inline so that each test program takes what it uses. */
#ifndef VMPLACE_LEDGER_FIXTURE_H
#define VMPLACE_LEDGER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "ledger.h"
#include "tree.h"

/* Under valgrind everything is ~50x slower: the concurrency and crash
 * tests run smaller there (the native run is the real stress test). */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define UNDER_VALGRIND() false
#endif

#define NOW ((int64_t)1700000000)

#define U1 "11111111-2222-3333-4444-555555555555"
#define U2 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define U3 "0f0f0f0f-0000-4000-8000-123456789abc"

static char *tmpdirs[64];
static size_t n_tmpdirs;

static inline char *mkrun(void)
{
        char tmpl[] = "/tmp/vmplace-ledger-XXXXXX";
        if (!mkdtemp(tmpl)) {
                perror("mkdtemp");
                exit(1);
        }
        char *d = vp_xstrdup(tmpl);
        tmpdirs[n_tmpdirs++] = d;
        return d;
}

static inline void rm_tmpdirs(void)
{
        for (size_t i = 0; i < n_tmpdirs; i++) {
                tree_rm(tmpdirs[i]);
        }
}

static inline void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        if (!f) {
                perror(path);
                exit(1);
        }
        fputs(text, f);
        fclose(f);
}

static inline bool exists(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

static inline unsigned mode_of(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0xffffu;
}

static inline vp_cpuset cs(const char *text)
{
        vp_cpuset s;
        vp_cpuset_zero(&s);
        if (*text && vp_cpuset_parse(&s, text, VP_MAX_CPUS, NULL) < 0)
                abort();
        return s;
}

/* The ledger keeps compact masks: text as a new one, into one (freeing what
 * it held), a CPU added, and a comparison with a one-word set. */
static inline vp_cpumask cm(const char *text)
{
        vp_cpumask m = {0};
        vp_cpuset s = cs(text);
        vp_cpumask_set(&m, &s);
        return m;
}

static inline void mset(vp_cpumask *m, const char *text)
{
        vp_cpuset s = cs(text);
        vp_cpumask_set(m, &s);
}

static inline void madd(vp_cpumask *m, unsigned c)
{
        vp_cpuset s = vp_cpumask_get(m);
        vp_cpuset_set(&s, c);
        vp_cpumask_set(m, &s);
}

static inline bool meq(const vp_cpumask *m, uint64_t word0)
{
        return vp_cpumask_equal(m, &(vp_cpuset){{word0}});
}

static inline vp_ledger_entry mk(const char *name, const char *uuid, vp_entry_kind kind,
                                 const char *held, int64_t created)
{
        vp_ledger_entry e = {
            .name = vp_xstrdup(name),
            .uuid = vp_xstrdup(uuid),
            .profile = vp_xstrdup("database"),
            .matched_by = vp_xstrdup("name:db-*"),
            .state = vp_xstrdup("prepared"),
            .kind = kind,
            .held = cm(held),
            .vcpu_cpus = cm(held),
            .emulator_cpus = cm("0-1"),
            .nodes = cm("0"),
            .created = created,
            .pid = 0,
        };
        return e;
}

/* Past the cap of the previous list: n dedicated entries t0, t1...
 * (uuids 00000000-0000-0000-0000-00000000000X) put and released in turn,
 * the i-th at NOW + 100 + i. */
static inline void fill_previous(vp_ledger *l, unsigned n)
{
        for (unsigned i = 0; i < n; i++) {
                char u[37], name[16];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012x", i);
                snprintf(name, sizeof(name), "t%u", i);
                vp_ledger_entry e = mk(name, u, VP_KIND_DEDICATED, "1", NOW);
                vp_ledger_put(l, &e);
                vp_ledger_remove(l, u, NOW + 100 + i);
        }
}

static inline void add_mem(vp_ledger_entry *e, unsigned node, uint64_t kib)
{
        e->mem = vp_xrealloc(e->mem, (e->n_mem + 1) * sizeof(*e->mem));
        e->mem[e->n_mem++] = (vp_ledger_mem){.node = node, .kib = kib};
}

static inline bool str_eq(const char *a, const char *b)
{
        return a && b ? strcmp(a, b) == 0 : a == b;
}

static inline bool entry_equal(const vp_ledger_entry *a, const vp_ledger_entry *b)
{
        if (!str_eq(a->name, b->name) || !str_eq(a->uuid, b->uuid) ||
            !str_eq(a->profile, b->profile) || !str_eq(a->matched_by, b->matched_by) ||
            !str_eq(a->state, b->state) || a->kind != b->kind || a->isolated != b->isolated ||
            !vp_cpumask_same(&a->held, &b->held) ||
            !vp_cpumask_same(&a->vcpu_cpus, &b->vcpu_cpus) ||
            !vp_cpumask_same(&a->emulator_cpus, &b->emulator_cpus) ||
            !vp_cpumask_same(&a->nodes, &b->nodes) || a->n_mem != b->n_mem ||
            a->created != b->created || a->pid != b->pid || a->starter_pid != b->starter_pid ||
            a->starter_start != b->starter_start)
                return false;
        for (size_t i = 0; i < a->n_mem; i++)
                if (a->mem[i].node != b->mem[i].node || a->mem[i].kib != b->mem[i].kib)
                        return false;
        return true;
}

static inline bool ledger_equal(const vp_ledger *a, const vp_ledger *b)
{
        if (a->n != b->n || a->n_prev != b->n_prev)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (!entry_equal(&a->entries[i], &b->entries[i]))
                        return false;
        for (size_t i = 0; i < a->n_prev; i++)
                if (!str_eq(a->prev[i].uuid, b->prev[i].uuid) ||
                    !vp_cpumask_same(&a->prev[i].held, &b->prev[i].held) ||
                    !vp_cpumask_same(&a->prev[i].emulator_cpus, &b->prev[i].emulator_cpus) ||
                    a->prev[i].released != b->prev[i].released)
                        return false;
        return true;
}

#endif
