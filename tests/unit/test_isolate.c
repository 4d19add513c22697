/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolate.c, the agent's isolation pass, on a fake 4-CPU host (never this
 * machine's /proc/irq): a ledger with an isolated entry takes its CPUs off
 * the IRQs and the workqueue mask and saves the record; a second pass
 * changes nothing; once the entry is gone the pass restores the tree byte
 * for byte and removes the record; an entry that would hold every online
 * CPU isolates nothing. */
#include <errno.h>
#include <unistd.h>

#include "cpusets.h"
#include "isolate.h"
#include "isolationfile.h"
#include "ledger_fixture.h"
#include "ledgerstore.h"
#include "tap.h"

static char *tmp;
static vp_paths P;

static void put(const char *rel, const char *text)
{
        tree_put(tmp, rel, text, 0644);
}

static char *get(const char *rel)
{
        return tree_get(tmp, rel);
}

static void ledger_with(const char *held, bool isolated)
{
        vp_ledger l = {0};
        vp_error err = {0};
        if (held) {
                vp_ledger_entry e = mk("rt-1", U1, VP_KIND_DEDICATED, held, NOW);
                e.isolated = isolated;
                vp_ledger_put(&l, &e);
        }
        if (vp_ledger_save(P.rundir, &l, &err) < 0) {
                fprintf(stderr, "ledger save: %s\n", err.msg);
                exit(1);
        }
        vp_ledger_free(&l);
}

static bool has_record(void)
{
        char *f = vp_xasprintf("%s/%s", P.rundir, VP_ISOLATION_FILE);
        bool r = access(f, F_OK) == 0;
        free(f);
        return r;
}

int main(void)
{
        tree_fresh(&tmp, "isolate");
        P = (vp_paths){.proc = vp_xasprintf("%s/proc", tmp),
                       .sysfs = vp_xasprintf("%s/sys", tmp),
                       .rundir = vp_xasprintf("%s/run", tmp)};
        put("sys/devices/system/cpu/online", "0-3\n");
        put("sys/devices/virtual/workqueue/cpumask", "f\n");
        put("proc/irq/default_smp_affinity", "f\n");
        put("proc/irq/1/smp_affinity_list", "0-3\n");
        put("proc/irq/24/smp_affinity_list", "2-3\n");
        put("proc/irq/25/smp_affinity_list", "0\n");
        vp_mkdir_p(P.rundir, 0700, NULL);
        vp_isolate_result res;
        vp_error err = {0};

        ledger_with("2-3", false);
        is_int(vp_isolate_pass(&P, &res, &err), 0, "no isolated entry: %s", err.msg);
        ok(vp_cpuset_empty(&res.isolated) && !res.was_isolated, "nothing isolated");
        is_str_free(get("proc/irq/1/smp_affinity_list"), "0-3\n", "IRQs untouched");
        ok(!has_record(), "no record");
        vp_isolate_result_free(&res);

        ledger_with("2-3", true);
        is_int(vp_isolate_pass(&P, &res, &err), 0, "an isolated entry on 2-3: %s", err.msg);
        is_str(fmt(&res.isolated), "2-3", "the isolated set is what it holds");
        is_str_free(get("proc/irq/1/smp_affinity_list"), "0-1\n", "IRQ 1 off 2-3");
        is_str_free(get("proc/irq/24/smp_affinity_list"), "0-1\n",
                    "IRQ 24, only on 2-3, goes to the housekeeping CPUs");
        is_str_free(get("proc/irq/25/smp_affinity_list"), "0\n", "IRQ 25 stays");
        is_str_free(get("proc/irq/default_smp_affinity"), "3\n", "new IRQs start on 0-1");
        is_str_free(get("sys/devices/virtual/workqueue/cpumask"), "3\n",
                    "unbound workqueues on 0-1");
        ok(has_record(), "the record is saved");
        vp_isolate_result_free(&res);

        is_int(vp_isolate_pass(&P, &res, &err), 0, "a second pass: %s", err.msg);
        ok(res.was_isolated, "starts from the record in force");
        is_int((int)res.report.n_changed, 0, "and writes no IRQ");
        is_str_free(get("proc/irq/24/smp_affinity_list"), "0-1\n", "IRQ 24 as it was");
        vp_isolate_result_free(&res);

        /* the VM stopped: its entry gone */
        ledger_with(NULL, false);
        is_int(vp_isolate_pass(&P, &res, &err), 0, "the entry gone: %s", err.msg);
        ok(vp_cpuset_empty(&res.isolated) && res.was_isolated, "restores the record in force");
        is_str_free(get("proc/irq/1/smp_affinity_list"), "0-3\n", "IRQ 1 back on 0-3");
        is_str_free(get("proc/irq/24/smp_affinity_list"), "2-3\n", "IRQ 24 back on 2-3");
        is_str_free(get("proc/irq/default_smp_affinity"), "f\n", "the default mask back");
        is_str_free(get("sys/devices/virtual/workqueue/cpumask"), "f\n", "the workqueue mask back");
        ok(!has_record(), "the record removed");
        vp_isolate_result_free(&res);

        /* an isolated VM on every online CPU: nothing would be left */
        ledger_with("0-3", true);
        is_int(vp_isolate_pass(&P, &res, &err), -EINVAL, "holding every online CPU: -EINVAL");
        like(err.msg, "nothing is left to the host", "and says why");
        is_str_free(get("proc/irq/1/smp_affinity_list"), "0-3\n", "nothing changed");
        ok(!has_record(), "no record");
        vp_isolate_result_free(&res);

        tree_rm(tmp);
        return tap_done();
}
