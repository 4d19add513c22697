/* The ledger: file format round trip, ordering, put/remove/previous,
 * accounting helpers, reclaim against fake libvirt and proc trees, corrupt
 * files, locking, concurrent writers and writers killed mid-save. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <json-c/json.h>

#include "ledger.h"
#include "fileio.h"
#include "ledgercache.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "tap.h"

/* Under valgrind everything is ~50x slower: the concurrency and crash
 * tests run smaller there (the native run is the real stress test). */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define UNDER_VALGRIND() false
#endif

#define NOW ((int64_t)1700000000)

static const char *U1 = "11111111-2222-3333-4444-555555555555";
static const char *U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
static const char *U3 = "0f0f0f0f-0000-4000-8000-123456789abc";

static char *tmpdirs[64];
static size_t n_tmpdirs;

static char *mkrun(void)
{
        char tmpl[] = "/tmp/vmplace-ledger-XXXXXX";
        if (!mkdtemp(tmpl)) {
                perror("mkdtemp");
                exit(1);
        }
        char *d = vp_xstrdup(tmpl);
        tmpdirs[n_tmpdirs++] = d;
        return d;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
        (void)st, (void)flag, (void)f;
        return remove(p);
}

static void rm_tmpdirs(void)
{
        for (size_t i = 0; i < n_tmpdirs; i++) {
                nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
                free(tmpdirs[i]);
        }
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        if (!f) {
                perror(path);
                exit(1);
        }
        fputs(text, f);
        fclose(f);
}

