/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hookops.c through op.h on a scratch host (scratch.h), with a sink that
 * keeps every line: what the hook's operations say (stderr, which libvirt
 * shows) and log (syslog, with priorities), their status, and what they
 * leave in the ledger and the fake cgroup tree. prepare: nothing said for an
 * unmanaged domain; a refusal says one line starting "vmplace: " and logs it
 * at LOG_ERR without that prefix, ending " (start refused)"; on_error = warn
 * lets the start go on; a decision that fails refuses too. migrate hands back
 * the XML and prepare_undo releases what it committed. started enforces,
 * places a domain the ledger lost (stopping it by on_error when it does not
 * fit), and fails by on_error when enforcement fails; reconnect never fails; release frees the CPUs
 * and widens the floating VMs. */
#include <errno.h>
#include <syslog.h>

#include "decide.h"
#include "op.h"
#include "scratch.h"
#include "tap.h"

#define U_WEB  "33333333-0000-4000-8000-000000000001"
#define U_DED1 "33333333-0000-4000-8000-000000000002"
#define U_DED2 "33333333-0000-4000-8000-000000000003"
#define U_BIG  "33333333-0000-4000-8000-000000000004"
#define U_SOFT "33333333-0000-4000-8000-000000000005"
#define U_OFF  "33333333-0000-4000-8000-000000000006"
#define U_LOST "33333333-0000-4000-8000-000000000007"

#define P_WEB  4301L
#define P_DED1 4302L
#define P_SOFT 4305L
#define P_OFF  4306L
#define P_LOST 4307L
#define P_BIG  4308L

static scratch S;

/* --- the capturing sink --------------------------------------------------- */

#define CAP_MAX 32

typedef struct capture {
        char *log[CAP_MAX];
        int prio[CAP_MAX];
        size_t n_log;
        char *say[CAP_MAX];
        size_t n_say;
} capture;

static void cap_log(void *ctx, int prio, const char *line)
{
        capture *c = ctx;
        if (c->n_log < CAP_MAX) {
                c->prio[c->n_log] = prio;
                c->log[c->n_log++] = vp_xstrdup(line);
        }
}

static void cap_say(void *ctx, const char *line)
{
        capture *c = ctx;
        if (c->n_say < CAP_MAX)
                c->say[c->n_say++] = vp_xstrdup(line);
}

static void cap_reset(capture *c)
{
        for (size_t i = 0; i < c->n_log; i++)
                free(c->log[i]);
        for (size_t i = 0; i < c->n_say; i++)
                free(c->say[i]);
        memset(c, 0, sizeof(*c));
}

static capture C;
static const vp_op_sink SINK = {.log = cap_log, .say = cap_say, .ctx = &C};

/* The one log line at prio, or NULL (printing what there was) when there is
 * not exactly one line or it is at another priority. */
static const char *one_log(int prio)
{
        if (C.n_log == 1 && C.prio[0] == prio)
                return C.log[0];
        for (size_t i = 0; i < C.n_log; i++)
                printf("#   log %d: %s\n", C.prio[i], C.log[i]);
        return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = s ? strlen(s) : 0, b = strlen(suffix);
        return s && a >= b && !strcmp(s + a - b, suffix);
}

/* --- calls ---------------------------------------------------------------- */

static char *XML[8];

/* A hook call for NAME with its domain XML (kept until the end). */
static vp_hook_call call(const char *name, const char *op, const char *uuid, unsigned vcpus)
{
        static size_t n;
        char *xml = scratch_domxml(name, uuid, vcpus, 256);
        free(XML[n % 8]);
        XML[n++ % 8] = xml;
        return (vp_hook_call){.name = name, .op = op, .xml = xml, .len = strlen(xml)};
}

static char *ledger_names(void)
{
        vp_ledger l = {0};
        scratch_ledger(&S, &l);
        vp_buf b = {0};
        vp_buf_str(&b, "");
        for (size_t i = 0; i < l.n; i++) {
                if (i)
                        vp_buf_str(&b, " ");
                vp_buf_str(&b, l.entries[i].name);
        }
        vp_ledger_free(&l);
        return b.s;
}

#define is_ledger(want, ...) is_str_free(ledger_names(), want, __VA_ARGS__)

