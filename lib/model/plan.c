/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The planner. Everything here is a pure function of its inputs: the same
 * domain, profile, host config, topology and ledger always give the same plan
 * (all choices are made in a fixed order with id tie-breaks). */
#include "plan_impl.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "rewrite.h"

/* Guest cell and host node shares are split on MiB boundaries: QEMU sizes
 * NUMA memory in MiB on older machine types. */

void vp_plan_split_even(uint64_t total, unsigned n, uint64_t align, uint64_t *out)
{
        uint64_t units = total / align, rest = total % align;
        for (unsigned k = 0; k < n; k++)
                out[k] = (units / n + (k < units % n ? 1 : 0)) * align;
        out[n - 1] += rest;
}

const char *vp_plan_mem_text(uint64_t kib, char *buf, size_t len)
{
        if (kib < 1024)
                snprintf(buf, len, "%llu KiB", (unsigned long long)kib);
        else
                snprintf(buf, len, "%llu MiB", (unsigned long long)(kib / 1024));
        return buf;
}

void vp_plan_split_count(unsigned total, unsigned n, unsigned *out)
{
        for (unsigned k = 0; k < n; k++)
                out[k] = total / n + (k < total % n ? 1 : 0);
}

void vp_plan_refuse(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vp_plan_refuse(ctx *c, const char *fmt, ...)
{
        if (c->plan->refusal)
                return;
        vp_buf b = {0};
        vp_buf_printf(&b, "vmplace: %s (profile %s): ", c->plan->domain, c->prof->name);
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        vp_buf_printf(&b, "%s", msg);
        free(msg);
        c->plan->refusal = vp_buf_take(&b);
}

/* ---- node choice ---------------------------------------------------------- */

/* The CPUs of the nodes in the set. */

static void node_stats(const ctx *c, node_stat *st, size_t *n_st)
{
        const vp_topology *t = c->topo;
        size_t n = 0;
        for (size_t i = 0; i < t->n_nodes; i++) {
                const vp_node *node = &t->nodes[i];
                if (!vp_cpuset_test(&c->candidates, node->id))
                        continue;
                node_stat s = {.node = node};
                s.free_cpus = node->cpus;
                if (c->policy == VP_CPU_DEDICATED) {
                        vp_cpuset_and(&s.free_cpus, &c->dedicated_pool);
                        vp_cpuset_andnot(&s.free_cpus, &c->taken);
                } else if (c->policy == VP_CPU_SHARED) {
                        vp_cpuset_and(&s.free_cpus, &c->shared_pool);
                } else {
                        vp_cpuset_andnot(&s.free_cpus, &c->in->host->reserved_cpus);
                }
                s.free_units = c->policy == VP_CPU_DEDICATED
                                   ? vp_plan_count_units(c, &node->cpus, &s.free_cpus)
                                   : vp_cpuset_count(&s.free_cpus);
                s.avail_kib = vp_plan_node_avail_kib(c, node);
                st[n++] = s;
        }
        *n_st = n;
}

static int cmp_spread(const void *a, const void *b)
{
        const node_stat *x = a, *y = b;
        if (x->free_units != y->free_units)
                return x->free_units > y->free_units ? -1 : 1;
        if (x->avail_kib != y->avail_kib)
                return x->avail_kib > y->avail_kib ? -1 : 1;
        return x->node->id < y->node->id ? -1 : 1;
}

static int cmp_pack(const void *a, const void *b)
{
        const node_stat *x = a, *y = b;
        if (x->free_units != y->free_units)
                return x->free_units < y->free_units ? -1 : 1;
        if (x->avail_kib != y->avail_kib)
                return x->avail_kib < y->avail_kib ? -1 : 1;
        return x->node->id < y->node->id ? -1 : 1;
}

static const char *policy_cpu_words(const ctx *c)
{
        if (c->policy == VP_CPU_DEDICATED)
                return c->thread_policy == VP_THREAD_ISOLATE ? "free dedicated cores"
                                                             : "free dedicated CPUs";
        return "free shared CPUs";
}

/* Units a node must offer for share k: vCPUs, plus the isolated emulator CPU
 * on the first node. */
static unsigned units_needed(const ctx *c, unsigned share, unsigned k)
{
        if (c->policy == VP_CPU_SHARED)
                return 1;
        if (c->policy != VP_CPU_DEDICATED)
                return 0;
        return share + (c->emu_policy == VP_EMU_ISOLATE && k == 0 ? 1 : 0);
}

/* Whether a node can supply share k: for dedicated VMs the CPUs are really
 * picked (on a copy) under the thread policy, so a node whose free CPUs do
 * not form the cores the policy needs is passed over, not chosen and failed. */
static bool node_can_take(const ctx *c, const node_stat *s, unsigned share, unsigned k)
{
        if (c->policy == VP_CPU_SHARED)
                return s->free_units >= 1;
        if (c->policy != VP_CPU_DEDICATED)
                return true;
        if (s->free_units < units_needed(c, share, k))
                return false;
        vp_cpuset avail = s->free_cpus, held;
        vp_cpuset_zero(&held);
        unsigned *order = vp_xcalloc(share + 1, sizeof(unsigned)), n = 0;
        bool ok = vp_plan_pick_cpus(c, &s->node->cpus, &avail, share, order, &n, &held);
        if (ok && k == 0 && c->emu_policy == VP_EMU_ISOLATE)
                ok = vp_plan_pick_cpus(c, &s->node->cpus, &avail, 1, order, &n, &held);
        free(order);
        return ok;
}

static void describe_nodes(const ctx *c, vp_buf *b, const node_stat *st, size_t n)
{
        const char *unit = c->policy == VP_CPU_DEDICATED && c->thread_policy == VP_THREAD_ISOLATE
                               ? "cores"
                               : "CPUs";
        vp_buf_printf(b, " (");
        for (size_t i = 0; i < n; i++)
                vp_buf_printf(b, "%snode%u: %u %s, %lld MiB", i ? "; " : "", st[i].node->id,
                              st[i].free_units, unit,
                              (long long)(st[i].avail_kib > 0 ? st[i].avail_kib / 1024 : 0));
        vp_buf_printf(b, ")");
}

/* Give back the previous CPUs of a restarting domain when they are all still
 * free, sit on as many nodes as wanted and those nodes have the memory. */
static bool try_previous(ctx *c, const uint64_t *mem_share, vp_cpuset *chosen_nodes)
{
        const vp_ledger_prev *prev =
            c->in->dom->uuid ? vp_ledger_previous(c->in->ledger, c->in->dom->uuid) : NULL;
        if (!prev || c->policy != VP_CPU_DEDICATED || vp_cpumask_empty(&prev->held))
                return false;
        vp_cpuset avail = c->dedicated_pool;
        vp_cpuset_andnot(&avail, &c->taken);
        if (!vp_cpumask_subset(&prev->held, &avail))
                return false;
        vp_cpuset_zero(chosen_nodes);
        for (size_t i = 0; i < c->topo->n_nodes; i++)
                if (vp_cpumask_intersects(&prev->held, &c->topo->nodes[i].cpus))
                        vp_cpuset_set(chosen_nodes, c->topo->nodes[i].id);
        if (vp_cpuset_count(chosen_nodes) != c->n_nodes_wanted ||
            !vp_cpuset_subset(chosen_nodes, &c->candidates))
                return false;
        unsigned k = 0;
        for (int id = vp_cpuset_next(chosen_nodes, 0); id >= 0;
             id = vp_cpuset_next(chosen_nodes, (unsigned)id + 1), k++) {
                c->share_node[k] = (unsigned)id;
                const vp_node *node = vp_topology_node(c->topo, (unsigned)id);
                if (vp_plan_node_avail_kib(c, node) < (int64_t)mem_share[k])
                        return false;
        }
        return true;
}

/* Place the vCPUs (and an isolated emulator) on the nodes of c->share_node,
 * share k on node share_node[k], restricted to `allowed`. Fills pins and held. Returns false if a
 * node falls short. */
static bool assign_cpus(ctx *c, const unsigned *share, const vp_cpuset *allowed, unsigned *order,
                        int *emu_cpu)
{
        vp_plan *p = c->plan;
        unsigned n_order = 0;
        *emu_cpu = -1;
        vp_cpuset_zero(&p->held);
        for (unsigned k = 0; k < c->n_share; k++) {
                const vp_node *node = vp_topology_node(c->topo, c->share_node[k]);
                vp_cpuset avail = node->cpus;
                vp_cpuset_and(&avail, allowed);
                if (!vp_plan_pick_cpus(c, &node->cpus, &avail, share[k], order, &n_order, &p->held))
                        return false;
                if (k == 0 && c->emu_policy == VP_EMU_ISOLATE) {
                        unsigned one[1], n_one = 0;
                        if (!vp_plan_pick_cpus(c, &node->cpus, &avail, 1, one, &n_one, &p->held))
                                return false;
                        *emu_cpu = (int)one[0];
                }
        }
        return true;
}

static void set_cpu_tune(ctx *c, const unsigned *order, int emu_cpu)
{
        vp_plan *p = c->plan;
        vp_tune *t = &p->tune;
        const vp_domain *d = c->in->dom;
        vp_cpuset local;
        vp_plan_nodes_cpus(c->topo, &p->host_nodes, &local);

        free(t->vcpupin);
        t->vcpupin = NULL;
        t->n_vcpupin = 0;
        free(t->iothreadpin);
        t->iothreadpin = NULL;
        t->n_iothreadpin = 0;
        p->owned |= VP_OWN_VCPU_CPUSET | VP_OWN_VCPUPIN | VP_OWN_EMULATORPIN | VP_OWN_IOTHREADPIN;

        if (c->policy == VP_CPU_SHARED) {
                vp_cpuset pool = c->shared_pool;
                vp_cpuset_and(&pool, &local);
                vp_plan_float(p, &pool);
                return;
        }

        p->kind = VP_KIND_DEDICATED;
        p->isolated = c->prof->isolation == VP_ISOLATION_HOST;
        vp_cpuset_zero(&p->vcpu_cpus);
        for (unsigned i = 0; i < p->vcpus; i++) {
                vp_cpuset one;
                vp_cpuset_zero(&one);
                vp_cpuset_set(&one, order[i]);
                vp_pins_put(&t->vcpupin, &t->n_vcpupin, i, &one);
                vp_cpuset_set(&p->vcpu_cpus, order[i]);
        }
        t->vcpu_cpuset_set = true;
        t->vcpu_cpuset = p->vcpu_cpus;

        vp_cpuset emu;
        vp_cpuset_zero(&emu);
        if (emu_cpu >= 0) {
                vp_cpuset_set(&emu, (unsigned)emu_cpu);
        } else {
                /* share: the shared pool of the chosen nodes, else the whole
                 * shared pool, else (nothing floats here) the VM's own CPUs. */
                vp_cpuset pool = c->shared_pool;
                vp_cpuset_andnot(&pool, &p->held);
                emu = pool;
                vp_cpuset_and(&emu, &local);
                if (vp_cpuset_empty(&emu))
                        emu = pool;
                if (vp_cpuset_empty(&emu))
                        emu = p->vcpu_cpus;
        }
        p->emulator_cpus = emu;
        t->emulatorpin_set = true;
        t->emulatorpin = emu;
        for (size_t i = 0; i < d->n_iothreads; i++)
                vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, d->iothread_ids[i], &emu);
}

