/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decide.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "affinity.h"
#include "cgroup.h"
#include "cgwrites.h"
#include "confindex.h"
#include "ledgerstore.h"
#include "linediff.h"
#include "liveness.h"
#include "planjson.h"
#include "rewrite.h"
#include "running.h"
#include "topoload.h"

/* Load the configuration and choose the profile for name/metadata (through
 * the config index in rundir when it is given: lib/io/confindex.h); report the
 * first error in err (the full list is `vmplace validate`'s job). */
static int load_config(const vp_paths *paths, const char *rundir, const char *name,
                       const char *metadata, vp_config **cfg, const vp_profile **profile,
                       char **matched_by, vp_error *err)
{
        vp_diag diag = {.errors_only = true};
        int r = vp_config_load_for(paths->confdir, rundir, geteuid() == 0, name, metadata,
                                   time(NULL), cfg, profile, matched_by, &diag);
        if (r < 0) {
                if (diag.n_errors > 1)
                        vp_error_set(err, r,
                                     "configuration error: %s (and %zu more; run vmplace validate)",
                                     diag.errors[0].msg, diag.n_errors - 1);
                else
                        vp_error_set(err, r, "configuration error: %s",
                                     diag.n_errors ? diag.errors[0].msg : strerror(-r));
        }
        vp_diag_free(&diag);
        return r;
}

static int commit(const vp_paths *paths, vp_decision *d, const char *xml, size_t len, vp_error *err)
{
        const vp_plan *p = &d->plan;
        if (!p->uuid || !vp_uuid_valid(p->uuid))
                return vp_error_set(err, -EINVAL, "domain %s has no valid <uuid>", p->domain);
        json_object *j = vp_plan_to_json(p, d->dom, vp_cgroup_detect(paths->cgroup_root), NULL);
        /* plan.json is written first and the ledger last, both carrying this
         * token: a writer killed in between leaves a plan.json (and perhaps
         * an XML) of a commit the ledger never saw, and vp_state_check tells
         * enforce not to trust them. Without it the old entry's CPUs would
         * sit next to a recorded XML pinning other CPUs, which the ledger
         * may hand to another VM. */
        _cleanup_free_ char *token = vp_commit_token();
        json_object_object_add(j, "commit", json_object_new_string(token));
        const char *js = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
        int r = vp_state_save(paths->rundir, p->uuid, js, d->xml_out, err);
        json_object_put(j);
        /* apply re-plans from the XML the domain started with, not from a
         * live definition that `virsh schedinfo --live` may have edited */
        if (r == 0)
                r = vp_state_write(paths->rundir, p->uuid, "input.xml", xml, len, err);
        if (r < 0)
                return r;
        /* A domain undefined and redefined under the same name: put()
         * drops the old uuid's entry; its state files go with the sweep
         * after the save (before it, a kill left the old entry, still in
         * the ledger, without them). */
        bool had_entry = vp_ledger_find_uuid(&d->ledger, p->uuid) != NULL;
        vp_ledger_entry e;
        vp_plan_to_entry(p, (int64_t)time(NULL), &e);
        e.commit = TAKE_PTR(token);
        /* under libvirt, the daemon waiting on this prepare: while it runs,
         * a start slower than the stale grace keeps its CPUs */
        vp_starter_find(paths->proc, &e.starter_pid, &e.starter_start);
        vp_ledger_put(&d->ledger, &e);
        d->refloated = vp_plan_refloat(&d->ledger, &d->cfg->host, d->topo,
                                       d->unrecorded.pinned_by ? &d->unrecorded.pinned : NULL);
        r = vp_ledger_save(paths->rundir, &d->ledger, err);
        if (r < 0) {
                /* A save that failed (a full disk) is a writer killed before
                 * its rename: the ledger on disk is the old one. The state
                 * files of a domain it has no entry for are nobody's; those
                 * of a domain it has stay as a kill leaves them (their
                 * commit token tells enforce they are not the ledger's):
                 * removing them left an entry without state files. */
                if (!had_entry)
                        vp_state_remove(paths->rundir, p->uuid);
                return r;
        }
        /* the ledger as saved no longer has the reclaimed entries nor the
         * old entry of a redefined domain: their state files go now, the
         * only ones that can be left (vp_ledger_lock_load swept the rest
         * under this lock), so no directory scan */
        vp_state_sweep(paths->rundir, &d->ledger);
        d->committed = true;
        return 0;
}

/* Whether a profile manages the domain called name, for
 * vp_running_unrecorded: the hook's configuration holds only the profile it
 * chose (confindex.h), so the match rules are read when a running domain
 * the ledger lacks is first met, not on every start; its status file is
 * parsed for its metadata only when its name alone matches nothing and
 * some profile matches by metadata. */
typedef struct matcher_ctx {
        const vp_paths *paths;
        vp_config_matcher *m;
        bool tried;
} matcher_ctx;

