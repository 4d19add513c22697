/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace doctor's evaluator: one table per rule, each row a set of facts
 * and the status, detail and fix they must give (every status reached, the
 * exact CPUs named). The /proc parsers the facts come through are
 * test_sysfs_parse's. */
#include <errno.h>

#include "cpusets.h"
#include "doctor.h"
#include "tap.h"

/* A config as vp_config_load would leave it; NULL or "" = key not set. */
static vp_config *config(const char *reserved, const char *dedicated, const char *shared)
{
        vp_config *c = vp_xcalloc(1, sizeof(*c));
        c->confdir = vp_xstrdup("/etc/vmplace");
        c->host.path = vp_xstrdup("/etc/vmplace/vmplace.ini");
        c->host.on_error = VP_ONERR_REFUSE;
        c->host.strategy = VP_STRAT_SPREAD;
        if ((c->host.reserved_set = reserved && *reserved))
                c->host.reserved_cpus = S(reserved);
        if ((c->host.dedicated_set = dedicated && *dedicated))
                c->host.dedicated_cpus = S(dedicated);
        if ((c->host.shared_set = shared && *shared))
                c->host.shared_cpus = S(shared);
        return c;
}

static vp_profile *add_profile(vp_config *c, const char *name)
{
        c->profiles = vp_xrealloc(c->profiles, (c->n_profiles + 1) * sizeof(*c->profiles));
        vp_profile *p = &c->profiles[c->n_profiles++];
        memset(p, 0, sizeof(*p));
        p->name = vp_xstrdup(name);
        vp_tune_init(&p->tune);
        return p;
}

static void add_hook(vp_doctor_facts *f, const char *path, const char *target, bool exec,
                     bool wrapper, double installed)
{
        f->hooks = vp_xrealloc(f->hooks, (f->n_hooks + 1) * sizeof(*f->hooks));
        f->hooks[f->n_hooks++] = (vp_hook_entry){
            .path = vp_xstrdup(path),
            .target = target ? vp_xstrdup(target) : NULL,
            .executable = exec,
            .wrapper = wrapper,
            .installed = installed,
        };
}

static void add_daemon(vp_doctor_facts *f, const char *name, long pid, double started)
{
        f->daemons = vp_xrealloc(f->daemons, (f->n_daemons + 1) * sizeof(*f->daemons));
        f->daemons[f->n_daemons++] =
            (vp_daemon){.name = vp_xstrdup(name), .pid = pid, .started = started};
}

#define QD      "/etc/libvirt/hooks/qemu.d"
#define OURS    "/usr/libexec/vmplace/vmplace-hook"
#define FIX_NB  "sysctl -w kernel.numa_balancing=0"
#define FIX_KSM "echo 2 > /sys/kernel/mm/ksm/run; echo 0 > /sys/kernel/mm/ksm/merge_across_nodes"

/* A healthy two-node host: every check ok. */
static void healthy(vp_doctor_facts *f)
{
        vp_doctor_facts_init(f);
        f->numa_balancing = 0;
        f->ksm_run = 1;
        f->ksm_merge_across_nodes = 0;
        f->ksm_pages_shared = 100;
        f->n_nodes = 2;
        f->online = S("0-7");
        f->present_known = true;
        f->present = S("0-7");
        f->config = config("0", NULL, NULL);
        f->hooks_dir = vp_xstrdup(QD);
        f->hooks_dir_exists = true;
        add_hook(f, QD "/50-vmplace", OURS, true, false, 1000);
        add_daemon(f, "libvirtd", 42, 2000);
        f->daemons[0].libvirt = 9000;
}

static const vp_check *run_check(const vp_doctor_facts *f, const char *name, vp_checks *cs)
{
        vp_doctor_evaluate(f, cs);
        for (size_t i = 0; i < cs->n; i++)
                if (strcmp(cs->c[i].name, name) == 0)
                        return &cs->c[i];
        abort();
}

/* Check one row: status, detail and fix, each exact when the wanted text
 * starts with '=', else a substring; a NULL fix means there must be none. */