static void setup(void)
{
        scratch_init(&S, "hookops", "1node-4cpu");
        scratch_profile(&S, "ded", SCRATCH_DED_INI);
        scratch_profile(&S, "soft",
                        "[match]\nnames = soft-*\n[profile]\non_error = warn\n[placement]\n"
                        "cpu_policy = dedicated\n");
        scratch_profile(&S, "web", SCRATCH_WEB_INI);
}

/* --- prepare, migrate ----------------------------------------------------- */

static void test_prepare(void)
{
        vp_op_result r;
        vp_hook_call c = call("other-1", "prepare", U_OFF, 2);
        vp_op_prepare(&S.paths, &c, false, &SINK, &r);
        is_int(r.status, 0, "unmanaged: status 0");
        is_int(C.n_say + C.n_log, 0, "unmanaged: nothing said or logged");
        ok(!scratch_exists(&S, "run/ledger.json"), "unmanaged: no ledger");
        vp_op_result_free(&r);
        cap_reset(&C);

        c = call("web-1", "prepare", U_WEB, 2);
        vp_op_prepare(&S.paths, &c, false, &SINK, &r);
        is_int(r.status, 0, "web-1 prepared: status 0");
        is_int(C.n_say, 0, "nothing said");
        const char *l = one_log(LOG_INFO);
        like(l, "web-1 prepare: profile web (name:web-*): ", "one LOG_INFO line with the decision");
        is_str(r.uuid, U_WEB, "r.uuid");
        ok(r.xml_out == NULL, "prepare hands back no XML");
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("web-1", "web-1 in the ledger");

        c = call("ded-1", "prepare", U_DED1, 2);
        vp_op_prepare(&S.paths, &c, false, &SINK, &r);
        is_int(r.status, 0, "ded-1 prepared: status 0");
        like(one_log(LOG_INFO), "ded-1 prepare: profile ded (name:ded-*): ", "logged");
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("ded-1 web-1", "ded-1 in the ledger");
}

static void test_refusal(void)
{
        char *before = scratch_read(&S, "run/ledger.json");
        vp_op_result r;
        vp_hook_call c = call("ded-big", "prepare", U_BIG, 3);
        vp_op_prepare(&S.paths, &c, false, &SINK, &r);
        is_int(r.status, 1, "refusal: status 1");
        is_int(C.n_say, 1, "one line said");
        const char *say = C.n_say ? C.say[0] : NULL;
        like(say,
             "vmplace: ded-big (profile ded): ", "starting with vmplace: and naming the domain");
        ok(say && !strncmp(say, "vmplace: ", 9), "at the start");
        const char *l = one_log(LOG_ERR);
        ok(l && strncmp(l, "vmplace: ", 9) != 0, "logged at LOG_ERR without the prefix (%s)",
           l ? l : "");
        ok(ends_with(l, " (start refused)"), "ending (start refused)");
        if (say && l) {
                char *want = vp_xasprintf("%s (start refused)", say + 9);
                is_str(l, want, "the same reason");
                free(want);
        }
        vp_op_result_free(&r);
        cap_reset(&C);
        is_str_free(scratch_read(&S, "run/ledger.json"), before, "the ledger unchanged");

        c = call("soft-big", "prepare", U_SOFT, 3);
        vp_op_prepare(&S.paths, &c, false, &SINK, &r);
        is_int(r.status, 0, "on_error = warn: status 0");
        is_int(C.n_say, 0, "nothing said");
        l = one_log(LOG_WARNING);
        ok(ends_with(l, " (on_error=warn: starting unplaced)"),
           "LOG_WARNING ending (on_error=warn: starting unplaced): %s", l ? l : "");
        like(l, "soft-big (profile soft): ", "with the reason");
        ok(l && strncmp(l, "vmplace: ", 9) != 0, "without the prefix");
        vp_op_result_free(&r);
        cap_reset(&C);
        is_str_free(scratch_read(&S, "run/ledger.json"), before, "the ledger unchanged");
        free(before);

        /* no decision at all: the XML does not parse */
        c = (vp_hook_call){.name = "ded-9", .op = "prepare", .xml = "<domain><name>x", .len = 15};
        vp_op_prepare(&S.paths, &c, false, &SINK, &r);
        is_int(r.status, 1, "malformed XML: status 1");
        is_int(C.n_say, 1, "one line said");
        like(C.n_say ? C.say[0] : NULL, "vmplace: ded-9: domain XML", "naming domain and XML");
        l = one_log(LOG_ERR);
        like(l, "ded-9 prepare: domain XML", "logged at LOG_ERR");
        vp_op_result_free(&r);
        cap_reset(&C);
}

