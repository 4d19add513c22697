/* SPDX-License-Identifier: GPL-2.0-or-later */
/* irq.c on fake /proc/irq and workqueue trees (never this machine's: it
 * runs processes that are not ours): listing IRQs in numeric order with
 * their lists and handler names, leaving out one that vanished, junk named
 * by its path, writing an IRQ's list and the hex masks and reading the
 * files back, absent files as -ENOENT, and a write the kernel refuses (a
 * file this process cannot write, unwritable.h) reported as such. Last, a
 * read-only pass over this machine's own files: the parser reads what the
 * kernel prints, and the format writes it back byte for byte. */
#include <errno.h>

#include "cpusets.h"
#include "fileio.h"
#include "irq.h"
#include "isolation.h"
#include "tap.h"
#include "tree.h"
#include "unwritable.h"

static char *tmp;

static void put(const char *rel, const char *text)
{
        tree_put(tmp, rel, text, 0644);
}

static void mkdirs(const char *rel)
{
        char *p = vp_xasprintf("%s/%s", tmp, rel);
        vp_mkdir_p(p, 0755, NULL);
        free(p);
}

static char *get(const char *rel)
{
        return tree_get(tmp, rel);
}

static vp_paths paths(void)
{
        static char *proc, *sys;
        free(proc);
        free(sys);
        proc = vp_xasprintf("%s/proc", tmp);
        sys = vp_xasprintf("%s/sys", tmp);
        return (vp_paths){.proc = proc, .sysfs = sys};
}

/* A host of 8 CPUs: IRQ 0 (the timer), 1, 24 (a NIC's two queues), 120
 * (no effective list: an irqchip without it, no handler), and entries
 * that are no IRQ. */
static void host(void)
{
        tree_fresh(&tmp, "irq");
        put("proc/irq/default_smp_affinity", "ff\n");
        put("proc/irq/0/smp_affinity_list", "0-7\n");
        put("proc/irq/0/effective_affinity_list", "0\n");
        mkdirs("proc/irq/0/timer");
        put("proc/irq/1/smp_affinity_list", "0-7\n");
        put("proc/irq/1/effective_affinity_list", "1\n");
        put("proc/irq/1/spurious", "count 3\n");
        mkdirs("proc/irq/1/i8042");
        put("proc/irq/24/smp_affinity_list", "2-3\n");
        put("proc/irq/24/effective_affinity_list", "\n");
        mkdirs("proc/irq/24/eth0-tx");
        mkdirs("proc/irq/24/eth0-rx");
        put("proc/irq/120/smp_affinity_list", "0-7\n");
        mkdirs("proc/irq/abc");
        put("proc/irq/7x/smp_affinity_list", "0\n");
        put("sys/devices/virtual/workqueue/cpumask", "ff\n");
}

static void test_list(void)
{
        host();
        vp_paths p = paths();
        vp_irq_list l;
        vp_error e = {0};
        int r = vp_irq_list_read(p.proc, &l, &e);
        is_int(r, 0, "listed (%s)", r ? e.msg : "");
        is_int(l.n, 4, "four IRQs: the other entries are no IRQ");
        if (l.n != 4) {
                vp_irq_list_free(&l);
                return;
        }
        static const struct {
                unsigned irq;
                const char *aff, *eff, *actions;
        } want[] = {
            {0, "0-7", "0", "timer"},
            {1, "0-7", "1", "i8042"},
            {24, "2-3", "", "eth0-rx,eth0-tx"},
            {120, "0-7", NULL, ""},
        };
        for (size_t i = 0; i < 4; i++) {
                is_int(l.v[i].irq, want[i].irq, "IRQ %zu is %u (numeric order)", i, want[i].irq);
                is_str(fmt(&l.v[i].affinity), want[i].aff, "IRQ %u's list", want[i].irq);
                is_int(l.v[i].has_effective, want[i].eff != NULL, "IRQ %u has an effective list",
                       want[i].irq);
                if (want[i].eff)
                        is_str(fmt(&l.v[i].effective), want[i].eff, "IRQ %u's effective list",
                               want[i].irq);
                is_str(l.v[i].actions, want[i].actions, "IRQ %u's handlers", want[i].irq);
        }
        vp_irq_list_free(&l);
        is_int(l.n, 0, "freed");

        /* a device unplugged between readdir and the read: its IRQ is left out */
        mkdirs("proc/irq/30");
        r = vp_irq_list_read(p.proc, &l, &e);
        is_int(r, 0, "an IRQ directory without its list is no error");
        is_int(l.n, 4, "and is left out");
        vp_irq_list_free(&l);

        put("proc/irq/31/smp_affinity_list", "0-x\n");
        e = (vp_error){0};
        r = vp_irq_list_read(p.proc, &l, &e);
        is_int(r, -EINVAL, "junk in a list is -EINVAL");
        like(e.msg, "/proc/irq/31/smp_affinity_list: ", "naming the file");
        is_int(l.n, 0, "and nothing is listed");

        char *none = vp_xasprintf("%s/nothing", tmp);
        r = vp_irq_list_read(none, &l, &e);
        is_int(r, -ENOENT, "no /proc/irq: -ENOENT");
        like(e.msg, "nothing/irq", "naming it");
        free(none);
}

