/* The host model: NUMA nodes with their CPUs, memory and distances, and each
 * CPU's core and SMT siblings. Read through libnuma (+ sysfs for siblings) in
 * production or from a sysfs-shaped tree (SPEC section 6). */
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

/* sysfs_root NULL: nodes, their CPUs, memory and distances from libnuma
 * (every node with a sysfs directory, not only those this task's cpuset
 * allows), the online set and each CPU's siblings, core and package from
 * /sys/devices/system/cpu; on a kernel without NUMA, one node 0 with every
 * online CPU and /proc/meminfo's MemTotal/MemFree. Else everything from the
 * sysfs-shaped tree under sysfs_root (SPEC section 6). Both give the same
 * model on the same host (free memory aside, which moves). libnuma's own
 * warnings are kept off stderr (this module overrides numa_warn/numa_error)
 * and end up in err when a libnuma call fails.
 * Returns 0 and *out (free with vp_topology_free), or -errno with *out NULL and
 * err naming the file or call that failed and why. */
int vp_topology_load(const char *sysfs_root, vp_topology **out, vp_error *err);

/* vp_topology_load through a cache at cache_path (NULL: none), for the hook:
 * every prepare reads the topology, and a big host's is hundreds of sysfs
 * files plus libnuma's initialisation (~14 ms for 448 CPUs). The model's
 * fixed part is kept there (lib/topocache.h) under a key of the tree's root,
 * the contents of cpu/online and node/online and, for the real host, the
 * boot id; a load whose key matches reads only each node's memory sizes
 * (from the same source as a full load). Any other cache (missing, foreign,
 * corrupt, another key) means the full load, written back (0600, atomically)
 * when the key still holds after it. A cache that cannot be written is only
 * not written. Returns as vp_topology_load. */
#define VP_TOPOLOGY_CACHE_FILE "topology.cache"
int vp_topology_load_cached(const char *sysfs_root, const char *cache_path, vp_topology **out,
                            vp_error *err);
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

#endif