static void test_migrate(void)
{
        vp_op_result r;
        vp_hook_call c = call("ded-2", "migrate", U_DED2, 1);
        vp_op_prepare(&S.paths, &c, true, &SINK, &r);
        is_int(r.status, 0, "migrate: status 0");
        like(r.xml_out, "<name>ded-2</name>", "hands back the domain XML");
        like(r.xml_out, "<vcpupin vcpu=\"0\" cpuset=\"2\"/>", "rewritten: its vCPU pinned");
        like(one_log(LOG_INFO), "ded-2 migrate: profile ded", "logged");
        cap_reset(&C);
        is_ledger("ded-1 ded-2 web-1", "committed");

        vp_op_prepare_undo(&S.paths, &c, ENOSPC, &SINK, &r);
        is_int(r.status, 1, "undo: status 1");
        is_int(C.n_say, 1, "one line said");
        is_str(
            C.n_say ? C.say[0] : NULL,
            "vmplace: ded-2: cannot write the rewritten XML for libvirt: No space left on device",
            "saying why");
        is_str(one_log(LOG_ERR),
               "ded-2 migrate: cannot write the rewritten XML: No space left on device "
               "(placement released)",
               "logged: placement released");
        is_ledger("ded-1 web-1", "ded-2's entry released");
        ok(!scratch_exists(&S, "run/domains/" U_DED2 ".plan.json"), "with its state files");
        vp_op_result_free(&r);
        cap_reset(&C);
}

/* --- started, reconnect, release ------------------------------------------ */

static void test_started(void)
{
        vp_op_result r;
        vp_hook_call c = call("web-1", "started", U_WEB, 2);
        scratch_start(&S, "web-1", c.xml, 2, P_WEB);
        vp_op_started(&S.paths, &c, &SINK, &r);
        is_int(r.status, 0, "web-1 started: status 0");
        is_int(C.n_say, 0, "nothing said");
        is_str(one_log(LOG_INFO), "web-1 started: enforced (7 cgroup files, pid 4301, cgroup v1)",
               "logged: enforced");
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", "2-3", "web-1 floats off ded-1's CPUs");
        vp_op_result_free(&r);
        cap_reset(&C);

        c = call("ded-1", "started", U_DED1, 2);
        scratch_start(&S, "ded-1", c.xml, 2, P_DED1);
        scratch_cg_put(&S, "web-1", "vcpu0/cpuset.cpus", "0-3\n");
        vp_op_started(&S.paths, &c, &SINK, &r);
        is_int(r.status, 0, "ded-1 started: status 0");
        like(one_log(LOG_INFO), "ded-1 started: enforced (", "logged: enforced");
        is_cg(&S, "ded-1", "vcpu1/cpuset.cpus", "1", "ded-1's vCPU 1 pinned");
        is_cg(&S, "web-1", "vcpu0/cpuset.cpus", "2-3",
              "a dedicated start re-narrows the floating VMs");
        vp_op_result_free(&r);
        cap_reset(&C);

        /* enforcement refused: a group file gone */
        char *rel = scratch_cg_rel("ded-1", "vcpu1/cpuset.cpus");
        scratch_unlink(&S, rel);
        vp_op_started(&S.paths, &c, &SINK, &r);
        is_int(r.status, 1, "enforcement failed, on_error = refuse: status 1");
        const char *l = one_log(LOG_ERR);
        like(l, "ded-1 started: enforcement failed: cannot write '1' to ", "logged at LOG_ERR");
        ok(ends_with(l, " (on_error=refuse: libvirt stops the VM)"), "saying libvirt stops it");
        is_int(C.n_say, 1, "one line said");
        like(C.n_say ? C.say[0] : NULL, "vmplace: ded-1: enforcement failed: cannot write ",
             "vmplace: NAME: enforcement failed");
        vp_op_result_free(&r);
        cap_reset(&C);

        /* reconnect: the same failure never fails */
        c.op = "reconnect";
        vp_op_reconnect(&S.paths, &c, &SINK, &r);
        is_int(r.status, 0, "reconnect: status 0 all the same");
        is_int(C.n_say, 0, "nothing said");
        l = one_log(LOG_WARNING);
        like(l, "ded-1 reconnect: enforcement failed: cannot write '1' to ", "a LOG_WARNING");
        ok(l && !strstr(l, "on_error"), "no on_error suffix");
        vp_op_result_free(&r);
        cap_reset(&C);
        scratch_put(&S, rel, "0-63\n");
        free(rel);

        /* a drift under on_error = warn: logged, the VM runs on */
        vp_hook_call s = call("soft-1", "prepare", U_SOFT, 1);
        vp_op_prepare(&S.paths, &s, false, &SINK, &r);
        is_int(r.status, 0, "soft-1 prepared");
        vp_op_result_free(&r);
        cap_reset(&C);
        scratch_start(&S, "soft-1", s.xml, 1, P_SOFT);
        scratch_thread_status(&S, P_SOFT, 1, "0-3", "0");
        s.op = "started";
        vp_op_started(&S.paths, &s, &SINK, &r);
        is_int(r.status, 0, "drift, on_error = warn: status 0");
        is_int(C.n_say, 0, "nothing said");
        l = one_log(LOG_WARNING);
        is_str(l, "soft-1 started: enforcement failed: values did not read back as written",
               "a LOG_WARNING for the drift");
        vp_op_result_free(&r);
        cap_reset(&C);
}

