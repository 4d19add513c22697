/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Planner unit tests on synthetic hosts built in memory: every policy, the
 * strategies, admission, refusal messages, the ledger interplay and
 * determinism. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cpusets.h"
#include "plan.h"
#include "rewrite.h"
#include "tap.h"

/* ---- synthetic inputs ----------------------------------------------------- */

/* nodes x cores x threads; CPU numbering like Intel: thread t of global core
 * g is cpu g + t * (nodes*cores), so siblings are N and N+total_cores. */
static vp_topology *synth(unsigned nodes, unsigned cores, unsigned threads, uint64_t free_mib)
{
        vp_topology *t = vp_xcalloc(1, sizeof(*t));
        unsigned total_cores = nodes * cores, n_cpus = total_cores * threads;
        t->n_nodes = nodes;
        t->nodes = vp_xcalloc(nodes, sizeof(vp_node));
        t->n_cpus = n_cpus;
        t->cpus = vp_xcalloc(n_cpus, sizeof(vp_cpu));
        t->smt = threads > 1;
        for (unsigned n = 0; n < nodes; n++) {
                t->nodes[n].id = n;
                /* an idle host: all of a node's memory free until a test
                 * says otherwise (admission counts commitments against the
                 * total, the free figure only caps it) */
                t->nodes[n].total_kib = free_mib * 1024;
                t->nodes[n].free_kib = free_mib * 1024;
                t->nodes[n].distance = vp_xcalloc(nodes, sizeof(unsigned));
                for (unsigned m = 0; m < nodes; m++)
                        t->nodes[n].distance[m] = n == m ? 10 : 20;
        }
        for (unsigned g = 0; g < total_cores; g++) {
                unsigned node = g / cores;
                vp_cpuset sib;
                vp_cpuset_zero(&sib);
                for (unsigned th = 0; th < threads; th++)
                        vp_cpuset_set(&sib, g + th * total_cores);
                for (unsigned th = 0; th < threads; th++) {
                        unsigned cpu = g + th * total_cores;
                        t->cpus[cpu] = (vp_cpu){.online = true,
                                                .node = (int)node,
                                                .core_id = (int)(g % cores),
                                                .package_id = (int)node,
                                                .siblings = sib};
                        vp_cpuset_set(&t->online, cpu);
                        vp_cpuset_set(&t->nodes[node].cpus, cpu);
                }
        }
        return t;
}

static void synth_free(vp_topology *t)
{
        for (size_t i = 0; i < t->n_nodes; i++)
                free(t->nodes[i].distance);
        free(t->nodes);
        free(t->cpus);
        free(t);
}

static vp_domain mkdom(const char *name, const char *uuid, unsigned vcpus, uint64_t mem_mib)
{
        vp_domain d;
        memset(&d, 0, sizeof(d));
        d.name = (char *)name;
        d.uuid = (char *)uuid;
        d.vcpus_max = d.vcpus_current = vcpus;
        d.memory_kib = mem_mib * 1024;
        return d;
}

static vp_profile mkprof(const char *name, vp_cpu_policy pol)
{
        vp_profile p;
        memset(&p, 0, sizeof(p));
        p.name = (char *)name;
        p.cpu_policy = pol;
        return p;
}

static vp_host_config mkhost(void)
{
        vp_host_config h;
        memset(&h, 0, sizeof(h));
        h.on_error = VP_ONERR_REFUSE;
        h.strategy = VP_STRAT_SPREAD;
        return h;
}

static vp_cpuset cs(const char *s)
{
        vp_cpuset r;
        vp_cpuset_zero(&r);
        if (*s)
                vp_cpuset_parse(&r, s, VP_MAX_CPUS, NULL);
        return r;
}

/* a ledger entry's compact set, as fmt */
static const char *mfmt(const vp_cpumask *m)
{
        vp_cpuset s = vp_cpumask_get(m);
        return fmt(&s);
}

static const char *pin(const vp_plan *p, unsigned vcpu)
{
        const vp_pin *x = vp_pins_find(p->tune.vcpupin, p->tune.n_vcpupin, vcpu);
        return x ? fmt(&x->set) : "(none)";
}

static int plan(vp_plan *out, const vp_domain *d, const vp_profile *p, const vp_host_config *h,
                const vp_topology *t, const vp_ledger *l)
{
        vp_plan_input in = {
            .dom = d, .profile = p, .matched_by = "name:*", .host = h, .topo = t, .ledger = l};
        vp_error err = {0};
        int r = vp_plan_compute(&in, out, &err);
        if (r < 0)
                printf("# plan error: %s\n", err.msg);
        return r;
}

/* commit a plan to an in-memory ledger */
static void commit(vp_ledger *l, const vp_plan *p)
{
        vp_ledger_entry e;
        vp_plan_to_entry(p, 1000, &e);
        vp_ledger_put(l, &e);
}

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"
#define U3 "33333333-3333-3333-3333-333333333333"

/* ---- tests ---------------------------------------------------------------- */

static void test_dedicated_prefer_spread_pack(void)
{
        /* 2 nodes x 2 cores x 2 threads: node0 = 0,1,4,5 node1 = 2,3,6,7 */
        vp_topology *t = synth(2, 2, 2, 4096);
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile pr = mkprof("dedi", VP_CPU_DEDICATED);
        vp_domain a = mkdom("a", U1, 2, 1024), b = mkdom("b", U2, 2, 1024);
        vp_plan pa, pb;

        is_int(plan(&pa, &a, &pr, &h, t, &l), 0, "dedicated plan computes");
        ok(!pa.refusal, "fits");
        is_str(fmt(&pa.host_nodes), "0", "spread tie goes to the lowest node id");
        is_str(pin(&pa, 0), "0", "vCPU0 on cpu0");
        is_str(pin(&pa, 1), "4", "vCPU1 on its SMT sibling cpu4 (prefer)");
        is_str(fmt(&pa.held), "0,4", "held = the two siblings");
        is_str(fmt(&pa.tune.vcpu_cpuset), "0,4", "<vcpu cpuset> = held");
        is_str(fmt(&pa.tune.nodeset), "0", "memory bound to node0");
        is_int(pa.tune.mem_mode, VP_MEM_STRICT, "numatune strict by default");
        is_str(fmt(&pa.tune.emulatorpin), "1,5", "emulator floats over node0's shared CPUs");
        is_int(pa.n_node_mem, 1, "memory committed on one node");
        is_int(pa.node_mem[0].kib, 1024 * 1024, "1 GiB on node0");
        commit(&l, &pa);

        is_int(plan(&pb, &b, &pr, &h, t, &l), 0, "second plan computes");
        is_str(fmt(&pb.host_nodes), "1", "spread: node with most free CPUs");
        is_str(fmt(&pb.held), "2,6", "whole core on node1");
        ok(!vp_cpuset_intersects(&pa.held, &pb.held), "no overlap with the first VM");
        vp_plan_free(&pb);

        h.strategy = VP_STRAT_PACK;
        is_int(plan(&pb, &b, &pr, &h, t, &l), 0, "pack plan computes");
        is_str(fmt(&pb.host_nodes), "0", "pack: the fullest node that still fits");
        is_str(fmt(&pb.held), "1,5", "the remaining core of node0");
        vp_plan_free(&pb);

        /* profile strategy overrides the host's */
        pr.strategy = VP_STRAT_SPREAD;
        is_int(plan(&pb, &b, &pr, &h, t, &l), 0, "profile strategy plan");
        is_str(fmt(&pb.host_nodes), "1", "profile strategy=spread beats host pack");
        vp_plan_free(&pb);

        /* the domain's own entry counts as free: re-plan of a gives the same */
        vp_plan again;
        is_int(plan(&again, &a, &pr, &h, t, &l), 0, "re-plan of a committed domain");
        is_str(fmt(&again.held), "0,4", "its own CPUs are free to it");
        vp_plan_free(&again);

        vp_plan_free(&pa);
        vp_ledger_free(&l);
        synth_free(t);
}

