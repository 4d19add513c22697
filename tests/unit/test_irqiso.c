/* SPDX-License-Identifier: GPL-2.0-or-later */
/* irqiso.c on a fake /proc/irq and workqueue tree of an 8-CPU host (never
 * this machine's): apply takes CPUs 2-3 off every IRQ (the housekeeping set
 * for an IRQ left with nothing), the default IRQ mask and the workqueue
 * mask, records the originals of what it wrote, and lists an IRQ the
 * kernel refuses (a file this process cannot write, unwritable.h) while
 * still applying the others; restore from the record leaves the tree byte
 * for byte as it was, skips an IRQ that vanished, and a bad housekeeping
 * set or an absent workqueue mask are handled as the header says. A set
 * that changes while applied starts from the recorded originals; a refused
 * restore leaves what is still to put back. */
#include <errno.h>
#include <ftw.h>

#include "cpusets.h"
#include "irqiso.h"
#include "tap.h"
#include "tree.h"
#include "unwritable.h"

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

static void mkdirs(const char *rel)
{
        char *p = vp_xasprintf("%s/%s", tmp, rel);
        vp_mkdir_p(p, 0755, NULL);
        free(p);
}

/* The whole tree as text (every path, mode and content, sorted), to
 * compare before and after byte for byte. */
static vp_buf snap_buf;
static int snap_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)ftw;
        vp_buf_printf(&snap_buf, "%s %o\n", path + strlen(tmp), (unsigned)st->st_mode);
        if (flag == FTW_F) {
                char *text = NULL;
                if (vp_read_file(path, 1 << 20, &text, NULL, NULL) == 0)
                        vp_buf_str(&snap_buf, text);
                free(text);
        }
        return 0;
}
static char *snapshot(void)
{
        snap_buf = (vp_buf){0};
        nftw(tmp, snap_one, 16, FTW_PHYS);
        return vp_buf_take(&snap_buf);
}

/* An 8-CPU host. IRQ 0 is the timer, which the kernel refuses to move: the
 * tests that want that make its list unwritable (apply_refusing). */
static void host(void)
{
        tree_fresh(&tmp, "irqiso");
        free((char *)P.proc);
        free((char *)P.sysfs);
        P = (vp_paths){.proc = vp_xasprintf("%s/proc", tmp), .sysfs = vp_xasprintf("%s/sys", tmp)};
        put("proc/irq/default_smp_affinity", "ff\n");
        put("proc/irq/0/smp_affinity_list", "0-7\n");
        mkdirs("proc/irq/0/timer");
        put("proc/irq/1/smp_affinity_list", "0-7\n");
        put("proc/irq/1/effective_affinity_list", "0\n");
        mkdirs("proc/irq/1/i8042");
        put("proc/irq/24/smp_affinity_list", "2-3\n");
        mkdirs("proc/irq/24/eth0-rx");
        put("proc/irq/25/smp_affinity_list", "0,4\n");
        put("proc/irq/40/smp_affinity_list", "3\n");
        put("proc/irq/120/smp_affinity_list", "0-7\n");
        put("sys/devices/virtual/workqueue/cpumask", "00000000,000000ff\n");
}

/* vp_irqiso_apply with the sets as text */
static int apply(const char *iso, const char *hk, vp_isolation_record *rec, vp_irqiso_report *rep,
                 vp_error *e)
{
        vp_cpuset i = S(iso), h = S(hk);
        return vp_irqiso_apply(&P, &i, &h, NULL, rec, rep, e);
}

/* On a fresh host with tmp/rel refusing writes (unwritable.h): the tree as
 * it was (*before, malloc'd) and apply of CPUs 2-3, housekeeping 0-1,4-7. */
static int apply_refusing(const char *rel, char **before, vp_isolation_record *rec,
                          vp_irqiso_report *rep, vp_error *e)
{
        host();
        char *f = vp_xasprintf("%s/%s", tmp, rel);
        ok(unwritable_begin(f) == 0, "%s refuses writes", rel);
        free(f);
        *before = snapshot();
        int r = apply("2-3", "0-1,4-7", rec, rep, e);
        unwritable_end();
        return r;
}

#define is_file(rel, want, ...) is_str_free(get(rel), want, __VA_ARGS__)

