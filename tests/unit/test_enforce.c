/* SPDX-License-Identifier: GPL-2.0-or-later */
/* enforce.c on a scratch host (scratch.h) whose domains were placed by
 * vp_decide as the hook's prepare places them, run by a fake libvirt and
 * kernel (cgroup v1 tree, /proc). Judged by the values read back from the
 * cgroup files: what enforcement writes, VP_ENFORCE_CHECK writing nothing
 * and reporting drift (cgroup files and thread affinity), the ledger's state
 * and pid recorded, -ENOENT for an unmanaged domain (r.uuid NULL) and for a
 * managed one that does not run (r.uuid set), -ESTALE for state files of
 * another commit, and the floating overlay: a shared VM's vCPU and emulator
 * cpusets follow its ledger entry, not the XML recorded at its prepare; a
 * dedicated VM's shared emulator follows it too; an isolated emulator keeps
 * its pin and vp_enforce_floating leaves such a VM alone. */
#include <errno.h>

#include "decide.h"
#include "enforce.h"
#include "scratch.h"
#include "tap.h"

#define U_WEB  "22222222-0000-4000-8000-000000000001"
#define U_DED1 "22222222-0000-4000-8000-000000000002"
#define U_DED2 "22222222-0000-4000-8000-000000000003"
#define U_ISO  "22222222-0000-4000-8000-000000000004"
#define U_IDLE "22222222-0000-4000-8000-000000000005"

#define P_WEB  4201L
#define P_DED1 4202L
#define P_DED2 4203L
#define P_ISO  4204L

static scratch S;

/* NAME's ledger entry's state and pid, as "STATE pid PID" */
static char *ledger_state(const char *name)
{
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_ledger_entry *e = vp_ledger_find_name(&l, name);
        char *v = e ? vp_xasprintf("%s pid %ld", e->state, e->pid) : NULL;
        vp_ledger_free(&l);
        return v;
}

#define is_state(name, want, ...) is_str_free(ledger_state(name), want, __VA_ARGS__)

/* The value of file in r's writes, or NULL. */
static const char *written(const vp_enforce_result *r, const char *file)
{
        for (size_t i = 0; i < r->writes.n; i++)
                if (!strcmp(r->writes.w[i].file, file))
                        return r->writes.w[i].value;
        return NULL;
}

static void setup(void)
{
        scratch_init(&S, "enforce", "1node-4cpu");
        scratch_profile(&S, "ded", SCRATCH_DED_INI);
        scratch_profile(&S, "web", SCRATCH_WEB_INI);
        scratch_profile(&S, "iso",
                        "[match]\nnames = iso-*\n[placement]\ncpu_policy = dedicated\n"
                        "emulator_policy = isolate\n");
}

static void test_enforce(void)
{
        scratch_place(&S, "web-1", U_WEB, 2, P_WEB);
        vp_enforce_result r;
        int rc = vp_enforce_domain(&S.paths, "web-1", U_WEB, 0, &r);
        is_int(rc, 0, "web-1 enforced without drift (%s)", r.err.msg);
        is_str(r.state, "enforced", "state enforced");
        is_int(r.pid, P_WEB, "QEMU's pid from libvirt's pid file");
        is_int(r.version, VP_CGROUP_V1, "cgroup v1");
        is_int(r.kind, VP_KIND_SHARED, "the entry's kind");
        is_str(r.profile, "web", "the entry's profile");
        is_int(r.drift.n, 0, "no drift");
        vp_enforce_result_free(&r);
        is_cg(&S, "web-1", "cpu.shares", "512", "cpu.shares written on the machine group");
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", "0-3", "vcpu0/cpuset.cpus written");
        is_cg(&S, "web-1", "vcpu1/cpuset.cpus", "0-3", "vcpu1/cpuset.cpus written");
        is_cg(&S, "web-1", "vcpu1/cpuset.mems", "0", "vcpu1/cpuset.mems: the strict node");
        is_cg(&S, "web-1", "emulator/cpuset.cpus", "0-3", "emulator/cpuset.cpus written");
        is_cg(&S, "web-1", "emulator/cpu.shares", "1",
              "emulator/cpu.shares: not the plan's, untouched");
        is_state("web-1", "enforced pid 4201", "the ledger records state and pid");
}

