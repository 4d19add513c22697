/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading from files (lib/io/configfile.c): the shipped good tree with
 * every key, all problems reported in file and line order, permissions. */
#include "conftest.h"

/* ---- the shipped tree ---- */

static void test_good_tree(void)
{
        const char *data = getenv("VMPLACE_TEST_DATA");
        char *dir = vp_xasprintf("%s/config/good", data ? data : "data");
        vp_config *c = NULL;
        vp_diag d = {0};
        int r = vp_config_load(dir, false, &c, &d);
        is_int(r, 0, "good tree loads");
        no_problems(&d, "good tree: no errors, no warnings");
        if (!c) {
                free(dir);
                vp_diag_free(&d);
                return;
        }
        is_str(c->confdir, dir, "confdir kept");

        const vp_host_config *h = &c->host;
        char *hp = vp_xasprintf("%s/vmplace.ini", dir);
        is_str(h->path, hp, "host path");
        free(hp);
        ok(h->reserved_set && h->dedicated_set && h->shared_set, "host cpusets set");
        is_str(fmt(&h->reserved_cpus), "0-1", "reserved_cpus");
        is_str(fmt(&h->dedicated_cpus), "2-11,13-23", "dedicated_cpus");
        is_str(fmt(&h->shared_cpus), "12-15", "shared_cpus");
        ok(h->reserved_memory_kib == 1048576, "reserved_memory = 1GiB");
        is_str(h->default_profile, "general", "default_profile");
        is_int(h->on_error, VP_ONERR_WARN, "host on_error");
        is_int(h->strategy, VP_STRAT_PACK, "host strategy");

        is_int(c->n_profiles, 4, "four profiles");
        const char *order[] = {"analytics", "base", "database", "general"};
        for (size_t i = 0; i < 4 && i < c->n_profiles; i++)
                is_str(c->profiles[i].name, order[i], "profile %zu sorted by name", i);

        const vp_profile *b = vp_config_profile(c, "base");
        ok(b != NULL, "base found");
        if (b) {
                char *bp = vp_xasprintf("%s/profiles.d/base.ini", dir);
                is_str(b->path, bp, "profile path");
                free(bp);
                is_int(b->n_names, 0, "base: no names");
                ok(b->metadata == NULL && !b->priority_set && b->include == NULL,
                   "base: no metadata, priority or include");
                is_str(b->description, "Base settings shared by all classes", "base description");
                is_int(b->on_error, VP_ONERR_REFUSE, "base on_error");
                ok(!b->tune.q[VP_T_SHARES].set, "base: shares not set");
                ok(b->tune.q[VP_T_GLOBAL_QUOTA].set && b->tune.q[VP_T_GLOBAL_QUOTA].v == -1,
                   "base global_quota -1");
                is_int(b->numa_nodes, 1, "base numa_nodes");
                is_int(b->cpu_policy, VP_CPU_UNSET, "base cpu_policy unset");
                is_int(b->cells_kind, VP_CELLS_UNSET, "base cells unset");
        }

        const vp_profile *db = vp_config_profile(c, "database");
        ok(db != NULL, "database found");
        if (db) {
                const vp_tune *t = &db->tune;
                is_int(db->n_names, 2, "database: two globs");
                if (db->n_names == 2) {
                        is_str(db->names[0], "db-*", "glob 0 trimmed");
                        is_str(db->names[1], "pg-??", "glob 1 trimmed");
                }
                is_str(db->metadata, "database", "metadata");
                ok(db->priority_set && db->priority == 10, "priority 10");
                is_str(db->include, "base", "include");
                is_str(db->description, "Latency-critical databases", "description overrides");
                is_int(db->on_error, VP_ONERR_REFUSE, "on_error inherited from base");
                const long long want[VP_T__COUNT] = {
                    [VP_T_SHARES] = 2048,          [VP_T_GLOBAL_PERIOD] = 100000,
                    [VP_T_GLOBAL_QUOTA] = -1,      [VP_T_VCPU_PERIOD] = 100000,
                    [VP_T_VCPU_QUOTA] = 50000,     [VP_T_EMULATOR_PERIOD] = 100000,
                    [VP_T_EMULATOR_QUOTA] = 20000, [VP_T_IOTHREAD_PERIOD] = 100000,
                    [VP_T_IOTHREAD_QUOTA] = -1,
                };
                for (int i = 0; i < VP_T__COUNT; i++)
                        ok(t->q[i].set && t->q[i].v == want[i], "database %s = %lld",
                           vp_tune_scalar_names[i], want[i]);
                ok(t->vcpu_cpuset_set, "vcpus set");
                is_str(fmt(&t->vcpu_cpuset), "1-2", "vcpus");
                is_int(t->n_vcpupin, 2, "two vcpupins");
                is_str(pin(t->vcpupin, t->n_vcpupin, 0), "8", "vcpupin.0");
                is_str(pin(t->vcpupin, t->n_vcpupin, 1), "16", "vcpupin.1");
                ok(t->emulatorpin_set, "emulatorpin set");
                is_str(fmt(&t->emulatorpin), "0,2-3", "emulatorpin 0-3,^1");
                is_int(t->n_iothreadpin, 2, "two iothreadpins");
                is_str(pin(t->iothreadpin, t->n_iothreadpin, 1), "4", "iothreadpin.1");
                is_str(pin(t->iothreadpin, t->n_iothreadpin, 2), "5-6", "iothreadpin.2");
                is_int(db->cpu_policy, VP_CPU_DEDICATED, "cpu_policy");
                is_int(db->thread_policy, VP_THREAD_PREFER, "thread_policy");
                is_int(db->emulator_policy, VP_EMU_ISOLATE, "emulator_policy");
                is_int(db->numa_nodes, 2, "numa_nodes overrides base");
                is_int(db->strategy, VP_STRAT_SPREAD, "strategy");
                is_int(t->mem_mode, VP_MEM_STRICT, "numatune mode");
                is_int(db->nodeset_kind, VP_NODESET_AUTO, "nodeset auto");
                ok(!t->nodeset_set, "auto nodeset carries no list");
                is_int(t->n_memnodes, 2, "two memnodes");
                if (t->n_memnodes == 2) {
                        ok(t->memnodes[0].cellid == 0 && t->memnodes[0].mode == VP_MEM_STRICT &&
                               t->memnodes[0].nodeset_set,
                           "memnode 0 strict");
                        is_str(fmt(&t->memnodes[0].nodeset), "0", "memnode 0 nodeset");
                        ok(t->memnodes[1].cellid == 1 && t->memnodes[1].mode == VP_MEM_PREFERRED &&
                               t->memnodes[1].nodeset_set,
                           "memnode 1 preferred");
                        is_str(fmt(&t->memnodes[1].nodeset), "1", "memnode 1 nodeset");
                }
                is_int(db->cells_kind, VP_CELLS_AUTO, "cells auto");
                is_int(t->n_cells, 0, "no explicit cells");
        }

        const vp_profile *an = vp_config_profile(c, "analytics");
        ok(an != NULL, "analytics found");
        if (an) {
                const vp_tune *t = &an->tune;
                ok(an->n_names == 1 && !strcmp(an->names[0], "olap-*"), "analytics names");
                is_str(an->metadata, "analytics", "analytics metadata");
                ok(an->priority == 5, "analytics priority");
                is_str(an->include, "database", "analytics include");
                is_int(an->on_error, VP_ONERR_WARN, "analytics on_error");
                ok(t->q[VP_T_SHARES].v == 4096, "shares overrides");
                ok(t->q[VP_T_GLOBAL_QUOTA].v == 800000, "global_quota overrides base via chain");
                ok(t->q[VP_T_VCPU_QUOTA].v == 50000, "vcpu_quota from database");
                ok(t->q[VP_T_IOTHREAD_QUOTA].v == -1, "iothread_quota from base (3 levels)");
                is_str(pin(t->vcpupin, t->n_vcpupin, 0), "8", "vcpupin.0 inherited per id");
                is_str(pin(t->vcpupin, t->n_vcpupin, 1), "17", "vcpupin.1 overridden per id");
                is_int(an->cpu_policy, VP_CPU_DEDICATED, "cpu_policy inherited");
                is_int(an->thread_policy, VP_THREAD_ISOLATE, "thread_policy isolate");
                is_int(an->emulator_policy, VP_EMU_SHARE, "emulator_policy share");
                is_int(an->numa_nodes, 2, "numa_nodes inherited");
                is_int(t->mem_mode, VP_MEM_INTERLEAVE, "mode interleave");
                is_int(an->nodeset_kind, VP_NODESET_LIST, "nodeset list");
                ok(t->nodeset_set, "nodeset_set");
                is_str(fmt(&t->nodeset), "0-1", "nodeset 0-1");
                is_int(t->n_memnodes, 2, "memnodes inherited");
                is_int(an->cells_kind, VP_CELLS_EXPLICIT, "explicit cells replace cells=auto");
                is_int(t->n_cells, 2, "two cells");
                if (t->n_cells == 2) {
                        ok(t->cells[0].id == 0 && t->cells[0].cpus_set && t->cells[0].memory_set &&
                               t->cells[0].memory_kib == 8ULL * 1024 * 1024,
                           "cell 0: 8GiB");
                        is_str(fmt(&t->cells[0].cpus), "0-3", "cell 0 cpus");
                        ok(t->cells[1].id == 1 && t->cells[1].memory_kib == 8ULL * 1024 * 1024,
                           "cell 1: '8 GiB'");
                        is_str(fmt(&t->cells[1].cpus), "4-7", "cell 1 cpus");
                }
        }

        const vp_profile *g = vp_config_profile(c, "general");
        ok(g != NULL, "general found");
        if (g) {
                ok(g->n_names == 1 && !strcmp(g->names[0], "*") && g->priority == -100,
                   "general: catch-all with negative priority");
                is_int(g->cpu_policy, VP_CPU_SHARED, "general cpu_policy shared");
                is_int(g->strategy, VP_STRAT_PACK, "general strategy pack");
                is_int(g->tune.mem_mode, VP_MEM_PREFERRED, "general mode preferred");
                is_int(g->cells_kind, VP_CELLS_NONE, "general cells none");
                ok(g->tune.q[VP_T_VCPU_QUOTA].v == 200000, "general vcpu_quota");
        }
        ok(vp_config_profile(c, "nosuch") == NULL && vp_config_profile(c, NULL) == NULL,
           "profile lookup misses");

        char *by = NULL;
        const vp_profile *m = vp_config_match(c, "db-1", NULL, &by);
        ok(m == db, "db-1 -> database");
        is_str(by, "name:db-*", "matched by db-*");
        free(by);
        m = vp_config_match(c, "pg-12", NULL, &by);
        ok(m == db, "pg-12 -> database");
        is_str(by, "name:pg-??", "matched by pg-??");
        free(by);
        m = vp_config_match(c, "olap-7", "database", &by);
        ok(m == db, "metadata beats a name match");
        is_str(by, "metadata", "matched by metadata");
        free(by);
        m = vp_config_match(c, "web-1", NULL, &by);
        ok(m == g, "catch-all glob");
        is_str(by, "name:*", "matched by *");
        free(by);

        vp_config_free(c);
        vp_diag_free(&d);
        free(dir);
}

