/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a libvirt domain XML (or a <domstatus> status file holding one)
 * with libxml2: identity, size, the vmplace metadata tag and the placement
 * items it already carries. Parsing is done with network access off, no
 * entity expansion and no DTD loading; a DOCTYPE is refused outright. */
#ifndef VMPLACE_DOMAIN_H
#define VMPLACE_DOMAIN_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tune.h"
#include "util.h"

#define VP_METADATA_NS "urn:vmplace:1"
/* Largest domain XML accepted (real ones are a few KiB; libvirt's own limit
 * for status XML is 10 MiB). */
#define VP_DOMAIN_XML_MAX (10u * 1024 * 1024)

typedef struct vp_domain {
        char *name;
        char *uuid;             /* NULL when the XML has none */
        unsigned vcpus_max;     /* <vcpu>N</vcpu> */
        unsigned vcpus_current; /* current= attribute, else vcpus_max */
        /* From <vcpus><vcpu id enabled>, indexed by vCPU id (vcpus_max
         * entries): which vCPUs QEMU starts with, which need not be
         * 0..current-1. NULL without that element: vp_domain_vcpu_online. */
        bool *vcpu_enabled;
        uint64_t memory_kib;    /* <memory>, converted from its unit */
        char *metadata_profile; /* <metadata><vmplace:profile> text, or NULL */
        unsigned *iothread_ids; /* sorted; from <iothreadids> or 1..<iothreads> */
        size_t n_iothreads;
        bool vcpu_placement_auto;     /* <vcpu placement='auto'> */
        bool numatune_placement_auto; /* <numatune><memory placement='auto'> */
        vp_tune tune;                 /* the placement items the XML already has */

        /* From a <domstatus> wrapper (libvirt's run dir); 0/NULL otherwise. */
        long pid;
        unsigned *vcpu_tids; /* indexed by vCPU id, n_vcpu_tids entries, 0 = unknown */
        size_t n_vcpu_tids;

        xmlDoc *doc;       /* owned */
        xmlNode *root;     /* the <domain> element inside doc */
        bool had_xml_decl; /* input started with <?xml ...?> */
} vp_domain;

/* Parse xml[0..len). Returns 0, or -EINVAL/-EFBIG with err describing the
 * problem in one line ("domain XML line 3: ..."; "domain XML has no <name>";
 * "<vcpu> value 'x' is not a number"). */
int vp_domain_parse(const char *xml, size_t len, vp_domain **out, vp_error *err);
void vp_domain_free(vp_domain *d);

/* Whether vCPU id is online when the domain starts (has a thread and a
 * vcpuN cgroup): enabled in <vcpus>, else id < vcpus_current. */
bool vp_domain_vcpu_online(const vp_domain *d, unsigned id);

/* libvirt memory units (b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T,
 * TiB, PB, P, PiB, EB, E, EiB) -> KiB, rounding up like libvirt. unit NULL =
 * KiB. Returns 0 or -EINVAL/-ERANGE. */
int vp_domain_scale_kib(uint64_t value, const char *unit, uint64_t *kib);

#endif
