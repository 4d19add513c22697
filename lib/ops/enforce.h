/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Enforcement: apply a managed domain's recorded placement to its running
 * QEMU (cgroup files and thread affinity, SPEC section 7) and read it back.
 * Used by vmplace-enforce and the hook's started/reconnect/attach ops. */
#ifndef VMPLACE_ENFORCE_H
#define VMPLACE_ENFORCE_H

#include <stdbool.h>

#include "cgroup.h"
#include "ledger.h"
#include "libview.h"
#include "paths.h"

enum {
        VP_ENFORCE_CHECK = 1u << 0,   /* only read back: write nothing */
        VP_ENFORCE_LIBVIRT = 1u << 1, /* also compare libvirt's live definition (r->libvirt):
                                       * status and vmplace-agent, not the hook */
};

typedef struct vp_enforce_result {
        char *name;
        char *uuid;
        char *profile;      /* the entry's profile, NULL if none recorded */
        vp_entry_kind kind; /* the entry's: only a dedicated VM's start moves floating VMs */
        long pid;
        vp_cgroup_version version;
        vp_cgwrites writes; /* the cgroup files of the plan as it runs now (written or checked) */
        vp_drifts drift;    /* what does not read back as planned */
        vp_libview libvirt; /* with VP_ENFORCE_LIBVIRT: what libvirt's live
                             * definition says otherwise (not the kernel: the
                             * state does not count it) */
        vp_error err;       /* why the domain could not be enforced (code 0: it could) */
        const char *state;  /* "enforced", "drift", or NULL on error */
} vp_enforce_result;

void vp_enforce_result_free(vp_enforce_result *r);

/* Enforce (or with VP_ENFORCE_CHECK verify) the ledger entry e on its QEMU:
 * pid from libvirt's NAME.pid, vCPU TIDs from its status XML, the placement
 * from the recorded XML (RUNDIR/domains/UUID.xml) with the floating sets the
 * ledger holds now. Returns 0 when it ran (see r->drift), or -errno with
 * r->err set (QEMU not running, cgroup not found, write refused; -ESTALE
 * when the state files are of an interrupted update: vp_state_check). Does
 * not touch the ledger. */
int vp_enforce_entry(const vp_paths *paths, const vp_ledger_entry *e, unsigned flags,
                     vp_enforce_result *r);

/* Enforce the domain named (or with this uuid) under the ledger lock and
 * record the outcome in its entry (state "enforced" or "drift", pid).
 * Returns 0 when enforced without drift, 1 with drift left, -ENOENT when the
 * domain has no ledger entry, other -errno on failure (r->err). A failure
 * of the entry's enforcement can be -ENOENT too (a missing pid file, cgroup or
 * state file): r->uuid is set exactly when the entry was found. */
int vp_enforce_domain(const vp_paths *paths, const char *name, const char *uuid, unsigned flags,
                      vp_enforce_result *r);

/* Re-enforce every running domain whose floating sets the ledger changed
 * (shared VMs, and dedicated VMs' shared emulators), except skip_uuid.
 * Best effort: returns how many could not be enforced. */
size_t vp_enforce_floating(const vp_paths *paths, const char *skip_uuid);

#endif
