/* SPDX-License-Identifier: GPL-2.0-or-later */
/* planjson.c: a plan through the JSON that `vmplace plan --json` prints and
 * the hook saves as RUNDIR/domains/UUID.plan.json. Each plan is turned into
 * text as the hook writes it, the text saved as a state file and read back
 * strictly (vp_json_file_read, what a state file reader trusts), and every
 * field SPEC 5 lists is checked on the parsed copy: names, values, nulls for
 * what is not set, the cgroup list equal to vp_cgwrites_build's (what
 * `vmplace apply` diffs against). The helpers (cpusets, launch-only, drift,
 * id arrays, status rows) at their edges; damaged plan.json files refused. */
#include <errno.h>
#include <sys/stat.h>

#include "fileio.h"
#include "jsonfile.h"
#include "planjson.h"
#include "tap.h"
#include "tree.h"

static char *dir;

static vp_cpuset cs(const char *s)
{
        vp_cpuset r;
        vp_cpuset_parse(&r, s, VP_MAX_CPUS, NULL);
        return r;
}

/* o[key] or NULL; absent and null both give NULL, so has() tells them apart */
static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;
        json_object_object_get_ex(o, key, &v);
        return v;
}

static bool has(json_object *o, const char *key)
{
        return json_object_object_get_ex(o, key, NULL);
}

static const char *str(json_object *o, const char *key)
{
        json_object *v = get(o, key);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long num(json_object *o, const char *key)
{
        json_object *v = get(o, key);
        return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -999;
}

/* the object's keys in order, space-separated (json-c keeps insertion order) */
static char *keys(json_object *o)
{
        vp_buf b = {0};
        vp_buf_str(&b, "");
        json_object_object_foreach(o, k, v)
        {
                (void)v;
                if (b.len)
                        vp_buf_str(&b, " ");
                vp_buf_str(&b, k);
        }
        return b.s;
}

/* compact text of a value, for checks on small arrays and objects */
static const char *txt(json_object *o)
{
        return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE)
                 : "(absent or null)";
}

/* The plan as the hook saves it (lib/ops/decide.c: pretty, slashes as they
 * are), written to a 0600 state file, read back by the strict reader. The
 * caller puts the result; *orig gets the object the text came from. */
static json_object *round_trip(const vp_plan *p, const vp_domain *d, vp_cgroup_version v,
                               const char *diff, json_object **orig)
{
        json_object *j = vp_plan_to_json(p, d, v, diff);
        const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        _cleanup_free_ char *path = vp_xasprintf("%s/plan.json", dir);
        vp_error e = {0};
        int r = vp_write_file_atomic(path, text, strlen(text), 0600, &e);
        if (r < 0)
                ok(0, "write %s: %s", path, e.msg);
        json_object *back = NULL;
        r = vp_json_file_read(path, 16u << 20, &back, &e);
        is_int(r, 0, "the saved plan reads back strictly (%s)", r ? e.msg : "");
        ok(back && json_object_equal(j, back), "the parsed copy equals the object written");
        *orig = j;
        return back;
}

