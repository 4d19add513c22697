/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hook's operations: prepare/migrate, started, reconnect, release
 * (op.h). They never call back into libvirt: libvirt holds the domain's job
 * while its hooks run. */
#include "op_impl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "configfile.h"

/* I3: the managed VMs running without a ledger entry (their entries went
 * with a lost or replaced run dir) are recorded again from what the kernel
 * shows, as `vmplace apply NAME` does: a dedicated one keeps the CPUs its
 * vCPUs are pinned to when they still fit, a floating one is narrowed off
 * the dedicated CPUs. Each outcome is logged. Frees names. */
static void adopt(const vp_paths *p, const vp_hook_call *c, char **names, size_t n,
                  const vp_op_sink *s)
{
        for (size_t i = 0; i < n; i++) {
                vp_op_result o;
                vp_op_apply(p, names[i], &o);
                if (strcmp(o.result, "applied") == 0)
                        vp_op_log(s, LOG_WARNING,
                                  "%s %s: %s ran without a ledger entry: recorded again, %s",
                                  c->name, c->op, names[i], o.reason ? o.reason : "");
                else
                        vp_op_log(s, LOG_WARNING,
                                  "%s %s: %s runs without a ledger entry and was not recorded "
                                  "again (%s): %s",
                                  c->name, c->op, names[i], o.result, o.message ? o.message : "");
                vp_op_result_free(&o);
                free(names[i]);
        }
        free(names);
}

void vp_op_prepare(const vp_paths *p, const vp_hook_call *c, bool migrate, const vp_op_sink *s,
                   vp_op_result *r)
{
        memset(r, 0, sizeof(*r));
        vp_decision d;
        vp_error err = {0};
        unsigned flags = VP_DECIDE_COMMIT | (migrate ? VP_DECIDE_ABI_FIXED : 0);
        int rc = vp_decide(p, c->xml, c->len, flags, &d, &err);
        /* Refused while managed VMs run without an entry: they may be what
         * stands in the way (a floating one over every CPU, a lost dedicated
         * one's pins). Record them, then decide once more (the first
         * decision committed nothing). Only then: a VM vmplace never placed
         * (running since before its profile existed) is not moved behind
         * the admin's back when nothing needs it; `status` shows it
         * unplaced, and `vmplace apply` places it. */
        if (rc == 0 && d.profile && d.plan.refusal && d.unrecorded.n_adopt) {
                char **lost = TAKE_PTR(d.unrecorded.adopt);
                size_t n_lost = d.unrecorded.n_adopt;
                d.unrecorded.n_adopt = 0;
                vp_decision_free(&d);
                adopt(p, c, lost, n_lost, s);
                err = (vp_error){0};
                rc = vp_decide(p, c->xml, c->len, flags, &d, &err);
        }
        if (rc < 0) {
                /* Without a decision there is no placement guarantee: refuse,
                 * unless the host said warn (known only if the config loaded). */
                bool warn = d.cfg && d.cfg->host.on_error == VP_ONERR_WARN;
                vp_op_say(s, "vmplace: %s: %s", c->name, err.msg);
                vp_op_log(s, warn ? LOG_WARNING : LOG_ERR, "%s %s: %s%s", c->name, c->op, err.msg,
                          warn ? " (on_error=warn: starting unplaced)" : "");
                r->status = warn ? 0 : 1;
        } else if (!d.profile) {
                /* unmanaged: nothing to say, nothing to print */
        } else if (d.plan.refusal) {
                bool warn = d.on_error == VP_ONERR_WARN;
                vp_op_log(s, warn ? LOG_WARNING : LOG_ERR, "%s%s",
                          vp_op_refusal_text(d.plan.refusal),
                          warn ? " (on_error=warn: starting unplaced)" : " (start refused)");
                if (!warn) {
                        vp_op_say(s, "%s", d.plan.refusal);
                        r->status = 1;
                }
        } else {
                vp_op_log(s, LOG_INFO, "%s %s: profile %s (%s): %s", d.plan.domain, c->op,
                          d.plan.profile, d.plan.matched_by, d.plan.reason);
                r->uuid = d.plan.uuid ? vp_xstrdup(d.plan.uuid) : NULL;
                /* The VMs this commit narrowed (a dedicated VM took CPUs
                 * they floated over) move off those CPUs now, before its
                 * QEMU runs there: never two VMs on a dedicated CPU. */
                if (d.refloated && vp_enforce_floating(p, d.plan.uuid) > 0)
                        vp_op_log(s, LOG_WARNING, "%s %s: some floating VMs could not be narrowed",
                                  c->name, c->op);
                if (migrate)
                        r->xml_out = TAKE_PTR(d.xml_out);
        }
        vp_decision_free(&d);
}

