/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "fileio.h"
#include "cli.h"
#include "metrics.h"
#include "planjson.h"
#include "status.h"

static const char help[] =
    "usage: vmplace status [--json | --prometheus[=FILE]] [--check]\n"
    "Every ledger entry and every running domain a profile matches: profile, CPUs,\n"
    "emulator CPUs, nodes, memory and state:\n"
    "  prepared   planned at prepare, QEMU not (yet) running\n"
    "  enforced   running, and the cgroup files and thread affinities read back as planned\n"
    "  drift      running, and something differs from the plan (listed, with want/have)\n"
    "  unplaced   running and matched by a profile, but vmplace never placed it (no ledger\n"
    "             entry: started before the hook was installed, or with it missing)\n"
    "  stale      a ledger entry whose QEMU is gone for more than 60 s\n"
    "For running domains the state and drift come from what is really there, read now.\n"
    "When the configuration (or libvirt's run dir) cannot be read, one warning line\n"
    "says so and the ledger entries are still shown.\n"
    "\n"
    "  --json               one JSON object: cgroup_version, domains [{name, uuid,\n"
    "                       profile, matched_by, state, kind, cpus, held, emulator_cpus,\n"
    "                       nodes, memory_kib, drift [{file, want, have}], error}]\n"
    "  --check              exit 1 when any domain is in drift, stale or unplaced; else\n"
    "                       exit 2 when unplaced domains could not be told (see above)\n"
    "  --prometheus[=FILE]  Prometheus text format (node_exporter textfile collector) on\n"
    "                       stdout, or written to FILE atomically (FILE.tmp.PID, renamed):\n"
    "    vmplace_domain_info{domain,uuid,profile,matched_by,kind,state} 1\n"
    "    vmplace_domain_state{domain,state}     1 for its state, 0 for the four others\n"
    "    vmplace_domain_vcpu_cpus{domain}       CPUs its vCPUs may use\n"
    "    vmplace_domain_held_cpus{domain}       CPUs it holds exclusively\n"
    "    vmplace_domain_emulator_cpus{domain}   CPUs its emulator threads may use\n"
    "    vmplace_domain_drift_files{domain}     files/affinities drifting now (0 when clean)\n"
    "    vmplace_domain_check_failed{domain}    1 when it could not be read back\n"
    "    vmplace_domain_memory_bytes{domain,node}  memory committed per host node\n"
    "    vmplace_drift_detections_total         domains seen going from clean to drift by\n"
    "                                           these runs (kept in RUNDIR/metrics.state;\n"
    "                                           removing that file resets it)\n"
    "    vmplace_config_valid                   1 when the configuration loads\n"
    "    vmplace_last_run_timestamp_seconds     when this ran\n"
    "                       (vcpu/held/emulator CPUs and memory: placed domains only)\n"
    "Exit: 0, 1 with --check as above, 2 on usage errors or an unreadable ledger.\n";

/* A table cell at the end of a line: cut like cli_fit, without padding. */
static const char *fit_last(const char *s, size_t width, char *buf, size_t len)
{
        return vp_strstrip((char *)cli_fit(s, width, buf, len));
}

static json_object *row_json(const vp_status_row *r)
{
        json_object *o = vp_json_entry(&r->e, r->state);
        if (!r->placed) {
                /* an empty entry's kind ("none") and memory (0) would be wrong */
                cli_json_str(o, "kind", NULL);
                json_object_object_add(o, "memory_kib",
                                       json_object_new_int64((int64_t)r->memory_kib));
        }
        json_object_object_add(o, "drift", vp_json_drifts(&r->drift));
        if (r->error)
                cli_json_str(o, "error", r->error);
        return o;
}

