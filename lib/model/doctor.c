/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The doctor's judgement. Pure: facts in, checks out. Each rule says why an
 * admin of a pinned KVM host cares, because the fix is only convincing with
 * the reason. */
#include "doctor.h"
#include "doctor_impl.h"

#include <string.h>

#include "plan.h"

static const char *const status_names[] = {"ok", "warn", "fail", "skip"};

const char *vp_check_status_name(vp_check_status s)
{
        return (unsigned)s < VP_ARRAY_SIZE(status_names) ? status_names[s] : "?";
}

void vp_checks_free(vp_checks *c)
{
        for (size_t i = 0; i < c->n; i++) {
                free(c->c[i].detail);
                free(c->c[i].fix);
        }
        free(c->c);
        c->c = NULL;
        c->n = 0;
}

size_t vp_checks_problems(const vp_checks *c)
{
        size_t n = 0;
        for (size_t i = 0; i < c->n; i++)
                n += c->c[i].status == VP_CHECK_WARN || c->c[i].status == VP_CHECK_FAIL;
        return n;
}

void vp_doctor_facts_init(vp_doctor_facts *f)
{
        memset(f, 0, sizeof(*f));
        f->numa_balancing = -1;
        f->ksm_run = -1;
        f->ksm_merge_across_nodes = -1;
        f->ksm_pages_shared = -1;
}

void vp_doctor_facts_free(vp_doctor_facts *f)
{
        free(f->numa_balancing_error);
        free(f->ksm_error);
        free(f->cpus_error);
        vp_config_free(f->config);
        free(f->config_error);
        for (size_t i = 0; i < f->n_bound; i++)
                free(f->bound[i]);
        free(f->bound);
        free(f->ledger_error);
        free(f->newest_placed);
        free(f->hooks_dir);
        for (size_t i = 0; i < f->n_hooks; i++) {
                free(f->hooks[i].path);
                free(f->hooks[i].target);
        }
        free(f->hooks);
        free(f->hooks_error);
        for (size_t i = 0; i < f->n_daemons; i++)
                free(f->daemons[i].name);
        free(f->daemons);
        free(f->daemons_error);
        vp_doctor_facts_init(f);
}

/* ---- building text ---- */

void vp_doctor_cat(char **s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *add = NULL;
        if (vasprintf(&add, fmt, ap) < 0)
                abort();
        va_end(ap);
        char *old = *s;
        *s = vp_xasprintf("%s%s", old ? old : "", add);
        free(old);
        free(add);
}

/* Room for a few cpusets' text at once, so one format call can show
 * several; each check function has its own on the stack. */
typedef struct setbufs {
        char b[6][256];
        unsigned k;
} setbufs;

static const char *cs(setbufs *sb, const vp_cpuset *s)
{
        char *b = sb->b[sb->k++ % VP_ARRAY_SIZE(sb->b)];
        vp_cpuset_fmt(s, b, sizeof(sb->b[0]));
        return *b ? b : "none";
}

void vp_doctor_add(vp_checks *o, const char *name, vp_check_status st, char *detail, char *fix)
{
        o->c = vp_xrealloc(o->c, (o->n + 1) * sizeof(*o->c));
        if (st == VP_CHECK_OK || st == VP_CHECK_SKIP) {
                free(fix);
                fix = NULL;
        }
        o->c[o->n++] = (vp_check){.name = name, .status = st, .detail = detail, .fix = fix};
}

