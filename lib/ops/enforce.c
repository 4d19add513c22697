/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "enforce.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "affinity.h"
#include "domain.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "plan.h"
#include "running.h"

void vp_enforce_result_free(vp_enforce_result *r)
{
        free(r->name);
        free(r->uuid);
        free(r->profile);
        vp_drifts_free(&r->drift);
        vp_libview_free(&r->libvirt);
        vp_cgwrites_free(&r->writes);
        memset(r, 0, sizeof(*r));
}

static int fail(vp_enforce_result *r, int code, const vp_error *err)
{
        r->err = *err;
        r->err.code = code;
        r->state = NULL;
        return code;
}

int vp_enforce_entry(const vp_paths *paths, const vp_ledger_entry *e, unsigned flags,
                     vp_enforce_result *r)
{
        memset(r, 0, sizeof(*r));
        r->name = vp_xstrdup(e->name);
        r->uuid = vp_xstrdup(e->uuid);
        r->profile = e->profile ? vp_xstrdup(e->profile) : NULL;
        r->kind = e->kind;
        vp_error err = {0};
        int rc = vp_libvirt_pid(paths->libvirt_rundir, e->name, &r->pid, &err);
        /* An entry that recorded another QEMU than the one running is of an
         * earlier run (a run dir replaced by an older copy): its sets may
         * name CPUs reserved or given to other VMs since. */
        if (rc == 0 && e->pid > 0 && e->pid != r->pid)
                rc = vp_error_set(&err, -ESTALE,
                                  "%s: the ledger entry is of an earlier run (QEMU pid %ld, "
                                  "running as %ld): run vmplace apply %s",
                                  e->name, e->pid, r->pid, e->name);
        /* the recorded XML must be of the commit that wrote e, or its pins
         * may be CPUs the ledger gave to another VM */
        if (rc == 0)
                rc = vp_state_check(paths->rundir, e, &err);
        if (rc < 0)
                return fail(r, rc, &err);

        char path[4096];
        vp_domain *live = NULL, *recorded = NULL;
        snprintf(path, sizeof(path), "%s/%s.xml", paths->libvirt_rundir, e->name);
        rc = vp_domain_parse_file(path, &live, &err);
        _cleanup_free_ char *xml = NULL;
        if (rc == 0) {
                rc = vp_state_read(paths->rundir, e->uuid, "xml", &xml, &err);
                if (rc == 0)
                        rc = vp_domain_parse(xml, strlen(xml), &recorded, &err);
        }
        vp_cgroup cg = {0};
        if (rc == 0)
                rc = vp_cgroup_find(paths->cgroup_root, paths->proc, r->pid, &cg, &err);
        if (rc < 0) {
                vp_domain_free(live);
                vp_domain_free(recorded);
                vp_cgroup_free(&cg);
                return fail(r, rc, &err);
        }
        r->version = cg.version;

        /* the recorded XML is the plan's placement as prepare wrote it */
        vp_tune tune;
        vp_tune_init(&tune);
        vp_tune_copy(&tune, &recorded->tune);
        vp_plan_float_tune(&tune, e, live);
        vp_cgwrites *w = &r->writes;
        vp_cgwrites_build(&tune, recorded->vcpus_max, live, cg.version, w);
        if (flags & VP_ENFORCE_LIBVIRT)
                vp_libview_diff(&tune, live, &r->libvirt);
        vp_tune_free(&tune);
        vp_threads th = {0};
        rc = vp_threads_list(paths->proc, r->pid, live->vcpu_tids, live->n_vcpu_tids, &th, &err);
        if (rc == 0 && !(flags & VP_ENFORCE_CHECK)) {
                rc = vp_cgroup_apply(&cg, w, NULL, &err);
                /* pin threads even after a refused write: what can take should */
                vp_error aerr = {0};
                int ra = vp_affinity_apply(&th, w, &aerr);
                if (rc == 0 && ra < 0) {
                        rc = ra;
                        err = aerr;
                }
        }
        if (rc == 0 || !(flags & VP_ENFORCE_CHECK)) {
                vp_error verr;
                vp_cgroup_verify(&cg, w, NULL, &r->drift, &verr);
                vp_affinity_verify(paths->proc, r->pid, &th, w, &r->drift, &verr);
        }
        vp_threads_free(&th);
        vp_cgroup_free(&cg);
        vp_domain_free(live);
        vp_domain_free(recorded);
        if (rc < 0)
                return fail(r, rc, &err);
        r->state = r->drift.n ? "drift" : "enforced";
        return 0;
}

int vp_enforce_domain(const vp_paths *paths, const char *name, const char *uuid, unsigned flags,
                      vp_enforce_result *r)
{
        memset(r, 0, sizeof(*r));
        vp_error err = {0};
        int lock = vp_ledger_lock(paths->rundir, &err);
        if (lock < 0) {
                r->name = vp_xstrdup(name ? name : "");
                return fail(r, lock, &err);
        }
        vp_ledger l = {0};
        int rc = vp_ledger_load(paths->rundir, &l, &err);
        vp_ledger_entry *e = NULL;
        if (rc == 0) {
                e = uuid ? vp_ledger_find_uuid(&l, uuid) : NULL;
                if (!e && name)
                        e = vp_ledger_find_name(&l, name);
                if (!e)
                        rc = vp_error_set(&err, -ENOENT,
                                          "%s is not managed by vmplace (no ledger entry)",
                                          name ? name : uuid);
        }
        if (rc < 0) {
                r->name = vp_xstrdup(name ? name : "");
                fail(r, rc, &err);
        } else {
                rc = vp_enforce_entry(paths, e, flags, r);
                /* the ledger records the state and QEMU's pid; a run that
                 * changes neither (a re-enforce, a reconnect) rewrites
                 * nothing */
                bool same =
                    e->pid == r->pid && e->state && r->state && strcmp(e->state, r->state) == 0;
                if (rc == 0 && !(flags & VP_ENFORCE_CHECK) && !same) {
                        free(e->state);
                        e->state = vp_xstrdup(r->state);
                        e->pid = r->pid;
                        vp_error serr;
                        if (vp_ledger_save(paths->rundir, &l, &serr) < 0)
                                rc = fail(r, -EIO, &serr);
                }
                if (rc == 0)
                        rc = r->drift.n ? 1 : 0;
        }
        vp_ledger_free(&l);
        if (rc >= 0)
                vp_ledger_unlock_done(lock);
        else
                vp_ledger_unlock(lock);
        return rc;
}

size_t vp_enforce_floating(const vp_paths *paths, const char *skip_uuid)
{
        vp_error err;
        vp_ledger l = {0};
        if (vp_ledger_load(paths->rundir, &l, &err) < 0)
                return 1;
        size_t failed = 0;
        for (size_t i = 0; i < l.n; i++) {
                const vp_ledger_entry *e = &l.entries[i];
                if ((skip_uuid && strcasecmp(e->uuid, skip_uuid) == 0) || e->kind == VP_KIND_NONE ||
                    vp_ledger_entry_emu_isolated(e) ||
                    !vp_ledger_entry_alive(e, paths->libvirt_rundir, paths->proc))
                        continue;
                vp_enforce_result r;
                if (vp_enforce_domain(paths, e->name, e->uuid, 0, &r) < 0)
                        failed++;
                vp_enforce_result_free(&r);
        }
        vp_ledger_free(&l);
        return failed;
}