static void test_isolate_require_emulator(void)
{
        vp_topology *t = synth(1, 4, 2, 8192); /* cpus 0-3 thread0, 4-7 thread1 */
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile pr = mkprof("iso", VP_CPU_DEDICATED);
        pr.thread_policy = VP_THREAD_ISOLATE;
        vp_domain a = mkdom("a", U1, 2, 512);
        vp_plan p;
        is_int(plan(&p, &a, &pr, &h, t, &l), 0, "isolate computes");
        is_str(pin(&p, 0), "0", "isolate: vCPU0 alone on core 0");
        is_str(pin(&p, 1), "1", "isolate: vCPU1 alone on core 1");
        is_str(fmt(&p.held), "0-1,4-5", "isolate holds the unused siblings too");
        commit(&l, &p);
        vp_plan_free(&p);

        /* 2 whole cores left: a 3-vCPU isolate VM must be refused */
        vp_domain b = mkdom("b", U2, 3, 512);
        is_int(plan(&p, &b, &pr, &h, t, &l), 0, "isolate refusal computes");
        is_str(p.refusal,
               "vmplace: b (profile iso): no NUMA node has 3 free dedicated cores and 512 MiB "
               "free memory (node0: 2 cores, 7680 MiB)",
               "refusal names what was short (a's 512 MiB is committed)");
        vp_plan_free(&p);

        /* emulator isolate: one more exclusive CPU */
        vp_profile pe = mkprof("emu", VP_CPU_DEDICATED);
        pe.emulator_policy = VP_EMU_ISOLATE;
        vp_domain c = mkdom("c", U3, 1, 512);
        is_int(plan(&p, &c, &pe, &h, t, &l), 0, "emulator isolate computes");
        is_str(pin(&p, 0), "2", "vCPU0 on a free whole core");
        is_str(fmt(&p.tune.emulatorpin), "6", "emulator on its own exclusive CPU (the sibling)");
        is_str(fmt(&p.held), "2,6", "both held");
        ok(!p.isolated, "isolation not asked: the plan is not isolated");
        vp_plan_free(&p);
        pe.isolation = VP_ISOLATION_HOST;
        is_int(plan(&p, &c, &pe, &h, t, &l), 0, "isolation = host computes");
        ok(p.isolated, "isolation = host on a dedicated plan: isolated");
        vp_ledger_entry ie;
        vp_plan_to_entry(&p, 1700000000, &ie);
        ok(ie.isolated, "and its ledger entry records it");
        vp_ledger_entry_free(&ie);
        vp_plan_free(&p);

        /* require on a host without SMT */
        vp_topology *flat = synth(1, 4, 1, 8192);
        vp_profile rq = mkprof("req", VP_CPU_DEDICATED);
        rq.thread_policy = VP_THREAD_REQUIRE;
        vp_ledger empty = {0};
        is_int(plan(&p, &a, &rq, &h, flat, &empty), 0, "require computes");
        like(p.refusal, "thread_policy=require needs SMT siblings", "require refused without SMT");
        vp_plan_free(&p);
        /* require with SMT: siblings */
        vp_ledger empty2 = {0};
        is_int(plan(&p, &a, &rq, &h, t, &empty2), 0, "require on SMT computes");
        is_str(fmt(&p.held), "0,4", "require: a sibling pair");
        vp_plan_free(&p);

        vp_ledger_free(&l);
        synth_free(flat);
        synth_free(t);
}

/* I7: memory admission counts each VM once. A running VM's touched memory
 * is already missing from the node's free figure; subtracting its
 * commitment from that again refused a 2 GiB VM with 7 GiB free ("0 MiB"). */
static void test_memory_counted_once(void)
{
        vp_topology *t = synth(1, 4, 1, 16384);
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile sh = mkprof("gp", VP_CPU_SHARED);
        vp_domain big = mkdom("big", U1, 1, 7168);
        vp_plan p;
        is_int(plan(&p, &big, &sh, &h, t, &l), 0, "a 7 GiB VM computes");
        ok(!p.refusal, "... and fits a 16 GiB node");
        commit(&l, &p);
        vp_plan_free(&p);
        /* it runs and touched its 7 GiB; the host uses 2 GiB: 7 GiB free */
        t->nodes[0].free_kib = 7168 * 1024;
        vp_domain two = mkdom("two", U2, 1, 2048);
        is_int(plan(&p, &two, &sh, &h, t, &l), 0, "a 2 GiB VM computes");
        ok(!p.refusal, "a 2 GiB VM fits beside it, with 7 GiB free: %s",
           p.refusal ? p.refusal : "admitted");
        vp_plan_free(&p);
        vp_domain eight = mkdom("eight", U2, 1, 8192);
        is_int(plan(&p, &eight, &sh, &h, t, &l), 0, "an 8 GiB VM computes");
        like(p.refusal, "(node0: 4 CPUs, 7168 MiB)", "8 GiB refused, the message says 7168 MiB");
        vp_plan_free(&p);
        /* not yet touched (it is starting): the commitment is what counts */
        t->nodes[0].free_kib = 14336 * 1024;
        vp_domain ten = mkdom("ten", U2, 1, 10240);
        is_int(plan(&p, &ten, &sh, &h, t, &l), 0, "with the big VM not touching memory yet");
        like(p.refusal, "(node0: 4 CPUs, 9216 MiB)",
             "... 10 GiB refused: total minus its commitment, 9216 MiB");
        vp_plan_free(&p);
        /* memory taken outside vmplace caps the figure */
        vp_ledger none = {0};
        t->nodes[0].free_kib = 1024 * 1024;
        is_int(plan(&p, &two, &sh, &h, t, &none), 0, "a host using all but 1 GiB");
        like(p.refusal, "(node0: 4 CPUs, 1024 MiB)",
             "... admits no 2 GiB VM: the free figure caps");
        vp_plan_free(&p);
        vp_ledger_free(&l);
        synth_free(t);
}

