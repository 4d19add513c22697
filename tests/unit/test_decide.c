/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide.c on a scratch host (scratch.h): the deciding flow the hook and
 * `vmplace plan` share, and vp_release. An unmanaged domain loads nothing
 * and records nothing; a dedicated plan committed writes its ledger entry
 * and state files (read back: the commit token ties them); a refusal leaves
 * the ledger as it was; VP_DECIDE_REPLAN keeps a running VM on its CPUs
 * where a fresh plan moves it; VP_DECIDE_RUNNING refuses (-ESRCH, nothing
 * committed) a domain that does not run; a dedicated VM narrows the floating
 * VM it takes CPUs from, and its release widens it again. */
#include <errno.h>

#include "decide.h"
#include "scratch.h"
#include "tap.h"

#define U_WEB  "11111111-0000-4000-8000-000000000001"
#define U_DED1 "11111111-0000-4000-8000-000000000002"
#define U_DED2 "11111111-0000-4000-8000-000000000003"
#define U_BIG  "11111111-0000-4000-8000-000000000004"
#define U_OFF  "11111111-0000-4000-8000-000000000005"

static scratch S;

/* vp_decide on a domain made by scratch_domxml; the caller frees d. */
static int decide(const char *name, const char *uuid, unsigned vcpus, unsigned flags,
                  vp_decision *d, vp_error *err)
{
        char *xml = scratch_domxml(name, uuid, vcpus, 256);
        int r = vp_decide(&S.paths, xml, strlen(xml), flags, d, err);
        free(xml);
        return r;
}

/* ledger.json as text ("" when absent) */
static char *ledger_text(void)
{
        char *t = scratch_read(&S, "run/ledger.json");
        return t ? t : vp_xstrdup("");
}

/* One field of NAME's ledger entry as text: "held", "vcpus", "emu",
 * "state", "kind", "commit"; NULL when there is no entry. */
static char *field(const char *name, const char *what)
{
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_ledger_entry *e = vp_ledger_find_name(&l, name);
        char *v = NULL;
        if (e && !strcmp(what, "held"))
                v = scratch_mask(&e->held);
        else if (e && !strcmp(what, "vcpus"))
                v = scratch_mask(&e->vcpu_cpus);
        else if (e && !strcmp(what, "emu"))
                v = scratch_mask(&e->emulator_cpus);
        else if (e && !strcmp(what, "state"))
                v = vp_xstrdup(e->state);
        else if (e && !strcmp(what, "kind"))
                v = vp_xstrdup(vp_entry_kind_name(e->kind));
        else if (e && !strcmp(what, "commit"))
                v = e->commit ? vp_xstrdup(e->commit) : NULL;
        vp_ledger_free(&l);
        return v;
}

#define is_field(name, what, want, ...) is_str_free(field(name, what), want, __VA_ARGS__)

static void setup(void)
{
        scratch_init(&S, "decide", "1node-4cpu");
        scratch_profile(&S, "ded", SCRATCH_DED_INI);
        scratch_profile(&S, "web", SCRATCH_WEB_INI);
}

static void test_unmanaged(void)
{
        vp_decision d;
        vp_error err = {0};
        int r = decide("other-1", U_OFF, 2, VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "unmanaged: decided (%s)", r ? err.msg : "");
        ok(d.profile == NULL, "no profile");
        ok(d.topo == NULL && !d.planned, "the fast path loads no topology and plans nothing");
        ok(d.xml_out == NULL && !d.committed, "no XML, nothing committed");
        vp_decision_free(&d);
        ok(!scratch_exists(&S, "run/ledger.json"), "no ledger written");
}