static void full_plan(vp_plan *p, vp_domain *d)
{
        memset(d, 0, sizeof(*d));
        d->vcpus_max = 3;
        d->vcpus_current = 3;
        static unsigned io[] = {4};
        d->iothread_ids = io;
        d->n_iothreads = 1;

        memset(p, 0, sizeof(*p));
        p->domain = "db-1 \"prod\"/é";
        p->uuid = "11111111-2222-3333-4444-555555555555";
        p->profile = "db";
        p->matched_by = "name:db-*";
        p->vcpus = 3;
        p->memory_kib = 4194304;
        p->kind = VP_KIND_DEDICATED;
        p->host_nodes = cs("0-1");
        static vp_ledger_mem nm[] = {{0, 3145728}, {1, 1048576}};
        p->node_mem = nm;
        p->n_node_mem = 2;
        p->held = cs("5,2-4");
        p->vcpu_cpus = cs("2-5");
        p->emulator_cpus = cs("0-1");
        vp_tune *t = &p->tune;
        t->q[VP_T_SHARES] = (vp_opt_ll){true, 2048};
        t->q[VP_T_VCPU_QUOTA] = (vp_opt_ll){true, 50000};
        t->q[VP_T_GLOBAL_QUOTA] = (vp_opt_ll){true, -1};
        t->vcpu_cpuset_set = true;
        t->vcpu_cpuset = cs("2-5");
        static vp_pin pins[2];
        pins[0] = (vp_pin){.id = 0, .set = cs("2")};
        pins[1] = (vp_pin){.id = 10, .set = cs("3,4")};
        t->vcpupin = pins;
        t->n_vcpupin = 2;
        t->emulatorpin_set = true;
        t->emulatorpin = cs("0-1");
        static vp_pin iop[1];
        iop[0] = (vp_pin){.id = 4, .set = cs("0")};
        t->iothreadpin = iop;
        t->n_iothreadpin = 1;
        t->mem_mode = VP_MEM_STRICT;
        t->nodeset_set = true;
        t->nodeset = cs("0-1");
        static vp_memnode mn[2];
        mn[0] = (vp_memnode){
            .cellid = 0, .mode = VP_MEM_STRICT, .nodeset_set = true, .nodeset = cs("0")};
        mn[1] = (vp_memnode){.cellid = 1, .mode = VP_MEM_UNSET};
        t->memnodes = mn;
        t->n_memnodes = 2;
        static vp_cell cells[2];
        cells[0] = (vp_cell){.id = 0,
                             .cpus_set = true,
                             .cpus = cs("0-1"),
                             .memory_set = true,
                             .memory_kib = 3145728};
        cells[1] = (vp_cell){
            .id = 1, .cpus_set = true, .cpus = cs("2"), .memory_set = true, .memory_kib = 1048576};
        t->cells = cells;
        t->n_cells = 2;
        p->launch_only = VP_LAUNCH_GUEST_NUMA | VP_LAUNCH_MEMNODE;
        p->reason = "dedicated: 4 CPUs on nodes 0-1";
}

