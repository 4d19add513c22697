/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config index (lib/io/confindex.c): what a start decides through the index
 * equals what the full load decides, and any change to the files, a fresh
 * edit, or a damaged, foreign or lying index falls back to the full load. */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confindex.h"
#include "configfile.h"
#include "confmatch.h"
#include "fileio.h"
#include "tap.h"
#include "tree.h"

/* everything the planner reads from a profile, as text */
static char *profile_str(const vp_profile *p)
{
        if (!p)
                return vp_xstrdup("(none)");
        char a[256], b[256], c[256];
        char *s = vp_xasprintf(
            "%s|%s|inc=%s|md=%s|prio=%d/%d|onerr=%d|cpu=%d|thr=%d|emu=%d|nodes=%u|strat=%d|"
            "cells=%d/%u|nsk=%d|vcpus=%d:%s|emupin=%d:%s|mem=%d|nodeset=%d:%s|pins=%zu/%zu|"
            "memnodes=%zu|cellv=%zu|names=%zu",
            p->name, p->path, p->include ? p->include : "-", p->metadata ? p->metadata : "-",
            p->priority_set, p->priority, p->on_error, p->cpu_policy, p->thread_policy,
            p->emulator_policy, p->numa_nodes, p->strategy, p->cells_kind, p->cells_count,
            p->nodeset_kind, p->tune.vcpu_cpuset_set,
            vp_cpuset_fmt(&p->tune.vcpu_cpuset, a, sizeof(a)), p->tune.emulatorpin_set,
            vp_cpuset_fmt(&p->tune.emulatorpin, b, sizeof(b)), p->tune.mem_mode,
            p->tune.nodeset_set, vp_cpuset_fmt(&p->tune.nodeset, c, sizeof(c)), p->tune.n_vcpupin,
            p->tune.n_iothreadpin, p->tune.n_memnodes, p->tune.n_cells, p->n_names);
        for (int i = 0; i < VP_T__COUNT; i++) {
                char *t = vp_xasprintf("%s|q%d=%d:%lld", s, i, p->tune.q[i].set, p->tune.q[i].v);
                free(s);
                s = t;
        }
        for (size_t i = 0; i < p->n_names; i++) {
                char *t = vp_xasprintf("%s|%s", s, p->names[i]);
                free(s);
                s = t;
        }
        return s;
}

typedef struct got {
        int r;
        bool partial;
        size_t n_profiles;
        char *profile; /* profile_str */
        char *by;
        char *err;
} got;

static void got_free(got *g)
{
        free(g->profile);
        free(g->by);
        free(g->err);
}

static got load_for(const char *conf, const char *run, const char *name, const char *md, time_t now)
{
        got g = {0};
        vp_config *cfg = NULL;
        const vp_profile *p = NULL;
        vp_diag diag = {.errors_only = true};
        g.r = vp_config_load_for(conf, run, false, name, md, now, &cfg, &p, &g.by, &diag);
        if (cfg) {
                g.partial = cfg->partial;
                g.n_profiles = cfg->n_profiles;
        }
        g.profile = profile_str(p);
        g.err = diag.n_errors ? vp_xstrdup(diag.errors[0].msg) : NULL;
        vp_diag_free(&diag);
        vp_config_free(cfg);
        return g;
}

static bool exists(const char *run)
{
        char *p = vp_xasprintf("%s/%s", run, VP_CONFINDEX_FILE);
        bool e = access(p, F_OK) == 0;
        free(p);
        return e;
}

static char *index_path(const char *run)
{
        return vp_xasprintf("%s/%s", run, VP_CONFINDEX_FILE);
}

/* a name the glob matches: '*' and '?' become letters */
static char *name_for(const char *glob)
{
        char *s = vp_xstrdup(glob);
        for (char *c = s; *c; c++)
                if (*c == '*' || *c == '?')
                        *c = 'x';
        return s;
}

static void copy_tree(const char *src, const char *dst)
{
        char *cmd = vp_xasprintf("cp -r '%s'/. '%s'/ && chmod -R go-w '%s'", src, dst, dst);
        if (system(cmd) != 0)
                abort();
        free(cmd);
}

