/* The cgroup files a plan implies, named for one cgroup version, as libvirt
 * would write them for the same XML (shared/notes/libvirt.md has the map).
 * Pure: the enforcer performs the writes; `vmplace plan` shows them. */
#ifndef VMPLACE_CGWRITES_H
#define VMPLACE_CGWRITES_H

#include <stddef.h>

#include "domain.h"
#include "plan.h"

typedef enum vp_cgroup_version { VP_CGROUP_V1 = 1, VP_CGROUP_V2 = 2 } vp_cgroup_version;

typedef struct vp_cgwrite {
        char *file;  /* relative to the domain's group: "cpu.shares", "vcpu0/cpuset.cpus" */
        char *value; /* exactly what is written */
} vp_cgwrite;

typedef struct vp_cgwrites {
        vp_cgwrite *w;
        size_t n;
} vp_cgwrites;

/* The writes for plan on a host with this cgroup version. Threads that exist
 * at start (dom->vcpus_current vCPUs, every iothread) get their groups.
 * Order: domain-level files first, then emulator, vcpuN, iothreadN. */
void vp_cgwrites_build(const vp_plan *plan, const vp_domain *dom, vp_cgroup_version v,
                       vp_cgwrites *out);
void vp_cgwrites_free(vp_cgwrites *w);

#endif