void vp_op_prepare_undo(const vp_paths *p, const vp_hook_call *c, int err_no, const vp_op_sink *s,
                        vp_op_result *r)
{
        vp_error rerr = {0};
        bool freed = vp_release(p, c->name, r->uuid, &rerr) >= 0;
        vp_op_say(s, "vmplace: %s: cannot write the rewritten XML for libvirt: %s", c->name,
                  strerror(err_no));
        vp_op_log(s, LOG_ERR, "%s %s: cannot write the rewritten XML: %s (%s)", c->name, c->op,
                  strerror(err_no), freed ? "placement released" : "placement NOT released");
        r->status = 1;
}

void vp_op_release(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s, vp_op_result *r)
{
        memset(r, 0, sizeof(*r));
        _cleanup_free_ char *uuid = vp_op_uuid_of(c->xml, c->len);
        vp_error err = {0};
        int rc = vp_release(p, c->name, uuid, &err);
        if (rc < 0)
                vp_op_log(s, LOG_ERR, "%s release: %s", c->name, err.msg);
        /* floating VMs widen onto the CPUs this one held */
        else if (rc == 1 && vp_enforce_floating(p, uuid) > 0)
                vp_op_log(s, LOG_WARNING, "%s release: some floating VMs could not be widened",
                          c->name);
        /* a stopped VM is gone either way: status stays 0 */
}

/* on_error of the domain's profile (else the host's); warn when the
 * configuration cannot be read: a running VM is not killed for that. */
static vp_on_error on_error_of(const vp_paths *p, const char *profile)
{
        vp_config *cfg = NULL;
        vp_diag diag = {.errors_only = true};
        vp_on_error v = VP_ONERR_WARN;
        if (vp_config_load(p->confdir, geteuid() == 0, &cfg, &diag) == 0) {
                const vp_profile *pr = profile ? vp_config_profile(cfg, profile) : NULL;
                v = pr && pr->on_error != VP_ONERR_UNSET ? pr->on_error : cfg->host.on_error;
        }
        vp_diag_free(&diag);
        vp_config_free(cfg);
        return v;
}

/* started, and the ledger has no entry for the domain (its run dir lost
 * since prepare, a profile added since): plan it now, as prepare would have,
 * so that no VM runs unplaced without a word (I5). Returns 2 when it was
 * placed (enforce it), 0 when it is unmanaged, or left unplaced by
 * on_error=warn or an error that kept it from planning, 1 when its
 * profile's on_error=refuse stops it. Each outcome but the first is
 * said in syslog. */
static int replan_started(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s)
{
        vp_decision d;
        vp_error err = {0};
        int r = vp_decide(p, c->xml, c->len, VP_DECIDE_COMMIT | VP_DECIDE_RUNNING, &d, &err);
        int ret = 0;
        if (r == -ESRCH) {
                vp_decision_free(&d); /* no QEMU of that name runs: nothing to place */
                return 0;
        }
        if (r == 0 && !d.profile) {
                ret = 0; /* unmanaged: nothing to say */
        } else if (r == 0 && !d.plan.refusal) {
                vp_op_log(s, LOG_WARNING, "%s started: no plan was recorded: placed now: %s",
                          c->name, d.plan.reason);
                ret = 2;
        } else {
                const char *why = r < 0 ? err.msg : vp_op_refusal_text(d.plan.refusal);
                /* prepare passed (or never ran) and QEMU runs: only a
                 * refusal of the profile's stops it, never an error that
                 * kept it from planning (an unreadable config) */
                bool warn = r < 0 || d.on_error == VP_ONERR_WARN;
                vp_op_log(s, warn ? LOG_WARNING : LOG_ERR,
                          "%s started: no plan was recorded and placing it now failed: %s%s",
                          c->name, why,
                          warn ? " (on_error=warn: running unplaced)"
                               : " (on_error=refuse: libvirt stops the VM)");
                if (!warn)
                        vp_op_say(s,
                                  "vmplace: %s: no plan was recorded and placing it now failed: %s",
                                  c->name, why);
                ret = warn ? 0 : 1;
        }
        vp_decision_free(&d);
        return ret;
}

/* The lock stayed held (-ETIMEDOUT, nothing read under it): whether the
 * domain is managed at all comes from the ledger as last saved, read
 * without the lock (saves replace the file whole). Returns true when it has
 * no entry there (then it is not stopped over vmplace's lock); else fills
 * e->profile for on_error. */
