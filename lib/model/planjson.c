/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "planjson.h"

#include "config.h"

void vp_json_init(void)
{
        json_global_set_string_hash(JSON_C_STR_HASH_PERLLIKE);
}

const char *const vp_launch_only_names[3] = {"guest_numa", "numatune.memnode", "numatune.mode"};

json_object *vp_json_launch_only(unsigned launch_only)
{
        json_object *lo = json_object_new_array();
        for (unsigned i = 0; i < VP_ARRAY_SIZE(vp_launch_only_names); i++)
                if (launch_only & (1u << i))
                        json_object_array_add(lo, json_object_new_string(vp_launch_only_names[i]));
        return lo;
}

json_object *vp_json_cpuset(const vp_cpuset *s)
{
        if (vp_cpuset_empty(s))
                return NULL;
        char *txt = vp_cpuset_format(s);
        json_object *o = json_object_new_string(txt);
        free(txt);
        return o;
}

json_object *vp_json_drifts(const vp_drifts *d)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < d->n; i++) {
                json_object *x = json_object_new_object();
                json_object_object_add(x, "file", json_object_new_string(d->d[i].file));
                json_object_object_add(x, "want", json_object_new_string(d->d[i].want));
                json_object_object_add(x, "have", json_object_new_string(d->d[i].have));
                json_object_array_add(a, x);
        }
        return a;
}

json_object *vp_json_id_array(const vp_cpuset *s)
{
        json_object *a = json_object_new_array();
        for (int i = vp_cpuset_next(s, 0); i >= 0; i = vp_cpuset_next(s, (unsigned)i + 1))
                json_object_array_add(a, json_object_new_int(i));
        return a;
}

static json_object *str_or_null(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

json_object *vp_json_entry(const vp_ledger_entry *e, const char *state)
{
        uint64_t mem = 0;
        for (size_t k = 0; k < e->n_mem; k++)
                mem += e->mem[k].kib;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(e->name));
        json_object_object_add(o, "uuid", str_or_null(e->uuid));
        json_object_object_add(o, "profile", str_or_null(e->profile));
        json_object_object_add(o, "matched_by", str_or_null(e->matched_by));
        json_object_object_add(o, "state", json_object_new_string(state));
        json_object_object_add(o, "kind", json_object_new_string(vp_entry_kind_name(e->kind)));
        vp_cpuset cpus = vp_cpumask_get(&e->vcpu_cpus), held = vp_cpumask_get(&e->held),
                  emu = vp_cpumask_get(&e->emulator_cpus), nodes = vp_cpumask_get(&e->nodes);
        json_object_object_add(o, "cpus", vp_json_cpuset(&cpus));
        json_object_object_add(o, "held", vp_json_cpuset(&held));
        json_object_object_add(o, "emulator_cpus", vp_json_cpuset(&emu));
        json_object_object_add(o, "nodes", vp_json_id_array(&nodes));
        json_object_object_add(o, "memory_kib", json_object_new_int64((int64_t)mem));
        return o;
}

static json_object *pins_json(const vp_pin *pins, size_t n)
{
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < n; i++) {
                char key[16];
                snprintf(key, sizeof(key), "%u", pins[i].id);
                json_object_object_add(o, key, vp_json_cpuset(&pins[i].set));
        }
        return o;
}

