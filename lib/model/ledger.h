/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger model (SPEC section 4): which managed domain holds which CPUs
 * and how much memory on which node, and the CPUs of domains released
 * lately. Plain data and the rules that keep it consistent; no file is read
 * or written here. The JSON text is ledgerjson.h's, the files under
 * VMPLACE_RUNDIR (ledger.json under an flock on ledger.lock, the per-domain
 * state files) ledgerstore.h's, QEMU liveness and reclaim liveness.h's. */
#ifndef VMPLACE_LEDGER_H
#define VMPLACE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "util.h"

/* An entry whose QEMU is gone and that is older than this is reclaimed
 * (unless its start is still in progress: vp_ledger_entry_starting). */
#define VP_LEDGER_STALE_SECONDS 60
/* How many released domains' last CPUs are remembered for restarts. */
#define VP_LEDGER_PREVIOUS_MAX 1024

typedef enum vp_entry_kind {
        VP_KIND_NONE = 0, /* placement without CPU policy: holds nothing */
        VP_KIND_SHARED,   /* floats over the shared pool */
        VP_KIND_DEDICATED,
} vp_entry_kind;
/* k's name as the ledger file spells it, "invalid" for a value out of the
 * enum. */
const char *vp_entry_kind_name(vp_entry_kind k);

typedef struct vp_ledger_mem {
        unsigned node;
        uint64_t kib;
} vp_ledger_mem;

typedef struct vp_ledger_entry {
        char *name;
        char *uuid;
        char *profile;    /* may be NULL */
        char *matched_by; /* may be NULL */
        char *state;      /* "prepared", "enforced" */
        vp_entry_kind kind;
        /* isolation = host (a dedicated VM): while it runs, the CPUs it holds
         * are taken from the host's tasks, IRQs and workqueues
         * (docs/isolation.md) */
        bool isolated;
        /* compact (vp_cpumask): a ledger holds one entry per VM */
        vp_cpumask held;          /* CPUs no other VM may use (dedicated) */
        vp_cpumask vcpu_cpus;     /* union of where its vCPUs may run */
        vp_cpumask emulator_cpus; /* where emulator threads may run */
        vp_cpumask nodes;         /* host nodes its memory is bound to */
        vp_ledger_mem *mem;       /* committed memory per node, sorted by node */
        size_t n_mem;
        int64_t created; /* epoch seconds of the prepare that made it */
        long pid;        /* QEMU pid once known, else 0 */
        /* The libvirt daemon whose prepare made the entry (its pid and its
         * starttime in /proc/PID/stat), 0 when the committing process did
         * not run under one (the CLI, a test): while that daemon runs, an
         * entry whose QEMU never ran is a start still in progress, not
         * stale, however long it takes (liveness.h). */
        long starter_pid;
        uint64_t starter_start;
        /* Token of the commit that wrote the entry, also written into its
         * plan.json (vp_state_check); NULL in ledgers from before tokens. */
        char *commit;
} vp_ledger_entry;

typedef struct vp_ledger_prev {
        char *uuid;
        vp_cpumask held;
        vp_cpumask emulator_cpus;
        int64_t released;
} vp_ledger_prev;

typedef struct vp_ledger {
        vp_ledger_entry *entries; /* sorted by name then uuid */
        size_t n;
        vp_ledger_prev *prev; /* most recently released last */
        size_t n_prev;
        /* Set by vp_ledger_lock_load and vp_state_sweep: the state files
         * under rundir/domains are only those of the uuids in kept (sorted,
         * lower case), so the next vp_state_sweep under the same lock looks
         * at the kept uuids l no longer has instead of scanning again. */
        bool swept;
        char (*kept)[37];
        size_t n_kept;
} vp_ledger;

/* The kind named s ("none", "shared", "dedicated") in *out. Returns 0, or
 * -EINVAL for any other text. */
int vp_entry_kind_from_name(const char *s, vp_entry_kind *out);

/* Frees what l owns (not l itself; NULL allowed) and empties it. */
void vp_ledger_free(vp_ledger *l);
/* Whether l is what vp_ledger_load returns for the file vp_ledger_save
 * writes of it: entries sorted by name then uuid, no name or uuid twice,
 * uuids in lower case, each entry's memory sorted by node with no node
 * twice, at most VP_LEDGER_PREVIOUS_MAX previous records with lower-case
 * uuids. Only such a ledger gets a cache (ledgercache.h). */
bool vp_ledger_normal(const vp_ledger *l);
/* Frees what e owns (not e itself) and zeroes it. */
void vp_ledger_entry_free(vp_ledger_entry *e);