static bool exists(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

static unsigned mode_of(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0xffffu;
}

static vp_cpuset cs(const char *text)
{
        vp_cpuset s;
        vp_cpuset_zero(&s);
        if (*text && vp_cpuset_parse(&s, text, VP_MAX_CPUS, NULL) < 0)
                abort();
        return s;
}

/* The ledger keeps compact masks: text as a new one, into one (freeing what
 * it held), a CPU added, and a comparison with a one-word set. */
static vp_cpumask cm(const char *text)
{
        vp_cpumask m = {0};
        vp_cpuset s = cs(text);
        vp_cpumask_set(&m, &s);
        return m;
}
static void mset(vp_cpumask *m, const char *text)
{
        vp_cpuset s = cs(text);
        vp_cpumask_set(m, &s);
}
static void madd(vp_cpumask *m, unsigned c)
{
        vp_cpuset s = vp_cpumask_get(m);
        vp_cpuset_set(&s, c);
        vp_cpumask_set(m, &s);
}
static bool meq(const vp_cpumask *m, uint64_t word0)
{
        return vp_cpumask_equal(m, &(vp_cpuset){{word0}});
}

static vp_ledger_entry mk(const char *name, const char *uuid, vp_entry_kind kind, const char *held,
                          int64_t created)
{
        vp_ledger_entry e = {
            .name = vp_xstrdup(name),
            .uuid = vp_xstrdup(uuid),
            .profile = vp_xstrdup("database"),
            .matched_by = vp_xstrdup("name:db-*"),
            .state = vp_xstrdup("prepared"),
            .kind = kind,
            .held = cm(held),
            .vcpu_cpus = cm(held),
            .emulator_cpus = cm("0-1"),
            .nodes = cm("0"),
            .created = created,
            .pid = 0,
        };
        return e;
}

static void add_mem(vp_ledger_entry *e, unsigned node, uint64_t kib)
{
        e->mem = vp_xrealloc(e->mem, (e->n_mem + 1) * sizeof(*e->mem));
        e->mem[e->n_mem++] = (vp_ledger_mem){.node = node, .kib = kib};
}

static bool str_eq(const char *a, const char *b)
{
        return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool entry_equal(const vp_ledger_entry *a, const vp_ledger_entry *b)
{
        if (!str_eq(a->name, b->name) || !str_eq(a->uuid, b->uuid) ||
            !str_eq(a->profile, b->profile) || !str_eq(a->matched_by, b->matched_by) ||
            !str_eq(a->state, b->state) || a->kind != b->kind ||
            !vp_cpumask_same(&a->held, &b->held) ||
            !vp_cpumask_same(&a->vcpu_cpus, &b->vcpu_cpus) ||
            !vp_cpumask_same(&a->emulator_cpus, &b->emulator_cpus) ||
            !vp_cpumask_same(&a->nodes, &b->nodes) || a->n_mem != b->n_mem ||
            a->created != b->created || a->pid != b->pid)
                return false;
        for (size_t i = 0; i < a->n_mem; i++)
                if (a->mem[i].node != b->mem[i].node || a->mem[i].kib != b->mem[i].kib)
                        return false;
        return true;
}

static bool ledger_equal(const vp_ledger *a, const vp_ledger *b)
{
        if (a->n != b->n || a->n_prev != b->n_prev)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (!entry_equal(&a->entries[i], &b->entries[i]))
                        return false;
        for (size_t i = 0; i < a->n_prev; i++)
                if (!str_eq(a->prev[i].uuid, b->prev[i].uuid) ||
                    !vp_cpumask_same(&a->prev[i].held, &b->prev[i].held) ||
                    !vp_cpumask_same(&a->prev[i].emulator_cpus, &b->prev[i].emulator_cpus) ||
                    a->prev[i].released != b->prev[i].released)
                        return false;
        return true;
}

static void test_uuid(void)
{
        ok(vp_uuid_valid(U1), "lower-case uuid valid");
        ok(vp_uuid_valid("ABCDEF01-2345-6789-ABCD-EF0123456789"), "upper-case uuid valid");
        ok(vp_uuid_valid("AbCdEf01-2345-6789-abcd-EF0123456789"), "mixed-case uuid valid");
        ok(!vp_uuid_valid(NULL), "NULL uuid invalid");
        ok(!vp_uuid_valid(""), "empty uuid invalid");
        ok(!vp_uuid_valid("11111111-2222-3333-4444-55555555555"), "35 chars invalid");
        ok(!vp_uuid_valid("11111111-2222-3333-4444-5555555555555"), "37 chars invalid");
        ok(!vp_uuid_valid("111111112222-3333-4444-5555-55555555"), "misplaced hyphen invalid");
        ok(!vp_uuid_valid("g1111111-2222-3333-4444-555555555555"), "non-hex invalid");
        ok(!vp_uuid_valid("11111111222233334444555555555555"), "no hyphens invalid");
        ok(!vp_uuid_valid("../../../../etc/passwd/aaaaaaaaaaaaaa"), "path invalid");
        ok(!vp_uuid_valid("{11111111-2222-3333-4444-555555555555}"), "braced invalid");
        is_str(vp_entry_kind_name(VP_KIND_DEDICATED), "dedicated", "kind name dedicated");
        is_str(vp_entry_kind_name(VP_KIND_SHARED), "shared", "kind name shared");
        is_str(vp_entry_kind_name(VP_KIND_NONE), "none", "kind name none");
}

static void test_roundtrip(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
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
        vp_error err = {{0}};
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
                }
                if (i == 1) {
                        add_mem(&e, 3, 7);
                        add_mem(&e, 0, (uint64_t)INT64_MAX - 1);
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
        vp_error err = {{0}};
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

static void test_put_replace(void)
{
        vp_ledger l = {0};
        vp_ledger_entry e = mk("db-1", U1, VP_KIND_DEDICATED, "2-3", NOW);
        vp_ledger_put(&l, &e);
        e = mk("db-2", U2, VP_KIND_DEDICATED, "4-5", NOW);
        vp_ledger_put(&l, &e);
        e = mk("db-1", "11111111-2222-3333-4444-555555555555", VP_KIND_DEDICATED, "6-7", NOW + 9);
        vp_ledger_put(&l, &e);
        is_int(l.n, 2, "put with the same uuid replaces");
        ok(meq(&vp_ledger_find_uuid(&l, U1)->held, 0xc0), "... with the new content");
        e = mk("db-1-renamed", "11111111-2222-3333-4444-555555555555", VP_KIND_DEDICATED, "6", NOW);
        vp_ledger_put(&l, &e);
        is_int(l.n, 2, "rename (same uuid) replaces");
        ok(vp_ledger_find_name(&l, "db-1") == NULL, "... the old name is gone");
        is_str(l.entries[0].name, "db-1-renamed", "... and order is kept");

        e = mk("db-2", U3, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(l.n, 2, "same name, new uuid: the old entry goes");
        ok(vp_ledger_find_uuid(&l, U2) == NULL, "... old uuid gone");
        ok(vp_ledger_find_uuid(&l, U3) != NULL, "... new uuid there");
        is_int(l.n_prev, 0, "put records no previous");

        /* put merges duplicate memory nodes */
        e = mk("m", "00000000-0000-0000-0000-00000000000a", VP_KIND_NONE, "", NOW);
        add_mem(&e, 1, 10);
        add_mem(&e, 0, 5);
        add_mem(&e, 1, 7);
        vp_ledger_put(&l, &e);
        vp_ledger_entry *m = vp_ledger_find_name(&l, "m");
        ok(m && m->n_mem == 2 && m->mem[0].node == 0 && m->mem[1].kib == 17,
           "duplicate memory nodes are summed");
        vp_ledger_free(&l);
}

static void test_remove_previous(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0}, back = {0};
        vp_ledger_entry e = mk("db-1", U1, VP_KIND_DEDICATED, "2-3", NOW);
        mset(&e.emulator_cpus, "9");
        vp_ledger_put(&l, &e);
        ok(!vp_ledger_remove(&l, U2, NOW), "remove of an absent uuid is false");
        ok(vp_ledger_previous(&l, U1) == NULL, "no previous before removal");
        ok(vp_ledger_remove(&l, "11111111-2222-3333-4444-555555555555", NOW + 10),
           "remove existing");
        is_int(l.n, 0, "entry gone");
        const vp_ledger_prev *p = vp_ledger_previous(&l, U1);
        ok(p && meq(&p->held, 0xc) && meq(&p->emulator_cpus, 0x200) && p->released == NOW + 10,
           "previous remembers held, emulator_cpus, released");
        ok(!vp_ledger_remove(&l, U1, NOW + 11), "second remove is false");

        e = mk("db-2", U2, VP_KIND_DEDICATED, "20", NOW);
        vp_ledger_put(&l, &e);
        vp_ledger_remove(&l, U2, NOW + 12);
        e = mk("db-1", U1, VP_KIND_DEDICATED, "4-5", NOW);
        vp_ledger_put(&l, &e);
        vp_ledger_remove(&l, U1, NOW + 13);
        is_int(l.n_prev, 2, "a newer release replaces the older record of the same uuid");
        is_str(l.prev[1].uuid, U1, "... and becomes the newest");
        p = vp_ledger_previous(&l, "11111111-2222-3333-4444-555555555555");
        ok(p && meq(&p->held, 0x30) && p->released == NOW + 13, "... with the new CPUs");

        /* the cap drops the oldest */
        for (unsigned i = 0; i < VP_LEDGER_PREVIOUS_MAX + 5; i++) {
                char u[37], n[16];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012x", i);
                snprintf(n, sizeof(n), "t%u", i);
                e = mk(n, u, VP_KIND_DEDICATED, "1", NOW);
                vp_ledger_put(&l, &e);
                vp_ledger_remove(&l, u, NOW + 100 + i);
        }
        is_int(l.n_prev, VP_LEDGER_PREVIOUS_MAX, "previous capped at %d", VP_LEDGER_PREVIOUS_MAX);
        ok(vp_ledger_previous(&l, U1) == NULL && vp_ledger_previous(&l, U2) == NULL,
           "the oldest records were dropped");
        ok(vp_ledger_previous(&l, "00000000-0000-0000-0000-000000000004") == NULL &&
               vp_ledger_previous(&l, "00000000-0000-0000-0000-000000000005") != NULL,
           "exactly the oldest ones");
        is_int(l.prev[l.n_prev - 1].released, NOW + 100 + VP_LEDGER_PREVIOUS_MAX + 4,
               "newest last");
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

static void test_committed_held(void)
{
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_DEDICATED, "2-3", NOW);
        add_mem(&e, 0, 1000);
        add_mem(&e, 1, 50);
        vp_ledger_put(&l, &e);
        e = mk("b", U2, VP_KIND_DEDICATED, "8", NOW);
        add_mem(&e, 0, 300);
        vp_ledger_put(&l, &e);
        e = mk("c", U3, VP_KIND_SHARED, "", NOW);
        add_mem(&e, 1, 7);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_committed_kib(&l, 0, NULL), 1300, "committed node 0");
        is_int(vp_ledger_committed_kib(&l, 1, NULL), 57, "committed node 1");
        is_int(vp_ledger_committed_kib(&l, 2, NULL), 0, "committed node 2");
        is_int(vp_ledger_committed_kib(&l, 0, U1), 300, "committed node 0 without a");
        is_int(vp_ledger_committed_kib(&l, 1, "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"), 57,
               "skip uuid in upper case");
        is_int(vp_ledger_committed_kib(&l, 1, U3), 50, "committed node 1 without c");
        vp_cpuset h;
        char buf[64];
        vp_ledger_held(&l, NULL, &h);
        is_str(vp_cpuset_fmt(&h, buf, sizeof(buf)), "2-3,8", "held by all");
        vp_ledger_held(&l, U1, &h);
        is_str(vp_cpuset_fmt(&h, buf, sizeof(buf)), "8", "held without a");
        vp_ledger_held(&l, U2, &h);
        is_str(vp_cpuset_fmt(&h, buf, sizeof(buf)), "2-3", "held without b");
        vp_ledger_free(&l);
        vp_ledger_held(&l, NULL, &h);
        ok(vp_cpuset_empty(&h), "empty ledger holds nothing");
}

static void test_reclaim(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        char *lv = vp_xasprintf("%s/libvirt/qemu", run);
        char *proc = vp_xasprintf("%s/proc", run);
        vp_mkdir_p(lv, 0755, NULL);
        vp_mkdir_p(proc, 0755, NULL);
        char *p;
#define FILE_AT(fmt, text)                                                                         \
        do {                                                                                       \
                p = vp_xasprintf(fmt, run);                                                        \
                write_text(p, text);                                                               \
                free(p);                                                                           \
        } while (0)
        p = vp_xasprintf("%s/proc/777", run);
        mkdir(p, 0755);
        free(p);
        p = vp_xasprintf("%s/libvirt/qemu/sub", run);
        mkdir(p, 0755);
        free(p);
        FILE_AT("%s/libvirt/qemu/alive.pid", "777\n");
        FILE_AT("%s/libvirt/qemu/alive-nonl.pid", " 777 ");
        FILE_AT("%s/libvirt/qemu/dead.pid", "778\n");
        FILE_AT("%s/libvirt/qemu/garbage.pid", "77x\n");
        FILE_AT("%s/libvirt/qemu/zero.pid", "0\n");
        FILE_AT("%s/libvirt/qemu/negative.pid", "-777\n");
        FILE_AT("%s/libvirt/qemu/empty.pid", "");
        FILE_AT("%s/libvirt/qemu/huge.pid", "99999999999999999999999\n");
        FILE_AT("%s/libvirt/qemu/young.pid", "778\n");
        /* the same pids again (reclaim looks each up once), a pid file
         * that is a directory (cannot be read: alive), 64 bytes (the most
         * a pid file may have) and 65 */
        FILE_AT("%s/libvirt/qemu/alive-too.pid", "777");
        FILE_AT("%s/libvirt/qemu/dead-too.pid", "778\n");
        p = vp_xasprintf("%s/libvirt/qemu/isdir.pid", run);
        mkdir(p, 0755);
        free(p);
        FILE_AT("%s/libvirt/qemu/full.pid",
                "                                                            777\n");
        FILE_AT("%s/libvirt/qemu/overfull.pid",
                "                                                             777\n");
        /* entries with the pid enforce recorded: a pid file and that pid
         * alive keep it without reading the file; else the file decides,
         * and no file is dead whatever the recorded pid */
        FILE_AT("%s/libvirt/qemu/rec-alive.pid", "778\n");
        FILE_AT("%s/libvirt/qemu/rec-dead-file-alive.pid", "777\n");
        FILE_AT("%s/libvirt/qemu/rec-dead.pid", "778\n");
        /* hostile names that would resolve to live pid files */
        FILE_AT("%s/libvirt/evil.pid", "777\n");
        FILE_AT("%s/libvirt/qemu/..pid", "777\n");
        FILE_AT("%s/libvirt/qemu/...pid", "777\n");
        FILE_AT("%s/libvirt/qemu/sub/x.pid", "777\n");

        struct {
                const char *name;
                int64_t age;
                bool keep;
        } cases[] = {
            {"absent", 3600, false},
            {"alive", 3600, true},
            {"alive-nonl", 3600, true},
            {"dead", 3600, false},
            {"garbage", 3600, false},
            {"zero", 3600, false},
            {"negative", 3600, false},
            {"empty", 3600, false},
            {"huge", 3600, false},
            {"young", 10, true},
            {"at-60s", 60, true},
            {"at-61s", 61, false},
            {"future", -500, true},
            {"../evil", 3600, false},
            {".", 3600, false},
            {"..", 3600, false},
            {"sub/x", 3600, false},
            {"", 3600, false},
            {"tab\there", 3600, false},
            {"alive-too", 3600, true},
            {"dead-too", 3600, false},
            {"isdir", 3600, true},
            {"full", 3600, true},
            {"overfull", 3600, false},
            {"rec-alive", 3600, true},
            {"rec-dead-file-alive", 3600, true},
            {"rec-alive-nofile", 3600, false},
            {"rec-dead", 3600, false},
            {"../qemu/alive", 3600, false},
        };
        /* the pids enforce recorded for the last five */
        const long recorded[] = {777, 778, 777, 778, 777};
        const size_t first_rec = VP_ARRAY_SIZE(cases) - VP_ARRAY_SIZE(recorded);
        vp_ledger l = {0};
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                vp_ledger_entry e = mk(cases[i].name, u, VP_KIND_DEDICATED, "", NOW - cases[i].age);
                mset(&e.held, "0");
                madd(&e.held, (unsigned)i + 1);
                e.pid = i >= first_rec ? recorded[i - first_rec] : 0;
                vp_ledger_put(&l, &e);
                is_int(vp_state_save(run, u, "{}", "<domain/>", &err), 0, "state for '%s'",
                       cases[i].name);
        }
        bool alive_ok = true;
        for (size_t i = 0; i < l.n; i++) {
                const char *n = l.entries[i].name;
                bool want = strcmp(n, "alive") == 0 || strcmp(n, "alive-nonl") == 0 ||
                            strcmp(n, "alive-too") == 0 || strcmp(n, "isdir") == 0 ||
                            strcmp(n, "full") == 0 || strcmp(n, "rec-alive") == 0 ||
                            strcmp(n, "rec-dead-file-alive") == 0;
                alive_ok &= vp_ledger_entry_alive(&l.entries[i], lv, proc) == want;
        }
        ok(alive_ok, "entry_alive only for the live pid files");
        long pid = 0;
        is_int(vp_libvirt_pid(lv, "full", &pid, &err), 0, "a 64-byte pid file reads");
        is_int(pid, 777, "... its pid");
        is_int(vp_libvirt_pid(lv, "absent", &pid, &err), -ENOENT, "no pid file: -ENOENT");
        like(err.msg, "absent is not running (no ", "... says so");
        is_int(vp_libvirt_pid(lv, "overfull", &pid, &err), -EFBIG, "65 bytes: -EFBIG");
        like(err.msg, "overfull.pid: file too large", "... says so");
        is_int(vp_libvirt_pid(lv, "garbage", &pid, &err), -EBADMSG, "garbage: -EBADMSG");
        like(err.msg, "garbage.pid: not a pid", "... says so");
        is_int(vp_libvirt_pid(lv, "isdir", &pid, &err), -EISDIR, "a directory: -EISDIR");
        like(err.msg, "isdir.pid: Is a directory", "... says so");
        is_int(vp_libvirt_pid(lv, "../x", &pid, &err), -EINVAL, "a path: -EINVAL");

        char **names = NULL;
        size_t n = vp_ledger_reclaim(&l, lv, proc, NOW, &names);
        size_t want_gone = 0;
        bool all_right = true;
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                bool present = vp_ledger_find_uuid(&l, u) != NULL;
                bool listed = false;
                for (size_t j = 0; j < n; j++)
                        listed |= strcmp(names[j], cases[i].name) == 0;
                char *plan = vp_xasprintf("%s/domains/%s.plan.json", run, u);
                char *xml = vp_xasprintf("%s/domains/%s.xml", run, u);
                bool files = exists(plan) && exists(xml);
                const vp_ledger_prev *pv = vp_ledger_previous(&l, u);
                if (cases[i].keep) {
                        ok(present && !listed && files && !pv, "'%s' kept with its state files",
                           cases[i].name);
                } else {
                        want_gone++;
                        ok(!present && listed && files && pv && pv->released == NOW &&
                               vp_cpumask_test(&pv->held, (unsigned)i + 1),
                           "'%s' reclaimed, state files kept until saved, previous recorded",
                           cases[i].name);
                }
                all_right &= present == cases[i].keep;
                free(plan);
                free(xml);
        }
        is_int(n, want_gone, "reclaim count");
        is_int((int)vp_state_sweep(run, &l), (int)(2 * want_gone),
               "once saved, the sweep removes the reclaimed entries' plan.json and xml");
        is_int(l.n, VP_ARRAY_SIZE(cases) - want_gone, "remaining entries");
        ok(all_right, "exactly the expected entries remain");
        for (size_t j = 0; j < n; j++)
                free(names[j]);
        free(names);

        n = vp_ledger_reclaim(&l, lv, proc, NOW, &names);
        ok(n == 0 && names == NULL, "second reclaim drops nothing");
        n = vp_ledger_reclaim(&l, lv, proc, NOW + 1000, NULL);
        is_int(n, 3, "later, the young ones go too (names NULL allowed)");

        /* a caller bug (no uuid) must not wedge reclaim */
        vp_ledger z = {0};
        vp_ledger_entry e = mk("nouuid", U1, VP_KIND_SHARED, "", NOW - 3600);
        free(e.uuid);
        e.uuid = NULL;
        vp_ledger_put(&z, &e);
        n = vp_ledger_reclaim(&z, lv, proc, NOW, NULL);
        ok(n == 1 && z.n == 0 && z.n_prev == 0, "an entry without uuid is reclaimed, no previous");
        vp_ledger_free(&z);
        free(lv);
        free(proc);
        vp_ledger_free(&l);
#undef FILE_AT
}