/* ---- the main steps ------------------------------------------------------- */

static void apply_profile_values(ctx *c)
{
        const vp_profile *pr = c->prof;
        vp_plan *p = c->plan;
        vp_tune *t = &p->tune;
        for (int i = 0; i < VP_T__COUNT; i++)
                if (pr->tune.q[i].set) {
                        t->q[i] = pr->tune.q[i];
                        p->owned |= VP_OWN_SCALAR(i);
                }
        if (pr->tune.vcpu_cpuset_set) {
                t->vcpu_cpuset_set = true;
                t->vcpu_cpuset = pr->tune.vcpu_cpuset;
                p->owned |= VP_OWN_VCPU_CPUSET;
        }
        for (size_t i = 0; i < pr->tune.n_vcpupin; i++) {
                vp_pins_put(&t->vcpupin, &t->n_vcpupin, pr->tune.vcpupin[i].id,
                            &pr->tune.vcpupin[i].set);
                p->owned |= VP_OWN_VCPUPIN;
        }
        if (pr->tune.emulatorpin_set) {
                t->emulatorpin_set = true;
                t->emulatorpin = pr->tune.emulatorpin;
                p->owned |= VP_OWN_EMULATORPIN;
        }
        for (size_t i = 0; i < pr->tune.n_iothreadpin; i++) {
                vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, pr->tune.iothreadpin[i].id,
                            &pr->tune.iothreadpin[i].set);
                p->owned |= VP_OWN_IOTHREADPIN;
        }
        if (pr->tune.mem_mode != VP_MEM_UNSET) {
                t->mem_mode = pr->tune.mem_mode;
                p->owned |= VP_OWN_MEMORY;
        }
        if (pr->nodeset_kind == VP_NODESET_LIST) {
                t->nodeset_set = true;
                t->nodeset = pr->tune.nodeset;
                p->owned |= VP_OWN_MEMORY;
        }
}

