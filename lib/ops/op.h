/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The use cases, one function each: what a hook call (prepare, migrate,
 * started, reconnect, release), `vmplace apply` and `vmplace sync` do. Each
 * composes the planner flow (decide.h), enforcement (enforce.h) and the
 * ledger, and reports through one result type; the programs only parse
 * their arguments, call one operation and print its result. Changing what
 * a start does (the floating-VM rule, say) means changing this layer only.
 *
 * Messages: operations say what happened through a sink as it happens
 * (libvirt's hook caller sees stderr, syslog keeps the record), so a hook
 * that is killed half-way has already logged what it did. */
#ifndef VMPLACE_OP_H
#define VMPLACE_OP_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "cpuset.h"
#include "paths.h"

/* Where an operation's messages go. log: one record for the system log at a
 * syslog priority (LOG_ERR, LOG_WARNING, LOG_INFO); say: one line for whoever
 * asked for the operation (the hook's stderr, which libvirt shows in its
 * error). Either may be NULL (dropped). Lines may quote hostile input
 * (domain names, XML): the sink makes them safe for its medium. */
typedef struct vp_op_sink {
        void (*log)(void *ctx, int prio, const char *line);
        void (*say)(void *ctx, const char *line);
        void *ctx;
} vp_op_sink;

/* One cgroup file's value before and after an apply. */
typedef struct vp_op_change {
        char *file, *before, *after;
} vp_op_change;

/* Where a domain runs: its ledger entry's sets. */
typedef struct vp_op_where {
        vp_cpuset cpus, emulator, nodes;
} vp_op_where;

/* What an operation did. status is what the hook exits with (0: libvirt goes
 * on, 1: libvirt refuses the start or stops the domain); result, message and
 * the rest are what `vmplace apply` and `vmplace sync` print. Fields an
 * operation does not fill stay zero. Free with vp_op_result_free. */
typedef struct vp_op_result {
        int status;
        /* applied, released, refused, unmanaged, not-running, error (apply);
         * defined, unchanged, would-define, unmanaged, refused, error (sync,
         * which sets the first three after it talked to libvirt) */
        const char *result;
        char *profile, *matched_by, *reason, *message;
        char *uuid;
        char *xml_out;  /* migrate/restore, sync: the rewritten domain XML */
        char *xml_diff; /* sync: what the rewrite changes */
        bool differs;   /* sync: the rewrite changes the placement items */
        unsigned launch_only;
        /* apply: where the domain's vCPUs, emulator and memory were and are
         * (NULL for the other operations: they are kilobytes each) */
        struct vp_op_where *before, *after;
        vp_op_change *changes;
        size_t n_changes;
        vp_drifts repaired; /* apply: drift found before applying */
        vp_drifts left;     /* apply: drift still there after */
} vp_op_result;

void vp_op_result_free(vp_op_result *r);

/* One call of libvirt's qemu hook: `vmplace-hook NAME OP SUBOP` with the
 * domain XML on stdin (xml NULL and len 0 when it could not be read; only
 * prepare and migrate need it). */
typedef struct vp_hook_call {
        const char *name, *op;
        const char *xml;
        size_t len;
} vp_hook_call;

/* prepare begin (migrate = false) and migrate/restore begin (migrate =
 * true: guest NUMA cells are kept and r->xml_out is the XML for libvirt to
 * use): plan, commit to the ledger, narrow the floating VMs the commit
 * narrowed. r->status 1 when libvirt must refuse the start (a refusal or an
 * error, unless on_error = warn). When the program cannot hand r->xml_out
 * to libvirt it calls vp_op_prepare_undo. */
void vp_op_prepare(const vp_paths *p, const vp_hook_call *c, bool migrate, const vp_op_sink *s,
                   vp_op_result *r);
/* The XML of a migrate/restore could not be written for libvirt (errno
 * err_no): libvirt fails the operation, so the committed placement goes too.
 * r->status becomes 1. */
void vp_op_prepare_undo(const vp_paths *p, const vp_hook_call *c, int err_no, const vp_op_sink *s,
                        vp_op_result *r);
/* started begin: enforce the domain's plan on its QEMU (placing it first
 * when no plan was recorded), then move the floating VMs off a dedicated
 * VM's CPUs. r->status 1 when enforcement failed and on_error = refuse. */
void vp_op_started(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s, vp_op_result *r);
/* reconnect/attach begin: the same for a VM libvirt found running again,
 * re-planning first when the ledger lost it; never fails (status 0). */
void vp_op_reconnect(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s,
                     vp_op_result *r);
/* stopped/release end: free the domain's CPUs and memory and widen the
 * floating VMs; never fails (status 0). */
void vp_op_release(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s, vp_op_result *r);

/* vmplace apply NAME: re-plan the running domain with the profiles as they
 * are now, commit, enforce live and read back (r->result and the before,
 * after, changes and drift fields). */
void vp_op_apply(const vp_paths *p, const char *name, vp_op_result *r);
/* Whether an apply result is a failure (exit 1): refused, error,
 * not-running, or drift left. */
bool vp_op_apply_failed(const vp_op_result *r);

/* vmplace sync, the part without libvirt: plan the persistent definition
 * xml (keeping a running domain's CPUs when they still fit) and say whether
 * the placement items change. r->result "unmanaged", "refused" or "error"
 * (with r->message), or NULL with r->xml_out, r->xml_diff, r->differs,
 * r->profile and r->launch_only set for the caller to define. */
void vp_op_sync_plan(const vp_paths *p, const char *xml, vp_op_result *r);

#endif
