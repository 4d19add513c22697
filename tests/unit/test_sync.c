/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sync.c (vp_op_sync_plan, vmplace sync without libvirt) on a scratch host
 * (scratch.h): "unmanaged" for a definition no profile matches, a managed
 * one planned into xml_out with its diff and differs set (and differs false
 * for a definition that already says it), a domain the ledger holds kept on
 * its CPUs, "refused" and "error" with their messages; nothing is
 * committed. */
#include <errno.h>

#include "decide.h"
#include "op.h"
#include "scratch.h"
#include "tap.h"

#define U_WEB  "55555555-0000-4000-8000-000000000001"
#define U_DED1 "55555555-0000-4000-8000-000000000002"
#define U_DED2 "55555555-0000-4000-8000-000000000003"
#define U_OFF  "55555555-0000-4000-8000-000000000004"
#define U_BIG  "55555555-0000-4000-8000-000000000005"

static scratch S;

static void sync_plan(const char *name, const char *uuid, unsigned vcpus, vp_op_result *r)
{
        char *xml = scratch_domxml(name, uuid, vcpus, 256);
        vp_op_sync_plan(&S.paths, xml, r);
        free(xml);
}

static void setup(void)
{
        scratch_init(&S, "sync", "1node-4cpu");
        scratch_profile(&S, "ded", "[match]\nnames = ded-*\n[placement]\ncpu_policy = dedicated\n");
        scratch_profile(&S, "web", SCRATCH_WEB_INI);
}

static void test_plan(void)
{
        vp_op_result r;
        sync_plan("other-1", U_OFF, 1, &r);
        is_str(r.result, "unmanaged", "no profile: unmanaged");
        is_str(r.message, "no profile matches: nothing to write", "saying so");
        ok(r.xml_out == NULL, "no XML");
        vp_op_result_free(&r);

        sync_plan("web-1", U_WEB, 2, &r);
        ok(r.result == NULL, "managed: no result yet, the caller defines (%s: %s)",
           r.result ? r.result : "", r.message ? r.message : "");
        is_str(r.profile, "web", "profile web");
        like(r.xml_out, "<shares>512</shares>", "xml_out: the rewritten definition");
        like(r.xml_out, "cpuset=\"0-3\"", "floating over the host");
        ok(r.differs, "differs: the definition had no placement");
        like(r.xml_diff, "+    <shares>512</shares>", "xml_diff shows the added items");
        char *again = r.xml_out ? vp_xstrdup(r.xml_out) : NULL;
        vp_op_result_free(&r);
        if (again) {
                vp_op_sync_plan(&S.paths, again, &r);
                ok(r.result == NULL && r.xml_out, "the rewritten definition planned again");
                ok(!r.differs, "differs false: nothing to change");
                vp_op_result_free(&r);
        }
        free(again);
        ok(!scratch_exists(&S, "run/ledger.json"), "nothing committed");

        /* refused, error */
        sync_plan("ded-big", U_BIG, 5, &r);
        is_str(r.result, "refused", "5 dedicated CPUs on 4: refused");
        like(r.message, "vmplace: ded-big (profile ded): ", "with the refusal");
        ok(r.message && strstr(r.message, "; the definition was not changed"),
           "saying the definition stays");
        is_str(r.profile, "ded", "and the profile");
        vp_op_result_free(&r);
        vp_op_sync_plan(&S.paths, "<domain><name>x", &r);
        is_str(r.result, "error", "malformed XML: error");
        like(r.message, "domain XML", "saying so");
        vp_op_result_free(&r);
}

static void test_keeps(void)
{
        /* ded-2 holds CPU 1 after ded-1 (CPU 0) left: a fresh start would
         * take CPU 0, sync keeps the CPU it runs on */
        scratch_place(&S, "ded-1", U_DED1, 1, 0);
        scratch_place(&S, "ded-2", U_DED2, 1, 0);
        vp_error err = {0};
        is_int(vp_release(&S.paths, "ded-1", U_DED1, &err), 1, "ded-1 released");
        char *before = scratch_read(&S, "run/ledger.json");
        vp_op_result r;
        sync_plan("ded-2", U_DED2, 1, &r);
        ok(r.result == NULL, "ded-2 planned (%s)", r.message ? r.message : "");
        like(r.xml_out, "<vcpupin vcpu=\"0\" cpuset=\"1\"/>", "on the CPU it holds");
        ok(r.differs, "differs");
        vp_op_result_free(&r);
        is_str_free(scratch_read(&S, "run/ledger.json"), before, "the ledger unchanged");
        free(before);
        sync_plan("ded-3", "55555555-0000-4000-8000-000000000006", 1, &r);
        like(r.xml_out, "<vcpupin vcpu=\"0\" cpuset=\"0\"/>", "a new domain: the first free CPU");
        vp_op_result_free(&r);
}

int main(void)
{
        setup();
        test_plan();
        test_keeps();
        scratch_free(&S);
        return tap_done();
}