/* One explicit CPU set from the profile must name online CPUs that are
 * neither reserved nor held by a dedicated VM. Returns false after refusing. */
static bool check_cpus(ctx *c, const char *key, const vp_cpuset *set)
{
        char a[256], b[256];
        vp_cpuset off = *set;
        vp_cpuset_andnot(&off, &c->topo->online);
        if (!vp_cpuset_empty(&off)) {
                vp_plan_refuse(c, "%s = %s: CPUs %s are not online on this host", key,
                               vp_cpuset_fmt(set, a, sizeof(a)), vp_cpuset_fmt(&off, b, sizeof(b)));
                return false;
        }
        vp_cpuset bad = *set;
        vp_cpuset_and(&bad, &c->in->host->reserved_cpus);
        if (!vp_cpuset_empty(&bad)) {
                vp_plan_refuse(c, "%s = %s: CPUs %s are reserved for the host (reserved_cpus)", key,
                               vp_cpuset_fmt(set, a, sizeof(a)), vp_cpuset_fmt(&bad, b, sizeof(b)));
                return false;
        }
        bad = *set;
        vp_cpuset_and(&bad, &c->held_others);
        if (!vp_cpuset_empty(&bad)) {
                vp_plan_refuse(c, "%s = %s: CPUs %s are held by dedicated VMs", key,
                               vp_cpuset_fmt(set, a, sizeof(a)), vp_cpuset_fmt(&bad, b, sizeof(b)));
                return false;
        }
        /* a managed VM whose entry was lost may be a dedicated one */
        if (c->in->unrecorded_managed) {
                bad = *set;
                vp_cpuset_and(&bad, c->in->unrecorded_managed);
                if (!vp_cpuset_empty(&bad)) {
                        vp_plan_refuse(c,
                                       "%s = %s: running VMs are pinned to CPUs %s vmplace "
                                       "has no record of: %s",
                                       key, vp_cpuset_fmt(set, a, sizeof(a)),
                                       vp_cpuset_fmt(&bad, b, sizeof(b)), c->in->unrecorded_by);
                        return false;
                }
        }
        return true;
}