static bool unmanaged_unlocked(const vp_paths *p, const char *name, const char *uuid,
                               vp_enforce_result *er)
{
        vp_ledger l = {0};
        vp_error lerr;
        vp_ledger_entry *e = NULL;
        bool loaded = vp_ledger_load(p->rundir, &l, &lerr) == 0;
        if (loaded) {
                e = uuid ? vp_ledger_find_uuid(&l, uuid) : NULL;
                if (!e)
                        e = vp_ledger_find_name(&l, name);
        }
        bool unmanaged = loaded && !e;
        if (e && e->profile)
                er->profile = vp_xstrdup(e->profile);
        vp_ledger_free(&l);
        return unmanaged;
}

/* started (never_fail false): enforce this domain, then (if dedicated)
 * narrow floating VMs off its CPUs.
 * reconnect/attach (never_fail): the same for a running VM libvirt found
 * again, first re-deciding its placement if the ledger lost it. */
static void enforce_op(const vp_paths *p, const vp_hook_call *c, bool never_fail,
                       const vp_op_sink *s, vp_op_result *out)
{
        memset(out, 0, sizeof(*out));
        const char *name = c->name, *op = c->op;
        _cleanup_free_ char *uuid = vp_op_uuid_of(c->xml, c->len);
        vp_enforce_result r;
        int rc = vp_enforce_domain(p, name, uuid, 0, &r);
        /* No entry (reconnect), or state files of an interrupted update or
         * an entry of an earlier run (-ESTALE, also at started): plan
         * again, keeping the CPUs the entry holds when they still fit. */
        if ((rc == -ENOENT && never_fail) || rc == -ESTALE) {
                unsigned flags =
                    VP_DECIDE_COMMIT | VP_DECIDE_RUNNING | (rc == -ESTALE ? VP_DECIDE_REPLAN : 0);
                vp_enforce_result_free(&r);
                vp_decision d;
                vp_error err = {0};
                if (vp_decide(p, c->xml, c->len, flags, &d, &err) < 0)
                        vp_op_log(s, LOG_WARNING, "%s %s: cannot re-plan: %s", name, op, err.msg);
                else if (d.profile && d.plan.refusal)
                        vp_op_log(s, LOG_WARNING, "%s %s: running unplaced: %s", name, op,
                                  vp_op_refusal_text(d.plan.refusal));
                vp_decision_free(&d);
                rc = vp_enforce_domain(p, name, uuid, 0, &r);
        } else if (rc == -ENOENT && !r.uuid) {
                vp_enforce_result_free(&r);
                int x = replan_started(p, c, s);
                if (x != 2) {
                        out->status = x;
                        return;
                }
                rc = vp_enforce_domain(p, name, uuid, 0, &r);
        }
        if (rc == -ETIMEDOUT && !r.uuid && unmanaged_unlocked(p, name, uuid, &r)) {
                vp_op_log(s, LOG_WARNING, "%s %s: %s (not in the ledger: left alone)", name, op,
                          r.err.msg);
                vp_enforce_result_free(&r);
                return;
        }
        /* Unmanaged means no ledger entry (r.uuid unset). An entry whose QEMU,
         * cgroup or state file is missing fails with -ENOENT too: that is an
         * enforcement failure to report, not a domain to skip silently. */
        if (rc == -ENOENT && !r.uuid) {
                vp_enforce_result_free(&r);
                return;
        }
        if (rc < 0 || rc == 1) {
                const char *why = rc < 0 ? r.err.msg : "values did not read back as written";
                bool refuse = !never_fail && on_error_of(p, r.profile) == VP_ONERR_REFUSE;
                vp_op_log(s, refuse ? LOG_ERR : LOG_WARNING, "%s %s: enforcement failed: %s%s",
                          name, op, why, refuse ? " (on_error=refuse: libvirt stops the VM)" : "");
                if (refuse) {
                        vp_op_say(s, "vmplace: %s: enforcement failed: %s", name, why);
                        out->status = 1;
                }
        } else {
                vp_op_log(s, LOG_INFO, "%s %s: enforced (%zu cgroup files, pid %ld, cgroup v%d)",
                          name, op, r.writes.n, r.pid, (int)r.version);
        }
        /* only CPUs a dedicated VM holds narrow the floating VMs */
        bool dedicated = r.kind == VP_KIND_DEDICATED;
        vp_enforce_result_free(&r);
        if (dedicated && vp_enforce_floating(p, uuid) > 0)
                vp_op_log(s, LOG_WARNING, "%s %s: some floating VMs could not be narrowed", name,
                          op);
}

void vp_op_started(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s, vp_op_result *r)
{
        enforce_op(p, c, false, s, r);
}

void vp_op_reconnect(const vp_paths *p, const vp_hook_call *c, const vp_op_sink *s, vp_op_result *r)
{
        enforce_op(p, c, true, s, r);
}
