/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace doctor (SPEC section 5): host settings that quietly undo
 * placement. vp_doctor_evaluate is pure: it turns facts about the host into
 * checks, each with a status, what was seen and what to do about it.
 * vp_doctor_gather (doctor_facts.h) is the only I/O: it reads those facts
 * from procfs, sysfs, the config, the ledger, libvirt's hook directory and
 * the libvirt daemon's start time. The rules stay in lib/io only for what
 * they include: vp_config (config.h) and the planner's pools (plan.h). */
#ifndef VMPLACE_DOCTOR_H
#define VMPLACE_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cpuset.h"

typedef enum vp_check_status {
        VP_CHECK_OK = 0,
        VP_CHECK_WARN,
        VP_CHECK_FAIL,
        VP_CHECK_SKIP, /* could not be judged: a fact is missing */
} vp_check_status;

/* "ok", "warn", "fail", "skip" */
const char *vp_check_status_name(vp_check_status s);

typedef struct vp_check {
        const char *name; /* static: "numa-balancing", "ksm-merge-nodes", ... */
        vp_check_status status;
        char *detail; /* what was seen, one line */
        char *fix;    /* what to do; NULL for ok and skip */
} vp_check;

typedef struct vp_checks {
        vp_check *c;
        size_t n;
} vp_checks;

void vp_checks_free(vp_checks *c);
/* How many checks are warn or fail. */
size_t vp_checks_problems(const vp_checks *c);

/* One entry libvirt would consider as a qemu hook: LIBVIRT_HOOKS/qemu or
 * LIBVIRT_HOOKS/qemu.d/NAME. */
typedef struct vp_hook_entry {
        char *path;       /* as listed */
        char *target;     /* realpath(path), NULL when it does not resolve */
        bool executable;  /* libvirt's test: a regular file (after links) with an x bit */
        bool wrapper;     /* a script ("#!") naming vmplace-hook, as a wrapper that execs it */
        bool dispatcher;  /* vmplace's qemu-dispatcher, or a script ("#!") naming it: what
                           * runs qemu.d for a libvirt older than 6.5 */
        double installed; /* epoch seconds it took its present form: the later ctime of
                           * the entry and its target (ctime, not mtime: dpkg and cp -p
                           * keep a build-time mtime, nothing can set ctime back) */
} vp_hook_entry;

/* A running libvirt daemon that runs qemu hooks. */
typedef struct vp_daemon {
        char *name; /* "libvirtd" or "virtqemud" */
        long pid;
        double started;   /* epoch seconds (btime + starttime; btime is whole seconds) */
        unsigned libvirt; /* MAJOR*1000+MINOR of the libvirt.so.0 it has mapped, 0 unknown */
} vp_daemon;

/* Everything the checks look at. Numbers are -1 when the kernel has no such
 * file; the matching *_error is non-NULL when it exists but could not be
 * read or parsed (both make the check skip). vp_doctor_facts_free frees
 * every pointer, config included. */
typedef struct vp_doctor_facts {
        int numa_balancing; /* kernel.numa_balancing: bit 0 normal, bit 1 memory tiering */
        char *numa_balancing_error;

        int ksm_run;                /* /sys/kernel/mm/ksm/run: 0 stop, 1 run, 2 unmerge */
        int ksm_merge_across_nodes; /* the file SPEC 5 calls merge_nodes; -1 without NUMA */
        long long ksm_pages_shared;
        char *ksm_error;

        unsigned n_nodes; /* NUMA nodes (with CPUs or memory); 0 = unknown */

        vp_cpuset online; /* devices/system/cpu/online */
        bool present_known;
        vp_cpuset present;   /* devices/system/cpu/present */
        vp_cpuset isolated;  /* devices/system/cpu/isolated, else /proc/cmdline isolcpus= */
        vp_cpuset nohz_full; /* devices/system/cpu/nohz_full, else /proc/cmdline nohz_full= */
        char *cpus_error;    /* online (or isolation) unreadable: CPU checks skip */

        vp_config *config;  /* NULL when invalid */
        char *config_error; /* first error when invalid */

        /* Ledger entries whose memory is bound to their nodes (numatune mode
         * strict or restrictive, or unsaid: libvirt's default is strict). */
        char **bound; /* domain names */
        size_t n_bound;
        char *ledger_error; /* ledger unreadable: count unknown */
        /* The running ledger domain whose QEMU started last (NULL: none):
         * placed by a hook the daemon ran, so the daemon saw the hook then. */
        char *newest_placed;
        double newest_placed_started; /* epoch seconds */

        char *hooks_dir; /* LIBVIRT_HOOKS/qemu.d */
        bool hooks_dir_exists;
        vp_hook_entry *hooks; /* LIBVIRT_HOOKS/qemu first (when present), then qemu.d sorted */
        size_t n_hooks;
        char *hooks_error;

        vp_daemon *daemons;
        size_t n_daemons;
        char *daemons_error; /* procfs unreadable */
} vp_doctor_facts;

/* Facts with every number unknown (-1) and nothing found. */
void vp_doctor_facts_init(vp_doctor_facts *f);
void vp_doctor_facts_free(vp_doctor_facts *f);

/* Judge the facts. Always fills out (free with vp_checks_free) with the
 * same checks in the same order: config, numa-balancing, ksm-merge-nodes,
 * pool-cpus, isolcpus-shared, isolcpus-reserved, isolcpus-dedicated,
 * isolation-kernel, hook-installed, hook-dispatcher, hook-loaded. Pure. */
void vp_doctor_evaluate(const vp_doctor_facts *f, vp_checks *out);

#endif
