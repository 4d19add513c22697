/* The planner. Everything here is a pure function of its inputs: the same
 * domain, profile, host config, topology and ledger always give the same plan
 * (all choices are made in a fixed order with id tie-breaks). */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "rewrite.h"

/* Guest cell and host node shares are split on MiB boundaries: QEMU sizes
 * NUMA memory in MiB on older machine types. */
#define SPLIT_ALIGN_KIB 1024ULL

typedef struct strbuf {
        char *s;
        size_t len, cap;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
        va_list ap;
        for (;;) {
                size_t room = b->cap - b->len;
                va_start(ap, fmt);
                int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (n < 0)
                        return;
                if ((size_t)n < room) {
                        b->len += (size_t)n;
                        return;
                }
                b->cap = (b->cap + (size_t)n + 64) * 2;
                b->s = vp_xrealloc(b->s, b->cap);
        }
}

static char *sb_take(strbuf *b)
{
        char *s = b->s ? b->s : vp_xstrdup("");
        b->s = NULL;
        b->len = b->cap = 0;
        return s;
}

/* Everything the planner derives before choosing nodes. */
typedef struct ctx {
        const vp_plan_input *in;
        vp_plan *plan;
        const vp_topology *topo;
        const vp_profile *prof;
        vp_cpu_policy policy;
        vp_thread_policy thread_policy;
        vp_emu_policy emu_policy;
        vp_strategy strategy;
        unsigned n_nodes_wanted;
        vp_cpuset dedicated_pool; /* dedicated pool minus reserved */
        vp_cpuset shared_pool;    /* shared pool minus reserved minus held by others */
        vp_cpuset held_others;    /* CPUs other VMs hold exclusively */
        vp_cpuset taken;          /* held_others + CPUs VMs are pinned to by cputune */
        vp_cpuset candidates;     /* node ids placement may use */
        unsigned *share_node;     /* node id that takes share k (vCPUs, memory, guest cell k) */
        unsigned n_share;
} ctx;

typedef struct node_stat {
        const vp_node *node;
        vp_cpuset free_cpus; /* usable by this VM under its policy */
        unsigned free_units; /* CPUs (or whole cores for isolate) */
        int64_t avail_kib;   /* free - reserved - committed by others */
} node_stat;

/* Split total into n shares, larger ones first, each a multiple of align
 * except the last which takes the remainder. */
static void split_even(uint64_t total, unsigned n, uint64_t align, uint64_t *out)
{
        uint64_t units = total / align, rest = total % align;
        for (unsigned k = 0; k < n; k++)
                out[k] = (units / n + (k < units % n ? 1 : 0)) * align;
        out[n - 1] += rest;
}

static void split_count(unsigned total, unsigned n, unsigned *out)
{
        for (unsigned k = 0; k < n; k++)
                out[k] = total / n + (k < total % n ? 1 : 0);
}