static void expect(const vp_doctor_facts *f, const char *name, const char *row, vp_check_status st,
                   const char *want_detail, const char *want_fix)
{
        vp_checks cs;
        const vp_check *c = run_check(f, name, &cs);
        is_str(vp_check_status_name(c->status), vp_check_status_name(st), "%s: %s: status", name,
               row);
        if (want_detail && want_detail[0] == '=')
                is_str(c->detail, want_detail + 1, "%s: %s: detail", name, row);
        else if (want_detail)
                like(c->detail, want_detail, "%s: %s: detail", name, row);
        if (want_fix && want_fix[0] == '=')
                is_str(c->fix, want_fix + 1, "%s: %s: fix", name, row);
        else if (want_fix)
                like(c->fix, want_fix, "%s: %s: fix", name, row);
        else
                ok(c->fix == NULL, "%s: %s: no fix", name, row);
        vp_checks_free(&cs);
}

static void test_healthy(void)
{
        vp_doctor_facts f;
        healthy(&f);
        vp_checks cs;
        vp_doctor_evaluate(&f, &cs);
        static const char *const order[] = {
            "config",          "numa-balancing",    "ksm-merge-nodes",    "pool-cpus",
            "isolcpus-shared", "isolcpus-reserved", "isolcpus-dedicated", "isolation-kernel",
            "hook-installed",  "hook-dispatcher",   "hook-loaded"};
        is_int(cs.n, VP_ARRAY_SIZE(order), "healthy: every check present");
        for (size_t i = 0; i < cs.n && i < VP_ARRAY_SIZE(order); i++) {
                is_str(cs.c[i].name, order[i], "check %zu is %s", i, order[i]);
                is_str(vp_check_status_name(cs.c[i].status), "ok", "healthy: %s ok: %s",
                       cs.c[i].name, cs.c[i].detail);
        }
        is_int(vp_checks_problems(&cs), 0, "healthy: no problems");
        vp_checks_free(&cs);
        vp_doctor_facts_free(&f);
}

static void test_config(void)
{
        vp_doctor_facts f;
        healthy(&f);
        expect(&f, "config", "valid", VP_CHECK_OK, "=/etc/vmplace: valid (vmplace.ini, 0 profiles)",
               NULL);
        vp_config_free(f.config);
        f.config = NULL;
        f.config_error = vp_xstrdup("/etc/vmplace/vmplace.ini:3: reserved_cpus: bad");
        expect(&f, "config", "invalid", VP_CHECK_FAIL,
               "=configuration invalid: /etc/vmplace/vmplace.ini:3: reserved_cpus: bad",
               "vmplace validate");
        /* what needs the config is skipped, the rest still judged */
        expect(&f, "pool-cpus", "invalid config", VP_CHECK_SKIP, "configuration invalid", NULL);
        expect(&f, "isolcpus-shared", "invalid config", VP_CHECK_SKIP, NULL, NULL);
        expect(&f, "isolcpus-reserved", "invalid config", VP_CHECK_SKIP, NULL, NULL);
        expect(&f, "isolcpus-dedicated", "invalid config", VP_CHECK_SKIP, NULL, NULL);
        expect(&f, "numa-balancing", "invalid config", VP_CHECK_OK, NULL, NULL);
        vp_checks cs;
        vp_doctor_evaluate(&f, &cs);
        is_int(vp_checks_problems(&cs), 1, "invalid config: one problem");
        vp_checks_free(&cs);
        vp_doctor_facts_free(&f);
}