static void test_full(void)
{
        vp_plan p;
        vp_domain d;
        full_plan(&p, &d);
        json_object *j = NULL;
        json_object *o = round_trip(&p, &d, VP_CGROUP_V2, NULL, &j);
        if (!o) {
                json_object_put(j);
                return;
        }
        char *k = keys(o);
        is_str(k,
               "domain uuid profile matched_by vcpus memory_kib kind isolation host_nodes node_memory_kib "
               "cpus emulator_cpus vcpu_cpuset cputune numatune guest_numa launch_only cgroup "
               "cgroup_version reason refusal",
               "every field, in order; no xml_diff when none is given");
        free(k);
        is_str(str(o, "domain"), "db-1 \"prod\"/é", "domain: quotes, slash and UTF-8 kept");
        is_str(str(o, "uuid"), p.uuid, "uuid");
        is_str(str(o, "profile"), "db", "profile");
        is_str(str(o, "matched_by"), "name:db-*", "matched_by");
        is_int(num(o, "vcpus"), 3, "vcpus");
        is_int(num(o, "memory_kib"), 4194304, "memory_kib");
        is_str(str(o, "kind"), "dedicated", "kind by name");
        is_str(txt(get(o, "host_nodes")), "[0,1]", "host_nodes: an array of ids");
        is_str(txt(get(o, "node_memory_kib")), "{\"0\":3145728,\"1\":1048576}",
               "node_memory_kib: node id -> KiB");
        is_str(str(o, "cpus"), "2-5", "cpus: the held CPUs, normalised");
        is_str(str(o, "emulator_cpus"), "0-1", "emulator_cpus");
        is_str(str(o, "vcpu_cpuset"), "2-5", "vcpu_cpuset");

        json_object *ct = get(o, "cputune");
        is_str_free(keys(ct), "shares global_quota vcpu_quota vcpupin emulatorpin iothreadpin",
                    "cputune: only the scalars that are set, in libvirt order, then the pins");
        is_int(num(ct, "shares"), 2048, "shares");
        is_int(num(ct, "global_quota"), -1, "a negative quota stays negative");
        is_int(num(ct, "vcpu_quota"), 50000, "vcpu_quota");
        is_str(txt(get(ct, "vcpupin")), "{\"0\":\"2\",\"10\":\"3-4\"}",
               "vcpupin: vCPU id -> cpuset string");
        is_str(str(ct, "emulatorpin"), "0-1", "emulatorpin");
        is_str(txt(get(ct, "iothreadpin")), "{\"4\":\"0\"}", "iothreadpin by iothread id");

        json_object *nt = get(o, "numatune");
        is_str(str(nt, "mode"), "strict", "numatune mode (what doctor reads)");
        is_str(str(nt, "nodeset"), "0-1", "numatune nodeset");
        is_str(txt(get(nt, "memnode")),
               "{\"0\":{\"mode\":\"strict\",\"nodeset\":\"0\"},\"1\":{\"mode\":null,"
               "\"nodeset\":null}}",
               "memnode by cellid; unset mode and nodeset are null");

        is_str(txt(get(o, "guest_numa")),
               "[{\"id\":0,\"cpus\":\"0-1\",\"memory_kib\":3145728},{\"id\":1,\"cpus\":\"2\","
               "\"memory_kib\":1048576}]",
               "guest_numa: {id, cpus, memory_kib} per cell");
        is_str(txt(get(o, "launch_only")), "[\"guest_numa\",\"numatune.memnode\"]",
               "launch_only by name, in bit order");
        is_int(num(o, "cgroup_version"), 2, "cgroup_version");
        is_str(str(o, "reason"), p.reason, "reason");
        ok(has(o, "refusal") && get(o, "refusal") == NULL, "refusal: null");

        /* the cgroup list is exactly the plan's writes, in their order */
        vp_cgwrites w;
        vp_plan_cgwrites(&p, &d, VP_CGROUP_V2, &w);
        json_object *cg = get(o, "cgroup");
        ok(cg && json_object_is_type(cg, json_type_array), "cgroup is an array");
        size_t n = cg ? json_object_array_length(cg) : 0;
        is_int(n, w.n, "one entry per write");
        ok(w.n > 5, "and there are several (%zu)", w.n);
        bool same = n == w.n;
        for (size_t i = 0; same && i < n; i++) {
                json_object *e = json_object_array_get_idx(cg, i);
                char *ek = keys(e);
                same = !strcmp(ek, "file value") && !strcmp(str(e, "file"), w.w[i].file) &&
                       !strcmp(str(e, "value"), w.w[i].value);
                if (!same)
                        printf("#   entry %zu: %s\n", i, txt(e));
                free(ek);
        }
        ok(same, "every {file, value} as built, in order");
        vp_cgwrites_free(&w);
        json_object_put(o);
        json_object_put(j);

        /* the other cgroup version names other files */
        o = round_trip(&p, &d, VP_CGROUP_V1, "--- a\n+++ b\n", &j);
        is_int(num(o, "cgroup_version"), 1, "cgroup_version 1");
        cg = get(o, "cgroup");
        is_str(str(json_object_array_get_idx(cg, 0), "file"), "cpu.shares", "v1: cpu.shares first");
        is_int(json_object_array_get_idx(cg, 0) ? 1 : 0, 1, "v1 list not empty");
        is_str(str(o, "xml_diff"), "--- a\n+++ b\n", "xml_diff when given, newlines kept");
        k = keys(o);
        like(k, "refusal xml_diff", "xml_diff comes last");
        free(k);
        json_object_put(o);
        json_object_put(j);
}

static void test_empty_and_refused(void)
{
        vp_domain d;
        memset(&d, 0, sizeof(d));
        d.vcpus_max = 2;
        d.vcpus_current = 2;
        vp_plan p;
        memset(&p, 0, sizeof(p));
        p.domain = "web-1";
        p.vcpus = 2;
        p.memory_kib = 1024;
        p.kind = VP_KIND_NONE;
        json_object *j = NULL;
        json_object *o = round_trip(&p, &d, VP_CGROUP_V2, NULL, &j);
        char *k = keys(o);
        is_str(k,
               "domain uuid profile matched_by vcpus memory_kib kind isolation host_nodes node_memory_kib "
               "cpus emulator_cpus vcpu_cpuset cputune numatune guest_numa launch_only cgroup "
               "cgroup_version reason refusal",
               "an unmanaged plan carries every field too");
        free(k);
        static const char *nulls[] = {"uuid",          "profile",     "matched_by", "cpus",
                                      "emulator_cpus", "vcpu_cpuset", "reason",     "refusal"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(nulls); i++)
                ok(has(o, nulls[i]) && get(o, nulls[i]) == NULL, "unset %s: null", nulls[i]);
        is_str(str(o, "kind"), "none", "kind none");
        is_str(txt(get(o, "host_nodes")), "[]", "no nodes: []");
        is_str(txt(get(o, "node_memory_kib")), "{}", "no node memory: {}");
        is_str(txt(get(o, "cputune")), "{\"vcpupin\":{},\"emulatorpin\":null,\"iothreadpin\":{}}",
               "cputune: empty pins, no scalars");
        is_str(txt(get(o, "numatune")), "{\"mode\":null,\"nodeset\":null,\"memnode\":{}}",
               "numatune: nulls and no memnode");
        is_str(txt(get(o, "guest_numa")), "[]", "no guest cells");
        is_str(txt(get(o, "launch_only")), "[]", "nothing launch-only");
        json_object_put(o);
        json_object_put(j);

        /* a refusal writes nothing to the cgroups */
        vp_plan r;
        full_plan(&r, &d);
        r.refusal = "vmplace: db-1 (profile db): not enough free CPUs";
        o = round_trip(&r, &d, VP_CGROUP_V2, NULL, &j);
        is_str(str(o, "refusal"), r.refusal, "refusal text");
        is_str(txt(get(o, "cgroup")), "[]", "a refused plan has no cgroup writes");
        is_str(str(o, "cpus"), "2-5", "the rest of the plan still shown");
        json_object_put(o);
        json_object_put(j);
}

