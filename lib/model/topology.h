/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host model: NUMA nodes with their CPUs, memory and distances, and each
 * CPU's core and SMT siblings, with the lookups over it and the steps that
 * assemble it from what was read. Pure: lib/io/topoload.h reads it through
 * libnuma (+ sysfs for siblings) in production or from a sysfs-shaped tree
 * (SPEC section 6). */
#ifndef VMPLACE_TOPOLOGY_H
#define VMPLACE_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "util.h"

typedef struct vp_node {
        unsigned id;
        vp_cpuset cpus;    /* online CPUs of the node */
        vp_cpuset offline; /* CPUs the node lists that are not online (some
                            * kernels drop them from the node instead) */
        uint64_t total_kib;
        uint64_t free_kib;
        unsigned *distance; /* distance[j] to topology->nodes[j] (index, not id) */
} vp_node;

/* An offline CPU (below n_cpus) has node, core_id and package_id -1 and is
 * its own only sibling: the kernel drops its topology. An online CPU whose
 * topology dir is missing is its own core: core_id = its number, package 0. */
typedef struct vp_cpu {
        bool online;
        int node;           /* node id, -1 if none */
        int core_id;        /* topology/core_id */
        int package_id;     /* topology/physical_package_id */
        vp_cpuset siblings; /* thread_siblings_list (includes itself) */
} vp_cpu;

typedef struct vp_topology {
        vp_node *nodes; /* sorted by id; only nodes that exist */
        size_t n_nodes;
        vp_cpuset online;
        unsigned n_cpus; /* highest online CPU + 1; cpus[] has this many */
        vp_cpu *cpus;
        bool smt; /* some core has more than one online thread */
} vp_topology;

/* Free t and what it holds; NULL is a no-op. */
void vp_topology_free(vp_topology *t);

/* Node by id, or NULL. */
const vp_node *vp_topology_node(const vp_topology *t, unsigned id);
/* Index of node id in t->nodes, or -1. */
int vp_topology_node_index(const vp_topology *t, unsigned id);
/* All node ids as a set. */
void vp_topology_nodeset(const vp_topology *t, vp_cpuset *out);
/* The physical core of cpu as placement sees it: its online SMT siblings on
 * the same node, always including cpu itself. */
void vp_topology_core_of(const vp_topology *t, unsigned cpu, vp_cpuset *out);

/* ---- assembling a model (the reader's steps, pure) ---- */

/* Size t for t->online (not empty): n_cpus is its highest CPU + 1 and
 * cpus[] (allocated here, t->cpus must be NULL) holds every CPU below it,
 * online or not, with no node, core or package (-1) and itself as its only
 * sibling. */
void vp_topology_init_cpus(vp_topology *t);

/* Split each node's CPUs into the online ones (kept in cpus) and the rest
 * (moved to offline), and give each online CPU its node. Needs
 * vp_topology_init_cpus first. Returns 0, or -EINVAL when a CPU is in two
 * nodes, err saying "SOURCE: CPU C is in nodeA and nodeB" (source names
 * where the nodes were read). */
int vp_topology_assign_nodes(vp_topology *t, const char *source, vp_error *err);

/* Make online CPU cpu one core with its siblings (thread_siblings_list),
 * core_id and package_id: the siblings that are online and not yet in done
 * (given to a core already: inconsistent lists leave a CPU where it was
 * first put), always cpu itself. Each gets that set as its siblings and the
 * two ids; they are added to done, and a core of more than one thread sets
 * t->smt. */
void vp_topology_set_core(vp_topology *t, unsigned cpu, const vp_cpuset *siblings, int core_id,
                          int package_id, vp_cpuset *done);

#endif