/* I2: with cpu_policy = none the domain's own pins stay, so they answer to
 * the rules of the profile's keys: not on a dedicated VM's or a reserved
 * CPU. They were admitted silently. */
static void test_domain_pins_checked(void)
{
        vp_topology *t = synth(1, 4, 1, 4096); /* cpus 0-3 */
        vp_host_config h = mkhost();
        h.reserved_cpus = cs("0");
        vp_ledger l = {0};
        vp_profile ded = mkprof("db", VP_CPU_DEDICATED);
        vp_domain a = mkdom("a", U1, 1, 512);
        vp_plan p;
        is_int(plan(&p, &a, &ded, &h, t, &l), 0, "a dedicated VM computes");
        char held[32];
        snprintf(held, sizeof(held), "%s", fmt(&p.held));
        commit(&l, &p);
        vp_plan_free(&p);

        vp_profile shares = mkprof("web", VP_CPU_UNSET); /* shares-only: CPUs left alone */
        shares.tune.q[VP_T_SHARES] = (vp_opt_ll){true, 512};
        vp_domain b = mkdom("b", U2, 2, 512);
        vp_cpuset on_a = cs(held), free_cpu = cs("3"), reserved = cs("0");
        if (!strcmp(held, "3"))
                free_cpu = cs("2");
        vp_pins_put(&b.tune.vcpupin, &b.tune.n_vcpupin, 0, &free_cpu);
        vp_pins_put(&b.tune.vcpupin, &b.tune.n_vcpupin, 1, &on_a);
        is_int(plan(&p, &b, &shares, &h, t, &l), 0, "pins onto a's CPU compute");
        like(p.refusal, "the domain's <vcpupin vcpu='1' cpuset>", "refused, naming the element");
        like(p.refusal, "are held by dedicated VMs", "... and why");
        vp_plan_free(&p);
        vp_tune_free(&b.tune);

        vp_domain e = mkdom("e", U2, 1, 512);
        e.tune.emulatorpin_set = true;
        e.tune.emulatorpin = reserved;
        is_int(plan(&p, &e, &shares, &h, t, &l), 0, "an emulatorpin on a reserved CPU computes");
        like(p.refusal, "the domain's <emulatorpin cpuset> = 0: CPUs 0 are reserved for the host",
             "refused: reserved_cpus");
        vp_plan_free(&p);

        vp_domain f = mkdom("f", U2, 1, 512);
        f.tune.vcpu_cpuset_set = true;
        f.tune.vcpu_cpuset = free_cpu;
        is_int(plan(&p, &f, &shares, &h, t, &l), 0, "a <vcpu cpuset> on a free CPU computes");
        ok(!p.refusal, "admitted: %s", p.refusal ? p.refusal : "yes");
        vp_plan_free(&p);

        /* the profile's own pin wins over the XML's, and it is what is checked */
        vp_domain g = mkdom("g", U2, 1, 512);
        vp_pins_put(&g.tune.vcpupin, &g.tune.n_vcpupin, 0, &on_a);
        vp_profile pinned = shares;
        vp_pin pp = {.id = 0, .set = free_cpu};
        pinned.tune.vcpupin = &pp;
        pinned.tune.n_vcpupin = 1;
        is_int(plan(&p, &g, &pinned, &h, t, &l), 0, "a profile pin over an XML pin computes");
        ok(!p.refusal, "admitted on the profile's CPU: %s", p.refusal ? p.refusal : "yes");
        vp_plan_free(&p);
        vp_tune_free(&g.tune);
        vp_ledger_free(&l);
        synth_free(t);
}

/* I1, I2: a managed cpu_policy = none VM keeps off reserved and dedicated
 * CPUs too. Without pins it floats over the shared pool (and is refloated
 * with it); pinned in part, its unpinned threads run on its own pins; with
 * nothing shared left it is refused. */