static void test_apply_restore(void)
{
        char *before;
        vp_isolation_record rec;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply_refusing("proc/irq/0/smp_affinity_list", &before, &rec, &rep, &e);
        is_int(r, 0, "applied (%s)", r ? e.msg : "");

        is_file("proc/irq/1/smp_affinity_list", "0-1,4-7\n", "IRQ 1: CPUs 2-3 taken off");
        is_file("proc/irq/24/smp_affinity_list", "0-1,4-7\n", "IRQ 24: nothing left, so H");
        is_file("proc/irq/25/smp_affinity_list", "0,4\n", "IRQ 25: already off, unchanged");
        is_file("proc/irq/40/smp_affinity_list", "0-1,4-7\n", "IRQ 40: nothing left, so H");
        is_file("proc/irq/120/smp_affinity_list", "0-1,4-7\n", "IRQ 120 narrowed");
        is_file("proc/irq/0/smp_affinity_list", "0-7\n", "IRQ 0 (refused) unchanged");
        is_file("proc/irq/default_smp_affinity", "f3\n", "default mask narrowed, as wide");
        is_file("sys/devices/virtual/workqueue/cpumask", "00000000,000000f3\n",
                "workqueue mask narrowed, 64 bits as it was");

        is_int(rep.n_refused, 1, "one IRQ refused");
        if (rep.n_refused == 1) {
                is_int(rep.refused[0].irq, 0, "IRQ 0");
                is_int(rep.refused[0].code, -EACCES, "with the write's errno");
                is_str(rep.refused[0].actions, "timer", "and its handler's name");
        }
        is_int(rep.n_changed, 4, "four IRQs written");
        is_int(rep.n_kept, 1, "one needed nothing");
        is_int(rep.n_vanished, 0, "none vanished");

        is_int(rec.n_irqs, 4, "four originals recorded (not the refused or kept ones)");
        static const struct {
                unsigned irq;
                const char *orig;
        } want[] = {{1, "0-7"}, {24, "2-3"}, {40, "3"}, {120, "0-7"}};
        for (size_t i = 0; i < rec.n_irqs && i < 4; i++) {
                vp_cpuset o = vp_cpumask_get(&rec.irqs[i].orig);
                is_int(rec.irqs[i].irq, want[i].irq, "record %zu: IRQ %u", i, want[i].irq);
                is_str(fmt(&o), want[i].orig, "IRQ %u was %s", want[i].irq, want[i].orig);
        }
        ok(rec.irq_default.changed, "default mask recorded");
        is_str(fmt(&rec.irq_default.orig), "0-7", "as 0-7");
        is_int(rec.irq_default.nbits, 8, "8 bits wide");
        ok(rec.workqueue.changed, "workqueue mask recorded");
        is_int(rec.workqueue.nbits, 64, "64 bits wide");
        is_str(fmt(&rec.isolated), "2-3", "the isolated set recorded");
        is_str(fmt(&rec.housekeeping), "0-1,4-7", "and the housekeeping set");
        vp_irqiso_report_free(&rep);

        /* someone (irqbalance) moved IRQ 1 again meanwhile: it comes back too */
        put("proc/irq/1/smp_affinity_list", "5\n");
        r = vp_irqiso_restore(&P, &rec, NULL, &rep, &e);
        is_int(r, 0, "restored (%s)", r ? e.msg : "");
        is_int(rep.n_changed, 4, "four IRQs written back");
        is_int(rep.n_refused, 0, "none refused");
        is_str_free(snapshot(), before, "the tree is byte for byte as before");

        /* a second restore finds everything as recorded: no IRQ written */
        vp_irqiso_report_free(&rep);
        r = vp_irqiso_restore(&P, &rec, NULL, &rep, &e);
        is_int(r, 0, "restored again");
        is_int(rep.n_changed, 0, "nothing to write");
        is_int(rep.n_kept, 4, "all four as recorded");
        vp_irqiso_report_free(&rep);
        vp_isolation_record_free(&rec);
        free(before);
}

static void test_vanished(void)
{
        host();
        vp_isolation_record rec;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply("2-3", "0-1,4-7", &rec, &rep, &e);
        is_int(r, 0, "applied");
        vp_irqiso_report_free(&rep);
        char *dir = vp_xasprintf("%s/proc/irq/40", tmp);
        tree_rm(dir);
        r = vp_irqiso_restore(&P, &rec, NULL, &rep, &e);
        is_int(r, 0, "a vanished IRQ is no failure");
        is_int(rep.n_vanished, 1, "it is counted");
        is_int(rep.n_changed, 4, "the four others written back (IRQ 0 moved this time)");
        is_file("proc/irq/24/smp_affinity_list", "2-3\n", "IRQ 24 back");
        is_file("proc/irq/40/smp_affinity_list", "(missing)", "IRQ 40 not made again");
        is_file("proc/irq/default_smp_affinity", "ff\n", "default mask back");
        vp_irqiso_report_free(&rep);
        vp_isolation_record_free(&rec);
}