static void test_numa_balancing(void)
{
        static const char *const two[] = {"db-1", "db-2"};
        static const char *const five[] = {"a", "b", "c", "d", "e"};
        static const struct {
                const char *row;
                int value;
                const char *error;
                unsigned nodes;
                const char *const *bound;
                size_t n_bound;
                const char *ledger_error;
                vp_check_status st;
                const char *detail;
                bool fix;
        } rows[] = {
            {"absent", -1, NULL, 2, two, 2, NULL, VP_CHECK_SKIP,
             "=no kernel.numa_balancing: the kernel has no automatic NUMA balancing", false},
            {"unreadable", -1, "/proc/sys/kernel/numa_balancing: Permission denied", 2, two, 2,
             NULL, VP_CHECK_SKIP, "Permission denied", false},
            {"off", 0, NULL, 2, two, 2, NULL, VP_CHECK_OK, "=off (0)", false},
            {"tiering only", 2, NULL, 2, two, 2, NULL, VP_CHECK_OK,
             "=2: only memory-tiering promotion, bound pages stay", false},
            {"on, one node", 1, NULL, 1, two, 2, NULL, VP_CHECK_OK,
             "=on (1), but the host has one NUMA node: nothing to move", false},
            {"on, no bound VM", 1, NULL, 2, NULL, 0, NULL, VP_CHECK_OK,
             "=on (1); no strict-bound VM now (it will work against the first one)", false},
            {"on, two bound", 1, NULL, 2, two, 2, NULL, VP_CHECK_WARN,
             "=on (1) with 2 strict-bound VMs (db-1, db-2): it keeps faulting their memory to "
             "sample accesses and migrates pages and threads against the binding",
             true},
            {"normal+tiering, five bound", 3, NULL, 0, five, 5, NULL, VP_CHECK_WARN,
             "on (3) with 5 strict-bound VMs (a, b, c and 2 more)", true},
            {"one bound", 1, NULL, 4, five, 1, NULL, VP_CHECK_WARN, "with 1 strict-bound VM (a)",
             true},
            {"on, ledger unreadable", 1, NULL, 2, NULL, 0, "/run/vmplace/ledger.json: bad",
             VP_CHECK_WARN,
             "=on (1); cannot tell which VMs are strict-bound: /run/vmplace/ledger.json: bad",
             true},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(rows); i++) {
                vp_doctor_facts f;
                healthy(&f);
                f.numa_balancing = rows[i].value;
                f.numa_balancing_error = rows[i].error ? vp_xstrdup(rows[i].error) : NULL;
                f.n_nodes = rows[i].nodes;
                for (size_t k = 0; k < rows[i].n_bound; k++) {
                        f.bound = vp_xrealloc(f.bound, (k + 1) * sizeof(*f.bound));
                        f.bound[k] = vp_xstrdup(rows[i].bound[k]);
                }
                f.n_bound = rows[i].n_bound;
                f.ledger_error = rows[i].ledger_error ? vp_xstrdup(rows[i].ledger_error) : NULL;
                expect(&f, "numa-balancing", rows[i].row, rows[i].st, rows[i].detail,
                       rows[i].fix ? FIX_NB : NULL);
                vp_doctor_facts_free(&f);
        }
}

static void test_ksm(void)
{
        static const struct {
                const char *row;
                int run, merge;
                long long shared;
                unsigned nodes;
                const char *error;
                vp_check_status st;
                const char *detail;
                const char *fix;
        } rows[] = {
            {"no KSM", -1, -1, -1, 2, NULL, VP_CHECK_SKIP,
             "=no kernel/mm/ksm: the kernel has no KSM", NULL},
            {"unreadable", 1, -1, -1, 2, "/sys/kernel/mm/ksm/merge_across_nodes: bad",
             VP_CHECK_SKIP, "=cannot read KSM: /sys/kernel/mm/ksm/merge_across_nodes: bad", NULL},
            {"no NUMA kernel", 1, -1, 5, 1, NULL, VP_CHECK_OK, "without NUMA support", NULL},
            {"per node", 1, 0, 5, 2, NULL, VP_CHECK_OK,
             "=merge_across_nodes=0 (KSM run=1): pages merge only within a node", NULL},
            {"one node", 1, 1, 5, 1, NULL, VP_CHECK_OK, "but the host has one NUMA node", NULL},
            {"running across 2 nodes", 1, 1, 5, 2, NULL, VP_CHECK_WARN,
             "=KSM runs with merge_across_nodes=1 on 2 NUMA nodes: a page merged from VMs on "
             "different nodes lives on one of them, remote to the others",
             FIX_KSM "; echo 1 > /sys/kernel/mm/ksm/run (it changes"},
            {"running, nodes unknown", 1, 1, 5, 0, NULL, VP_CHECK_WARN, "on a NUMA host", FIX_KSM},
            {"stopped with merged pages", 0, 1, 12, 4, NULL, VP_CHECK_WARN,
             "=KSM stopped (run=0) but 12 pages stay merged with merge_across_nodes=1 on 4 NUMA "
             "nodes: some are remote to the VMs using them",
             FIX_KSM " (it changes only while nothing is merged: run=2 unmerges), and persist it"},
            {"stopped, nothing merged", 0, 1, 0, 2, NULL, VP_CHECK_OK,
             "=KSM stopped (run=0), nothing merged; merge_across_nodes=1 would merge across nodes "
             "once it runs",
             NULL},
            {"unmerging", 2, 1, 0, 2, NULL, VP_CHECK_OK, "KSM stopped (run=2), nothing merged",
             NULL},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(rows); i++) {
                vp_doctor_facts f;
                healthy(&f);
                f.ksm_run = rows[i].run;
                f.ksm_merge_across_nodes = rows[i].merge;
                f.ksm_pages_shared = rows[i].shared;
                f.n_nodes = rows[i].nodes;
                f.ksm_error = rows[i].error ? vp_xstrdup(rows[i].error) : NULL;
                expect(&f, "ksm-merge-nodes", rows[i].row, rows[i].st, rows[i].detail, rows[i].fix);
                vp_doctor_facts_free(&f);
        }
        /* restarting KSM is only part of the fix when it was running */
        vp_doctor_facts f;
        healthy(&f);
        f.ksm_run = 0;
        f.ksm_merge_across_nodes = 1;
        f.ksm_pages_shared = 3;
        vp_checks cs;
        const vp_check *c = run_check(&f, "ksm-merge-nodes", &cs);
        ok(c->fix && !strstr(c->fix, "echo 1 >"), "ksm: a stopped KSM is not restarted by the fix");
        vp_checks_free(&cs);
        vp_doctor_facts_free(&f);
}

