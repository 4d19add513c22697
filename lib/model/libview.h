/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's own view of a running domain: whether the live definition
 * libvirt keeps (what `virsh vcpupin`, `emulatorpin`, `iothreadpin`,
 * `numatune`, `schedinfo` and `dumpxml` show, and what libvirt starts from
 * when it acts itself, e.g. on a vCPU hot-plugged with `virsh setvcpus
 * --live`) says the placement vmplace enforces. Pure: the live definition
 * is read from libvirt's status XML or its API by the callers, and the
 * repair goes through libvirt's API (lib/virt). */
#ifndef VMPLACE_LIBVIEW_H
#define VMPLACE_LIBVIEW_H

#include <stddef.h>

#include "domain.h"
#include "tune.h"

typedef enum vp_libview_kind {
        VP_LV_VCPUPIN, /* id: the vCPU */
        VP_LV_EMULATORPIN,
        VP_LV_IOTHREADPIN, /* id: the iothread */
        VP_LV_NODESET,     /* <numatune><memory nodeset> */
        VP_LV_SCHED,       /* id: the vp_tune_scalar */
} vp_libview_kind;

/* One item libvirt's live definition does not say as vmplace placed it. */
typedef struct vp_libview_item {
        vp_libview_kind kind;
        unsigned id;
        vp_cpuset set;     /* pins: the CPUs; nodeset: the nodes */
        long long value;   /* scheduler parameters */
        char *name;        /* as an admin would ask libvirt: "vcpupin 0", "emulatorpin",
                            * "iothreadpin 1", "numatune nodeset", "schedinfo cpu_shares" */
        char *want, *have; /* have: "unpinned", "unset" when libvirt says nothing */
} vp_libview_item;

typedef struct vp_libview {
        vp_libview_item *i;
        size_t n;
} vp_libview;

/* The items of placement want (what vmplace enforces on the running domain:
 * vp_plan_float_tune's result) that live (libvirt's live definition) does
 * not say, with libvirt's defaults: a vCPU, the emulator or an iothread
 * without its own pin runs on <vcpu cpuset>, else anywhere. Every vCPU up
 * to the maximum counts, online or not, so a vCPU hot-plugged later lands
 * on its planned CPUs. Items want leaves open are not compared; the memory
 * nodeset only when want binds memory through the cgroup (strict,
 * restrictive): the other modes act at QEMU's launch only and libvirt
 * cannot change a running domain's mode (`vmplace plan` lists them under
 * launch_only). Never fails; out is empty when libvirt agrees. */
void vp_libview_diff(const vp_tune *want, const vp_domain *live, vp_libview *out);
void vp_libview_free(vp_libview *v);

/* libvirt's scheduler parameter name for a scalar ("cpu_shares",
 * "vcpu_quota", ...), as virDomainSetSchedulerParameters and `virsh
 * schedinfo` spell it. */
const char *vp_libview_sched_name(vp_tune_scalar s);

#endif
