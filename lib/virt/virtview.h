/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Talking to libvirt's API: the one layer that links libvirt, used by the
 * CLI (sync, apply) and vmplace-agent, never by the hook or the enforcer
 * (libvirt holds the domain's job while a hook runs: a call back into
 * libvirt from there deadlocks). Here: bringing libvirt's live definition of
 * a running domain into agreement with the placement vmplace enforced
 * (libview.h says what differs). */
#ifndef VMPLACE_VIRTVIEW_H
#define VMPLACE_VIRTVIEW_H

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "ledger.h"
#include "libview.h"
#include "paths.h"

/* "WHAT: libvirt's last error message", malloc'd. */
char *vp_virt_error(const char *what);

/* Open uri (NULL: libvirt's default) with libvirt's own printing of errors
 * off: callers say them, through vp_virt_error. NULL when it cannot be
 * opened, err saying why. */
virConnectPtr vp_virt_open(const char *uri, vp_error *err);

/* Set each item of v on dom's live definition through libvirt's API with
 * VIR_DOMAIN_AFFECT_LIVE: virDomainPinVcpuFlags, virDomainPinEmulator,
 * virDomainPinIOThread, virDomainSetNumaParameters (the nodeset; a running
 * domain's mode cannot change) and one virDomainSetSchedulerParametersFlags
 * for the scheduler items. libvirt writes the same values to the cgroup
 * files and threads vmplace wrote, which changes nothing there. Returns how
 * many calls failed (0: all took), err holding the first failure. */
unsigned vp_virt_set_view(virDomainPtr dom, const vp_libview *v, vp_error *err);

/* What vp_virt_agree did. */
typedef enum vp_agree_result {
        VP_AGREE_SAME = 0,   /* libvirt already said the placement */
        VP_AGREE_SET = 1,    /* it does now */
        VP_AGREE_FAILED = 2, /* some items could not be set (err) */
        VP_AGREE_SKIPPED = 3 /* not checkable now: not running, an earlier run's entry (err) */
} vp_agree_result;

/* Bring the live definition of the running domain dom (uuid), managed under
 * its ledger entry, into agreement with the placement vmplace enforces on
 * it: read what differs the way `vmplace status` does (vp_enforce_entry's
 * check), tell libvirt, and read it back. No entry, or QEMU not running:
 * SKIPPED. *said (malloc'd, NULL when nothing was set) names what changed:
 * "vcpupin 0 1, emulatorpin 0". A placement committed while libvirt was
 * being told the previous one is told too (libvirt writes it to the
 * kernel); nothing here writes the kernel or the run dir itself. */
vp_agree_result vp_virt_agree(const vp_paths *p, virDomainPtr dom, const char *uuid, char **said,
                              vp_error *err);

#endif