static void test_unlisted(void)
{
        /* a running domain no profile matches: nothing */
        vp_op_result r;
        vp_hook_call c = call("other-1", "started", U_OFF, 1);
        scratch_start(&S, "other-1", c.xml, 1, P_OFF);
        vp_op_started(&S.paths, &c, &SINK, &r);
        is_int(r.status, 0, "unmanaged started: status 0");
        is_int(C.n_say + C.n_log, 0, "nothing said or logged");
        vp_op_result_free(&r);
        cap_reset(&C);
        c.op = "reconnect";
        vp_op_reconnect(&S.paths, &c, &SINK, &r);
        is_int(r.status + (int)C.n_say + (int)C.n_log, 0, "unmanaged reconnect: the same");
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("ded-1 soft-1 web-1", "nothing recorded");

        /* a managed domain the ledger lost: placed at started */
        vp_op_release(&S.paths, &(vp_hook_call){.name = "soft-1", .op = "release"}, &SINK, &r);
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("ded-1 web-1", "soft-1 released by name");
        vp_hook_call s = call("soft-1", "started", U_SOFT, 1);
        char *st = vp_xasprintf("proc/%ld/task/%ld/status", P_SOFT, SCRATCH_TID(P_SOFT, 1));
        scratch_unlink(&S, st);
        free(st);
        vp_op_started(&S.paths, &s, &SINK, &r);
        is_int(r.status, 0, "started without a plan: status 0");
        is_int(C.n_log, 2, "two lines logged");
        if (C.n_log == 2) {
                is_int(C.prio[0], LOG_WARNING, "first a LOG_WARNING");
                like(C.log[0], "soft-1 started: no plan was recorded: placed now: ",
                     "that it was placed now");
                like(C.log[1], "soft-1 started: enforced (", "then enforced");
        }
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("ded-1 soft-1 web-1", "soft-1 recorded again");

        /* ... and one that does not fit then: on_error = refuse stops it */
        vp_hook_call big = call("ded-big", "started", U_BIG, 3);
        scratch_start(&S, "ded-big", big.xml, 3, P_BIG);
        vp_op_started(&S.paths, &big, &SINK, &r);
        is_int(r.status, 1, "started, no plan, no room, on_error = refuse: status 1");
        const char *l = one_log(LOG_ERR);
        like(l,
             "ded-big started: no plan was recorded and placing it now failed: ded-big (profile ",
             "logged at LOG_ERR with the refusal, without its prefix");
        ok(ends_with(l, " (on_error=refuse: libvirt stops the VM)"), "saying libvirt stops it");
        is_int(C.n_say, 1, "one line said");
        like(C.n_say ? C.say[0] : NULL,
             "vmplace: ded-big: no plan was recorded and placing it now failed: ded-big (profile ",
             "vmplace: NAME: ...");
        vp_op_result_free(&r);
        cap_reset(&C);
        scratch_stop(&S, "ded-big", P_BIG);
        is_ledger("ded-1 soft-1 web-1", "nothing recorded for it");

        /* reconnect re-plans a VM the ledger lost too */
        vp_hook_call lost = call("web-lost", "reconnect", U_LOST, 1);
        scratch_start(&S, "web-lost", lost.xml, 1, P_LOST);
        vp_op_reconnect(&S.paths, &lost, &SINK, &r);
        is_int(r.status, 0, "reconnect of a lost VM: status 0");
        like(one_log(LOG_INFO), "web-lost reconnect: enforced (", "placed and enforced");
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("ded-1 soft-1 web-1 web-lost", "web-lost recorded");
        is_cg(&S, "web-lost", "cpu.shares", "512", "its cgroup written");
}