const char *vp_doctor_base_name(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

/* ---- config ---- */

static void check_config(const vp_doctor_facts *f, vp_checks *o)
{
        if (!f->config) {
                vp_doctor_add(
                    o, "config", VP_CHECK_FAIL,
                    vp_xasprintf("configuration invalid: %s",
                                 f->config_error ? f->config_error : "cannot be read"),
                    vp_xstrdup("run vmplace validate and correct every FILE:LINE it prints"));
                return;
        }
        const vp_config *c = f->config;
        vp_doctor_add(o, "config", VP_CHECK_OK,
                      vp_xasprintf("%s: valid (%s, %zu profile%s)", c->confdir ? c->confdir : "",
                                   c->host.path ? "vmplace.ini" : "no vmplace.ini: host defaults",
                                   c->n_profiles, c->n_profiles == 1 ? "" : "s"),
                      NULL);
}

/* ---- kernel.numa_balancing ----
 * Automatic NUMA balancing periodically unmaps a task's memory to sample
 * its accesses through hinting faults, then migrates pages towards the
 * CPUs touching them and tasks towards their pages. For a VM whose vCPUs
 * and memory vmplace bound to nodes this is pure cost (faults, TLB
 * shootdowns, latency spikes in the guest) and, for a VM spread over
 * several nodes or with a floating emulator, it moves pages and threads
 * against the per-cell binding. Red Hat's and libvirt's tuning advice is
 * the same: turn it off on hosts with manual NUMA pinning. Only bit 0
 * (NUMA_BALANCING_NORMAL) does that; value 2 alone is memory-tiering
 * promotion from slow-memory nodes, which bound DRAM pages never see. */
static void names_list(char **s, char *const *names, size_t n)
{
        for (size_t i = 0; i < n && i < 3; i++)
                vp_doctor_cat(s, "%s%s", i ? ", " : "", names[i]);
        if (n > 3)
                vp_doctor_cat(s, " and %zu more", n - 3);
}

static void check_numa_balancing(const vp_doctor_facts *f, vp_checks *o)
{
        const char *name = "numa-balancing";
        int v = f->numa_balancing;
        if (f->numa_balancing_error) {
                vp_doctor_add(
                    o, name, VP_CHECK_SKIP,
                    vp_xasprintf("cannot read kernel.numa_balancing: %s", f->numa_balancing_error),
                    NULL);
                return;
        }
        if (v < 0) {
                vp_doctor_add(
                    o, name, VP_CHECK_SKIP,
                    vp_xstrdup("no kernel.numa_balancing: the kernel has no automatic NUMA "
                               "balancing"),
                    NULL);
                return;
        }
        if (!(v & 1)) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    v == 0 ? vp_xstrdup("off (0)")
                           : vp_xasprintf("%d: only memory-tiering promotion, bound pages stay", v),
                    NULL);
                return;
        }
        char *fix = vp_xstrdup("sysctl -w kernel.numa_balancing=0, and persist it: echo "
                               "kernel.numa_balancing=0 > /etc/sysctl.d/60-vmplace.conf");
        if (f->n_nodes == 1) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("on (%d), but the host has one NUMA node: nothing to move", v),
                    fix);
        } else if (f->ledger_error) {
                vp_doctor_add(o, name, VP_CHECK_WARN,
                              vp_xasprintf("on (%d); cannot tell which VMs are strict-bound: %s", v,
                                           f->ledger_error),
                              fix);
        } else if (f->n_bound == 0) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("on (%d); no strict-bound VM now (it will work against the "
                                 "first one)",
                                 v),
                    fix);
        } else {
                char *d = vp_xasprintf("on (%d) with %zu strict-bound VM%s (", v, f->n_bound,
                                       f->n_bound == 1 ? "" : "s");
                names_list(&d, f->bound, f->n_bound);
                vp_doctor_cat(&d,
                              "): it keeps faulting their memory to sample accesses and migrates "
                              "pages and threads against the binding");
                vp_doctor_add(o, name, VP_CHECK_WARN, d, fix);
        }
}

/* ---- KSM merge_across_nodes ----
 * With merge_across_nodes=1 KSM merges identical pages of VMs bound to
 * different nodes into one copy on one node: remote memory for every other
 * VM sharing it, behind the binding's back. merge_across_nodes=0 keeps one
 * stable tree per node. The kernel accepts a change only while no page is
 * merged, hence run=2 (unmerge everything) first. A stopped KSM (run=0)
 * leaves merged pages merged, so it only counts as harmless with nothing
 * shared. */
