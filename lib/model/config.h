/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration model (SPEC section 3): what vmplace.ini and
 * profiles.d/NAME.ini say, as values, with their defaults, names and frees.
 * Reading the files is lib/io/configfile.h; the key table conftable.h;
 * checks between keys confcheck.h; choosing a profile confmatch.h. Problems
 * are collected as "FILE:LINE: message" (LINE 0 = the whole file) in vp_diag. */
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
/* [placement] isolation: host takes the VM's dedicated CPUs from the host
 * (tasks, IRQs, workqueues) while it runs (docs/isolation.md). */
typedef enum vp_isolation {
        VP_ISOLATION_UNSET = 0,
        VP_ISOLATION_NONE,
        VP_ISOLATION_HOST
} vp_isolation;
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

/* The sections of the files ([host] in vmplace.ini, the others in
 * profiles); their names are in conftable.h. */
typedef enum vp_conf_sect {
        VP_SECT_NONE = 0, /* before the first [section] */
        VP_SECT_HOST,
        VP_SECT_MATCH,
        VP_SECT_PROFILE,
        VP_SECT_CPUTUNE,
        VP_SECT_PLACEMENT,
        VP_SECT_NUMATUNE,
        VP_SECT_GUEST_NUMA,
        VP_SECT__COUNT,
} vp_conf_sect;

/* Names indexed by the enums (index 0, UNSET, is NULL): the words the
 * config accepts. */
extern const char *const vp_on_error_names[VP_ONERR_WARN + 1];
extern const char *const vp_strategy_names[VP_STRAT_PACK + 1];
extern const char *const vp_cpu_policy_names[VP_CPU_DEDICATED + 1];
extern const char *const vp_thread_policy_names[VP_THREAD_REQUIRE + 1];
extern const char *const vp_emu_policy_names[VP_EMU_ISOLATE + 1];
extern const char *const vp_isolation_names[VP_ISOLATION_HOST + 1];

/* Names for messages and JSON ("refuse", "spread", "dedicated", ...). */
const char *vp_on_error_name(vp_on_error v);
const char *vp_strategy_name(vp_strategy v);
const char *vp_cpu_policy_name(vp_cpu_policy v);
const char *vp_thread_policy_name(vp_thread_policy v);
const char *vp_emu_policy_name(vp_emu_policy v);
const char *vp_isolation_name(vp_isolation v);

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
        vp_isolation isolation;
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

/* Problems found while loading, plus warnings (e.g. equal-priority name-match
 * ties) that do not make the config invalid. Each is a vp_error: msg is the
 * line as printed, "FILE:LINE: message" (LINE 0 = the whole file); where is
 * "FILE:LINE", or "FILE" for line 0, as vp_error_at has it; code is -EINVAL
 * for an error (the -errno for a file that could not be read) and 0 for a
 * warning. */
typedef struct vp_diag {
        vp_error *errors;
        size_t n_errors;
        vp_error *warnings;
        size_t n_warnings;
        /* Set by the caller before loading: skip the checks that can only
         * warn. The equal-priority tie check compares every pair of globs
         * (quadratic in profiles); the hook never shows warnings. */
        bool errors_only;
} vp_diag;

void vp_diag_free(vp_diag *d);
/* Append to d's errors (code < 0) or warnings (code 0) the message
 * "FILE:LINE: " + the formatted text. A message is cut at vp_error's 1023
 * bytes, as every other error is. */
void vp_diag_add(vp_diag *d, int code, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Free c and all it owns; NULL is fine. */
void vp_config_free(vp_config *c);

/* Whether fname (a directory entry of profiles.d) is a profile file the
 * loader reads: NAME.ini with a valid NAME, not hidden. *base_len gets
 * NAME's length. Files it rejects are ignored (the loader warns). */
bool vp_config_profile_file(const char *fname, size_t *base_len);

const vp_profile *vp_config_profile(const vp_config *c, const char *name);

/* Whether s is a profile name: [A-Za-z0-9_.-]+, not starting with '.'. */
bool vp_config_name_valid(const char *s);

/* The index of the element named name in base[0..n), elements of size sz
 * sorted by strcmp of the char * at offset off; -1 when absent. */
ssize_t vp_config_find_name(const void *base, size_t n, size_t sz, size_t off, const char *name);

/* p's match priority: 0 when not set. */
int vp_profile_priority(const vp_profile *p);

/* A vp_host_config with its defaults (on_error refuse, strategy spread). */
void vp_host_config_init(vp_host_config *h);
/* Free what h and p own and zero them. */
void vp_host_config_free(vp_host_config *h);
void vp_profile_free(vp_profile *p);

/* Append s (taken) to the string array *arr of *n elements. */
void vp_strv_push(char ***arr, size_t *n, char *s);
/* Free the n strings of v and v. */
void vp_strv_free(char **v, size_t n);

#endif
