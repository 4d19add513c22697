/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger's JSON text (lib/model/ledgerjson.c), through the store's
 * load and save as the programs use it and from memory: the file format
 * round trip, json-c's own bytes, sorting, previous records and corrupt
 * files. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <json-c/json.h>

#include "fileio.h"
#include "ledger.h"
#include "ledger_fixture.h"
#include "ledgerjson.h"
#include "ledgerstore.h"
#include "tap.h"
#include "units.h"

static void test_roundtrip(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0}, back = {0};

        is_int(vp_ledger_load(run, &back, &err), 0, "missing ledger loads as empty");
        is_int(back.n + back.n_prev, 0, "... with nothing in it");

        vp_ledger_entry e = mk("db-1", U1, VP_KIND_DEDICATED, "2-5,8", NOW - 5);
        mset(&e.vcpu_cpus, "2-5");
        mset(&e.emulator_cpus, "8");
        mset(&e.nodes, "0-1");
        free(e.state);
        e.state = vp_xstrdup("enforced");
        add_mem(&e, 1, 5ULL << 40); /* beyond 32 bits */
        add_mem(&e, 0, 1048576);
        e.pid = 424242;
        e.created = (int64_t)1 << 40;
        e.isolated = true;
        vp_ledger_put(&l, &e);
        ok(e.name == NULL && e.uuid == NULL && e.mem == NULL, "put takes ownership and clears e");

        vp_ledger_entry f =
            mk("web \"x\"\n", "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", VP_KIND_NONE, "", NOW);
        free(f.profile);
        free(f.matched_by);
        f.profile = f.matched_by = NULL;
        mset(&f.emulator_cpus, "");
        mset(&f.nodes, "");
        vp_ledger_put(&l, &f);
        is_str(l.entries[1].uuid, U2, "put stores the uuid in lower case");
        ok(vp_ledger_find_uuid(&l, "AAAAAAAA-bbbb-CCCC-dddd-EEEEEEEEEEEE") == &l.entries[1],
           "find_uuid ignores case");
        ok(vp_ledger_find_name(&l, "db-1") == &l.entries[0], "find_name");
        ok(vp_ledger_find_name(&l, "DB-1") == NULL, "find_name is case-sensitive");
        ok(vp_ledger_find_uuid(&l, U3) == NULL, "find_uuid of an absent uuid");

        vp_ledger_entry g = mk("shared-1", U3, VP_KIND_SHARED, "", NOW);
        mset(&g.vcpu_cpus, "0-63,100,4095");
        vp_ledger_put(&l, &g);
        is_int(l.entries[0].n_mem, 2, "memory kept per node");
        is_int(l.entries[0].mem[0].node, 0, "memory sorted by node");

        /* two released domains in prev */
        vp_ledger_entry p =
            mk("gone", "99999999-9999-9999-9999-999999999999", VP_KIND_DEDICATED, "10-11", NOW);
        vp_ledger_put(&l, &p);
        ok(vp_ledger_remove(&l, "99999999-9999-9999-9999-999999999999", NOW + 1), "remove");

        is_int(vp_ledger_save(run, &l, &err), 0, "save: %s", err.msg);
        is_int(vp_ledger_load(run, &back, &err), 0, "load: %s", err.msg);
        ok(ledger_equal(&l, &back), "every field survives save + load");
        vp_ledger_free(&back);

        /* the file is the documented format */
        char *path = vp_xasprintf("%s/ledger.json", run);
        json_object *root = json_object_from_file(path);
        ok(root != NULL, "ledger.json is JSON");
        json_object *v, *ent, *mem;
        ok(json_object_object_get_ex(root, "version", &v) && json_object_get_int(v) == 1,
           "version 1");
        ok(json_object_object_get_ex(root, "entries", &v) && json_object_array_length(v) == 3,
           "3 entries");
        ent = json_object_array_get_idx(v, 0);
        is_str(json_object_get_string(json_object_object_get(ent, "name")), "db-1", "name");
        is_str(json_object_get_string(json_object_object_get(ent, "uuid")), U1, "uuid");
        is_str(json_object_get_string(json_object_object_get(ent, "kind")), "dedicated", "kind");
        is_str(json_object_get_string(json_object_object_get(ent, "isolation")), "host",
               "isolation = host recorded");
        ok(!json_object_object_get_ex(json_object_array_get_idx(v, 1), "isolation", NULL),
           "an entry without isolation has no isolation member (older ledgers load the same)");
        is_str(json_object_get_string(json_object_object_get(ent, "held")), "2-5,8",
               "held normalised");
        is_str(json_object_get_string(json_object_object_get(ent, "nodes")), "0-1", "nodes");
        is_str(json_object_get_string(json_object_object_get(ent, "state")), "enforced", "state");
        is_str(json_object_get_string(json_object_object_get(ent, "profile")), "database",
               "profile");
        is_str(json_object_get_string(json_object_object_get(ent, "matched_by")), "name:db-*",
               "matched_by");
        is_int(json_object_get_int64(json_object_object_get(ent, "created")), (int64_t)1 << 40,
               "created");
        is_int(json_object_get_int64(json_object_object_get(ent, "pid")), 424242, "pid");
        mem = json_object_object_get(ent, "memory");
        is_int(json_object_get_int64(json_object_object_get(mem, "0")), 1048576, "memory.0 KiB");
        is_int(json_object_get_int64(json_object_object_get(mem, "1")), (int64_t)(5ULL << 40),
               "memory.1 KiB");
        ent = json_object_array_get_idx(v, 2);
        is_str(json_object_get_string(json_object_object_get(ent, "name")), "web \"x\"\n",
               "odd name kept verbatim");
        ok(json_object_object_get_ex(ent, "profile", &v) && v == NULL, "NULL profile is null");
        is_str(json_object_get_string(json_object_object_get(ent, "held")), "",
               "empty cpuset is \"\"");
        ok(json_object_object_get_ex(root, "previous", &v) && json_object_array_length(v) == 1,
           "one previous record");
        ent = json_object_array_get_idx(v, 0);
        is_str(json_object_get_string(json_object_object_get(ent, "held")), "10-11",
               "previous held");
        is_str(json_object_get_string(json_object_object_get(ent, "emulator_cpus")), "0-1",
               "previous emulator_cpus");
        is_int(json_object_get_int64(json_object_object_get(ent, "released")), NOW + 1,
               "previous released");
        json_object_put(root);

        /* unknown fields are ignored, pid/profile/matched_by/previous optional */
        write_text(path, "{\"version\":1,\"future\":{\"x\":[1,2]},\"entries\":[{\"name\":\"a\","
                         "\"uuid\":\"11111111-2222-3333-4444-555555555555\",\"state\":"
                         "\"prepared\","
                         "\"kind\":\"shared\",\"held\":\"\",\"vcpu_cpus\":\"0-3,^2\","
                         "\"emulator_cpus\":\"\",\"nodes\":\"0\",\"memory\":{},"
                         "\"created\":5,\"colour\":\"blue\"}]}");
        is_int(vp_ledger_load(run, &back, &err), 0, "unknown fields ignored: %s", err.msg);
        ok(back.n == 1 && back.entries[0].profile == NULL && back.entries[0].pid == 0 &&
               back.n_prev == 0,
           "optional fields default");
        ok(back.n == 1 && meq(&back.entries[0].vcpu_cpus, 0xb),
           "libvirt cpuset syntax accepted on load");
        vp_ledger_free(&back);

        /* save refuses what load would refuse, leaving the file alone */
        vp_ledger bad = {0};
        vp_ledger_entry b = mk("x", U1, VP_KIND_SHARED, "", NOW);
        free(b.uuid);
        b.uuid = vp_xstrdup("not-a-uuid");
        vp_ledger_put(&bad, &b);
        is_int(vp_ledger_save(run, &bad, &err), -EINVAL, "save refuses a bad uuid");
        like(err.msg, "not-a-uuid", "... naming it");
        is_int(vp_ledger_load(run, &back, &err), 0, "old file still loads");
        is_int(back.n, 1, "... unchanged");
        vp_ledger_free(&back);
        vp_ledger_free(&bad);

        free(path);
        vp_ledger_free(&l);
}