/* The profile's explicit pins must name vCPUs/iothreads the domain has and
 * CPUs check_cpus accepts. */
static void check_explicit(ctx *c)
{
        const vp_tune *t = &c->prof->tune;
        const vp_domain *d = c->in->dom;
        char key[64];
        if (t->vcpu_cpuset_set && !check_cpus(c, "vcpus", &t->vcpu_cpuset))
                return;
        if (t->emulatorpin_set && !check_cpus(c, "emulatorpin", &t->emulatorpin))
                return;
        for (size_t i = 0; i < t->n_vcpupin; i++) {
                unsigned id = t->vcpupin[i].id;
                if (id >= d->vcpus_max) {
                        vp_plan_refuse(c, "vcpupin.%u names vCPU %u but the domain has %u vCPUs",
                                       id, id, d->vcpus_max);
                        return;
                }
                snprintf(key, sizeof(key), "vcpupin.%u", id);
                if (!check_cpus(c, key, &t->vcpupin[i].set))
                        return;
        }
        for (size_t i = 0; i < t->n_iothreadpin; i++) {
                unsigned id = t->iothreadpin[i].id;
                bool found = false;
                for (size_t j = 0; j < d->n_iothreads; j++)
                        found |= d->iothread_ids[j] == id;
                if (!found) {
                        vp_plan_refuse(
                            c, "iothreadpin.%u names iothread %u, which the domain does not have",
                            id, id);
                        return;
                }
                snprintf(key, sizeof(key), "iothreadpin.%u", id);
                if (!check_cpus(c, key, &t->iothreadpin[i].set))
                        return;
        }
}