/* Everything in one tree: all problems are reported, in file and line order. */
static void test_all_reported(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "vmplace.ini", "[host]\nstrategy = fill\nreserved_cpus = x\n");
        put(t.dir, "profiles.d/b.ini", "[cputune]\nshares = 1\nvcpu_quota = 0\n");
        put(t.dir, "profiles.d/a.ini", "[cputune]\nshares = 1\n[bogus]\n");
        load(&t, false);
        is_int(t.r, -EINVAL, "invalid");
        is_int(t.d.n_errors, 6, "six errors");
        if (t.d.n_errors == 6) {
                like(t.d.errors[0].msg, "vmplace.ini:2: strategy", "host first");
                like(t.d.errors[1].msg, "vmplace.ini:3: reserved_cpus", "then by line");
                like(t.d.errors[2].msg, "profiles.d/a.ini:2: shares", "profiles by name");
                like(t.d.errors[3].msg, "profiles.d/a.ini:3: unknown section [bogus]", "a line 3");
                like(t.d.errors[4].msg, "profiles.d/b.ini:2: shares", "b line 2");
                like(t.d.errors[5].msg, "profiles.d/b.ini:3: vcpu_quota", "b line 3");
                /* each is a vp_error: the errno and the place, apart from the text */
                char *w = at(&t, "profiles.d/b.ini:3");
                is_str(WHERE(t.d.errors[5]), w, "where: FILE:LINE");
                free(w);
                is_int(t.d.errors[5].code, -EINVAL, "code: -EINVAL for a bad value");
        }
        /* an error in an included profile is reported once, at its own line */
        tree_done(&t);
        t = (tree){.dir = mktree()};
        put(t.dir, "profiles.d/base.ini", "[cputune]\nshares = 1\n");
        put(t.dir, "profiles.d/c1.ini", "[profile]\ninclude = base\n");
        put(t.dir, "profiles.d/c2.ini", "[profile]\ninclude = c1\n");
        load(&t, false);
        is_int(t.d.n_errors, 1, "an included error is said once");
        tree_done(&t);

        /* a NUL byte, and a file that is not a regular file */
        t = (tree){.dir = mktree()};
        char *p = vp_xasprintf("%s/profiles.d", t.dir);
        mkdir(p, 0755);
        free(p);
        p = vp_xasprintf("%s/profiles.d/nul.ini", t.dir);
        FILE *f = fopen(p, "w");
        fwrite("[cputune]\nshares = 2\0\n", 1, 22, f);
        fclose(f);
        free(p);
        p = vp_xasprintf("%s/profiles.d/dir.ini", t.dir);
        mkdir(p, 0755);
        free(p);
        load(&t, false);
        has_error_at(&t, "profiles.d/nul.ini:2: syntax error: NUL byte in line", "NUL byte");
        has_error_at(&t, "profiles.d/dir.ini:0: not a regular file", "directory named .ini");
        p = at(&t, "vmplace.ini");
        if (symlink("/nonexistent/vmplace.ini", p) < 0)
                abort();
        free(p);
        load(&t, false);
        has_error_at(&t, "vmplace.ini:0: cannot open: dangling symlink",
                     "dangling vmplace.ini symlink is not 'absent'");
        is_int(t.r, -EINVAL, "a config error, not I/O");
        tree_done(&t);

        /* a file that cannot be read carries its errno, in the result and the message */
        t = (tree){.dir = mktree()};
        p = at(&t, "vmplace.ini");
        if (symlink(p, p) < 0)
                abort();
        load(&t, false);
        is_int(t.r, -ELOOP, "a symlink loop: the load returns -ELOOP");
        ok(t.d.n_errors == 1 && t.d.errors[0].code == -ELOOP, "and so does its one error");
        is_str(t.d.n_errors ? WHERE(t.d.errors[0]) : "", p, "located at the file (line 0)");
        free(p);
        tree_done(&t);

        /* confdir is a file */
        t = (tree){.dir = mktree()};
        put(t.dir, "file", "");
        char *fdir = vp_xasprintf("%s/file", t.dir);
        vp_config *c = NULL;
        vp_diag d = {0};
        is_int(vp_config_load(fdir, false, &c, &d), -EINVAL, "confdir not a directory");
        ok(d.n_errors == 1 && strstr(d.errors[0].msg, "/file:0: not a directory"),
           "says not a directory");
        vp_diag_free(&d);
        free(fdir);
        tree_done(&t);
}