static void check_ksm(const vp_doctor_facts *f, vp_checks *o)
{
        const char *name = "ksm-merge-nodes";
        int run = f->ksm_run, merge = f->ksm_merge_across_nodes;
        if (f->ksm_error) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xasprintf("cannot read KSM: %s", f->ksm_error), NULL);
                return;
        }
        if (run < 0) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xstrdup("no kernel/mm/ksm: the kernel has no KSM"), NULL);
                return;
        }
        if (merge < 0) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("KSM run=%d without NUMA support: no page can be merged across "
                                 "nodes",
                                 run),
                    NULL);
                return;
        }
        if (merge == 0) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("merge_across_nodes=0 (KSM run=%d): pages merge only within a "
                                 "node",
                                 run),
                    NULL);
                return;
        }
        if (f->n_nodes == 1) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("merge_across_nodes=1 (KSM run=%d), but the host has one NUMA "
                                 "node: no merged page is remote",
                                 run),
                    NULL);
                return;
        }
        char *fix =
            vp_xasprintf("echo 2 > /sys/kernel/mm/ksm/run; echo 0 > "
                         "/sys/kernel/mm/ksm/merge_across_nodes%s (it changes only while "
                         "nothing is merged: run=2 unmerges), and persist it (sysfs.conf or "
                         "tmpfiles.d)",
                         run == 1 ? "; echo 1 > /sys/kernel/mm/ksm/run" : "");
        char nodes[48];
        if (f->n_nodes > 1)
                snprintf(nodes, sizeof(nodes), "%u NUMA nodes", f->n_nodes);
        else
                snprintf(nodes, sizeof(nodes), "a NUMA host");
        if (run == 1) {
                vp_doctor_add(
                    o, name, VP_CHECK_WARN,
                    vp_xasprintf("KSM runs with merge_across_nodes=1 on %s: a page merged from VMs "
                                 "on different nodes lives on one of them, remote to the others",
                                 nodes),
                    fix);
        } else if (f->ksm_pages_shared > 0) {
                vp_doctor_add(
                    o, name, VP_CHECK_WARN,
                    vp_xasprintf(
                        "KSM stopped (run=%d) but %lld pages stay merged with "
                        "merge_across_nodes=1 on %s: some are remote to the VMs using them",
                        run, f->ksm_pages_shared, nodes),
                    fix);
        } else {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("KSM stopped (run=%d), nothing merged; merge_across_nodes=1 would "
                                 "merge across nodes once it runs",
                                 run),
                    fix);
        }
}

/* ---- CPUs the config names ----
 * The planner silently leaves offline CPUs out of the pools (capacity
 * shrinks without a word) and refuses to start VMs whose profile pins name
 * them: both deserve a look before the next start. */
typedef struct cpu_key {
        char *key; /* "host.dedicated_cpus", "profile db: cputune.vcpupin.1" */
        const vp_cpuset *set;
} cpu_key;

static size_t config_cpu_keys(const vp_config *c, cpu_key **out)
{
        size_t n = 0;
        cpu_key *k = NULL;
#define PUSH(set_, ...)                                                                            \
        do {                                                                                       \
                k = vp_xrealloc(k, (n + 1) * sizeof(*k));                                          \
                k[n++] = (cpu_key){vp_xasprintf(__VA_ARGS__), (set_)};                             \
        } while (0)
        const vp_host_config *h = &c->host;
        if (h->reserved_set)
                PUSH(&h->reserved_cpus, "host.reserved_cpus");
        if (h->dedicated_set)
                PUSH(&h->dedicated_cpus, "host.dedicated_cpus");
        if (h->shared_set)
                PUSH(&h->shared_cpus, "host.shared_cpus");
        for (size_t i = 0; i < c->n_profiles; i++) {
                const vp_profile *p = &c->profiles[i];
                const vp_tune *t = &p->tune;
                if (t->vcpu_cpuset_set)
                        PUSH(&t->vcpu_cpuset, "profile %s: cputune.vcpus", p->name);
                for (size_t j = 0; j < t->n_vcpupin; j++)
                        PUSH(&t->vcpupin[j].set, "profile %s: cputune.vcpupin.%u", p->name,
                             t->vcpupin[j].id);
                if (t->emulatorpin_set)
                        PUSH(&t->emulatorpin, "profile %s: cputune.emulatorpin", p->name);
                for (size_t j = 0; j < t->n_iothreadpin; j++)
                        PUSH(&t->iothreadpin[j].set, "profile %s: cputune.iothreadpin.%u", p->name,
                             t->iothreadpin[j].id);
        }
#undef PUSH
        *out = k;
        return n;
}

static bool skip_cpu_check(const vp_doctor_facts *f, vp_checks *o, const char *name)
{
        if (!f->config) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xstrdup("configuration invalid (see config)"), NULL);
                return true;
        }
        if (f->cpus_error) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xasprintf("cannot read CPUs: %s", f->cpus_error), NULL);
                return true;
        }
        return false;
}