static void test_check(void)
{
        /* moved behind vmplace's back */
        scratch_cg_put(&S, "web-1", "cpu.shares", "100\n");
        scratch_cg_put(&S, "web-1", "vcpu1/cpuset.cpus", "1\n");
        vp_enforce_result r;
        int rc = vp_enforce_domain(&S.paths, "web-1", NULL, VP_ENFORCE_CHECK, &r);
        is_int(rc, 1, "CHECK: drift, 1");
        is_str(r.state, "drift", "state drift");
        is_int(r.drift.n, 2, "two files drifted");
        if (r.drift.n == 2) {
                is_str(r.drift.d[0].file, "cpu.shares", "cpu.shares");
                is_str(r.drift.d[0].want, "512", "want the plan's");
                is_str(r.drift.d[0].have, "100", "have the kernel's");
                is_str(r.drift.d[1].file, "vcpu1/cpuset.cpus", "vcpu1/cpuset.cpus");
                is_str(r.drift.d[1].have, "1", "have the kernel's");
        }
        vp_enforce_result_free(&r);
        is_cg(&S, "web-1", "cpu.shares", "100", "CHECK wrote nothing");
        is_cg(&S, "web-1", "vcpu1/cpuset.cpus", "1", "... nothing at all");
        is_state("web-1", "enforced pid 4201", "nor recorded anything");

        rc = vp_enforce_domain(&S.paths, "web-1", NULL, 0, &r);
        is_int(rc, 0, "enforcing repairs it");
        vp_enforce_result_free(&r);
        is_cg(&S, "web-1", "cpu.shares", "512", "cpu.shares back");
        is_cg(&S, "web-1", "vcpu1/cpuset.cpus", "0-3", "vcpu1 back");

        /* a vCPU thread the kernel kept elsewhere (the fake cannot pin) */
        scratch_thread_status(&S, P_WEB, 1, "0", "0");
        rc = vp_enforce_domain(&S.paths, "web-1", NULL, 0, &r);
        is_int(rc, 1, "a thread that does not read back: 1");
        is_int(r.drift.n, 1, "one drift");
        if (r.drift.n == 1) {
                char *want = vp_xasprintf("vcpu0 tid %ld Cpus_allowed_list", SCRATCH_TID(P_WEB, 1));
                is_str(r.drift.d[0].file, want, "the vCPU 0 thread's affinity");
                free(want);
                is_str(r.drift.d[0].want, "0-3", "want its group's CPUs");
        }
        vp_enforce_result_free(&r);
        is_state("web-1", "drift pid 4201", "the ledger records drift");
        char *st = vp_xasprintf("proc/%ld/task/%ld/status", P_WEB, SCRATCH_TID(P_WEB, 1));
        scratch_unlink(&S, st);
        free(st);
        rc = vp_enforce_domain(&S.paths, "web-1", NULL, 0, &r);
        is_int(rc, 0, "no drift again");
        vp_enforce_result_free(&r);
        is_state("web-1", "enforced pid 4201", "enforced again");
}

static void test_errors(void)
{
        vp_enforce_result r;
        int rc = vp_enforce_domain(&S.paths, "other-1", NULL, 0, &r);
        is_int(rc, -ENOENT, "no ledger entry: -ENOENT");
        ok(r.uuid == NULL, "with r.uuid NULL (unmanaged)");
        is_str(r.err.msg, "other-1 is not managed by vmplace (no ledger entry)", "saying so");
        vp_enforce_result_free(&r);

        scratch_place(&S, "ded-idle", U_IDLE, 1, 0);
        rc = vp_enforce_domain(&S.paths, "ded-idle", NULL, 0, &r);
        is_int(rc, -ENOENT, "an entry whose QEMU does not run: -ENOENT too");
        is_str(r.uuid, U_IDLE, "but with r.uuid set");
        like(r.err.msg, "ded-idle is not running (no ", "naming the missing pid file");
        vp_enforce_result_free(&r);
        vp_error err = {0};
        vp_release(&S.paths, "ded-idle", U_IDLE, &err);

        /* plan.json of a commit the ledger never saw */
        char *plan = scratch_read(&S, "run/domains/" U_WEB ".plan.json");
        char *tok = plan ? strstr(plan, "\"commit\"") : NULL;
        char *q = tok ? strchr(tok + 8, '"') : NULL;
        if (q)
                q[1] = 'x'; /* the token's first character */
        vp_state_write(S.run, U_WEB, "plan.json", plan ? plan : "", plan ? strlen(plan) : 0, &err);
        scratch_cg_put(&S, "web-1", "cpu.shares", "100\n");
        rc = vp_enforce_domain(&S.paths, "web-1", U_WEB, 0, &r);
        is_int(rc, -ESTALE, "state files of another commit: -ESTALE");
        like(r.err.msg, "web-1: state files are of an interrupted update", "saying so");
        ok(r.state == NULL, "no state");
        vp_enforce_result_free(&r);
        is_cg(&S, "web-1", "cpu.shares", "100", "nothing written");
        is_state("web-1", "enforced pid 4201", "nothing recorded");
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_ledger_entry *e = vp_ledger_find_uuid(&l, U_WEB);
        rc = e ? vp_enforce_entry(&S.paths, e, VP_ENFORCE_CHECK, &r) : -1;
        is_int(rc, -ESTALE, "vp_enforce_entry: -ESTALE as well");
        vp_enforce_result_free(&r);
        /* the entry of that commit: the files are its own again */
        if (e && plan && q) {
                free(e->commit);
                e->commit = vp_xstrdup(q + 1);
                *strchr(e->commit, '"') = '\0';
        }
        rc = e ? vp_enforce_entry(&S.paths, e, 0, &r) : -1;
        is_int(rc, 0, "an entry of the plan.json's commit: enforced");
        vp_enforce_result_free(&r);
        is_cg(&S, "web-1", "cpu.shares", "512", "written");
        is_state("web-1", "enforced pid 4201", "vp_enforce_entry does not touch the ledger");
        vp_ledger_free(&l);
        free(plan);
        /* a fresh commit of web-1's own: re-placed, as apply would */
        vp_decision d;
        char *xml = scratch_domxml("web-1", U_WEB, 2, 256);
        rc = vp_decide(&S.paths, xml, strlen(xml), VP_DECIDE_COMMIT | VP_DECIDE_REPLAN, &d, &err);
        ok(rc == 0 && d.committed, "web-1 re-placed");
        vp_decision_free(&d);
        free(xml);
}