static void refuse(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(ctx *c, const char *fmt, ...)
{
        if (c->plan->refusal)
                return;
        strbuf b = {0};
        sb_printf(&b, "vmplace: %s (profile %s): ", c->plan->domain, c->prof->name);
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        sb_printf(&b, "%s", msg);
        free(msg);
        c->plan->refusal = sb_take(&b);
}

/* ---- CPU picking inside one node ---------------------------------------- */

typedef struct core {
        vp_cpuset all;  /* threads of the core on this node */
        vp_cpuset free; /* of which available to us */
        unsigned n_all, n_free;
        int first; /* lowest CPU: identity and tie-break */
} core;

/* The cores of a node that have at least one available thread, by first CPU. */
static core *list_cores(const vp_topology *t, const vp_cpuset *node_cpus, const vp_cpuset *avail,
                        size_t *n)
{
        core *cores = NULL;
        size_t count = 0;
        vp_cpuset seen;
        vp_cpuset_zero(&seen);
        for (int cpu = vp_cpuset_next(node_cpus, 0); cpu >= 0;
             cpu = vp_cpuset_next(node_cpus, (unsigned)cpu + 1)) {
                if (vp_cpuset_test(&seen, (unsigned)cpu))
                        continue;
                core k;
                vp_topology_core_of(t, (unsigned)cpu, &k.all);
                vp_cpuset_or(&seen, &k.all);
                k.free = k.all;
                vp_cpuset_and(&k.free, avail);
                k.n_all = vp_cpuset_count(&k.all);
                k.n_free = vp_cpuset_count(&k.free);
                k.first = vp_cpuset_next(&k.all, 0);
                if (k.n_free == 0)
                        continue;
                cores = vp_xrealloc(cores, (count + 1) * sizeof(*cores));
                cores[count++] = k;
        }
        *n = count;
        return cores;
}

/* How many units (CPUs, or whole cores for isolate) a node offers. */
static unsigned count_units(const ctx *c, const vp_cpuset *node_cpus, const vp_cpuset *avail)
{
        if (c->thread_policy != VP_THREAD_ISOLATE && c->thread_policy != VP_THREAD_REQUIRE)
                return vp_cpuset_count(avail);
        size_t n;
        core *cores = list_cores(c->topo, node_cpus, avail, &n);
        unsigned units = 0;
        for (size_t i = 0; i < n; i++) {
                if (c->thread_policy == VP_THREAD_ISOLATE)
                        units += cores[i].n_free == cores[i].n_all;
                else if (cores[i].n_free >= 2)
                        units += cores[i].n_free;
        }
        free(cores);
        return units;
}

/* Pick `want` CPUs from avail on one node under the thread policy. Appends
 * the chosen CPUs in vCPU order to order[*n_order] and adds what becomes
 * exclusively held (for isolate: whole cores) to *held and removes it from
 * *avail. Returns false when the node cannot supply them. */
static bool pick_cpus(const ctx *c, const vp_cpuset *node_cpus, vp_cpuset *avail, unsigned want,
                      unsigned *order, unsigned *n_order, vp_cpuset *held)
{
        size_t n;
        core *cores = list_cores(c->topo, node_cpus, avail, &n);
        unsigned got = 0;
        vp_cpuset take_held;
        vp_cpuset_zero(&take_held);
        unsigned *picked = vp_xcalloc(want ? want : 1, sizeof(unsigned));

        if (c->thread_policy == VP_THREAD_ISOLATE) {
                /* One whole idle core per CPU; its siblings stay unused. */
                for (size_t i = 0; i < n && got < want; i++) {
                        if (cores[i].n_free != cores[i].n_all)
                                continue;
                        picked[got++] = (unsigned)cores[i].first;
                        vp_cpuset_or(&take_held, &cores[i].all);
                }
        } else {
                /* prefer / require: whole idle cores first so vCPUs land on
                 * sibling pairs, then the remainder on the partially used
                 * core that fits it best (least fragmentation). require
                 * never takes a core where fewer than 2 threads are free. */
                unsigned min_free = c->thread_policy == VP_THREAD_REQUIRE ? 2 : 1;
                bool *used = vp_xcalloc(n ? n : 1, sizeof(bool));
                for (size_t i = 0; i < n && got < want; i++) {
                        if (cores[i].n_free != cores[i].n_all || cores[i].n_free < min_free ||
                            want - got < cores[i].n_free)
                                continue;
                        used[i] = true;
                        for (int cpu = vp_cpuset_next(&cores[i].free, 0); cpu >= 0;
                             cpu = vp_cpuset_next(&cores[i].free, (unsigned)cpu + 1)) {
                                picked[got++] = (unsigned)cpu;
                                vp_cpuset_set(&take_held, (unsigned)cpu);
                        }
                }
                while (got < want) {
                        unsigned rem = want - got;
                        ssize_t best = -1;
                        for (size_t i = 0; i < n; i++) {
                                if (used[i] || cores[i].n_free < min_free)
                                        continue;
                                if (best < 0)
                                        best = (ssize_t)i;
                                else {
                                        unsigned fb = cores[best].n_free, fi = cores[i].n_free;
                                        bool bfits = fb >= rem, ifits = fi >= rem;
                                        /* smallest core that fits, else largest */
                                        if ((ifits && (!bfits || fi < fb)) ||
                                            (!ifits && !bfits && fi > fb))
                                                best = (ssize_t)i;
                                }
                        }
                        if (best < 0)
                                break;
                        used[best] = true;
                        for (int cpu = vp_cpuset_next(&cores[best].free, 0); cpu >= 0 && got < want;
                             cpu = vp_cpuset_next(&cores[best].free, (unsigned)cpu + 1)) {
                                picked[got++] = (unsigned)cpu;
                                vp_cpuset_set(&take_held, (unsigned)cpu);
                        }
                }
                free(used);
        }
        free(cores);
        bool ok = got == want;
        if (ok) {
                for (unsigned i = 0; i < got; i++)
                        order[(*n_order)++] = picked[i];
                vp_cpuset_or(held, &take_held);
                vp_cpuset_andnot(avail, &take_held);
        }
        free(picked);
        return ok;
}

/* ---- node choice ---------------------------------------------------------- */

/* The CPUs of the nodes in the set. */
static void nodes_cpus(const vp_topology *t, const vp_cpuset *nodes, vp_cpuset *out)
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

static int64_t node_avail_kib(const ctx *c, const vp_node *node)
{
        return vp_plan_node_admits_kib(
            node, c->in->host->reserved_memory_kib,
            vp_ledger_committed_kib(c->in->ledger, node->id, c->in->dom->uuid));
}

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
                                   ? count_units(c, &node->cpus, &s.free_cpus)
                                   : vp_cpuset_count(&s.free_cpus);
                s.avail_kib = node_avail_kib(c, node);
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
        bool ok = pick_cpus(c, &s->node->cpus, &avail, share, order, &n, &held);
        if (ok && k == 0 && c->emu_policy == VP_EMU_ISOLATE)
                ok = pick_cpus(c, &s->node->cpus, &avail, 1, order, &n, &held);
        free(order);
        return ok;
}

