/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgwrites.h"

#include <stdio.h>
#include <string.h>

static void add(vp_cgwrites *w, char *file, char *value)
{
        w->w = vp_xrealloc(w->w, (w->n + 1) * sizeof(*w->w));
        w->w[w->n++] = (vp_cgwrite){.file = file, .value = value};
}

/* cpu.cfs_period_us / cpu.cfs_quota_us (v1) or cpu.max (v2) in dir. v2's
 * cpu.max needs both halves: a missing quota is "max", a missing period the
 * kernel default 100000 (what libvirt's v2 backend keeps). */
static void add_bandwidth(vp_cgwrites *w, const char *dir, const vp_opt_ll *period,
                          const vp_opt_ll *quota, vp_cgroup_version v)
{
        if (!period->set && !quota->set)
                return;
        if (v == VP_CGROUP_V1) {
                if (period->set)
                        add(w, vp_xasprintf("%scpu.cfs_period_us", dir),
                            vp_xasprintf("%lld", period->v));
                if (quota->set)
                        add(w, vp_xasprintf("%scpu.cfs_quota_us", dir),
                            vp_xasprintf("%lld", quota->v < 0 ? -1LL : quota->v));
                return;
        }
        long long p = period->set ? period->v : 100000;
        if (!quota->set || quota->v < 0)
                add(w, vp_xasprintf("%scpu.max", dir), vp_xasprintf("max %lld", p));
        else
                add(w, vp_xasprintf("%scpu.max", dir), vp_xasprintf("%lld %lld", quota->v, p));
}

static void add_cpuset(vp_cgwrites *w, const char *dir, const vp_cpuset *cpus,
                       const vp_cpuset *mems)
{
        if (cpus)
                add(w, vp_xasprintf("%scpuset.cpus", dir), vp_cpuset_format(cpus));
        if (mems)
                add(w, vp_xasprintf("%scpuset.mems", dir), vp_cpuset_format(mems));
}

void vp_cgwrites_build(const vp_tune *t, unsigned vcpus, const vp_domain *dom, vp_cgroup_version v,
                       vp_cgwrites *out)
{
        memset(out, 0, sizeof(*out));

        if (t->q[VP_T_SHARES].set)
                add(out, vp_xstrdup(v == VP_CGROUP_V1 ? "cpu.shares" : "cpu.weight"),
                    vp_xasprintf("%lld", t->q[VP_T_SHARES].v));
        add_bandwidth(out, "", &t->q[VP_T_GLOBAL_PERIOD], &t->q[VP_T_GLOBAL_QUOTA], v);

        /* strict and restrictive bind through cpuset.mems: the union of the
         * domain nodeset and every memnode nodeset, as libvirt computes it. */
        vp_cpuset mems;
        vp_cpuset_zero(&mems);
        bool bind =
            (t->mem_mode == VP_MEM_STRICT || t->mem_mode == VP_MEM_RESTRICTIVE) && t->nodeset_set;
        if (bind) {
                mems = t->nodeset;
                for (size_t i = 0; i < t->n_memnodes; i++)
                        if (t->memnodes[i].nodeset_set)
                                vp_cpuset_or(&mems, &t->memnodes[i].nodeset);
        }
        const vp_cpuset *mp = bind ? &mems : NULL;
        const vp_cpuset *dflt = t->vcpu_cpuset_set ? &t->vcpu_cpuset : NULL;

        add_bandwidth(out, "emulator/", &t->q[VP_T_EMULATOR_PERIOD], &t->q[VP_T_EMULATOR_QUOTA], v);
        add_cpuset(out, "emulator/", t->emulatorpin_set ? &t->emulatorpin : dflt, mp);

        /* a group for each vCPU online at start, which need not be the
         * first current ones (<vcpus> enabled='yes') */
        unsigned nv = dom->vcpus_max ? dom->vcpus_max : vcpus;
        for (unsigned i = 0; i < nv; i++) {
                if (dom->vcpus_max && !vp_domain_vcpu_online(dom, i))
                        continue;
                char dir[32];
                snprintf(dir, sizeof(dir), "vcpu%u/", i);
                add_bandwidth(out, dir, &t->q[VP_T_VCPU_PERIOD], &t->q[VP_T_VCPU_QUOTA], v);
                const vp_pin *pin = vp_pins_find(t->vcpupin, t->n_vcpupin, i);
                add_cpuset(out, dir, pin ? &pin->set : dflt, mp);
        }
        for (size_t i = 0; i < dom->n_iothreads; i++) {
                char dir[32];
                unsigned id = dom->iothread_ids[i];
                snprintf(dir, sizeof(dir), "iothread%u/", id);
                add_bandwidth(out, dir, &t->q[VP_T_IOTHREAD_PERIOD], &t->q[VP_T_IOTHREAD_QUOTA], v);
                const vp_pin *pin = vp_pins_find(t->iothreadpin, t->n_iothreadpin, id);
                add_cpuset(out, dir, pin ? &pin->set : dflt, mp);
        }
}

void vp_cgwrites_free(vp_cgwrites *w)
{
        for (size_t i = 0; i < w->n; i++) {
                free(w->w[i].file);
                free(w->w[i].value);
        }
        free(w->w);
        w->w = NULL;
        w->n = 0;
}

vp_cgwrite_kind vp_cgwrite_kind_of(const char *file)
{
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        if (!strcmp(base, "cpuset.cpus"))
                return VP_CGW_CPUS;
        if (!strcmp(base, "cpuset.mems"))
                return VP_CGW_MEMS;
        return VP_CGW_OTHER;
}

bool vp_cgwrite_parse_set(const char *text, vp_cpuset *s)
{
        _cleanup_free_ char *t = vp_xstrdup(text);
        char *p = vp_strstrip(t);
        vp_cpuset_zero(s);
        if (!*p)
                return true;
        return vp_cpuset_parse(s, p, VP_MAX_CPUS, NULL) == 0;
}
