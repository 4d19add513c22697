/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every path vmplace reads or writes, with its environment override
 * (SPEC section 2). */
#ifndef VMPLACE_PATHS_H
#define VMPLACE_PATHS_H

typedef struct vp_paths {
        const char *confdir;         /* VMPLACE_CONFDIR, /etc/vmplace */
        const char *rundir;          /* VMPLACE_RUNDIR, /run/vmplace */
        const char *sysfs;           /* VMPLACE_SYSFS, NULL = libnuma + /sys */
        const char *cgroup_root;     /* VMPLACE_CGROUP_ROOT, /sys/fs/cgroup */
        const char *proc;            /* VMPLACE_PROC, /proc */
        const char *libvirt_rundir;  /* VMPLACE_LIBVIRT_RUNDIR, /run/libvirt/qemu */
        const char *libvirt_confdir; /* VMPLACE_LIBVIRT_CONFDIR, /etc/libvirt/qemu */
} vp_paths;

/* Fill from the environment (empty variables count as unset). */
void vp_paths_from_env(vp_paths *p);

#endif
