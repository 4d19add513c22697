/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace apply's operation: re-plan a running domain after a profile edit
 * and enforce the result live (op.h). The plan is made from the XML the
 * domain started with (recorded at prepare), else the one libvirt runs it
 * with, so "what would a start decide now" and "what is running" are
 * compared on the same document; parts that act only at QEMU launch are
 * reported, never silently dropped. */
#include "op_impl.h"

#include <errno.h>

#include "fileio.h"

/* The value w writes to file, or NULL. */
static const char *write_value(const vp_cgwrites *w, const char *file)
{
        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->w[i].file, file) == 0)
                        return w->w[i].value;
        return NULL;
}

static void add_change(vp_op_result *o, const char *file, const char *before, const char *after)
{
        o->changes = vp_xrealloc(o->changes, (o->n_changes + 1) * sizeof(*o->changes));
        o->changes[o->n_changes++] = (vp_op_change){
            vp_xstrdup(file), vp_xstrdup(before ? before : "-"), vp_xstrdup(after ? after : "-")};
}

/* Files whose value changed, appeared or left between the placement as it
 * ran before (the check of the old plan) and as it runs now (the writes
 * enforce made). A file that left keeps its value in the kernel until the
 * VM restarts, as with libvirt when an element is removed from a running
 * domain's XML. */
static void diff_writes(vp_op_result *o, const vp_cgwrites *before, const vp_cgwrites *after)
{
        for (size_t i = 0; i < after->n; i++) {
                const char *b = write_value(before, after->w[i].file);
                if (!b || strcmp(after->w[i].value, b) != 0)
                        add_change(o, after->w[i].file, b, after->w[i].value);
        }
        for (size_t i = 0; i < before->n; i++)
                if (!write_value(after, before->w[i].file))
                        add_change(o, before->w[i].file, before->w[i].value, "(left as is)");
}

static vp_ledger_entry *find_entry(vp_ledger *l, const char *name, const char *uuid)
{
        vp_ledger_entry *e = uuid ? vp_ledger_find_uuid(l, uuid) : NULL;
        return e ? e : vp_ledger_find_name(l, name);
}

/* The XML to re-plan NAME from: the one it started with (recorded at
 * prepare), else the one libvirt runs it with (its status file; a domain
 * started before vmplace knew it). Either way NAME must be running. */
static int baseline_xml(const vp_paths *p, const char *name, const char *uuid, char **xml,
                        size_t *len, vp_error *err)
{
        long pid;
        int r = vp_libvirt_pid(p->libvirt_rundir, name, &pid, err);
        if (r == -ENOENT)
                return vp_error_set(err, r, "not running");
        if (r < 0)
                return r;
        if (uuid && vp_state_read(p->rundir, uuid, "input.xml", xml, err) == 0) {
                *len = strlen(*xml);
                return 0;
        }
        _cleanup_free_ char *path = vp_xasprintf("%s/%s.xml", p->libvirt_rundir, name);
        return vp_read_file(path, VP_DOMAIN_XML_MAX, xml, len, err);
}