static void test_commit(void)
{
        vp_decision d;
        vp_error err = {0};
        char *xml = scratch_domxml("ded-1", U_DED1, 2, 256);
        int r = vp_decide(&S.paths, xml, strlen(xml), VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "ded-1: decided (%s)", r ? err.msg : "");
        is_str(d.profile ? d.profile->name : NULL, "ded", "profile ded");
        is_str(d.matched_by, "name:ded-*", "matched by name");
        ok(d.plan.refusal == NULL, "no refusal (%s)", d.plan.refusal ? d.plan.refusal : "");
        ok(d.committed, "committed");
        is_int(d.refloated, 0, "no floating VM to narrow");
        like(d.xml_out, "<vcpupin vcpu=\"1\" cpuset=\"1\"/>", "the rewritten XML pins vCPU 1");

        is_field("ded-1", "held", "0-1", "ledger: two dedicated CPUs held");
        is_field("ded-1", "vcpus", "0-1", "ledger: the vCPUs on them");
        is_field("ded-1", "emu", "2-3", "ledger: the emulator shares the rest");
        is_field("ded-1", "state", "prepared", "ledger: state prepared");
        is_field("ded-1", "kind", "dedicated", "ledger: kind dedicated");

        char *rec = scratch_read(&S, "run/domains/" U_DED1 ".xml");
        char *want = d.xml_out ? vp_xstrdup(d.xml_out) : NULL;
        is_str(rec, want ? vp_strstrip(want) : NULL, "state: the rewritten XML recorded");
        free(rec);
        free(want);
        char *in = scratch_read(&S, "run/domains/" U_DED1 ".input.xml");
        char *xin = vp_xstrdup(xml);
        is_str(in, vp_strstrip(xin), "state: the XML as libvirt gave it (apply's baseline)");
        free(in);
        free(xin);
        char *plan = scratch_read(&S, "run/domains/" U_DED1 ".plan.json");
        char *token = field("ded-1", "commit");
        ok(token != NULL, "the entry carries a commit token");
        like(plan, token ? token : "(none)", "plan.json carries the same token");
        free(plan);
        free(token);
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_ledger_entry *e = vp_ledger_find_uuid(&l, U_DED1);
        vp_error cerr = {0};
        is_int(e ? vp_state_check(S.run, e, &cerr) : -1, 0, "vp_state_check: of this commit (%s)",
               cerr.msg);
        vp_ledger_free(&l);
        vp_decision_free(&d);
        free(xml);
}

static void test_refusal(void)
{
        char *before = ledger_text();
        vp_decision d;
        vp_error err = {0};
        int r = decide("ded-big", U_BIG, 3, VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "3 more dedicated CPUs: a decision (%s)", r ? err.msg : "");
        like(d.plan.refusal,
             "vmplace: ded-big (profile ded): ", "a refusal naming domain and profile");
        ok(!d.committed && d.xml_out == NULL, "nothing committed, no XML");
        vp_decision_free(&d);
        char *after = ledger_text();
        is_str(after, before, "the ledger unchanged");
        ok(!scratch_exists(&S, "run/domains/" U_BIG ".plan.json"), "no state files");
        free(before);
        free(after);
}

static void test_running(void)
{
        char *before = ledger_text();
        vp_decision d;
        vp_error err = {0};
        int r = decide("ded-2", U_DED2, 1, VP_DECIDE_COMMIT | VP_DECIDE_RUNNING, &d, &err);
        is_int(r, -ESRCH, "VP_DECIDE_RUNNING, no pid file: -ESRCH");
        is_str(err.msg,
               "ded-2 is not running (it stopped while vmplace was planning it): nothing "
               "recorded",
               "saying it stopped");
        ok(!d.committed, "not committed");
        vp_decision_free(&d);
        char *after = ledger_text();
        is_str(after, before, "the ledger unchanged");
        free(before);
        free(after);
        ok(!scratch_exists(&S, "run/domains/" U_DED2 ".plan.json"), "no state files");
}

