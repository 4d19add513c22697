/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rewriting a parsed domain's placement items in place (libxml2): only
 * <vcpu cpuset>, <cputune>, <numatune> and <cpu><numa> change; every other
 * node, attribute, comment and namespace in the document is kept. */
#ifndef VMPLACE_REWRITE_H
#define VMPLACE_REWRITE_H

#include "domain.h"
#include "tune.h"

/* Which items of the wanted tune the rewrite owns: for an owned item the XML
 * ends up holding exactly the tune's value (removed when the tune leaves it
 * unset); items not owned are left as the document has them. */
enum {
        VP_OWN_SCALARS = (1u << VP_T__COUNT) - 1, /* bit i = vp_tune.q[i] */
        VP_OWN_VCPU_CPUSET = 1u << 9,
        VP_OWN_VCPUPIN = 1u << 10,
        VP_OWN_EMULATORPIN = 1u << 11,
        VP_OWN_IOTHREADPIN = 1u << 12,
        VP_OWN_MEMORY = 1u << 13,   /* <numatune><memory mode nodeset> */
        VP_OWN_MEMNODES = 1u << 14, /* <numatune><memnode>* */
        VP_OWN_CELLS = 1u << 15,    /* <cpu><numa><cell>* (cpus, memory) */
};
#define VP_OWN_SCALAR(i) (1u << (i))

/* Apply want to dom->doc for the owned items. New elements go where libvirt's
 * own formatter puts them, indented like their siblings; an element left
 * empty (<cputune/>, <numatune/>, <numa/>) is removed. Setting the vCPU cpuset
 * drops <vcpu placement='auto'>; setting a nodeset drops <memory
 * placement='auto'>. Existing guest cells keep their other attributes
 * (memAccess, discard, ...); <distances> are dropped when the cell count
 * changes. Returns 0 or -errno (err says which item). dom->tune is NOT
 * updated. */
int vp_rewrite_apply(vp_domain *dom, const vp_tune *want, unsigned owned, vp_error *err);

/* Serialise the <domain> element (with an XML declaration only if the input
 * had one), UTF-8, newline-terminated. Returns 0 or -errno. */
int vp_domain_format(const vp_domain *dom, char **out, size_t *len, vp_error *err);

#endif