static bool manages(const char *name, const char *status, void *opaque)
{
        matcher_ctx *mc = opaque;
        if (!mc->tried) {
                mc->tried = true;
                mc->m =
                    vp_config_matcher_open(mc->paths->confdir, mc->paths->rundir, geteuid() == 0);
        }
        /* a configuration that changed under us into an invalid one: the
         * ledger's view is all there is */
        if (!mc->m)
                return false;
        if (vp_config_matcher_manages(mc->m, name, NULL))
                return true;
        if (!vp_config_matcher_reads_metadata(mc->m))
                return false;
        vp_domain *dom = NULL;
        bool r = vp_domain_parse_file(status, &dom, NULL) == 0 && dom->metadata_profile &&
                 vp_config_matcher_manages(mc->m, name, dom->metadata_profile);
        vp_domain_free(dom);
        return r;
}

/* A running domain re-planned without an entry (its entry went with the run
 * dir, or vmplace never placed it): what the kernel shows its vCPU threads
 * pinned to becomes its previous record, so that the plan keeps it there
 * when that still fits instead of moving a running VM for nothing (I3: the
 * records are rebuilt from the kernel). */
static void remember_kernel(const vp_paths *paths, vp_decision *d)
{
        long pid;
        vp_cpuset vcpus, others;
        if (vp_libvirt_pid(paths->libvirt_rundir, d->dom->name, &pid, NULL) < 0 ||
            vp_affinity_split(paths->proc, pid, &d->topo->online, &vcpus, &others, NULL) < 0 ||
            vp_cpuset_empty(&vcpus))
                return;
        vp_ledger_remember(&d->ledger, d->dom->uuid, &vcpus, &others, (int64_t)time(NULL));
}

int vp_decide(const vp_paths *paths, const char *xml, size_t len, unsigned flags, vp_decision *d,
              vp_error *err)
{
        memset(d, 0, sizeof(*d));
        int r = vp_domain_parse(xml, len, &d->dom, err);
        if (r < 0)
                return r;
        /* only a committing decision (the hook) keeps the index up to date:
         * `vmplace plan` changes nothing under the run directory */
        r = load_config(paths, (flags & VP_DECIDE_COMMIT) ? paths->rundir : NULL, d->dom->name,
                        d->dom->metadata_profile, &d->cfg, &d->profile, &d->matched_by, err);
        if (r < 0)
                return r;
        if (!d->profile)
                return 0; /* unmanaged: the fast path loads nothing else */
        d->on_error =
            d->profile->on_error != VP_ONERR_UNSET ? d->profile->on_error : d->cfg->host.on_error;

        /* the hook keeps the real host's fixed topology in the run dir (a
         * sysfs-shaped tree of tests is read as it is each time) */
        _cleanup_free_ char *topo_cache =
            (flags & VP_DECIDE_COMMIT) && !paths->sysfs
                ? vp_xasprintf("%s/%s", paths->rundir, VP_TOPOLOGY_CACHE_FILE)
                : NULL;
        r = vp_topology_load_cached(paths->sysfs, topo_cache, &d->topo, err);
        if (r < 0)
                return r;

        int lock = -1;
        if (flags & VP_DECIDE_COMMIT) {
                /* The lock, the ledger, and the state files a killed commit
                 * or release left behind, or of entries reclaimed by an
                 * earlier commit: swept against the ledger as saved, before
                 * this reclaim changes it in memory. One directory scan. */
                lock = vp_ledger_lock_load(paths->rundir, &d->ledger, err);
                if (lock < 0)
                        return lock;
                vp_ledger_reclaim(&d->ledger, paths->libvirt_rundir, paths->proc,
                                  (int64_t)time(NULL), NULL);
                r = 0;
                long pid;
                if ((flags & VP_DECIDE_RUNNING) &&
                    !vp_libvirt_alive(paths->libvirt_rundir, paths->proc, d->dom->name, &pid))
                        r = vp_error_set(err, -ESRCH,
                                         "%s is not running (it stopped while vmplace was "
                                         "planning it): nothing recorded",
                                         d->dom->name);
        } else {
                r = vp_ledger_load(paths->rundir, &d->ledger, err);
        }
        if (r == 0 && (flags & VP_DECIDE_REPLAN) && d->dom->uuid &&
            !vp_ledger_remove(&d->ledger, d->dom->uuid, (int64_t)time(NULL)))
                remember_kernel(paths, d);
        /* I3: the ledger is a cache of what the running QEMUs hold. A
         * placement also keeps off the CPUs that running VMs it has no
         * entry for are pinned to, as the kernel says: an unmanaged VM
         * someone pinned, or a VM whose entry went with a lost run dir.
         * Dedicated VMs take none of them, floating VMs float over none of
         * them (nothing but a listing when every VM is recorded). */
        if (r == 0) {
                matcher_ctx mc = {.paths = paths};
                r = vp_running_unrecorded(paths, &d->ledger, d->dom->name, &d->topo->online,
                                          manages, &mc, &d->unrecorded, err);
                vp_config_matcher_free(mc.m);
        }
        if (r == 0) {
                vp_plan_input in = {
                    .dom = d->dom,
                    .profile = d->profile,
                    .matched_by = d->matched_by,
                    .host = &d->cfg->host,
                    .topo = d->topo,
                    .ledger = &d->ledger,
                    .abi_fixed = (flags & VP_DECIDE_ABI_FIXED) != 0,
                    .unrecorded = d->unrecorded.pinned_by ? &d->unrecorded.pinned : NULL,
                    .unrecorded_by = d->unrecorded.pinned_by,
                    .unrecorded_managed =
                        vp_cpuset_empty(&d->unrecorded.managed) ? NULL : &d->unrecorded.managed,
                    .unrecorded_floating = d->unrecorded.floating_by,
                };
                r = vp_plan_compute(&in, &d->plan, err);
                d->planned = true;
        }
        char *before = NULL;
        if (r == 0 && !d->plan.refusal && (flags & VP_DECIDE_DIFF))
                r = vp_domain_format(d->dom, &before, NULL, err);
        if (r == 0 && !d->plan.refusal) {
                /* A placement libvirt would reject is a refusal like any
                 * other (it follows on_error), not an internal error. */
                vp_error rerr = {0};
                if (vp_rewrite_apply(d->dom, &d->plan.tune, d->plan.owned, &rerr) < 0)
                        d->plan.refusal = vp_xasprintf("vmplace: %s (profile %s): %s",
                                                       d->plan.domain, d->plan.profile, rerr.msg);
        }
        if (r == 0 && !d->plan.refusal)
                r = vp_domain_format(d->dom, &d->xml_out, NULL, err);
        /* no rewritten XML when the rewrite refused: nothing to compare */
        if (r == 0 && before && d->xml_out)
                d->xml_diff = vp_linediff(before, d->xml_out, "domain.xml", "domain.xml (vmplace)");
        free(before);
        if (r == 0 && !d->plan.refusal && (flags & VP_DECIDE_COMMIT))
                r = commit(paths, d, xml, len, err);
        /* an error may have left state files of a commit the ledger lacks */
        if (lock >= 0 && r == 0)
                vp_ledger_unlock_done(lock);
        else if (lock >= 0)
                vp_ledger_unlock(lock);
        return r;
}