static void test_replan(void)
{
        /* ded-2 gets CPU 2 next to ded-1 (0-1); ded-1 goes; a fresh plan
         * of ded-2 would take the first free CPU again, a re-plan of the
         * running ded-2 keeps CPU 2 */
        vp_decision d;
        vp_error err = {0};
        int r = decide("ded-2", U_DED2, 1, VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "ded-2 committed (%s)", r ? err.msg : "");
        vp_decision_free(&d);
        is_field("ded-2", "held", "2", "ded-2 holds CPU 2");
        is_int(vp_release(&S.paths, "ded-1", NULL, &err), 1, "ded-1 released");

        char *xml = scratch_domxml("ded-2", U_DED2, 1, 256);
        scratch_start(&S, "ded-2", xml, 1, 4100);
        free(xml);
        r = decide("ded-2", U_DED2, 1, 0, &d, &err);
        char *fresh =
            r == 0 && !d.plan.refusal ? vp_cpuset_format(&d.plan.held) : vp_xstrdup("(no plan)");
        vp_decision_free(&d);
        ok(strcmp(fresh, "2") != 0, "a fresh plan moves ded-2 (to %s)", fresh);
        free(fresh);

        r = decide("ded-2", U_DED2, 1, VP_DECIDE_COMMIT | VP_DECIDE_REPLAN | VP_DECIDE_RUNNING, &d,
                   &err);
        is_int(r, 0, "re-plan of the running ded-2 (%s)", r ? err.msg : "");
        ok(d.committed, "committed");
        is_str_free(vp_cpuset_format(&d.plan.held), "2", "the plan keeps its CPU");
        vp_decision_free(&d);
        is_field("ded-2", "held", "2", "and so does the ledger");
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        is_int(l.n, 1, "one entry: the re-plan replaced ded-2's own");
        vp_ledger_free(&l);
}

static void test_float(void)
{
        /* web-1 floats over what ded-2 (CPU 2) leaves */
        vp_decision d;
        vp_error err = {0};
        int r = decide("web-1", U_WEB, 2, VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "web-1 committed (%s)", r ? err.msg : "");
        vp_decision_free(&d);
        is_field("web-1", "vcpus", "0-1,3", "web-1 floats over the CPUs no dedicated VM holds");
        is_field("web-1", "held", "", "and holds none");

        r = decide("ded-1", U_DED1, 2, VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "ded-1 committed again (%s)", r ? err.msg : "");
        is_int(d.refloated, 2, "two floating sets narrowed: web-1's and ded-2's emulator");
        is_str_free(vp_cpuset_format(&d.plan.held), "0-1", "ded-1 takes its previous CPUs back");
        vp_decision_free(&d);
        is_field("web-1", "vcpus", "3", "web-1's vCPUs narrowed in the ledger");
        is_field("web-1", "emu", "3", "and its emulator");

        /* release: by name, held CPUs freed, floating VMs widened */
        r = vp_release(&S.paths, "ded-1", NULL, &err);
        is_int(r, 1, "releasing ded-1 frees held CPUs: 1");
        is_field("ded-1", "held", NULL, "ded-1 has no entry");
        ok(!scratch_exists(&S, "run/domains/" U_DED1 ".xml") &&
               !scratch_exists(&S, "run/domains/" U_DED1 ".plan.json"),
           "its state files are gone");
        is_field("web-1", "vcpus", "0-1,3", "web-1 widened again");
        is_field("web-1", "emu", "0-1,3", "its emulator too");
        r = vp_release(&S.paths, "ded-1", U_DED1, &err);
        is_int(r, 0, "releasing it again: nothing to remove, 0");
        r = vp_release(&S.paths, "web-1", U_WEB, &err);
        is_int(r, 0, "releasing the floating web-1: it held no CPUs, 0");
        is_field("web-1", "vcpus", NULL, "but its entry is gone");
}

/* vp_decide committing NAME (vcpus) on scratch host s; returns the plan's
 * held CPUs as text ("" when refused), the refusal in *refusal (malloc'd). */
static char *place_on(scratch *s, const char *name, const char *uuid, unsigned vcpus,
                      char **refusal)
{
        char *xml = scratch_domxml(name, uuid, vcpus, 256);
        vp_decision d;
        vp_error err = {0};
        int r = vp_decide(&s->paths, xml, strlen(xml), VP_DECIDE_COMMIT, &d, &err);
        is_int(r, 0, "%s: decided (%s)", name, r ? err.msg : "");
        free(xml);
        *refusal = d.plan.refusal ? vp_xstrdup(d.plan.refusal) : NULL;
        char *held = d.committed ? vp_xstrdup(vp_cpuset_fmt(&d.plan.held, (char[256]){0}, 256))
                                 : vp_xstrdup("");
        vp_decision_free(&d);
        return held;
}

/* I3: the kernel's word over the records. A VM libvirt runs that the ledger
 * has no entry for (unmanaged and pinned by hand, or managed and its entry
 * lost with the run dir) keeps the CPUs its threads are pinned to: a
 * dedicated plan goes around them, and a refusal names the VM. */