/* A host's worth of VMs: reclaim lists libvirt's run dir once (more names
 * than its first allocation), and keeps exactly those with a live pid file;
 * without a run dir every stale entry goes, as a stat there would say. */
static void test_reclaim_many(void)
{
        char *run = mkrun();
        char *lv = vp_xasprintf("%s/lv", run), *proc = vp_xasprintf("%s/proc", run);
        char *p = vp_xasprintf("%s/proc/777", run);
        vp_mkdir_p(lv, 0755, NULL);
        vp_mkdir_p(p, 0755, NULL);
        free(p);
        enum { N = 150 };
        vp_ledger l = {0};
        for (unsigned i = 0; i < N; i++) {
                char name[16], u[37];
                snprintf(name, sizeof(name), "vm%u", i);
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012x", i);
                vp_ledger_entry e = mk(name, u, VP_KIND_SHARED, "", NOW - 3600);
                /* pid files for the multiples of 3, the recorded pid for
                 * half of them (the two-stat way) */
                e.pid = i % 6 == 0 ? 777 : 0;
                vp_ledger_put(&l, &e);
                if (i % 3 == 0) {
                        p = vp_xasprintf("%s/%s.pid", lv, name);
                        write_text(p, "777\n");
                        free(p);
                }
                /* other files libvirt keeps there */
                p = vp_xasprintf("%s/%s.xml", lv, name);
                write_text(p, "<domstatus/>");
                free(p);
        }
        size_t n = vp_ledger_reclaim(&l, lv, proc, NOW, NULL);
        bool right = l.n == N / 3;
        for (size_t i = 0; i < l.n; i++)
                right &= atoi(l.entries[i].name + 2) % 3 == 0;
        is_int(n, N - N / 3, "reclaim of %d VMs drops those without a pid file", N);
        ok(right, "... and keeps exactly the %d with one", N / 3);

        char *gone = vp_xasprintf("%s/gone", run);
        n = vp_ledger_reclaim(&l, gone, proc, NOW, NULL);
        ok(n == N / 3 && l.n == 0, "no libvirt run dir: every stale entry goes (%zu)", n);
        free(gone);
        free(lv);
        free(proc);
        vp_ledger_free(&l);
}

/* The real procfs: liveness by kill(pid, 0) (lib/ledger.c proc_alive), the
 * same answers as a stat of /proc/PID: this process and a zombie child are
 * alive, a reaped child is not. */