/* I2: a profile that leaves CPUs alone (cpu_policy = none) keeps the pins
 * of the domain's own XML, so they answer to the same rules as the profile's
 * keys: a <vcpupin> naming a dedicated VM's or a reserved CPU is refused
 * like vcpupin.N would be, not admitted silently (placing policies replace
 * those pins). What the profile set was checked under its own key. */
static bool check_domain_pin_list(ctx *c, const vp_pin *pins, size_t n, const vp_pin *profile_pins,
                                  size_t n_profile, const char *elem, const char *attr)
{
        char key[96];
        for (size_t i = 0; i < n; i++) {
                if (vp_pins_find(profile_pins, n_profile, pins[i].id))
                        continue;
                snprintf(key, sizeof(key), "the domain's <%s %s='%u' cpuset>", elem, attr,
                         pins[i].id);
                if (!check_cpus(c, key, &pins[i].set))
                        return false;
        }
        return true;
}

static void check_domain_pins(ctx *c)
{
        const vp_tune *t = &c->plan->tune, *pt = &c->prof->tune;
        if (t->vcpu_cpuset_set && !pt->vcpu_cpuset_set &&
            !check_cpus(c, "the domain's <vcpu cpuset>", &t->vcpu_cpuset))
                return;
        if (t->emulatorpin_set && !pt->emulatorpin_set &&
            !check_cpus(c, "the domain's <emulatorpin cpuset>", &t->emulatorpin))
                return;
        if (!check_domain_pin_list(c, t->vcpupin, t->n_vcpupin, pt->vcpupin, pt->n_vcpupin,
                                   "vcpupin", "vcpu"))
                return;
        check_domain_pin_list(c, t->iothreadpin, t->n_iothreadpin, pt->iothreadpin,
                              pt->n_iothreadpin, "iothreadpin", "iothread");
}

static void compute_pools(ctx *c)
{
        vp_pools p;
        vp_plan_pools(c->in->host, c->topo, c->in->ledger, c->in->dom->uuid, &p);
        c->dedicated_pool = p.dedicated;
        c->shared_pool = p.shared;
        c->held_others = p.held;
        c->taken = p.held;
        vp_cpuset_or(&c->taken, &p.pinned);
        if (c->in->unrecorded) {
                vp_cpuset_or(&c->taken, c->in->unrecorded);
                vp_cpuset_andnot(&c->shared_pool, c->in->unrecorded);
        }
}

static bool wants_nodes(const ctx *c)
{
        return c->policy == VP_CPU_DEDICATED || c->policy == VP_CPU_SHARED ||
               c->prof->nodeset_kind == VP_NODESET_AUTO || c->prof->cells_kind == VP_CELLS_AUTO ||
               c->prof->numa_nodes > 0;
}