static void test_unrecorded(void)
{
        scratch s;
        scratch_init(&s, "decide-i3", "1node-4cpu");
        scratch_profile(&s, "ded", SCRATCH_DED_INI);
        char *xml = scratch_domxml("legacy", U_OFF, 2, 256);
        scratch_start(&s, "legacy", xml, 2, 4242);
        free(xml);
        /* main thread floating, vCPUs pinned to 2 and 3 (virsh vcpupin) */
        scratch_thread_status(&s, 4242, 0, "0-3", "0");
        scratch_thread_status(&s, 4242, 1, "2", "0");
        scratch_thread_status(&s, 4242, 2, "3", "0");

        char *why = NULL;
        is_str_free(place_on(&s, "ded-1", U_DED1, 2, &why), "0-1",
                    "a dedicated VM keeps off the CPUs an unrecorded VM is pinned to");
        ok(why == NULL, "placed");
        free(why);
        is_str_free(place_on(&s, "ded-2", U_DED2, 1, &why), "", "nothing left for another");
        like(why, "running VMs are pinned to dedicated CPUs vmplace has no record of: legacy (2-3)",
             "the refusal names the VM and its CPUs");
        free(why);

        /* the kernel is asked each time, not the domain's XML: unpinned, its
         * CPUs are free to dedicate again */
        scratch_thread_status(&s, 4242, 1, "0-3", "0");
        scratch_thread_status(&s, 4242, 2, "0-3", "0");
        char *held = place_on(&s, "ded-2", U_DED2, 1, &why);
        ok(!why && (!strcmp(held, "2") || !strcmp(held, "3")), "unpinned: ded-2 placed (%s)",
           why ? why : held);
        free(held);
        free(why);

        /* the run dir lost while ded-1 runs on 0-1: the next dedicated VM
         * must not be given those CPUs, which the kernel still shows */
        xml = scratch_domxml("ded-1", U_DED1, 2, 256);
        scratch_start(&s, "ded-1", xml, 2, 4343);
        free(xml);
        scratch_thread_status(&s, 4343, 1, "0", "0");
        scratch_thread_status(&s, 4343, 2, "1", "0");
        tree_rm(vp_xstrdup(s.run)); /* it frees its argument */
        held = place_on(&s, "ded-3", U_BIG, 2, &why);
        ok(!why && !strcmp(held, "2-3"),
           "after the run dir is lost: ded-3 on 2-3, not ded-1's (%s)", why ? why : held);
        free(held);
        free(why);

        /* ded-1 is a managed VM whose entry was lost: it may be a dedicated
         * one, so a domain's own pins may not name its CPUs either */
        scratch_profile(&s, "plain", "[match]\nnames = plain-*\n[cputune]\nshares = 512\n");
        char *pinned = vp_xasprintf("<domain type='qemu'><name>plain-1</name><uuid>%s</uuid>"
                                    "<memory unit='MiB'>64</memory><vcpu>1</vcpu><cputune>"
                                    "<vcpupin vcpu='0' cpuset='1'/></cputune><os><type "
                                    "arch='x86_64' machine='pc'>hvm</type></os></domain>",
                                    U_WEB);
        vp_decision d;
        vp_error err = {0};
        is_int(vp_decide(&s.paths, pinned, strlen(pinned), VP_DECIDE_COMMIT, &d, &err), 0,
               "a VM pinning its vCPU to lost ded-1's CPU: decided");
        like(d.plan.refusal,
             "<vcpupin vcpu='0' cpuset> = 1: running VMs are pinned to CPUs 1 vmplace has no "
             "record of: ded-1 (0-1)",
             "refused, naming the VM");
        vp_decision_free(&d);
        free(pinned);

        /* a managed VM whose entry was lost and that floats over every CPU:
         * nothing would narrow it off a new dedicated VM's CPUs (I1) */
        xml = scratch_domxml("plain-2", U_DED2, 1, 256);
        scratch_start(&s, "plain-2", xml, 1, 4444);
        free(xml);
        held = place_on(&s, "ded-4", U_OFF, 1, &why);
        is_str(held, "", "a dedicated VM while it runs: not placed");
        like(why,
             "running VMs vmplace has no record of float over every CPU: plain-2; `vmplace apply "
             "--all` records them again",
             "refused, naming it and what to do");
        free(held);
        free(why);

        /* managed through its metadata alone: its status file is read for
         * it (it counted as unmanaged, and the dedicated VM was placed) */
        scratch_stop(&s, "plain-2", 4444);
        scratch_profile(&s, "tagged", "[match]\nmetadata = gold\n[cputune]\nshares = 300\n");
        xml = scratch_domxml("anon-1", U_DED2, 1, 256);
        char *end = strstr(xml, "</domain>");
        *end = '\0';
        char *tagged = vp_xasprintf("%s<metadata><vmplace:profile xmlns:vmplace='urn:vmplace:1'>"
                                    "gold</vmplace:profile></metadata></domain>\n",
                                    xml);
        scratch_start(&s, "anon-1", tagged, 1, 4646);
        free(xml);
        free(tagged);
        held = place_on(&s, "ded-4", U_OFF, 1, &why);
        is_str(held, "",
               "a dedicated VM while a metadata-managed one floats unrecorded: not placed");
        like(why, "float over every CPU: anon-1", "refused, naming it");
        free(held);
        free(why);
        scratch_free(&s);
}