/* The file's text is json-c's own printing of it (PRETTY | SPACED |
 * NOSLASHESCAPE, one newline at the end): the writer writes it by hand. */
static bool jsonc_reprints_same(const char *path)
{
        char *text = NULL;
        size_t len = 0;
        if (vp_read_file(path, 1 << 24, &text, &len, NULL) < 0)
                return false;
        json_object *root = json_tokener_parse(text);
        const char *again =
            json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE);
        bool same = root && len == strlen(again) + 1 && !memcmp(text, again, len - 1) &&
                    text[len - 1] == '\n';
        if (!same)
                printf("# file:\n%s# json-c:\n%s\n", text, again ? again : "(null)");
        json_object_put(root);
        free(text);
        return same;
}

static void test_save_text(void)
{
        char *run = mkrun();
        char *path = vp_xasprintf("%s/ledger.json", run);
        vp_error err = {0};
        vp_ledger l = {0}, back = {0};

        ok(vp_ledger_save(run, &l, &err) == 0 && jsonc_reprints_same(path),
           "an empty ledger is json-c's text");

        /* names are the domain's: quotes, backslashes, control characters,
         * UTF-8, invalid UTF-8 */
        static const char *const names[] = {
            "q\"uote",
            "back\\slash",
            "nl\nand\ttab\x01\x1f\x7f",
            "caf\xc3\xa9-\xe2\x82\xac",
            "bad \xff\xc3 utf8",
            "a/b</script>",
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(names); i++) {
                char uuid[37];
                snprintf(uuid, sizeof(uuid), "%08zx-0000-4000-8000-00000000000%zx", i, i);
                vp_ledger_entry e = mk(names[i], uuid, VP_KIND_DEDICATED, "", NOW - (int64_t)i);
                free(e.profile);
                e.profile = i % 2 ? vp_xstrdup(names[i]) : NULL;
                e.commit = i % 3 ? vp_xasprintf("%zu.000000001-%s", i, names[i]) : NULL;
                if (i == 0) {
                        /* every other CPU: far beyond any small buffer */
                        vp_cpuset every = {{0}};
                        for (unsigned c = 0; c < VP_MAX_CPUS; c += 2)
                                vp_cpuset_set(&every, c);
                        vp_cpumask_set(&e.vcpu_cpus, &every);
                        mset(&e.held, "0-4095");
                        e.pid = INT_MAX;
                        e.created = INT64_MAX - 1;
                        e.starter_pid = INT_MAX;
                        e.starter_start = INT64_MAX - 1;
                }
                if (i == 1) {
                        add_mem(&e, 3, 7);
                        /* the most a domain may have, all told */
                        add_mem(&e, 0, VP_MEMORY_MAX_KIB - 8);
                        add_mem(&e, 4095, 1);
                }
                vp_ledger_put(&l, &e);
        }
        ok(vp_ledger_remove(&l, "00000002-0000-4000-8000-000000000002", NOW), "remove one");
        ok(vp_ledger_save(run, &l, &err) == 0 && jsonc_reprints_same(path),
           "hostile names, nulls, tokens, a 10 KB cpuset, memory and a previous record: "
           "json-c's text");
        is_int(vp_ledger_load(run, &back, &err), 0, "... and it loads: %s", err.msg);
        ok(ledger_equal(&l, &back), "... equal");
        for (size_t i = 0; i < back.n; i++)
                ok(str_eq(back.entries[i].commit, l.entries[i].commit), "commit %zu kept", i);
        vp_ledger_free(&back);

        /* An entry not put through vp_ledger_put may repeat a node: one key,
         * the sum, at the node's first place; a sum that load would refuse
         * is refused. */
        vp_ledger d = {0};
        d.entries = vp_xcalloc(1, sizeof(*d.entries));
        d.n = 1;
        d.entries[0] = mk("dup", U1, VP_KIND_SHARED, "", NOW);
        add_mem(&d.entries[0], 1, 10);
        add_mem(&d.entries[0], 0, 5);
        add_mem(&d.entries[0], 1, 20);
        is_int(vp_ledger_save(run, &d, &err), 0, "repeated nodes save: %s", err.msg);
        ok(jsonc_reprints_same(path), "... json-c's text");
        is_int(vp_ledger_load(run, &back, &err), 0, "... load");
        ok(back.n == 1 && back.entries[0].n_mem == 2 && back.entries[0].mem[0].kib == 5 &&
               back.entries[0].mem[1].node == 1 && back.entries[0].mem[1].kib == 30,
           "... summed per node");
        vp_ledger_free(&back);
        add_mem(&d.entries[0], 1, (uint64_t)INT64_MAX - 10);
        is_int(vp_ledger_save(run, &d, &err), -EINVAL,
               "a repeated node summing past int64 refused");
        like(err.msg, "memory on node 1 out of range", "... saying so");
        /* three values just below INT64_MAX add up past UINT64_MAX */
        d.entries[0].mem[3].kib = (uint64_t)INT64_MAX - 1;
        add_mem(&d.entries[0], 1, (uint64_t)INT64_MAX - 1);
        add_mem(&d.entries[0], 1, (uint64_t)INT64_MAX - 1);
        is_int(vp_ledger_save(run, &d, &err), -EINVAL, "... also when the sum saturates");
        /* nodes each in range, together more than a domain can have: load would refuse */
        d.entries[0].mem[3].kib = 20;
        d.entries[0].n_mem = 4;
        d.entries[0].mem[0].kib = VP_MEMORY_MAX_KIB;
        is_int(vp_ledger_save(run, &d, &err), -EINVAL, "memory past a domain's refused");
        like(err.msg, "memory adds up to more than a domain can have", "... saying so");
        is_int(vp_ledger_load(run, &back, &err), 0, "the last good file stays");
        is_int(back.n ? back.entries[0].mem[1].kib : 0, 30, "... unchanged");
        vp_ledger_free(&back);
        vp_ledger_free(&d);

        free(path);
        vp_ledger_free(&l);
}