static void test_none_keeps_off(void)
{
        vp_topology *t = synth(1, 4, 1, 4096); /* cpus 0-3 */
        vp_host_config h = mkhost();
        h.reserved_cpus = cs("0");
        vp_ledger l = {0};
        vp_profile ded = mkprof("db", VP_CPU_DEDICATED);
        vp_profile shares = mkprof("web", VP_CPU_UNSET);
        shares.tune.q[VP_T_SHARES] = (vp_opt_ll){true, 512};
        vp_domain a = mkdom("a", U1, 1, 512), b = mkdom("b", U2, 2, 512);
        vp_plan p;

        is_int(plan(&p, &b, &shares, &h, t, &l), 0, "none, no pins: computes");
        ok(!p.refusal, "none, no pins: admitted");
        is_int(p.kind, VP_KIND_SHARED, "none, no pins: floats");
        is_str(fmt(&p.tune.vcpu_cpuset), "1-3", "none, no pins: <vcpu cpuset> = the shared pool");
        is_str(fmt(&p.tune.emulatorpin), "1-3", "none, no pins: the emulator floats with it");
        commit(&l, &p);
        vp_plan_free(&p);

        /* a dedicated VM takes a shared CPU: the floating none VM narrows */
        is_int(plan(&p, &a, &ded, &h, t, &l), 0, "dedicated beside it computes");
        ok(!p.refusal, "dedicated beside it admitted");
        vp_cpuset taken = p.held;
        commit(&l, &p);
        vp_plan_free(&p);
        is_int(vp_plan_refloat(&l, &h, t, NULL), 1, "the none VM refloats");
        const vp_ledger_entry *e = vp_ledger_find_uuid(&l, U2);
        vp_cpuset floats = vp_cpumask_get(&e->vcpu_cpus);
        ok(!vp_cpuset_intersects(&floats, &taken) && !vp_cpuset_test(&floats, 0),
           "... off the dedicated and the reserved CPU (%s)", fmt(&floats));

        /* unrecorded pins (I3) are kept out of the pool as well */
        vp_cpuset un = cs("3");
        vp_plan_refloat(&l, &h, t, &un);
        floats = vp_cpumask_get(&e->vcpu_cpus);
        ok(!vp_cpuset_test(&floats, 3), "... and off an unrecorded VM's pins (%s)", fmt(&floats));
        vp_ledger_free(&l);

        /* pinned in part: vCPU 0 pinned, vCPU 1 and the emulator are not */
        vp_domain c = mkdom("c", U2, 2, 512);
        vp_cpuset two = cs("2");
        vp_pins_put(&c.tune.vcpupin, &c.tune.n_vcpupin, 0, &two);
        is_int(plan(&p, &c, &shares, &h, t, &l), 0, "none, pinned in part: computes");
        ok(!p.refusal, "none, pinned in part: admitted");
        is_int(p.kind, VP_KIND_NONE, "none, pinned in part: does not float");
        is_str(fmt(&p.tune.vcpu_cpuset), "2",
               "none, pinned in part: the rest runs on its own pins (<vcpu cpuset>)");
        vp_plan_free(&p);
        vp_tune_free(&c.tune);

        /* numatune auto: nodes chosen first, and the reason says both */
        vp_profile autonodes = shares;
        autonodes.nodeset_kind = VP_NODESET_AUTO;
        is_int(plan(&p, &b, &autonodes, &h, t, &l), 0, "none, no pins, nodeset auto: computes");
        like(p.reason, "node", "... the node choice's reason");
        like(p.reason, "; cpu_policy none, no pins: floats over the shared pool", "... then this");
        vp_plan_free(&p);

        /* every non-reserved CPU dedicated: nothing to float over */
        vp_domain big = mkdom("big", U1, 3, 512);
        is_int(plan(&p, &big, &ded, &h, t, &l), 0, "three dedicated CPUs compute");
        commit(&l, &p);
        vp_plan_free(&p);
        is_int(plan(&p, &b, &shares, &h, t, &l), 0, "none with no shared CPU left computes");
        like(p.refusal, "no shared CPU is left", "... and is refused");
        vp_plan_free(&p);
        vp_ledger_free(&l);
        synth_free(t);
}

static void test_memory_admission_and_reserved(void)
{
        vp_topology *t = synth(2, 2, 1, 4096); /* node0: 0,1 node1: 2,3 */
        t->nodes[0].free_kib = 1800 * 1024;
        t->nodes[1].free_kib = 900 * 1024;
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile pr = mkprof("database", VP_CPU_DEDICATED);
        vp_domain d = mkdom("db-1", U1, 2, 4096);
        vp_plan p;
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "admission computes");
        is_str(p.refusal,
               "vmplace: db-1 (profile database): no NUMA node has 2 free dedicated CPUs and "
               "4096 MiB free memory (node0: 2 CPUs, 1800 MiB; node1: 2 CPUs, 900 MiB)",
               "SPEC-shaped refusal with per-node figures");
        vp_plan_free(&p);

        d.memory_kib = 1000 * 1024;
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "fits on node0 only");
        is_str(fmt(&p.host_nodes), "0", "memory decides the node");
        vp_plan_free(&p);

        h.reserved_memory_kib = 900 * 1024;
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "reserved_memory computes");
        like(p.refusal, "beyond reserved_memory (node0: 2 CPUs, 900 MiB; node1: 2 CPUs, 0 MiB)",
             "reserved_memory is subtracted on every node");
        vp_plan_free(&p);

        /* committed memory of other VMs is subtracted, from the total: node0's
         * 1800 MiB are all it has and all free (nothing touched yet) */
        h.reserved_memory_kib = 0;
        t->nodes[0].total_kib = 1800 * 1024;
        vp_profile sh = mkprof("gp", VP_CPU_SHARED);
        vp_domain o = mkdom("other", U2, 1, 1500);
        is_int(plan(&p, &o, &sh, &h, t, &l), 0, "shared VM computes");
        is_str(fmt(&p.host_nodes), "0", "shared VM on node0 (memory)");
        commit(&l, &p);
        vp_plan_free(&p);
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "after commit computes");
        like(p.refusal, "(node0: 2 CPUs, 300 MiB; node1: 2 CPUs, 900 MiB)",
             "ledger-committed memory is subtracted");
        vp_plan_free(&p);
        vp_ledger_free(&l);

        /* reserved CPUs are never handed out */
        vp_ledger l2 = {0};
        h.reserved_cpus = cs("0-1");
        t->nodes[0].free_kib = t->nodes[1].free_kib = 4096 * 1024;
        t->nodes[0].total_kib = 4096 * 1024;
        vp_domain e = mkdom("e", U3, 2, 512);
        is_int(plan(&p, &e, &pr, &h, t, &l2), 0, "reserved computes");
        is_str(fmt(&p.held), "2-3", "reserved CPUs 0-1 avoided");
        vp_plan_free(&p);
        vp_domain f = mkdom("f", U3, 3, 512);
        is_int(plan(&p, &f, &pr, &h, t, &l2), 0, "reserved refusal computes");
        like(p.refusal, "(node0: 0 CPUs, 4096 MiB; node1: 2 CPUs, 4096 MiB)",
             "reserved CPUs do not count as free");
        vp_plan_free(&p);
        vp_ledger_free(&l2);
        synth_free(t);
}

