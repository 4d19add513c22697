/* vmplace.ini and profiles.d: the shipped good tree, every key, includes,
 * matching order, and a table of bad inputs with the exact FILE:LINE message. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "configfile.h"
#include "confmatch.h"
#include "tap.h"
#include "tree.h"

/* ---- temp trees ---- */

static char *mktree(void)
{
        return tree_new("config");
}

static void put_mode(const char *dir, const char *rel, const char *text, mode_t mode)
{
        tree_put(dir, rel, text, mode);
}

static void put(const char *dir, const char *rel, const char *text)
{
        tree_put(dir, rel, text, 0644);
}

static void rmtree(char *dir)
{
        tree_rm(dir);
}

static const char *find_in(char **v, size_t n, const char *needle)
{
        for (size_t i = 0; i < n; i++)
                if (strstr(v[i], needle))
                        return v[i];
        return NULL;
}

static void dump(const vp_diag *d)
{
        for (size_t i = 0; i < d->n_errors; i++)
                printf("#   error:   %s\n", d->errors[i]);
        for (size_t i = 0; i < d->n_warnings; i++)
                printf("#   warning: %s\n", d->warnings[i]);
}

#define has_error(d, needle, ...)                                                                  \
        do {                                                                                       \
                bool _f = find_in((d)->errors, (d)->n_errors, needle) != NULL;                     \
                ok(_f, __VA_ARGS__);                                                               \
                if (!_f) {                                                                         \
                        printf("#   wanted:  %s\n", needle);                                       \
                        dump(d);                                                                   \
                }                                                                                  \
        } while (0)

#define has_warning(d, needle, ...)                                                                \
        do {                                                                                       \
                bool _f = find_in((d)->warnings, (d)->n_warnings, needle) != NULL;                 \
                ok(_f, __VA_ARGS__);                                                               \
                if (!_f) {                                                                         \
                        printf("#   wanted:  %s\n", needle);                                       \
                        dump(d);                                                                   \
                }                                                                                  \
        } while (0)

#define no_problems(d, ...)                                                                        \
        do {                                                                                       \
                ok((d)->n_errors == 0 && (d)->n_warnings == 0, __VA_ARGS__);                       \
                dump(d);                                                                           \
        } while (0)

static char *fmt(const vp_cpuset *s)
{
        static char buf[8][256];
        static int i;
        i = (i + 1) % 8;
        return (char *)vp_cpuset_fmt(s, buf[i], sizeof(buf[i]));
}

static const char *pin(const vp_pin *arr, size_t n, unsigned id)
{
        const vp_pin *p = vp_pins_find(arr, n, id);
        return p ? fmt(&p->set) : NULL;
}

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

/* ---- helpers for small trees ---- */

typedef struct tree {
        char *dir;
        vp_config *c;
        vp_diag d;
        int r;
} tree;

static void load(tree *t, bool check)
{
        vp_config_free(t->c);
        vp_diag_free(&t->d);
        t->c = NULL;
        t->r = vp_config_load(t->dir, check, &t->c, &t->d);
}

static void tree_done(tree *t)
{
        vp_config_free(t->c);
        vp_diag_free(&t->d);
        rmtree(t->dir);
}

static char *at(const tree *t, const char *rel_and_msg)
{
        return vp_xasprintf("%s/%s", t->dir, rel_and_msg);
}

/* ---- includes ---- */

static void test_includes(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "profiles.d/base.ini",
            "[profile]\ndescription = base\non_error = warn\n"
            "[cputune]\nshares = 1024\nvcpupin.0 = 1\nvcpupin.1 = 2\nemulatorpin = 3\n"
            "[placement]\ncpu_policy = dedicated\nthread_policy = require\n"
            "[numatune]\nmemnode.0.mode = strict\nmemnode.0.nodeset = 0\nnodeset = 0-1\n"
            "[guest_numa]\ncell.0.cpus = 0-1\ncell.0.memory = 1GiB\n"
            "cell.1.cpus = 2-3\ncell.1.memory = 1GiB\n");
        put(t.dir, "profiles.d/mid.ini",
            "[profile]\ninclude = base\ndescription =\n"
            "[cputune]\nshares = 2048\nvcpupin.1 = 5\nvcpupin.2 = 6\nemulatorpin =\n"
            "[numatune]\nmemnode.0.mode = interleave\nnodeset = auto\n"
            "[guest_numa]\ncell.1.memory = 2GiB\n");
        put(t.dir, "profiles.d/top.ini",
            "[match]\nnames = top-*\n[profile]\ninclude = mid\n[cputune]\nvcpupin.3 = 7\n");
        put(t.dir, "profiles.d/top2.ini", "[profile]\ninclude = mid\n[guest_numa]\ncells = 2\n");
        put(t.dir, "profiles.d/top3.ini",
            "[profile]\ninclude = mid\n[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 512MiB\n");
        load(&t, false);
        is_int(t.r, 0, "include chain loads");
        no_problems(&t.d, "include chain: clean");
        const vp_profile *top = vp_config_profile(t.c, "top");
        ok(top != NULL, "top found");
        if (top) {
                const vp_tune *u = &top->tune;
                is_str(top->include, "mid", "include is the profile's own");
                ok(top->n_names == 1 && !strcmp(top->names[0], "top-*"), "names overridden");
                ok(top->description == NULL, "description reset by mid's empty value");
                is_int(top->on_error, VP_ONERR_WARN, "on_error from base, 3 levels up");
                ok(u->q[VP_T_SHARES].v == 2048, "shares from mid");
                is_int(u->n_vcpupin, 4, "vcpupin merged per id");
                is_str(pin(u->vcpupin, u->n_vcpupin, 0), "1", "vcpupin.0 from base");
                is_str(pin(u->vcpupin, u->n_vcpupin, 1), "5", "vcpupin.1 from mid");
                is_str(pin(u->vcpupin, u->n_vcpupin, 2), "6", "vcpupin.2 from mid");
                is_str(pin(u->vcpupin, u->n_vcpupin, 3), "7", "vcpupin.3 own");
                ok(!u->emulatorpin_set, "emulatorpin reset by mid's empty value");
                is_int(top->cpu_policy, VP_CPU_DEDICATED, "cpu_policy from base");
                is_int(top->thread_policy, VP_THREAD_REQUIRE, "thread_policy from base");
                is_int(top->nodeset_kind, VP_NODESET_AUTO, "nodeset auto from mid");
                ok(!u->nodeset_set, "no list with auto");
                is_int(u->n_memnodes, 1, "one memnode");
                if (u->n_memnodes == 1) {
                        is_int(u->memnodes[0].mode, VP_MEM_INTERLEAVE, "memnode mode from mid");
                        ok(u->memnodes[0].nodeset_set, "memnode nodeset from base (per key)");
                }
                is_int(top->cells_kind, VP_CELLS_EXPLICIT, "explicit cells inherited");
                is_int(u->n_cells, 2, "two cells");
                if (u->n_cells == 2) {
                        ok(u->cells[0].memory_kib == 1048576, "cell 0 memory from base");
                        ok(u->cells[1].memory_kib == 2097152, "cell 1 memory from mid");
                        is_str(fmt(&u->cells[1].cpus), "2-3", "cell 1 cpus from base");
                }
        }
        const vp_profile *t2 = vp_config_profile(t.c, "top2");
        ok(t2 && t2->cells_kind == VP_CELLS_COUNT && t2->cells_count == 2 && t2->tune.n_cells == 0,
           "cells = N drops inherited explicit cells");
        const vp_profile *t3 = vp_config_profile(t.c, "top3");
        ok(t3 && t3->cells_kind == VP_CELLS_EXPLICIT && t3->tune.n_cells == 2 &&
               t3->tune.cells[0].memory_kib == 524288 && t3->tune.cells[1].memory_kib == 2097152,
           "explicit cells merge per key");
        tree_done(&t);
}

