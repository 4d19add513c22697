/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "metrics.h"

#include <errno.h>
#include <string.h>

#include "jsonfile.h"
#include "ledgerstore.h"

#define METRICS_STATE     "metrics.state"
#define METRICS_VERSION   1
#define METRICS_MAX_BYTES (16u << 20)

char *vp_prom_escape(const char *s)
{
        /* worst case: every byte becomes U+FFFD (3 bytes) */
        char *out = vp_xmalloc(strlen(s) * 3 + 1), *o = out;
        while (*s) {
                size_t n = vp_utf8_len(s);
                if (n == 0) {
                        memcpy(o, "\xEF\xBF\xBD", 3);
                        o += 3;
                        s++;
                } else if (*s == '\\' || *s == '"' || *s == '\n') {
                        *o++ = '\\';
                        *o++ = *s == '\n' ? 'n' : *s;
                        s++;
                } else {
                        memcpy(o, s, n);
                        o += n;
                        s += n;
                }
        }
        *o = '\0';
        return out;
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{domain="...", then the caller adds its labels and closes */
static void sample_start(FILE *f, const char *name, const vp_status_row *r)
{
        _cleanup_free_ char *d = vp_prom_escape(r->e.name);
        fprintf(f, "%s{domain=\"%s\"", name, d);
}

static void label(FILE *f, const char *key, const char *value)
{
        _cleanup_free_ char *v = vp_prom_escape(value ? value : "");
        fprintf(f, ",%s=\"%s\"", key, v);
}

static unsigned long long drift_files(const vp_status_row *r)
{
        return r->drift.n;
}
static unsigned long long vcpu_cpus(const vp_status_row *r)
{
        return vp_cpumask_count(&r->e.vcpu_cpus);
}
static unsigned long long held_cpus(const vp_status_row *r)
{
        return vp_cpumask_count(&r->e.held);
}
static unsigned long long emulator_cpus(const vp_status_row *r)
{
        return vp_cpumask_count(&r->e.emulator_cpus);
}
static unsigned long long check_failed(const vp_status_row *r)
{
        return r->error != NULL;
}

/* The gauges with only a domain label. An unplaced domain has no placement
 * to count, so it gets only the ones not marked placed_only. */
static const struct {
        const char *name;
        const char *help;
        bool placed_only;
        unsigned long long (*value)(const vp_status_row *r);
} domain_gauges[] = {
    {"vmplace_domain_vcpu_cpus", "Host CPUs the domain's vCPUs may run on.", true, vcpu_cpus},
    {"vmplace_domain_held_cpus", "Host CPUs the domain holds exclusively (dedicated).", true,
     held_cpus},
    {"vmplace_domain_emulator_cpus", "Host CPUs the domain's emulator threads may run on.", true,
     emulator_cpus},
    {"vmplace_domain_drift_files",
     "Cgroup files, thread affinities and libvirt live-definition items that differ from the plan "
     "now.",
     false, drift_files},
    {"vmplace_domain_check_failed",
     "1 when the domain's cgroups, threads or status XML could not be read back.", false,
     check_failed},
};

char *vp_metrics_format(const vp_status *s, int64_t now, const uint64_t *drift_total)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                abort();
        header(f, "vmplace_domain_info", "gauge",
               "Domain vmplace reports: identity, profile, placement kind and state (always 1).");
        for (size_t i = 0; i < s->n; i++) {
                const vp_status_row *r = &s->rows[i];
                sample_start(f, "vmplace_domain_info", r);
                label(f, "uuid", r->e.uuid);
                label(f, "profile", r->e.profile);
                label(f, "matched_by", r->e.matched_by);
                label(f, "kind", r->placed ? vp_entry_kind_name(r->e.kind) : NULL);
                label(f, "state", r->state);
                fputs("} 1\n", f);
        }
        header(f, "vmplace_domain_state", "gauge",
               "1 for the state the domain is in, 0 for the others (prepared, enforced, drift, "
               "unplaced, stale).");
        for (size_t i = 0; i < s->n; i++)
                for (size_t k = 0; k < VP_STATUS_N_STATES; k++) {
                        sample_start(f, "vmplace_domain_state", &s->rows[i]);
                        label(f, "state", vp_status_states[k]);
                        fprintf(f, "} %d\n", strcmp(s->rows[i].state, vp_status_states[k]) == 0);
                }
        for (size_t g = 0; g < VP_ARRAY_SIZE(domain_gauges); g++) {
                header(f, domain_gauges[g].name, "gauge", domain_gauges[g].help);
                for (size_t i = 0; i < s->n; i++) {
                        const vp_status_row *r = &s->rows[i];
                        if (domain_gauges[g].placed_only && !r->placed)
                                continue;
                        sample_start(f, domain_gauges[g].name, r);
                        fprintf(f, "} %llu\n", domain_gauges[g].value(r));
                }
        }
        header(f, "vmplace_domain_memory_bytes", "gauge",
               "Memory committed to the domain on each host NUMA node.");
        for (size_t i = 0; i < s->n; i++)
                for (size_t k = 0; k < s->rows[i].e.n_mem; k++) {
                        sample_start(f, "vmplace_domain_memory_bytes", &s->rows[i]);
                        /* a row's figures are any 64-bit KiB (the ledger's load holds an
                         * entry to a domain's 2^53, rows built otherwise need not be): bytes
                         * past 2^64 wrapped into a small figure; a float is what Prometheus
                         * keeps anyway */
                        uint64_t kib = s->rows[i].e.mem[k].kib;
                        if (kib <= UINT64_MAX / 1024)
                                fprintf(f, ",node=\"%u\"} %llu\n", s->rows[i].e.mem[k].node,
                                        (unsigned long long)kib * 1024);
                        else
                                fprintf(f, ",node=\"%u\"} %.17g\n", s->rows[i].e.mem[k].node,
                                        (double)kib * 1024.0);
                }
        if (drift_total) {
                header(f, "vmplace_drift_detections_total", "counter",
                       "Times a domain was seen going from clean to drift by status --prometheus.");
                fprintf(f, "vmplace_drift_detections_total %llu\n",
                        (unsigned long long)*drift_total);
        }
        header(f, "vmplace_config_valid", "gauge",
               "1 when vmplace.ini and profiles.d load without error.");
        fprintf(f, "vmplace_config_valid %d\n", s->config_valid);
        header(f, "vmplace_last_run_timestamp_seconds", "gauge",
               "When vmplace status wrote these metrics (Unix time).");
        fprintf(f, "vmplace_last_run_timestamp_seconds %lld\n", (long long)now);
        if (fclose(f) != 0)
                abort();
        return text;
}

/* ---- the drift counter ---- */

typedef struct drift_state {
        uint64_t total;
        char **drifting;
        size_t n;
} drift_state;

static void drift_state_free(drift_state *d)
{
        for (size_t i = 0; i < d->n; i++)
                free(d->drifting[i]);
        free(d->drifting);
        memset(d, 0, sizeof(*d));
}

static bool drifting(const drift_state *d, const char *key)
{
        for (size_t i = 0; i < d->n; i++)
                if (strcmp(d->drifting[i], key) == 0)
                        return true;
        return false;
}

static void drifting_add(drift_state *d, const char *key)
{
        d->drifting = vp_xrealloc(d->drifting, (d->n + 1) * sizeof(*d->drifting));
        d->drifting[d->n++] = vp_xstrdup(key);
}

static int state_load(const char *path, drift_state *d, vp_error *err)
{
        _cleanup_json_ json_object *root = NULL;
        int r = vp_json_file_read(path, METRICS_MAX_BYTES, &root, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        json_object *v, *t, *a;
        if (!json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "version", &v) ||
            !json_object_is_type(v, json_type_int) || json_object_get_int64(v) != METRICS_VERSION)
                return vp_error_at(err, -EBADMSG, path, 0, "not a version %d metrics state",
                                   METRICS_VERSION);
        if (!json_object_object_get_ex(root, "drift_detections_total", &t) ||
            !json_object_is_type(t, json_type_int) || json_object_get_int64(t) < 0)
                return vp_error_set(err, -EBADMSG,
                                    "%s: drift_detections_total is not a non-negative integer",
                                    path);
        d->total = (uint64_t)json_object_get_int64(t);
        if (!json_object_object_get_ex(root, "drifting", &a) ||
            !json_object_is_type(a, json_type_array))
                return vp_error_at(err, -EBADMSG, path, 0, "drifting is not an array");
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *k = json_object_array_get_idx(a, i);
                if (!json_object_is_type(k, json_type_string)) {
                        drift_state_free(d);
                        return vp_error_at(err, -EBADMSG, path, 0, "drifting[%zu] is not a string",
                                           i);
                }
                drifting_add(d, json_object_get_string(k));
        }
        return 0;
}