static void check_pool_cpus(const vp_doctor_facts *f, vp_checks *o)
{
        setbufs sb = {.k = 0};
        const char *name = "pool-cpus";
        if (skip_cpu_check(f, o, name))
                return;
        cpu_key *keys = NULL;
        size_t n = config_cpu_keys(f->config, &keys);
        char *d = NULL;
        bool any_offline = false, any_missing = false;
        for (size_t i = 0; i < n; i++) {
                vp_cpuset missing = *keys[i].set, offline = *keys[i].set;
                if (f->present_known) {
                        vp_cpuset_andnot(&missing, &f->present);
                        vp_cpuset_and(&offline, &f->present);
                } else {
                        vp_cpuset_zero(&missing);
                }
                vp_cpuset_andnot(&offline, &f->online);
                if (!vp_cpuset_empty(&offline)) {
                        vp_doctor_cat(&d, "%s%s names %s: %s", d ? "; " : "", keys[i].key,
                                      cs(&sb, &offline),
                                      f->present_known ? "offline" : "not online");
                        any_offline = true;
                }
                if (!vp_cpuset_empty(&missing)) {
                        vp_doctor_cat(&d, "%s%s names %s: missing", d ? "; " : "", keys[i].key,
                                      cs(&sb, &missing));
                        any_missing = true;
                }
        }
        if (d) {
                char *fix = NULL;
                if (any_offline)
                        vp_doctor_cat(
                            &fix,
                            "bring them online (echo 1 > /sys/devices/system/cpu/cpuN/online) "
                            "or take them out of the key");
                if (any_missing)
                        vp_doctor_cat(
                            &fix, "%stake missing CPUs out of the key: this host has no such CPU",
                            fix ? "; " : "");
                vp_doctor_add(o, name, VP_CHECK_FAIL, d, fix);
        } else if (n == 0) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("the config names no CPU: the pools are the online CPUs %s",
                                 cs(&sb, &f->online)),
                    NULL);
        } else {
                vp_doctor_add(o, name, VP_CHECK_OK,
                              vp_xasprintf("every CPU the config names is online (%zu CPU list%s)",
                                           n, n == 1 ? "" : "s"),
                              NULL);
        }
        for (size_t i = 0; i < n; i++)
                free(keys[i].key);
        free(keys);
}

/* ---- isolcpus / nohz_full against the pools ----
 * isolcpus= (domain isolation) takes CPUs out of the scheduler's load
 * balancing: a task allowed on several isolated CPUs stays on whichever it
 * woke on. That suits exactly one runnable thread per CPU, i.e. a dedicated
 * vCPU (or an isolated emulator); floating vCPUs and shared emulators over
 * isolated CPUs pile up on one of them. nohz_full= moves timers, RCU
 * callbacks and unbound work to the housekeeping (non-nohz_full) CPUs.
 * Reserved CPUs are the host's housekeeping CPUs: isolated or nohz_full,
 * they idle while the kernel's and the host's work lands on VM CPUs. The
 * pools are the planner's (vp_plan_pools), before any VM holds a CPU. */
static void isolation_inputs(const vp_doctor_facts *f, vp_cpuset *iso, vp_cpuset *ded,
                             vp_cpuset *shared)
{
        *iso = f->isolated;
        vp_cpuset_and(iso, &f->online);
        /* no VM holds anything: the pools as configured */
        vp_topology t = {.online = f->online};
        vp_ledger none = {0};
        vp_pools pl;
        vp_plan_pools(&f->config->host, &t, &none, NULL, &pl);
        *ded = pl.dedicated;
        *shared = pl.shared;
}