static void test_sorted(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0}, back = {0};
        const char *names[] = {"vm-b", "vm-a", "vm-c", "VM-z", "vm-aa", "1st"};
        const char *uuids[] = {U1,
                               U2,
                               U3,
                               "00000000-0000-0000-0000-000000000001",
                               "00000000-0000-0000-0000-000000000002",
                               "00000000-0000-0000-0000-000000000003"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(names); i++) {
                vp_ledger_entry e = mk(names[i], uuids[i], VP_KIND_SHARED, "", NOW);
                vp_ledger_put(&l, &e);
        }
        const char *want[] = {"1st", "VM-z", "vm-a", "vm-aa", "vm-b", "vm-c"};
        bool sorted = l.n == VP_ARRAY_SIZE(want);
        for (size_t i = 0; sorted && i < l.n; i++)
                sorted = strcmp(l.entries[i].name, want[i]) == 0;
        ok(sorted, "entries sorted by name after puts");
        vp_ledger_save(run, &l, &err);
        vp_ledger_load(run, &back, &err);
        ok(ledger_equal(&l, &back), "order survives a round trip");
        vp_ledger_free(&back);

        /* a file written in another order loads sorted */
        char *path = vp_xasprintf("%s/ledger.json", run);
        json_object *root = json_object_from_file(path);
        json_object *arr = json_object_object_get(root, "entries");
        json_object *rev = json_object_new_array();
        for (size_t i = json_object_array_length(arr); i-- > 0;)
                json_object_array_add(rev, json_object_get(json_object_array_get_idx(arr, i)));
        json_object_object_add(root, "entries", rev);
        json_object_to_file(path, root);
        json_object_put(root);
        vp_ledger_load(run, &back, &err);
        ok(ledger_equal(&l, &back), "reversed file loads sorted");
        vp_ledger_free(&back);
        free(path);
        vp_ledger_free(&l);
}