/* One line per row, then its drift and errors; 100 columns at most. */
static void row_print(const vp_status_row *r)
{
        const vp_ledger_entry *e = &r->e;
        char c[64], em[64], nd[32], fn[96], fp[64], fm[64], fc[64], fe[48], fnd[32];
        const char *cpus = "-", *emu = "-", *nodes = "-";
        if (r->placed) {
                cpus = vp_cpumask_fmt(&e->vcpu_cpus, c, sizeof(c));
                emu = vp_cpumask_fmt(&e->emulator_cpus, em, sizeof(em));
                nodes = vp_cpumask_fmt(&e->nodes, nd, sizeof(nd));
        }
        unsigned long long mib = r->memory_kib / 1024;
        printf("%s %s %s %-8s %-9s %s %s %s %llu %s\n", cli_fit(e->name, 18, fn, sizeof(fn)),
               cli_fit(e->profile ? e->profile : "-", 12, fp, sizeof(fp)),
               cli_fit(e->matched_by ? e->matched_by : "-", 10, fm, sizeof(fm)), r->state,
               r->placed ? vp_entry_kind_name(e->kind) : "-", cli_fit(cpus, 12, fc, sizeof(fc)),
               cli_fit(emu, 9, fe, sizeof(fe)), cli_fit(nodes, 5, fnd, sizeof(fnd)),
               mib < 100000 ? mib : mib / 1024, mib < 100000 ? "MiB" : "GiB");
        for (size_t k = 0; k < r->drift.n; k++) {
                char f[192], w[96], h[96];
                printf("  drift: %s want %s have %s\n",
                       cli_fit(r->drift.d[k].file, 40, f, sizeof(f)),
                       cli_fit(r->drift.d[k].want, 20, w, sizeof(w)),
                       fit_last(r->drift.d[k].have, 19, h, sizeof(h)));
        }
        if (r->error) {
                char m[512];
                printf("  cannot read%s: %s\n", r->placed ? " back" : "",
                       fit_last(r->error, r->placed ? 80 : 85, m, sizeof(m)));
        }
}

/* The exposition text, with the drift counter brought up to date. */
static char *prometheus_text(const vp_paths *p, const vp_status *s, int64_t now)
{
        vp_error err = {0};
        uint64_t total;
        bool counted = vp_metrics_count_drift(p->rundir, s, &total, &err) == 0;
        if (!counted)
                fprintf(stderr, "vmplace status: vmplace_drift_detections_total left out: %s\n",
                        err.msg);
        return vp_metrics_format(s, now, counted ? &total : NULL);
}

int cmd_status(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false, check = false, prom = false;
        const char *prom_file = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0) {
                        json = true;
                } else if (strcmp(argv[i], "--check") == 0) {
                        check = true;
                } else if (strcmp(argv[i], "--prometheus") == 0) {
                        prom = true;
                } else if (strncmp(argv[i], "--prometheus=", 13) == 0 && argv[i][13]) {
                        prom = true;
                        prom_file = argv[i] + 13;
                } else {
                        fprintf(stderr, "vmplace status: unknown argument '%s'\n", argv[i]);
                        return EXIT_USAGE;
                }
        }
        if (json && prom) {
                fprintf(stderr, "vmplace status: --json and --prometheus exclude each other\n");
                return EXIT_USAGE;
        }
        vp_error err = {0};
        vp_status s;
        int64_t now = (int64_t)time(NULL);
        if (vp_status_collect(p, now, &s, &err) < 0) {
                fprintf(stderr, "vmplace status: %s\n", err.msg);
                return EXIT_USAGE;
        }
        if (s.unplaced_error)
                fprintf(stderr, "vmplace status: cannot tell unplaced domains: %s\n",
                        s.unplaced_error);
        bool bad = false;
        for (size_t i = 0; i < s.n; i++)
                bad |= vp_status_row_bad(&s.rows[i]);
        /* a check that could not look at every domain did not pass */
        int rc = !check ? EXIT_OK : bad ? EXIT_UNMET : s.unplaced_error ? EXIT_USAGE : EXIT_OK;

        if (prom) {
                _cleanup_free_ char *text = prometheus_text(p, &s, now);
                if (!prom_file) {
                        fputs(text, stdout);
                } else if (vp_write_file_atomic(prom_file, text, strlen(text), 0644, &err) < 0) {
                        fprintf(stderr, "vmplace status: %s\n", err.msg);
                        rc = EXIT_USAGE;
                }
        } else if (json) {
                json_object *arr = json_object_new_array();
                for (size_t i = 0; i < s.n; i++)
                        json_object_array_add(arr, row_json(&s.rows[i]));
                json_object *o = json_object_new_object();
                json_object_object_add(o, "cgroup_version",
                                       json_object_new_int((int)vp_cgroup_detect(p->cgroup_root)));
                json_object_object_add(o, "domains", arr);
                cli_print_json(o);
        } else {
                printf("%-18s %-12s %-10s %-8s %-9s %-12s %-9s %-5s %s\n", "DOMAIN", "PROFILE",
                       "MATCHED", "STATE", "KIND", "CPUS", "EMULATOR", "NODES", "MEMORY");
                for (size_t i = 0; i < s.n; i++)
                        row_print(&s.rows[i]);
                if (s.n == 0)
                        printf("(no managed domains)\n");
        }
        vp_status_free(&s);
        return rc;
}