static void test_release(void)
{
        vp_op_result r;
        char *before = scratch_cg(&S, "web-1", "vcpu0/cpuset.cpus");
        vp_hook_call c = call("ded-1", "release", U_DED1, 2);
        vp_op_release(&S.paths, &c, &SINK, &r);
        is_int(r.status, 0, "release: status 0");
        is_int(C.n_say + C.n_log, 0, "nothing said or logged");
        vp_op_result_free(&r);
        cap_reset(&C);
        is_ledger("soft-1 web-1 web-lost", "ded-1 freed");
        char *after = scratch_cg(&S, "web-1", "vcpu0/cpuset.cpus");
        ok(before && after && strcmp(before, after) && strstr(after, "0-1"),
           "web-1 widened onto ded-1's CPUs (%s -> %s)", before ? before : "", after ? after : "");
        free(before);
        free(after);
        vp_op_release(&S.paths, &c, &SINK, &r);
        is_int(r.status + (int)C.n_say + (int)C.n_log, 0, "released again: nothing, status 0");
        vp_op_result_free(&r);
        cap_reset(&C);
}

/* I3, rebuilt: with the run dir lost while a floating VM and a dedicated
 * VM run, a dedicated start was refused until `vmplace apply --all`. The
 * prepare records them again itself, from what the kernel shows (the
 * dedicated VM keeps the CPUs its vCPUs are pinned to), and then places the
 * new VM on what is left. */
static void test_adopt(void)
{
        scratch a;
        scratch_init(&a, "hookops-adopt", "1node-4cpu");
        scratch_profile(&a, "ded", SCRATCH_DED_INI);
        scratch_profile(&a, "web", SCRATCH_WEB_INI);
        scratch_place(&a, "web-1", U_WEB, 1, P_WEB);
        scratch_thread_status(&a, P_WEB, 0, "0-3", "0");
        scratch_thread_status(&a, P_WEB, 1, "0-3", "0");
        scratch_place(&a, "ded-1", U_DED1, 2, P_DED1);
        /* the kernel has ded-1's vCPUs on 2 and 3 (where the ledger put it,
         * or where a later apply moved it): that is what stays its own */
        const char *held = "2-3";
        vp_cpuset h;
        vp_cpuset_parse(&h, held, VP_MAX_CPUS, NULL);
        scratch_thread_status(&a, P_DED1, 1, "3", "0");
        scratch_thread_status(&a, P_DED1, 2, "2", "0");
        tree_rm(vp_xstrdup(a.run));

        vp_op_result r;
        vp_hook_call c = call("ded-2", "prepare", U_DED2, 1);
        vp_op_prepare(&a.paths, &c, false, &SINK, &r);
        is_int(r.status, 0,
               "ded-2 starts with the run dir lost (was refused: web-1 floats "
               "everywhere unrecorded)");
        size_t recorded = 0;
        for (size_t i = 0; i < C.n_log; i++)
                recorded += strstr(C.log[i], "ran without a ledger entry: recorded again") != NULL;
        is_int(recorded, 2, "web-1 and ded-1 recorded again, each logged");
        vp_op_result_free(&r);
        cap_reset(&C);
        vp_ledger l = {0};
        scratch_ledger(&a, &l);
        ok(l.n == 3, "the ledger holds all three");
        vp_ledger_entry *e = vp_ledger_find_name(&l, "ded-1");
        ok(e && vp_cpumask_equal(&e->held, &h), "ded-1 keeps the CPUs the kernel shows (%s)", held);
        vp_ledger_entry *e2 = vp_ledger_find_name(&l, "ded-2");
        ok(e2 && !vp_cpumask_intersects(&e2->held, &h), "ded-2 holds another CPU");
        vp_ledger_entry *w = vp_ledger_find_name(&l, "web-1");
        vp_cpuset h2 = e2 ? vp_cpumask_get(&e2->held) : h;
        ok(w && !vp_cpumask_empty(&w->vcpu_cpus) && !vp_cpumask_intersects(&w->vcpu_cpus, &h) &&
               !vp_cpumask_intersects(&w->vcpu_cpus, &h2),
           "web-1 floats off both");
        vp_ledger_free(&l);
        scratch_free(&a);
}