static void test_reclaim_real_proc(void)
{
        char *run = mkrun();
        char *lv = vp_xasprintf("%s/lv", run);
        vp_mkdir_p(lv, 0755, NULL);
        pid_t zombie = fork();
        if (zombie == 0)
                _exit(0);
        pid_t reaped = fork();
        if (reaped == 0)
                _exit(0);
        waitpid(reaped, NULL, 0);
        /* a zombie once it has exited: wait for that without reaping it */
        for (int i = 0; i < 5000; i++) {
                siginfo_t si = {0};
                if (waitid(P_PID, (id_t)zombie, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                    si.si_pid == zombie)
                        break;
                usleep(1000);
        }
        const struct {
                const char *name;
                long pid;
                bool alive;
        } cases[] = {{"self", (long)getpid(), true},
                     {"zombie", (long)zombie, true},
                     {"reaped", (long)reaped, false}};
        vp_ledger l = {0};
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37], text[32];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                vp_ledger_entry e = mk(cases[i].name, u, VP_KIND_SHARED, "", NOW - 3600);
                e.pid = i == 0 ? cases[i].pid : 0; /* recorded, and read from the file */
                vp_ledger_put(&l, &e);
                char *p = vp_xasprintf("%s/%s.pid", lv, cases[i].name);
                snprintf(text, sizeof(text), "%ld\n", cases[i].pid);
                write_text(p, text);
                free(p);
        }
        bool right = true;
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                bool a = vp_ledger_entry_alive(vp_ledger_find_name(&l, cases[i].name), lv, "/proc");
                right &= a == cases[i].alive;
                if (a != cases[i].alive)
                        printf("#   %s (pid %ld): alive %d\n", cases[i].name, cases[i].pid, a);
        }
        ok(right, "/proc: this process and a zombie are alive, a reaped child is not");
        size_t n = vp_ledger_reclaim(&l, lv, "/proc", NOW, NULL);
        ok(n == 1 && !vp_ledger_find_name(&l, "reaped") && vp_ledger_find_name(&l, "zombie") &&
               vp_ledger_find_name(&l, "self"),
           "... and reclaim drops exactly the reaped one");
        waitpid(zombie, NULL, 0);
        free(lv);
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
        vp_error err = {{0}};
        is_int(vp_ledger_load(run, &l, &err), -EBADMSG, "%s: -EBADMSG", what);
        like(err.msg, needle, "%s: message", what);
        like(err.msg, path, "%s: message names the file", what);
        ok(!strchr(err.msg, '\n'), "%s: one line", what);
        ok(l.n == 0 && l.entries == NULL && l.prev == NULL, "%s: ledger left empty", what);
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
                vp_error err = {{0}};
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
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":[]}]}", "bad 'memory' value '[]'",
                     "memory array");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":{\"x\":1}}]}", "bad 'memory' key 'x'",
                     "memory key");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":{\"0\":-1}}]}",
                     "bad 'memory.0' value '-1'", "memory negative");
        corrupt_case(run, E_HEAD E_OK E_REST ",\"memory\":{\"1\":\"2\"}}]}",
                     "bad 'memory.1' value '2'", "memory string");
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

static void test_tmp_files(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save");
        vp_ledger_free(&l);

        /* a dead pid: a child that has exited and been reaped */
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *t_dead = vp_xasprintf("%s/ledger.json.tmp.%d", run, (int)dead);
        char *t_live = vp_xasprintf("%s/ledger.json.tmp.%d", run, (int)getpid());
        char *t_other = vp_xasprintf("%s/other.json.tmp.%d", run, (int)dead);
        char *t_state = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U2, (int)dead);
        char *t_state_live = vp_xasprintf("%s/domains/%s.plan.json.tmp.1", run, U2);
        char *t_badname = vp_xasprintf("%s/domains/x.xml.tmp.%d", run, (int)dead);
        write_text(t_dead, "{\"version\":1,\"entr");
        write_text(t_live, "garbage");
        write_text(t_other, "x");
        is_int(vp_ledger_load(run, &l, &err), 0, "stale tmp files do not confuse load");
        ok(l.n == 1 && strcmp(l.entries[0].name, "a") == 0, "... the real ledger is read");
        vp_ledger_free(&l);

        int fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "lock");
        vp_ledger_unlock(fd);
        write_text(t_state, "x");
        write_text(t_state_live, "x");
        write_text(t_badname, "x");
        fd = vp_ledger_lock(run, &err);
        vp_ledger_unlock(fd);
        ok(!exists(t_dead), "lock sweeps ledger tmp file of a dead pid");
        ok(!exists(t_state), "lock sweeps state tmp file of a dead pid");
        ok(exists(t_live), "tmp file of a live pid is kept");
        ok(exists(t_state_live), "state tmp file of pid 1 is kept");
        ok(exists(t_other), "other files are not touched");
        ok(exists(t_badname), "non-uuid names in domains/ are not touched");
        free(t_dead);
        free(t_live);
        free(t_other);
        free(t_state);
        free(t_state_live);
        free(t_badname);
}

static void test_lock_and_modes(void)
{
        char *base = mkrun();
        char *run = vp_xasprintf("%s/a/b/run", base);
        vp_error err = {{0}};
        umask(022);
        int fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "lock creates a missing rundir: %s", fd < 0 ? err.msg : "");
        is_int(mode_of(run), 0700, "rundir 0700");
        char *dom = vp_xasprintf("%s/domains", run);
        is_int(mode_of(dom), 0700, "rundir/domains 0700");
        char *lk = vp_xasprintf("%s/ledger.lock", run);
        is_int(mode_of(lk), 0600, "ledger.lock 0600");
        int fl = fcntl(fd, F_GETFD);
        ok(fl >= 0 && (fl & FD_CLOEXEC), "lock fd is FD_CLOEXEC");

        /* another open file description cannot take it */
        pid_t pid = fork();
        if (pid == 0) {
                int f2 = open(lk, O_RDWR | O_CLOEXEC);
                int r = flock(f2, LOCK_EX | LOCK_NB);
                _exit(r < 0 && errno == EWOULDBLOCK ? 0 : 1);
        }
        int st;
        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "lock is exclusive");

        /* a forked child inherits the description; unlock must still release it */
        pid = fork();
        if (pid == 0) {
                sleep(30);
                _exit(0);
        }
        vp_ledger_unlock(fd);
        int f3 = open(lk, O_RDWR | O_CLOEXEC);
        ok(flock(f3, LOCK_EX | LOCK_NB) == 0, "unlock releases even with a forked child alive");
        close(f3);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);

        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save");
        char *lj = vp_xasprintf("%s/ledger.json", run);
        is_int(mode_of(lj), 0600, "ledger.json 0600");
        vp_ledger_free(&l);

        umask(0);
        char *run2 = vp_xasprintf("%s/run2", base);
        fd = vp_ledger_lock(run2, &err);
        char *lk2 = vp_xasprintf("%s/ledger.lock", run2);
        is_int(mode_of(run2), 0700, "rundir 0700 with umask 0");
        is_int(mode_of(lk2), 0600, "ledger.lock 0600 with umask 0");
        vp_ledger_unlock(fd);
        umask(022);

        char *notdir = vp_xasprintf("%s/file", base);
        write_text(notdir, "");
        char *under = vp_xasprintf("%s/file/run", base);
        fd = vp_ledger_lock(under, &err);
        ok(fd < 0, "lock under a regular file fails");
        like(err.msg, notdir, "... naming the path");

        free(run);
        free(dom);
        free(lk);
        free(lj);
        free(run2);
        free(lk2);
        free(notdir);
        free(under);
}

static void test_state(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        const char *UP = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
        is_int(vp_state_save(run, UP, "{\"plan\":1}", "<domain type='kvm'/>", &err), 0,
               "state save: %s", err.msg);
        char *plan = vp_xasprintf("%s/domains/%s.plan.json", run, U2);
        char *xml = vp_xasprintf("%s/domains/%s.xml", run, U2);
        ok(exists(plan) && exists(xml), "state files named by the lower-case uuid");
        is_int(mode_of(plan), 0600, "plan.json 0600");
        is_int(mode_of(xml), 0600, "xml 0600");
        char *out = NULL;
        is_int(vp_state_read(run, U2, "plan.json", &out, &err), 0, "read plan");
        is_str(out, "{\"plan\":1}", "plan content");
        free(out);
        is_int(vp_state_read(run, UP, "xml", &out, &err), 0, "read xml by upper-case uuid");
        is_str(out, "<domain type='kvm'/>", "xml content");
        free(out);
        is_int(vp_state_read(run, U1, "xml", &out, &err), -ENOENT, "absent state -ENOENT");
        ok(out == NULL, "... out NULL");
        is_int(vp_state_read(run, U2, "../ledger.json", &out, &err), -EINVAL, "bad ext");
        is_int(vp_state_read(run, "../ledger", "xml", &out, &err), -EINVAL, "bad uuid read");
        is_int(vp_state_save(run, "../../etc/x", "{}", "x", &err), -EINVAL, "bad uuid save");
        like(err.msg, "../../etc/x", "... names it");
        is_int(vp_state_save(run, NULL, "{}", "x", &err), -EINVAL, "NULL uuid save");
        is_int(vp_state_save(run, U1, "{}", NULL, &err), 0, "save only the plan");
        ok(vp_state_read(run, U1, "xml", &out, &err) == -ENOENT, "... no xml written");
        is_int(vp_state_write(run, UP, "input.xml", "<domain/>", 9, &err), 0, "write input.xml");
        char *input = vp_xasprintf("%s/domains/%s.input.xml", run, U2);
        is_int(mode_of(input), 0600, "input.xml 0600");
        char *fresh = vp_xasprintf("%s/fresh/run", run);
        is_int(vp_state_write(fresh, U2, "xml", "<domain/>", 9, &err), 0,
               "state_write makes a missing run dir and domains/: %s", err.msg);
        char *fresh_dom = vp_xasprintf("%s/domains", fresh);
        is_int(mode_of(fresh_dom), 0700, "... domains/ 0700");
        free(fresh_dom);
        free(fresh);
        is_int(vp_state_read(run, U2, "input.xml", &out, &err), 0, "read input.xml");
        is_str(out, "<domain/>", "input.xml content");
        free(out);
        is_int(vp_state_write(run, U2, "../x", "y", 1, &err), -EINVAL, "write: bad ext refused");
        is_int(vp_state_write(run, "x/../..", "xml", "y", 1, &err), -EINVAL,
               "write: bad uuid refused");
        vp_state_remove(run, "../../x");
        vp_state_remove(run, NULL);
        vp_state_remove(run, UP);
        ok(!exists(plan) && !exists(xml) && !exists(input), "state remove deletes all three");
        free(input);
        vp_state_remove(run, UP);
        ok(true, "removing again is harmless");
        free(plan);
        free(xml);
}