static void describe_nodes(const ctx *c, strbuf *b, const node_stat *st, size_t n)
{
        const char *unit = c->policy == VP_CPU_DEDICATED && c->thread_policy == VP_THREAD_ISOLATE
                               ? "cores"
                               : "CPUs";
        sb_printf(b, " (");
        for (size_t i = 0; i < n; i++)
                sb_printf(b, "%snode%u: %u %s, %lld MiB", i ? "; " : "", st[i].node->id,
                          st[i].free_units, unit,
                          (long long)(st[i].avail_kib > 0 ? st[i].avail_kib / 1024 : 0));
        sb_printf(b, ")");
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
                if (node_avail_kib(c, node) < (int64_t)mem_share[k])
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
                if (!pick_cpus(c, &node->cpus, &avail, share[k], order, &n_order, &p->held))
                        return false;
                if (k == 0 && c->emu_policy == VP_EMU_ISOLATE) {
                        unsigned one[1], n_one = 0;
                        if (!pick_cpus(c, &node->cpus, &avail, 1, one, &n_one, &p->held))
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
        nodes_cpus(c->topo, &p->host_nodes, &local);

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
                p->kind = VP_KIND_SHARED;
                p->vcpu_cpus = pool;
                p->emulator_cpus = pool;
                t->vcpu_cpuset_set = true;
                t->vcpu_cpuset = pool;
                t->emulatorpin_set = true;
                t->emulatorpin = pool;
                return;
        }

        p->kind = VP_KIND_DEDICATED;
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
                refuse(c, "%s = %s: CPUs %s are not online on this host", key,
                       vp_cpuset_fmt(set, a, sizeof(a)), vp_cpuset_fmt(&off, b, sizeof(b)));
                return false;
        }
        vp_cpuset bad = *set;
        vp_cpuset_and(&bad, &c->in->host->reserved_cpus);
        if (!vp_cpuset_empty(&bad)) {
                refuse(c, "%s = %s: CPUs %s are reserved for the host (reserved_cpus)", key,
                       vp_cpuset_fmt(set, a, sizeof(a)), vp_cpuset_fmt(&bad, b, sizeof(b)));
                return false;
        }
        bad = *set;
        vp_cpuset_and(&bad, &c->held_others);
        if (!vp_cpuset_empty(&bad)) {
                refuse(c, "%s = %s: CPUs %s are held by dedicated VMs", key,
                       vp_cpuset_fmt(set, a, sizeof(a)), vp_cpuset_fmt(&bad, b, sizeof(b)));
                return false;
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
                        refuse(c, "vcpupin.%u names vCPU %u but the domain has %u vCPUs", id, id,
                               d->vcpus_max);
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
                        refuse(c,
                               "iothreadpin.%u names iothread %u, which the domain does not have",
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

static void compute_pools(ctx *c)
{
        vp_pools p;
        vp_plan_pools(c->in->host, c->topo, c->in->ledger, c->in->dom->uuid, &p);
        c->dedicated_pool = p.dedicated;
        c->shared_pool = p.shared;
        c->held_others = p.held;
        c->taken = p.held;
        vp_cpuset_or(&c->taken, &p.pinned);
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
                refuse(c, "thread_policy=require needs SMT siblings and this host has none");
                return;
        }
        if (N > p->vcpus || p->memory_kib < N * SPLIT_ALIGN_KIB) {
                refuse(c, "numa_nodes=%u cannot split %u vCPUs and %llu MiB over %u nodes", N,
                       p->vcpus, (unsigned long long)(p->memory_kib / 1024), N);
                return;
        }
        unsigned *share = vp_xcalloc(N, sizeof(unsigned));
        c->share_node = vp_xcalloc(N, sizeof(unsigned));
        c->n_share = 0;
        uint64_t *mem_share = vp_xcalloc(N, sizeof(uint64_t));
        unsigned *order = vp_xcalloc(p->vcpus + 1, sizeof(unsigned));
        node_stat *st = vp_xcalloc(c->topo->n_nodes + 1, sizeof(node_stat));
        size_t n_st = 0;
        split_count(p->vcpus, N, share);
        split_even(p->memory_kib, N, SPLIT_ALIGN_KIB, mem_share);
        node_stats(c, st, &n_st);

        vp_cpuset chosen;
        vp_cpuset_zero(&chosen);
        int emu_cpu = -1;
        bool done = false;
        strbuf why = {0};

        if (try_previous(c, mem_share, &chosen)) {
                const vp_ledger_prev *prev = vp_ledger_previous(c->in->ledger, d->uuid);
                vp_cpuset allowed = vp_cpumask_get(&prev->held);
                c->n_share = N;
                if (assign_cpus(c, share, &allowed, order, &emu_cpu)) {
                        done = true;
                        sb_printf(&why, "previous CPUs %s free again, reused",
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
                        sb_printf(&why, "%s: node%s %s", vp_strategy_name(c->strategy),
                                  N > 1 ? "s" : "", vp_cpuset_fmt(&chosen, a, sizeof(a)));
                        const char *sep = " (";
                        for (size_t i = 0; i < n_st; i++)
                                if (vp_cpuset_test(&chosen, st[i].node->id)) {
                                        sb_printf(&why, "%snode%u: %u %s, %lld MiB", sep,
                                                  st[i].node->id, st[i].free_units,
                                                  policy_cpu_words(c),
                                                  (long long)(st[i].avail_kib / 1024));
                                        sep = "; ";
                                }
                        sb_printf(&why, ")");
                }
        }

        if (!done) {
                strbuf b = {0};
                unsigned need = units_needed(c, share[0], 0);
                if (N == 1)
                        sb_printf(&b, "no NUMA node has ");
                else
                        sb_printf(&b, "no %u NUMA nodes have ", N);
                if (c->policy == VP_CPU_DEDICATED || c->policy == VP_CPU_SHARED)
                        sb_printf(&b, "%u %s and ", need, policy_cpu_words(c));
                sb_printf(&b, "%llu MiB free memory%s", (unsigned long long)(mem_share[0] / 1024),
                          N > 1 ? " each" : "");
                if (c->in->host->reserved_memory_kib)
                        sb_printf(&b, " beyond reserved_memory");
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
                        sb_printf(&b, " (no candidate node)");
                refuse(c, "%s", b.s);
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
                        sb_printf(&why, "; CPUs %s (thread_policy %s, emulator %s)",
                                  vp_cpuset_fmt(&p->held, a, sizeof(a)),
                                  vp_thread_policy_name(c->thread_policy),
                                  vp_emu_policy_name(c->emu_policy));
                else if (c->policy == VP_CPU_SHARED)
                        sb_printf(&why, "; floating over %s",
                                  vp_cpuset_fmt(&p->vcpu_cpus, a, sizeof(a)));
                free(p->reason);
                p->reason = sb_take(&why);
        }
        free(why.s);
        free(share);
        free(mem_share);
        free(order);
        free(st);
}

/* Floating VMs (cpu_policy = shared) run on the shared pool, which shrinks
 * as dedicated VMs take CPUs: a dedicated VM may not take its last CPUs
 * while any floating VM is in the ledger (running or starting), or that VM
 * would be left on CPUs this one holds exclusively. */
static void keep_floating_room(ctx *c)
{
        vp_plan *p = c->plan;
        vp_cpuset left = c->shared_pool;
        vp_cpuset_andnot(&left, &p->held);
        if (!vp_cpuset_empty(&left))
                return;
        const vp_ledger *l = c->in->ledger;
        const char *uuid = c->in->dom->uuid;
        strbuf names = {0};
        size_t n = 0;
        for (size_t i = 0; l && i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (e->kind != VP_KIND_SHARED || (uuid && strcasecmp(e->uuid, uuid) == 0))
                        continue;
                if (n < 3)
                        sb_printf(&names, "%s%s", n ? ", " : "", e->name);
                n++;
        }
        if (n > 3)
                sb_printf(&names, " and %zu more", n - 3);
        char a[256];
        if (n)
                refuse(c,
                       "taking CPUs %s would leave no shared CPU for the floating VM%s %s "
                       "(cpu_policy = shared)",
                       vp_cpuset_fmt(&p->held, a, sizeof(a)), n > 1 ? "s" : "", names.s);
        free(names.s);
}

/* n guest cells splitting vCPUs and memory like the host shares; when
 * share_node is given, cell k is bound (memnode) to host node share_node[k]. */
static void set_cells_even(vp_plan *p, unsigned n, const unsigned *share_node, vp_mem_mode mode)
{
        vp_tune *t = &p->tune;
        unsigned *share = vp_xcalloc(n, sizeof(unsigned));
        uint64_t *mem = vp_xcalloc(n, sizeof(uint64_t));
        split_count(p->vcpus, n, share);
        split_even(p->memory_kib, n, SPLIT_ALIGN_KIB, mem);
        free(t->cells);
        t->cells = NULL;
        t->n_cells = 0;
        unsigned first = 0;
        for (unsigned k = 0; k < n; k++) {
                vp_cell *cell = vp_cells_get(&t->cells, &t->n_cells, k);
                cell->cpus_set = true;
                vp_cpuset_zero(&cell->cpus);
                for (unsigned v = first; v < first + share[k]; v++)
                        vp_cpuset_set(&cell->cpus, v);
                first += share[k];
                cell->memory_set = true;
                cell->memory_kib = mem[k];
                if (share_node) {
                        vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, k);
                        m->mode = mode;
                        m->nodeset_set = true;
                        vp_cpuset_zero(&m->nodeset);
                        vp_cpuset_set(&m->nodeset, share_node[k]);
                }
        }
        p->owned |= VP_OWN_CELLS;
        free(share);
        free(mem);
}

static void clear_memnodes(vp_plan *p)
{
        free(p->tune.memnodes);
        p->tune.memnodes = NULL;
        p->tune.n_memnodes = 0;
        p->owned |= VP_OWN_MEMNODES;
}

static void plan_guest_numa(ctx *c)
{
        const vp_profile *pr = c->prof;
        vp_plan *p = c->plan;
        vp_tune *t = &p->tune;
        vp_mem_mode mode = t->mem_mode != VP_MEM_UNSET ? t->mem_mode : VP_MEM_STRICT;
        /* "restrictive" is a cgroup-only policy with no per-cell meaning
         * (no QEMU memory-backend policy): bind a restrictive VM's cells
         * strictly, which is what its cpuset.mems does for the whole VM. */
        vp_mem_mode cell_mode = mode == VP_MEM_RESTRICTIVE ? VP_MEM_STRICT : mode;

        if (c->in->abi_fixed) {
                /* Guest cells cannot change; bind the existing ones 1:1 to the
                 * chosen nodes when the counts agree (host side only). */
                if (pr->cells_kind == VP_CELLS_AUTO && c->n_share && t->n_cells == c->n_share) {
                        clear_memnodes(p);
                        for (size_t k = 0; k < t->n_cells; k++) {
                                vp_memnode *m =
                                    vp_memnodes_get(&t->memnodes, &t->n_memnodes, t->cells[k].id);
                                m->mode = cell_mode;
                                m->nodeset_set = true;
                                vp_cpuset_zero(&m->nodeset);
                                vp_cpuset_set(&m->nodeset, c->share_node[k]);
                        }
                }
        } else {
                switch (pr->cells_kind) {
                case VP_CELLS_NONE:
                        free(t->cells);
                        t->cells = NULL;
                        t->n_cells = 0;
                        p->owned |= VP_OWN_CELLS;
                        clear_memnodes(p);
                        break;
                case VP_CELLS_AUTO:
                        if (c->n_share == 0)
                                break;
                        clear_memnodes(p);
                        set_cells_even(p, c->n_share, c->share_node, cell_mode);
                        break;
                case VP_CELLS_COUNT:
                        if (pr->cells_count > p->vcpus ||
                            p->memory_kib < pr->cells_count * SPLIT_ALIGN_KIB) {
                                refuse(c,
                                       "cells = %u cannot split %u vCPUs and %llu MiB into %u "
                                       "guest cells",
                                       pr->cells_count, p->vcpus,
                                       (unsigned long long)(p->memory_kib / 1024), pr->cells_count);
                                return;
                        }
                        clear_memnodes(p);
                        set_cells_even(p, pr->cells_count, NULL, cell_mode);
                        break;
                case VP_CELLS_EXPLICIT:
                        free(t->cells);
                        t->cells = NULL;
                        t->n_cells = 0;
                        for (size_t i = 0; i < pr->tune.n_cells; i++)
                                *vp_cells_get(&t->cells, &t->n_cells, pr->tune.cells[i].id) =
                                    pr->tune.cells[i];
                        p->owned |= VP_OWN_CELLS;
                        clear_memnodes(p);
                        break;
                case VP_CELLS_UNSET:
                        break;
                }
        }

        /* The domain's own memnodes must follow memory that placement moved:
         * cell k to the k-th chosen node when the counts agree, else every
         * cell to all chosen nodes. (Cells auto-made above are already bound.) */
        if (c->n_share && !(p->owned & VP_OWN_MEMNODES)) {
                for (size_t i = 0; i < t->n_memnodes; i++) {
                        vp_memnode *m = &t->memnodes[i];
                        if (m->nodeset_set && vp_cpuset_subset(&m->nodeset, &p->host_nodes))
                                continue;
                        size_t k = 0;
                        while (k < t->n_cells && t->cells[k].id != m->cellid)
                                k++;
                        m->nodeset_set = true;
                        if (t->n_cells == c->n_share && k < t->n_cells) {
                                vp_cpuset_zero(&m->nodeset);
                                vp_cpuset_set(&m->nodeset, c->share_node[k]);
                        } else {
                                m->nodeset = p->host_nodes;
                        }
                        if (m->mode == VP_MEM_UNSET)
                                m->mode = cell_mode;
                        p->owned |= VP_OWN_MEMNODES;
                }
        }

        /* Profile memnode.N.* keys on top. */
        for (size_t i = 0; i < pr->tune.n_memnodes; i++) {
                const vp_memnode *src = &pr->tune.memnodes[i];
                vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, src->cellid);
                if (src->mode != VP_MEM_UNSET)
                        m->mode = src->mode;
                if (src->nodeset_set) {
                        m->nodeset_set = true;
                        m->nodeset = src->nodeset;
                }
                p->owned |= VP_OWN_MEMNODES;
        }

        /* Consistency libvirt would otherwise reject at start. */
        if (t->n_cells) {
                vp_cpuset all, want;
                vp_cpuset_zero(&all);
                vp_cpuset_zero(&want);
                uint64_t sum = 0;
                char a[128], b[128];
                for (size_t i = 0; i < t->n_cells; i++) {
                        vp_cpuset_or(&all, &t->cells[i].cpus);
                        sum += t->cells[i].memory_kib;
                }
                for (unsigned v = 0; v < p->vcpus; v++)
                        vp_cpuset_set(&want, v);
                if ((p->owned & VP_OWN_CELLS) && !vp_cpuset_equal(&all, &want))
                        refuse(c, "guest NUMA cells cover vCPUs %s but the domain has vCPUs %s",
                               vp_cpuset_fmt(&all, a, sizeof(a)),
                               vp_cpuset_fmt(&want, b, sizeof(b)));
                else if ((p->owned & VP_OWN_CELLS) && sum != p->memory_kib)
                        refuse(
                            c,
                            "guest NUMA cells hold %llu KiB but the domain has %llu KiB of memory",
                            (unsigned long long)sum, (unsigned long long)p->memory_kib);
        }
        for (size_t i = 0; i < t->n_memnodes; i++) {
                bool found = false;
                for (size_t j = 0; j < t->n_cells; j++)
                        found |= t->cells[j].id == t->memnodes[i].cellid;
                if (!found) {
                        refuse(c, "memnode.%u names guest cell %u, which the domain will not have",
                               t->memnodes[i].cellid, t->memnodes[i].cellid);
                        break;
                }
        }
}