static void test_numa_nodes_and_guest_cells(void)
{
        vp_topology *t = synth(4, 2, 2, 8192); /* 4 nodes, 16 CPUs */
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile pr = mkprof("wide", VP_CPU_DEDICATED);
        pr.numa_nodes = 2;
        pr.cells_kind = VP_CELLS_AUTO;
        vp_domain d = mkdom("w", U1, 5, 3072);
        vp_plan p;
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "numa_nodes=2 computes");
        ok(!p.refusal, "fits");
        is_int(vp_cpuset_count(&p.host_nodes), 2, "two host nodes");
        is_str(fmt(&p.host_nodes), "0-1", "spread over the two lowest equal nodes");
        is_int(p.tune.n_cells, 2, "two guest cells");
        is_str(fmt(&p.tune.cells[0].cpus), "0-2", "cell0 gets 3 vCPUs (larger share first)");
        is_str(fmt(&p.tune.cells[1].cpus), "3-4", "cell1 gets 2 vCPUs");
        is_int(p.tune.cells[0].memory_kib + p.tune.cells[1].memory_kib, 3072 * 1024,
               "cells sum to the domain memory");
        is_int(p.tune.cells[0].memory_kib, 1536 * 1024, "memory split evenly");
        is_int(p.tune.n_memnodes, 2, "one memnode per cell");
        is_str(fmt(&p.tune.memnodes[0].nodeset), "0", "cell0 bound to host node0");
        is_str(fmt(&p.tune.memnodes[1].nodeset), "1", "cell1 bound to host node1");
        /* vCPUs of cell k sit on the node of memnode k */
        for (unsigned v = 0; v < 5; v++) {
                const vp_pin *x = vp_pins_find(p.tune.vcpupin, p.tune.n_vcpupin, v);
                unsigned cpu = (unsigned)vp_cpuset_next(&x->set, 0);
                unsigned want_node = v < 3 ? 0 : 1;
                is_int(t->cpus[cpu].node, want_node, "vCPU %u on the node of its guest cell", v);
        }
        ok(p.launch_only & VP_LAUNCH_GUEST_NUMA, "guest NUMA is launch-only");
        ok(p.launch_only & VP_LAUNCH_MEMNODE, "memnode binding is launch-only");

        /* abi_fixed (migrate/restore) keeps the domain's (absent) cells */
        vp_plan q;
        vp_plan_input in = {.dom = &d,
                            .profile = &pr,
                            .matched_by = "x",
                            .host = &h,
                            .topo = t,
                            .ledger = &l,
                            .abi_fixed = true};
        is_int(vp_plan_compute(&in, &q, NULL), 0, "abi_fixed computes");
        is_int(q.tune.n_cells, 0, "migrate/restore: guest cells untouched");
        ok(!(q.owned & VP_OWN_CELLS), "cells not owned when ABI is fixed");
        vp_plan_free(&q);

        /* more nodes than exist */
        vp_profile too = mkprof("too", VP_CPU_DEDICATED);
        too.numa_nodes = 5;
        vp_domain big = mkdom("big", U2, 10, 1024);
        is_int(plan(&q, &big, &too, &h, t, &l), 0, "numa_nodes=5 computes");
        like(q.refusal, "no 5 NUMA nodes have", "refused: only 4 nodes");
        vp_plan_free(&q);

        vp_plan_free(&p);
        synth_free(t);
}

static void test_shared_and_ledger(void)
{
        vp_topology *t = synth(1, 4, 1, 8192); /* cpus 0-3 */
        vp_host_config h = mkhost();
        h.reserved_cpus = cs("0");
        vp_ledger l = {0};
        vp_profile ded = mkprof("ded", VP_CPU_DEDICATED);
        vp_profile sh = mkprof("gp", VP_CPU_SHARED);
        sh.tune.q[VP_T_SHARES] = (vp_opt_ll){true, 512};
        vp_domain a = mkdom("a", U1, 1, 256), s = mkdom("s", U2, 4, 256);
        vp_plan p;

        is_int(plan(&p, &s, &sh, &h, t, &l), 0, "shared computes");
        is_str(fmt(&p.tune.vcpu_cpuset), "1-3", "floats over the pool minus reserved");
        is_int(p.tune.n_vcpupin, 0, "no per-vCPU pins for floating VMs");
        is_str(fmt(&p.tune.emulatorpin), "1-3", "emulator floats too");
        ok(vp_cpuset_empty(&p.held), "a floating VM holds nothing");
        is_int(p.tune.q[VP_T_SHARES].v, 512, "profile shares applied");
        ok(p.owned & VP_OWN_SCALAR(VP_T_SHARES), "shares owned");
        vp_plan_free(&p);

        is_int(plan(&p, &a, &ded, &h, t, &l), 0, "dedicated computes");
        is_str(fmt(&p.held), "1", "first free non-reserved CPU");
        commit(&l, &p);
        vp_plan_free(&p);
        is_int(plan(&p, &s, &sh, &h, t, &l), 0, "shared after dedicated computes");
        is_str(fmt(&p.tune.vcpu_cpuset), "2-3", "pool excludes CPUs held by dedicated VMs");
        vp_plan_free(&p);

        /* explicit shared_cpus */
        h.shared_set = true;
        h.shared_cpus = cs("1-2");
        is_int(plan(&p, &s, &sh, &h, t, &l), 0, "explicit shared pool computes");
        is_str(fmt(&p.tune.vcpu_cpuset), "2", "explicit pool minus held CPUs");
        vp_plan_free(&p);
        h.shared_set = false;

        /* previous CPUs come back on restart */
        vp_ledger_remove(&l, U1, 2000);
        vp_domain a2 = mkdom("a", U1, 1, 256);
        /* cpu1 is free again: the restarting domain gets it back */
        is_int(plan(&p, &a2, &ded, &h, t, &l), 0, "restart computes");
        is_str(fmt(&p.held), "1", "previous CPU reused");
        like(p.reason, "previous CPUs 1 free again", "reason says so");
        vp_plan_free(&p);
        /* once another VM took cpu1, the restart falls back to a free CPU */
        vp_domain b = mkdom("b", U3, 1, 256);
        is_int(plan(&p, &b, &ded, &h, t, &l), 0, "b computes");
        commit(&l, &p);
        vp_plan_free(&p);
        is_int(plan(&p, &a2, &ded, &h, t, &l), 0, "restart with previous CPU taken");
        is_str(fmt(&p.held), "2", "falls back to a free CPU");
        vp_plan_free(&p);

        vp_ledger_free(&l);
        synth_free(t);
}

