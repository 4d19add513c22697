/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply.c (vp_op_apply, vmplace apply's operation) on a scratch host
 * (scratch.h) whose domains were prepared and started as the hook does:
 * "applied" with nothing to change, "applied" listing the cgroup files a
 * profile edit changed (written, read back), drift found before applying
 * reported as repaired, "not-running" without a pid file, "unmanaged" for a
 * domain no profile matches, "refused" leaving the placement alone, and
 * "released" when the profile no longer matches. */
#include <errno.h>

#include "decide.h"
#include "enforce.h"
#include "op.h"
#include "scratch.h"
#include "tap.h"

#define U_WEB  "44444444-0000-4000-8000-000000000001"
#define U_DED  "44444444-0000-4000-8000-000000000002"
#define U_OFF  "44444444-0000-4000-8000-000000000003"
#define U_IDLE "44444444-0000-4000-8000-000000000004"

#define P_WEB 4401L
#define P_DED 4402L
#define P_OFF 4403L

#define WEB_INI "[match]\nnames = web-*\n[cputune]\nshares = %s\n[placement]\ncpu_policy = shared\n"
#define DED_INI "[match]\nnames = ded-*\n[placement]\ncpu_policy = dedicated\n%s"

static scratch S;

static void web_profile(const char *shares)
{
        char *ini = vp_xasprintf(WEB_INI, shares);
        scratch_profile(&S, "web", ini);
        free(ini);
}

static void ded_profile(const char *extra)
{
        char *ini = vp_xasprintf(DED_INI, extra);
        scratch_profile(&S, "ded", ini);
        free(ini);
}

/* Prepared (committed as the hook does), started and enforced. */
static void start(const char *name, const char *uuid, unsigned vcpus, long pid)
{
        scratch_place(&S, name, uuid, vcpus, pid);
        if (pid) {
                vp_enforce_result er;
                int r = vp_enforce_domain(&S.paths, name, uuid, 0, &er);
                is_int(r, 0, "%s enforced (%s)", name, er.err.msg);
                vp_enforce_result_free(&er);
        }
}

static const vp_op_change *change(const vp_op_result *r, const char *file)
{
        for (size_t i = 0; i < r->n_changes; i++)
                if (!strcmp(r->changes[i].file, file))
                        return &r->changes[i];
        return NULL;
}

static void setup(void)
{
        scratch_init(&S, "apply", "1node-4cpu");
        web_profile("512");
        ded_profile("");
        start("web-1", U_WEB, 2, P_WEB);
}

static void test_applied(void)
{
        vp_op_result r;
        vp_op_apply(&S.paths, "web-1", &r);
        is_str(r.result, "applied", "nothing edited: applied");
        is_int(r.n_changes, 0, "no change");
        is_int(r.repaired.n + r.left.n, 0, "no drift");
        ok(!vp_op_apply_failed(&r), "not a failure");
        is_str(r.profile, "web", "profile");
        is_str(r.matched_by, "name:web-*", "matched_by");
        is_str(r.uuid, U_WEB, "uuid");
        ok(r.reason != NULL, "with the planner's reason");
        ok(vp_cpuset_equal(&r.before->cpus, &r.after->cpus), "same CPUs before and after");
        vp_op_result_free(&r);

        web_profile("1024");
        vp_op_apply(&S.paths, "web-1", &r);
        is_str(r.result, "applied", "shares edited: applied");
        is_int(r.n_changes, 1, "one change");
        const vp_op_change *c = change(&r, "cpu.shares");
        ok(c != NULL, "cpu.shares changed");
        if (c) {
                is_str(c->before, "512", "before: the old profile's");
                is_str(c->after, "1024", "after: the new one's");
        }
        ok(!vp_op_apply_failed(&r), "not a failure");
        vp_op_result_free(&r);
        is_cg(&S, "web-1", "cpu.shares", "1024", "written");
        char *rec = scratch_read(&S, "run/domains/" U_WEB ".xml");
        like(rec, "<shares>1024</shares>", "recorded as the plan");
        free(rec);

        /* moved behind vmplace's back: repaired on the way */
        scratch_cg_put(&S, "web-1", "vcpu1/cpuset.cpus", "1\n");
        vp_op_apply(&S.paths, "web-1", &r);
        is_str(r.result, "applied", "drifted: applied");
        is_int(r.repaired.n, 1, "one drift found before");
        if (r.repaired.n)
                is_str(r.repaired.d[0].file, "vcpu1/cpuset.cpus", "the moved file");
        is_int(r.left.n, 0, "none left");
        is_int(r.n_changes, 0, "the plan did not change");
        vp_op_result_free(&r);
        is_cg(&S, "web-1", "vcpu1/cpuset.cpus", "0-3", "written back");
}

static void test_not_running(void)
{
        vp_op_result r;
        vp_op_apply(&S.paths, "web-2", &r);
        is_str(r.result, "not-running", "no pid file: not-running");
        is_str(r.message, "not running", "saying so");
        ok(vp_op_apply_failed(&r), "a failure");
        vp_op_result_free(&r);

        start("ded-idle", U_IDLE, 1, 0);
        vp_op_apply(&S.paths, "ded-idle", &r);
        is_str(r.result, "not-running", "prepared, never started: not-running");
        is_str(r.uuid, U_IDLE, "its entry found");
        vp_op_result_free(&r);
        vp_error err = {0};
        vp_release(&S.paths, "ded-idle", U_IDLE, &err);

        char *xml = scratch_domxml("other-1", U_OFF, 1, 256);
        scratch_start(&S, "other-1", xml, 1, P_OFF);
        free(xml);
        vp_op_apply(&S.paths, "other-1", &r);
        is_str(r.result, "unmanaged", "running, no profile: unmanaged");
        ok(!vp_op_apply_failed(&r), "not a failure");
        vp_op_result_free(&r);
}

static void test_refused(void)
{
        start("ded-1", U_DED, 2, P_DED);
        is_cg(&S, "ded-1", "vcpu0/cpuset.cpus", "0", "ded-1 on CPU 0");
        char *ledger = scratch_read(&S, "run/ledger.json");
        /* two NUMA nodes on a one-node host */
        ded_profile("numa_nodes = 2\n");
        vp_op_result r;
        vp_op_apply(&S.paths, "ded-1", &r);
        is_str(r.result, "refused", "a profile the host cannot satisfy now: refused");
        like(r.message, "vmplace: ded-1 (profile ded): ", "with the refusal");
        ok(r.message && strstr(r.message, "; nothing was changed"), "saying nothing changed");
        ok(vp_op_apply_failed(&r), "a failure");
        vp_op_result_free(&r);
        is_str_free(scratch_read(&S, "run/ledger.json"), ledger, "the ledger unchanged");
        free(ledger);
        ded_profile("");
}

static void test_released(void)
{
        /* web-* is nobody's any more */
        scratch_profile(&S, "web", "[match]\nnames = www-*\n[placement]\ncpu_policy = shared\n");
        vp_op_result r;
        vp_op_apply(&S.paths, "web-1", &r);
        is_str(r.result, "released", "no profile matches: released");
        is_str(r.message,
               "no profile matches any more: released from the ledger; its cgroup values stay "
               "until it restarts",
               "saying what stays");
        ok(!vp_op_apply_failed(&r), "not a failure");
        vp_op_result_free(&r);
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        ok(vp_ledger_find_uuid(&l, U_WEB) == NULL, "web-1's entry gone");
        ok(vp_ledger_find_uuid(&l, U_DED) != NULL, "ded-1's stays");
        vp_ledger_free(&l);
        ok(!scratch_exists(&S, "run/domains/" U_WEB ".plan.json"), "web-1's state files gone");
        is_cg(&S, "web-1", "cpu.shares", "1024", "its cgroup values stay");

        vp_op_apply(&S.paths, "web-1", &r);
        is_str(r.result, "unmanaged", "again: unmanaged");
        vp_op_result_free(&r);
}

int main(void)
{
        setup();
        test_applied();
        test_not_running();
        test_refused();
        test_released();
        scratch_free(&S);
        return tap_done();
}
