/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Isolation's pure rules (docs/isolation.md): the kernel's hex CPU mask text
 * (/proc/irq/default_smp_affinity, /proc/irq/N/smp_affinity, the workqueue
 * cpumask), what a mask becomes while CPUs are taken from the host, and the
 * record of what was changed, kept to restore it. No I/O. */
#ifndef VMPLACE_ISOLATION_H
#define VMPLACE_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuset.h"
#include "util.h"

/* Parse the kernel's hex mask text ("%*pb" in lib/vsprintf.c, read back by
 * lib/bitmap.c's bitmap_parse): groups of 1 to 8 hex digits (32 bits each)
 * separated by commas, the most significant first ("ff",
 * "00000000,00000003"), blanks and a newline around it allowed. buf need
 * not end in a NUL. Zero groups above VP_MAX_CPUS are accepted (a kernel
 * with a larger NR_CPUS prints them); a set bit there is -ERANGE. *nbits
 * (when not NULL) is the width the text spells, 4 bits a digit of its first
 * group and 32 for each further group, so that vp_hexmask_format writes a
 * mask back as wide as the kernel printed it. An empty text, an empty group,
 * a group of more than 8 digits or a character that is no hex digit is
 * -EINVAL; err quotes the text. Returns 0, -EINVAL or -ERANGE. */
int vp_hexmask_parse(const char *buf, size_t len, vp_cpuset *out, unsigned *nbits, vp_error *err);

/* s as the kernel prints a mask of nbits bits: the first group holds
 * nbits % 32 bits (32 when that is 0) in as many digits as they need, the
 * others 8 digits each, zero-padded ("f" for 4 bits, "00000000,00000003"
 * for 64). nbits 0, or one too narrow for s's highest member, is widened
 * to that member (at least one digit). Returns a malloc'd string without a
 * newline. */
char *vp_hexmask_format(const vp_cpuset *s, unsigned nbits);

/* What a mask orig (an IRQ's, the default IRQ mask, the workqueue mask)
 * becomes while the CPUs isolated are taken from the host: orig without
 * them, or the housekeeping set when nothing of orig is left (an IRQ must
 * keep a CPU to run on, and an empty mask is refused by the kernel).
 * Returns whether *out differs from orig. */
bool vp_isolation_narrow(const vp_cpuset *orig, const vp_cpuset *isolated,
                         const vp_cpuset *housekeeping, vp_cpuset *out);

/* One IRQ whose affinity isolation changed, and its list before. */
typedef struct vp_isolation_irq {
        unsigned irq;
        vp_cpumask orig;
} vp_isolation_irq;

/* A hex mask file isolation changed (the default IRQ mask, the workqueue
 * mask): changed says whether orig holds anything; nbits is the width the
 * kernel printed it in, for writing it back the same. */
typedef struct vp_isolation_mask {
        bool changed;
        unsigned nbits;
        vp_cpuset orig;
} vp_isolation_mask;

/* The originals of everything isolation changed, for restoring them: only
 * what was written is in it (an IRQ already off the isolated CPUs, or one
 * the kernel refused, is not). Plain data; vp_isolation_record_free frees
 * irqs. */
typedef struct vp_isolation_record {
        vp_cpuset isolated;     /* the set applied */
        vp_cpuset housekeeping; /* what was left to the host */
        vp_isolation_irq *irqs; /* sorted by irq */
        size_t n_irqs;
        vp_isolation_mask irq_default; /* /proc/irq/default_smp_affinity */
        vp_isolation_mask workqueue;   /* /sys/devices/virtual/workqueue/cpumask */
} vp_isolation_record;

/* Append irq's original list (the record must stay sorted: add in order). */
void vp_isolation_record_add_irq(vp_isolation_record *r, unsigned irq, const vp_cpuset *orig);
/* Free what r owns and zero it. */
void vp_isolation_record_free(vp_isolation_record *r);

#endif