static void test_floating(void)
{
        /* ded-1 takes CPUs 0-1: web-1 is narrowed in the ledger; its
         * recorded XML still says 0-3 */
        scratch_place(&S, "ded-1", U_DED1, 2, P_DED1);
        char *rec = scratch_read(&S, "run/domains/" U_WEB ".xml");
        like(rec, "cpuset=\"0-3\"", "web-1's recorded XML still floats over 0-3");
        free(rec);
        size_t failed = vp_enforce_floating(&S.paths, U_DED1);
        is_int(failed, 0, "vp_enforce_floating: none failed");
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", "2-3", "web-1's vCPUs follow the ledger");
        is_cg(&S, "web-1", "vcpu1/cpuset.cpus", "2-3", "both");
        is_cg(&S, "web-1", "emulator/cpuset.cpus", "2-3", "its emulator too");
        is_cg(&S, "ded-1", "vcpu0/cpuset.cpus", "0-63", "skip_uuid: ded-1 left alone");

        vp_enforce_result r;
        int rc = vp_enforce_domain(&S.paths, "ded-1", U_DED1, 0, &r);
        is_int(rc, 0, "ded-1 enforced (%s)", r.err.msg);
        is_int(r.kind, VP_KIND_DEDICATED, "dedicated");
        vp_enforce_result_free(&r);
        is_cg(&S, "ded-1", "vcpu0/cpuset.cpus", "0", "its vCPU 0 pinned");
        is_cg(&S, "ded-1", "vcpu1/cpuset.cpus", "1", "its vCPU 1 pinned");
        is_cg(&S, "ded-1", "emulator/cpuset.cpus", "2-3", "its emulator shares the rest");
        is_cg(&S, "ded-1", "cpu.shares", "2048", "its shares");

        /* ded-2 takes CPU 2: ded-1's shared emulator narrows with web-1 */
        scratch_place(&S, "ded-2", U_DED2, 1, P_DED2);
        failed = vp_enforce_floating(&S.paths, U_DED2);
        is_int(failed, 0, "vp_enforce_floating: none failed");
        is_cg(&S, "ded-1", "emulator/cpuset.cpus", "3", "ded-1's emulator follows the ledger");
        is_cg(&S, "ded-1", "vcpu0/cpuset.cpus", "0", "its vCPUs keep their pins");
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", "3", "web-1 narrowed again");
        rec = scratch_read(&S, "run/domains/" U_DED1 ".xml");
        like(rec, "<emulatorpin cpuset=\"2-3\"/>", "ded-1's recorded XML says 2-3");
        free(rec);

        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_ledger_entry *e = vp_ledger_find_uuid(&l, U_WEB);
        rc = e ? vp_enforce_entry(&S.paths, e, VP_ENFORCE_CHECK, &r) : -1;
        is_int(rc, 0, "vp_enforce_entry CHECK of web-1");
        is_str(written(&r, "vcpu0/cpuset.cpus"), "3", "its writes: the ledger's vCPU set");
        is_str(written(&r, "emulator/cpuset.cpus"), "3", "and emulator set");
        is_str(written(&r, "cpu.shares"), "512", "and the recorded shares");
        vp_enforce_result_free(&r);
        vp_ledger_free(&l);

        /* both dedicated VMs stop: CPUs back to web-1 */
        vp_error err = {0};
        is_int(vp_release(&S.paths, "ded-1", U_DED1, &err), 1, "ded-1 released");
        is_int(vp_release(&S.paths, "ded-2", U_DED2, &err), 1, "ded-2 released");
        scratch_stop(&S, "ded-1", P_DED1);
        scratch_stop(&S, "ded-2", P_DED2);
        failed = vp_enforce_floating(&S.paths, NULL);
        is_int(failed, 0, "vp_enforce_floating: none failed");
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", "0-3", "web-1 widened");
        is_cg(&S, "web-1", "emulator/cpuset.cpus", "0-3", "its emulator too");
}

