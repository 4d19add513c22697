/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The domains libvirt runs now, from its run dir (VMPLACE_LIBVIRT_RUNDIR):
 * every NAME.pid whose QEMU is alive by the ledger's rule, with libvirt's
 * status file NAME.xml parsed. For `vmplace status` (unplaced domains) and
 * anything that acts on all running domains. */
#ifndef VMPLACE_RUNNING_H
#define VMPLACE_RUNNING_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"
#include "domain.h"
#include "ledger.h"
#include "paths.h"
#include "util.h"

typedef struct vp_running {
        char *name;     /* from the file name NAME.pid */
        long pid;       /* QEMU pid, 0 when the pid file could not be read */
        vp_domain *dom; /* NAME.xml parsed (<domstatus>), NULL when unreadable */
        vp_error err;   /* why dom is NULL (naming the file); code 0 when it is not */
} vp_running;

/* List the running domains, sorted by name (byte order). A NAME.pid is
 * listed when vp_libvirt_alive says so (p->libvirt_rundir, p->proc) and
 * NAME.xml exists (libvirt's driver.pid has none). Names
 * libvirt refuses are skipped: empty, not UTF-8, or holding a newline.
 * A missing run dir is no
 * domains. Returns 0 with *out (NULL when *n is 0), or -errno when the run
 * dir cannot be read (err names it). Free with vp_running_free. */
int vp_running_list(const vp_paths *p, vp_running **out, size_t *n, vp_error *err);
void vp_running_free(vp_running *r, size_t n);

/* What the kernel says of the running domains the ledger has no entry for
 * (I3): a VM vmplace does not manage, or one whose entry was lost with the
 * run dir; and of the CPUs recorded VMs are pinned to beyond their entries
 * (a run dir replaced by an older copy). */
typedef struct vp_unrecorded {
        vp_cpuset pinned;  /* the CPUs their threads are pinned to */
        char *pinned_by;   /* "NAME (CPUS), ..." for messages, ", beyond its
                            * entry" after a recorded VM's CPUS; NULL: none */
        vp_cpuset managed; /* of pinned, those of domains a profile manages */
        char *floating_by; /* "NAME, ..." of managed ones pinned to nothing */
        char **adopt;      /* the managed domains without an entry, to record */
        size_t n_adopt;
} vp_unrecorded;

/* I3, the kernel over the records: every running domain but self (the
 * domain being planned), by its threads' affinity (vp_affinity_pinned over
 * all, the host's online CPUs: a thread allowed on fewer than all of them
 * pins them). A domain with an entry in l counts with the CPUs it is pinned
 * to beyond the entry's held, vcpu_cpus and emulator_cpus, as managed; one
 * without, with all it is pinned to, as managed when manages(name, status,
 * ctx) says a profile manages it (status: the path of libvirt's status file
 * NAME.xml, for its metadata; manages may be NULL: none). Returns 0 with *out filled
 * (free with vp_unrecorded_free), or -errno when the libvirt run dir cannot
 * be listed (a missing one is no domains). */
int vp_running_unrecorded(const vp_paths *p, const vp_ledger *l, const char *self,
                          const vp_cpuset *all,
                          bool (*manages)(const char *name, const char *status, void *ctx),
                          void *ctx, vp_unrecorded *out, vp_error *err);
void vp_unrecorded_free(vp_unrecorded *u);

/* vp_domain_parse on the file at path (at most VP_DOMAIN_XML_MAX bytes).
 * Returns 0, or the reading or parsing -errno with err prefixed by path. */
int vp_domain_parse_file(const char *path, vp_domain **out, vp_error *err);

#endif