void vp_op_apply(const vp_paths *p, const char *name, vp_op_result *o)
{
        memset(o, 0, sizeof(*o));
        o->before = vp_xcalloc(1, sizeof(*o->before));
        o->after = vp_xcalloc(1, sizeof(*o->after));
        vp_error err = {0};
        /* Where the domain is now, and whether it drifted, before re-planning. */
        vp_ledger l = {0};
        vp_cgwrites before = {0};
        vp_entry_kind kind_before = VP_KIND_NONE;
        if (vp_ledger_load(p->rundir, &l, &err) == 0) {
                vp_ledger_entry *e = find_entry(&l, name, NULL);
                if (e) {
                        o->before->cpus = vp_cpumask_get(&e->vcpu_cpus);
                        o->before->emulator = vp_cpumask_get(&e->emulator_cpus);
                        o->before->nodes = vp_cpumask_get(&e->nodes);
                        kind_before = e->kind;
                        o->uuid = vp_xstrdup(e->uuid);
                        vp_enforce_result chk = {0};
                        if (vp_enforce_entry(p, e, VP_ENFORCE_CHECK, &chk) == 0) {
                                o->repaired = chk.drift;
                                chk.drift = (vp_drifts){0};
                        }
                        before = chk.writes;
                        chk.writes = (vp_cgwrites){0};
                        vp_enforce_result_free(&chk);
                }
        }
        vp_ledger_free(&l);
        _cleanup_free_ char *xml = NULL;
        size_t len = 0;
        int br = baseline_xml(p, name, o->uuid, &xml, &len, &err);
        if (br < 0) {
                o->result = br == -ENOENT ? "not-running" : "error";
                o->message = vp_xstrdup(err.msg);
                vp_drifts_free(&o->repaired);
                vp_cgwrites_free(&before);
                return;
        }

        vp_decision d;
        int r = vp_decide(p, xml, len, VP_DECIDE_COMMIT | VP_DECIDE_REPLAN | VP_DECIDE_RUNNING, &d,
                          &err);
        if (r < 0) {
                o->result = r == -ESRCH ? "not-running" : "error";
                o->message = vp_xstrdup(err.msg);
        } else if (!d.profile) {
                if (o->uuid) {
                        /* It was placed under a profile that no longer matches. */
                        int rr = vp_release(p, name, o->uuid, &err);
                        if (rr < 0) {
                                o->result = "error";
                                o->message = vp_xstrdup(err.msg);
                        } else {
                                o->result = "released";
                                o->message = vp_xstrdup("no profile matches any more: released "
                                                        "from the ledger; its cgroup values stay "
                                                        "until it restarts");
                                if (rr == 1)
                                        vp_enforce_floating(p, o->uuid);
                        }
                } else {
                        o->result = "unmanaged";
                }
                vp_drifts_free(&o->repaired);
        } else if (d.plan.refusal) {
                o->result = "refused";
                o->profile = vp_xstrdup(d.plan.profile);
                o->message = vp_xasprintf("%s; nothing was changed", d.plan.refusal);
                vp_drifts_free(&o->repaired);
        } else {
                o->profile = vp_xstrdup(d.plan.profile);
                o->matched_by = vp_xstrdup(d.plan.matched_by);
                o->reason = vp_xstrdup(d.plan.reason);
                free(o->uuid);
                o->uuid = vp_xstrdup(d.plan.uuid);
                o->launch_only = d.plan.launch_only;
                vp_enforce_result er;
                int e = vp_enforce_domain(p, name, d.plan.uuid, 0, &er);
                /* nothing to compare with when enforcement stopped before
                 * it knew its writes (no QEMU, no cgroup) */
                if (er.writes.n)
                        diff_writes(o, &before, &er.writes);
                /* the ledger's view after commit: floating sets may have moved */
                vp_ledger l2 = {0};
                if (vp_ledger_load(p->rundir, &l2, &err) == 0) {
                        vp_ledger_entry *ne = find_entry(&l2, name, d.plan.uuid);
                        if (ne) {
                                o->after->cpus = vp_cpumask_get(&ne->vcpu_cpus);
                                o->after->emulator = vp_cpumask_get(&ne->emulator_cpus);
                                o->after->nodes = vp_cpumask_get(&ne->nodes);
                        }
                }
                vp_ledger_free(&l2);
                if (e < 0) {
                        o->result = "error";
                        o->message =
                            vp_xasprintf("planned, but enforcement failed: %s", er.err.msg);
                } else {
                        o->result = "applied";
                        o->left = er.drift;
                        er.drift = (vp_drifts){0};
                }
                vp_enforce_result_free(&er);
                /* a dedicated VM that moved narrows or widens the floating ones */
                if ((kind_before == VP_KIND_DEDICATED || d.plan.kind == VP_KIND_DEDICATED) &&
                    !vp_cpuset_equal(&o->before->cpus, &o->after->cpus))
                        vp_enforce_floating(p, d.plan.uuid);
        }
        vp_cgwrites_free(&before);
        vp_decision_free(&d);
}

bool vp_op_apply_failed(const vp_op_result *o)
{
        return strcmp(o->result, "refused") == 0 || strcmp(o->result, "error") == 0 ||
               strcmp(o->result, "not-running") == 0 || o->left.n > 0;
}