static void test_explicit_and_determinism(void)
{
        vp_topology *t = synth(2, 2, 2, 4096);
        vp_host_config h = mkhost();
        h.reserved_cpus = cs("0,4");
        vp_ledger l = {0};
        vp_profile pr = mkprof("manual", VP_CPU_UNSET);
        pr.tune.q[VP_T_VCPU_QUOTA] = (vp_opt_ll){true, 50000};
        pr.tune.q[VP_T_VCPU_PERIOD] = (vp_opt_ll){true, 100000};
        vp_cpuset one = cs("2");
        vp_pins_put(&pr.tune.vcpupin, &pr.tune.n_vcpupin, 0, &one);
        pr.tune.emulatorpin_set = true;
        pr.tune.emulatorpin = cs("3");
        vp_domain d = mkdom("m", U1, 2, 256);
        /* the domain's own vcpupin for vCPU1 is kept */
        vp_cpuset six = cs("6");
        vp_pins_put(&d.tune.vcpupin, &d.tune.n_vcpupin, 1, &six);
        vp_plan p;
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "explicit computes");
        ok(!p.refusal, "explicit pins accepted");
        is_str(pin(&p, 0), "2", "profile pin");
        is_str(pin(&p, 1), "6", "domain's own pin kept");
        is_int(p.tune.q[VP_T_VCPU_QUOTA].v, 50000, "vcpu_quota");
        ok(!(p.owned & VP_OWN_SCALAR(VP_T_SHARES)), "shares not owned (profile silent)");
        ok(vp_cpuset_empty(&p.host_nodes), "cpu_policy none chooses no node");
        is_int(p.n_node_mem, 0, "and commits no memory");
        vp_plan_free(&p);

        vp_cpuset res = cs("4");
        vp_pins_put(&pr.tune.vcpupin, &pr.tune.n_vcpupin, 1, &res);
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "reserved pin computes");
        is_str(p.refusal,
               "vmplace: m (profile manual): vcpupin.1 = 4: CPUs 4 are reserved for the host "
               "(reserved_cpus)",
               "explicit pin on a reserved CPU refused");
        vp_plan_free(&p);

        vp_cpuset ok5 = cs("5");
        vp_pins_put(&pr.tune.vcpupin, &pr.tune.n_vcpupin, 1, &ok5);
        vp_pins_put(&pr.tune.vcpupin, &pr.tune.n_vcpupin, 7, &ok5);
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "bad vcpu id computes");
        like(p.refusal, "vcpupin.7 names vCPU 7 but the domain has 2 vCPUs", "pin to missing vCPU");
        vp_plan_free(&p);
        free(pr.tune.vcpupin);
        free(d.tune.vcpupin);

        /* determinism: same inputs, byte-identical plans */
        vp_profile ded = mkprof("ded", VP_CPU_DEDICATED);
        ded.numa_nodes = 2;
        ded.cells_kind = VP_CELLS_AUTO;
        vp_domain w = mkdom("w", U2, 3, 1000);
        vp_plan x, y;
        plan(&x, &w, &ded, &h, t, &l);
        plan(&y, &w, &ded, &h, t, &l);
        ok(vp_cpuset_equal(&x.held, &y.held) && vp_cpuset_equal(&x.host_nodes, &y.host_nodes) &&
               x.tune.n_cells == y.tune.n_cells && strcmp(x.reason, y.reason) == 0,
           "same inputs, same plan");
        vp_plan_free(&x);
        vp_plan_free(&y);
        synth_free(t);
}

static void test_unmanaged(void)
{
        vp_topology *t = synth(1, 2, 1, 1024);
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_domain d = mkdom("x", U1, 2, 128);
        vp_plan p;
        vp_plan_input in = {.dom = &d, .host = &h, .topo = t, .ledger = &l};
        is_int(vp_plan_compute(&in, &p, NULL), 0, "unmanaged computes");
        ok(!p.profile && !p.owned && !p.refusal, "unmanaged: nothing owned, nothing refused");
        vp_plan_free(&p);
        synth_free(t);
}