static void test_set(void)
{
        host();
        vp_paths p = paths();
        vp_cpuset s = S("0-1,4-7");
        vp_error e = {0};
        int r = vp_irq_set_affinity(p.proc, 1, &s, &e);
        is_int(r, 0, "IRQ 1 set (%s)", r ? e.msg : "");
        is_str_free(get("proc/irq/1/smp_affinity_list"), "0-1,4-7\n", "written as a list");
        s = S("5");
        r = vp_irq_set_affinity(p.proc, 24, &s, &e);
        is_str_free(get("proc/irq/24/smp_affinity_list"), "5\n",
                    "a shorter value replaces the whole file");

        r = vp_irq_set_affinity(p.proc, 99, &s, &e);
        is_int(r, -ENOENT, "an IRQ that is gone: -ENOENT");

        char *f = vp_xasprintf("%s/proc/irq/0/smp_affinity_list", tmp);
        ok(unwritable_begin(f) == 0, "IRQ 0's list made unwritable");
        e = (vp_error){0};
        r = vp_irq_set_affinity(p.proc, 0, &s, &e);
        unwritable_end();
        is_int(r, -EACCES, "the refused write is its errno");
        like(e.msg, "IRQ 0: cannot set its affinity to '5' (", "naming the IRQ and the value");
        like(e.msg, "/proc/irq/0/smp_affinity_list): Permission denied", "the file and why");
        is_str_free(get("proc/irq/0/smp_affinity_list"), "0-7\n", "IRQ 0 unchanged");
        free(f);
}

static void test_hostmask(void)
{
        host();
        vp_paths p = paths();
        vp_cpuset s;
        unsigned nb = 0;
        vp_error e = {0};
        int r = vp_hostmask_read(&p, VP_HOSTMASK_IRQ_DEFAULT, &s, &nb, &e);
        is_int(r, 0, "default mask read (%s)", r ? e.msg : "");
        is_str(fmt(&s), "0-7", "default mask");
        is_int(nb, 8, "8 bits wide");
        s = S("0-1,4-7");
        r = vp_hostmask_write(&p, VP_HOSTMASK_IRQ_DEFAULT, &s, nb, &e);
        is_int(r, 0, "default mask written");
        is_str_free(get("proc/irq/default_smp_affinity"), "f3\n", "as hex, as wide");

        put("sys/devices/virtual/workqueue/cpumask", "00000000,0000ffff\n");
        r = vp_hostmask_read(&p, VP_HOSTMASK_WORKQUEUE, &s, &nb, &e);
        is_int(r, 0, "workqueue mask read");
        is_str(fmt(&s), "0-15", "workqueue mask");
        s = S("0-3,8-15");
        r = vp_hostmask_write(&p, VP_HOSTMASK_WORKQUEUE, &s, nb, &e);
        is_str_free(get("sys/devices/virtual/workqueue/cpumask"), "00000000,0000ff0f\n",
                    "written back 64 bits wide");

        put("sys/devices/virtual/workqueue/cpumask", "0-15\n");
        r = vp_hostmask_read(&p, VP_HOSTMASK_WORKQUEUE, &s, &nb, &e);
        is_int(r, -EINVAL, "a list where a mask belongs is -EINVAL");
        like(e.msg, "/sys/devices/virtual/workqueue/cpumask: invalid CPU mask '0-15'",
             "naming the file and the text");

        char *f = vp_xasprintf("%s/sys/devices/virtual/workqueue/cpumask", tmp);
        unlink(f);
        r = vp_hostmask_read(&p, VP_HOSTMASK_WORKQUEUE, &s, &nb, &e);
        is_int(r, -ENOENT, "no workqueue mask (kernel before 4.2): -ENOENT");
        r = vp_hostmask_write(&p, VP_HOSTMASK_WORKQUEUE, &s, nb, &e);
        is_int(r, -ENOENT, "and writing it is -ENOENT too");
        ok(access(f, F_OK) < 0 && errno == ENOENT, "nothing was created");
        free(f);

        vp_paths nosys = {.proc = p.proc, .sysfs = NULL};
        is_str_free(vp_hostmask_path(&nosys, VP_HOSTMASK_WORKQUEUE),
                    "/sys/devices/virtual/workqueue/cpumask", "no sysfs root: /sys");
}

/* This machine's own files, read only: what the kernel prints parses, and
 * formats back to the same bytes. */
static void test_real(void)
{
        vp_paths p = {.proc = "/proc", .sysfs = NULL};
        for (int w = 0; w < VP_HOSTMASK__N; w++) {
                char *path = vp_hostmask_path(&p, (vp_hostmask)w);
                char *text = NULL;
                if (vp_read_file(path, 65536, &text, NULL, NULL) < 0) {
                        printf("# skip: %s cannot be read here\n", path);
                        free(path);
                        continue;
                }
                vp_cpuset s;
                unsigned nb = 0;
                vp_error e = {0};
                int r = vp_hostmask_read(&p, (vp_hostmask)w, &s, &nb, &e);
                is_int(r, 0, "this kernel's %s parses (%s)", path, r ? e.msg : "");
                char *back = vp_hexmask_format(&s, nb);
                char *want = vp_xstrdup(vp_strstrip(text));
                is_str(back, want, "and formats back as the kernel printed it");
                free(back);
                free(want);
                free(text);
                free(path);
        }
        vp_irq_list l;
        vp_error e = {0};
        int r = vp_irq_list_read("/proc", &l, &e);
        if (r == -ENOENT || r == -EACCES) {
                printf("# skip: no /proc/irq here\n");
                return;
        }
        is_int(r, 0, "this kernel's /proc/irq lists (%s)", r ? e.msg : "");
        size_t empty = 0;
        for (size_t i = 0; i < l.n; i++)
                empty += vp_cpuset_empty(&l.v[i].affinity);
        is_int(empty, 0, "every one of its %zu IRQs has a CPU to run on", l.n);
        vp_irq_list_free(&l);
}

int main(void)
{
        test_list();
        test_set();
        test_hostmask();
        test_real();
        tree_rm(tmp);
        return tap_done();
}
