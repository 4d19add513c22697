/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Choosing a domain's profile (SPEC 3.2): by metadata, by name glob and
 * priority, or the host's default. Works on the config model, or on just
 * the match rules (lib/io/confindex.c keeps only those). Pure. */
#ifndef VMPLACE_CONFMATCH_H
#define VMPLACE_CONFMATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* What matching reads of a profile (lib/io/confindex.c keeps just this). */
typedef struct vp_match_rule {
        const char *name; /* the profile's */
        char *const *names;
        size_t n_names;
        const char *metadata; /* may be NULL */
        int priority;         /* 0 when not set */
        const char *include;  /* not used by matching: the include chain */
} vp_match_rule;
void vp_config_rule(const vp_profile *p, vp_match_rule *r);
/* Index of the rule of profile name in rules[0..n) (sorted), or -1. */
ssize_t vp_match_rule_find(const vp_match_rule *rules, size_t n, const char *name);
/* vp_config_match over rules[0..n) (sorted by name, unique) and the host's
 * default_profile (may be NULL). Returns the chosen rule's index, or -1 when
 * unmanaged (also when default_profile names no rule); *matched_by as
 * vp_config_match. */
ssize_t vp_match_rules(const vp_match_rule *rules, size_t n, const char *default_profile,
                       const char *domain_name, const char *metadata, char **matched_by);

/* Choose the profile for a domain (SPEC 3.2 order): metadata match, then the
 * highest-priority name glob (ties: lexically first profile name), then
 * host.default_profile. metadata may be NULL. Returns NULL when unmanaged.
 * *matched_by (if non-NULL) receives a malloc'd "metadata", "name:GLOB" or
 * "default", or NULL. */
const vp_profile *vp_config_match(const vp_config *c, const char *domain_name, const char *metadata,
                                  char **matched_by);

#endif