/* [match] keys inherit like every other key: a child that says nothing about
 * matching shares its parent's globs, and the lexical rule decides (warned). */
static void test_match_inherited(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "profiles.d/web.ini", "[match]\nnames = web-*\nmetadata = web\npriority = 5\n");
        put(t.dir, "profiles.d/web-big.ini", "[profile]\ninclude = web\n");
        put(t.dir, "profiles.d/web-own.ini",
            "[match]\nnames = big-*\nmetadata =\n[profile]\ninclude = web\n");
        load(&t, false);
        is_int(t.r, 0, "loads");
        const vp_profile *p = vp_config_profile(t.c, "web-big");
        ok(p && p->n_names == 1 && !strcmp(p->names[0], "web-*") && p->priority_set &&
               p->priority == 5 && p->metadata && !strcmp(p->metadata, "web"),
           "names, priority and metadata inherited");
        p = vp_config_profile(t.c, "web-own");
        ok(p && p->n_names == 1 && !strcmp(p->names[0], "big-*") && p->priority == 5 &&
               p->metadata == NULL,
           "own names, inherited priority, metadata reset by an empty value");
        is_int(t.d.n_warnings, 2, "two warnings");
        char *w = at(&t, "profiles.d/web.ini:2: names: profile 'web-big' never matches by "
                         "'web-*': profile 'web' has the same glob and priority 5");
        has_warning(&t.d, w, "inherited glob tie warned, at the line it comes from");
        free(w);
        w = at(&t, "profiles.d/web.ini:3: metadata: profile 'web-big' never matches by "
                   "metadata 'web': profile 'web' has the same metadata and priority 5");
        has_warning(&t.d, w, "inherited metadata tie warned");
        free(w);
        char *by = NULL;
        p = vp_config_match(t.c, "web-1", "web", &by);
        is_str(p ? p->name : NULL, "web", "the parent wins the tie");
        free(by);
        tree_done(&t);
}

/* ---- matching ---- */

