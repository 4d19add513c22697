/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration loader (lib/io/configfile.c and lib/model/conf*.c over inih): a whole confdir
 * per input. The input is split at "\n%%\n" lines: the first piece is vmplace.ini, the next ones
 * profiles.d/{base,database,general,analytics,web,p5}.ini, so includes (chains, cycles, missing
 * targets), default_profile and host+profile checks are all reachable. A valid config is then
 * matched against a few domain names and every profile planned for a fixed domain on the 2-node SMT
 * host of tests/data/topo, and decided again through the config index. */
#include <string.h>

#include "common.h"
#include "fileio.h"
#include "configfile.h"
#include "confmatch.h"
#include "confindex.h"
#include "plan.h"
#include "running.h"
#include "topoload.h"

static const char *const names[] = {"base", "database", "general", "analytics", "web", "p5"};
#define N_PROFILES VP_ARRAY_SIZE(names)

static vp_topology *topo;
static vp_domain *dom;

static void setup(void)
{
        if (topo)
                return;
        vp_error err;
        if (vp_topology_load(FUZZ_DATA "/topo/2node-smt", &topo, &err) < 0)
                fz_fail("topology: %s", err.msg);
        if (vp_domain_parse_file(FUZZ_DATA "/xml/corpus/vi-numa-2cells.xml", &dom, &err) < 0)
                fz_fail("domain: %s", err.msg);
        fz_mkdir("conf/profiles.d");
        fz_mkdir("run");
}

static void check_diag(const vp_diag *d)
{
        for (size_t i = 0; i < d->n_errors; i++)
                fz_check_msg("vp_config_load error", d->errors[i].msg);
        for (size_t i = 0; i < d->n_warnings; i++)
                fz_check_msg("vp_config_load warning", d->warnings[i].msg);
}

static void use(const vp_config *c)
{
        static const char *const doms[] = {"db-1", "pg-01", "olap-x", "web01", "x"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(doms); i++) {
                char *by = NULL;
                const vp_profile *p = vp_config_match(
                    c, doms[i], i < c->n_profiles ? c->profiles[i].name : NULL, &by);
                if (!p != !by)
                        fz_fail("match of %s: profile %s but matched_by %s", doms[i],
                                p ? p->name : "(none)", by ? by : "(null)");
                free(by);
        }
        for (size_t i = 0; i < c->n_profiles; i++) {
                if (vp_config_profile(c, c->profiles[i].name) != &c->profiles[i])
                        fz_fail("profile %s not found by name", c->profiles[i].name);
                vp_ledger ledger = {0};
                vp_plan_input in = {.dom = dom,
                                    .profile = &c->profiles[i],
                                    .matched_by = "fuzz",
                                    .host = &c->host,
                                    .topo = topo,
                                    .ledger = &ledger};
                vp_plan plan;
                vp_error err;
                err.msg[0] = '\0';
                if (vp_plan_compute(&in, &plan, &err) < 0)
                        fz_check_msg("vp_plan_compute", err.msg);
                else if (plan.refusal)
                        fz_check_msg("refusal", plan.refusal);
                vp_plan_free(&plan);
        }
}

/* The config index (lib/io/confindex.c) built from this valid config decides
 * every domain as the full load does. The index is removed first: files
 * rewritten within one timestamp tick keep their key, which the settle rule
 * guards against in real use and the far-future now here skips. */
static void indexed(const char *conf, const vp_config *c)
{
        static const char *const doms[] = {"db-1", "pg-01", "olap-x", "web01", "x"};
        _cleanup_free_ char *run = fz_path("run");
        fz_unlink("run/" VP_CONFINDEX_FILE);
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < VP_ARRAY_SIZE(doms); i++) {
                        const char *md = i < c->n_profiles ? c->profiles[i].name : NULL;
                        char *want_by = NULL, *by = NULL;
                        const vp_profile *want = vp_config_match(c, doms[i], md, &want_by);
                        vp_config *ic = NULL;
                        const vp_profile *p = NULL;
                        vp_diag d = {.errors_only = true};
                        int r = vp_config_load_for(conf, run, false, doms[i], md, time(NULL) + 3600,
                                                   &ic, &p, &by, &d);
                        if (r < 0 || !want != !p || (p && strcmp(p->name, want->name) != 0) ||
                            !want_by != !by || (by && strcmp(by, want_by) != 0) ||
                            (pass == 1 && !ic->partial))
                                fz_fail("indexed load (pass %d) of %s: %d, %s by %s, want %s by "
                                        "%s",
                                        pass, doms[i], r, p ? p->name : "(none)", by ? by : "-",
                                        want ? want->name : "(none)", want_by ? want_by : "-");
                        if (p && p->tune.q[VP_T_SHARES].v != want->tune.q[VP_T_SHARES].v)
                                fz_fail("indexed load of %s: shares differ", doms[i]);
                        vp_diag_free(&d);
                        vp_config_free(ic);
                        free(by);
                        free(want_by);
                }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 64 * 1024)
                return 0;
        setup();
        const uint8_t *parts[1 + N_PROFILES];
        size_t lens[1 + N_PROFILES];
        size_t n = fz_split(data, size, parts, lens, 1 + N_PROFILES);
        fz_write("conf/vmplace.ini", parts[0], lens[0]);
        for (size_t i = 0; i < N_PROFILES; i++) {
                char rel[64];
                snprintf(rel, sizeof(rel), "conf/profiles.d/%s.ini", names[i]);
                if (i + 1 < n)
                        fz_write(rel, parts[i + 1], lens[i + 1]);
                else
                        fz_unlink(rel);
        }
        _cleanup_free_ char *conf = fz_path("conf");
        vp_config *c = NULL;
        vp_diag diag = {0};
        int r = vp_config_load(conf, false, &c, &diag);
        check_diag(&diag);
        if ((r == 0) != (c != NULL) || (r == 0) != (diag.n_errors == 0))
                fz_fail("vp_config_load returned %d with config %p and %zu errors", r, (void *)c,
                        diag.n_errors);
        if (c) {
                use(c);
                indexed(conf, c);
        }
        vp_config_free(c);
        vp_diag_free(&diag);
        return 0;
}
