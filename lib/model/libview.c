/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "libview.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *vp_libview_sched_name(vp_tune_scalar s)
{
        /* libvirt's parameters are the XML names but for the shares */
        return s == VP_T_SHARES ? "cpu_shares" : vp_tune_scalar_names[s];
}

static vp_libview_item *add(vp_libview *v, vp_libview_kind kind, unsigned id, char *name,
                            char *want, char *have)
{
        v->i = vp_xrealloc(v->i, (v->n + 1) * sizeof(*v->i));
        vp_libview_item *it = &v->i[v->n++];
        memset(it, 0, sizeof(*it));
        it->kind = kind;
        it->id = id;
        it->name = name;
        it->want = want;
        it->have = have;
        return it;
}

/* A pin compared: want (NULL: left open) against have (NULL: libvirt runs
 * the thread anywhere). */
static void pin(vp_libview *v, vp_libview_kind kind, unsigned id, char *name, const vp_cpuset *want,
                const vp_cpuset *have)
{
        if (!want || (have && vp_cpuset_equal(want, have))) {
                free(name);
                return;
        }
        vp_libview_item *it = add(v, kind, id, name, vp_cpuset_format(want),
                                  have ? vp_cpuset_format(have) : vp_xstrdup("unpinned"));
        it->set = *want;
}

static const vp_cpuset *pin_of(const vp_pin *pins, size_t n, unsigned id, const vp_cpuset *dflt)
{
        const vp_pin *p = vp_pins_find(pins, n, id);
        return p ? &p->set : dflt;
}

void vp_libview_diff(const vp_tune *want, const vp_domain *live, vp_libview *out)
{
        memset(out, 0, sizeof(*out));
        const vp_tune *have = &live->tune;
        const vp_cpuset *wdef = want->vcpu_cpuset_set ? &want->vcpu_cpuset : NULL;
        const vp_cpuset *hdef = have->vcpu_cpuset_set ? &have->vcpu_cpuset : NULL;

        for (unsigned id = 0; id < live->vcpus_max; id++)
                pin(out, VP_LV_VCPUPIN, id, vp_xasprintf("vcpupin %u", id),
                    pin_of(want->vcpupin, want->n_vcpupin, id, wdef),
                    pin_of(have->vcpupin, have->n_vcpupin, id, hdef));
        pin(out, VP_LV_EMULATORPIN, 0, vp_xstrdup("emulatorpin"),
            want->emulatorpin_set ? &want->emulatorpin : wdef,
            have->emulatorpin_set ? &have->emulatorpin : hdef);
        for (size_t i = 0; i < live->n_iothreads; i++) {
                unsigned id = live->iothread_ids[i];
                pin(out, VP_LV_IOTHREADPIN, id, vp_xasprintf("iothreadpin %u", id),
                    pin_of(want->iothreadpin, want->n_iothreadpin, id, wdef),
                    pin_of(have->iothreadpin, have->n_iothreadpin, id, hdef));
        }

        bool bind = (want->mem_mode == VP_MEM_STRICT || want->mem_mode == VP_MEM_RESTRICTIVE) &&
                    want->nodeset_set;
        if (bind && (!have->nodeset_set || !vp_cpuset_equal(&want->nodeset, &have->nodeset) ||
                     (have->mem_mode != VP_MEM_UNSET && have->mem_mode != want->mem_mode))) {
                /* libvirt's default mode is strict; a running domain's
                 * mode cannot change, so say it when it differs */
                const char *hm = vp_mem_mode_name(have->mem_mode ? have->mem_mode : VP_MEM_STRICT);
                _cleanup_free_ char *hs =
                    have->nodeset_set ? vp_cpuset_format(&have->nodeset) : vp_xstrdup("unset");
                _cleanup_free_ char *ws = vp_cpuset_format(&want->nodeset);
                vp_libview_item *it =
                    add(out, VP_LV_NODESET, 0, vp_xstrdup("numatune nodeset"),
                        vp_xasprintf("%s %s", vp_mem_mode_name(want->mem_mode), ws),
                        vp_xasprintf("%s %s", hm, hs));
                it->set = want->nodeset;
        }

        for (int s = 0; s < VP_T__COUNT; s++) {
                const vp_opt_ll *w = &want->q[s], *h = &have->q[s];
                if (!w->set || (h->set && h->v == w->v))
                        continue;
                vp_libview_item *it =
                    add(out, VP_LV_SCHED, (unsigned)s,
                        vp_xasprintf("schedinfo %s", vp_libview_sched_name((vp_tune_scalar)s)),
                        vp_xasprintf("%lld", w->v),
                        h->set ? vp_xasprintf("%lld", h->v) : vp_xstrdup("unset"));
                it->value = w->v;
        }
}

void vp_libview_free(vp_libview *v)
{
        for (size_t i = 0; i < v->n; i++) {
                free(v->i[i].name);
                free(v->i[i].want);
                free(v->i[i].have);
        }
        free(v->i);
        memset(v, 0, sizeof(*v));
}