void vp_decision_free(vp_decision *d)
{
        if (d->planned)
                vp_plan_free(&d->plan);
        vp_ledger_free(&d->ledger);
        vp_topology_free(d->topo);
        vp_domain_free(d->dom);
        vp_config_free(d->cfg);
        free(d->matched_by);
        free(d->xml_out);
        free(d->xml_diff);
        vp_unrecorded_free(&d->unrecorded);
        memset(d, 0, sizeof(*d));
}

int vp_release(const vp_paths *paths, const char *name, const char *uuid, vp_error *err)
{
        vp_ledger l = {0};
        /* with the state files a killed commit or release left behind */
        int lock = vp_ledger_lock_load(paths->rundir, &l, err);
        if (lock < 0)
                return lock;
        int r = 0;
        vp_ledger_entry *e = uuid ? vp_ledger_find_uuid(&l, uuid) : NULL;
        if (!e && name)
                e = vp_ledger_find_name(&l, name);
        if (e) {
                char *id = vp_xstrdup(e->uuid);
                bool freed_cpus = !vp_cpumask_empty(&e->held);
                vp_ledger_remove(&l, id, (int64_t)time(NULL));
                /* Only held CPUs change the pools. Config and topology serve
                 * just to widen floating VMs: if they cannot be read the entry
                 * is still released. */
                vp_config *cfg = NULL;
                const vp_profile *unused;
                vp_topology *topo = NULL;
                vp_error ignored;
                if (freed_cpus &&
                    load_config(paths, paths->rundir, NULL, NULL, &cfg, &unused, NULL, &ignored) ==
                        0 &&
                    vp_topology_load(paths->sysfs, &topo, &ignored) == 0) {
                        /* widen them, but not onto CPUs of running VMs the
                         * ledger lacks (I3) */
                        vp_unrecorded un;
                        if (vp_running_unrecorded(paths, &l, name, &topo->online, NULL, NULL, &un,
                                                  &ignored) == 0)
                                vp_plan_refloat(&l, &cfg->host, topo,
                                                un.pinned_by ? &un.pinned : NULL);
                        vp_unrecorded_free(&un);
                }
                vp_topology_free(topo);
                vp_config_free(cfg);
                r = vp_ledger_save(paths->rundir, &l, err);
                if (r == 0) {
                        vp_state_remove(paths->rundir, id);
                        r = freed_cpus ? 1 : 0;
                }
                free(id);
        }
        vp_ledger_free(&l);
        if (r >= 0)
                vp_ledger_unlock_done(lock);
        else
                vp_ledger_unlock(lock);
        return r;
}
