/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace-enforce [--check] [--json] (DOMAIN... | --all): apply each managed
 * running domain's recorded placement to its cgroups and threads and read it
 * back (SPEC sections 1 and 7). Exit 0: all enforced without drift; 1: drift
 * left or a domain could not be enforced; 2: usage or configuration error. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "enforce.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "paths.h"
#include "planjson.h"

static const char usage_text[] =
    "usage: vmplace-enforce [--check] [--json] (DOMAIN... | --all)\n"
    "Apply the placement vmplace recorded for each running managed domain to its\n"
    "cgroup files and thread affinity, then read everything back.\n"
    "  --check  only read back and report drift; write nothing\n"
    "  --json   one JSON object on stdout\n"
    "  --all    every domain in the ledger whose QEMU runs\n"
    "Exit: 0 enforced without drift, 1 drift left or a domain could not be\n"
    "enforced, 2 usage or configuration error.\n";

static json_object *result_json(const vp_enforce_result *r)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(r->name ? r->name : ""));
        json_object_object_add(o, "uuid", r->uuid ? json_object_new_string(r->uuid) : NULL);
        json_object_object_add(o, "state", r->state ? json_object_new_string(r->state) : NULL);
        json_object_object_add(o, "pid", r->pid ? json_object_new_int64(r->pid) : NULL);
        json_object_object_add(o, "cgroup_version",
                               r->version ? json_object_new_int((int)r->version) : NULL);
        json_object_object_add(o, "drift", vp_json_drifts(&r->drift));
        json_object_object_add(o, "error", r->err.code ? json_object_new_string(r->err.msg) : NULL);
        return o;
}

static void print_human(const vp_enforce_result *r, bool check)
{
        /* names come from argv and errors quote them: one line each */
        _cleanup_free_ char *name = vp_one_line(vp_xstrdup(r->name ? r->name : ""));
        if (r->err.code) {
                _cleanup_free_ char *why = vp_one_line(vp_xstrdup(r->err.msg));
                fprintf(stderr, "vmplace-enforce: %s: %s\n", name, why);
                return;
        }
        printf("%s: %s (pid %ld, cgroup v%d, %zu files)\n", name,
               r->drift.n ? "drift" : (check ? "matches its plan" : "enforced"), r->pid,
               (int)r->version, r->writes.n);
        for (size_t i = 0; i < r->drift.n; i++)
                printf("  %-36s want %-12s have %s\n", r->drift.d[i].file, r->drift.d[i].want,
                       r->drift.d[i].have);
}

int main(int argc, char **argv)
{
        bool check = false, json = false, all = false;
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                        fputs(usage_text, stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--check"))
                        check = true;
                else if (!strcmp(argv[i], "--json"))
                        json = true;
                else if (!strcmp(argv[i], "--all"))
                        all = true;
                else if (argv[i][0] == '-') {
                        fprintf(stderr, "vmplace-enforce: unknown option '%s'\n", argv[i]);
                        return 2;
                }
        }
        /* names are every non-option argument */
        int n_names = 0;
        for (int i = 1; i < argc; i++)
                n_names += argv[i][0] != '-';
        if (all == (n_names > 0)) {
                fputs(usage_text, stderr);
                return 2;
        }
        vp_paths paths;
        vp_paths_from_env(&paths);
        vp_json_init();
        unsigned flags = check ? VP_ENFORCE_CHECK : 0;

        char **names = NULL;
        size_t n = 0;
        vp_ledger l = {0};
        vp_error err = {0};
        if (all) {
                if (vp_ledger_load(paths.rundir, &l, &err) < 0) {
                        fprintf(stderr, "vmplace-enforce: %s\n", err.msg);
                        return 2;
                }
                names = vp_xcalloc(l.n + 1, sizeof(char *));
                for (size_t i = 0; i < l.n; i++)
                        if (vp_ledger_entry_alive(&l.entries[i], paths.libvirt_rundir, paths.proc))
                                names[n++] = l.entries[i].name;
        } else {
                names = vp_xcalloc((size_t)argc, sizeof(char *));
                for (int i = 1; i < argc; i++)
                        if (argv[i][0] != '-')
                                names[n++] = argv[i];
        }
        int rc = 0;
        json_object *arr = json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < n; i++) {
                vp_enforce_result r;
                int x = vp_enforce_domain(&paths, names[i], NULL, flags, &r);
                if (x != 0)
                        rc = 1;
                if (json)
                        json_object_array_add(arr, result_json(&r));
                else
                        print_human(&r, check);
                vp_enforce_result_free(&r);
        }
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "domains", arr);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        } else if (all && n == 0) {
                printf("(no running managed domains)\n");
        }
        free(names);
        vp_ledger_free(&l);
        return rc;
}