/* ---- permissions ---- */

static void test_perms(void)
{
        bool root = geteuid() == 0;
        tree t = {.dir = mktree()};
        put(t.dir, "vmplace.ini", "[host]\nstrategy = pack\n");
        put(t.dir, "profiles.d/p.ini", "[cputune]\nshares = 100\n");
        load(&t, true);
        if (root) {
                is_int(t.r, 0, "root-owned 0644 files, 0755 dirs pass check_perms");
                is_int(t.d.n_errors, 0, "no complaints");
        } else {
                is_int(t.r, -EINVAL, "non-root: check_perms refuses files we own");
                has_error_at(&t, "vmplace.ini:0: refusing: not owned by root", "not owned by root");
        }
        load(&t, false);
        is_int(t.r, 0, "check_perms=false ignores ownership");

        char *path = at(&t, "profiles.d/p.ini");
        chmod(path, 0666);
        load(&t, true);
        char *w = at(&t, "profiles.d/p.ini:0: refusing: writable by group or others (mode 0666)");
        is_int(t.r, -EINVAL, "world-writable profile refused");
        has_error(&t.d, w, "world-writable profile named");
        free(w);
        if (root)
                is_int(t.d.n_errors, 1, "only that");
        load(&t, false);
        is_int(t.r, 0, "check_perms=false does not look");
        chmod(path, 0644);

        char *hpath = at(&t, "vmplace.ini");
        chmod(hpath, 0664);
        load(&t, true);
        has_error_at(&t, "vmplace.ini:0: refusing: writable by group or others (mode 0664)",
                     "group-writable vmplace.ini");
        chmod(hpath, 0644);

        char *pdir = at(&t, "profiles.d");
        chmod(pdir, 0777);
        load(&t, true);
        has_error_at(&t, "profiles.d:0: refusing: writable by group or others (mode 0777)",
                     "world-writable profiles.d");
        chmod(pdir, 0755);

        chmod(t.dir, 0775);
        load(&t, true);
        w = vp_xasprintf("%s:0: refusing: writable by group or others (mode 0775)", t.dir);
        has_error(&t.d, w, "group-writable confdir");
        free(w);
        chmod(t.dir, 0755);

        /* symlinks are followed and the target is judged */
        char *target = at(&t, "target.ini");
        put_mode(t.dir, "target.ini", "[cputune]\nshares = 200\n", 0666);
        char *link = at(&t, "profiles.d/link.ini");
        if (symlink(target, link) < 0)
                abort();
        load(&t, true);
        has_error_at(&t, "profiles.d/link.ini:0: refusing: writable by group or others (mode 0666)",
                     "symlink to a world-writable file");
        chmod(target, 0644);
        load(&t, root);
        is_int(t.r, 0, "symlink to a good file");
        const vp_profile *lp = vp_config_profile(t.c, "link");
        ok(lp && lp->tune.q[VP_T_SHARES].v == 200, "symlinked profile read");

        if (root) {
                if (chown(path, 1000, 1000) == 0) {
                        load(&t, true);
                        has_error_at(&t,
                                     "profiles.d/p.ini:0: refusing: not owned by root (uid 1000)",
                                     "foreign owner");
                        if (chown(path, 0, 0) < 0)
                                abort();
                }
                /* unreadable file: root reads anyway, so only as non-root */
        } else {
                chmod(path, 0);
                load(&t, false);
                is_int(t.r, -EACCES, "unreadable profile: I/O error");
                has_error_at(&t, "profiles.d/p.ini:0: cannot open: Permission denied",
                             "unreadable profile named");
                chmod(path, 0644);
        }
        free(path);
        free(hpath);
        free(pdir);
        free(target);
        free(link);
        tree_done(&t);
}

int main(void)
{
        umask(022);
        test_good_tree();
        test_all_reported();
        test_perms();
        return tap_done();
}