static void check_isol_shared(const vp_doctor_facts *f, vp_checks *o)
{
        setbufs sb = {.k = 0};
        const char *name = "isolcpus-shared";
        if (skip_cpu_check(f, o, name))
                return;
        const vp_host_config *h = &f->config->host;
        vp_cpuset iso, ded, shared;
        isolation_inputs(f, &iso, &ded, &shared);
        if (vp_cpuset_empty(&iso)) {
                vp_doctor_add(o, name, VP_CHECK_OK, vp_xstrdup("no CPU is isolated (isolcpus=)"),
                              NULL);
                return;
        }
        vp_cpuset bad = shared;
        vp_cpuset_and(&bad, &iso);
        if (vp_cpuset_empty(&bad)) {
                vp_doctor_add(o, name, VP_CHECK_OK,
                              vp_xasprintf("the shared pool %s has none of the isolated CPUs %s",
                                           cs(&sb, &shared), cs(&sb, &iso)),
                              NULL);
                return;
        }
        char *d = vp_xasprintf("the shared pool %s (%s) includes isolated CPUs %s: the scheduler "
                               "does not balance them, so floating vCPUs and emulators pile onto "
                               "one",
                               cs(&sb, &shared),
                               h->shared_set      ? "host.shared_cpus"
                               : h->dedicated_set ? "default: host.dedicated_cpus"
                                                  : "default: online minus reserved",
                               cs(&sb, &bad));
        /* The non-isolated part of the pool, else of the host. */
        vp_cpuset good = shared;
        vp_cpuset_andnot(&good, &iso);
        if (vp_cpuset_empty(&good)) {
                good = f->online;
                vp_cpuset_andnot(&good, &iso);
                vp_cpuset_andnot(&good, &h->reserved_cpus);
        }
        char *fix;
        if (vp_cpuset_empty(&good)) {
                fix = vp_xstrdup("free CPUs from isolcpus= for floating VMs: every non-reserved "
                                 "CPU is isolated");
        } else if (!h->shared_set && !h->dedicated_set) {
                vp_cpuset rest = ded;
                vp_cpuset_andnot(&rest, &good);
                fix = vp_xasprintf("set host.shared_cpus = %s (the dedicated pool then defaults "
                                   "to %s)",
                                   cs(&sb, &good), cs(&sb, &rest));
        } else {
                fix = vp_xasprintf("set host.shared_cpus = %s, CPUs outside isolcpus=",
                                   cs(&sb, &good));
        }
        vp_doctor_add(o, name, VP_CHECK_WARN, d, fix);
}

static void check_isol_reserved(const vp_doctor_facts *f, vp_checks *o)
{
        setbufs sb = {.k = 0};
        const char *name = "isolcpus-reserved";
        if (skip_cpu_check(f, o, name))
                return;
        const vp_cpuset *res = &f->config->host.reserved_cpus;
        if (vp_cpuset_empty(res)) {
                vp_doctor_add(o, name, VP_CHECK_OK,
                              vp_xstrdup("no reserved CPUs (host.reserved_cpus unset)"), NULL);
                return;
        }
        vp_cpuset bi = *res, bn = *res;
        vp_cpuset_and(&bi, &f->isolated);
        vp_cpuset_and(&bn, &f->nohz_full);
        if (vp_cpuset_empty(&bi) && vp_cpuset_empty(&bn)) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("reserved CPUs %s are neither isolated nor nohz_full: host "
                                 "housekeeping runs there",
                                 cs(&sb, res)),
                    NULL);
                return;
        }
        char *d = vp_xasprintf("reserved CPUs %s (host housekeeping) include", cs(&sb, res));
        if (!vp_cpuset_empty(&bi))
                vp_doctor_cat(&d, " isolated CPUs %s", cs(&sb, &bi));
        if (!vp_cpuset_empty(&bn))
                vp_doctor_cat(&d, "%s nohz_full CPUs %s", vp_cpuset_empty(&bi) ? "" : " and",
                              cs(&sb, &bn));
        vp_doctor_cat(&d, ": they idle while kernel and host work lands on VM CPUs");
        vp_cpuset hk = f->online;
        vp_cpuset_andnot(&hk, &f->isolated);
        vp_cpuset_andnot(&hk, &f->nohz_full);
        vp_cpuset both = bi;
        vp_cpuset_or(&both, &bn);
        char *fix = vp_xasprintf("take %s out of isolcpus=/nohz_full= on the kernel command line",
                                 cs(&sb, &both));
        if (!vp_cpuset_empty(&hk))
                vp_doctor_cat(&fix, ", or choose host.reserved_cpus among the housekeeping CPUs %s",
                              cs(&sb, &hk));
        vp_doctor_add(o, name, VP_CHECK_WARN, d, fix);
}

