/* The host's CPU pools and the floating rule: what dedicated VMs hold, where
 * shared VMs and shared emulators float, and what a node still admits
 * (plan.h). Pure. */
#include "plan_impl.h"

#include <string.h>

void vp_plan_nodes_cpus(const vp_topology *t, const vp_cpuset *nodes, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        for (size_t i = 0; i < t->n_nodes; i++)
                if (vp_cpuset_test(nodes, t->nodes[i].id))
                        vp_cpuset_or(out, &t->nodes[i].cpus);
}

int64_t vp_plan_node_admits_kib(const vp_node *node, uint64_t reserved_kib, uint64_t committed_kib)
{
        int64_t by_commit =
            (int64_t)node->total_kib - (int64_t)reserved_kib - (int64_t)committed_kib;
        int64_t by_free = (int64_t)node->free_kib - (int64_t)reserved_kib;
        return by_commit < by_free ? by_commit : by_free;
}

void vp_plan_pools(const vp_host_config *h, const vp_topology *t, const vp_ledger *l,
                   const char *skip_uuid, vp_pools *out)
{
        out->dedicated = h->dedicated_set ? h->dedicated_cpus : t->online;
        if (!h->dedicated_set && h->shared_set)
                vp_cpuset_andnot(&out->dedicated, &h->shared_cpus);
        vp_cpuset_and(&out->dedicated, &t->online);
        vp_cpuset_andnot(&out->dedicated, &h->reserved_cpus);
        vp_ledger_held(l, skip_uuid, &out->held);
        vp_cpuset_zero(&out->pinned);
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (e->kind != VP_KIND_NONE || (skip_uuid && strcasecmp(e->uuid, skip_uuid) == 0))
                        continue;
                vp_cpumask_or_into(&out->pinned, &e->vcpu_cpus);
                vp_cpumask_or_into(&out->pinned, &e->emulator_cpus);
        }
        out->shared = h->shared_set ? h->shared_cpus : out->dedicated;
        vp_cpuset_and(&out->shared, &t->online);
        vp_cpuset_andnot(&out->shared, &h->reserved_cpus);
        vp_cpuset_andnot(&out->shared, &out->held);
}

size_t vp_plan_refloat(vp_ledger *l, const vp_host_config *h, const vp_topology *t)
{
        vp_pools pools;
        /* held entries are disjoint, so "pool with every holding" plus the
         * entry's own CPUs is the pool as that entry's planner saw it */
        vp_plan_pools(h, t, l, NULL, &pools);
        size_t changed = 0;
        for (size_t i = 0; i < l->n; i++) {
                vp_ledger_entry *e = &l->entries[i];
                if (e->kind == VP_KIND_NONE || vp_ledger_entry_emu_isolated(e))
                        continue;
                vp_cpuset local, want, nodes = vp_cpumask_get(&e->nodes);
                vp_plan_nodes_cpus(t, &nodes, &local);
                want = pools.shared;
                if (!vp_cpuset_empty(&local))
                        vp_cpuset_and(&want, &local);
                if (vp_cpuset_empty(&want))
                        want = pools.shared;
                if (e->kind == VP_KIND_SHARED) {
                        if (vp_cpuset_empty(&want) || vp_cpumask_equal(&e->vcpu_cpus, &want))
                                continue;
                        vp_cpumask_set(&e->vcpu_cpus, &want);
                        vp_cpumask_set(&e->emulator_cpus, &want);
                } else {
                        if (vp_cpuset_empty(&want))
                                want = vp_cpumask_get(&e->vcpu_cpus);
                        if (vp_cpumask_equal(&e->emulator_cpus, &want))
                                continue;
                        vp_cpumask_set(&e->emulator_cpus, &want);
                }
                changed++;
        }
        return changed;
}

void vp_plan_float_tune(vp_tune *t, const vp_ledger_entry *e, const vp_domain *live)
{
        vp_cpuset emu = vp_cpumask_get(&e->emulator_cpus);
        if (e->kind == VP_KIND_SHARED) {
                t->vcpu_cpuset_set = true;
                t->vcpu_cpuset = vp_cpumask_get(&e->vcpu_cpus);
                t->emulatorpin_set = true;
                t->emulatorpin = emu;
        } else if (e->kind == VP_KIND_DEDICATED && !vp_ledger_entry_emu_isolated(e) &&
                   !vp_cpuset_empty(&emu)) {
                t->emulatorpin_set = true;
                t->emulatorpin = emu;
                for (size_t i = 0; i < live->n_iothreads; i++)
                        vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, live->iothread_ids[i],
                                    &emu);
        }
}

int64_t vp_plan_node_avail_kib(const ctx *c, const vp_node *node)
{
        return vp_plan_node_admits_kib(
            node, c->in->host->reserved_memory_kib,
            vp_ledger_committed_kib(c->in->ledger, node->id, c->in->dom->uuid));
}