/* Every way a domain can match the shipped test tree: through the index the
 * same profile, matched_by and profile values as the full load. */
static void test_equivalence(const char *data)
{
        char *conf = tree_new("confindex"), *run = tree_new("confindex");
        copy_tree(data, conf);
        time_t later = time(NULL) + 60;

        got fresh = load_for(conf, run, "db-1", NULL, time(NULL));
        is_int(fresh.r, 0, "fresh tree loads");
        ok(!exists(run), "no index for files changed within %d s", VP_CONFINDEX_SETTLE_SECONDS);
        got_free(&fresh);

        vp_config *full = NULL;
        vp_diag diag = {0};
        is_int(vp_config_load(conf, false, &full, &diag), 0, "full load of %s", data);
        vp_diag_free(&diag);

        got first = load_for(conf, run, "db-1", NULL, later);
        ok(!first.partial && exists(run), "settled tree: full load, index written");
        struct stat st;
        char *ip = index_path(run);
        ok(stat(ip, &st) == 0 && (st.st_mode & 0777) == 0600, "index is mode 0600");
        free(ip);
        got_free(&first);

        /* domains: each glob of each profile, each metadata tag, and one
         * name nothing matches (the default profile) */
        size_t cases = 0, same = 0, indexed = 0, by_name = 0, matcher_same = 0, reads_md = 0;
        /* the I3 matcher, through the index and through a full load */
        vp_config_matcher *mi = vp_config_matcher_open(conf, run, false),
                          *mf = vp_config_matcher_open(conf, NULL, false);
        ok(mi && mf, "matchers open");
        for (size_t i = 0; i <= full->n_profiles; i++) {
                const vp_profile *p = i < full->n_profiles ? &full->profiles[i] : NULL;
                size_t n = p ? p->n_names + (p->metadata ? 1 : 0) : 1;
                for (size_t k = 0; k < n; k++) {
                        char *name = !p               ? vp_xstrdup("zz-matches-no-glob")
                                     : k < p->n_names ? name_for(p->names[k])
                                                      : vp_xstrdup("zz-matches-no-glob");
                        const char *md = p && k == p->n_names ? p->metadata : NULL;
                        char *by = NULL;
                        const vp_profile *want = vp_config_match(full, name, md, &by);
                        char *want_s = profile_str(want);
                        got g = load_for(conf, run, name, md, later);
                        cases++;
                        indexed += g.partial;
                        bool eq = g.r == 0 && strcmp(g.profile, want_s) == 0 &&
                                  ((!g.by && !by) || (g.by && by && strcmp(g.by, by) == 0));
                        same += eq;
                        if (!eq)
                                printf("# %s md=%s:\n#  got  %s (%s)\n#  want %s (%s)\n", name,
                                       md ? md : "-", g.profile, g.by ? g.by : "-", want_s,
                                       by ? by : "-");
                        if (mi && mf) {
                                /* what running domains the ledger lacks get */
                                const vp_profile *bn = vp_config_match(full, name, md, NULL);
                                by_name++;
                                matcher_same += vp_config_matcher_manages(mi, name, md) == !!bn &&
                                                vp_config_matcher_manages(mf, name, md) == !!bn;
                                reads_md += vp_config_matcher_reads_metadata(mi) &&
                                            vp_config_matcher_reads_metadata(mf);
                        }
                        got_free(&g);
                        free(want_s);
                        free(by);
                        free(name);
                }
        }
        ok(cases >= 6, "%zu domains tried", cases);
        is_int(indexed, cases, "every one decided through the index");
        is_int(same, cases, "every one decided as the full load does");
        ok(by_name > 0, "%zu names tried on the matchers", by_name);
        is_int(matcher_same, by_name,
               "the matchers manage what the full load manages, "
               "by name and by metadata");
        is_int(reads_md, by_name, "both matchers know some profile matches by metadata");
        vp_config_matcher_free(mi);
        vp_config_matcher_free(mf);

        /* a chain: the partial config holds the profile and what it includes */
        got db = load_for(conf, run, "db-1", NULL, later);
        const vp_profile *dbp = vp_config_profile(full, "database");
        ok(db.partial && dbp && dbp->include, "database includes %s",
           dbp && dbp->include ? dbp->include : "nothing");
        is_int(db.n_profiles, 2, "partial config: database and base only");
        got_free(&db);
        vp_config_free(full);
        tree_rm(conf);
        tree_rm(run);
}