/* N processes each lock, load, take the lowest CPU nobody holds, save and
 * unlock. Without a working lock two pick the same CPU or one save loses
 * another's entry. */
static void test_concurrent(void)
{
        enum { NMAX = 16 };
        const int N = UNDER_VALGRIND() ? 6 : NMAX;
        char *run = mkrun();
        pid_t kids[NMAX];
        for (int i = 0; i < N; i++) {
                kids[i] = fork();
                if (kids[i] == 0) {
                        vp_error err;
                        vp_ledger l = {0};
                        int fd = vp_ledger_lock(run, &err);
                        if (fd < 0 || vp_ledger_load(run, &l, &err) < 0)
                                _exit(2);
                        vp_cpuset held;
                        vp_ledger_held(&l, NULL, &held);
                        int cpu = 0;
                        while (vp_cpuset_test(&held, (unsigned)cpu))
                                cpu++;
                        char name[16], uuid[37];
                        snprintf(name, sizeof(name), "vm-%02d", i);
                        snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-%012d", i);
                        vp_ledger_entry e = mk(name, uuid, VP_KIND_DEDICATED, "", NOW);
                        madd(&e.held, (unsigned)cpu);
                        vp_ledger_put(&l, &e);
                        usleep(2000); /* widen the window a broken lock would show */
                        int r = vp_ledger_save(run, &l, &err);
                        vp_ledger_unlock(fd);
                        vp_ledger_free(&l);
                        _exit(r < 0 ? 3 : 0);
                }
        }
        bool kids_ok = true;
        for (int i = 0; i < N; i++) {
                int st;
                waitpid(kids[i], &st, 0);
                kids_ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
        }
        ok(kids_ok, "%d concurrent writers succeeded", N);
        vp_ledger l = {0};
        vp_error err = {{0}};
        is_int(vp_ledger_load(run, &l, &err), 0, "ledger loads");
        is_int(l.n, N, "all %d entries present", N);
        vp_cpuset all;
        vp_cpuset_zero(&all);
        bool distinct = true;
        for (size_t i = 0; i < l.n; i++) {
                distinct &= vp_cpumask_count(&l.entries[i].held) == 1 &&
                            !vp_cpumask_intersects(&l.entries[i].held, &all);
                vp_cpumask_or_into(&all, &l.entries[i].held);
        }
        ok(distinct, "every CPU distinct");
        char buf[32];
        char want[16];
        snprintf(want, sizeof(want), "0-%d", N - 1);
        is_str(vp_cpuset_fmt(&all, buf, sizeof(buf)), want, "CPUs %s handed out", want);
        vp_ledger_free(&l);
}

/* A ledger large enough that saving takes a while, deterministic in gen. */
static void big_ledger(vp_ledger *l, unsigned gen)
{
        memset(l, 0, sizeof(*l));
        unsigned n = UNDER_VALGRIND() ? 40 : 600;
        for (unsigned i = 0; i < n; i++) {
                char name[32], uuid[37];
                snprintf(name, sizeof(name), "vm-%05u", i);
                snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-%012x", gen, i);
                vp_ledger_entry e = mk(name, uuid, VP_KIND_DEDICATED, "", (int64_t)gen);
                vp_cpuset v = {{0}};
                for (unsigned c = (gen + i) % 7; c < 256; c += 3)
                        vp_cpuset_set(&v, c);
                vp_cpumask_set(&e.vcpu_cpus, &v);
                madd(&e.held, (gen * 31 + i) % VP_MAX_CPUS);
                add_mem(&e, 0, (uint64_t)gen * 1024 + i);
                add_mem(&e, 1, i);
                e.pid = (long)gen;
                vp_ledger_put(l, &e);
        }
        for (unsigned i = 0; i < 40; i++) {
                char uuid[37];
                snprintf(uuid, sizeof(uuid), "%08x-1111-4000-8000-%012x", gen, i);
                vp_ledger_entry e = mk("p", uuid, VP_KIND_DEDICATED, "7", NOW);
                vp_ledger_put(l, &e);
                vp_ledger_remove(l, uuid, (int64_t)gen);
        }
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fork a process that builds ledger gen, then returns once it is about to
 * lock and save, so the caller's kill lands in the part that matters. */
static pid_t spawn_saver(const char *run, unsigned gen)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                abort();
        pid_t pid = fork();
        if (pid == 0) {
                vp_ledger l;
                vp_error err;
                close(p[0]);
                big_ledger(&l, gen);
                if (write(p[1], "", 1) != 1)
                        _exit(4);
                int fd = vp_ledger_lock(run, &err);
                int r = fd < 0 ? fd : vp_ledger_save(run, &l, &err);
                vp_ledger_unlock(fd);
                vp_ledger_free(&l);
                _exit(r < 0 ? 3 : 0);
        }
        close(p[1]);
        char c;
        while (read(p[0], &c, 1) < 0 && errno == EINTR)
                ;
        close(p[0]);
        return pid;
}

static int count_tmp(const char *dir)
{
        DIR *d = opendir(dir);
        int n = 0;
        for (struct dirent *de; d && (de = readdir(d));)
                n += strstr(de->d_name, ".tmp.") != NULL;
        if (d)
                closedir(d);
        return n;
}

static void test_crash(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        const char *env = getenv("VMPLACE_LEDGER_CRASH_ITERS");
        unsigned iters = env ? (unsigned)atoi(env) : UNDER_VALGRIND() ? 15 : 200;
        unsigned seed = env && getenv("VMPLACE_TEST_SEED")
                            ? (unsigned)atoi(getenv("VMPLACE_TEST_SEED"))
                            : (unsigned)time(NULL) ^ (unsigned)getpid();
        srand(seed);
        printf("# crash test: %u iterations, seed %u\n", iters, seed);

        vp_ledger old;
        big_ledger(&old, 0);
        is_int(vp_ledger_save(run, &old, &err), 0, "initial big ledger saved");

        /* how long a whole saver run takes, to aim the kills across it */
        int st;
        pid_t pid = spawn_saver(run, 0);
        double t0 = now_s();
        waitpid(pid, &st, 0);
        double span = now_s() - t0;
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "an unkilled saver succeeds (%.1f ms to save)",
           span * 1e3);

        unsigned loads_ok = 0, consistent = 0, got_old = 0, got_new = 0, finished = 0;
        unsigned cur = 0;
        for (unsigned it = 1; it <= iters; it++) {
                unsigned gen = it;
                pid = spawn_saver(run, gen);
                useconds_t delay = (useconds_t)((double)rand() / RAND_MAX * span * 1.3 * 1e6);
                usleep(delay);
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                bool clean_exit = WIFEXITED(st) && WEXITSTATUS(st) == 0;
                finished += clean_exit;

                vp_ledger got = {0};
                if (vp_ledger_load(run, &got, &err) == 0) {
                        loads_ok++;
                        vp_ledger want_new = {0};
                        /* created carries the generation; build only when needed */
                        if (got.n > 0 && got.entries[0].created == (int64_t)gen)
                                big_ledger(&want_new, gen);
                        if (want_new.n > 0 && ledger_equal(&got, &want_new)) {
                                consistent++;
                                got_new++;
                                vp_ledger_free(&old);
                                old = want_new;
                                cur = gen;
                        } else {
                                vp_ledger_free(&want_new);
                                if (!clean_exit && ledger_equal(&got, &old)) {
                                        consistent++;
                                        got_old++;
                                } else {
                                        printf("# iteration %u: ledger is neither gen %u nor "
                                               "gen %u\n",
                                               it, cur, gen);
                                }
                        }
                } else {
                        printf("# iteration %u: load failed: %s\n", it, err.msg);
                }
                vp_ledger_free(&got);
        }
        printf("# %u old, %u new, %u savers finished before the kill\n", got_old, got_new,
               finished);
        is_int(loads_ok, iters, "the ledger loaded after every kill");
        is_int(consistent, iters, "it was always the old or the new content");
        vp_ledger_free(&old);

        int fd = vp_ledger_lock(run, &err);
        vp_ledger_unlock(fd);
        is_int(count_tmp(run), 0, "no tmp files left once the lock swept them");
}

/* The crash-safety pieces: the commit token ties plan.json to the entry,
 * state files without an entry are swept, input.xml temp files too. */
