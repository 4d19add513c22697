/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The planner: a pure function of (domain, profile, host config, topology,
 * ledger) deciding a domain's placement and explaining it. No I/O. */
#ifndef VMPLACE_PLAN_H
#define VMPLACE_PLAN_H

#include <stdbool.h>

#include "cgwrites.h"
#include "config.h"
#include "domain.h"
#include "ledger.h"
#include "topology.h"
#include "tune.h"

typedef struct vp_plan_input {
        const vp_domain *dom;
        const vp_profile *profile; /* NULL: unmanaged, the plan is empty */
        const char *matched_by;
        const vp_host_config *host;
        const vp_topology *topo;
        const vp_ledger *ledger; /* the domain's own entry (same uuid) counts as free */
        /* Guest-visible parts must not change (migrate, restore: libvirt checks
         * ABI stability), so guest NUMA cells stay as the domain has them. */
        bool abi_fixed;
        /* I3: CPUs running VMs the ledger has no entry for are pinned to, as
         * the kernel says (a VM vmplace does not manage, or one whose entry
         * was lost with the run dir): never given to a dedicated VM, nor
         * floated over by a shared one. NULL: none. unrecorded_by names them for refusals ("web-1
         * (2-3)"). */
        const vp_cpuset *unrecorded;
        const char *unrecorded_by;
        /* Of those, the CPUs of domains a profile manages (their entry was
         * lost): a domain's own pins may not name them either. NULL: none. */
        const vp_cpuset *unrecorded_managed;
        /* Managed domains without an entry that float over every CPU:
         * nothing narrows them off a dedicated VM's CPUs, so no dedicated
         * VM is placed while they run. NULL: none. */
        const char *unrecorded_floating;
} vp_plan_input;

/* Launch-only items (SPEC 4): they act only when QEMU starts. */
enum {
        VP_LAUNCH_GUEST_NUMA = 1u << 0,
        VP_LAUNCH_MEMNODE = 1u << 1,
        VP_LAUNCH_MEMORY_POLICY = 1u << 2, /* preferred / interleave */
};

typedef struct vp_plan {
        char *domain;
        char *uuid;
        char *profile;    /* NULL when unmanaged */
        char *matched_by; /* NULL when unmanaged */
        unsigned vcpus;
        uint64_t memory_kib;

        vp_entry_kind kind;
        bool isolated;           /* isolation = host on a dedicated plan */
        vp_cpuset host_nodes;    /* nodes chosen (or given) for the VM */
        vp_ledger_mem *node_mem; /* memory committed per node, sorted */
        size_t n_node_mem;
        vp_cpuset held;          /* CPUs taken exclusively (dedicated) */
        vp_cpuset vcpu_cpus;     /* union of where vCPUs may run */
        vp_cpuset emulator_cpus; /* where emulator threads may run (empty: unrestricted) */

        vp_tune tune;   /* effective placement: domain's own overlaid by profile and planner */
        unsigned owned; /* VP_OWN_* items the rewrite writes */
        unsigned launch_only;

        char *reason;  /* one-line explanation of the choice */
        char *refusal; /* non-NULL when the placement cannot be satisfied:
                        * "vmplace: NAME (profile P): ..." */
} vp_plan;

/* Compute the plan. Returns 0 (check plan->refusal), or -EINVAL with err when
 * the inputs contradict each other in a way no host could satisfy (e.g. a pin
 * naming a vCPU the domain does not have). plan must be freed with
 * vp_plan_free either way. */
int vp_plan_compute(const vp_plan_input *in, vp_plan *plan, vp_error *err);
void vp_plan_free(vp_plan *plan);

/* The host's CPU pools with every ledger entry except skip_uuid (NULL: all).
 * Reserved and offline CPUs are in no pool. */
typedef struct vp_pools {
        vp_cpuset dedicated; /* explicit, else online minus an explicit shared pool;
                              * held CPUs included */
        vp_cpuset shared;    /* explicit, else the dedicated pool; minus held CPUs */
        vp_cpuset held;      /* what dedicated VMs hold */
        vp_cpuset pinned;    /* what VMs without a CPU policy are pinned to by their
                              * cputune (a dedicated VM must not overlap those either) */
} vp_pools;
/* Pure; never fails. */
void vp_plan_pools(const vp_host_config *host, const vp_topology *topo, const vp_ledger *ledger,
                   const char *skip_uuid, vp_pools *out);

/* Memory node can still admit for a new VM (KiB, may be negative): its total
 * minus reserved_memory minus what the ledger committed there, each VM
 * counted once at its full size, capped by the node's free memory minus
 * reserved_memory (memory taken outside vmplace: the host, unmanaged VMs).
 * The free figure already lacks what running VMs touched: subtracting their
 * commitments from it as well counted them twice. Pure. */
int64_t vp_plan_node_admits_kib(const vp_node *node, uint64_t reserved_kib, uint64_t committed_kib);

/* After dedicated VMs came or went: recompute where floating things run.
 * Every shared entry floats over the shared pool of its nodes (else the whole
 * pool); every dedicated entry whose emulator shares floats it over the
 * shared pool of its nodes minus its own CPUs (else the whole pool, else its
 * own CPUs), as at placement. Entries whose nothing is left keep their set.
 * unrecorded (may be NULL): CPUs running VMs without an entry are pinned to
 * (I3), kept out of the shared pool too. Pure; returns how many entries
 * changed. Enforcing the new sets on running VMs is the enforcer's job. */
size_t vp_plan_refloat(vp_ledger *l, const vp_host_config *host, const vp_topology *topo,
                       const vp_cpuset *unrecorded);

/* The cgroup writes of the plan (vp_cgwrites_build of its tune) for a
 * domain dom on a host with cgroup version v; none for an unmanaged or
 * refused plan. Never fails. */
void vp_plan_cgwrites(const vp_plan *plan, const vp_domain *dom, vp_cgroup_version v,
                      vp_cgwrites *out);

/* The placement a running VM is held to now: t, its plan's placement (the
 * recorded rewrite's items), with the floating sets the ledger entry e holds
 * now overlaid (vp_plan_refloat moves them as dedicated VMs come and go,
 * after the plan was recorded): a shared VM's vCPUs and emulator float over
 * e's sets; a dedicated VM's shared emulator, and its I/O threads (those live
 * has), over e's emulator set. An isolated emulator (its own CPUs) keeps
 * its pin. The one place the floating rule meets the cgroup writes. */
void vp_plan_float_tune(vp_tune *t, const vp_ledger_entry *e, const vp_domain *live);

/* The ledger entry recording this plan (state "prepared", created = now). */
void vp_plan_to_entry(const vp_plan *plan, int64_t now, vp_ledger_entry *e);

#endif