static void test_pool_cpus(void)
{
        vp_doctor_facts f;
        healthy(&f);
        vp_config_free(f.config);
        f.config = config(NULL, NULL, NULL);
        expect(&f, "pool-cpus", "no key", VP_CHECK_OK,
               "=the config names no CPU: the pools are the online CPUs 0-7", NULL);

        vp_config_free(f.config);
        f.config = config("0", "2-7", "1");
        vp_profile *p = add_profile(f.config, "db");
        p->tune.vcpu_cpuset_set = true;
        p->tune.vcpu_cpuset = S("2-3");
        vp_pins_put(&p->tune.vcpupin, &p->tune.n_vcpupin, 1, &(vp_cpuset){0});
        p->tune.vcpupin[0].set = S("16");
        p->tune.emulatorpin_set = true;
        p->tune.emulatorpin = S("1");
        vp_pins_put(&p->tune.iothreadpin, &p->tune.n_iothreadpin, 2, &(vp_cpuset){0});
        p->tune.iothreadpin[0].set = S("5,9");
        expect(&f, "pool-cpus", "all online", VP_CHECK_FAIL, "cputune.vcpupin.1 names 16: missing",
               "this host has no such CPU");

        f.online = S("0-5");
        f.present = S("0-9");
        expect(&f, "pool-cpus", "offline and missing", VP_CHECK_FAIL,
               "=host.dedicated_cpus names 6-7: offline; profile db: cputune.vcpupin.1 names 16: "
               "missing; profile db: cputune.iothreadpin.2 names 9: offline",
               "echo 1 > /sys/devices/system/cpu/cpuN/online");

        f.present_known = false;
        expect(&f, "pool-cpus", "present unknown", VP_CHECK_FAIL,
               "=host.dedicated_cpus names 6-7: not online; profile db: cputune.vcpupin.1 names "
               "16: not online; profile db: cputune.iothreadpin.2 names 9: not online",
               "bring them online");

        f.online = S("0-16");
        f.present_known = true;
        f.present = S("0-16");
        expect(&f, "pool-cpus", "all online", VP_CHECK_OK,
               "=every CPU the config names is online (7 CPU lists)", NULL);

        f.cpus_error = vp_xstrdup("/sys/devices/system/cpu/online: no such file");
        expect(&f, "pool-cpus", "CPUs unreadable", VP_CHECK_SKIP,
               "=cannot read CPUs: /sys/devices/system/cpu/online: no such file", NULL);
        vp_doctor_facts_free(&f);
}