/* Choose nodes (and CPUs for dedicated). Fills host_nodes, node_mem, pins. */
static void place(ctx *c)
{
        vp_plan *p = c->plan;
        unsigned N = c->n_nodes_wanted;
        const vp_domain *d = c->in->dom;
        char a[256];

        if (c->policy == VP_CPU_DEDICATED && c->thread_policy == VP_THREAD_REQUIRE &&
            !c->topo->smt) {
                vp_plan_refuse(c,
                               "thread_policy=require needs SMT siblings and this host has none");
                return;
        }
        if (N > p->vcpus || p->memory_kib < N * SPLIT_ALIGN_KIB) {
                char m[32];
                vp_plan_refuse(c, "numa_nodes=%u cannot split %u vCPUs and %s over %u nodes", N,
                               p->vcpus, vp_plan_mem_text(p->memory_kib, m, sizeof(m)), N);
                return;
        }
        unsigned *share = vp_xcalloc(N, sizeof(unsigned));
        c->share_node = vp_xcalloc(N, sizeof(unsigned));
        c->n_share = 0;
        uint64_t *mem_share = vp_xcalloc(N, sizeof(uint64_t));
        unsigned *order = vp_xcalloc(p->vcpus + 1, sizeof(unsigned));
        node_stat *st = vp_xcalloc(c->topo->n_nodes + 1, sizeof(node_stat));
        size_t n_st = 0;
        vp_plan_split_count(p->vcpus, N, share);
        vp_plan_split_even(p->memory_kib, N, SPLIT_ALIGN_KIB, mem_share);
        node_stats(c, st, &n_st);

        vp_cpuset chosen;
        vp_cpuset_zero(&chosen);
        int emu_cpu = -1;
        bool done = false;
        vp_buf why = {0};

        if (try_previous(c, mem_share, &chosen)) {
                const vp_ledger_prev *prev = vp_ledger_previous(c->in->ledger, d->uuid);
                vp_cpuset allowed = vp_cpumask_get(&prev->held);
                c->n_share = N;
                if (assign_cpus(c, share, &allowed, order, &emu_cpu)) {
                        done = true;
                        vp_buf_printf(&why, "previous CPUs %s free again, reused",
                                      vp_cpumask_fmt(&prev->held, a, sizeof(a)));
                }
        }
        if (!done) {
                qsort(st, n_st, sizeof(*st), c->strategy == VP_STRAT_PACK ? cmp_pack : cmp_spread);
                unsigned k = 0;
                vp_cpuset_zero(&chosen);
                /* Greedy over the strategy order: share k (largest first) goes
                 * to the next node that has the CPUs and the memory for it. */
                for (size_t i = 0; i < n_st && k < N; i++) {
                        if (!node_can_take(c, &st[i], share[k], k) ||
                            st[i].avail_kib < (int64_t)mem_share[k])
                                continue;
                        vp_cpuset_set(&chosen, st[i].node->id);
                        c->share_node[k++] = st[i].node->id;
                }
                c->n_share = k;
                if (k == N && c->policy == VP_CPU_DEDICATED) {
                        vp_cpuset allowed = c->dedicated_pool;
                        vp_cpuset_andnot(&allowed, &c->taken);
                        done = assign_cpus(c, share, &allowed, order, &emu_cpu);
                } else {
                        done = k == N;
                }
                if (done) {
                        vp_buf_printf(&why, "%s: node%s %s", vp_strategy_name(c->strategy),
                                      N > 1 ? "s" : "", vp_cpuset_fmt(&chosen, a, sizeof(a)));
                        const char *sep = " (";
                        for (size_t i = 0; i < n_st; i++)
                                if (vp_cpuset_test(&chosen, st[i].node->id)) {
                                        vp_buf_printf(&why, "%snode%u: %u %s, %lld MiB", sep,
                                                      st[i].node->id, st[i].free_units,
                                                      policy_cpu_words(c),
                                                      (long long)(st[i].avail_kib / 1024));
                                        sep = "; ";
                                }
                        vp_buf_printf(&why, ")");
                }
        }

        if (!done) {
                vp_buf b = {0};
                unsigned need = units_needed(c, share[0], 0);
                if (N == 1)
                        vp_buf_printf(&b, "no NUMA node has ");
                else
                        vp_buf_printf(&b, "no %u NUMA nodes have ", N);
                if (c->policy == VP_CPU_DEDICATED || c->policy == VP_CPU_SHARED)
                        vp_buf_printf(&b, "%u %s and ", need, policy_cpu_words(c));
                vp_buf_printf(&b, "%llu MiB free memory%s",
                              (unsigned long long)(mem_share[0] / 1024), N > 1 ? " each" : "");
                if (c->in->host->reserved_memory_kib)
                        vp_buf_printf(&b, " beyond reserved_memory");
                /* report in node-id order */
                for (size_t i = 1; i < n_st; i++)
                        for (size_t j = i; j > 0 && st[j].node->id < st[j - 1].node->id; j--) {
                                node_stat tmp = st[j];
                                st[j] = st[j - 1];
                                st[j - 1] = tmp;
                        }
                if (n_st)
                        describe_nodes(c, &b, st, n_st);
                else
                        vp_buf_printf(&b, " (no candidate node)");
                /* CPUs kept from the pool by VMs vmplace has no record of
                 * would otherwise be a mystery in the counts above */
                if (c->policy == VP_CPU_DEDICATED && c->in->unrecorded &&
                    vp_cpuset_intersects(c->in->unrecorded, &c->dedicated_pool))
                        vp_buf_printf(&b,
                                      "; running VMs are pinned to dedicated CPUs vmplace "
                                      "has no record of: %s",
                                      c->in->unrecorded_by ? c->in->unrecorded_by : "?");
                vp_plan_refuse(c, "%s", b.s);
                free(b.s);
        } else {
                p->host_nodes = chosen;
                /* node_mem is kept sorted by node id */
                for (int id = vp_cpuset_next(&chosen, 0); id >= 0;
                     id = vp_cpuset_next(&chosen, (unsigned)id + 1))
                        for (unsigned k = 0; k < N; k++)
                                if (c->share_node[k] == (unsigned)id) {
                                        p->node_mem =
                                            vp_xrealloc(p->node_mem,
                                                        (p->n_node_mem + 1) * sizeof(*p->node_mem));
                                        p->node_mem[p->n_node_mem++] = (vp_ledger_mem){
                                            .node = (unsigned)id, .kib = mem_share[k]};
                                }
                if (c->policy == VP_CPU_DEDICATED || c->policy == VP_CPU_SHARED)
                        set_cpu_tune(c, order, emu_cpu);
                if (c->policy == VP_CPU_DEDICATED)
                        vp_buf_printf(&why, "; CPUs %s (thread_policy %s, emulator %s)",
                                      vp_cpuset_fmt(&p->held, a, sizeof(a)),
                                      vp_thread_policy_name(c->thread_policy),
                                      vp_emu_policy_name(c->emu_policy));
                else if (c->policy == VP_CPU_SHARED)
                        vp_buf_printf(&why, "; floating over %s",
                                      vp_cpuset_fmt(&p->vcpu_cpus, a, sizeof(a)));
                free(p->reason);
                p->reason = vp_buf_take(&why);
        }
        free(why.s);
        free(share);
        free(mem_share);
        free(order);
        free(st);
}