static void test_bad_sets(void)
{
        host();
        char *before = snapshot();
        vp_isolation_record rec;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply("0-7", "", &rec, &rep, &e);
        is_int(r, -EINVAL, "no housekeeping CPU: -EINVAL");
        like(e.msg, "cannot isolate CPUs 0-7 with housekeeping CPUs ''", "saying so");
        r = apply("2-3", "0-3", &rec, &rep, &e);
        is_int(r, -EINVAL, "housekeeping meeting the isolated set: -EINVAL");
        is_str_free(snapshot(), before, "and nothing was written");
        free(before);
        is_int(rec.n_irqs, 0, "nothing recorded");
}

static void test_no_workqueue_mask(void)
{
        host();
        char *f = vp_xasprintf("%s/sys/devices/virtual/workqueue/cpumask", tmp);
        unlink(f);
        free(f);
        char *before = snapshot();
        vp_isolation_record rec;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply("6-7", "0-5", &rec, &rep, &e);
        is_int(r, 0, "no workqueue mask (old kernel): no failure (%s)", r ? e.msg : "");
        ok(!rec.workqueue.changed, "and nothing recorded for it");
        is_file("proc/irq/default_smp_affinity", "3f\n", "the default mask narrowed");
        vp_irqiso_report_free(&rep);
        r = vp_irqiso_restore(&P, &rec, NULL, &rep, &e);
        is_int(r, 0, "restored");
        is_str_free(snapshot(), before, "byte for byte");
        free(before);
        vp_irqiso_report_free(&rep);
        vp_isolation_record_free(&rec);
}

/* The default mask refused: the IRQs are still applied, the failure is
 * returned, and the record lets restore undo what was done. */
static void test_default_refused(void)
{
        char *before;
        vp_isolation_record rec;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply_refusing("proc/irq/default_smp_affinity", &before, &rec, &rep, &e);
        is_int(r, -EACCES, "the failure is returned");
        like(e.msg, "cannot write 'f3' to ", "naming the value");
        like(e.msg, "/proc/irq/default_smp_affinity: Permission denied", "and the file");
        is_file("proc/irq/1/smp_affinity_list", "0-1,4-7\n", "the IRQs still applied");
        is_file("sys/devices/virtual/workqueue/cpumask", "00000000,000000f3\n",
                "the workqueue mask too");
        ok(!rec.irq_default.changed, "the default mask is not recorded as changed");
        vp_irqiso_report_free(&rep);
        r = vp_irqiso_restore(&P, &rec, NULL, &rep, &e);
        is_int(r, 0, "restored from the record");
        is_str_free(snapshot(), before, "byte for byte");
        free(before);
        vp_irqiso_report_free(&rep);
        vp_isolation_record_free(&rec);
}

/* The isolated set changes while applied: each step starts from the
 * originals in the previous record, so a CPU no longer isolated goes back
 * to what had it, and the last record restores the first state. */