static void test_isolcpus(void)
{
        static const struct {
                const char *row;
                const char *online, *reserved, *dedicated, *shared, *isolated, *nohz;
                const char *check;
                vp_check_status st;
                const char *detail;
                const char *fix;
        } rows[] = {
            /* the shared pool */
            {"nothing isolated", "0-7", "0", "", "", "", "", "isolcpus-shared", VP_CHECK_OK,
             "=no CPU is isolated (isolcpus=)", NULL},
            {"default pools over isolated CPUs", "0-7", "0", "", "", "4-7", "", "isolcpus-shared",
             VP_CHECK_WARN,
             "=the shared pool 1-7 (default: online minus reserved) includes isolated CPUs 4-7: "
             "the scheduler does not balance them, so floating vCPUs and emulators pile onto one",
             "=set host.shared_cpus = 1-3 (the dedicated pool then defaults to 4-7)"},
            {"explicit shared outside", "0-7", "0", "", "1-3", "4-7", "", "isolcpus-shared",
             VP_CHECK_OK, "=the shared pool 1-3 has none of the isolated CPUs 4-7", NULL},
            {"explicit shared over isolated", "0-7", "0", "", "2-5", "4-7", "", "isolcpus-shared",
             VP_CHECK_WARN, "the shared pool 2-5 (host.shared_cpus) includes isolated CPUs 4-5",
             "=set host.shared_cpus = 2-3, CPUs outside isolcpus="},
            {"default from explicit dedicated", "0-7", "", "2-7", "", "6-7", "", "isolcpus-shared",
             VP_CHECK_WARN,
             "the shared pool 2-7 (default: host.dedicated_cpus) includes isolated CPUs 6-7",
             "=set host.shared_cpus = 2-5, CPUs outside isolcpus="},
            {"shared pool all isolated", "0-7", "0", "", "4-5", "4-7", "", "isolcpus-shared",
             VP_CHECK_WARN, "includes isolated CPUs 4-5",
             "=set host.shared_cpus = 1-3, CPUs outside isolcpus="},
            {"everything isolated", "0-3", "0", "", "", "1-3", "", "isolcpus-shared", VP_CHECK_WARN,
             "includes isolated CPUs 1-3",
             "=free CPUs from isolcpus= for floating VMs: every non-reserved CPU is isolated"},
            {"offline isolated CPUs do not count", "0-3", "0", "", "", "4-7", "", "isolcpus-shared",
             VP_CHECK_OK, "=no CPU is isolated (isolcpus=)", NULL},
            /* reserved CPUs */
            {"no reserved", "0-7", "", "", "", "4-7", "0", "isolcpus-reserved", VP_CHECK_OK,
             "=no reserved CPUs (host.reserved_cpus unset)", NULL},
            {"reserved housekeeping", "0-7", "0-1", "", "2-3", "4-7", "4-7", "isolcpus-reserved",
             VP_CHECK_OK,
             "=reserved CPUs 0-1 are neither isolated nor nohz_full: host housekeeping runs there",
             NULL},
            {"reserved isolated and nohz_full", "0-7", "0-1", "", "2-3", "1,4-7", "0-1,4-7",
             "isolcpus-reserved", VP_CHECK_WARN,
             "=reserved CPUs 0-1 (host housekeeping) include isolated CPUs 1 and nohz_full CPUs "
             "0-1: they idle while kernel and host work lands on VM CPUs",
             "=take 0-1 out of isolcpus=/nohz_full= on the kernel command line, or choose "
             "host.reserved_cpus among the housekeeping CPUs 2-3"},
            {"reserved nohz_full only", "0-7", "0", "", "", "", "0-7", "isolcpus-reserved",
             VP_CHECK_WARN,
             "=reserved CPUs 0 (host housekeeping) include nohz_full CPUs 0: they idle while "
             "kernel and host work lands on VM CPUs",
             "=take 0 out of isolcpus=/nohz_full= on the kernel command line"},
            /* where isolated CPUs are */
            {"dedicated: nothing isolated", "0-7", "0", "", "", "", "", "isolcpus-dedicated",
             VP_CHECK_OK, "=no CPU is isolated (isolcpus=)", NULL},
            {"dedicated pool isolated, some idle", "0-7", "0", "4-5", "1-3", "4-7", "",
             "isolcpus-dedicated", VP_CHECK_OK,
             "=isolated CPUs 4-7; in the dedicated pool: 4-5; in no pool, vmplace places nothing "
             "there: 6-7",
             NULL},
            {"dedicated pool partly isolated", "0-7", "0", "2-7", "1", "4-7", "",
             "isolcpus-dedicated", VP_CHECK_OK,
             "=isolated CPUs 4-7; in the dedicated pool: 4-7; dedicated CPUs not isolated: 2-3",
             NULL},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(rows); i++) {
                vp_doctor_facts f;
                healthy(&f);
                f.online = f.present = S(rows[i].online);
                vp_config_free(f.config);
                f.config = config(rows[i].reserved, rows[i].dedicated, rows[i].shared);
                f.isolated = S(rows[i].isolated);
                f.nohz_full = S(rows[i].nohz);
                expect(&f, rows[i].check, rows[i].row, rows[i].st, rows[i].detail, rows[i].fix);
                vp_doctor_facts_free(&f);
        }
}