static void test_match(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "vmplace.ini", "[host]\ndefault_profile = fallback\n");
        put(t.dir, "profiles.d/meta.ini",
            "[match]\nmetadata = database\nnames = zzz-*\npriority = -5\n");
        put(t.dir, "profiles.d/meta2.ini", "[match]\nmetadata = database\npriority = -5\n");
        put(t.dir, "profiles.d/metahi.ini", "[match]\nmetadata = web\npriority = 3\n");
        put(t.dir, "profiles.d/metalo.ini", "[match]\nmetadata = web\n");
        put(t.dir, "profiles.d/db.ini", "[match]\nnames = db-*, pg-??\npriority = 10\n");
        put(t.dir, "profiles.d/db2.ini", "[match]\nnames = x, db-*\npriority = 10\n");
        put(t.dir, "profiles.d/dbhigh.ini", "[match]\nnames = db-prod-*\npriority = 20\n");
        put(t.dir, "profiles.d/a-low.ini", "[match]\nnames = db-*\npriority = 9\n");
        put(t.dir, "profiles.d/fallback.ini", "[profile]\ndescription = default\n");
        load(&t, false);
        is_int(t.r, 0, "match tree loads");
        is_int(t.d.n_errors, 0, "no errors");
        is_int(t.d.n_warnings, 2, "two tie warnings");
        char *w = at(&t, "profiles.d/db2.ini:2: names: profile 'db2' never matches by 'db-*': "
                         "profile 'db' has the same glob and priority 10 and wins (lexically "
                         "first)");
        has_warning(&t.d, w, "glob tie warned at the loser's names line");
        free(w);
        w = at(&t, "profiles.d/meta2.ini:2: metadata: profile 'meta2' never matches by metadata "
                   "'database': profile 'meta' has the same metadata and priority -5");
        has_warning(&t.d, w, "metadata tie warned");
        free(w);

        static const struct {
                const char *name, *meta, *profile, *by;
        } cases[] = {
            {"db-1", "database", "meta", "metadata"},
            {"zzz-1", NULL, "meta", "name:zzz-*"},
            {"web-1", "web", "metahi", "metadata"},
            {"db-1", "nomatch", "db", "name:db-*"},
            {"db-1", NULL, "db", "name:db-*"},
            {"db-1", "", "db", "name:db-*"},
            {"pg-12", NULL, "db", "name:pg-??"},
            {"pg-123", NULL, "fallback", "default"},
            {"x", NULL, "db2", "name:x"},
            {"db-prod-1", NULL, "dbhigh", "name:db-prod-*"},
            {"DB-1", NULL, "fallback", "default"},
            {"web-1", NULL, "fallback", "default"},
            {NULL, NULL, "fallback", "default"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char *by = (char *)"garbage";
                const vp_profile *p = vp_config_match(t.c, cases[i].name, cases[i].meta, &by);
                is_str(p ? p->name : NULL, cases[i].profile, "match %s meta=%s -> %s",
                       cases[i].name ? cases[i].name : "(null)",
                       cases[i].meta ? cases[i].meta : "(null)", cases[i].profile);
                is_str(by, cases[i].by, "  matched_by %s", cases[i].by);
                free(by);
        }
        ok(vp_config_match(t.c, "db-1", NULL, NULL) != NULL, "matched_by may be NULL");
        ok(vp_config_match(NULL, "db-1", NULL, NULL) == NULL, "NULL config matches nothing");

        /* no default_profile: unmanaged */
        put(t.dir, "vmplace.ini", "[host]\n");
        load(&t, false);
        char *by = (char *)"garbage";
        ok(vp_config_match(t.c, "web-1", NULL, &by) == NULL, "unmanaged -> NULL");
        ok(by == NULL, "unmanaged: matched_by NULL");
        tree_done(&t);
}

/* ---- defaults, missing pieces, file names ---- */

static void test_defaults(void)
{
        tree t = {.dir = mktree()};
        char *missing = vp_xasprintf("%s/nonexistent", t.dir);
        vp_config *c = NULL;
        vp_diag d = {0};
        is_int(vp_config_load(missing, true, &c, &d), 0, "missing confdir = defaults");
        ok(c && c->host.path == NULL && c->n_profiles == 0, "no files, no profiles");
        ok(c && c->host.on_error == VP_ONERR_REFUSE && c->host.strategy == VP_STRAT_SPREAD &&
               !c->host.reserved_set && !c->host.dedicated_set && !c->host.shared_set &&
               c->host.reserved_memory_kib == 0 && c->host.default_profile == NULL,
           "host defaults");
        vp_config_free(c);
        free(missing);

        load(&t, false);
        ok(t.r == 0 && t.c->host.path == NULL && t.c->n_profiles == 0, "empty confdir = defaults");

        /* the SPEC's own example: empty values mean defaults */
        put(t.dir, "vmplace.ini",
            "\xEF\xBB\xBF[host]\r\n"
            "reserved_cpus = 0-1        ; never given to any VM\r\n"
            "dedicated_cpus =           ; pool for cpu_policy=dedicated\r\n"
            "shared_cpus =\n"
            "reserved_memory = 1GiB     ; kept free\n"
            "default_profile =          ; none\n"
            "on_error = refuse          ; refuse | warn\n"
            "strategy = spread          ; spread\n"
            "                           ; pack: a continued comment\n"
            "   # indented comment\n");
        put(t.dir, "profiles.d/ok.ini", "   [cputune]\n   shares = 3\n\tvcpu_quota = -5\n");
        put(t.dir, "profiles.d/empty.ini", "");
        put(t.dir, "profiles.d/ok.ini.dpkg-old", "garbage");
        put(t.dir, "profiles.d/ok.ini~", "garbage");
        put(t.dir, "profiles.d/ok.rpmnew", "garbage");
        put(t.dir, "profiles.d/.hidden.ini", "garbage");
        put(t.dir, "profiles.d/UPPER.INI", "garbage");
        put(t.dir, "profiles.d/has space.ini", "garbage");
        put(t.dir, "profiles.d/.ini", "garbage");
        load(&t, geteuid() == 0);
        is_int(t.r, 0, "SPEC example host + indented profile");
        is_int(t.d.n_errors, 0, "no errors");
        if (t.d.n_errors)
                dump(&t.d);
        if (t.c) {
                const vp_host_config *h = &t.c->host;
                ok(h->reserved_set && !h->dedicated_set && !h->shared_set,
                   "empty cpusets stay unset");
                ok(h->default_profile == NULL, "empty default_profile = none");
                ok(h->reserved_memory_kib == 1048576 && h->on_error == VP_ONERR_REFUSE &&
                       h->strategy == VP_STRAT_SPREAD,
                   "values after inline comments");
                is_int(t.c->n_profiles, 2, "only empty.ini and ok.ini are read");
                const vp_profile *p = vp_config_profile(t.c, "ok");
                ok(p && p->tune.q[VP_T_SHARES].v == 3, "indented keys are keys, not continuations");
                ok(p && p->tune.q[VP_T_VCPU_QUOTA].set && p->tune.q[VP_T_VCPU_QUOTA].v == -1,
                   "negative quota stored as -1");
        }
        char *w = at(&t, "profiles.d/has space.ini:0: ignored: a profile name may only contain");
        has_warning(&t.d, w, "odd profile file name warned");
        free(w);
        is_int(t.d.n_warnings, 1, "only that one warned");
        tree_done(&t);
}

