/* The configuration loader (lib/config.c over inih): a whole confdir per
 * input. The input is split at "\n%%\n" lines: the first piece is
 * vmplace.ini, the next ones profiles.d/{base,database,general,analytics,
 * web,p5}.ini, so includes (chains, cycles, missing targets),
 * default_profile and host+profile checks are all reachable. A valid config
 * is then matched against a few domain names and every profile planned for
 * a fixed domain on the 2-node SMT host of tests/data/topo. */
#include <string.h>

#include "common.h"
#include "config.h"
#include "plan.h"
#include "topology.h"

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
}

static void check_diag(const vp_diag *d)
{
        for (size_t i = 0; i < d->n_errors; i++)
                fz_check_msg("vp_config_load error", d->errors[i]);
        for (size_t i = 0; i < d->n_warnings; i++)
                fz_check_msg("vp_config_load warning", d->warnings[i]);
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
        if (c)
                use(c);
        vp_config_free(c);
        vp_diag_free(&diag);
        return 0;
}