static void test_isolated(void)
{
        /* iso-1: one vCPU and an emulator CPU of its own */
        scratch_place(&S, "iso-1", U_ISO, 1, P_ISO);
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_ledger_entry *e = vp_ledger_find_uuid(&l, U_ISO);
        ok(e && vp_ledger_entry_emu_isolated(e), "iso-1's emulator is isolated");
        char *emu = e ? scratch_mask(&e->emulator_cpus) : vp_xstrdup("?");
        char *vcpu = e ? scratch_mask(&e->vcpu_cpus) : vp_xstrdup("?");
        vp_ledger_free(&l);
        vp_enforce_result r;
        int rc = vp_enforce_domain(&S.paths, "iso-1", U_ISO, 0, &r);
        is_int(rc, 0, "iso-1 enforced (%s)", r.err.msg);
        vp_enforce_result_free(&r);
        is_cg(&S, "iso-1", "emulator/cpuset.cpus", emu, "its emulator on its own CPU");
        is_cg(&S, "iso-1", "vcpu0/cpuset.cpus", vcpu, "its vCPU on another");

        /* an entry whose isolated emulator set says more than the plan
         * (held 0-3, emulator all but the vCPU's): the pin is the plan's */
        scratch_ledger(&S, &l);
        e = vp_ledger_find_uuid(&l, U_ISO);
        if (e) {
                vp_cpuset all, rest, v = vp_cpumask_get(&e->vcpu_cpus);
                vp_cpuset_parse(&all, "0-3", VP_MAX_CPUS, NULL);
                rest = all;
                vp_cpuset_andnot(&rest, &v);
                vp_cpumask_set(&e->held, &all);
                vp_cpumask_set(&e->emulator_cpus, &rest);
        }
        ok(e && vp_ledger_entry_emu_isolated(e), "still isolated");
        rc = e ? vp_enforce_entry(&S.paths, e, VP_ENFORCE_CHECK, &r) : -1;
        is_int(rc, 0, "vp_enforce_entry CHECK of it");
        is_str(written(&r, "emulator/cpuset.cpus"), emu, "the emulator's pin is the plan's");
        vp_enforce_result_free(&r);
        vp_ledger_free(&l);

        /* floating VMs re-enforced: web-1 narrowed, iso-1 not touched */
        scratch_cg_put(&S, "iso-1", "emulator/cpuset.cpus", "0-63\n");
        size_t failed = vp_enforce_floating(&S.paths, NULL);
        is_int(failed, 0, "vp_enforce_floating: none failed");
        is_cg(&S, "iso-1", "emulator/cpuset.cpus", "0-63", "an isolated emulator never floats");
        char *web = NULL;
        scratch_ledger(&S, &l);
        e = vp_ledger_find_uuid(&l, U_WEB);
        web = e ? scratch_mask(&e->vcpu_cpus) : vp_xstrdup("?");
        vp_ledger_free(&l);
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", web, "web-1 follows its narrowed set");
        ok(strcmp(web, "0-3") != 0, "(narrowed: %s)", web);
        free(web);
        free(emu);
        free(vcpu);

        /* a floating VM that cannot be enforced counts as failed */
        scratch_cg_put(&S, "iso-1", "emulator/cpuset.cpus", "0-63\n");
        char *rel = scratch_cg_rel("web-1", "vcpu1/cpuset.cpus");
        scratch_unlink(&S, rel);
        free(rel);
        failed = vp_enforce_floating(&S.paths, NULL);
        is_int(failed, 1, "vp_enforce_floating: web-1 failed, 1");
        is_state("web-1", "enforced pid 4201", "its ledger state stays");
}

int main(void)
{
        setup();
        test_enforce();
        test_check();
        test_errors();
        test_floating();
        test_isolated();
        scratch_free(&S);
        return tap_done();
}
