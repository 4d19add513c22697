/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger model (lib/model/ledger.c): uuids and kind names, ordering,
 * put/remove/previous, the accounting helpers and which stale entries
 * reclaim drops (vp_ledger_drop_stale). No file is touched. */
#include <string.h>

#include "ledger.h"
#include "ledger_fixture.h"
#include "tap.h"

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
        vp_ledger l = {0};
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
        fill_previous(&l, VP_LEDGER_PREVIOUS_MAX + 5);
        is_int(l.n_prev, VP_LEDGER_PREVIOUS_MAX, "previous capped at %d", VP_LEDGER_PREVIOUS_MAX);
        ok(vp_ledger_previous(&l, U1) == NULL && vp_ledger_previous(&l, U2) == NULL,
           "the oldest records were dropped");
        ok(vp_ledger_previous(&l, "00000000-0000-0000-0000-000000000004") == NULL &&
               vp_ledger_previous(&l, "00000000-0000-0000-0000-000000000005") != NULL,
           "exactly the oldest ones");
        is_int(l.prev[l.n_prev - 1].released, NOW + 100 + VP_LEDGER_PREVIOUS_MAX + 4,
               "newest last");
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
        vp_ledger_isolated(&l, &h);
        ok(vp_cpuset_empty(&h), "no entry isolated: nothing isolated");
        vp_ledger_find_uuid(&l, U2)->isolated = true;
        vp_ledger_isolated(&l, &h);
        is_str(vp_cpuset_fmt(&h, buf, sizeof(buf)), "8", "isolated: what the isolated entries hold");
        vp_ledger_find_uuid(&l, U1)->isolated = true;
        vp_ledger_isolated(&l, &h);
        is_str(vp_cpuset_fmt(&h, buf, sizeof(buf)), "2-3,8", "the union of them");
        vp_ledger_free(&l);
        vp_ledger_held(&l, NULL, &h);
        ok(vp_cpuset_empty(&h), "empty ledger holds nothing");
}

/* Reclaim's rule without its I/O: entries older than VP_LEDGER_STALE_SECONDS
 * or with a recorded pid are asked about, in order; the old ones the
 * callback calls gone go, and those of an earlier run whatever their age,
 * recorded in previous. */
typedef struct asked {
        char names[8][16];
        size_t n;
} asked;

static int alive_if_a(const vp_ledger_entry *e, void *ctx)
{
        asked *a = ctx;
        snprintf(a->names[a->n++], sizeof(a->names[0]), "%s", e->name);
        if (e->name[0] == 'f')
                return VP_QEMU_EARLIER;
        if (e->name[0] == 'g')
                return VP_QEMU_GONE;
        return e->name[0] == 'a' ? VP_QEMU_RUNS : VP_QEMU_GONE;
}

static void test_drop_stale(void)
{
        vp_ledger l = {0};
        const struct {
                const char *name, *uuid;
                int64_t age;
        } cases[] = {
            {"a-old", U1, 3600},
            {"b-old", U2, 61},
            {"c-young", U3, 60},
            {"d-old", "00000000-0000-0000-0000-000000000001", 3600},
            {"e-future", "00000000-0000-0000-0000-000000000002", -10},
            /* young, with the pid of a QEMU that ran: asked */
            {"f-earlier", "00000000-0000-0000-0000-000000000003", 5},
            {"g-crashed", "00000000-0000-0000-0000-000000000004", 5},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                vp_ledger_entry e =
                    mk(cases[i].name, cases[i].uuid, VP_KIND_DEDICATED, "1", NOW - cases[i].age);
                e.pid = cases[i].name[0] >= 'f' ? 4242 : 0;
                vp_ledger_put(&l, &e);
        }
        asked a = {0};
        char **names = NULL;
        size_t n = vp_ledger_drop_stale(&l, NOW, alive_if_a, &a, &names);
        ok(a.n == 5 && !strcmp(a.names[0], "a-old") && !strcmp(a.names[1], "b-old") &&
               !strcmp(a.names[2], "d-old") && !strcmp(a.names[3], "f-earlier") &&
               !strcmp(a.names[4], "g-crashed"),
           "the entries older than %d s or with a recorded pid are asked about, in order",
           VP_LEDGER_STALE_SECONDS);
        ok(n == 3 && names && !strcmp(names[0], "b-old") && !strcmp(names[1], "d-old") &&
               !strcmp(names[2], "f-earlier"),
           "the old dead ones go, and the young one of an earlier run, named");
        ok(l.n == 4 && vp_ledger_find_name(&l, "a-old") && vp_ledger_find_name(&l, "c-young") &&
               vp_ledger_find_name(&l, "e-future") && vp_ledger_find_name(&l, "g-crashed"),
           "the live and the young stay (a young crash keeps its grace)");
        const vp_ledger_prev *p = vp_ledger_previous(&l, U2);
        ok(p && p->released == NOW && meq(&p->held, 0x2), "a dropped entry is in previous");
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        a.n = 0;
        n = vp_ledger_drop_stale(&l, NOW, alive_if_a, &a, &names);
        ok(n == 0 && names == NULL && a.n == 2, "again: nothing goes, names NULL");
        vp_ledger_free(&l);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_uuid();
        test_put_replace();
        test_remove_previous();
        test_committed_held();
        test_drop_stale();
        rm_tmpdirs();
        return tap_done();
}