/* UUIDs compare case-insensitively everywhere; put, load and the state file
 * names use the lower-case form. The entry with this uuid (or name, compared
 * exactly), or NULL when none has it or the key is NULL. */
vp_ledger_entry *vp_ledger_find_uuid(vp_ledger *l, const char *uuid);
vp_ledger_entry *vp_ledger_find_name(vp_ledger *l, const char *name);
/* Insert e (taking ownership of its strings and arrays, and zeroing *e),
 * replacing any entry with the same uuid and dropping any entry with the
 * same name but another uuid (an undefined and redefined domain; it is not
 * recorded in prev and its state files stay for the caller to remove).
 * e->mem is sorted by node, duplicate nodes summed. */
void vp_ledger_put(vp_ledger *l, vp_ledger_entry *e);
/* Remove the entry with this uuid, remembering its held/emulator CPUs in
 * prev (newest last, capped at VP_LEDGER_PREVIOUS_MAX, an older record of
 * the same uuid replaced). Returns true when an entry was removed. */
bool vp_ledger_remove(vp_ledger *l, const char *uuid, int64_t now);
/* Record (uuid, held, emulator) as uuid's newest previous record, as a
 * removal does: what a VM running without an entry holds in the kernel (I3),
 * so that its re-plan keeps it there when that fits. */
void vp_ledger_remember(vp_ledger *l, const char *uuid, const vp_cpuset *held,
                        const vp_cpuset *emulator, int64_t now);
/* The newest record of uuid in prev, or NULL. */
const vp_ledger_prev *vp_ledger_previous(const vp_ledger *l, const char *uuid);

/* Memory committed on node by all entries except the one with skip_uuid
 * (may be NULL). */
uint64_t vp_ledger_committed_kib(const vp_ledger *l, unsigned node, const char *skip_uuid);
/* Union of held CPUs of all entries except skip_uuid. */
void vp_ledger_held(const vp_ledger *l, const char *skip_uuid, vp_cpuset *out);
/* The isolated set: union of the held CPUs of the isolated entries
 * (docs/isolation.md). */
void vp_ledger_isolated(const vp_ledger *l, vp_cpuset *out);

/* What reclaim's look says of an entry's QEMU (vp_ledger_drop_stale). */
enum {
        VP_QEMU_EARLIER = -1, /* the QEMU it recorded is gone, another runs under its
                               * name: the entry is of an earlier run */
        VP_QEMU_GONE = 0,
        VP_QEMU_RUNS = 1, /* or its start is still in progress */
};
/* Drop the entries whose QEMU is gone and whose created is older than
 * VP_LEDGER_STALE_SECONDS before now (now - created > 60), and those of an
 * earlier run whatever their age, recording them in prev (released now), as
 * vp_ledger_remove does. alive(e, ctx) says which (VP_QEMU_*); it is asked
 * for entries old enough or with a recorded pid, in ledger order, before
 * any of them is dropped from under it: the rule of vp_ledger_reclaim
 * (liveness.h), whose callback does the looking. Returns how many were
 * dropped; when names is non-NULL it receives a malloc'd array of malloc'd
 * names (NULL when none). */
size_t vp_ledger_drop_stale(vp_ledger *l, int64_t now,
                            int (*alive)(const vp_ledger_entry *e, void *ctx), void *ctx,
                            char ***names);

/* Sort l's entries by name then uuid (the order put keeps and a saved file
 * has), when they are not in it already. */
void vp_ledger_sort(vp_ledger *l);
/* Sort an entry's memory by node, summing a node that repeats (what put
 * does to e->mem). */
void vp_ledger_mem_normalise(vp_ledger_entry *e);
/* Whether two of entries[0..n) have the same uuid (compared as stored) or,
 * with names, the same name; the uuids (and names) must not be NULL.
 * O(n log n). */
bool vp_ledger_repeats(const vp_ledger_entry *entries, size_t n, bool names);

/* Whether e is a dedicated VM whose emulator has CPUs of its own
 * (emulator_policy = isolate): held by it, and none of its vCPUs'. Such an
 * emulator never floats. A shared emulator that fell back to the VM's vCPU
 * CPUs (no shared CPU was left) is not isolated: it floats again, narrowed
 * and widened with the pool, and enforce writes it from the ledger. */
bool vp_ledger_entry_emu_isolated(const vp_ledger_entry *e);

/* true for a canonical 36-character hex UUID (8-4-4-4-12, either case) */
bool vp_uuid_valid(const char *uuid);
/* uuid in lower case, in place (NULL allowed): the form the ledger stores
 * and names state files with. */
void vp_uuid_lower(char *uuid);

#endif