static void check_isol_dedicated(const vp_doctor_facts *f, vp_checks *o)
{
        setbufs sb = {.k = 0};
        const char *name = "isolcpus-dedicated";
        if (skip_cpu_check(f, o, name))
                return;
        vp_cpuset iso, ded, shared;
        isolation_inputs(f, &iso, &ded, &shared);
        if (vp_cpuset_empty(&iso)) {
                vp_doctor_add(o, name, VP_CHECK_OK, vp_xstrdup("no CPU is isolated (isolcpus=)"),
                              NULL);
                return;
        }
        vp_cpuset in = iso, out = iso, plain = ded;
        vp_cpuset_and(&in, &ded);
        vp_cpuset_andnot(&out, &ded);
        vp_cpuset_andnot(&out, &shared);
        vp_cpuset_andnot(&out, &f->config->host.reserved_cpus);
        vp_cpuset_andnot(&plain, &iso);
        char *d = vp_xasprintf("isolated CPUs %s", cs(&sb, &iso));
        if (!vp_cpuset_empty(&in))
                vp_doctor_cat(&d, "; in the dedicated pool: %s", cs(&sb, &in));
        if (!vp_cpuset_empty(&out))
                vp_doctor_cat(&d, "; in no pool, vmplace places nothing there: %s", cs(&sb, &out));
        if (!vp_cpuset_empty(&in) && !vp_cpuset_empty(&plain))
                vp_doctor_cat(&d, "; dedicated CPUs not isolated: %s", cs(&sb, &plain));
        vp_doctor_add(o, name, VP_CHECK_OK, d, NULL);
}

/* ---- what runtime isolation cannot do ----
 * isolation = host (docs/isolation.md) moves host tasks, IRQs and unbound
 * workqueues off a VM's CPUs while it runs, but the scheduler tick and RCU
 * callbacks stay unless the kernel was booted with nohz_full= for those
 * CPUs (which makes them rcu_nocbs too). That takes a reboot, so doctor says
 * it rather than doing it: for the whole dedicated pool, since any of its
 * CPUs may go to an isolated VM. */
static void check_isol_kernel(const vp_doctor_facts *f, vp_checks *o)
{
        setbufs sb = {.k = 0};
        const char *name = "isolation-kernel";
        if (skip_cpu_check(f, o, name))
                return;
        char *profiles = NULL;
        for (size_t i = 0; i < f->config->n_profiles; i++)
                if (f->config->profiles[i].isolation == VP_ISOLATION_HOST)
                        vp_doctor_cat(&profiles, "%s%s", profiles ? ", " : "",
                                      f->config->profiles[i].name);
        if (!profiles) {
                vp_doctor_add(o, name, VP_CHECK_OK,
                              vp_xstrdup("no profile asks for isolation = host"), NULL);
                return;
        }
        vp_cpuset iso, ded, shared;
        isolation_inputs(f, &iso, &ded, &shared);
        vp_cpuset tick = ded;
        vp_cpuset_andnot(&tick, &f->nohz_full);
        if (vp_cpuset_empty(&tick)) {
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf(
                        "isolation = host (%s); nohz_full covers the dedicated pool %s: no "
                        "scheduler tick or RCU callbacks there either",
                        profiles, cs(&sb, &ded)),
                    NULL);
                free(profiles);
                return;
        }
        vp_doctor_add(
            o, name, VP_CHECK_WARN,
            vp_xasprintf("isolation = host (%s) moves host tasks, IRQs and workqueues off the "
                         "VMs' CPUs, but the scheduler tick and RCU callbacks stay on %s of the "
                         "dedicated pool (no nohz_full)",
                         profiles, cs(&sb, &tick)),
            vp_xasprintf("add nohz_full=%s to the kernel command line (it implies rcu_nocbs; "
                         "needs CONFIG_NO_HZ_FULL and a reboot)",
                         cs(&sb, &ded)));
        free(profiles);
}

void vp_doctor_evaluate(const vp_doctor_facts *f, vp_checks *out)
{
        out->c = NULL;
        out->n = 0;
        check_config(f, out);
        check_numa_balancing(f, out);
        check_ksm(f, out);
        check_pool_cpus(f, out);
        check_isol_shared(f, out);
        check_isol_reserved(f, out);
        check_isol_dedicated(f, out);
        check_isol_kernel(f, out);
        vp_doctor_check_hooks(f, out);
}