/* I3 for a VM the ledger has: a run dir replaced by an older copy (a backup
 * restored) records a running VM where it was then, not where the kernel
 * has it now. What its threads are pinned to beyond its entry stays its
 * own: a dedicated VM placed was given it before. */
static void test_recorded_disagrees(void)
{
        scratch s;
        scratch_init(&s, "decide-old", "1node-4cpu");
        scratch_profile(&s, "ded", SCRATCH_DED_INI);
        char *why = NULL;
        char *held = place_on(&s, "ded-1", U_DED1, 2, &why);
        ok(!why, "ded-1 placed on %s", held);
        char *xml = scratch_domxml("ded-1", U_DED1, 2, 256);
        scratch_start(&s, "ded-1", xml, 2, 4545);
        free(xml);
        /* the kernel: its vCPUs on the two CPUs it does not hold (as a
         * later `vmplace apply` could have moved them), its emulator
         * floating over everything; the ledger still says `held` */
        vp_cpuset h, other, all;
        vp_cpuset_parse(&h, held, VP_MAX_CPUS, NULL);
        vp_cpuset_parse(&all, "0-3", VP_MAX_CPUS, NULL);
        other = all;
        vp_cpuset_andnot(&other, &h);
        char ob[32], c0[8], c1[8];
        vp_cpuset_fmt(&other, ob, sizeof(ob));
        int first = vp_cpuset_next(&other, 0), second = vp_cpuset_next(&other, (unsigned)first + 1);
        snprintf(c0, sizeof(c0), "%d", first);
        snprintf(c1, sizeof(c1), "%d", second);
        scratch_thread_status(&s, 4545, 0, "0-3", "0");
        scratch_thread_status(&s, 4545, 1, c0, "0");
        scratch_thread_status(&s, 4545, 2, c1, "0");
        char *got = place_on(&s, "ded-2", U_DED2, 2, &why);
        is_str(got, "", "a dedicated VM is not given the CPUs the kernel shows ded-1 on");
        char *want = vp_xasprintf("running VMs are pinned to dedicated CPUs vmplace has no record "
                                  "of: ded-1 (%s, beyond its entry)",
                                  ob);
        like(why, want, "the refusal names it and the CPUs beyond its entry");
        free(want);
        free(why);
        free(got);
        /* pinned where its entry says: no disagreement, nothing kept */
        scratch_thread_status(&s, 4545, 1, held, "0");
        scratch_thread_status(&s, 4545, 2, held, "0");
        got = place_on(&s, "ded-2", U_DED2, 2, &why);
        is_str(got, ob, "back on its own CPUs: ded-2 gets the other two");
        free(why);
        free(got);
        free(held);
        scratch_free(&s);
}

int main(void)
{
        setup();
        test_unmanaged();
        test_commit();
        test_refusal();
        test_running();
        test_replan();
        test_float();
        test_unrecorded();
        test_recorded_disagrees();
        scratch_free(&S);
        return tap_done();
}
