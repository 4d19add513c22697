/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "configfile.h"
#include "confmatch.h"
#include "enforce.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "running.h"

const char *const vp_status_states[VP_STATUS_N_STATES] = {"prepared", "enforced", "drift",
                                                          "unplaced", "stale"};

static vp_status_row *add_row(vp_status *s)
{
        s->rows = vp_xrealloc(s->rows, (s->n + 1) * sizeof(*s->rows));
        vp_status_row *r = &s->rows[s->n++];
        memset(r, 0, sizeof(*r));
        return r;
}

static void ledger_row(const vp_paths *p, vp_ledger_entry *e, int64_t now, vp_status *s)
{
        vp_status_row *row = add_row(s);
        /* the row takes the entry over; the ledger frees a zeroed one */
        row->e = *e;
        memset(e, 0, sizeof(*e));
        e = &row->e;
        row->placed = true;
        for (size_t k = 0; k < e->n_mem; k++)
                row->memory_kib += e->mem[k].kib;
        bool alive = vp_ledger_entry_alive(e, p->libvirt_rundir, p->proc);
        if (!alive && now - e->created > VP_LEDGER_STALE_SECONDS &&
            !vp_ledger_entry_starting(e, p->proc)) {
                row->state = "stale";
                return;
        }
        row->state = e->state;
        if (!alive)
                return;
        /* A running domain is judged by reading the kernel, the way
         * vmplace-enforce --check does, not by what was written. */
        vp_enforce_result r = {0};
        if (vp_enforce_entry(p, e, VP_ENFORCE_CHECK | VP_ENFORCE_LIBVIRT, &r) == 0)
                row->state = r.state; /* static "enforced" or "drift" */
        row->drift = r.drift;
        r.drift = (vp_drifts){0};
        /* libvirt's live definition is part of the placement: an admin
         * reads it with virsh, and libvirt acts on it (vmplace-agent keeps
         * it in agreement, apply repairs it) */
        for (size_t i = 0; i < r.libvirt.n; i++) {
                const vp_libview_item *it = &r.libvirt.i[i];
                _cleanup_free_ char *file = vp_xasprintf("libvirt %s", it->name);
                vp_drifts_add(&row->drift, file, it->want, it->have);
        }
        if (r.state && r.libvirt.n)
                row->state = "drift";
        row->error = r.err.code ? vp_xstrdup(r.err.msg) : NULL;
        vp_enforce_result_free(&r);
}

static char *config_error(const vp_diag *d, int rc)
{
        if (d->n_errors == 0)
                return vp_xasprintf("configuration error: %s", strerror(-rc));
        if (d->n_errors == 1)
                return vp_xasprintf("configuration error: %s", d->errors[0].msg);
        return vp_xasprintf("configuration error: %s (and %zu more; see vmplace validate)",
                            d->errors[0].msg, d->n_errors - 1);
}

static void unplaced_rows(const vp_paths *p, vp_ledger *l, vp_status *s)
{
        vp_config *cfg = NULL;
        vp_diag diag = {0};
        int rc = vp_config_load(p->confdir, geteuid() == 0, &cfg, &diag);
        s->config_valid = rc == 0;
        if (rc < 0)
                s->unplaced_error = config_error(&diag, rc);
        vp_diag_free(&diag);
        if (rc < 0)
                return;
        vp_running *run = NULL;
        size_t n = 0;
        vp_error err = {0};
        if (vp_running_list(p, &run, &n, &err) < 0) {
                s->unplaced_error = vp_xstrdup(err.msg);
                vp_config_free(cfg);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const vp_domain *d = run[i].dom;
                if ((d && d->uuid && vp_ledger_find_uuid(l, d->uuid)) ||
                    vp_ledger_find_name(l, run[i].name))
                        continue;
                char *matched_by = NULL;
                /* unreadable status XML: the name can still match */
                const vp_profile *prof =
                    vp_config_match(cfg, run[i].name, d ? d->metadata_profile : NULL, &matched_by);
                if (!prof)
                        continue;
                vp_status_row *row = add_row(s);
                row->e.name = vp_xstrdup(run[i].name);
                row->e.uuid = d && d->uuid ? vp_xstrdup(d->uuid) : NULL;
                row->e.profile = vp_xstrdup(prof->name);
                row->e.matched_by = matched_by;
                row->state = "unplaced";
                row->memory_kib = d ? d->memory_kib : 0;
                row->error = run[i].err.code ? vp_xstrdup(run[i].err.msg) : NULL;
        }
        vp_running_free(run, n);
        vp_config_free(cfg);
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const vp_status_row *)a)->e.name, ((const vp_status_row *)b)->e.name);
}

int vp_status_collect(const vp_paths *p, int64_t now, vp_status *out, vp_error *err)
{
        memset(out, 0, sizeof(*out));
        vp_ledger l = {0};
        int rc = vp_ledger_load(p->rundir, &l, err);
        if (rc < 0)
                return rc;
        /* before ledger_row moves the entries out of l */
        unplaced_rows(p, &l, out);
        for (size_t i = 0; i < l.n; i++)
                ledger_row(p, &l.entries[i], now, out);
        vp_ledger_free(&l);
        if (out->n > 1)
                qsort(out->rows, out->n, sizeof(*out->rows), by_name);
        return 0;
}

void vp_status_free(vp_status *s)
{
        for (size_t i = 0; i < s->n; i++) {
                vp_ledger_entry_free(&s->rows[i].e);
                vp_drifts_free(&s->rows[i].drift);
                free(s->rows[i].error);
        }
        free(s->rows);
        free(s->unplaced_error);
        memset(s, 0, sizeof(*s));
}

bool vp_status_row_bad(const vp_status_row *r)
{
        return !strcmp(r->state, "drift") || !strcmp(r->state, "stale") ||
               !strcmp(r->state, "unplaced");
}