static void test_change_set(void)
{
        host();
        char *before = snapshot();
        vp_isolation_record r1, r2, r3, left;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply("2-3", "0-1,4-7", &r1, &rep, &e);
        is_int(r, 0, "2-3 isolated");
        vp_irqiso_report_free(&rep);

        vp_cpuset i = S("2-5"), h = S("0-1,6-7");
        r = vp_irqiso_apply(&P, &i, &h, &r1, &r2, &rep, &e);
        is_int(r, 0, "then 2-5, from the first record (%s)", r ? e.msg : "");
        is_file("proc/irq/1/smp_affinity_list", "0-1,6-7\n", "IRQ 1 off 2-5");
        is_file("proc/irq/24/smp_affinity_list", "0-1,6-7\n", "IRQ 24 (was 2-3): the new H");
        is_file("proc/irq/25/smp_affinity_list", "0\n", "IRQ 25 (was 0,4) loses 4 now");
        is_file("proc/irq/default_smp_affinity", "c3\n", "default mask off 2-5");
        is_file("sys/devices/virtual/workqueue/cpumask", "00000000,000000c3\n",
                "workqueue mask off 2-5");
        is_int(r2.n_irqs, 6, "every IRQ is off its original now");
        ok(r2.n_irqs == 6 && r2.irqs[2].irq == 24, "IRQ 24 in the record");
        if (r2.n_irqs == 6) {
                vp_cpuset o = vp_cpumask_get(&r2.irqs[2].orig);
                is_str(fmt(&o), "2-3", "with its first original, not the narrowed list");
                o = vp_cpumask_get(&r2.irqs[3].orig);
                is_str(fmt(&o), "0,4", "IRQ 25 with its own");
        }
        is_str(fmt(&r2.irq_default.orig), "0-7", "the default mask's first original");
        vp_irqiso_report_free(&rep);

        i = S("6-7");
        h = S("0-5");
        r = vp_irqiso_apply(&P, &i, &h, &r2, &r3, &rep, &e);
        is_int(r, 0, "then 6-7 only");
        is_file("proc/irq/24/smp_affinity_list", "2-3\n", "IRQ 24 back on 2-3");
        is_file("proc/irq/25/smp_affinity_list", "0,4\n", "IRQ 25 back on 0,4");
        is_file("proc/irq/40/smp_affinity_list", "3\n", "IRQ 40 back on 3");
        is_file("proc/irq/1/smp_affinity_list", "0-5\n", "IRQ 1 off 6-7");
        is_int(r3.n_irqs, 3, "only the IRQs still narrowed are recorded (0, 1, 120)");
        vp_irqiso_report_free(&rep);

        r = vp_irqiso_restore(&P, &r3, &left, &rep, &e);
        is_int(r, 0, "restored from the last record");
        ok(left.n_irqs == 0 && !left.irq_default.changed && !left.workqueue.changed,
           "nothing left");
        is_str_free(snapshot(), before, "the tree is byte for byte as at first");
        free(before);
        vp_irqiso_report_free(&rep);
        vp_isolation_record_free(&r1);
        vp_isolation_record_free(&r2);
        vp_isolation_record_free(&r3);
        vp_isolation_record_free(&left);
}

/* A restore the kernel refuses for one IRQ: the others come back, and what
 * is left says what to try again. */
static void test_restore_refused(void)
{
        host();
        char *before = snapshot();
        vp_isolation_record rec, left, left2;
        vp_irqiso_report rep;
        vp_error e = {0};
        int r = apply("2-3", "0-1,4-7", &rec, &rep, &e);
        is_int(r, 0, "applied");
        vp_irqiso_report_free(&rep);
        char *f = vp_xasprintf("%s/proc/irq/1/smp_affinity_list", tmp);
        ok(unwritable_begin(f) == 0, "IRQ 1 refuses writes now");
        r = vp_irqiso_restore(&P, &rec, &left, &rep, &e);
        unwritable_end();
        chmod(f, 0644);
        free(f);
        is_int(r, 0, "a refused IRQ is no failure of the restore");
        is_int(rep.n_refused, 1, "it is listed");
        ok(rep.n_refused == 1 && rep.refused[0].irq == 1 && rep.refused[0].code == -EACCES &&
               !strcmp(rep.refused[0].actions, "i8042"),
           "IRQ 1, EACCES, i8042");
        is_file("proc/irq/24/smp_affinity_list", "2-3\n", "the others are back");
        is_int(left.n_irqs, 1, "left: IRQ 1 alone");
        ok(left.irq_default.changed == false && left.workqueue.changed == false,
           "the masks are back");
        vp_irqiso_report_free(&rep);
        r = vp_irqiso_restore(&P, &left, &left2, &rep, &e);
        is_int(r, 0, "tried again");
        is_int(left2.n_irqs, 0, "nothing left now");
        is_str_free(snapshot(), before, "the tree is byte for byte as before");
        free(before);
        vp_irqiso_report_free(&rep);
        vp_isolation_record_free(&rec);
        vp_isolation_record_free(&left);
        vp_isolation_record_free(&left2);
}

int main(void)
{
        test_apply_restore();
        test_vanished();
        test_bad_sets();
        test_no_workqueue_mask();
        test_default_refused();
        test_change_set();
        test_restore_refused();
        tree_rm(tmp);
        free((char *)P.proc);
        free((char *)P.sysfs);
        return tap_done();
}