/* No automatic placement but a nodeset (the profile's or the domain's own):
 * memory is committed there, split evenly, and when it is bound (strict or
 * restrictive, libvirt's default being strict) each node must have its share
 * free beyond reserved_memory and other VMs' commitments. */
static void admit_fixed_nodeset(ctx *c)
{
        vp_plan *p = c->plan;
        const vp_cpuset *ns = &p->tune.nodeset;
        unsigned n = vp_cpuset_count(ns);
        if (n == 0)
                return;
        bool bound = p->tune.mem_mode == VP_MEM_UNSET || p->tune.mem_mode == VP_MEM_STRICT ||
                     p->tune.mem_mode == VP_MEM_RESTRICTIVE;
        uint64_t *mem = vp_xcalloc(n, sizeof(uint64_t));
        split_even(p->memory_kib, n, SPLIT_ALIGN_KIB, mem);
        strbuf b = {0};
        char a[256];
        bool short_mem = false;
        unsigned k = 0;
        for (int id = vp_cpuset_next(ns, 0); id >= 0;
             id = vp_cpuset_next(ns, (unsigned)id + 1), k++) {
                const vp_node *node = vp_topology_node(c->topo, (unsigned)id);
                int64_t avail = node ? node_avail_kib(c, node) : 0;
                sb_printf(&b, "%snode%d: %lld MiB", k ? "; " : "", id,
                          (long long)(avail > 0 ? avail / 1024 : 0));
                if (bound && (!node || avail < (int64_t)mem[k]))
                        short_mem = true;
                p->node_mem = vp_xrealloc(p->node_mem, (p->n_node_mem + 1) * sizeof(*p->node_mem));
                p->node_mem[p->n_node_mem++] = (vp_ledger_mem){.node = (unsigned)id, .kib = mem[k]};
        }
        p->host_nodes = *ns;
        if (short_mem)
                refuse(c,
                       "numatune nodeset %s binds %llu MiB per node, more than is free there (%s)",
                       vp_cpuset_fmt(ns, a, sizeof(a)), (unsigned long long)(mem[0] / 1024), b.s);
        free(b.s);
        free(mem);
}

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
                return vp_error_set(err, -EINVAL, "%s: %u vCPUs is out of range", d->name,
                                    d->vcpus_max);
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

        apply_profile_values(&c);
        check_explicit(&c);
        if (!p->refusal && c.policy == VP_CPU_NONE)
                check_domain_pins(&c);

        if (!p->refusal && wants_nodes(&c)) {
                place(&c);
                if (!p->refusal && c.policy == VP_CPU_DEDICATED)
                        keep_floating_room(&c);
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
                admit_fixed_nodeset(&c);
        }
        if (p->refusal) {
                free(c.share_node);
                return 0;
        }

        if (c.policy == VP_CPU_NONE) {
                p->kind = VP_KIND_NONE;
                p->vcpu_cpus = p->tune.vcpu_cpuset_set ? p->tune.vcpu_cpuset : (vp_cpuset){0};
                for (size_t i = 0; i < p->tune.n_vcpupin; i++)
                        vp_cpuset_or(&p->vcpu_cpus, &p->tune.vcpupin[i].set);
                if (p->tune.emulatorpin_set)
                        p->emulator_cpus = p->tune.emulatorpin;
        }

        plan_guest_numa(&c);
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
                nodes_cpus(t, &nodes, &local);
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

void vp_plan_cgwrites(const vp_plan *p, const vp_domain *dom, vp_cgroup_version v, vp_cgwrites *out)
{
        if (!p->profile || p->refusal) {
                memset(out, 0, sizeof(*out));
                return;
        }
        vp_cgwrites_build(&p->tune, p->vcpus, dom, v, out);
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

void vp_plan_to_entry(const vp_plan *p, int64_t now, vp_ledger_entry *e)
{
        memset(e, 0, sizeof(*e));
        e->name = vp_xstrdup(p->domain);
        e->uuid = vp_xstrdup(p->uuid ? p->uuid : "");
        e->profile = p->profile ? vp_xstrdup(p->profile) : NULL;
        e->matched_by = p->matched_by ? vp_xstrdup(p->matched_by) : NULL;
        e->state = vp_xstrdup("prepared");
        e->kind = p->kind;
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