json_object *vp_plan_to_json(const vp_plan *p, const vp_domain *dom, vp_cgroup_version v,
                             const char *xml_diff)
{
        const vp_tune *t = &p->tune;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "domain", json_object_new_string(p->domain));
        json_object_object_add(o, "uuid", str_or_null(p->uuid));
        json_object_object_add(o, "profile", str_or_null(p->profile));
        json_object_object_add(o, "matched_by", str_or_null(p->matched_by));
        json_object_object_add(o, "vcpus", json_object_new_int64(p->vcpus));
        json_object_object_add(o, "memory_kib", json_object_new_int64((int64_t)p->memory_kib));
        json_object_object_add(o, "kind", json_object_new_string(vp_entry_kind_name(p->kind)));
        json_object_object_add(o, "isolation",
                               json_object_new_string(p->isolated ? "host" : "none"));
        json_object_object_add(o, "host_nodes", vp_json_id_array(&p->host_nodes));
        json_object *nm = json_object_new_object();
        for (size_t i = 0; i < p->n_node_mem; i++) {
                char key[16];
                snprintf(key, sizeof(key), "%u", p->node_mem[i].node);
                json_object_object_add(nm, key, json_object_new_int64((int64_t)p->node_mem[i].kib));
        }
        json_object_object_add(o, "node_memory_kib", nm);
        json_object_object_add(o, "cpus", vp_json_cpuset(&p->held));
        json_object_object_add(o, "emulator_cpus", vp_json_cpuset(&p->emulator_cpus));
        json_object_object_add(o, "vcpu_cpuset",
                               t->vcpu_cpuset_set ? vp_json_cpuset(&t->vcpu_cpuset) : NULL);

        json_object *ct = json_object_new_object();
        for (int i = 0; i < VP_T__COUNT; i++)
                if (t->q[i].set)
                        json_object_object_add(ct, vp_tune_scalar_names[i],
                                               json_object_new_int64(t->q[i].v));
        json_object_object_add(ct, "vcpupin", pins_json(t->vcpupin, t->n_vcpupin));
        json_object_object_add(ct, "emulatorpin",
                               t->emulatorpin_set ? vp_json_cpuset(&t->emulatorpin) : NULL);
        json_object_object_add(ct, "iothreadpin", pins_json(t->iothreadpin, t->n_iothreadpin));
        json_object_object_add(o, "cputune", ct);

        json_object *nt = json_object_new_object();
        json_object_object_add(nt, "mode", str_or_null(vp_mem_mode_name(t->mem_mode)));
        json_object_object_add(nt, "nodeset", t->nodeset_set ? vp_json_cpuset(&t->nodeset) : NULL);
        json_object *mn = json_object_new_object();
        for (size_t i = 0; i < t->n_memnodes; i++) {
                json_object *m = json_object_new_object();
                json_object_object_add(m, "mode",
                                       str_or_null(vp_mem_mode_name(t->memnodes[i].mode)));
                json_object_object_add(
                    m, "nodeset",
                    t->memnodes[i].nodeset_set ? vp_json_cpuset(&t->memnodes[i].nodeset) : NULL);
                char key[16];
                snprintf(key, sizeof(key), "%u", t->memnodes[i].cellid);
                json_object_object_add(mn, key, m);
        }
        json_object_object_add(nt, "memnode", mn);
        json_object_object_add(o, "numatune", nt);

        json_object *gn = json_object_new_array();
        for (size_t i = 0; i < t->n_cells; i++) {
                json_object *cell = json_object_new_object();
                json_object_object_add(cell, "id", json_object_new_int64(t->cells[i].id));
                json_object_object_add(cell, "cpus", vp_json_cpuset(&t->cells[i].cpus));
                json_object_object_add(cell, "memory_kib",
                                       json_object_new_int64((int64_t)t->cells[i].memory_kib));
                json_object_array_add(gn, cell);
        }
        json_object_object_add(o, "guest_numa", gn);

        json_object_object_add(o, "launch_only", vp_json_launch_only(p->launch_only));

        json_object *cg = json_object_new_array();
        {
                vp_cgwrites w;
                vp_plan_cgwrites(p, dom, v, &w);
                for (size_t i = 0; i < w.n; i++) {
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "file", json_object_new_string(w.w[i].file));
                        json_object_object_add(e, "value", json_object_new_string(w.w[i].value));
                        json_object_array_add(cg, e);
                }
                vp_cgwrites_free(&w);
        }
        json_object_object_add(o, "cgroup", cg);
        json_object_object_add(o, "cgroup_version", json_object_new_int(v));
        json_object_object_add(o, "reason", str_or_null(p->reason));
        json_object_object_add(o, "refusal", str_or_null(p->refusal));
        if (xml_diff)
                json_object_object_add(o, "xml_diff", json_object_new_string(xml_diff));
        return o;
}