/* n guest cells splitting vCPUs and memory like the host shares; when
 * share_node is given, cell k is bound (memnode) to host node share_node[k]. */
int vp_plan_compute(const vp_plan_input *in, vp_plan *p, vp_error *err)
{
        memset(p, 0, sizeof(*p));
        vp_tune_init(&p->tune);
        const vp_domain *d = in->dom;
        p->domain = vp_xstrdup(d->name);
        p->uuid = d->uuid ? vp_xstrdup(d->uuid) : NULL;
        p->vcpus = d->vcpus_max;
        p->memory_kib = d->memory_kib;
        vp_tune_copy(&p->tune, &d->tune);
        if (!in->profile) {
                p->reason = vp_xstrdup("no profile matches: domain left alone");
                return 0;
        }
        if (d->vcpus_max == 0 || d->vcpus_max > VP_MAX_CPUS)
                return vp_error_set(err, -EINVAL,
                                    "%s: %u vCPUs is more than vmplace places (at most %d)",
                                    d->name, d->vcpus_max, VP_MAX_CPUS);
        p->profile = vp_xstrdup(in->profile->name);
        p->matched_by = vp_xstrdup(in->matched_by ? in->matched_by : "");

        ctx c = {.in = in, .plan = p, .topo = in->topo, .prof = in->profile};
        const vp_profile *pr = in->profile;
        c.policy = pr->cpu_policy == VP_CPU_UNSET ? VP_CPU_NONE : pr->cpu_policy;
        c.thread_policy =
            pr->thread_policy == VP_THREAD_UNSET ? VP_THREAD_PREFER : pr->thread_policy;
        c.emu_policy = pr->emulator_policy == VP_EMU_UNSET ? VP_EMU_SHARE : pr->emulator_policy;
        c.strategy = pr->strategy != VP_STRAT_UNSET ? pr->strategy : in->host->strategy;
        if (c.strategy == VP_STRAT_UNSET)
                c.strategy = VP_STRAT_SPREAD;
        c.n_nodes_wanted = pr->numa_nodes ? pr->numa_nodes : 1;
        compute_pools(&c);
        if (pr->nodeset_kind == VP_NODESET_LIST)
                c.candidates = pr->tune.nodeset;
        else
                vp_topology_nodeset(in->topo, &c.candidates);

        /* I1: nothing would narrow them off this VM's CPUs */
        if (c.policy == VP_CPU_DEDICATED && in->unrecorded_floating) {
                vp_plan_refuse(&c,
                               "running VMs vmplace has no record of float over every CPU: %s; "
                               "`vmplace apply --all` records them again (so does a libvirtd "
                               "restart)",
                               in->unrecorded_floating);
                return 0;
        }
        apply_profile_values(&c);
        check_explicit(&c);
        if (!p->refusal && c.policy == VP_CPU_NONE)
                check_domain_pins(&c);

        if (!p->refusal && wants_nodes(&c)) {
                place(&c);
                if (!p->refusal && c.policy == VP_CPU_DEDICATED)
                        vp_plan_keep_floating_room(&c);
                if (!p->refusal) {
                        /* Memory follows the chosen nodes unless the profile
                         * gave an explicit node list (already applied). */
                        if (pr->nodeset_kind != VP_NODESET_LIST) {
                                p->tune.nodeset_set = true;
                                p->tune.nodeset = p->host_nodes;
                                p->owned |= VP_OWN_MEMORY;
                        }
                        if (p->tune.mem_mode == VP_MEM_UNSET) {
                                p->tune.mem_mode = VP_MEM_STRICT;
                                p->owned |= VP_OWN_MEMORY;
                        }
                }
        } else if (!p->refusal && p->tune.nodeset_set) {
                vp_plan_admit_fixed_nodeset(&c);
        }
        if (p->refusal) {
                free(c.share_node);
                return 0;
        }

        if (c.policy == VP_CPU_NONE) {
                vp_plan_place_none(&c);
                if (p->refusal) {
                        free(c.share_node);
                        return 0;
                }
        }

        vp_plan_guest_numa(&c);
        if (p->refusal) {
                free(c.share_node);
                return 0;
        }

        free(c.share_node);
        if ((p->owned & VP_OWN_CELLS) && !vp_tune_cells_equal(&p->tune, &d->tune) &&
            p->tune.n_cells)
                p->launch_only |= VP_LAUNCH_GUEST_NUMA;
        if ((p->owned & VP_OWN_MEMNODES) && p->tune.n_memnodes &&
            !vp_tune_memnodes_equal(&p->tune, &d->tune))
                p->launch_only |= VP_LAUNCH_MEMNODE;
        if ((p->tune.mem_mode == VP_MEM_PREFERRED || p->tune.mem_mode == VP_MEM_INTERLEAVE) &&
            (p->tune.mem_mode != d->tune.mem_mode ||
             !vp_cpuset_equal(&p->tune.nodeset, &d->tune.nodeset)))
                p->launch_only |= VP_LAUNCH_MEMORY_POLICY;

        if (!p->reason)
                p->reason = vp_xstrdup(
                    c.policy == VP_CPU_NONE ? "cpu_policy none: profile values only" : "placed");
        return 0;
}