static void test_hook_installed(void)
{
        vp_doctor_facts f;
        healthy(&f);
        expect(&f, "hook-installed", "linked", VP_CHECK_OK, "=50-vmplace -> " OURS, NULL);

        vp_doctor_facts_free(&f);
        healthy(&f);
        free(f.hooks[0].target);
        f.hooks[0].target = vp_xstrdup("/etc/libvirt/hooks/qemu.d/40-vmplace-t");
        free(f.hooks[0].path);
        f.hooks[0].path = vp_xstrdup(QD "/40-vmplace-t");
        f.hooks[0].wrapper = true;
        expect(&f, "hook-installed", "wrapper", VP_CHECK_OK,
               "=40-vmplace-t (a script running vmplace-hook)", NULL);
        vp_doctor_facts_free(&f);

        healthy(&f);
        add_hook(&f, QD "/60-again", OURS, true, false, 1500);
        expect(&f, "hook-installed", "twice", VP_CHECK_WARN,
               "=2 hooks run vmplace-hook, so libvirt runs it 2 times a call: 50-vmplace -> " OURS
               " 60-again -> " OURS,
               "remove all but one");
        vp_doctor_facts_free(&f);

        healthy(&f);
        f.hooks[0].executable = false;
        expect(&f, "hook-installed", "not executable", VP_CHECK_FAIL,
               "=50-vmplace -> " OURS " (not executable)", "=chmod 755 " OURS);
        vp_doctor_facts_free(&f);

        healthy(&f);
        free(f.hooks[0].target);
        f.hooks[0].target = vp_xstrdup("/usr/bin/other-hook");
        add_hook(&f, QD "/70-gone", NULL, false, false, 0);
        add_hook(&f, QD "/80-plain", QD "/80-plain", true, false, 0);
        expect(&f, "hook-installed", "others only", VP_CHECK_FAIL,
               "=no entry of " QD " runs vmplace-hook (found: 50-vmplace -> /usr/bin/other-hook, "
               "70-gone (dangling), 80-plain)",
               "=ln -s " OURS " " QD
               "/50-vmplace, then reload libvirt (systemctl reload libvirtd)");
        expect(&f, "hook-loaded", "others only", VP_CHECK_SKIP, "=the hook is not installed", NULL);
        vp_doctor_facts_free(&f);

        healthy(&f);
        free(f.hooks[0].path);
        free(f.hooks[0].target);
        f.n_hooks = 0;
        expect(&f, "hook-installed", "empty", VP_CHECK_FAIL,
               "=no entry of " QD " runs vmplace-hook (it is empty)", "ln -s " OURS);
        f.hooks_dir_exists = false;
        expect(&f, "hook-installed", "no dir", VP_CHECK_FAIL,
               "=" QD " does not exist: libvirt runs no vmplace hook", "mkdir -p " QD "; ln -s ");
        f.hooks_error = vp_xstrdup("Permission denied");
        expect(&f, "hook-installed", "unreadable", VP_CHECK_SKIP,
               "=cannot list " QD ": Permission denied", NULL);
        vp_doctor_facts_free(&f);

        /* /etc/libvirt/hooks/qemu itself being vmplace-hook works too */
        healthy(&f);
        free(f.hooks[0].path);
        f.hooks[0].path = vp_xstrdup("/etc/libvirt/hooks/qemu");
        expect(&f, "hook-installed", "main hook", VP_CHECK_OK, "=qemu -> " OURS, NULL);
        vp_doctor_facts_free(&f);
}