static void test_commit_token(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_DEDICATED, "2-3", NOW);
        char *t1 = vp_commit_token(), *t2 = vp_commit_token();
        ok(t1 && t2 && strcmp(t1, t2) != 0, "two commit tokens differ ('%s', '%s')", t1, t2);
        e.commit = vp_xstrdup(t1);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save with a token");
        vp_ledger_free(&l);
        is_int(vp_ledger_load(run, &l, &err), 0, "load");
        is_str(l.entries[0].commit, t1, "the token round-trips through ledger.json");
        is_int(vp_state_check(run, &l.entries[0], &err), -ENOENT, "no plan.json: -ENOENT");

        char *plan = vp_xasprintf("{\"domain\":\"a\",\"commit\":\"%s\"}", t1);
        vp_state_save(run, U1, plan, "<domain/>", &err);
        is_int(vp_state_check(run, &l.entries[0], &err), 0, "plan.json of this commit: coherent");
        free(plan);
        plan = vp_xasprintf("{\"domain\":\"a\",\"commit\":\"%s\"}", t2);
        vp_state_save(run, U1, plan, NULL, &err);
        is_int(vp_state_check(run, &l.entries[0], &err), -ESTALE,
               "plan.json of another commit: -ESTALE");
        like(err.msg, "a: state files are of an interrupted update", "... says so");
        like(err.msg, "run vmplace apply a", "... and what to do");
        vp_state_save(run, U1, "{\"domain\":\"a\"}", NULL, &err);
        is_int(vp_state_check(run, &l.entries[0], &err), -ESTALE,
               "plan.json without a token, entry with one: -ESTALE");
        free(l.entries[0].commit);
        l.entries[0].commit = NULL;
        is_int(vp_state_check(run, &l.entries[0], &err), 0,
               "neither has a token (files from before tokens): coherent");
        vp_state_save(run, U1, "{\"domain\":", NULL, &err);
        is_int(vp_state_check(run, &l.entries[0], &err), -EBADMSG, "truncated plan.json: -EBADMSG");

        /* U2 has state files but no entry; U1's stay */
        vp_state_save(run, U2, "{}", "<domain/>", &err);
        vp_state_write(run, U2, "input.xml", "<domain/>", 9, &err);
        char *other = vp_xasprintf("%s/domains/%s.notes", run, U2);
        write_text(other, "x");
        is_int((int)vp_state_sweep(run, &l), 3, "sweep removes the 3 state files without an entry");
        char *out = NULL;
        is_int(vp_state_read(run, U2, "xml", &out, &err), -ENOENT, "... gone");
        is_int(vp_state_read(run, U1, "xml", &out, &err), 0, "the entry's files stay");
        free(out);
        ok(exists(other), "files of other kinds are not touched");
        vp_ledger_free(&l);

        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *t_input = vp_xasprintf("%s/domains/%s.input.xml.tmp.%d", run, U1, (int)dead);
        write_text(t_input, "<dom");
        vp_ledger_unlock(vp_ledger_lock(run, &err));
        ok(!exists(t_input), "lock sweeps an input.xml temp file of a dead pid");
        free(t_input);
        free(other);
        free(plan);
        free(t1);
        free(t2);
}

static int count_state_files(const char *run, const char *uuid)
{
        int n = 0;
        static const char *const exts[] = {"plan.json", "xml", "input.xml"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(exts); i++) {
                char *p = vp_xasprintf("%s/domains/%s.%s", run, uuid, exts[i]);
                n += exists(p);
                free(p);
        }
        return n;
}

static void state_files(const char *run, const char *uuid)
{
        vp_error err;
        vp_state_save(run, uuid, "{}", "<domain/>", &err);
        vp_state_write(run, uuid, "input.xml", "<domain/>", 9, &err);
}

/* vp_ledger_lock_load: lock, load and both sweeps in one directory scan;
 * vp_state_sweep after it removes the files of the entries that went
 * without scanning again. */
