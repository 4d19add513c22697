/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup files a placement (a vp_tune: the plan's, or the recorded one
 * with the ledger's floating sets) implies, named for one cgroup version,
 * as libvirt would write them for the same XML (shared/notes/libvirt.md has
 * the map). Pure: the enforcer performs the writes; `vmplace plan` shows
 * them (vp_plan_cgwrites). */
#ifndef VMPLACE_CGWRITES_H
#define VMPLACE_CGWRITES_H

#include <stdbool.h>
#include <stddef.h>

#include "domain.h"
#include "tune.h"

typedef enum vp_cgroup_version { VP_CGROUP_V1 = 1, VP_CGROUP_V2 = 2 } vp_cgroup_version;

typedef struct vp_cgwrite {
        char *file;  /* relative to the domain's group: "cpu.shares", "vcpu0/cpuset.cpus" */
        char *value; /* exactly what is written */
} vp_cgwrite;

typedef struct vp_cgwrites {
        vp_cgwrite *w;
        size_t n;
} vp_cgwrites;

/* The writes for placement t of a domain of vcpus vCPUs on a host with this
 * cgroup version. Threads that exist at start (the vCPUs dom says are
 * online, every iothread of dom) get their groups; a dom without a size (a
 * test's bare struct) counts vcpus. Order: domain-level files first, then
 * emulator, vcpuN, iothreadN. Never fails. */
void vp_cgwrites_build(const vp_tune *t, unsigned vcpus, const vp_domain *dom, vp_cgroup_version v,
                       vp_cgwrites *out);
void vp_cgwrites_free(vp_cgwrites *w);

/* What a cgroup file holds, by its name (the last path component). */
typedef enum vp_cgwrite_kind {
        VP_CGW_OTHER = 0,
        VP_CGW_CPUS, /* cpuset.cpus */
        VP_CGW_MEMS, /* cpuset.mems */
} vp_cgwrite_kind;
vp_cgwrite_kind vp_cgwrite_kind_of(const char *file);

/* A cpuset file's text ("0-3,8\n", or empty for a v1 group never set) as a
 * set. Returns false when it does not parse. */
bool vp_cgwrite_parse_set(const char *text, vp_cpuset *s);

#endif