static int state_save(const char *path, const drift_state *d, vp_error *err)
{
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object_object_add(root, "version", json_object_new_int(METRICS_VERSION));
        json_object_object_add(root, "drift_detections_total",
                               json_object_new_int64((int64_t)d->total));
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < d->n; i++)
                json_object_array_add(a, json_object_new_string(d->drifting[i]));
        json_object_object_add(root, "drifting", a);
        return vp_json_file_write(path, root, 0600, err);
}

int vp_metrics_count_drift(const char *rundir, const vp_status *s, uint64_t *total, vp_error *err)
{
        int lock = vp_ledger_lock(rundir, err);
        if (lock < 0)
                return lock;
        _cleanup_free_ char *path = vp_xasprintf("%s/" METRICS_STATE, rundir);
        drift_state last = {0}, now = {0};
        int r = state_load(path, &last, err);
        if (r == 0) {
                now.total = last.total;
                for (size_t i = 0; i < s->n; i++) {
                        const vp_status_row *row = &s->rows[i];
                        /* domains are told apart by uuid: a name can be reused */
                        const char *key = row->e.uuid ? row->e.uuid : row->e.name;
                        bool was = drifting(&last, key);
                        bool is = strcmp(row->state, "drift") == 0 ||
                                  (row->error && strcmp(row->state, "stale") != 0 && was);
                        if (is && !was && now.total < INT64_MAX)
                                now.total++;
                        if (is)
                                drifting_add(&now, key);
                }
                r = state_save(path, &now, err);
        }
        if (r == 0)
                *total = now.total;
        drift_state_free(&last);
        drift_state_free(&now);
        if (r == 0)
                vp_ledger_unlock_done(lock);
        else
                vp_ledger_unlock(lock);
        return r;
}