/* ---- the error table ---- */

typedef struct ecase {
        const char *what;
        struct {
                const char *rel, *text;
        } files[3];
        const char *want; /* "REL:LINE: message", REL relative to the confdir */
        size_t n_errors;  /* 0: exactly one */
} ecase;

#define P(text)                                                                                    \
        {                                                                                          \
                {                                                                                  \
                        "profiles.d/p.ini", text                                                   \
                }                                                                                  \
        }
#define H(text)                                                                                    \
        {                                                                                          \
                {                                                                                  \
                        "vmplace.ini", text                                                        \
                }                                                                                  \
        }

static const ecase ecases[] = {
    /* syntax */
    {"no '='", P("[cputune]\nshares 2048\n"),
     "profiles.d/p.ini:2: syntax error: expected 'key = value' or '[section]'", 0},
    {"every syntax error, not only the first", P("[cputune]\nshares\n\nvcpus\n"),
     "profiles.d/p.ini:4: syntax error: expected 'key = value'", 2},
    {"unclosed section", P("[cputune\nshares = 2\n"),
     "profiles.d/p.ini:1: syntax error: '[' without closing ']'", 0},
    {"comment inside a header", P("[cputune ;x]\n"),
     "profiles.d/p.ini:1: syntax error: '[' without closing ']'", 0},
    {"no key", P("[cputune]\n= 5\n"), "profiles.d/p.ini:2: syntax error: no key before '='", 0},
    {"text after ]", P("[cputune] shares = 2\nshares = 2\n"),
     "profiles.d/p.ini:1: syntax error: text after ']'", 0},
    {"key before any section", P("shares = 2\n"),
     "profiles.d/p.ini:1: shares: key outside any section", 0},
    {"long line: the value is kept, errors after it keep their line",
     P("[profile]\ndescription = "
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "\n[cputune]\nshares = 1\n"),
     "profiles.d/p.ini:4: shares: 1 out of range", 1},
    {"long line with a bad value is reported at its line",
     P("[cputune]\nvcpus = 0-3,"
       "1000000000000000000000000000000000000000000000000000000000000000000000000000"
       "1000000000000000000000000000000000000000000000000000000000000000000000000000"
       "1000000000000000000000000000000000000000000000000000000000000000000000000000\n"),
     "profiles.d/p.ini:2: vcpus:", 1},
    {"long section header",
     P("["
       "cputunecputunecputunecputunecputunecputunecputunecputune"
       "cputunecputunecputunecputunecputunecputunecputunecputunecputunecputunecputune"
       "cputunecputunecputunecputunecputunecputunecputunecputunecputunecputune]\n"),
     "profiles.d/p.ini:1: line too long for a section header", 1},
    {"long comment is a comment",
     P(";"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "\n[cputune]\nshares = 1\n"),
     "profiles.d/p.ini:3: shares: 1 out of range", 1},
    /* sections and keys */
    {"unknown section", P("[cpu]\nshares = 2\nfoo = 1\n"),
     "profiles.d/p.ini:1: unknown section [cpu]", 0},
    {"section names are case-sensitive", P("[CPUTUNE]\n"),
     "profiles.d/p.ini:1: unknown section [CPUTUNE]", 0},
    {"[host] in a profile", P("[host]\nreserved_cpus = 0\n"),
     "profiles.d/p.ini:1: section [host] belongs in vmplace.ini, not in a profile", 0},
    {"profile section in vmplace.ini", H("[host]\n[cputune]\nshares = 2\n"),
     "vmplace.ini:2: section [cputune] belongs in a profile (profiles.d/NAME.ini), not in "
     "vmplace.ini",
     0},
    {"unknown key", P("[cputune]\nshare = 2\n"),
     "profiles.d/p.ini:2: unknown key 'share' in [cputune]", 0},
    {"key under the wrong header", P("[placement]\nshares = 2\n"),
     "profiles.d/p.ini:2: unknown key 'shares' in [placement] (it belongs in [cputune])", 0},
    {"unknown host key", H("[host]\nreserved = 0-1\n"),
     "vmplace.ini:2: unknown key 'reserved' in [host]", 0},
    {"keys are case-sensitive", P("[cputune]\nShares = 2\n"),
     "profiles.d/p.ini:2: unknown key 'Shares' in [cputune]", 0},
    {"unknown per-id key", P("[numatune]\nmemnode.0.policy = strict\n"),
     "profiles.d/p.ini:2: unknown key 'memnode.0.policy' in [numatune]", 0},
    {"duplicate key", P("[cputune]\nshares = 2\n\nshares = 4\n"),
     "profiles.d/p.ini:4: shares: duplicate key (first set at line 2)", 0},
    {"duplicate key across a repeated section",
     P("[cputune]\nvcpupin.0 = 1\n[placement]\nnuma_nodes = 1\n[cputune]\nvcpupin.0 = 1\n"),
     "profiles.d/p.ini:6: vcpupin.0: duplicate key (first set at line 2)", 0},
    {"duplicate empty key", H("[host]\nshared_cpus =\nshared_cpus = 1\n"),
     "vmplace.ini:3: shared_cpus: duplicate key (first set at line 2)", 0},
    /* ranges */
    {"shares low", P("[cputune]\nshares = 1\n"),
     "profiles.d/p.ini:2: shares: 1 out of range (2..262144)", 0},
    {"shares high", P("[cputune]\nshares = 262145\n"),
     "profiles.d/p.ini:2: shares: 262145 out of range (2..262144)", 0},
    {"global_period low", P("[cputune]\nglobal_period = 999\n"),
     "profiles.d/p.ini:2: global_period: 999 out of range (1000..1000000)", 0},
    {"vcpu_period high", P("[cputune]\nvcpu_period = 1000001\n"),
     "profiles.d/p.ini:2: vcpu_period: 1000001 out of range (1000..1000000)", 0},
    {"emulator_period 0", P("[cputune]\nemulator_period = 0\n"),
     "profiles.d/p.ini:2: emulator_period: 0 out of range (1000..1000000)", 0},
    {"iothread_period not a number", P("[cputune]\niothread_period = 100ms\n"),
     "profiles.d/p.ini:2: iothread_period: '100ms' is not an integer", 0},
    {"quota 0", P("[cputune]\nvcpu_quota = 0\n"),
     "profiles.d/p.ini:2: vcpu_quota: 0 out of range (-1 for unlimited, or "
     "1000..17592186044415)",
     0},
    {"quota low", P("[cputune]\nglobal_quota = 999\n"),
     "profiles.d/p.ini:2: global_quota: 999 out of range (-1 for unlimited", 0},
    {"quota high", P("[cputune]\nemulator_quota = 17592186044416\n"),
     "profiles.d/p.ini:2: emulator_quota: 17592186044416 out of range", 0},
    {"quota huge", P("[cputune]\niothread_quota = 99999999999999999999999\n"),
     "profiles.d/p.ini:2: iothread_quota: 99999999999999999999999 out of range", 0},
    {"priority beyond int", P("[match]\npriority = 2147483648\n"),
     "profiles.d/p.ini:2: priority: 2147483648 out of range (-2147483648..2147483647)", 0},
    {"numa_nodes 0", P("[placement]\nnuma_nodes = 0\n"),
     "profiles.d/p.ini:2: numa_nodes: 0 out of range (1..64)", 0},
    {"numa_nodes 65", P("[placement]\nnuma_nodes = 65\n"),
     "profiles.d/p.ini:2: numa_nodes: 65 out of range (1..64)", 0},
    {"cells 0", P("[guest_numa]\ncells = 0\n"), "profiles.d/p.ini:2: cells: 0 out of range (1..64)",
     0},
    {"cells 65", P("[guest_numa]\ncells = 65\n"),
     "profiles.d/p.ini:2: cells: 65 out of range (1..64)", 0},
    {"cells word", P("[guest_numa]\ncells = two\n"),
     "profiles.d/p.ini:2: cells: invalid value 'two' (expected auto, none or a number of "
     "cells 1..64)",
     0},
    {"vcpupin id", P("[cputune]\nvcpupin.16384 = 1\n"),
     "profiles.d/p.ini:2: vcpupin.16384: vCPU id 16384 out of range (0..16383)", 0},
    {"vcpupin id not a number", P("[cputune]\nvcpupin.x = 1\n"),
     "profiles.d/p.ini:2: vcpupin.x: invalid vCPU id 'x' (0..16383)", 0},
    {"vcpupin id leading zero", P("[cputune]\nvcpupin.01 = 1\n"),
     "profiles.d/p.ini:2: vcpupin.01: invalid vCPU id '01'", 0},
    {"vcpupin without id", P("[cputune]\nvcpupin. = 1\n"),
     "profiles.d/p.ini:2: vcpupin.: invalid vCPU id ''", 0},
    {"iothread ids start at 1", P("[cputune]\niothreadpin.0 = 1\n"),
     "profiles.d/p.ini:2: iothreadpin.0: iothread id 0 out of range (1..16384)", 0},
    {"iothread id high", P("[cputune]\niothreadpin.16385 = 1\n"),
     "profiles.d/p.ini:2: iothreadpin.16385: iothread id 16385 out of range (1..16384)", 0},
    {"memnode id", P("[numatune]\nmemnode.64.mode = strict\n"),
     "profiles.d/p.ini:2: memnode.64.mode: guest cell id 64 out of range (0..63)", 0},
    {"negative cell id", P("[guest_numa]\ncell.-1.cpus = 0\n"),
     "profiles.d/p.ini:2: cell.-1.cpus: invalid guest cell id '-1' (0..63)", 0},
    /* values */
    {"bad vcpus", P("[cputune]\nvcpus = 0-\n"),
     "profiles.d/p.ini:2: vcpus: invalid cpuset '0-': range without end", 0},
    {"emulatorpin beyond the limit", P("[cputune]\nemulatorpin = 4096\n"),
     "profiles.d/p.ini:2: emulatorpin: invalid cpuset '4096': number out of range (max 4095)", 0},
    {"pin that selects nothing", P("[cputune]\nvcpupin.0 = ^1\n"),
     "profiles.d/p.ini:2: vcpupin.0: invalid cpuset '^1': selects nothing", 0},
    {"iothreadpin reversed", P("[cputune]\niothreadpin.1 = 3-1\n"),
     "profiles.d/p.ini:2: iothreadpin.1: invalid cpuset '3-1': range 3-1 is reversed", 0},
    {"nodeset beyond 1023", P("[numatune]\nnodeset = 1024\n"),
     "profiles.d/p.ini:2: nodeset: invalid cpuset '1024': number out of range (max 1023)", 0},
    {"nodeset word", P("[numatune]\nnodeset = all\n"),
     "profiles.d/p.ini:2: nodeset: invalid cpuset 'all'", 0},
    {"memnode nodeset", P("[numatune]\nmemnode.0.nodeset = 1,\n"),
     "profiles.d/p.ini:2: memnode.0.nodeset: invalid cpuset '1,'", 0},
    {"memnode mode", P("[numatune]\nmemnode.0.mode = auto\n"),
     "profiles.d/p.ini:2: memnode.0.mode: invalid value 'auto' (expected strict, preferred, "
     "interleave or restrictive)",
     0},
    {"numatune mode", P("[numatune]\nmode = bind\n"),
     "profiles.d/p.ini:2: mode: invalid value 'bind' (expected strict, preferred, "
     "interleave or restrictive)",
     0},
    {"cell cpus", P("[guest_numa]\ncell.0.cpus = x\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: cell.0.cpus: invalid cpuset 'x'", 0},
    {"cell memory 0", P("[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 0\n"),
     "profiles.d/p.ini:3: cell.0.memory: a guest cell needs more than 0 KiB", 0},
    {"cell memory unit", P("[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 2GB\n"),
     "profiles.d/p.ini:3: cell.0.memory: '2GB': unknown unit 'GB' (use KiB, MiB, GiB or TiB)", 0},
    {"reserved_memory fraction", H("[host]\nreserved_memory = 1.5GiB\n"),
     "vmplace.ini:2: reserved_memory: '1.5GiB' is not a size", 0},
    {"reserved_cpus limit", H("[host]\nreserved_cpus = 0-4096\n"),
     "vmplace.ini:2: reserved_cpus: invalid cpuset '0-4096': number out of range (max 4095)", 0},
    {"dedicated_cpus syntax", H("[host]\ndedicated_cpus = 2-x\n"),
     "vmplace.ini:2: dedicated_cpus: invalid cpuset '2-x'", 0},
    {"shared_cpus selects nothing", H("[host]\nshared_cpus = 1,^1\n"),
     "vmplace.ini:2: shared_cpus: invalid cpuset '1,^1': selects nothing", 0},
    {"host on_error", H("[host]\non_error = Refuse\n"),
     "vmplace.ini:2: on_error: invalid value 'Refuse' (expected refuse or warn)", 0},
    {"host strategy", H("[host]\nstrategy = fill\n"),
     "vmplace.ini:2: strategy: invalid value 'fill' (expected spread or pack)", 0},
    {"profile on_error", P("[profile]\non_error = ignore\n"),
     "profiles.d/p.ini:2: on_error: invalid value 'ignore' (expected refuse or warn)", 0},
    {"profile strategy", P("[placement]\nstrategy = Pack\n"),
     "profiles.d/p.ini:2: strategy: invalid value 'Pack' (expected spread or pack)", 0},
    {"cpu_policy", P("[placement]\ncpu_policy = exclusive\n"),
     "profiles.d/p.ini:2: cpu_policy: invalid value 'exclusive' (expected none, shared or "
     "dedicated)",
     0},
    {"thread_policy", P("[placement]\ncpu_policy = dedicated\nthread_policy = avoid\n"),
     "profiles.d/p.ini:3: thread_policy: invalid value 'avoid' (expected prefer, isolate or "
     "require)",
     0},
    {"emulator_policy", P("[placement]\ncpu_policy = dedicated\nemulator_policy = shared\n"),
     "profiles.d/p.ini:3: emulator_policy: invalid value 'shared' (expected share or "
     "isolate)",
     0},
    {"empty glob", P("[match]\nnames = db-*, ,pg\n"),
     "profiles.d/p.ini:2: names: empty glob in 'db-*, ,pg'", 0},
    {"trailing comma in names", P("[match]\nnames = db-*,\n"),
     "profiles.d/p.ini:2: names: empty glob in 'db-*,'", 0},
    {"metadata two words", P("[match]\nmetadata = data base\n"),
     "profiles.d/p.ini:2: metadata: 'data base' is not one word", 0},
    {"include not a name", P("[profile]\ninclude = ../etc/x\n"),
     "profiles.d/p.ini:2: include: '../etc/x' is not a profile name", 0},
    {"default_profile not a name", H("[host]\ndefault_profile = a b\n"),
     "vmplace.ini:2: default_profile: 'a b' is not a profile name", 0},
    /* references */
    {"missing include", P("[profile]\ninclude = missing\n"),
     "profiles.d/p.ini:2: include: no profile 'missing' (no profiles.d/missing.ini)", 0},
    {"include with .ini", P("[profile]\ninclude = p.ini\n"),
     "profiles.d/p.ini:2: include: no profile 'p.ini' (no profiles.d/p.ini.ini); write the "
     "name without .ini",
     0},
    {"self include", P("[profile]\ninclude = p\n"), "profiles.d/p.ini:2: include cycle: p -> p", 0},
    {"include cycle",
     {{"profiles.d/a.ini", "[profile]\ninclude = b\n"},
      {"profiles.d/b.ini", "[match]\nnames = b\n[profile]\ninclude = a\n"}},
     "profiles.d/a.ini:2: include cycle: a -> b -> a",
     2},
    {"include cycle, other member",
     {{"profiles.d/a.ini", "[profile]\ninclude = b\n"},
      {"profiles.d/b.ini", "[match]\nnames = b\n[profile]\ninclude = a\n"}},
     "profiles.d/b.ini:4: include cycle: b -> a -> b",
     2},
    {"three-profile cycle entered from outside",
     {{"profiles.d/a.ini", "[profile]\ninclude = b\n"},
      {"profiles.d/b.ini", "[profile]\ninclude = c\n"},
      {"profiles.d/c.ini", "[profile]\ninclude = b\n"}},
     "profiles.d/c.ini:2: include cycle: c -> b -> c",
     2},
    {"default_profile missing", H("[host]\non_error = warn\ndefault_profile = nosuch\n"),
     "vmplace.ini:3: default_profile: no profile 'nosuch' (no profiles.d/nosuch.ini)", 0},
    /* between keys */
    {"cells with cell.N", P("[guest_numa]\ncells = 2\ncell.0.cpus = 0\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: cells: cannot be combined with explicit cell.N.* keys (cell.0.cpus "
     "at line 3)",
     0},
    {"cell without memory", P("[guest_numa]\ncell.0.cpus = 0-1\n"),
     "profiles.d/p.ini:2: cell.0.cpus: cell 0 has no cell.0.memory (a cell needs both)", 0},
    {"cell without cpus", P("[guest_numa]\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: cell.0.memory: cell 0 has no cell.0.cpus (a cell needs both)", 0},
    {"cell ids with a gap",
     P("[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 1GiB\ncell.2.cpus = 1\n"
       "cell.2.memory = 1GiB\n"),
     "profiles.d/p.ini:4: cell.2.cpus: guest cell ids must be contiguous from 0 (no cell.1.*)", 0},
    {"cells overlap",
     P("[guest_numa]\ncell.0.cpus = 0-1\ncell.0.memory = 1GiB\ncell.1.cpus = 1-2\n"
       "cell.1.memory = 1GiB\n"),
     "profiles.d/p.ini:4: cell.1.cpus: overlaps cell.0.cpus on vCPUs 1", 0},
    {"thread_policy without cpu_policy", P("[placement]\nthread_policy = isolate\n"),
     "profiles.d/p.ini:2: thread_policy: only meaningful with cpu_policy = dedicated "
     "(cpu_policy is not set)",
     0},
    {"emulator_policy with shared",
     P("[placement]\ncpu_policy = shared\nemulator_policy = isolate\n"),
     "profiles.d/p.ini:3: emulator_policy: only meaningful with cpu_policy = dedicated "
     "(cpu_policy is shared)",
     0},
    {"inherited thread_policy, child changes cpu_policy",
     {{"profiles.d/base.ini", "[placement]\ncpu_policy = dedicated\nthread_policy = isolate\n"},
      {"profiles.d/child.ini", "[profile]\ninclude = base\n[placement]\ncpu_policy = none\n"}},
     "profiles.d/base.ini:3: thread_policy: only meaningful with cpu_policy = dedicated "
     "(cpu_policy is none) (in profile 'child', which includes this one)",
     0},
    {"numa_nodes vs cells", P("[placement]\nnuma_nodes = 2\n[guest_numa]\ncells = 3\n"),
     "profiles.d/p.ini:4: cells: 3 cells but numa_nodes = 2 (guest cells map 1:1 to host "
     "nodes)",
     0},
    {"numa_nodes vs explicit cells",
     P("[placement]\nnuma_nodes = 2\n[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: numa_nodes: 2 host nodes but 1 explicit guest cells", 0},
    {"memnode beyond cells", P("[numatune]\nmemnode.2.mode = strict\n[guest_numa]\ncells = 2\n"),
     "profiles.d/p.ini:2: memnode.2.mode: no guest cell 2 (cells = 2)", 0},
    {"memnode without guest NUMA",
     P("[numatune]\nmemnode.0.nodeset = 0\n[guest_numa]\ncells = none\n"),
     "profiles.d/p.ini:2: memnode.0.nodeset: no guest cell 0 (cells = none)", 0},
    {"memnode beyond auto cells",
     P("[numatune]\nmemnode.1.mode = strict\n[guest_numa]\ncells = auto\n"),
     "profiles.d/p.ini:2: memnode.1.mode: no guest cell 1 (cells = auto with numa_nodes = 1)", 0},
    {"reserved overlaps dedicated", H("[host]\nreserved_cpus = 0-1\ndedicated_cpus = 1-3\n"),
     "vmplace.ini:3: dedicated_cpus: overlaps reserved_cpus (line 2) on CPUs 1", 0},
    {"reserved overlaps shared", H("[host]\nshared_cpus = 0-7\nreserved_cpus = 0,2\n"),
     "vmplace.ini:2: shared_cpus: overlaps reserved_cpus (line 3) on CPUs 0,2", 0},
};

static void test_errors(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(ecases); i++) {
                const ecase *ec = &ecases[i];
                tree t = {.dir = mktree()};
                for (size_t f = 0; f < VP_ARRAY_SIZE(ec->files) && ec->files[f].rel; f++)
                        put(t.dir, ec->files[f].rel, ec->files[f].text);
                load(&t, false);
                char *want = at(&t, ec->want);
                ok(t.r == -EINVAL && t.c == NULL, "%s: invalid", ec->what);
                has_error(&t.d, want, "%s: %s", ec->what, ec->want);
                size_t n = ec->n_errors ? ec->n_errors : 1;
                is_int(t.d.n_errors, n, "%s: %zu error(s)", ec->what, n);
                if (t.d.n_errors != n)
                        dump(&t.d);
                free(want);
                tree_done(&t);
        }
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
                like(t.d.errors[0], "vmplace.ini:2: strategy", "host first");
                like(t.d.errors[1], "vmplace.ini:3: reserved_cpus", "then by line");
                like(t.d.errors[2], "profiles.d/a.ini:2: shares", "profiles by name");
                like(t.d.errors[3], "profiles.d/a.ini:3: unknown section [bogus]", "a line 3");
                like(t.d.errors[4], "profiles.d/b.ini:2: shares", "b line 2");
                like(t.d.errors[5], "profiles.d/b.ini:3: vcpu_quota", "b line 3");
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
        char *w = at(&t, "profiles.d/nul.ini:2: syntax error: NUL byte in line");
        has_error(&t.d, w, "NUL byte");
        free(w);
        w = at(&t, "profiles.d/dir.ini:0: not a regular file");
        has_error(&t.d, w, "directory named .ini");
        free(w);
        p = at(&t, "vmplace.ini");
        if (symlink("/nonexistent/vmplace.ini", p) < 0)
                abort();
        free(p);
        load(&t, false);
        w = at(&t, "vmplace.ini:0: cannot open: dangling symlink");
        has_error(&t.d, w, "dangling vmplace.ini symlink is not 'absent'");
        free(w);
        is_int(t.r, -EINVAL, "a config error, not I/O");
        tree_done(&t);

        /* confdir is a file */
        t = (tree){.dir = mktree()};
        put(t.dir, "file", "");
        char *fdir = vp_xasprintf("%s/file", t.dir);
        vp_config *c = NULL;
        vp_diag d = {0};
        is_int(vp_config_load(fdir, false, &c, &d), -EINVAL, "confdir not a directory");
        ok(d.n_errors == 1 && strstr(d.errors[0], "/file:0: not a directory"),
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
                char *w = at(&t, "vmplace.ini:0: refusing: not owned by root");
                has_error(&t.d, w, "not owned by root");
                free(w);
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
        w = at(&t, "vmplace.ini:0: refusing: writable by group or others (mode 0664)");
        has_error(&t.d, w, "group-writable vmplace.ini");
        free(w);
        chmod(hpath, 0644);

        char *pdir = at(&t, "profiles.d");
        chmod(pdir, 0777);
        load(&t, true);
        w = at(&t, "profiles.d:0: refusing: writable by group or others (mode 0777)");
        has_error(&t.d, w, "world-writable profiles.d");
        free(w);
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
        w = at(&t, "profiles.d/link.ini:0: refusing: writable by group or others (mode 0666)");
        has_error(&t.d, w, "symlink to a world-writable file");
        free(w);
        chmod(target, 0644);
        load(&t, root);
        is_int(t.r, 0, "symlink to a good file");
        const vp_profile *lp = vp_config_profile(t.c, "link");
        ok(lp && lp->tune.q[VP_T_SHARES].v == 200, "symlinked profile read");

        if (root) {
                if (chown(path, 1000, 1000) == 0) {
                        load(&t, true);
                        w = at(&t, "profiles.d/p.ini:0: refusing: not owned by root (uid 1000)");
                        has_error(&t.d, w, "foreign owner");
                        free(w);
                        if (chown(path, 0, 0) < 0)
                                abort();
                }
                /* unreadable file: root reads anyway, so only as non-root */
        } else {
                chmod(path, 0);
                load(&t, false);
                is_int(t.r, -EACCES, "unreadable profile: I/O error");
                w = at(&t, "profiles.d/p.ini:0: cannot open: Permission denied");
                has_error(&t.d, w, "unreadable profile named");
                free(w);
                chmod(path, 0644);
        }
        free(path);
        free(hpath);
        free(pdir);
        free(target);
        free(link);
        tree_done(&t);
}

static void test_names_and_diag(void)
{
        is_str(vp_on_error_name(VP_ONERR_REFUSE), "refuse", "on_error name");
        is_str(vp_on_error_name(VP_ONERR_WARN), "warn", "on_error name");
        ok(vp_on_error_name(VP_ONERR_UNSET) == NULL, "unset has no name");
        is_str(vp_strategy_name(VP_STRAT_SPREAD), "spread", "strategy name");
        is_str(vp_strategy_name(VP_STRAT_PACK), "pack", "strategy name");
        is_str(vp_cpu_policy_name(VP_CPU_NONE), "none", "cpu_policy name");
        is_str(vp_cpu_policy_name(VP_CPU_SHARED), "shared", "cpu_policy name");
        is_str(vp_cpu_policy_name(VP_CPU_DEDICATED), "dedicated", "cpu_policy name");
        is_str(vp_thread_policy_name(VP_THREAD_PREFER), "prefer", "thread_policy name");
        is_str(vp_thread_policy_name(VP_THREAD_ISOLATE), "isolate", "thread_policy name");
        is_str(vp_thread_policy_name(VP_THREAD_REQUIRE), "require", "thread_policy name");
        is_str(vp_emu_policy_name(VP_EMU_SHARE), "share", "emulator_policy name");
        is_str(vp_emu_policy_name(VP_EMU_ISOLATE), "isolate", "emulator_policy name");
        ok(vp_strategy_name((vp_strategy)99) == NULL, "out of range has no name");

        vp_diag d = {0};
        vp_diag_add_error(&d, "%s:%d: %s", "f", 1, "e");
        vp_diag_add_warning(&d, "w%d", 2);
        ok(d.n_errors == 1 && !strcmp(d.errors[0], "f:1: e") && d.n_warnings == 1 &&
               !strcmp(d.warnings[0], "w2"),
           "diag add");
        vp_diag_free(&d);
        ok(d.n_errors == 0 && d.errors == NULL, "diag free resets");
        vp_diag_free(NULL);
        vp_config_free(NULL);

        vp_config *c = (vp_config *)1;
        is_int(vp_config_load("", false, &c, &d), -EINVAL, "empty confdir refused");
        ok(c == NULL && d.n_errors == 1, "with a message");
        vp_diag_free(&d);
        is_int(vp_config_load(NULL, false, &c, NULL), -EINVAL, "NULL confdir, NULL diag");
}

int main(void)
{
        umask(022);
        test_good_tree();
        test_includes();
        test_match_inherited();
        test_match();
        test_defaults();
        test_errors();
        test_all_reported();
        test_perms();
        test_names_and_diag();
        return tap_done();
}