/* A full previous list (the cap reached by releases) and more than the
 * cap in a file written elsewhere. */
static void test_previous_file(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0}, back = {0};
        fill_previous(&l, VP_LEDGER_PREVIOUS_MAX + 5);
        is_int(vp_ledger_save(run, &l, &err), 0, "save full previous");
        is_int(vp_ledger_load(run, &back, &err), 0, "load full previous: %s", err.msg);
        ok(ledger_equal(&l, &back), "previous order survives a round trip");
        vp_ledger_free(&back);

        /* a file with more than the cap (written elsewhere) keeps the newest */
        char *path = vp_xasprintf("%s/ledger.json", run);
        json_object *root = json_object_new_object();
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "entries", json_object_new_array());
        json_object *arr = json_object_new_array();
        for (unsigned i = 0; i < VP_LEDGER_PREVIOUS_MAX + 3; i++) {
                char u[37];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012x", i);
                json_object *o = json_object_new_object();
                json_object_object_add(o, "uuid", json_object_new_string(u));
                json_object_object_add(o, "held", json_object_new_string(i ? "1" : "bad"));
                json_object_object_add(o, "emulator_cpus", json_object_new_string(""));
                json_object_object_add(o, "released", json_object_new_int64(i));
                json_object_array_add(arr, o);
        }
        json_object_object_add(root, "previous", arr);
        json_object_to_file(path, root);
        json_object_put(root);
        is_int(vp_ledger_load(run, &back, &err), 0, "over-long previous loads: %s", err.msg);
        is_int(back.n_prev, VP_LEDGER_PREVIOUS_MAX, "... capped");
        is_int(back.prev[0].released, 3, "... the oldest dropped");
        vp_ledger_free(&back);
        write_text(path, "{\"version\":1,\"entries\":[],\"previous\":null}");
        is_int(vp_ledger_load(run, &back, &err), 0, "previous null is none");
        vp_ledger_free(&back);
        free(path);
        vp_ledger_free(&l);
}

