/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What `vmplace status` reports (SPEC 5): every ledger entry, judged for
 * running domains by reading the kernel now, plus the running domains a
 * profile matches that have no ledger entry ("unplaced": started before
 * vmplace was installed, or while the hook was missing). */
#ifndef VMPLACE_STATUS_H
#define VMPLACE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "ledger.h"
#include "paths.h"

/* The states a row can be in, in SPEC order. */
#define VP_STATUS_N_STATES 5
extern const char *const vp_status_states[VP_STATUS_N_STATES];

typedef struct vp_status_row {
        /* The ledger entry. An unplaced row has only name, uuid (NULL when
         * its status XML has none or cannot be read), profile and
         * matched_by; kind, the sets and mem are empty. */
        vp_ledger_entry e;
        bool placed;         /* false: unplaced */
        const char *state;   /* one of vp_status_states (a ledger state read
                              * from the file may be another word) */
        uint64_t memory_kib; /* the entry's per-node sum; the domain's <memory> if unplaced */
        vp_drifts drift;     /* what does not read back as planned, now */
        char *error;         /* one line: could not read back, or the status XML */
} vp_status_row;

typedef struct vp_status {
        vp_status_row *rows; /* sorted by name (byte order) */
        size_t n;
        bool config_valid;
        /* why running domains could not be checked for a profile ("configuration
         * error: FILE:LINE: message", or the libvirt run dir), else NULL; the
         * ledger rows are there either way */
        char *unplaced_error;
} vp_status;

/* Collect the rows: the ledger read (unlocked: it is replaced by rename),
 * each live entry checked like vmplace-enforce --check, an entry older than
 * VP_LEDGER_STALE_SECONDS whose QEMU is gone "stale", then libvirt's running
 * domains without an entry (by uuid or name) that vp_config_match gives a
 * profile. Returns 0, or the -errno of loading the ledger (err says why);
 * every other problem is in the rows or unplaced_error. */
int vp_status_collect(const vp_paths *p, int64_t now, vp_status *out, vp_error *err);
void vp_status_free(vp_status *s);

/* true for the states `status --check` fails on: drift, stale, unplaced */
bool vp_status_row_bad(const vp_status_row *r);

#endif