/* Regressions found by the QA pass (numbers as in its report). */
static void test_qa_regressions(void)
{
        vp_plan p;
        /* 1: an explicit shared pool is not part of the default dedicated pool */
        {
                vp_topology *t = synth(2, 2, 2, 8192); /* node0 0,1,4,5 node1 2,3,6,7 */
                vp_host_config h = mkhost();
                h.reserved_cpus = cs("0");
                h.shared_set = true;
                h.shared_cpus = cs("1,5");
                vp_ledger l = {0};
                vp_profile ded = mkprof("db", VP_CPU_DEDICATED);
                vp_domain a = mkdom("db-1", U1, 3, 256), b = mkdom("db-2", U2, 1, 256);
                is_int(plan(&p, &a, &ded, &h, t, &l), 0, "qa1: plan");
                ok(!vp_cpuset_intersects(&p.held, &h.shared_cpus),
                   "qa1: dedicated avoids the shared pool (%s)", fmt(&p.held));
                commit(&l, &p);
                vp_plan_free(&p);
                is_int(plan(&p, &b, &ded, &h, t, &l), 0, "qa1: second plan");
                is_str(fmt(&p.held), "4", "qa1: the last dedicated CPU outside the shared pool");
                vp_plan_free(&p);
                vp_ledger_free(&l);
                synth_free(t);
        }
        /* 2: dedicated placement avoids CPUs other VMs are pinned to by cputune */
        {
                vp_topology *t = synth(1, 2, 2, 8192); /* 0,1 + siblings 2,3 */
                vp_host_config h = mkhost();
                vp_ledger l = {0};
                vp_profile pin = mkprof("pin", VP_CPU_UNSET);
                vp_cpuset one = cs("1");
                vp_pins_put(&pin.tune.vcpupin, &pin.tune.n_vcpupin, 0, &one);
                vp_domain a = mkdom("pin-1", U1, 1, 256), b = mkdom("db-1", U2, 4, 256);
                is_int(plan(&p, &a, &pin, &h, t, &l), 0, "qa2: pinned plan");
                commit(&l, &p);
                vp_plan_free(&p);
                vp_profile ded = mkprof("db", VP_CPU_DEDICATED);
                is_int(plan(&p, &b, &ded, &h, t, &l), 0, "qa2: dedicated plan");
                is_str(p.refusal,
                       "vmplace: db-1 (profile db): no NUMA node has 4 free dedicated CPUs and 256 "
                       "MiB free memory (node0: 3 CPUs, 8192 MiB)",
                       "qa2: the pinned CPU does not count as free");
                vp_plan_free(&p);
                b.vcpus_max = b.vcpus_current = 3;
                is_int(plan(&p, &b, &ded, &h, t, &l), 0, "qa2: smaller plan");
                ok(!p.refusal && !vp_cpuset_test(&p.held, 1), "qa2: pinned CPU 1 avoided (%s)",
                   fmt(&p.held));
                vp_plan_free(&p);
                free(pin.tune.vcpupin);
                vp_ledger_free(&l);
                synth_free(t);
        }
        /* 3: memory bound to a fixed node is admitted against its free memory */
        {
                vp_topology *t = synth(2, 1, 1, 30720);
                vp_host_config h = mkhost();
                vp_ledger l = {0};
                vp_profile fixed = mkprof("pin", VP_CPU_UNSET);
                fixed.tune.mem_mode = VP_MEM_STRICT;
                fixed.nodeset_kind = VP_NODESET_LIST;
                fixed.tune.nodeset = cs("0");
                vp_domain a = mkdom("pin-1", U1, 1, 20480), b = mkdom("pin-2", U2, 1, 20480);
                is_int(plan(&p, &a, &fixed, &h, t, &l), 0, "qa3: first");
                ok(!p.refusal, "qa3: 20 GiB fit in 30 GiB free");
                commit(&l, &p);
                vp_plan_free(&p);
                is_int(plan(&p, &b, &fixed, &h, t, &l), 0, "qa3: second");
                is_str(p.refusal,
                       "vmplace: pin-2 (profile pin): numatune nodeset 0 binds 20480 MiB per node, "
                       "more than is free there (node0: 10240 MiB)",
                       "qa3: the second 20 GiB is refused");
                vp_plan_free(&p);
                /* preferred is not bound: committed, not refused */
                fixed.tune.mem_mode = VP_MEM_PREFERRED;
                is_int(plan(&p, &b, &fixed, &h, t, &l), 0, "qa3: preferred");
                ok(!p.refusal, "qa3: preferred memory may spill: admitted");
                vp_plan_free(&p);
                vp_ledger_free(&l);
                synth_free(t);
        }
        /* 5: the domain's own memnodes follow memory placement moved */
        {
                vp_topology *t = synth(2, 2, 1, 8192);
                t->nodes[0].free_kib = 1024; /* node1 wins */
                vp_host_config h = mkhost();
                vp_ledger l = {0};
                vp_profile ded = mkprof("db", VP_CPU_DEDICATED);
                vp_domain d = mkdom("m", U1, 2, 2048);
                vp_cell *c0 = vp_cells_get(&d.tune.cells, &d.tune.n_cells, 0);
                c0->cpus = cs("0");
                c0->memory_kib = 1024 * 1024;
                vp_cell *c1 = vp_cells_get(&d.tune.cells, &d.tune.n_cells, 1);
                c1->cpus = cs("1");
                c1->memory_kib = 1024 * 1024;
                for (unsigned k = 0; k < 2; k++) {
                        vp_memnode *m = vp_memnodes_get(&d.tune.memnodes, &d.tune.n_memnodes, k);
                        m->mode = VP_MEM_STRICT;
                        m->nodeset_set = true;
                        m->nodeset = k ? cs("1") : cs("0");
                }
                is_int(plan(&p, &d, &ded, &h, t, &l), 0, "qa5: plan");
                is_str(fmt(&p.host_nodes), "1", "qa5: placed on node1");
                is_str(fmt(&p.tune.memnodes[0].nodeset), "1", "qa5: memnode 0 rebound from node0");
                is_str(fmt(&p.tune.memnodes[1].nodeset), "1", "qa5: memnode 1 stays");
                ok(p.owned & VP_OWN_MEMNODES, "qa5: memnodes rewritten");
                vp_plan_free(&p);
                vp_tune_free(&d.tune);
                synth_free(t);
        }
        /* 6: cells = N that cannot split is a refusal, not an error */
        {
                vp_topology *t = synth(1, 2, 1, 8192);
                vp_host_config h = mkhost();
                vp_ledger l = {0};
                vp_profile pr = mkprof("soft", VP_CPU_UNSET);
                pr.cells_kind = VP_CELLS_COUNT;
                pr.cells_count = 2;
                vp_domain d = mkdom("soft-1", U1, 1, 1024);
                is_int(plan(&p, &d, &pr, &h, t, &l), 0, "qa6: plan computes");
                like(p.refusal, "cells = 2 cannot split 1 vCPUs and 1024 MiB into 2 guest cells",
                     "qa6: refusal says why");
                vp_plan_free(&p);
                synth_free(t);
        }
        /* 7: a node whose free CPUs do not form the cores the policy needs is
         * passed over, not chosen and failed */
        {
                vp_topology *t = synth(8, 4, 2, 8192);
                vp_host_config h = mkhost();
                h.reserved_cpus = cs("0-1,32-33");
                h.strategy = VP_STRAT_PACK;
                vp_ledger l = {0};
                vp_profile rq = mkprof("rq", VP_CPU_DEDICATED);
                rq.thread_policy = VP_THREAD_REQUIRE;
                rq.emulator_policy = VP_EMU_ISOLATE;
                vp_domain d = mkdom("rq-1", U1, 3, 1024);
                is_int(plan(&p, &d, &rq, &h, t, &l), 0, "qa7: plan");
                ok(!p.refusal, "qa7: placed (%s)", p.refusal ? p.refusal : "");
                is_str(fmt(&p.host_nodes), "1",
                       "qa7: node0 (4 CPUs, no room for the emulator core) passed over");
                vp_plan_free(&p);
                synth_free(t);
        }
}

/* Floating VMs narrow when a dedicated VM takes CPUs and widen when it goes. */
static void test_refloat(void)
{
        vp_topology *t = synth(1, 4, 1, 8192); /* 0-3 */
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile sh = mkprof("gp", VP_CPU_SHARED), ded = mkprof("db", VP_CPU_DEDICATED);
        vp_domain s = mkdom("web", U1, 2, 256), a = mkdom("db-1", U2, 1, 256),
                  b = mkdom("db-2", U3, 1, 256);
        vp_plan p;
        plan(&p, &s, &sh, &h, t, &l);
        commit(&l, &p);
        vp_plan_free(&p);
        plan(&p, &a, &ded, &h, t, &l);
        commit(&l, &p);
        vp_plan_free(&p);
        is_int(vp_plan_refloat(&l, &h, t, NULL), 1,
               "refloat: the shared VM changes (db-1's emulator already floats off its CPU)");
        const vp_ledger_entry *w = vp_ledger_find_name(&l, "web");
        is_str(mfmt(&w->vcpu_cpus), "1-3", "refloat: floating VM narrowed off db-1's CPU");
        is_str(mfmt(&w->emulator_cpus), "1-3", "refloat: and its emulator");
        plan(&p, &b, &ded, &h, t, &l);
        commit(&l, &p);
        vp_plan_free(&p);
        vp_plan_refloat(&l, &h, t, NULL);
        w = vp_ledger_find_name(&l, "web");
        is_str(mfmt(&w->vcpu_cpus), "2-3", "refloat: narrowed again");
        is_str(mfmt(&vp_ledger_find_name(&l, "db-1")->emulator_cpus), "2-3",
               "refloat: a dedicated VM's shared emulator leaves db-2's CPU");
        is_int(vp_plan_refloat(&l, &h, t, NULL), 0, "refloat: idempotent");
        vp_ledger_remove(&l, U2, 10);
        vp_ledger_remove(&l, U3, 10);
        vp_plan_refloat(&l, &h, t, NULL);
        is_str(mfmt(&vp_ledger_find_name(&l, "web")->vcpu_cpus), "0-3",
               "refloat: widened back when the dedicated VMs stop");
        vp_ledger_free(&l);
        synth_free(t);
}

