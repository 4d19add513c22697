/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's CPU pools and the floating rule: what dedicated VMs hold, where
 * shared VMs, unpinned cpu_policy = none VMs and shared emulators float, and
 * what a node still admits (plan.h). Pure. */
#include "plan_impl.h"
#include "rewrite.h"

#include <string.h>
#include <strings.h>

void vp_plan_nodes_cpus(const vp_topology *t, const vp_cpuset *nodes, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        for (size_t i = 0; i < t->n_nodes; i++)
                if (vp_cpuset_test(nodes, t->nodes[i].id))
                        vp_cpuset_or(out, &t->nodes[i].cpus);
}

/* a - b, stopping at INT64_MIN: reserved_memory may be any 64-bit KiB count and the ledger's
 * commitments saturate at UINT64_MAX, which cast to int64_t read as small or negative and made
 * an over-committed node admit more (or overflowed, UB). */
static int64_t sub_sat(int64_t a, uint64_t b)
{
        uint64_t room = (uint64_t)a - (uint64_t)INT64_MIN; /* a - INT64_MIN, 0..UINT64_MAX */
        return b > room ? INT64_MIN : (int64_t)((uint64_t)a - b);
}

static int64_t clamp_i64(uint64_t v)
{
        return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

int64_t vp_plan_node_admits_kib(const vp_node *node, uint64_t reserved_kib, uint64_t committed_kib)
{
        int64_t by_commit =
            sub_sat(sub_sat(clamp_i64(node->total_kib), reserved_kib), committed_kib);
        int64_t by_free = sub_sat(clamp_i64(node->free_kib), reserved_kib);
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

size_t vp_plan_refloat(vp_ledger *l, const vp_host_config *h, const vp_topology *t,
                       const vp_cpuset *unrecorded)
{
        vp_pools pools;
        /* held entries are disjoint, so "pool with every holding" plus the
         * entry's own CPUs is the pool as that entry's planner saw it */
        vp_plan_pools(h, t, l, NULL, &pools);
        if (unrecorded)
                vp_cpuset_andnot(&pools.shared, unrecorded);
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

void vp_plan_float(vp_plan *p, const vp_cpuset *pool)
{
        p->kind = VP_KIND_SHARED;
        p->vcpu_cpus = *pool;
        p->emulator_cpus = *pool;
        p->tune.vcpu_cpuset_set = true;
        p->tune.vcpu_cpuset = *pool;
        p->tune.emulatorpin_set = true;
        p->tune.emulatorpin = *pool;
}

/* Floating VMs (cpu_policy = shared, and none without pins) run on the
 * shared pool, which shrinks as dedicated VMs take CPUs: a dedicated VM may
 * not take its last CPUs while any floating VM is in the ledger (running or
 * starting), or that VM would be left on CPUs this one holds exclusively. */
void vp_plan_keep_floating_room(ctx *c)
{
        vp_plan *p = c->plan;
        vp_cpuset left = c->shared_pool;
        vp_cpuset_andnot(&left, &p->held);
        if (!vp_cpuset_empty(&left))
                return;
        const vp_ledger *l = c->in->ledger;
        const char *uuid = c->in->dom->uuid;
        vp_buf names = {0};
        size_t n = 0;
        for (size_t i = 0; l && i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (e->kind != VP_KIND_SHARED || (uuid && strcasecmp(e->uuid, uuid) == 0))
                        continue;
                if (n < 3)
                        vp_buf_printf(&names, "%s%s", n ? ", " : "", e->name);
                n++;
        }
        if (n > 3)
                vp_buf_printf(&names, " and %zu more", n - 3);
        char a[256];
        if (n)
                vp_plan_refuse(c,
                               "taking CPUs %s would leave no shared CPU for the floating VM%s %s",
                               vp_cpuset_fmt(&p->held, a, sizeof(a)), n > 1 ? "s" : "", names.s);
        free(names.s);
}

/* Whether a pin covers every vCPU, the emulator and every iothread of a
 * cpu_policy = none VM. libvirt runs one without a pin on <vcpu cpuset>, else
 * on every CPU. */
static bool none_covered(const ctx *c)
{
        const vp_tune *t = &c->plan->tune;
        if (t->vcpu_cpuset_set)
                return true;
        if (!t->emulatorpin_set)
                return false;
        for (unsigned v = 0; v < c->plan->vcpus; v++)
                if (!vp_pins_find(t->vcpupin, t->n_vcpupin, v))
                        return false;
        const vp_domain *d = c->in->dom;
        for (size_t k = 0; k < d->n_iothreads; k++)
                if (!vp_pins_find(t->iothreadpin, t->n_iothreadpin, d->iothread_ids[k]))
                        return false;
        return true;
}

/* cpu_policy = none takes no CPU for itself, but a managed VM still keeps
 * off reserved and dedicated CPUs (I1, I2). With no pin at all it floats over
 * the shared pool like a shared VM (narrowed and widened as dedicated VMs
 * come and go). Its pins were checked (check_domain_pins, check_explicit)
 * and the CPUs they name are kept from dedicated VMs; the threads no pin
 * covers run on those same CPUs (<vcpu cpuset> = their union), as Nova runs
 * a pinned instance's emulator on the instance's own CPUs. */
void vp_plan_place_none(ctx *c)
{
        vp_plan *p = c->plan;
        vp_tune *t = &p->tune;
        p->kind = VP_KIND_NONE;
        if (!t->vcpu_cpuset_set && t->n_vcpupin == 0 && !t->emulatorpin_set &&
            t->n_iothreadpin == 0) {
                /* the shared CPUs of its nodes when it has some (numatune
                 * auto), as vp_plan_refloat keeps it */
                vp_cpuset pool = c->shared_pool, local;
                vp_plan_nodes_cpus(c->topo, &p->host_nodes, &local);
                vp_cpuset_and(&local, &pool);
                if (!vp_cpuset_empty(&local))
                        pool = local;
                if (vp_cpuset_empty(&pool)) {
                        vp_plan_refuse(c, "cpu_policy = none floats over the shared pool, and no "
                                          "shared CPU is left (every CPU is reserved or held by "
                                          "dedicated VMs)");
                        return;
                }
                vp_plan_float(p, &pool);
                p->owned |= VP_OWN_VCPU_CPUSET | VP_OWN_EMULATORPIN;
                /* after the node choice's reason, when nodes were chosen */
                char *why = p->reason;
                p->reason =
                    vp_xasprintf("%s%scpu_policy none, no pins: floats over the shared pool",
                                 why ? why : "", why ? "; " : "");
                free(why);
                return;
        }
        if (!none_covered(c)) {
                vp_cpuset own;
                vp_cpuset_zero(&own);
                for (size_t i = 0; i < t->n_vcpupin; i++)
                        vp_cpuset_or(&own, &t->vcpupin[i].set);
                for (size_t i = 0; i < t->n_iothreadpin; i++)
                        vp_cpuset_or(&own, &t->iothreadpin[i].set);
                if (t->emulatorpin_set)
                        vp_cpuset_or(&own, &t->emulatorpin);
                t->vcpu_cpuset_set = true;
                t->vcpu_cpuset = own;
                p->owned |= VP_OWN_VCPU_CPUSET;
        }
        p->vcpu_cpus = t->vcpu_cpuset;
        for (size_t i = 0; i < t->n_vcpupin; i++)
                vp_cpuset_or(&p->vcpu_cpus, &t->vcpupin[i].set);
        p->emulator_cpus = t->emulatorpin_set ? t->emulatorpin : t->vcpu_cpuset;
}
