/* vmplace apply: re-plan running domains after a profile edit and enforce the
 * result live. The plan is made from the XML libvirt runs the domain with (its
 * status file), so "what would a start decide now" and "what is running" are
 * compared on the same document; parts that act only at QEMU launch are
 * reported, never silently dropped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "fileio.h"
#include "decide.h"
#include "enforce.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "planjson.h"
#include "running.h"

static const char help[] =
    "usage: vmplace apply [--json] (DOMAIN... | --all)\n"
    "Re-plan running domains with the profiles as they are now and enforce the result\n"
    "live: cgroup values, vCPU/emulator/iothread pinning and memory nodes, read back to\n"
    "verify. A dedicated VM keeps its CPUs when they still fit its profile. Drift made\n"
    "behind vmplace's back (virsh schedinfo/vcpupin --live, taskset) is repaired.\n"
    "What only acts when QEMU starts (guest NUMA cells, memnode binding, preferred or\n"
    "interleave policy) is listed as launch-only: run vmplace sync, then restart the VM.\n"
    "A domain that no longer matches a profile is released from the ledger (its cgroup\n"
    "values stay until it restarts). A placement that cannot be satisfied changes nothing.\n"
    "--all: every domain in the ledger and every domain libvirt runs.\n"
    "Exit 1 when a domain was refused, not running or could not be enforced.\n";

/* One cgroup file's value before and after, from the plans' write lists. */
typedef struct change {
        char *file, *before, *after;
} change;

typedef struct outcome {
        const char *result; /* applied, released, refused, unmanaged, not-running, error */
        char *profile, *matched_by, *reason, *message;
        char *uuid;
        vp_cpuset cpus_before, cpus_after, emu_before, emu_after, nodes_before, nodes_after;
        change *changes;
        size_t n_changes;
        vp_drifts repaired; /* drift found before applying */
        vp_drifts left;     /* drift still there after */
        unsigned launch_only;
} outcome;

static void outcome_free(outcome *o)
{
        free(o->profile);
        free(o->matched_by);
        free(o->reason);
        free(o->message);
        free(o->uuid);
        for (size_t i = 0; i < o->n_changes; i++) {
                free(o->changes[i].file);
                free(o->changes[i].before);
                free(o->changes[i].after);
        }
        free(o->changes);
        vp_drifts_free(&o->repaired);
        vp_drifts_free(&o->left);
}

/* The "cgroup" write list of a recorded plan (RUNDIR/domains/UUID.plan.json)
 * as a JSON array; NULL when there is none. */
static json_object *recorded_writes(const vp_paths *p, const char *uuid)
{
        _cleanup_free_ char *text = NULL;
        vp_error err;
        if (!uuid || vp_state_read(p->rundir, uuid, "plan.json", &text, &err) < 0)
                return NULL;
        json_object *root = json_tokener_parse(text), *cg = NULL;
        if (root && json_object_object_get_ex(root, "cgroup", &cg) &&
            json_object_is_type(cg, json_type_array))
                json_object_get(cg);
        else
                cg = NULL;
        json_object_put(root);
        return cg;
}

/* KEY's value in a {file, value} object of a plan's "cgroup" list when it is
 * a string, else NULL: plan.json is a file under /run that a crash or an
 * admin can leave damaged. */
