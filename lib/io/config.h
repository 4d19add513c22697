/* vmplace.ini and profiles.d/NAME.ini (SPEC section 3), read with inih.
 * Loading validates everything (ranges, syntax, includes, permissions) and
 * collects every problem as "FILE:LINE: message" (LINE 0 = the whole file). */
#ifndef VMPLACE_CONFIG_H
#define VMPLACE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpuset.h"
#include "tune.h"

typedef enum vp_on_error { VP_ONERR_UNSET = 0, VP_ONERR_REFUSE, VP_ONERR_WARN } vp_on_error;
typedef enum vp_strategy { VP_STRAT_UNSET = 0, VP_STRAT_SPREAD, VP_STRAT_PACK } vp_strategy;
typedef enum vp_cpu_policy {
        VP_CPU_UNSET = 0,
        VP_CPU_NONE,
        VP_CPU_SHARED,
        VP_CPU_DEDICATED,
} vp_cpu_policy;
typedef enum vp_thread_policy {
        VP_THREAD_UNSET = 0,
        VP_THREAD_PREFER,
        VP_THREAD_ISOLATE,
        VP_THREAD_REQUIRE,
} vp_thread_policy;
typedef enum vp_emu_policy { VP_EMU_UNSET = 0, VP_EMU_SHARE, VP_EMU_ISOLATE } vp_emu_policy;
typedef enum vp_cells_kind {
        VP_CELLS_UNSET = 0,
        VP_CELLS_NONE,     /* cells = none: remove guest NUMA */
        VP_CELLS_AUTO,     /* one guest cell per host node used */
        VP_CELLS_COUNT,    /* cells = N: split vCPUs and memory evenly */
        VP_CELLS_EXPLICIT, /* cell.N.cpus / cell.N.memory */
} vp_cells_kind;
typedef enum vp_nodeset_kind {
        VP_NODESET_UNSET = 0,
        VP_NODESET_AUTO,
        VP_NODESET_LIST,
} vp_nodeset_kind;

/* Names for messages and JSON ("refuse", "spread", "dedicated", ...). */
const char *vp_on_error_name(vp_on_error v);
const char *vp_strategy_name(vp_strategy v);
const char *vp_cpu_policy_name(vp_cpu_policy v);
const char *vp_thread_policy_name(vp_thread_policy v);
const char *vp_emu_policy_name(vp_emu_policy v);

typedef struct vp_host_config {
        char *path; /* the file read, or NULL when absent (all defaults) */
        bool reserved_set;
        vp_cpuset reserved_cpus;
        bool dedicated_set;
        vp_cpuset dedicated_cpus;
        bool shared_set;
        vp_cpuset shared_cpus;
        uint64_t reserved_memory_kib;
        char *default_profile; /* NULL: none */
        vp_on_error on_error;  /* never UNSET after load: default refuse */
        vp_strategy strategy;  /* never UNSET after load: default spread */
} vp_host_config;

typedef struct vp_profile {
        char *name; /* file name without .ini */
        char *path;

        /* [match] */
        char **names; /* fnmatch globs */
        size_t n_names;
        char *metadata;
        bool priority_set;
        int priority;

        /* [profile] */
        char *include;
        char *description;
        vp_on_error on_error;

        /* [cputune] and [numatune] memory/memnodes and explicit [guest_numa]
         * cells, in the same model as a domain's XML. nodeset here is only
         * meaningful when nodeset_kind == VP_NODESET_LIST. */
        vp_tune tune;
        vp_nodeset_kind nodeset_kind;

        /* [placement] */
        vp_cpu_policy cpu_policy;
        vp_thread_policy thread_policy;
        vp_emu_policy emulator_policy;
        unsigned numa_nodes; /* 0: not said (means 1) */
        vp_strategy strategy;

        /* [guest_numa] */
        vp_cells_kind cells_kind;
        unsigned cells_count; /* for VP_CELLS_COUNT */
} vp_profile;

typedef struct vp_config {
        char *confdir;
        vp_host_config host;
        vp_profile *profiles; /* sorted by name; includes already resolved */
        size_t n_profiles;
        /* Loaded by vp_config_load_some: profiles holds only the profiles
         * asked for, not the whole of profiles.d. */
        bool partial;
} vp_config;

/* Problems found while loading: each "FILE:LINE: message", plus warnings
 * (e.g. equal-priority name-match ties) that do not make the config invalid. */
typedef struct vp_diag {
        char **errors;
        size_t n_errors;
        char **warnings;
        size_t n_warnings;
        /* Set by the caller before loading: skip the checks that can only
         * warn. The equal-priority tie check compares every pair of globs
         * (quadratic in profiles); the hook never shows warnings. */
        bool errors_only;
} vp_diag;

void vp_diag_free(vp_diag *d);
void vp_diag_add_error(vp_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vp_diag_add_warning(vp_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Load confdir/vmplace.ini (missing file = all defaults) and every
 * confdir/profiles.d/NAME.ini (missing dir = no profiles), resolve include
 * chains, validate. When check_perms, a file or profiles.d writable by group
 * or others, or not owned by root, is an error (the programs pass true; unit
 * tests on trees they own as non-root may pass false).
 * Returns 0 when the config is valid (*out set), -EINVAL when diag->n_errors > 0
 * (*out NULL), or another -errno for I/O failure (also recorded in diag). */
int vp_config_load(const char *confdir, bool check_perms, vp_config **out, vp_diag *diag);
void vp_config_free(vp_config *c);

/* Like vp_config_load, but reads vmplace.ini and only the named profiles
 * (sorted by strcmp, unique; every profile their include chains name must be
 * among them) and skips what needs the others: profiles.d is not listed and
 * default_profile is not looked up. The result (c->partial set) is what a full
 * load gives for those profiles; it is for a configuration a full load found
 * valid and whose files have not changed since (lib/confindex.c). Returns as
 * vp_config_load; -EINVAL too for a name list that is not sorted and valid. */
int vp_config_load_some(const char *confdir, bool check_perms, const char *const *names, size_t n,
                        vp_config **out, vp_diag *diag);

/* Whether fname (a directory entry of profiles.d) is a profile file the
 * loader reads: NAME.ini with a valid NAME, not hidden. *base_len gets
 * NAME's length. Files it rejects are ignored (the loader warns). */
bool vp_config_profile_file(const char *fname, size_t *base_len);

const vp_profile *vp_config_profile(const vp_config *c, const char *name);

/* What matching reads of a profile (lib/confindex.c keeps just this). */
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
