/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks on a loaded configuration: each value in its own file, the checks
 * between keys of vmplace.ini and of a profile (with its includes applied),
 * the default profile, and the warnings about equal-priority match ties.
 * Each reports to the load as FILE:LINE (confload.h). Pure. */
#ifndef VMPLACE_CONFCHECK_H
#define VMPLACE_CONFCHECK_H

#include "confload.h"
#include "conftable.h"

/* Apply vmplace.ini's entries (L->host) to h (defaults already set),
 * reporting rejected values (marked skip and bad), then check between its
 * keys (CPU sets that overlap reserved_cpus). */
void vp_confcheck_host(vp_confload *L, vp_host_config *h);

/* Check the values of profile file f, each in its own file: rejected ones
 * are reported and marked skip and bad, so that they are neither applied nor
 * the subject of further checks; cells = with cell.N.* is an error. */
void vp_confcheck_values(vp_confload *L, vp_conf_file *f);

/* Checks between keys of profile p, read from file f with its effective
 * entries r (includes applied). */
void vp_confcheck_profile(vp_confload *L, const vp_conf_file *f, const vp_conf_rlist *r,
                          const vp_profile *p);

/* Warnings about equal-priority ties that the lexical rule decides, over the
 * n profiles ps (sorted by name) with their effective entries res. */
void vp_confcheck_ties(vp_confload *L, const vp_profile *ps, const vp_conf_rlist *res, size_t n);

/* default_profile in vmplace.ini must name a profile of L->files. */
void vp_confcheck_default_profile(vp_confload *L);

#endif