static const char *str_field(json_object *w, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(w, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static const char *write_value(json_object *list, const char *file)
{
        size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
        for (size_t i = 0; i < n; i++) {
                json_object *w = json_object_array_get_idx(list, i);
                const char *f = str_field(w, "file"), *v = str_field(w, "value");
                if (f && v && strcmp(f, file) == 0)
                        return v;
        }
        return NULL;
}

static void add_change(outcome *o, const char *file, const char *before, const char *after)
{
        o->changes = vp_xrealloc(o->changes, (o->n_changes + 1) * sizeof(*o->changes));
        o->changes[o->n_changes++] = (change){vp_xstrdup(file), vp_xstrdup(before ? before : "-"),
                                              vp_xstrdup(after ? after : "-")};
}

/* Files whose planned value changed, appeared or left the plan. A file that
 * left keeps its value in the kernel until the VM restarts, as with libvirt
 * when an element is removed from a running domain's XML. Entries that are
 * not {file: string, value: string} are skipped. */
static void diff_writes(outcome *o, json_object *before, json_object *after)
{
        size_t na =
            json_object_is_type(after, json_type_array) ? json_object_array_length(after) : 0;
        size_t nb =
            json_object_is_type(before, json_type_array) ? json_object_array_length(before) : 0;
        for (size_t i = 0; i < na; i++) {
                const char *file = str_field(json_object_array_get_idx(after, i), "file");
                const char *a = file ? write_value(after, file) : NULL;
                if (!a)
                        continue;
                const char *b = write_value(before, file);
                if (!b || strcmp(a, b) != 0)
                        add_change(o, file, b, a);
        }
        for (size_t i = 0; i < nb; i++) {
                const char *file = str_field(json_object_array_get_idx(before, i), "file");
                if (file && write_value(before, file) && !write_value(after, file))
                        add_change(o, file, write_value(before, file), "(left as is)");
        }
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

static void apply_one(const vp_paths *p, const char *name, outcome *o)
{
        vp_error err = {{0}};
        /* Where the domain is now, and whether it drifted, before re-planning. */
        vp_ledger l = {0};
        json_object *before = NULL;
        vp_entry_kind kind_before = VP_KIND_NONE;
        if (vp_ledger_load(p->rundir, &l, &err) == 0) {
                vp_ledger_entry *e = find_entry(&l, name, NULL);
                if (e) {
                        o->cpus_before = vp_cpumask_get(&e->vcpu_cpus);
                        o->emu_before = vp_cpumask_get(&e->emulator_cpus);
                        o->nodes_before = vp_cpumask_get(&e->nodes);
                        kind_before = e->kind;
                        o->uuid = vp_xstrdup(e->uuid);
                        before = recorded_writes(p, e->uuid);
                        vp_enforce_result chk = {0};
                        if (vp_enforce_entry(p, e, VP_ENFORCE_CHECK, &chk) == 0) {
                                o->repaired = chk.drift;
                                chk.drift = (vp_drifts){0};
                        }
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
                json_object_put(before);
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
                json_object *after = recorded_writes(p, d.plan.uuid);
                diff_writes(o, before, after);
                json_object_put(after);
                vp_enforce_result er;
                int e = vp_enforce_domain(p, name, d.plan.uuid, 0, &er);
                /* the ledger's view after commit: floating sets may have moved */
                vp_ledger l2 = {0};
                if (vp_ledger_load(p->rundir, &l2, &err) == 0) {
                        vp_ledger_entry *ne = find_entry(&l2, name, d.plan.uuid);
                        if (ne) {
                                o->cpus_after = vp_cpumask_get(&ne->vcpu_cpus);
                                o->emu_after = vp_cpumask_get(&ne->emulator_cpus);
                                o->nodes_after = vp_cpumask_get(&ne->nodes);
                        }
                }
                vp_ledger_free(&l2);
                if (e < 0) {
                        o->result = "error";
                        o->message = vp_xasprintf("planned, but enforcement failed: %s", er.error);
                } else {
                        o->result = "applied";
                        o->left = er.drift;
                        er.drift = (vp_drifts){0};
                }
                vp_enforce_result_free(&er);
                /* a dedicated VM that moved narrows or widens the floating ones */
                if ((kind_before == VP_KIND_DEDICATED || d.plan.kind == VP_KIND_DEDICATED) &&
                    !vp_cpuset_equal(&o->cpus_before, &o->cpus_after))
                        vp_enforce_floating(p, d.plan.uuid);
        }
        json_object_put(before);
        vp_decision_free(&d);
}

static bool failed(const outcome *o)
{
        return strcmp(o->result, "refused") == 0 || strcmp(o->result, "error") == 0 ||
               strcmp(o->result, "not-running") == 0 || o->left.n > 0;
}

static json_object *outcome_json(const char *name, const outcome *o)
{
        json_object *j = json_object_new_object();
        cli_json_str(j, "name", name);
        cli_json_str(j, "uuid", o->uuid);
        cli_json_str(j, "result", o->result);
        cli_json_str(j, "profile", o->profile);
        cli_json_str(j, "matched_by", o->matched_by);
        cli_json_str(j, "reason", o->reason);
        cli_json_str(j, "message", o->message);
        json_object *b = json_object_new_object(), *a = json_object_new_object();
        json_object_object_add(b, "cpus", vp_json_cpuset(&o->cpus_before));
        json_object_object_add(b, "emulator_cpus", vp_json_cpuset(&o->emu_before));
        json_object_object_add(b, "nodes", vp_json_id_array(&o->nodes_before));
        json_object_object_add(a, "cpus", vp_json_cpuset(&o->cpus_after));
        json_object_object_add(a, "emulator_cpus", vp_json_cpuset(&o->emu_after));
        json_object_object_add(a, "nodes", vp_json_id_array(&o->nodes_after));
        json_object_object_add(j, "before", b);
        json_object_object_add(j, "after", a);
        json_object *ch = json_object_new_array();
        for (size_t i = 0; i < o->n_changes; i++) {
                json_object *c = json_object_new_object();
                json_object_object_add(c, "file", json_object_new_string(o->changes[i].file));
                json_object_object_add(c, "before", json_object_new_string(o->changes[i].before));
                json_object_object_add(c, "after", json_object_new_string(o->changes[i].after));
                json_object_array_add(ch, c);
        }
        json_object_object_add(j, "changes", ch);
        json_object_object_add(j, "repaired", vp_json_drifts(&o->repaired));
        json_object_object_add(j, "drift", vp_json_drifts(&o->left));
        json_object_object_add(j, "launch_only", vp_json_launch_only(o->launch_only));
        return j;
}

static void outcome_print(const char *name, const outcome *o)
{
        char a[64], b[64];
        printf("%s: %s", name, o->result);
        if (o->profile)
                printf(" (profile %s%s%s)", o->profile, o->matched_by ? ", " : "",
                       o->matched_by ? o->matched_by : "");
        putchar('\n');
        if (o->message) {
                fputs("  ", stdout);
                cli_wrap(o->message, 2);
        }
        if (strcmp(o->result, "applied") != 0 && strcmp(o->result, "error") != 0)
                return;
        if (o->reason) {
                fputs("  placement: ", stdout);
                cli_wrap(o->reason, 13);
        }
        static const char *const what[] = {"cpus", "emulator", "nodes"};
        const vp_cpuset *sets[][2] = {{&o->cpus_before, &o->cpus_after},
                                      {&o->emu_before, &o->emu_after},
                                      {&o->nodes_before, &o->nodes_after}};
        for (size_t i = 0; i < 3; i++)
                if (!vp_cpuset_equal(sets[i][0], sets[i][1]))
                        printf("  %-8s %s -> %s\n", what[i],
                               vp_cpuset_fmt(sets[i][0], b, sizeof(b)),
                               vp_cpuset_fmt(sets[i][1], a, sizeof(a)));
        for (size_t i = 0; i < o->n_changes; i++)
                printf("  %-32s %s -> %s\n", o->changes[i].file, o->changes[i].before,
                       o->changes[i].after);
        for (size_t i = 0; i < o->repaired.n; i++)
                printf("  drift repaired: %-32s was %s (plan said %s)\n", o->repaired.d[i].file,
                       o->repaired.d[i].have, o->repaired.d[i].want);
        for (size_t i = 0; i < o->left.n; i++)
                printf("  still drifting: %-32s want %s have %s\n", o->left.d[i].file,
                       o->left.d[i].want, o->left.d[i].have);
        if (o->launch_only) {
                printf("  launch-only, not applied to the running VM:");
                for (unsigned i = 0; i < VP_ARRAY_SIZE(vp_launch_only_names); i++)
                        if (o->launch_only & (1u << i))
                                printf(" %s", vp_launch_only_names[i]);
                printf("\n  (run vmplace sync %s, then restart it)\n", name);
        }
}

/* --all: every ledger entry and every domain libvirt runs, once each (the
 * unmanaged ones come back as "unmanaged" and are not printed). */
static size_t all_names(const vp_paths *p, char ***out)
{
        char **names = NULL;
        size_t n = 0;
        vp_ledger l = {0};
        vp_error err;
        if (vp_ledger_load(p->rundir, &l, &err) == 0)
                for (size_t i = 0; i < l.n; i++) {
                        names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                        names[n++] = vp_xstrdup(l.entries[i].name);
                }
        vp_ledger_free(&l);
        vp_running *run = NULL;
        size_t nrun = 0;
        if (vp_running_list(p, &run, &nrun, &err) == 0)
                for (size_t i = 0; i < nrun; i++) {
                        bool seen = false;
                        for (size_t k = 0; k < n && !seen; k++)
                                seen = strcmp(names[k], run[i].name) == 0;
                        if (!seen) {
                                names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                                names[n++] = vp_xstrdup(run[i].name);
                        }
                }
        vp_running_free(run, nrun);
        *out = names;
        return n;
}

int cmd_apply(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false, all = false;
        char **names = NULL;
        size_t n = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--all") == 0)
                        all = true;
                else if (argv[i][0] == '-') {
                        fprintf(stderr, "vmplace apply: unknown option '%s'\n", argv[i]);
                        free(names);
                        return EXIT_USAGE;
                } else {
                        names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                        names[n++] = argv[i];
                }
        }
        if (all == (n > 0)) {
                fprintf(stderr, "vmplace apply: name domains or give --all (not both)\n");
                free(names);
                return EXIT_USAGE;
        }
        if (!cli_config_valid(p, "apply")) {
                free(names);
                return EXIT_USAGE;
        }
        char **owned = NULL;
        if (all)
                n = all_names(p, &owned);
        int rc = EXIT_OK;
        json_object *arr = json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < n; i++) {
                const char *name = all ? owned[i] : names[i];
                outcome o = {0};
                apply_one(p, name, &o);
                /* --all covers what runs: an entry that is not running is
                 * the reclaimer's business, not a failure of apply */
                if (!(all && strcmp(o.result, "not-running") == 0) && failed(&o))
                        rc = EXIT_UNMET;
                if (json)
                        json_object_array_add(arr, outcome_json(name, &o));
                else if (!(all && strcmp(o.result, "unmanaged") == 0))
                        outcome_print(name, &o);
                outcome_free(&o);
        }
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "domains", arr);
                cli_print_json(o);
        }
        for (size_t i = 0; owned && i < n; i++)
                free(owned[i]);
        free(owned);
        free(names);
        return rc;
}
