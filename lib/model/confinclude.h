/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Include chains between profiles: which entries a profile inherits, the
 * cycle and missing-profile errors, and the profiles built from their
 * effective entries. Pure. */
#ifndef VMPLACE_CONFINCLUDE_H
#define VMPLACE_CONFINCLUDE_H

#include "confload.h"
#include "conftable.h"

/* Resolve the include chain of every profile file of L: res[i] (L->n_files
 * of them, zeroed) gets profile i's effective entries, its own first. Cycles
 * and includes of missing profiles are reported. */
void vp_confinclude_resolve(vp_confload *L, vp_conf_rlist *res);

/* The profiles of L's files (L->n_files of them, sorted by name), each with
 * the values of its effective entries res[i] applied (entries marked skip
 * are not). Returns the malloc'd array. */
vp_profile *vp_confinclude_profiles(const vp_confload *L, const vp_conf_rlist *res);

#endif
