/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Domain XML (lib/model/domain.c), as libvirt hands it to the hook and as its
 * <domstatus> files hold it, then what vmplace does with a document it
 * accepted: the rewrite (lib/model/rewrite.c) with a fixed plan owning every item,
 * and the planner (lib/model/plan.c) with the matched profile of
 * tests/data/config/good on the 2-node SMT host of tests/data/topo, followed
 * by its rewrite, cgroup writes, JSON and diff. Every rewritten document must
 * parse again. */
#include <json-c/json.h>
#include <string.h>

#include "cgwrites.h"
#include "common.h"
#include "config.h"
#include "confmatch.h"
#include "linediff.h"
#include "planjson.h"
#include "plan.h"
#include "rewrite.h"
#include "topology.h"

static vp_topology *topo;
static vp_config *cfg;
static vp_tune fixed;

static void set_of(vp_cpuset *s, const char *text)
{
        if (vp_cpuset_parse(s, text, VP_MAX_CPUS, NULL) < 0)
                abort();
}

/* A plan that sets every item the rewrite knows, as a placement would. */
static void fixed_plan(vp_tune *t)
{
        vp_tune_init(t);
        static const long long q[VP_T__COUNT] = {2048,   100000, -1,     100000, 50000,
                                                 100000, 20000,  100000, -1};
        for (int i = 0; i < VP_T__COUNT; i++)
                t->q[i] = (vp_opt_ll){true, q[i]};
        t->vcpu_cpuset_set = true;
        set_of(&t->vcpu_cpuset, "2-5");
        vp_cpuset s;
        set_of(&s, "2");
        vp_pins_put(&t->vcpupin, &t->n_vcpupin, 0, &s);
        set_of(&s, "3");
        vp_pins_put(&t->vcpupin, &t->n_vcpupin, 1, &s);
        t->emulatorpin_set = true;
        set_of(&t->emulatorpin, "0-1");
        set_of(&s, "4");
        vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, 1, &s);
        t->mem_mode = VP_MEM_STRICT;
        t->nodeset_set = true;
        set_of(&t->nodeset, "0");
        vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, 0);
        m->mode = VP_MEM_STRICT;
        m->nodeset_set = true;
        set_of(&m->nodeset, "0");
        vp_cell *c = vp_cells_get(&t->cells, &t->n_cells, 0);
        c->cpus_set = c->memory_set = true;
        set_of(&c->cpus, "0-1");
        c->memory_kib = 1048576;
}

static void setup(void)
{
        if (topo)
                return;
        fz_load_fixtures(&topo, &cfg);
        vp_json_init();
        fixed_plan(&fixed);
}

/* Serialise dom and parse the result: what vmplace writes must read back. */
static char *format_reparse(const vp_domain *dom, const char *what)
{
        char *out = NULL;
        size_t len = 0;
        vp_error err;
        if (vp_domain_format(dom, &out, &len, &err) < 0)
                fz_fail("%s: cannot format: %s", what, err.msg);
        vp_domain *again = NULL;
        if (vp_domain_parse(out, len, &again, &err) < 0)
                fz_fail("%s: the rewritten XML does not parse: %s\n%s", what, err.msg, out);
        vp_domain_free(again);
        return out;
}

static void rewrite_fixed(const uint8_t *data, size_t size)
{
        vp_domain *dom = NULL;
        vp_error err;
        if (vp_domain_parse((const char *)data, size, &dom, &err) < 0)
                return;
        err.msg[0] = '\0';
        if (vp_rewrite_apply(dom, &fixed, 0xffffffffu, &err) == 0)
                free(format_reparse(dom, "fixed plan"));
        else
                fz_check_msg("vp_rewrite_apply", err.msg);
        vp_domain_free(dom);
}

static void plan(const uint8_t *data, size_t size)
{
        vp_domain *dom = NULL;
        vp_error err;
        if (vp_domain_parse((const char *)data, size, &dom, &err) < 0)
                return;
        char *matched_by = NULL;
        const vp_profile *prof =
            vp_config_match(cfg, dom->name, dom->metadata_profile, &matched_by);
        if (!prof) /* still plan: every profile should meet odd documents */
                prof = &cfg->profiles[size % cfg->n_profiles];
        vp_ledger ledger = {0};
        vp_plan_input in = {.dom = dom,
                            .profile = prof,
                            .matched_by = matched_by ? matched_by : "fuzz",
                            .host = &cfg->host,
                            .topo = topo,
                            .ledger = &ledger,
                            .abi_fixed = size & 1};
        vp_plan p;
        err.msg[0] = '\0';
        if (vp_plan_compute(&in, &p, &err) < 0) {
                fz_check_msg("vp_plan_compute", err.msg);
        } else if (p.refusal) {
                fz_check_msg("refusal", p.refusal);
        } else {
                for (vp_cgroup_version v = VP_CGROUP_V1; v <= VP_CGROUP_V2; v++) {
                        vp_cgwrites w;
                        vp_plan_cgwrites(&p, dom, v, &w);
                        vp_cgwrites_free(&w);
                }
                _cleanup_free_ char *before = NULL;
                if (vp_domain_format(dom, &before, NULL, &err) < 0)
                        fz_fail("cannot format a parsed domain: %s", err.msg);
                err.msg[0] = '\0';
                if (vp_rewrite_apply(dom, &p.tune, p.owned, &err) == 0) {
                        _cleanup_free_ char *after = format_reparse(dom, "planned");
                        _cleanup_free_ char *diff =
                            vp_linediff(before, after, "domain.xml", "domain.xml (vmplace)");
                        json_object_put(vp_plan_to_json(&p, dom, VP_CGROUP_V2, diff));
                } else {
                        fz_check_msg("vp_rewrite_apply (plan)", err.msg);
                }
        }
        vp_plan_free(&p);
        free(matched_by);
        vp_domain_free(dom);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 256 * 1024)
                return 0;
        setup();
        rewrite_fixed(data, size);
        plan(data, size);
        return 0;
}