static void test_lock_load(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0};
        const char *U4 = "44444444-0000-4000-8000-000000000004";
        const char *U5 = "55555555-0000-4000-8000-000000000005";
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        e = mk("b", "AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee", VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save a, b");
        vp_ledger_free(&l);
        state_files(run, U1);
        state_files(run, U2);
        state_files(run, U3); /* no entry: a killed commit's */
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *t_dead = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U1, (int)dead);
        char *t_live = vp_xasprintf("%s/domains/%s.xml.tmp.1", run, U3);
        char *l_dead = vp_xasprintf("%s/ledger.json.tmp.%d", run, (int)dead);
        char *i_dead = vp_xasprintf("%s/config.index.tmp.%d", run, (int)dead);
        char *i_live = vp_xasprintf("%s/config.index.tmp.1", run);
        char *tc_dead = vp_xasprintf("%s/topology.cache.tmp.%d", run, (int)dead);
        char *upper = vp_xasprintf("%s/domains/0F0F0F0F-0000-4000-8000-123456789ABC.xml", run);
        char *other = vp_xasprintf("%s/domains/%s.notes", run, U3);
        write_text(t_dead, "x");
        write_text(t_live, "x");
        write_text(l_dead, "x");
        write_text(i_dead, "x");
        write_text(i_live, "x");
        write_text(tc_dead, "x");
        write_text(upper, "x");
        write_text(other, "x");

        int fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0, "lock_load: %s", fd < 0 ? err.msg : "");
        is_int(l.n, 2, "... loads the ledger");
        ok(l.swept && l.n_kept == 2, "... and records the 2 uuids it kept files for");
        is_int(count_state_files(run, U1) + count_state_files(run, U2), 6,
               "the entries' state files stay");
        is_int(count_state_files(run, U3), 0, "state files without an entry are swept");
        ok(!exists(upper), "... in upper case too");
        ok(!exists(t_dead) && !exists(l_dead), "temp files of a dead pid are swept");
        ok(!exists(i_dead), "... the config index's too (it is written outside the lock)");
        ok(!exists(tc_dead), "... and the topology cache's (written outside it too)");
        ok(exists(t_live) && exists(i_live) && exists(other),
           "a live pid's temp files and other files stay");
        char *lk = vp_xasprintf("%s/ledger.lock", run);
        int f2 = open(lk, O_RDWR | O_CLOEXEC);
        ok(flock(f2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK, "the lock is held");

        /* a commit: b goes (reclaimed), c comes with its files, a stays */
        ok(vp_ledger_remove(&l, U2, NOW), "drop b");
        e = mk("c", U4, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        state_files(run, U4);
        is_int(vp_ledger_save(run, &l, &err), 0, "save without b, with c");
        /* written behind the lock's back (never happens): shows there is
         * no scan, only the kept uuids are looked at */
        state_files(run, U5);
        is_int((int)vp_state_sweep(run, &l), 3, "sweep after the save removes b's 3 files");
        is_int(count_state_files(run, U2), 0, "... gone");
        is_int(count_state_files(run, U1) + count_state_files(run, U4), 6, "a's and c's stay");
        is_int(count_state_files(run, U5), 3, "... and no directory scan was made");
        ok(l.n_kept == 2 && !strcmp(l.kept[0], U1) && !strcmp(l.kept[1], U4),
           "kept is now a and c");
        is_int((int)vp_state_sweep(run, &l), 0, "a second sweep has nothing to do");
        vp_ledger_unlock(fd);
        ok(flock(f2, LOCK_EX | LOCK_NB) == 0, "unlock releases it");
        flock(f2, LOCK_UN);
        vp_ledger_free(&l);

        /* a ledger not from lock_load: the full scan */
        is_int(vp_ledger_load(run, &l, &err), 0, "load");
        ok(!l.swept, "a plain load has swept nothing");
        is_int((int)vp_state_sweep(run, &l), 3, "vp_state_sweep scans: U5's 3 files go");
        vp_ledger_free(&l);

        /* a ledger that does not load: its error, the lock released, only
         * temp files swept */
        state_files(run, U3);
        write_text(t_dead, "x");
        char *path = vp_xasprintf("%s/ledger.json", run);
        write_text(path, "{\"version\": 1, \"entries\": [");
        fd = vp_ledger_lock_load(run, &l, &err);
        is_int(fd, -EBADMSG, "corrupt ledger: -EBADMSG");
        like(err.msg, "ledger.json: not valid JSON", "... naming the file");
        ok(l.n == 0 && !l.swept && !l.kept, "... l empty");
        ok(flock(f2, LOCK_EX | LOCK_NB) == 0, "... the lock released");
        flock(f2, LOCK_UN);
        is_int(count_state_files(run, U1) + count_state_files(run, U3), 6,
               "... no state file swept");
        ok(!exists(t_dead), "... the dead pid's temp file is");
        close(f2);

        /* a missing run dir and domains/ are made, empty ledger */
        char *fresh = vp_xasprintf("%s/new/run", run);
        fd = vp_ledger_lock_load(fresh, &l, &err);
        char *dom = vp_xasprintf("%s/domains", fresh);
        ok(fd >= 0 && l.n == 0 && l.swept, "lock_load of a missing run dir: empty ledger");
        ok(mode_of(fresh) == 0700 && mode_of(dom) == 0700, "... run dir and domains/ made 0700");
        vp_ledger_unlock(fd);
        vp_ledger_free(&l);
        rmdir(dom);
        fd = vp_ledger_lock(fresh, &err);
        ok(fd >= 0 && mode_of(dom) == 0700, "lock remakes a missing domains/");
        vp_ledger_unlock(fd);

        free(fresh);
        free(dom);
        free(path);
        free(lk);
        free(t_dead);
        free(t_live);
        free(l_dead);
        free(i_dead);
        free(i_live);
        free(tc_dead);
        free(upper);
        free(other);
}

/* ledger.cache (lib/ledgercache.h): written with every save of a normal
 * ledger, believed only for the ledger.json it was written for, and only
 * when it is intact and ours. */
static void test_cache(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        char *cache = vp_xasprintf("%s/ledger.cache", run);
        char *json = vp_xasprintf("%s/ledger.json", run);
        vp_ledger l = {0}, l2 = {0}, other = {0}, back = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_DEDICATED, "2-3", NOW);
        add_mem(&e, 1, 4096);
        vp_ledger_put(&l, &e);
        e = mk("b", U2, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        ok(vp_ledger_remove(&l, U2, NOW + 1), "a released domain in previous");
        e = mk("c", U3, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        ok(vp_ledger_normal(&l), "a ledger made by put and remove is normal");
        is_int(vp_ledger_save(run, &l, &err), 0, "save: %s", err.msg);
        ok(exists(cache) && mode_of(cache) == 0600, "save writes ledger.cache, mode 0600");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&l, &back), "... gives the ledger saved");
        vp_ledger_free(&back);

        /* a cache made for the ledger.json there now is what load reads */
        e = mk("other", U1, VP_KIND_NONE, "", NOW);
        vp_ledger_put(&other, &e);
        struct stat st;
        stat(json, &st);
        is_int(vp_ledger_cache_write(cache, &st, &other), 0, "a cache of another ledger");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&other, &back), "... believes a cache whose key matches");
        vp_ledger_free(&back);

        /* ledger.json edited (its mtime and ctime move): the cache is not
         * of it any more */
        struct timespec ts[2] = {{0, UTIME_OMIT}, {12345, 0}};
        utimensat(AT_FDCWD, json, ts, 0);
        is_int(vp_ledger_load(run, &back, &err), 0, "after an edit of ledger.json");
        ok(ledger_equal(&l, &back), "... the JSON is read, not the cache");
        vp_ledger_free(&back);

        /* a writer killed between the ledger's rename and the cache's: the
         * cache left is of the file before */
        is_int(vp_ledger_save(run, &l, &err), 0, "save");
        char *old_text = NULL;
        size_t old_len = 0;
        vp_read_file(cache, 1 << 20, &old_text, &old_len, NULL);
        e = mk("d", "dddddddd-0000-4000-8000-000000000004", VP_KIND_SHARED, "", NOW);
        l2 = l;
        memset(&l, 0, sizeof(l));
        vp_ledger_put(&l2, &e);
        is_int(vp_ledger_save(run, &l2, &err), 0, "save with one more entry");
        is_int(vp_write_file_atomic(cache, old_text, old_len, 0600, NULL), 0,
               "put the cache of the ledger before back");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&l2, &back) && back.n == 3, "... a stale cache is not believed");
        vp_ledger_free(&back);

        /* damaged, group-readable, truncated, not a file: the JSON */
        stat(json, &st);
        const char *how[] = {"a byte flipped", "mode 0640", "truncated", "a directory"};
        for (int k = 0; k < 4; k++) {
                unlink(cache);
                rmdir(cache);
                vp_ledger_cache_write(cache, &st, &other);
                char *text = NULL;
                size_t len = 0;
                vp_read_file(cache, 1 << 20, &text, &len, NULL);
                if (k == 0)
                        text[len - 3] ^= 0x20;
                if (k == 2)
                        len -= 9;
                if (k != 1) {
                        unlink(cache);
                        if (k == 3)
                                mkdir(cache, 0700);
                        else
                                vp_write_file_atomic(cache, text, len, 0600, NULL);
                } else {
                        chmod(cache, 0640);
                }
                free(text);
                is_int(vp_ledger_load(run, &back, &err), 0, "%s cache: load", how[k]);
                ok(ledger_equal(&l2, &back), "... reads the JSON");
                vp_ledger_free(&back);
        }
        rmdir(cache);

        /* a ledger the JSON loader would give back otherwise (unsorted, an
         * upper-case uuid) gets no cache: load sorts it */
        vp_ledger_entry tmp = l2.entries[0];
        l2.entries[0] = l2.entries[2];
        l2.entries[2] = tmp;
        ok(!vp_ledger_normal(&l2), "an unsorted ledger is not normal");
        is_int(vp_ledger_save(run, &l2, &err), 0, "it saves");
        ok(!exists(cache), "... without a cache");
        l2.entries[2] = l2.entries[0];
        l2.entries[0] = tmp;
        l2.entries[1].uuid[0] = 'A';
        ok(!vp_ledger_normal(&l2), "an upper-case uuid is not normal");
        l2.entries[1].uuid[0] = 'd';
        ok(vp_ledger_normal(&l2), "... lower case again, it is");

        /* the parser alone: truncated payloads and an empty one */
        is_int(vp_ledger_save(run, &l2, &err), 0, "save");
        char *text = NULL;
        size_t len = 0;
        vp_read_file(cache, 1 << 20, &text, &len, NULL);
        const size_t head = 24 + 8 * 8; /* magic, key, checksum */
        bool all_refused = true;
        for (size_t cut = 0; cut < len - head; cut++) {
                all_refused &= vp_ledger_cache_parse(text + head, cut, &back) == -1 &&
                               back.n == 0 && back.entries == NULL;
        }
        ok(all_refused, "every truncation of the payload is refused, nothing left allocated");
        is_int(vp_ledger_cache_parse(text + head, len - head, &back), 0,
               "the whole payload parses");
        ok(ledger_equal(&l2, &back), "... to the ledger saved");
        vp_ledger_free(&back);
        free(text);
        free(old_text);
        free(cache);
        free(json);
        vp_ledger_free(&l2);
        vp_ledger_free(&other);
}

/* The lock file's flag: a holder that ends with vp_ledger_unlock_done lets
 * the next lock_load skip the scan of domains/; a holder that did not (an
 * error, a kill, a lock that swept no state files, a temp file whose writer
 * still shows) leaves it to scan. Files planted behind the lock's back
 * (never happens) show whether a scan was made. */
static char lock_flag(const char *run)
{
        char *lk = vp_xasprintf("%s/ledger.lock", run), c = 0;
        int fd = open(lk, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, &c, 1) != 1)
                c = 0;
        if (fd >= 0)
                close(fd);
        free(lk);
        return c;
}

static void test_lock_flag(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save a");
        vp_ledger_free(&l);
        state_files(run, U1);

        /* a lock file from before the flag (empty): the scan */
        state_files(run, U3);
        int fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && count_state_files(run, U3) == 0, "empty lock file: scanned, U3 swept");
        is_int(lock_flag(run), '1', "... the flag says busy while held");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        is_int(lock_flag(run), '0', "unlock_done: done");

        state_files(run, U3);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && l.swept && l.n_kept == 1, "after done: loaded, a kept");
        is_int(count_state_files(run, U3), 3, "... and no scan: U3's planted files stay");
        is_int(count_state_files(run, U1), 3, "... a's stay");
        vp_ledger_unlock(fd); /* as after an error */
        vp_ledger_free(&l);
        is_int(lock_flag(run), '1', "plain unlock leaves it busy");
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && count_state_files(run, U3) == 0, "so the next lock_load scans: U3 swept");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);

        /* a holder killed mid-write: its flag stays busy, its temp file goes
         * at the next lock once it is reaped */
        pid_t kid = fork();
        if (kid == 0) {
                vp_ledger l2 = {0};
                vp_error e2;
                int f = vp_ledger_lock_load(run, &l2, &e2);
                char *t = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U1, (int)getpid());
                write_text(t, "x");
                (void)f;
                _exit(0); /* no unlock: a kill */
        }
        int st;
        /* not reaped yet: a zombie, which kill(2) still finds */
        char *t_kid = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U1, (int)kid);
        while (!exists(t_kid))
                usleep(1000);
        siginfo_t si;
        waitid(P_PID, (id_t)kid, &si, WEXITED | WNOWAIT);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && exists(t_kid), "a zombie writer's temp file stays");
        is_int(lock_flag(run), '2', "... and marks the flag partial");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        is_int(lock_flag(run), '2', "unlock_done keeps partial: the next holder scans");
        waitpid(kid, &st, 0);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && !exists(t_kid), "reaped: the next lock_load sweeps it");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        is_int(lock_flag(run), '0', "... and ends done");

        /* vp_ledger_lock sweeps no state files: partial, not done */
        fd = vp_ledger_lock(run, &err);
        vp_ledger_unlock_done(fd);
        is_int(lock_flag(run), '0', "vp_ledger_lock after done: stays done");
        vp_ledger_unlock(vp_ledger_lock_load(run, &l, &err));
        vp_ledger_free(&l);
        fd = vp_ledger_lock(run, &err);
        is_int(lock_flag(run), '2', "vp_ledger_lock when not done: partial");
        vp_ledger_unlock_done(fd);
        state_files(run, U3);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && count_state_files(run, U3) == 0, "... so the next lock_load scans");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        free(t_kid);
}

