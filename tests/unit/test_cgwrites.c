/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup write list: libvirt's tunable -> file map for v1 and v2
 * (shared/notes/libvirt.md), value conversions at the edges. */
#include <string.h>

#include "cgwrites.h"
#include "plan.h"
#include "tap.h"

static const char *get(const vp_cgwrites *w, const char *file)
{
        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->w[i].file, file) == 0)
                        return w->w[i].value;
        return NULL;
}

static vp_cpuset cs(const char *s)
{
        vp_cpuset r;
        vp_cpuset_parse(&r, s, VP_MAX_CPUS, NULL);
        return r;
}

int main(void)
{
        vp_domain d;
        memset(&d, 0, sizeof(d));
        d.vcpus_max = 3;
        d.vcpus_current = 2; /* vcpu2 is offline at start: no group */
        unsigned io[] = {1, 4};
        d.iothread_ids = io;
        d.n_iothreads = 2;

        vp_plan p;
        memset(&p, 0, sizeof(p));
        p.profile = "x";
        p.vcpus = 3;
        vp_tune *t = &p.tune;
        t->q[VP_T_SHARES] = (vp_opt_ll){true, 2048};
        t->q[VP_T_GLOBAL_PERIOD] = (vp_opt_ll){true, 200000};
        t->q[VP_T_GLOBAL_QUOTA] = (vp_opt_ll){true, -5};
        t->q[VP_T_VCPU_QUOTA] = (vp_opt_ll){true, 50000}; /* no period: v2 uses 100000 */
        t->q[VP_T_EMULATOR_PERIOD] = (vp_opt_ll){true, 10000};
        t->q[VP_T_IOTHREAD_PERIOD] = (vp_opt_ll){true, 100000};
        t->q[VP_T_IOTHREAD_QUOTA] = (vp_opt_ll){true, 1000};
        t->vcpu_cpuset_set = true;
        t->vcpu_cpuset = cs("2-5");
        vp_pin pin = {.id = 1, .set = cs("3")};
        t->vcpupin = &pin;
        t->n_vcpupin = 1;
        vp_pin iop = {.id = 4, .set = cs("7")};
        t->iothreadpin = &iop;
        t->n_iothreadpin = 1;
        t->mem_mode = VP_MEM_STRICT;
        t->nodeset_set = true;
        t->nodeset = cs("0");
        vp_memnode mn = {
            .cellid = 0, .mode = VP_MEM_STRICT, .nodeset_set = true, .nodeset = cs("1")};
        t->memnodes = &mn;
        t->n_memnodes = 1;

        vp_cgwrites w;
        vp_cgwrites_build(&p.tune, p.vcpus, &d, VP_CGROUP_V1, &w);
        is_str(get(&w, "cpu.shares"), "2048", "v1 shares");
        is_str(get(&w, "cpu.cfs_period_us"), "200000", "v1 global period at the domain level");
        is_str(get(&w, "cpu.cfs_quota_us"), "-1", "v1 negative quota written as -1");
        is_str(get(&w, "vcpu0/cpu.cfs_quota_us"), "50000", "v1 vcpu quota");
        ok(!get(&w, "vcpu0/cpu.cfs_period_us"), "v1 vcpu period not written when unset");
        is_str(get(&w, "emulator/cpu.cfs_period_us"), "10000", "v1 emulator period");
        ok(!get(&w, "emulator/cpu.cfs_quota_us"), "v1 emulator quota not written when unset");
        is_str(get(&w, "vcpu0/cpuset.cpus"), "2-5", "unpinned vCPU gets <vcpu cpuset>");
        is_str(get(&w, "vcpu1/cpuset.cpus"), "3", "pinned vCPU gets its pin");
        ok(!get(&w, "vcpu2/cpuset.cpus"), "offline vCPU has no group");
        is_str(get(&w, "emulator/cpuset.cpus"), "2-5", "emulator without pin gets <vcpu cpuset>");
        is_str(get(&w, "vcpu0/cpuset.mems"), "0-1", "strict mems = nodeset + memnode nodesets");
        is_str(get(&w, "iothread1/cpuset.cpus"), "2-5", "iothread1 default");
        is_str(get(&w, "iothread4/cpuset.cpus"), "7", "iothread4 pinned (ids, not indexes)");
        is_str(get(&w, "iothread4/cpu.cfs_quota_us"), "1000", "iothread quota");
        is_str(w.w[0].file, "cpu.shares", "domain-level files come first");
        vp_cgwrites_free(&w);

        vp_cgwrites_build(&p.tune, p.vcpus, &d, VP_CGROUP_V2, &w);
        is_str(get(&w, "cpu.weight"), "2048", "v2 weight passes shares through (libvirt)");
        ok(!get(&w, "cpu.shares"), "no cpu.shares on v2");
        is_str(get(&w, "cpu.max"), "max 200000", "v2 unlimited global quota");
        is_str(get(&w, "vcpu1/cpu.max"), "50000 100000", "v2 quota with default period");
        is_str(get(&w, "emulator/cpu.max"), "max 10000", "v2 period only");
        is_str(get(&w, "iothread1/cpu.max"), "1000 100000", "v2 iothread");
        is_str(get(&w, "vcpu1/cpuset.cpus"), "3", "v2 cpuset names are the same");
        vp_cgwrites_free(&w);

        /* preferred / interleave bind no cpuset.mems */
        t->mem_mode = VP_MEM_PREFERRED;
        vp_cgwrites_build(&p.tune, p.vcpus, &d, VP_CGROUP_V1, &w);
        ok(!get(&w, "vcpu0/cpuset.mems"), "preferred: no cpuset.mems (QEMU mempolicy)");
        vp_cgwrites_free(&w);
        t->mem_mode = VP_MEM_RESTRICTIVE;
        vp_cgwrites_build(&p.tune, p.vcpus, &d, VP_CGROUP_V1, &w);
        is_str(get(&w, "emulator/cpuset.mems"), "0-1", "restrictive binds through cpuset.mems");
        vp_cgwrites_free(&w);

        /* vCPUs 0 and 2 online at start (<vcpus> enabled), not 0-1: libvirt
         * makes vcpu0/ and vcpu2/, and a write to vcpu1/ would fail the start */
        bool en[3] = {true, false, true};
        d.vcpu_enabled = en;
        vp_cgwrites_build(&p.tune, p.vcpus, &d, VP_CGROUP_V1, &w);
        ok(get(&w, "vcpu0/cpuset.cpus") && get(&w, "vcpu2/cpuset.cpus"),
           "enabled vCPUs 0 and 2 get their groups' writes");
        ok(!get(&w, "vcpu1/cpuset.cpus") && !get(&w, "vcpu1/cpu.cfs_quota_us"),
           "the disabled vCPU 1 gets none");
        vp_cgwrites_free(&w);
        d.vcpu_enabled = NULL;

        /* unmanaged plans write nothing */
        p.profile = NULL;
        vp_plan_cgwrites(&p, &d, VP_CGROUP_V1, &w);
        is_int(w.n, 0, "unmanaged: no writes");
        vp_cgwrites_free(&w);
        return tap_done();
}
