/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The facts vmplace doctor judges (doctor.h), gathered from the host: the
 * doctor's only I/O. */
#ifndef VMPLACE_DOCTOR_FACTS_H
#define VMPLACE_DOCTOR_FACTS_H

#include <stdbool.h>

#include "doctor.h"
#include "paths.h"

/* Read the facts of this host (or of the fake trees the paths name): PROC
 * for sys/kernel/numa_balancing, cmdline, stat and the daemons' PID/comm and
 * PID/stat; SYSFS (else /sys) for kernel/mm/ksm and devices/system/cpu; the
 * topology for the node count; the config under confdir (check_perms as
 * the programs do); the ledger and its plan files under rundir; the hooks
 * next to libvirt_confdir (dirname(libvirt_confdir)/hooks). Problems become
 * the *_error fields; nothing fails. f must be initialised. */
void vp_doctor_gather(const vp_paths *p, bool check_perms, vp_doctor_facts *f);

#endif
