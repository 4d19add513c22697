/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A running domain's cgroups: finding them from the QEMU pid for every layout
 * libvirt makes (v1, v2, hybrid; with or without systemd, with libvirt's
 * nested libvirt/ group), writing a vp_cgwrites list into them in an order
 * the kernel accepts, and reading it back as drift. cgwrites.h is the pure
 * half (which files, which values); this is the I/O half. Thread affinity is
 * in affinity.h. Nothing here creates or removes groups, moves tasks, or
 * signals processes. */
#ifndef VMPLACE_CGROUP_H
#define VMPLACE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "cgwrites.h"
#include "drift.h"
#include "util.h"

/* The controllers vmplace writes. */
typedef enum vp_cg_controller {
        VP_CG_CPU = 0,
        VP_CG_CPUSET,
        VP_CG__NCONTROLLERS,
} vp_cg_controller;

/* "cpu", "cpuset" */
extern const char *const vp_cg_controller_names[VP_CG__NCONTROLLERS];

typedef struct vp_cgroup_ctl {
        bool found;                /* false: controller not available for this domain */
        vp_cgroup_version version; /* hierarchy it is bound to (hybrid hosts mix them) */
        char *domain; /* absolute dir of the machine group: the .libvirt-qemu or .scope */
        char *nested; /* absolute dir holding QEMU and its thread groups: domain/libvirt
                       * when that exists (libvirt >= 7.1 under systemd), else domain */
} vp_cgroup_ctl;

typedef struct vp_cgroup {
        long pid;
        /* The cpu controller's version (else cpuset's): the one to pass to
         * vp_cgwrites_build, since only cpu.* file names differ between versions. */
        vp_cgroup_version version;
        vp_cgroup_ctl c[VP_CG__NCONTROLLERS];
} vp_cgroup;

/* Find the domain's groups from PROC/PID/cgroup as libvirt does on reconnect:
 * the main thread's group with a trailing /emulator and then /libvirt
 * stripped. Per controller: v2 when the cgroup2 mount (cgroup_root itself,
 * else cgroup_root/unified) lists it in cgroup.controllers, else the v1
 * hierarchy whose line names it (dir cgroup_root/LIST as in the line, e.g.
 * "cpu,cpuacct", or cgroup_root/CONTROLLER); name=systemd is ignored.
 * Returns 0; -ESRCH when the pid is gone; -ENOENT when no controller has a
 * group, a group directory is missing, or QEMU sits in a root group (libvirt
 * made none); -EINVAL for an unreadable line. err names the file. */
/* The cgroup version whose file names a host's domains use: v2 when the
 * cgroup2 mount (cgroup_root itself, or cgroup_root/unified on hybrid
 * hosts) has the cpu controller, as libvirt decides, else v1. For a running
 * domain the version vp_cgroup_find() reports is authoritative. */
vp_cgroup_version vp_cgroup_detect(const char *cgroup_root);

int vp_cgroup_find(const char *cgroup_root, const char *proc, long pid, vp_cgroup *cg,
                   vp_error *err);
void vp_cgroup_free(vp_cgroup *cg);

/* The absolute path of a plan file name ("cpu.shares", "vcpu0/cpuset.cpus",
 * "emulator/cpu.max"), at libvirt's level: cpu.shares / cpu.weight on the
 * domain group (systemd's scope), every other file under the nested group.
 * The controller is the file name's prefix before the first dot. Returns 0
 * and a malloc'd *path, or -ENOENT (controller not available) / -EINVAL. */
int vp_cgroup_path(const vp_cgroup *cg, const char *file, char **path, vp_error *err);

/* How apply and verify touch files; tests substitute a model of the kernel's
 * rules. read returns a malloc'd NUL-terminated *out; both return 0/-errno. */
typedef struct vp_cgroup_io {
        int (*read)(void *ctx, const char *path, char **out);
        int (*write)(void *ctx, const char *path, const char *value);
        void *ctx;
} vp_cgroup_io;

/* Write every entry of w. Order: cpuset.cpus/mems that widen go first,
 * parents before children; those that narrow next, children before parents;
 * a parent that must both gain and lose members is first widened to old|new
 * so its children can move; then everything else in list order. Writes the
 * kernel refuses with EINVAL/EBUSY (v1 cpuset subset and CFS parent/child
 * rules) are retried while another write in the pass succeeded; a v1 group
 * whose new period fits neither with its old nor its new quota gets quota -1
 * for the moment in between. Every write is attempted; returns 0, or the
 * first failure's -errno with err saying "cannot write 'VALUE' to PATH:
 * reason" (+ how many others failed). io NULL = the real filesystem. */
int vp_cgroup_apply(const vp_cgroup *cg, const vp_cgwrites *w, const vp_cgroup_io *io,
                    vp_error *err);

/* Read back every file of w and append to out each one whose content differs
 * from the value (cpusets compared as sets, other values with blanks
 * collapsed). Returns 0, or -ENOENT/-EINVAL when a file name cannot be
 * resolved. io NULL = the real filesystem. */
int vp_cgroup_verify(const vp_cgroup *cg, const vp_cgwrites *w, const vp_cgroup_io *io,
                     vp_drifts *out, vp_error *err);

#endif
