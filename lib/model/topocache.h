/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text form of the host model's fixed part, for the topology cache
 * (vp_topology_load_cached): nodes with their CPUs and distances, the online
 * set, each CPU's node, core, package and siblings, and which source it was
 * read from. Memory sizes are left out: they move, and are read at every load.
 * Pure: no I/O. */
#ifndef VMPLACE_TOPOCACHE_H
#define VMPLACE_TOPOCACHE_H

#include <stddef.h>

#include "topology.h"

/* Where a model's memory sizes are read from at each load. */
typedef enum {
        VP_TOPO_LIBNUMA, /* numa_node_size64 of each node */
        VP_TOPO_SINGLE,  /* a kernel without NUMA: /proc/meminfo */
        VP_TOPO_SYSFS,   /* ROOT/devices/system/node/nodeN/meminfo */
} vp_topo_source;

/* The cache text of t read from source, under key (any bytes: the facts
 * whose change means the model may have changed). Returns a malloc'd string. */
char *vp_topocache_format(const vp_topology *t, vp_topo_source source, const char *key);

/* The model in text when it was written under exactly key, with every
 * node's total_kib and free_kib 0. Returns 0 with *out (vp_topology_free)
 * and *source, or -1 when the key differs or the text is not a well-formed,
 * consistent cache (nothing is allocated then): the caller loads afresh. */
int vp_topocache_parse(const char *text, size_t len, const char *key, vp_topology **out,
                       vp_topo_source *source);

#endif