static double elapsed_ms(const struct timespec *t0)
{
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A child that takes the ledger lock of run, says so on the returned
 * pipe's read end (*ready), and releases it when the parent writes to
 * *release (hold_ms == 0) or after hold_ms. */
static pid_t hold_lock(const char *run, unsigned hold_ms, int *ready, int *release)
{
        int up[2], down[2];
        if (pipe(up) < 0 || pipe(down) < 0) {
                perror("pipe");
                exit(1);
        }
        pid_t pid = fork();
        if (pid == 0) {
                close(up[0]);
                close(down[1]);
                vp_error e;
                int fd = vp_ledger_lock(run, &e);
                char c = fd >= 0 ? 'y' : 'n';
                if (write(up[1], &c, 1) != 1)
                        _exit(1);
                if (hold_ms)
                        usleep(hold_ms * 1000);
                else if (read(down[0], &c, 1) < 0)
                        _exit(1);
                vp_ledger_unlock(fd);
                _exit(0);
        }
        close(up[1]);
        close(down[0]);
        char c = 0;
        if (read(up[0], &c, 1) != 1 || c != 'y') {
                fprintf(stderr, "lock holder failed\n");
                exit(1);
        }
        *ready = up[0];
        *release = down[1];
        return pid;
}

static void test_lock_wait(void)
{
        char *run = mkrun();
        char *lk = vp_xasprintf("%s/ledger.lock", run);
        vp_error err = {{0}};
        vp_ledger l = {0};
        int ready, release, st;

        /* a holder that stays: -ETIMEDOUT after the bound, one line naming
         * the file */
        vp_ledger_set_lock_wait_ms(300);
        pid_t kid = hold_lock(run, 0, &ready, &release);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int fd = vp_ledger_lock(run, &err);
        double ms = elapsed_ms(&t0);
        is_int(fd, -ETIMEDOUT, "a lock held past the bound: -ETIMEDOUT");
        like(err.msg, lk, "... the message names the lock file: %s", err.msg);
        like(err.msg, "held by another vmplace process for over 300 ms (giving up)",
             "... and says how long it waited");
        ok(!strchr(err.msg, '\n'), "... on one line");
        ok(ms >= 300 && ms < 10000, "... after at least the bound (%.0f ms)", ms);

        /* once given up, the process does not wait again for that holder */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        fd = vp_ledger_lock_load(run, &l, &err);
        ms = elapsed_ms(&t0);
        is_int(fd, -ETIMEDOUT, "lock_load while still held: -ETIMEDOUT too");
        like(err.msg, "not waiting again", "... at once (%.0f ms)", ms);
        ok(l.n == 0 && !l.swept, "... l empty");

        /* released: the next lock takes it */
        char c = 'x';
        ok(write(release, &c, 1) == 1, "the holder lets go");
        waitpid(kid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "... and exits");
        close(ready);
        close(release);
        fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "after the release a lock succeeds: %s", fd < 0 ? err.msg : "");
        vp_ledger_unlock(fd);

        /* a holder that lets go within the bound is waited for (setting the
         * bound forgets the earlier timeout) */
        vp_ledger_set_lock_wait_ms(5000);
        kid = hold_lock(run, 100, &ready, &release);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0, "a holder for ~100 ms is waited for: %s", fd < 0 ? err.msg : "");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        waitpid(kid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "... the holder exited");
        close(ready);
        close(release);

        vp_ledger_set_lock_wait_ms(VP_LEDGER_LOCK_WAIT_MS);
        free(lk);
}

/* A FIFO planted in place of a run-dir file, or of libvirt's pid file, is
 * refused at once by name: opened blocking, the read would wait for a writer
 * forever (holding the ledger lock, and libvirt's job behind it). An alarm
 * turns a regression into a failed test instead of a hang. */
static void test_fifo(void)
{
        char *run = mkrun();
        char *lv = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0};
        alarm(20);
        char *ledger = vp_xasprintf("%s/ledger.json", run);
        ok(mkfifo(ledger, 0600) == 0, "a FIFO as ledger.json");
        ok(vp_ledger_load(run, &l, &err) < 0, "loading it fails");
        like(err.msg, "ledger.json: not a regular file", "... naming it: %s", err.msg);
        vp_ledger_free(&l);

        is_int(vp_state_save(run, U1, "{}", "<domain/>", &err), 0, "state files saved");
        char *xml = vp_xasprintf("%s/domains/%s.xml", run, U1);
        ok(unlink(xml) == 0 && mkfifo(xml, 0600) == 0, "a FIFO as domains/UUID.xml");
        char *out = NULL;
        is_int(vp_state_read(run, U1, "xml", &out, &err), -EINVAL, "reading it: -EINVAL");
        like(err.msg, "not a regular file", "... %s", err.msg);
        ok(out == NULL, "... nothing read");

        char *pid = vp_xasprintf("%s/vm1.pid", lv);
        ok(mkfifo(pid, 0600) == 0, "a FIFO as libvirt's vm1.pid");
        long p = 0;
        ok(vp_libvirt_pid(lv, "vm1", &p, &err) < 0, "no pid read from it");
        like(err.msg, "vm1.pid", "... naming it: %s", err.msg);
        alarm(0);
        free(ledger);
        free(xml);
        free(pid);
}

/* I4: the run dir and the files vmplace acts on must be its own: owned by
 * this euid, writable by nobody else. Anything else is refused by name. */
static void test_owned(void)
{
        char *run = mkrun();
        vp_error err = {{0}};
        vp_ledger l = {0};
        int fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "a run dir of our own locks: %s", err.msg);
        vp_ledger_unlock(fd);

        ok(chmod(run, 0777) == 0, "the run dir made writable by all");
        is_int(vp_ledger_lock(run, &err), -EPERM, "locking it: -EPERM");
        like(err.msg, "writable by group or others: refused", "... naming why: %s", err.msg);
        like(err.msg, run, "... and the dir");
        ok(chmod(run, 0700) == 0, "0700 again");

        vp_ledger_entry e = {0};
        e.name = vp_xstrdup("vm1");
        e.uuid = vp_xstrdup(U1);
        e.state = vp_xstrdup("prepared");
        e.kind = VP_KIND_SHARED;
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "a ledger saved");
        vp_ledger_free(&l);
        char *ledger = vp_xasprintf("%s/ledger.json", run);
        char *cache = vp_xasprintf("%s/ledger.cache", run);
        unlink(cache); /* the JSON is what is read then */
        ok(chmod(ledger, 0666) == 0, "ledger.json made writable by all");
        ok(vp_ledger_load(run, &l, &err) == -EPERM, "loading it: -EPERM");
        like(err.msg, "ledger.json: writable by group or others: refused", "... %s", err.msg);
        vp_ledger_free(&l);
        ok(chmod(ledger, 0600) == 0 && chown(ledger, 65534, 65534) == 0,
           "ledger.json owned by another user");
        ok(vp_ledger_load(run, &l, &err) == -EPERM, "loading it: -EPERM");
        like(err.msg, "ledger.json: owned by uid 65534", "... %s", err.msg);
        vp_ledger_free(&l);

        is_int(vp_state_save(run, U1, "{}", "<domain/>", &err), 0, "state files saved");
        char *xml = vp_xasprintf("%s/domains/%s.xml", run, U1);
        ok(chown(xml, 65534, 65534) == 0, "the state XML owned by another user");
        char *out = NULL;
        is_int(vp_state_read(run, U1, "xml", &out, &err), -EPERM, "reading it: -EPERM");
        ok(out == NULL, "... nothing read");
        free(ledger);
        free(cache);
        free(xml);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_uuid();
        test_roundtrip();
        test_save_text();
        test_sorted();
        test_put_replace();
        test_remove_previous();
        test_committed_held();
        test_reclaim();
        test_reclaim_many();
        test_reclaim_real_proc();
        test_cache();
        test_corrupt();
        test_tmp_files();
        test_lock_and_modes();
        test_state();
        test_concurrent();
        test_crash();
        test_commit_token();
        test_lock_load();
        test_lock_flag();
        test_lock_wait();
        test_fifo();
        test_owned(); /* as root, like the suite: chown to another uid */
        rm_tmpdirs();
        return tap_done();
}