static const char *BASE = "[placement]\ncpu_policy = shared\n";
static const char *A1 =
    "[match]\nnames = a-*\n[profile]\ninclude = base\n[cputune]\nshares = 100\n";
static const char *A2 =
    "[match]\nnames = a-*\n[profile]\ninclude = base\n[cputune]\nshares = 200\n";

static char *shares_of(const char *conf, const char *run, time_t now, bool *partial, int *r)
{
        vp_config *cfg = NULL;
        const vp_profile *p = NULL;
        vp_diag diag = {.errors_only = true};
        *r = vp_config_load_for(conf, run, false, "a-1", NULL, now, &cfg, &p, NULL, &diag);
        *partial = cfg && cfg->partial;
        char *s = p ? vp_xasprintf("%lld", p->tune.q[VP_T_SHARES].v)
                    : vp_xstrdup(diag.n_errors ? diag.errors[0].msg : "(none)");
        vp_diag_free(&diag);
        vp_config_free(cfg);
        return s;
}

/* Changes and damage: each falls back to the full load, which sees the truth. */
static void test_invalidation(void)
{
        char *conf = tree_new("confindex"), *run = tree_new("confindex");
        char *pd = vp_xasprintf("%s/profiles.d", conf);
        mkdir(pd, 0755);
        tree_put(conf, "vmplace.ini", "[host]\non_error = refuse\n", 0644);
        tree_put(conf, "profiles.d/base.ini", BASE, 0644);
        tree_put(conf, "profiles.d/a.ini", A1, 0644);
        time_t later = time(NULL) + 60;
        bool partial;
        int r;
        char *v;

        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial && strcmp(v, "100") == 0, "first load: full, shares 100 (%s)", v);
        free(v);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && partial && strcmp(v, "100") == 0, "second: indexed, shares 100 (%s)", v);
        free(v);
        /* the I3 matcher reads the same index: no default profile here */
        vp_config_matcher *m = vp_config_matcher_open(conf, run, false);
        ok(m && vp_config_matcher_manages(m, "a-1", NULL) &&
               !vp_config_matcher_manages(m, "zz-1", NULL),
           "matcher on the index: a-1 managed, zz-1 not");
        vp_config_matcher_free(m);

        /* an edit of the same size: ctime changes */
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        tree_put(conf, "profiles.d/a.ini", A2, 0644);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial && strcmp(v, "200") == 0, "same-size edit: full load, 200 (%s)", v);
        free(v);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && partial && strcmp(v, "200") == 0, "then indexed again, 200 (%s)", v);
        free(v);

        /* an edit in the file an include names */
        tree_put(conf, "profiles.d/base.ini", "[placement]\ncpu_policy = shared\n[cputune]\n",
                 0644);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial, "edit of the included base: full load");
        free(v);

        /* a new invalid profile: refused even though an index exists */
        tree_put(conf, "profiles.d/zz.ini", "[cputune]\nshares = lots\n", 0644);
        v = shares_of(conf, run, later, &partial, &r);
        is_int(r, -EINVAL, "new invalid profile: the load fails");
        like(v, "zz.ini:2", "and names the file and line");
        free(v);
        v = shares_of(conf, run, later, &partial, &r);
        is_int(r, -EINVAL, "and keeps failing (an invalid config gets no index)");
        free(v);
        char *zz = vp_xasprintf("%s/zz.ini", pd);
        unlink(zz);
        free(zz);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial, "removed again: full load");
        free(v);

        /* The indexed path stats only the files the index lists; what else
         * appears in profiles.d shows in the directory's own timestamps. A
         * file that is not a profile: the full load once, then indexed. */
        nanosleep(&pause, NULL);
        tree_put(conf, "profiles.d/README", "notes\n", 0644);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial, "a new file in profiles.d: full load");
        free(v);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && partial, "then indexed");
        free(v);
        /* a profile renamed keeps its inode, size and times: only the
         * directory tells, and the profile that matches is b now */
        char *from = vp_xasprintf("%s/a.ini", pd), *to = vp_xasprintf("%s/b.ini", pd);
        nanosleep(&pause, NULL);
        ok(rename(from, to) == 0, "a.ini renamed to b.ini");
        vp_config *cfg = NULL;
        const vp_profile *p = NULL;
        vp_diag diag = {.errors_only = true};
        r = vp_config_load_for(conf, run, false, "a-1", NULL, later, &cfg, &p, NULL, &diag);
        ok(r == 0 && cfg && !cfg->partial && p && strcmp(p->name, "b") == 0,
           "renamed: full load, profile %s", p ? p->name : "(none)");
        vp_config_free(cfg);
        vp_diag_free(&diag);
        ok(rename(to, from) == 0, "and back");
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial && strcmp(v, "200") == 0, "back: full load, 200 (%s)", v);
        free(v);
        free(from);
        free(to);

        /* a mode change (what the permission check reads) */
        char *a = vp_xasprintf("%s/a.ini", pd);
        chmod(a, 0600);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial, "chmod: full load");
        free(v);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && partial, "then indexed");
        free(v);

        /* vmplace.ini removed */
        char *host = vp_xasprintf("%s/vmplace.ini", conf);
        unlink(host);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial, "vmplace.ini removed: full load");
        free(v);

        /* damaged or foreign indexes: each is ignored */
        char *ip = index_path(run);
        char *good = NULL;
        size_t len = 0;
        vp_error err;
        v = shares_of(conf, run, later, &partial, &r);
        free(v);
        ok(partial && vp_read_file(ip, 1 << 20, &good, &len, &err) == 0, "index read back");
        struct {
                const char *what;
                char *text;
                mode_t mode;
        } bad[] = {
            {"garbage after the key", vp_xasprintf("%sx what\n", good), 0600},
            {"truncated", vp_xasprintf("%.*s", (int)(len / 2), good), 0600},
            {"group-readable", vp_xstrdup(good), 0640},
            {"a cycle", vp_xasprintf("%s", good), 0600},
            {"unsorted profiles", vp_xasprintf("%sp 0first\n", good), 0600},
            {"empty", vp_xstrdup(""), 0600},
        };
        /* the cycle: base includes a */
        char *at = strstr(bad[3].text, "p base\n");
        if (at) {
                char *t = vp_xasprintf("%.*sp base\ni a\n%s", (int)(at - bad[3].text), bad[3].text,
                                       at + strlen("p base\n"));
                free(bad[3].text);
                bad[3].text = t;
        }
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                vp_write_file_atomic(ip, bad[i].text, strlen(bad[i].text), bad[i].mode, NULL);
                chmod(ip, bad[i].mode);
                v = shares_of(conf, run, later, &partial, &r);
                ok(r == 0 && !partial && strcmp(v, "200") == 0, "%s index: full load, 200 (%s)",
                   bad[i].what, v);
                free(v);
                free(bad[i].text);
        }
        /* another confdir's index */
        char *other = tree_new("confindex");
        copy_tree(conf, other);
        v = shares_of(other, run, later, &partial, &r);
        ok(r == 0 && !partial, "another confdir: full load");
        free(v);
        v = shares_of(conf, run, later, &partial, &r);
        ok(r == 0 && !partial, "and back: full load (the index is the other's now)");
        free(v);
        /* no run dir given: never an index */
        v = shares_of(conf, NULL, later, &partial, &r);
        ok(r == 0 && !partial && strcmp(v, "200") == 0, "no run dir: full load");
        free(v);

        tree_rm(other);
        free(good);
        free(ip);
        free(host);
        free(a);
        free(pd);
        tree_rm(conf);
        tree_rm(run);
}

int main(void)
{
        const char *data = getenv("VMPLACE_TEST_DATA");
        char *good = vp_xasprintf("%s/config/good", data ? data : "tests/data");
        test_equivalence(good);
        free(good);
        test_invalidation();
        return tap_done();
}