static void corrupt_case_len(const char *run, const char *text, size_t len, const char *needle,
                             const char *what)
{
        char *path = vp_xasprintf("%s/ledger.json", run);
        FILE *f = fopen(path, "we");
        fwrite(text, 1, len, f);
        fclose(f);
        vp_ledger l = {0};
        vp_error err = {0};
        is_int(vp_ledger_load(run, &l, &err), -EBADMSG, "%s: -EBADMSG", what);
        like(err.msg, needle, "%s: message", what);
        like(err.msg, path, "%s: message names the file", what);
        ok(!strchr(err.msg, '\n'), "%s: one line", what);
        ok(l.n == 0 && l.entries == NULL && l.prev == NULL, "%s: ledger left empty", what);
        /* the codec alone, on a copy without the NUL the file reader adds:
         * the same answer, the file named as given */
        char *copy = vp_xmalloc(len ? len : 1);
        memcpy(copy, text, len);
        vp_error perr = {0};
        is_int(vp_ledger_json_parse(path, copy, len, &l, &perr), -EBADMSG,
               "%s: parsed from memory, -EBADMSG", what);
        is_str(perr.msg, err.msg, "%s: ... the same message", what);
        ok(l.n == 0 && l.entries == NULL && l.prev == NULL, "%s: ... ledger left empty", what);
        free(copy);
        free(path);
}

static void corrupt_case(const char *run, const char *text, const char *needle, const char *what)
{
        corrupt_case_len(run, text, strlen(text), needle, what);
}

#define E_HEAD  "{\"version\":1,\"entries\":[{\"name\":\"a\",\"uuid\":\"" /* uuid follows */
#define U2_TEXT "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"
#define E_OK    "11111111-2222-3333-4444-555555555555"
#define E_REST                                                                                     \
        "\",\"state\":\"prepared\",\"kind\":\"shared\",\"held\":\"\",\"vcpu_cpus\":"               \
        "\"0-3\","                                                                                 \
        "\"emulator_cpus\":\"\",\"nodes\":\"0\",\"memory\":{\"0\":1024},"                          \
        "\"created\":5"

