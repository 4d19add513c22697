/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the host model (lib/model/topology.h): through libnuma (+ sysfs
 * for siblings) in production or from a sysfs-shaped tree (SPEC section 6),
 * optionally through the topology cache (lib/model/topocache.h). Also where
 * libnuma is initialised on first use in the static programs
 * (cmake/VmplaceStatic.cmake) and kept off stderr. */
#ifndef VMPLACE_TOPOLOAD_H
#define VMPLACE_TOPOLOAD_H

#include "topology.h"
#include "util.h"

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
 * fixed part is kept there (lib/model/topocache.h) under a key of the tree's
 * root, the contents of cpu/online and node/online and, for the real host,
 * the boot id; a load whose key matches reads only each node's memory sizes
 * (from the same source as a full load). Any other cache (missing, foreign,
 * corrupt, another key) means the full load, written back (0600, atomically)
 * when the key still holds after it. A cache that cannot be written is only
 * not written. Returns as vp_topology_load. */
#define VP_TOPOLOGY_CACHE_FILE "topology.cache"
int vp_topology_load_cached(const char *sysfs_root, const char *cache_path, vp_topology **out,
                            vp_error *err);

#endif
