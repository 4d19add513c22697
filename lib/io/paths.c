/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "paths.h"

#include <stdlib.h>

static const char *env_or(const char *name, const char *def)
{
        const char *v = getenv(name);
        return v && *v ? v : def;
}

void vp_paths_from_env(vp_paths *p)
{
        p->confdir = env_or("VMPLACE_CONFDIR", "/etc/vmplace");
        p->rundir = env_or("VMPLACE_RUNDIR", "/run/vmplace");
        p->sysfs = env_or("VMPLACE_SYSFS", NULL);
        p->cgroup_root = env_or("VMPLACE_CGROUP_ROOT", "/sys/fs/cgroup");
        p->proc = env_or("VMPLACE_PROC", "/proc");
        p->libvirt_rundir = env_or("VMPLACE_LIBVIRT_RUNDIR", "/run/libvirt/qemu");
        p->libvirt_confdir = env_or("VMPLACE_LIBVIRT_CONFDIR", "/etc/libvirt/qemu");
}
