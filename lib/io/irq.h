/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's IRQ affinities and the masks new IRQs and the unbound
 * workqueues take (docs/isolation.md): /proc/irq/N/smp_affinity_list,
 * /proc/irq/default_smp_affinity, /sys/devices/virtual/workqueue/cpumask,
 * read and written under roots the caller gives (tests point them at fake
 * trees). isolation.h has the pure rules and the hex mask text. */
#ifndef VMPLACE_IRQ_H
#define VMPLACE_IRQ_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"
#include "paths.h"
#include "util.h"

/* One /proc/irq/N directory. */
typedef struct vp_irq {
        unsigned irq;
        vp_cpuset affinity;  /* smp_affinity_list: where it may run */
        bool has_effective;  /* effective_affinity_list exists (not on every irqchip) */
        vp_cpuset effective; /* where the kernel routes it; may be empty (not started) */
        /* the names of its handlers (the subdirectories the kernel makes for
         * each registered action: "eth0-TxRx-0", "ahci[0000:00:17.0]"),
         * sorted and comma-separated; "" when nothing is registered */
        char *actions;
} vp_irq;

typedef struct vp_irq_list {
        vp_irq *v; /* sorted by irq */
        size_t n;
} vp_irq_list;

/* List every PROC/irq/N (N decimal; the other entries, such as
 * default_smp_affinity, are not IRQs), sorted by number. An IRQ whose
 * directory or smp_affinity_list vanishes while it is read (a device
 * unplugged) is left out. Returns 0 with *out (vp_irq_list_free it);
 * -ENOENT when PROC/irq is absent; -EINVAL or -ERANGE when a list file
 * holds no CPU list; another -errno when a directory or file cannot be
 * read. err names the path; *out is empty on error. */
int vp_irq_list_read(const char *proc, vp_irq_list *out, vp_error *err);
void vp_irq_list_free(vp_irq_list *l);

/* Write set (not empty) to PROC/irq/N/smp_affinity_list. Returns 0;
 * -ENOENT when the IRQ is gone; any other -errno is the kernel refusing
 * the value (EIO for a managed IRQ, a per-CPU one or one its irqchip cannot
 * move; EINVAL for a set with no online CPU; EACCES, EPERM or EROFS for a
 * file this process may not write). err says
 * "IRQ N: cannot set its affinity to 'LIST' (PATH): REASON". */
int vp_irq_set_affinity(const char *proc, unsigned irq, const vp_cpuset *set, vp_error *err);

/* The two host-wide hex masks isolation narrows. */
typedef enum vp_hostmask {
        VP_HOSTMASK_IRQ_DEFAULT, /* PROC/irq/default_smp_affinity: new IRQs' mask */
        VP_HOSTMASK_WORKQUEUE,   /* SYS/devices/virtual/workqueue/cpumask (kernel 4.2+) */
        VP_HOSTMASK__N
} vp_hostmask;
extern const char *const vp_hostmask_names[VP_HOSTMASK__N];

/* The file of which under p's roots: p->proc, and p->sysfs or /sys when
 * that is NULL (as the topology reads it). Returns a malloc'd path. */
char *vp_hostmask_path(const vp_paths *p, vp_hostmask which);

/* Read which. Returns 0 with *out and *nbits (the width the kernel prints
 * it in, for vp_hostmask_write; may be NULL); -ENOENT when the file is
 * absent (a kernel without it: no workqueue cpumask before 4.2), distinct
 * from -EINVAL / -ERANGE for text that is no hex mask and another -errno
 * when it cannot be read. err names the path. */
int vp_hostmask_read(const vp_paths *p, vp_hostmask which, vp_cpuset *out, unsigned *nbits,
                     vp_error *err);

/* Write set to which, nbits wide (vp_hexmask_format). Returns 0; -ENOENT
 * when the file is absent; another -errno when the kernel refuses it
 * (EINVAL: no online CPU in it, or for the workqueue mask no housekeeping
 * CPU) or it cannot be written. err says "cannot write 'MASK' to PATH:
 * REASON". */
int vp_hostmask_write(const vp_paths *p, vp_hostmask which, const vp_cpuset *set, unsigned nbits,
                      vp_error *err);

#endif
