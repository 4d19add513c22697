/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Matching a domain to a profile. */
#include "confmatch.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

ssize_t vp_match_rule_find(const vp_match_rule *r, size_t n, const char *name)
{
        return vp_config_find_name(r, n, sizeof(*r), offsetof(vp_match_rule, name), name);
}

ssize_t vp_match_rules(const vp_match_rule *r, size_t n, const char *default_profile,
                       const char *domain_name, const char *metadata, char **matched_by)
{
        if (matched_by)
                *matched_by = NULL;
        ssize_t best = -1;
        /* rules are sorted, so keeping the first of equals is the lexical rule */
        if (metadata && *metadata) {
                for (size_t i = 0; i < n; i++)
                        if (r[i].metadata && strcmp(r[i].metadata, metadata) == 0 &&
                            (best < 0 || r[i].priority > r[best].priority))
                                best = (ssize_t)i;
                if (best >= 0) {
                        if (matched_by)
                                *matched_by = vp_xstrdup("metadata");
                        return best;
                }
        }
        const char *glob = NULL;
        for (size_t i = 0; domain_name && i < n; i++) {
                if (best >= 0 && r[i].priority <= r[best].priority)
                        continue;
                for (size_t k = 0; k < r[i].n_names; k++)
                        if (fnmatch(r[i].names[k], domain_name, 0) == 0) {
                                best = (ssize_t)i;
                                glob = r[i].names[k];
                                break;
                        }
        }
        if (best >= 0) {
                if (matched_by)
                        *matched_by = vp_xasprintf("name:%s", glob);
                return best;
        }
        if (default_profile) {
                best = vp_match_rule_find(r, n, default_profile);
                if (best >= 0 && matched_by)
                        *matched_by = vp_xstrdup("default");
        }
        return best;
}

void vp_config_rule(const vp_profile *p, vp_match_rule *r)
{
        *r = (vp_match_rule){.name = p->name,
                             .names = p->names,
                             .n_names = p->n_names,
                             .metadata = p->metadata,
                             .priority = vp_profile_priority(p),
                             .include = p->include};
}

const vp_profile *vp_config_match(const vp_config *c, const char *domain_name, const char *metadata,
                                  char **matched_by)
{
        if (matched_by)
                *matched_by = NULL;
        if (!c)
                return NULL;
        vp_match_rule *r = vp_xcalloc(c->n_profiles ? c->n_profiles : 1, sizeof(*r));
        for (size_t i = 0; i < c->n_profiles; i++)
                vp_config_rule(&c->profiles[i], &r[i]);
        ssize_t i = vp_match_rules(r, c->n_profiles, c->host.default_profile, domain_name, metadata,
                                   matched_by);
        free(r);
        return i < 0 ? NULL : &c->profiles[i];
}
