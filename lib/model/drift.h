/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drift: an intended cgroup or thread value that did not take, and the
 * rule deciding whether a value read back is the one written. Pure; the
 * reading is cgroup.c's and affinity.c's. */
#ifndef VMPLACE_DRIFT_H
#define VMPLACE_DRIFT_H

#include <stdbool.h>
#include <stddef.h>

/* One intended value that did not take. */
typedef struct vp_drift {
        char *file; /* plan file name ("vcpu0/cpuset.cpus"), or a thread
                     * ("vcpu0 tid 1234 Cpus_allowed_list") */
        char *want;
        char *have; /* as read (trimmed); "(unreadable: REASON)" when it cannot be read */
} vp_drift;

typedef struct vp_drifts {
        vp_drift *d;
        size_t n;
} vp_drifts;

void vp_drifts_add(vp_drifts *d, const char *file, const char *want, const char *have);
void vp_drifts_free(vp_drifts *d);

/* s trimmed, runs of blanks (space, tab, newline) collapsed to one space, in
 * place. Returns s advanced past leading blanks. */
char *vp_drift_collapse(char *s);

/* Whether have, as read back from the cgroup file named file (a plan file
 * name such as "vcpu0/cpuset.cpus"), is the value want that was written:
 * cpuset files compare as sets ("0-2" is "0,1,2"), other files as text
 * with blanks collapsed. */
bool vp_drift_same(const char *file, const char *want, const char *have);

#endif