static void test_corrupt(void)
{
        char *run = mkrun();
        corrupt_case(run, "", "unexpected end of file", "empty file");
        corrupt_case(run, "{\"version\":1,\"entries\":[{\"name\":\"a\",\"uu", "unexpected end",
                     "truncated");
        corrupt_case(run, "{\"version\":1,\"entries\":[]} x", "not valid JSON", "trailing garbage");
        {
                static const char nul[] = "{\"version\":1,\"entries\":[]}\0{}";
                corrupt_case_len(run, nul, sizeof(nul) - 1, "NUL", "NUL byte");
        }
        corrupt_case(run, "[1,2]", "not a JSON object", "top level array");
        corrupt_case(run, "{\"entries\":[]}", "missing 'version'", "no version");
        corrupt_case(run, "{\"version\":2,\"entries\":[]}", "unsupported version '2'", "version 2");
        corrupt_case(run, "{\"version\":\"1\",\"entries\":[]}", "unsupported version",
                     "version string");
        corrupt_case(run, "{\"version\":1}", "missing 'entries'", "no entries");
        corrupt_case(run, "{\"version\":1,\"entries\":{}}", "'entries' is not an array",
                     "entries object");
        corrupt_case(run, "{\"version\":1,\"entries\":[],\"previous\":5}",
                     "'previous' is not an array", "previous number");
        corrupt_case(run, "{\"version\":1,\"entries\":[7]}", "entry 0: not an object",
                     "entry number");
        /* the control above must load: check directly */
        {
                char *path = vp_xasprintf("%s/ledger.json", run);
                write_text(path, E_HEAD E_OK E_REST "}]}");
                vp_ledger l = {0};
                vp_error err = {0};
                is_int(vp_ledger_load(run, &l, &err), 0, "the corrupt cases' base loads: %s",
                       err.msg);
                vp_ledger_free(&l);
                free(path);
        }
        corrupt_case(run, E_HEAD E_OK E_REST ",\"held\":\"0-\"}]}",
                     "entry 0: bad 'held' value '0-'", "bad cpuset");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"held\":\"4096\"}]}",
                     "entry 0: bad 'held' value '4096'", "cpu out of range");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"nodes\":3}]}", "bad 'nodes' value '3'",
                     "cpuset number");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"name\":5}]}", "bad 'name' value '5'",
                     "name number");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"name\":\"\"}]}", "bad 'name' value ''",
                     "empty name");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"name\":\"a\\u0000b\"}]}", "NUL", "name with NUL");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"state\":null}]}", "bad 'state' value 'null'",
                     "null state");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"profile\":[]}]}", "bad 'profile' value '[]'",
                     "profile array");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"kind\":\"dedicated\",\"isolation\":\"full\"}]}",
                     "bad 'isolation' value 'full'", "unknown isolation");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"kind\":\"exclusive\"}]}",
                     "bad 'kind' value 'exclusive'", "unknown kind");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"created\":\"x\"}]}",
                     "bad 'created' value 'x': expected an integer", "created string");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"created\":1.5}]}", "bad 'created' value '1.5'",
                     "created double");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"created\":-1}]}", "out of range",
                     "created negative");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"created\":99999999999999999999}]}", "out of range",
                     "created overflow");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"pid\":-3}]}", "bad 'pid' value '-3'",
                     "negative pid");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"pid\":4294967296}]}", "bad 'pid'", "pid overflow");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"starter_pid\":-1}]}",
                     "bad 'starter_pid' value '-1'", "negative starter_pid");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"starter_start\":1.5}]}", "bad 'starter_start'",
                     "a fraction as starter_start");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":[]}]}", "bad 'memory' value '[]'",
                     "memory array");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":{\"x\":1}}]}", "bad 'memory' key 'x'",
                     "memory key");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":{\"0\":-1}}]}",
                     "bad 'memory.0' value '-1'", "memory negative");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":{\"1\":\"2\"}}]}",
                     "bad 'memory.1' value '2'", "memory string");
        /* each node's figure in int64, but together more than a domain can have: three of
         * them wrapped past 2^64 in status and plan --json */
        corrupt_case(run,
                     E_HEAD E_OK E_REST ",\"memory\":{\"0\":9223372036854775806,"
                                        "\"1\":9223372036854775806,\"2\":9223372036854775806}}]}",
                     "bad 'memory' value '{\"0\":9223372036854775806,\"1\":"
                     "9223372036854775806,\"2\":9223372036854775806}': "
                     "adds up to more than a domain can have",
                     "memory summing past 2^64");
        corrupt_case(run,
                     E_HEAD E_OK E_REST ",\"memory\":{\"0\":4503599627370496,"
                                        "\"1\":4503599627370497}}]}",
                     "adds up to more than a domain can have (9007199254740992 KiB)",
                     "memory one KiB past a domain's");
        corrupt_case(run, E_HEAD "11111111-2222-3333-4444-55555555555g" E_REST "}]}",
                     "bad 'uuid' value '11111111-2222-3333-4444-55555555555g'", "bad uuid");
        corrupt_case(run, E_HEAD "../../etc/passwd" E_REST "}]}", "bad 'uuid'", "path uuid");
        corrupt_case(run, "{\"version\":1,\"entries\":[{\"name\":\"a\",\"state\":\"x\"}]}",
                     "entry 0: missing 'uuid'", "missing uuid");
        corrupt_case(run, "{\"version\":1,\"entries\":[{\"name\":\"a\",\"uuid\":\"" E_OK "\"}]}",
                     "entry 0: missing 'state'", "missing state");
        corrupt_case(run,
                     "{\"version\":1,\"entries\":[{\"name\":\"a\",\"uuid\":\"" E_OK
                     "\",\"state\":\"p\",\"kind\":\"none\"}]}",
                     "entry 0: missing 'held'", "missing held");
        corrupt_case(run,
                     "{\"version\":1,\"entries\":["
                     "{\"name\":\"a\",\"uuid\":\"" E_OK E_REST "},"
                     "{\"name\":\"b\",\"uuid\":\"" E_OK E_REST "}]}",
                     "entry 1: uuid " E_OK " repeats entry 0", "duplicate uuid");
        corrupt_case(run,
                     "{\"version\":1,\"entries\":["
                     "{\"name\":\"a\\n\",\"uuid\":\"" E_OK E_REST "},"
                     "{\"name\":\"a\\n\",\"uuid\":\"" U2_TEXT E_REST "}]}",
                     "entry 1: name 'a?' repeats entry 0", "duplicate name");
        corrupt_case(run,
                     "{\"version\":1,\"entries\":["
                     "{\"name\":\"a\",\"uuid\":\"" E_OK E_REST "},"
                     "{\"name\":\"a\",\"uuid\":\"" E_OK "\""
                     "}]}",
                     "entry 1: missing 'state'", "second entry error numbered 1");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"name\":\"bad\\nname\\u0001\",\"held\":7}]}",
                     "bad 'held' value '7'", "control characters in other fields");
        corrupt_case(run,
                     "{\"version\":1,\"entries\":[],\"previous\":[{\"uuid\":\"" E_OK
                     "\",\"held\":\"1\",\"emulator_cpus\":\"x\",\"released\":1}]}",
                     "previous 0: bad 'emulator_cpus' value 'x'", "bad previous cpuset");
        corrupt_case(run,
                     "{\"version\":1,\"entries\":[],\"previous\":[{\"uuid\":\"" E_OK
                     "\",\"held\":\"1\",\"emulator_cpus\":\"\"}]}",
                     "previous 0: missing 'released'", "previous missing released");
        /* a control character in a value is shown as '?' so the message stays one
         * line */
        corrupt_case(run, E_HEAD E_OK E_REST ",\"held\":\"1\\n2\"}]}", "bad 'held' value '1?2'",
                     "newline in value");
}