void vp_plan_free(vp_plan *p)
{
        free(p->domain);
        free(p->uuid);
        free(p->profile);
        free(p->matched_by);
        free(p->node_mem);
        free(p->reason);
        free(p->refusal);
        vp_tune_free(&p->tune);
        memset(p, 0, sizeof(*p));
}

void vp_plan_cgwrites(const vp_plan *p, const vp_domain *dom, vp_cgroup_version v, vp_cgwrites *out)
{
        if (!p->profile || p->refusal) {
                memset(out, 0, sizeof(*out));
                return;
        }
        vp_cgwrites_build(&p->tune, p->vcpus, dom, v, out);
}

void vp_plan_to_entry(const vp_plan *p, int64_t now, vp_ledger_entry *e)
{
        memset(e, 0, sizeof(*e));
        e->name = vp_xstrdup(p->domain);
        e->uuid = vp_xstrdup(p->uuid ? p->uuid : "");
        e->profile = p->profile ? vp_xstrdup(p->profile) : NULL;
        e->matched_by = p->matched_by ? vp_xstrdup(p->matched_by) : NULL;
        e->state = vp_xstrdup("prepared");
        e->kind = p->kind;
        e->isolated = p->isolated;
        vp_cpumask_set(&e->held, &p->held);
        vp_cpumask_set(&e->vcpu_cpus, &p->vcpu_cpus);
        vp_cpumask_set(&e->emulator_cpus, &p->emulator_cpus);
        vp_cpumask_set(&e->nodes, &p->host_nodes);
        if (p->n_node_mem) {
                e->mem = vp_xmalloc(p->n_node_mem * sizeof(*e->mem));
                memcpy(e->mem, p->node_mem, p->n_node_mem * sizeof(*e->mem));
                e->n_mem = p->n_node_mem;
        }
        e->created = now;
}