/* Numbers at the edges of their types: 64-bit KiB counts from the INI and the ledger,
 * profile cells whose memory wraps, vCPU counts past what the planner holds. */
static void test_edges(void)
{
        vp_topology *t = synth(2, 2, 1, 4096);
        vp_host_config h = mkhost();
        vp_ledger l = {0};
        vp_profile pr = mkprof("database", VP_CPU_DEDICATED);
        vp_domain d = mkdom("db-1", U1, 2, 512);
        vp_plan p;

        /* reserved_memory of 2^64-1 KiB cast to int64_t read -1: every node admitted more */
        is_int(vp_plan_node_admits_kib(&t->nodes[0], UINT64_MAX, 0), INT64_MIN,
               "reserved_memory of 2^64-1 KiB: the node admits nothing");
        h.reserved_memory_kib = UINT64_MAX;
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "huge reserved_memory computes");
        like(p.refusal, "beyond reserved_memory (node0: 2 CPUs, 0 MiB; node1: 2 CPUs, 0 MiB)",
             "... and refuses");
        vp_plan_free(&p);
        h.reserved_memory_kib = 0;

        /* the ledger's per-node sum saturates at UINT64_MAX, which read -1: the node admitted
         * its whole total again */
        is_int(vp_plan_node_admits_kib(&t->nodes[0], 0, UINT64_MAX), INT64_MIN,
               "committed saturated at 2^64-1: admits nothing");
        is_int(vp_plan_node_admits_kib(&t->nodes[0], (uint64_t)INT64_MAX, (uint64_t)INT64_MAX),
               INT64_MIN, "reserved and committed of INT64_MAX: no signed overflow");
        is_int(vp_plan_node_admits_kib(&t->nodes[0], 1024, 2048), 4096 * 1024 - 3072,
               "ordinary figures unchanged");
        const char *const big[][2] = {{"big", U2}, {"big2", U3}};
        for (size_t i = 0; i < 2; i++) {
                vp_ledger_entry e = {.name = vp_xstrdup(big[i][0]),
                                     .uuid = vp_xstrdup(big[i][1]),
                                     .state = vp_xstrdup("prepared"),
                                     .kind = VP_KIND_NONE};
                vp_ledger_put(&l, &e);
        }
        for (size_t i = 0; i < l.n; i++)
                for (unsigned n = 0; n < 2; n++) {
                        vp_ledger_entry *x = &l.entries[i];
                        x->mem = vp_xrealloc(x->mem, (x->n_mem + 1) * sizeof(*x->mem));
                        x->mem[x->n_mem++] =
                            (vp_ledger_mem){.node = n, .kib = (uint64_t)INT64_MAX - 1};
                }
        is_int(plan(&p, &d, &pr, &h, t, &l), 0, "over-committed ledger computes");
        like(p.refusal, "(node0: 2 CPUs, 0 MiB; node1: 2 CPUs, 0 MiB)",
             "two entries of INT64_MAX - 1 KiB on each node: refused, not placed");
        vp_plan_free(&p);
        vp_ledger_free(&l);

        /* profile cells of 2^64-1 KiB and 524289 KiB wrapped to the domain's 512 MiB */
        vp_profile gn = mkprof("gn", VP_CPU_UNSET);
        gn.cells_kind = VP_CELLS_EXPLICIT;
        vp_cell *c0 = vp_cells_get(&gn.tune.cells, &gn.tune.n_cells, 0);
        c0->cpus = cs("0");
        c0->cpus_set = c0->memory_set = true;
        c0->memory_kib = UINT64_MAX;
        vp_cell *c1 = vp_cells_get(&gn.tune.cells, &gn.tune.n_cells, 1);
        c1->cpus = cs("1");
        c1->cpus_set = c1->memory_set = true;
        c1->memory_kib = 524289;
        is_int(plan(&p, &d, &gn, &h, t, &l), 0, "wrapping profile cells compute");
        is_str(p.refusal,
               "vmplace: db-1 (profile gn): guest NUMA cells hold more than "
               "18446744073709551615 KiB but the domain has 524288 KiB of memory",
               "... refused, saying the cells are too large");
        vp_plan_free(&p);
        vp_tune_free(&gn.tune);

        /* memory below the 1 MiB a node's share needs read "0 MiB" */
        vp_domain tiny = mkdom("tiny", U1, 2, 0);
        tiny.memory_kib = 1;
        is_int(plan(&p, &tiny, &pr, &h, t, &l), 0, "a 1 KiB domain computes");
        is_str(p.refusal,
               "vmplace: tiny (profile database): numa_nodes=1 cannot split 2 vCPUs and 1 KiB "
               "over 1 nodes",
               "... the refusal says 1 KiB, not 0 MiB");
        vp_plan_free(&p);
        vp_profile two = mkprof("two", VP_CPU_UNSET);
        two.cells_kind = VP_CELLS_COUNT;
        two.cells_count = 2;
        tiny.memory_kib = 1023;
        is_int(plan(&p, &tiny, &two, &h, t, &l), 0, "cells = 2 of 1023 KiB computes");
        like(p.refusal, "cells = 2 cannot split 2 vCPUs and 1023 KiB into 2 guest cells",
             "... in KiB too");
        vp_plan_free(&p);

        /* the parser takes up to 16384 vCPUs, the planner places up to 4096 */
        vp_domain wide = mkdom("wide", U1, VP_MAX_CPUS + 1, 512);
        vp_error err = {0};
        vp_plan_input in = {
            .dom = &wide, .profile = &pr, .matched_by = "x", .host = &h, .topo = t, .ledger = &l};
        is_int(vp_plan_compute(&in, &p, &err), -EINVAL, "4097 vCPUs refused");
        is_str(err.msg, "wide: 4097 vCPUs is more than vmplace places (at most 4096)",
               "... naming the limit");
        vp_plan_free(&p);
        synth_free(t);
}

int main(void)
{
        test_edges();
        test_dedicated_prefer_spread_pack();
        test_isolate_require_emulator();
        test_memory_admission_and_reserved();
        test_memory_counted_once();
        test_domain_pins_checked();
        test_none_keeps_off();
        test_numa_nodes_and_guest_cells();
        test_shared_and_ledger();
        test_explicit_and_determinism();
        test_unmanaged();
        test_qa_regressions();
        test_refloat();
        return tap_done();
}