/* The codec without the store: render to a buffer, parse that back (not
 * NUL-terminated), and a refusal that leaves the buffer as it was. */
static void test_memory(void)
{
        vp_ledger l = {0}, back = {0};
        vp_error err = {0};
        vp_ledger_entry e = mk("db-1", U1, VP_KIND_DEDICATED, "2-5", NOW);
        add_mem(&e, 1, 1024);
        e.commit = vp_xstrdup("1.000000001-1");
        vp_ledger_put(&l, &e);
        e = mk("web", U2, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        ok(vp_ledger_remove(&l, U2, NOW + 1), "remove one (a previous record)");

        vp_buf b = {0};
        vp_buf_str(&b, "x");
        is_int(vp_ledger_json_render("mem.json", &l, &b, &err), 0, "render: %s", err.msg);
        ok(b.len > 1 && b.s[0] == 'x' && b.s[1] == '{' && b.s[b.len - 1] == '\n',
           "... appended to what the buffer held, newline-terminated");
        char *text = vp_xmalloc(b.len - 1);
        memcpy(text, b.s + 1, b.len - 1);
        is_int(vp_ledger_json_parse("mem.json", text, b.len - 1, &back, &err), 0,
               "parse it back from memory: %s", err.msg);
        ok(ledger_equal(&l, &back), "... equal");
        is_str(back.n ? back.entries[0].commit : NULL, "1.000000001-1", "... the token kept");
        vp_ledger_free(&back);
        free(text);

        /* an entry that could not be loaded back: refused, buffer unchanged */
        vp_ledger bad = {0};
        e = mk("x", U3, VP_KIND_SHARED, "", NOW);
        free(e.state);
        e.state = NULL;
        vp_ledger_put(&bad, &e);
        size_t len = b.len;
        is_int(vp_ledger_json_render("mem.json", &bad, &b, &err), -EINVAL, "no state: -EINVAL");
        like(err.msg, "mem.json: refusing to save entry 'x'", "... naming the file and entry");
        is_int(b.len, len, "... nothing appended");
        vp_ledger_free(&bad);
        free(b.s);

        static const char trail[] = "{\"version\":1,\"entries\":[]}x";
        is_int(vp_ledger_json_parse("mem.json", trail, sizeof(trail) - 2, &back, &err), 0,
               "only len bytes are read");
        ok(back.n == 0 && back.n_prev == 0, "... an empty ledger");
        vp_ledger_free(&back);
        vp_ledger_free(&l);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_roundtrip();
        test_save_text();
        test_sorted();
        test_previous_file();
        test_corrupt();
        test_memory();
        rm_tmpdirs();
        return tap_done();
}