static void test_hook_loaded(void)
{
        static const struct {
                const char *row;
                double ours, other; /* install times; other < 0: no other hook */
                bool other_exec;
                double started;
                vp_check_status st;
                const char *detail;
                const char *fix;
        } rows[] = {
            {"started after", 1000, -1, false, 2000, VP_CHECK_OK,
             "=libvirtd (pid 42) started after the hook was installed", NULL},
            {"started before", 2000, -1, false, 1000, VP_CHECK_WARN,
             "=libvirtd (pid 42) started before the hook was installed; unless it was reloaded "
             "since, it does not run it",
             "=systemctl reload libvirtd (or kill -HUP 42)"},
            {"same second", 1000.9, -1, false, 1000.2, VP_CHECK_OK, "started after", NULL},
            {"just over a second", 1001.3, -1, false, 1000.2, VP_CHECK_WARN, "started before",
             "kill -HUP 42"},
            {"an older hook enabled qemu hooks", 2000, 500, true, 1000, VP_CHECK_OK,
             "=libvirtd (pid 42) started after qemu hook 10-other existed, so it runs qemu.d at "
             "every call",
             NULL},
            {"an older non-executable hook does not", 2000, 500, false, 1000, VP_CHECK_WARN,
             "started before the hook was installed", "systemctl reload libvirtd"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(rows); i++) {
                vp_doctor_facts f;
                healthy(&f);
                f.hooks[0].installed = rows[i].ours;
                f.daemons[0].started = rows[i].started;
                if (rows[i].other >= 0)
                        add_hook(&f, QD "/10-other", "/usr/bin/other", rows[i].other_exec, false,
                                 rows[i].other);
                expect(&f, "hook-loaded", rows[i].row, rows[i].st, rows[i].detail, rows[i].fix);
                vp_doctor_facts_free(&f);
        }

        vp_doctor_facts f;
        /* a reload leaves the start time: a VM placed since is the proof */
        healthy(&f);
        f.hooks[0].installed = 2000;
        f.daemons[0].started = 1000;
        f.newest_placed = vp_xstrdup("db-1");
        f.newest_placed_started = 2500;
        expect(&f, "hook-loaded", "reloaded: a VM started since was placed", VP_CHECK_OK,
               "=the daemon started before the hook was installed, but db-1, started since, was "
               "placed: it was reloaded",
               NULL);
        f.newest_placed_started = 1500;
        expect(&f, "hook-loaded", "a VM placed before the install proves nothing", VP_CHECK_WARN,
               "started before the hook was installed", "kill -HUP 42");
        vp_doctor_facts_free(&f);

        healthy(&f);
        f.hooks[0].installed = 1500;
        add_daemon(&f, "virtqemud", 77, 1000);
        expect(&f, "hook-loaded", "two daemons, one before", VP_CHECK_WARN,
               "=virtqemud (pid 77) started before the hook was installed; unless it was reloaded "
               "since, it does not run it",
               "=systemctl reload virtqemud (or kill -HUP 77)");
        free(f.daemons[0].name);
        free(f.daemons[1].name);
        f.n_daemons = 0;
        expect(&f, "hook-loaded", "no daemon", VP_CHECK_SKIP,
               "=neither libvirtd nor virtqemud is running", NULL);
        f.daemons_error = vp_xstrdup("/proc/stat: no btime line");
        expect(&f, "hook-loaded", "proc unreadable", VP_CHECK_SKIP,
               "=cannot list processes: /proc/stat: no btime line", NULL);
        vp_doctor_facts_free(&f);
}

/* isolation = host and the kernel command line */
static void test_isolation_kernel(void)
{
        vp_doctor_facts f;
        healthy(&f);
        expect(&f, "isolation-kernel", "no isolation profile", VP_CHECK_OK,
               "=no profile asks for isolation = host", NULL);
        vp_profile *p = add_profile(f.config, "rt");
        p->cpu_policy = VP_CPU_DEDICATED;
        p->isolation = VP_ISOLATION_HOST;
        expect(&f, "isolation-kernel", "isolation, no nohz_full", VP_CHECK_WARN,
               "=isolation = host (rt) moves host tasks, IRQs and workqueues off the VMs' CPUs, "
               "but the scheduler tick and RCU callbacks stay on 1-7 of the dedicated pool (no "
               "nohz_full)",
               "=add nohz_full=1-7 to the kernel command line (it implies rcu_nocbs; needs "
               "CONFIG_NO_HZ_FULL and a reboot)");
        f.nohz_full = S("2-7");
        expect(&f, "isolation-kernel", "nohz_full short of the pool", VP_CHECK_WARN,
               "stay on 1 of the dedicated pool", "nohz_full=1-7");
        f.nohz_full = S("1-7");
        expect(&f, "isolation-kernel", "nohz_full covers the pool", VP_CHECK_OK,
               "=isolation = host (rt); nohz_full covers the dedicated pool 1-7: no scheduler tick "
               "or RCU callbacks there either",
               NULL);
        vp_doctor_facts_free(&f);
}

/* libvirt < 6.5 runs hooks/qemu only: it must be the dispatcher or chain to it */
static void test_hook_dispatcher(void)
{
        vp_doctor_facts f;
        healthy(&f);
        expect(&f, "hook-dispatcher", "libvirt 9.0", VP_CHECK_OK,
               "=libvirt 9.0 runs hooks/qemu.d itself", NULL);
        f.daemons[0].libvirt = 0;
        expect(&f, "hook-dispatcher", "version unknown", VP_CHECK_SKIP,
               "=no running libvirtd or virtqemud with a known libvirt version", NULL);
        f.daemons[0].libvirt = 6002;
        expect(&f, "hook-dispatcher", "6.2, no hooks/qemu", VP_CHECK_FAIL,
               "=libvirtd (pid 42) runs libvirt 6.2, which runs only /etc/libvirt/hooks/qemu, "
               "not qemu.d: there is none, so qemu.d/50-vmplace never runs",
               "=ln -sf /usr/libexec/vmplace/qemu-dispatcher /etc/libvirt/hooks/qemu, then "
               "reload libvirt (systemctl reload libvirtd)");
        add_hook(&f, "/etc/libvirt/hooks/qemu", "/usr/local/bin/other-qemu-hook", true, false, 0);
        expect(&f, "hook-dispatcher", "6.2, another package's hooks/qemu", VP_CHECK_FAIL,
               "it is another program (/usr/local/bin/other-qemu-hook) and does not run "
               "qemu-dispatcher",
               "=add 'exec /usr/libexec/vmplace/qemu-dispatcher \"$@\"' as the last line of "
               "/usr/local/bin/other-qemu-hook (its stdin is the domain XML)");
        f.hooks[f.n_hooks - 1].dispatcher = true;
        expect(&f, "hook-dispatcher", "6.2, a script chaining to it", VP_CHECK_OK,
               "=libvirtd (pid 42) runs libvirt 6.2, which runs only /etc/libvirt/hooks/qemu, "
               "not qemu.d: it is vmplace's qemu-dispatcher, which runs them",
               NULL);
        f.hooks[f.n_hooks - 1].executable = false;
        expect(&f, "hook-dispatcher", "6.2, not executable", VP_CHECK_FAIL, "it is not executable",
               "ln -sf /usr/libexec/vmplace/qemu-dispatcher");
        vp_doctor_facts_free(&f);

        /* a 9.0 daemon beside a 6.2 one: the old one decides */
        healthy(&f);
        add_daemon(&f, "virtqemud", 77, 2000);
        f.daemons[1].libvirt = 6002;
        expect(&f, "hook-dispatcher", "9.0 and 6.2", VP_CHECK_FAIL,
               "virtqemud (pid 77) runs libvirt 6.2", "systemctl reload virtqemud");
        vp_doctor_facts_free(&f);
}

int main(void)
{
        test_healthy();
        test_config();
        test_numa_balancing();
        test_ksm();
        test_pool_cpus();
        test_isolcpus();
        test_isolation_kernel();
        test_hook_installed();
        test_hook_dispatcher();
        test_hook_loaded();
        return tap_done();
}