/* A ledger entry of an earlier run of a domain (a run dir replaced by an
 * older copy: the entry recorded another QEMU pid): reconnect re-plans it
 * instead of enforcing sets from back then. The model tester found a
 * floating VM moved onto a CPU reserved since that way. */
static void test_earlier_run(void)
{
        scratch a;
        scratch_init(&a, "hookops-earlier", "1node-4cpu");
        scratch_profile(&a, "web", SCRATCH_WEB_INI);
        scratch_place(&a, "web-1", U_WEB, 1, P_WEB);
        vp_op_result r;
        vp_hook_call c = call("web-1", "started", U_WEB, 1);
        vp_op_started(&a.paths, &c, &SINK, &r);
        is_int(r.status, 0, "web-1 started");
        is_cg(&a, "web-1", "vcpu0/cpuset.cpus", "0-3", "it floats over 0-3");
        vp_op_result_free(&r);
        cap_reset(&C);
        /* since then: CPU 0 reserved, web-1 restarted as another QEMU, and
         * the run dir put back as it was (the entry names the first QEMU) */
        scratch_put(&a, "conf/vmplace.ini", "[host]\nreserved_cpus = 0\n");
        scratch_stop(&a, "web-1", P_WEB);
        scratch_start(&a, "web-1", c.xml, 1, P_BIG);
        c.op = "reconnect";
        vp_op_reconnect(&a.paths, &c, &SINK, &r);
        is_int(r.status, 0, "reconnect: status 0");
        is_cg(&a, "web-1", "vcpu0/cpuset.cpus", "1-3",
              "re-planned: off the CPU reserved since, not the earlier run's 0-3");
        vp_ledger l = {0};
        scratch_ledger(&a, &l);
        vp_ledger_entry *e = vp_ledger_find_name(&l, "web-1");
        ok(e && e->pid == P_BIG, "the entry now records the running QEMU");
        vp_ledger_free(&l);
        vp_op_result_free(&r);
        cap_reset(&C);

        /* once more, and a dedicated VM starts before any reconnect: the
         * earlier run's entry is reclaimed, web-1 counts as running without
         * one (floating over every CPU), is recorded again and narrowed off
         * the dedicated VM's CPU. Kept, its entry could not be enforced
         * (-ESTALE) and web-1 stayed on that CPU (the model tester, seed
         * 19376). */
        scratch_profile(&a, "ded", SCRATCH_DED_INI);
        scratch_stop(&a, "web-1", P_BIG);
        scratch_start(&a, "web-1", c.xml, 1, P_SOFT);
        scratch_thread_status(&a, P_SOFT, 0, "0-3", "0");
        scratch_thread_status(&a, P_SOFT, 1, "0-3", "0");
        vp_hook_call d = call("ded-1", "prepare", U_DED1, 1);
        vp_op_prepare(&a.paths, &d, false, &SINK, &r);
        is_int(r.status, 0, "ded-1 prepared beside web-1's earlier-run entry");
        vp_op_result_free(&r);
        cap_reset(&C);
        l = (vp_ledger){0};
        scratch_ledger(&a, &l);
        vp_ledger_entry *dd = vp_ledger_find_name(&l, "ded-1");
        char want[16] = "";
        if (dd) {
                vp_cpuset rest;
                vp_cpuset_parse(&rest, "1-3", VP_MAX_CPUS, NULL);
                vp_cpuset h = vp_cpumask_get(&dd->held);
                vp_cpuset_andnot(&rest, &h);
                vp_cpuset_fmt(&rest, want, sizeof(want));
        }
        is_cg(&a, "web-1", "vcpu0/cpuset.cpus", want, "web-1 narrowed off ded-1's CPU");
        vp_ledger_free(&l);
        scratch_free(&a);
}

int main(void)
{
        setup();
        test_prepare();
        test_refusal();
        test_migrate();
        test_started();
        test_unlisted();
        test_release();
        test_adopt();
        test_earlier_run();
        for (size_t i = 0; i < 8; i++)
                free(XML[i]);
        scratch_free(&S);
        return tap_done();
}