static void test_helpers(void)
{
        vp_cpuset s = cs("8,3,0-2");
        json_object *o = vp_json_cpuset(&s);
        is_str(json_object_get_string(o), "0-3,8", "cpuset: normalised string");
        json_object_put(o);
        vp_cpuset none;
        vp_cpuset_zero(&none);
        ok(vp_json_cpuset(&none) == NULL, "empty cpuset: NULL (null)");
        o = vp_json_id_array(&s);
        is_str(txt(o), "[0,1,2,3,8]", "id array in order");
        json_object_put(o);
        o = vp_json_id_array(&none);
        is_str(txt(o), "[]", "empty id array");
        json_object_put(o);
        vp_cpuset high = cs("1023");
        o = vp_json_id_array(&high);
        is_str(txt(o), "[1023]", "a high id");
        json_object_put(o);

        o = vp_json_launch_only(VP_LAUNCH_GUEST_NUMA | VP_LAUNCH_MEMNODE | VP_LAUNCH_MEMORY_POLICY);
        is_str(txt(o), "[\"guest_numa\",\"numatune.memnode\",\"numatune.mode\"]",
               "every launch-only bit, in bit order");
        json_object_put(o);
        o = vp_json_launch_only(VP_LAUNCH_MEMORY_POLICY | 0x80u);
        is_str(txt(o), "[\"numatune.mode\"]", "bits without a name are left out");
        json_object_put(o);
        is_int(VP_ARRAY_SIZE(vp_launch_only_names), 3, "three names");

        vp_drifts d = {0};
        vp_drifts_add(&d, "vcpu0/cpuset.cpus", "2", "0-3");
        vp_drifts_add(&d, "cpu.weight", "100", "(missing)");
        o = vp_json_drifts(&d);
        is_str(txt(o),
               "[{\"file\":\"vcpu0/cpuset.cpus\",\"want\":\"2\",\"have\":\"0-3\"},{\"file\":"
               "\"cpu.weight\",\"want\":\"100\",\"have\":\"(missing)\"}]",
               "drifts: {file, want, have} in order");
        json_object_put(o);
        vp_drifts_free(&d);
        o = vp_json_drifts(&d);
        is_str(txt(o), "[]", "no drift: []");
        json_object_put(o);
}

