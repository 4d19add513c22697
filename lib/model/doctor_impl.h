/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What doctor.c and doctorhook.c share: building a check's text and adding
 * it. Internal to the doctor's rules. */
#ifndef VMPLACE_DOCTOR_IMPL_H
#define VMPLACE_DOCTOR_IMPL_H

#include "doctor.h"

/* Append the formatted text to *s (malloc'd, NULL for empty). */
void vp_doctor_cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a check to o, taking detail and fix (freed for ok and skip, which
 * carry no fix). */
void vp_doctor_add(vp_checks *o, const char *name, vp_check_status st, char *detail, char *fix);
/* The last component of path. */
const char *vp_doctor_base_name(const char *path);
/* The hook checks, in order: hook-installed, hook-dispatcher, hook-loaded. */
void vp_doctor_check_hooks(const vp_doctor_facts *f, vp_checks *o);

#endif
