/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the planner's source files (plan.c, plancpus.c, plancells.c,
 * pools.c) share and nobody else sees. */
#ifndef VMPLACE_PLAN_IMPL_H
#define VMPLACE_PLAN_IMPL_H

#include "plan.h"

#define SPLIT_ALIGN_KIB 1024ULL

typedef struct ctx {
        const vp_plan_input *in;
        vp_plan *plan;
        const vp_topology *topo;
        const vp_profile *prof;
        vp_cpu_policy policy;
        vp_thread_policy thread_policy;
        vp_emu_policy emu_policy;
        vp_strategy strategy;
        unsigned n_nodes_wanted;
        vp_cpuset dedicated_pool; /* dedicated pool minus reserved */
        vp_cpuset shared_pool;    /* shared pool minus reserved minus held by others */
        vp_cpuset held_others;    /* CPUs other VMs hold exclusively */
        vp_cpuset taken;          /* held_others + CPUs VMs are pinned to by cputune */
        vp_cpuset candidates;     /* node ids placement may use */
        unsigned *share_node;     /* node id that takes share k (vCPUs, memory, guest cell k) */
        unsigned n_share;
} ctx;

typedef struct node_stat {
        const vp_node *node;
        vp_cpuset free_cpus; /* usable by this VM under its policy */
        unsigned free_units; /* CPUs (or whole cores for isolate) */
        int64_t avail_kib;   /* free - reserved - committed by others */
} node_stat;

/* Split total into n shares, larger ones first, each a multiple of align
 * except the last which takes the remainder. */
/* Split total into n shares, larger ones first, each a multiple of align
 * except the last which takes the remainder. */
void vp_plan_split_even(uint64_t total, unsigned n, uint64_t align, uint64_t *out);
/* Split total into n counts, larger ones first. */
void vp_plan_split_count(unsigned total, unsigned n, unsigned *out);
/* A memory size for a refusal: whole MiB, or KiB below 1 MiB (where MiB
 * read "0 MiB", hiding why the split failed). Returns buf. */
const char *vp_plan_mem_text(uint64_t kib, char *buf, size_t len);
/* Set the plan's refusal, "vmplace: NAME (profile P): " + the message, unless
 * it has one already (the first reason wins). */
void vp_plan_refuse(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* plancpus.c: CPU picking inside one node. */
unsigned vp_plan_count_units(const ctx *c, const vp_cpuset *node_cpus, const vp_cpuset *avail);
bool vp_plan_pick_cpus(const ctx *c, const vp_cpuset *node_cpus, vp_cpuset *avail, unsigned want,
                       unsigned *order, unsigned *n_order, vp_cpuset *held);

/* pools.c: the CPUs of the nodes in nodes. */
void vp_plan_nodes_cpus(const vp_topology *t, const vp_cpuset *nodes, vp_cpuset *out);
/* pools.c: what node still admits for this VM (vp_plan_node_admits_kib with
 * the host's reserve and what the other entries committed there). */
int64_t vp_plan_node_avail_kib(const ctx *c, const vp_node *node);

/* plancells.c: the guest NUMA cells and the memory binding of the plan. */
void vp_plan_guest_numa(ctx *c);
/* A floating plan: vCPUs and emulator (and iothreads, which follow <vcpu
 * cpuset>) over pool (pools.c). */
void vp_plan_float(vp_plan *p, const vp_cpuset *pool);
/* Refuses a dedicated plan that takes the last shared CPUs while floating VMs
 * are in the ledger (pools.c). */
void vp_plan_keep_floating_room(ctx *c);
/* The CPUs of a cpu_policy = none plan: floating over the shared pool when
 * nothing is pinned, else its own pins; may refuse (pools.c). */
void vp_plan_place_none(ctx *c);
void vp_plan_admit_fixed_nodeset(ctx *c);

#endif