static void test_entry(void)
{
        vp_ledger_entry e;
        memset(&e, 0, sizeof(e));
        e.name = "db-1";
        e.uuid = "11111111-2222-3333-4444-555555555555";
        e.profile = "db";
        e.matched_by = "metadata";
        e.state = "enforced";
        e.kind = VP_KIND_DEDICATED;
        vp_cpuset held = cs("2-5"), vc = cs("2-5"), emu = cs("0"), nodes = cs("0-1");
        vp_cpumask_set(&e.held, &held);
        vp_cpumask_set(&e.vcpu_cpus, &vc);
        vp_cpumask_set(&e.emulator_cpus, &emu);
        vp_cpumask_set(&e.nodes, &nodes);
        vp_ledger_mem mem[] = {{0, 1000}, {1, 24}};
        e.mem = mem;
        e.n_mem = 2;
        json_object *o = vp_json_entry(&e, "drift");
        is_str(txt(o),
               "{\"name\":\"db-1\",\"uuid\":\"11111111-2222-3333-4444-555555555555\","
               "\"profile\":\"db\",\"matched_by\":\"metadata\",\"state\":\"drift\",\"kind\":"
               "\"dedicated\",\"cpus\":\"2-5\",\"held\":\"2-5\",\"emulator_cpus\":\"0\","
               "\"nodes\":[0,1],\"memory_kib\":1024}",
               "a status row: the state given, not the entry's; memory summed over nodes");
        json_object_put(o);

        vp_cpumask_free(&e.held);
        vp_cpumask_free(&e.emulator_cpus);
        vp_cpumask_free(&e.nodes);
        e.uuid = e.profile = e.matched_by = NULL;
        e.kind = VP_KIND_SHARED;
        e.n_mem = 0;
        o = vp_json_entry(&e, "unplaced");
        is_str(txt(o),
               "{\"name\":\"db-1\",\"uuid\":null,\"profile\":null,\"matched_by\":null,\"state\":"
               "\"unplaced\",\"kind\":\"shared\",\"cpus\":\"2-5\",\"held\":null,"
               "\"emulator_cpus\":null,\"nodes\":[],\"memory_kib\":0}",
               "unset strings and empty sets are null, no nodes []");
        json_object_put(o);
        vp_cpumask_free(&e.vcpu_cpus);
}

/* plan.json is a file under /run that a crash or an admin can leave
 * damaged: the strict reader refuses it, naming the file and the byte. */
static void test_damaged(void)
{
        vp_plan p;
        vp_domain d;
        full_plan(&p, &d);
        json_object *j = vp_plan_to_json(&p, &d, VP_CGROUP_V2, NULL);
        const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t len = strlen(text);
        _cleanup_free_ char *path = vp_xasprintf("%s/bad.plan.json", dir);
        vp_error e = {0};
        json_object *o = NULL;

        vp_write_file_atomic(path, text, len / 2, 0600, NULL);
        int r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -EBADMSG, "cut in half: -EBADMSG");
        _cleanup_free_ char *w1 = vp_xasprintf("%s: not valid JSON: unexpected end of file", path);
        is_str(e.msg, w1, "message");
        ok(o == NULL, "nothing returned");

        _cleanup_free_ char *extra = vp_xasprintf("%s\n{}", text);
        vp_write_file_atomic(path, extra, strlen(extra), 0600, NULL);
        r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -EBADMSG, "a second object after it: -EBADMSG");
        _cleanup_free_ char *w2 = vp_xasprintf(" at byte %zu", len + 1);
        like(e.msg, w2, "message names the byte where the second object starts");
        like(e.msg, ": not valid JSON: ", "message says why");

        _cleanup_free_ char *nul = vp_xstrdup(text);
        nul[10] = '\0';
        vp_write_file_atomic(path, nul, len, 0600, NULL);
        r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -EBADMSG, "a NUL byte inside: -EBADMSG");
        like(e.msg, "contains a NUL byte", "message");

        _cleanup_free_ char *semi = vp_xstrdup(text);
        *strchr(semi, ':') = ';';
        vp_write_file_atomic(path, semi, len, 0600, NULL);
        r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -EBADMSG, "';' for ':': -EBADMSG");
        like(e.msg, ": not valid JSON: ", "message");
        like(e.msg, " at byte ", "with the byte");

        vp_write_file_atomic(path, "", 0, 0600, NULL);
        r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -EBADMSG, "an empty file: -EBADMSG");

        vp_write_file_atomic(path, text, len, 0600, NULL);
        r = vp_json_file_read(path, len - 1, &o, &e);
        is_int(r, -EFBIG, "larger than the limit: -EFBIG");
        chmod(path, 0620);
        r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -EPERM, "group-writable: -EPERM");
        unlink(path);
        r = vp_json_file_read(path, 1 << 20, &o, &e);
        is_int(r, -ENOENT, "missing: -ENOENT");
        json_object_put(j);
}

int main(void)
{
        vp_json_init();
        dir = tree_new("planjson");
        test_full();
        test_empty_and_refused();
        test_helpers();
        test_entry();
        test_damaged();
        tree_rm(dir);
        return tap_done();
}
