/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup module on fake trees: finding the domain's groups from a fake
 * /proc/PID/cgroup for every layout libvirt makes (v1 separate and
 * co-mounted controllers, v2, hybrid; with and without systemd's scope and
 * libvirt's nested libvirt/ dir), where each plan file lands, writing and
 * reading back regular files, errors that name the path, and the write
 * ordering against a model of the kernel's v1 cpuset and CFS rules (random
 * valid transitions must all succeed). (Threads and their affinity are
 * affinity.c's: test_affinity.c.) */
#include <errno.h>
#include <sys/stat.h>

#include "fileio.h"
#include "cgroup.h"
#include "tap.h"
#include "tree.h"

static char *tmp;

static void mkdirs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mkdirs(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *rel = NULL;
        if (vasprintf(&rel, fmt, ap) < 0)
                abort();
        va_end(ap);
        char *p = vp_xasprintf("%s/%s", tmp, rel);
        vp_mkdir_p(p, 0755, NULL);
        free(p);
        free(rel);
}

static void put(const char *rel, const char *content)
{
        tree_put(tmp, rel, content, 0644);
}

static char *get(const char *rel)
{
        return tree_get(tmp, rel);
}

/* A fresh fake tree: tmp/{cg,proc}. */
static void fresh(void)
{
        tree_fresh(&tmp, "cgroup");
}

static char *cgroot(void)
{
        return vp_xasprintf("%s/cg", tmp);
}
static char *procroot(void)
{
        return vp_xasprintf("%s/proc", tmp);
}

/* path of a plan file, relative to tmp/cg (or the error) */
static char *where(const vp_cgroup *cg, const char *file)
{
        char *p = NULL;
        vp_error e;
        if (vp_cgroup_path(cg, file, &p, &e) < 0)
                return vp_xasprintf("error: %s", e.msg);
        char *root = cgroot();
        char *r = vp_xstrdup(strncmp(p, root, strlen(root)) ? p : p + strlen(root) + 1);
        free(root);
        free(p);
        return r;
}

static int find(vp_cgroup *cg, long pid, vp_error *e)
{
        char *root = cgroot(), *proc = procroot();
        int r = vp_cgroup_find(root, proc, pid, cg, e);
        free(root);
        free(proc);
        return r;
}

#define IS_WHERE(cg, file, want, ...) is_str_free(where(cg, file), want, __VA_ARGS__)

static const char *rel(const char *abs)
{
        return abs + strlen(tmp) + 4; /* past "TMP/cg/" */
}

static void test_v1_plain(void)
{
        /* this host's shape: v1 controllers each in its own hierarchy, a
         * cgroup2 mount at unified/ with only hugetlb, no systemd */
        fresh();
        const char *dom = "machine/qemu-1-vm1.libvirt-qemu";
        for (int i = 0; i < 3; i++) {
                const char *h[] = {"cpu", "cpuacct", "cpuset"};
                mkdirs("cg/%s/%s/emulator", h[i], dom);
                mkdirs("cg/%s/%s/vcpu0", h[i], dom);
        }
        mkdirs("cg/memory/%s", dom);
        mkdirs("cg/systemd");
        put("cg/unified/cgroup.controllers", "hugetlb\n");
        put("proc/4242/cgroup", "9:name=systemd:/\n"
                                "4:memory:/machine/qemu-1-vm1.libvirt-qemu\n"
                                "3:cpuset:/machine/qemu-1-vm1.libvirt-qemu/emulator\n"
                                "2:cpuacct:/machine/qemu-1-vm1.libvirt-qemu/emulator\n"
                                "1:cpu:/machine/qemu-1-vm1.libvirt-qemu/emulator\n"
                                "0::/\n");
        vp_cgroup cg;
        vp_error e;
        int r = find(&cg, 4242, &e);
        is_int(r, 0, "v1 plain: found (%s)", r ? e.msg : "");
        is_int(cg.version, VP_CGROUP_V1, "v1 plain: cpu on v1 (unified/ has no cpu)");
        is_int(cg.c[VP_CG_CPUSET].version, VP_CGROUP_V1, "v1 plain: cpuset on v1");
        is_str(rel(cg.c[VP_CG_CPU].domain), "cpu/machine/qemu-1-vm1.libvirt-qemu",
               "v1 plain: /emulator stripped");
        is_str(cg.c[VP_CG_CPU].nested, cg.c[VP_CG_CPU].domain, "v1 plain: no nested group");
        IS_WHERE(&cg, "cpu.shares", "cpu/machine/qemu-1-vm1.libvirt-qemu/cpu.shares",
                 "v1 plain: cpu.shares on the domain");
        IS_WHERE(&cg, "cpu.cfs_quota_us", "cpu/machine/qemu-1-vm1.libvirt-qemu/cpu.cfs_quota_us",
                 "v1 plain: global quota on the domain");
        IS_WHERE(&cg, "vcpu0/cpuset.cpus",
                 "cpuset/machine/qemu-1-vm1.libvirt-qemu/vcpu0/cpuset.cpus",
                 "v1 plain: vcpu0 cpuset in the cpuset hierarchy");
        IS_WHERE(&cg, "emulator/cpu.cfs_period_us",
                 "cpu/machine/qemu-1-vm1.libvirt-qemu/emulator/cpu.cfs_period_us",
                 "v1 plain: emulator period");
        vp_cgroup_free(&cg);

        /* before libvirt moved the main thread into emulator/ */
        put("proc/4243/cgroup", "3:cpuset:/machine/qemu-1-vm1.libvirt-qemu\n"
                                "1:cpu:/machine/qemu-1-vm1.libvirt-qemu\n");
        r = find(&cg, 4243, &e);
        is_int(r, 0, "v1 plain, main thread not yet moved: found (%s)", r ? e.msg : "");
        is_str(rel(cg.c[VP_CG_CPUSET].domain), "cpuset/machine/qemu-1-vm1.libvirt-qemu",
               "v1 plain, main thread not yet moved: same domain");
        vp_cgroup_free(&cg);

        /* a cgroup2 mount with no controllers at all (systemd hybrid) */
        put("cg/unified/cgroup.controllers", "");
        r = find(&cg, 4242, &e);
        ok(r == 0 && cg.version == VP_CGROUP_V1, "v1 with an empty unified/: v1");
        vp_cgroup_free(&cg);
}

static void test_v1_systemd_comount(void)
{
        /* Debian/RHEL hybrid with systemd: cpu,cpuacct co-mounted with
         * symlinks, scope with libvirt's nested dir (libvirt >= 7.1) */
        fresh();
        const char *scope = "machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope";
        mkdirs("cg/cpu,cpuacct/%s/libvirt/vcpu0", scope);
        mkdirs("cg/cpu,cpuacct/%s/libvirt/emulator", scope);
        mkdirs("cg/cpuset/%s/libvirt/vcpu0", scope);
        mkdirs("cg/cpuset/%s/libvirt/emulator", scope);
        mkdirs("cg/systemd/%s", scope);
        put("cg/unified/cgroup.controllers", "");
        char *l1 = vp_xasprintf("%s/cg/cpu,cpuacct", tmp), *l2 = vp_xasprintf("%s/cg/cpu", tmp),
             *l3 = vp_xasprintf("%s/cg/cpuacct", tmp);
        ok(symlink("cpu,cpuacct", l2) == 0 && symlink("cpu,cpuacct", l3) == 0,
           "symlinks cpu, cpuacct -> cpu,cpuacct");
        char *pc = vp_xasprintf("12:cpuset:/%s/libvirt/emulator\n"
                                "5:cpu,cpuacct:/%s/libvirt/emulator\n"
                                "1:name=systemd:/%s\n"
                                "0::/%s\n",
                                scope, scope, scope, scope);
        put("proc/77/cgroup", pc);
        vp_cgroup cg;
        vp_error e;
        int r = find(&cg, 77, &e);
        is_int(r, 0, "v1 systemd co-mounted: found (%s)", r ? e.msg : "");
        is_str(rel(cg.c[VP_CG_CPU].domain),
               "cpu,cpuacct/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope",
               "v1 systemd: domain = the scope in the co-mounted hierarchy");
        is_str(rel(cg.c[VP_CG_CPU].nested),
               "cpu,cpuacct/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope/libvirt",
               "v1 systemd: nested = scope/libvirt");
        IS_WHERE(&cg, "cpu.shares",
                 "cpu,cpuacct/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope/cpu.shares",
                 "v1 systemd: shares on the scope (libvirt: not through the nested group)");
        IS_WHERE(&cg, "cpu.cfs_period_us",
                 "cpu,cpuacct/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope/libvirt/"
                 "cpu.cfs_period_us",
                 "v1 systemd: global period on the nested group");
        IS_WHERE(
            &cg, "vcpu0/cpuset.mems",
            "cpuset/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope/libvirt/vcpu0/cpuset.mems",
            "v1 systemd: vcpu0 under the nested group");
        vp_cgroup_free(&cg);

        /* the co-mount without the symlinks, and named in another order */
        unlink(l2);
        unlink(l3);
        r = find(&cg, 77, &e);
        ok(r == 0 && strstr(cg.c[VP_CG_CPU].domain, "/cpu,cpuacct/"),
           "co-mounted hierarchy found without the symlinks");
        vp_cgroup_free(&cg);
        char *l4 = vp_xasprintf("%s/cg/cpuacct,cpu", tmp);
        ok(rename(l1, l4) == 0, "hierarchy renamed cpuacct,cpu");
        r = find(&cg, 77, &e);
        ok(r == 0 && strstr(cg.c[VP_CG_CPU].domain, "/cpuacct,cpu/machine.slice/"),
           "co-mounted hierarchy found whatever the order of its name (%s)", r ? e.msg : "");
        vp_cgroup_free(&cg);
        free(l1);
        free(l2);
        free(l3);
        free(l4);
        free(pc);
}

static void test_v2(void)
{
        fresh();
        put("cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        mkdirs("cg/machine/qemu-1-vm.libvirt-qemu/emulator");
        mkdirs("cg/machine/qemu-1-vm.libvirt-qemu/vcpu0");
        put("proc/10/cgroup", "0::/machine/qemu-1-vm.libvirt-qemu/emulator\n");
        vp_cgroup cg;
        vp_error e;
        int r = find(&cg, 10, &e);
        is_int(r, 0, "v2 plain: found (%s)", r ? e.msg : "");
        is_int(cg.version, VP_CGROUP_V2, "v2 plain: version 2");
        is_int(cg.c[VP_CG_CPUSET].version, VP_CGROUP_V2, "v2 plain: cpuset on v2");
        IS_WHERE(&cg, "cpu.weight", "machine/qemu-1-vm.libvirt-qemu/cpu.weight",
                 "v2 plain: weight on the domain");
        IS_WHERE(&cg, "cpu.max", "machine/qemu-1-vm.libvirt-qemu/cpu.max",
                 "v2 plain: global cpu.max on the domain");
        IS_WHERE(&cg, "emulator/cpu.max", "machine/qemu-1-vm.libvirt-qemu/emulator/cpu.max",
                 "v2 plain: emulator cpu.max");
        vp_cgroup_free(&cg);

        /* systemd: scope + nested libvirt/ */
        const char *scope = "machine.slice/machine-qemu\\x2d1\\x2dvm.scope";
        mkdirs("cg/%s/libvirt/emulator", scope);
        mkdirs("cg/%s/libvirt/vcpu1", scope);
        char *pc = vp_xasprintf("0::/%s/libvirt/emulator\n", scope);
        put("proc/11/cgroup", pc);
        free(pc);
        r = find(&cg, 11, &e);
        is_int(r, 0, "v2 systemd: found (%s)", r ? e.msg : "");
        IS_WHERE(&cg, "cpu.weight", "machine.slice/machine-qemu\\x2d1\\x2dvm.scope/cpu.weight",
                 "v2 systemd: weight on the scope");
        IS_WHERE(&cg, "cpu.max", "machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/cpu.max",
                 "v2 systemd: global cpu.max on the nested group");
        IS_WHERE(&cg, "vcpu1/cpuset.cpus",
                 "machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/vcpu1/cpuset.cpus",
                 "v2 systemd: vcpu1 under the nested group");
        vp_cgroup_free(&cg);

        /* QEMU still in libvirt/ itself (emulator group not made yet) */
        pc = vp_xasprintf("0::/%s/libvirt\n", scope);
        put("proc/12/cgroup", pc);
        free(pc);
        r = find(&cg, 12, &e);
        ok(r == 0 && !strcmp(rel(cg.c[VP_CG_CPU].domain), scope),
           "v2 systemd: /libvirt stripped without /emulator");
        vp_cgroup_free(&cg);
}

static void test_hybrid_cpu_on_v2(void)
{
        /* a hybrid host whose cgroup2 mount holds cpu: cpu there, cpuset v1 */
        fresh();
        put("cg/unified/cgroup.controllers", "cpu\n");
        mkdirs("cg/unified/machine/qemu-2-x.libvirt-qemu/emulator");
        mkdirs("cg/cpuset/machine/qemu-2-x.libvirt-qemu/emulator");
        put("proc/5/cgroup", "3:cpuset:/machine/qemu-2-x.libvirt-qemu/emulator\n"
                             "1:name=systemd:/\n"
                             "0::/machine/qemu-2-x.libvirt-qemu/emulator\n");
        vp_cgroup cg;
        vp_error e;
        int r = find(&cg, 5, &e);
        is_int(r, 0, "hybrid: found (%s)", r ? e.msg : "");
        is_int(cg.c[VP_CG_CPU].version, VP_CGROUP_V2, "hybrid: cpu on the cgroup2 mount");
        is_int(cg.c[VP_CG_CPUSET].version, VP_CGROUP_V1, "hybrid: cpuset on v1");
        is_int(cg.version, VP_CGROUP_V2, "hybrid: write names follow cpu (v2)");
        IS_WHERE(&cg, "cpu.weight", "unified/machine/qemu-2-x.libvirt-qemu/cpu.weight",
                 "hybrid: weight under unified/");
        IS_WHERE(&cg, "vcpu0/cpuset.cpus", "cpuset/machine/qemu-2-x.libvirt-qemu/vcpu0/cpuset.cpus",
                 "hybrid: cpuset under cpuset/");
        vp_cgroup_free(&cg);
}

static void test_find_errors(void)
{
        fresh();
        mkdirs("cg/cpu");
        mkdirs("cg/cpuset");
        vp_cgroup cg;
        vp_error e;
        int r = find(&cg, 99, &e);
        is_int(r, -ESRCH, "no such pid: -ESRCH");
        like(e.msg, "/proc/99/cgroup", "message names the file");
        like(e.msg, "not running", "message says why");

        put("proc/1/cgroup", "3:cpuset:/\n1:cpu:/\n0::/\n");
        r = find(&cg, 1, &e);
        is_int(r, -ENOENT, "QEMU in the root group: -ENOENT");
        like(e.msg, "root cpu cgroup", "message: root group");

        put("proc/2/cgroup", "3:cpuset:/machine/qemu-5-gone.libvirt-qemu/emulator\n"
                             "1:cpu:/machine/qemu-5-gone.libvirt-qemu/emulator\n");
        r = find(&cg, 2, &e);
        is_int(r, -ENOENT, "missing group directory: -ENOENT");
        like(e.msg, "cg/cpu/machine/qemu-5-gone.libvirt-qemu: no such cgroup",
             "message names the group directory");

        put("proc/3/cgroup", "1:cpu:/x\nnot a cgroup line\n");
        r = find(&cg, 3, &e);
        is_int(r, -EINVAL, "garbled line: -EINVAL");
        like(e.msg, "/proc/3/cgroup line 2: 'not a cgroup line'", "message names file and line");

        put("proc/4/cgroup", "4:memory:/machine/x\n9:name=systemd:/\n");
        r = find(&cg, 4, &e);
        is_int(r, -ENOENT, "no cpu or cpuset line: -ENOENT");
        like(e.msg, "no cpu or cpuset controller", "message");

        fresh();
        put("proc/6/cgroup", "7:cpu,cpuacct:/machine/y\n");
        r = find(&cg, 6, &e);
        is_int(r, -ENOENT, "hierarchy not mounted under the root: -ENOENT");
        like(e.msg, "neither", "message names the missing hierarchy");

        put("cg/cgroup.controllers", "cpu cpuset\n");
        put("proc/7/cgroup", "0::/machine/qemu-1-a.libvirt-qemu (deleted)\n");
        r = find(&cg, 7, &e);
        is_int(r, -ENOENT, "v2 group deleted under QEMU: -ENOENT");
        like(e.msg, "machine/qemu-1-a.libvirt-qemu: no such cgroup", "' (deleted)' not part of it");

        /* only cpu: cpuset files have nowhere to go */
        fresh();
        put("cg/cgroup.controllers", "cpu memory\n");
        mkdirs("cg/machine/qemu-1-a.libvirt-qemu/emulator");
        put("proc/8/cgroup", "0::/machine/qemu-1-a.libvirt-qemu/emulator\n");
        r = find(&cg, 8, &e);
        is_int(r, 0, "v2 without cpuset: found (%s)", r ? e.msg : "");
        char *p = NULL;
        r = vp_cgroup_path(&cg, "vcpu0/cpuset.cpus", &p, &e);
        is_int(r, -ENOENT, "cpuset file without cpuset controller: -ENOENT");
        like(e.msg, "cpuset controller is not available for QEMU pid 8", "message");
        r = vp_cgroup_path(&cg, "../cpu.max", &p, &e);
        is_int(r, -EINVAL, "'..' refused");
        r = vp_cgroup_path(&cg, "memory.max", &p, &e);
        is_int(r, -EINVAL, "not a cpu/cpuset file refused");
        r = vp_cgroup_path(&cg, "cpuacct.usage", &p, &e);
        is_int(r, -EINVAL, "cpuacct is not cpu");
        r = vp_cgroup_path(&cg, "/cpu.max", &p, &e);
        is_int(r, -EINVAL, "absolute name refused");
        vp_cgroup_free(&cg);
}

static void add(vp_cgwrites *w, const char *file, const char *value)
{
        w->w = vp_xrealloc(w->w, (w->n + 1) * sizeof(*w->w));
        w->w[w->n++] = (vp_cgwrite){.file = vp_xstrdup(file), .value = vp_xstrdup(value)};
}

static void test_apply_files(void)
{
        fresh();
        const char *d = "cg/cpu/machine/qemu-1-vm.libvirt-qemu";
        const char *s = "cg/cpuset/machine/qemu-1-vm.libvirt-qemu";
        char f[512];
        const char *cpu_files[] = {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us",
                                   "emulator/cpu.cfs_quota_us", "vcpu0/cpu.cfs_quota_us"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(cpu_files); i++) {
                snprintf(f, sizeof(f), "%s/%s", d, cpu_files[i]);
                put(f, "1024\n");
        }
        const char *set_files[] = {"cpuset.cpus", "vcpu0/cpuset.cpus", "vcpu0/cpuset.mems",
                                   "emulator/cpuset.cpus"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(set_files); i++) {
                snprintf(f, sizeof(f), "%s/%s", s, set_files[i]);
                put(f, "0-7\n");
        }
        put("proc/9/cgroup", "2:cpuset:/machine/qemu-1-vm.libvirt-qemu/emulator\n"
                             "1:cpu:/machine/qemu-1-vm.libvirt-qemu/emulator\n");
        vp_cgroup cg;
        vp_error e;
        int r = find(&cg, 9, &e);
        is_int(r, 0, "apply: found (%s)", r ? e.msg : "");

        vp_cgwrites w = {0};
        add(&w, "cpu.shares", "512");
        add(&w, "cpu.cfs_quota_us", "-1");
        add(&w, "emulator/cpu.cfs_quota_us", "20000");
        add(&w, "emulator/cpuset.cpus", "0-1");
        add(&w, "vcpu0/cpuset.cpus", "3");
        add(&w, "vcpu0/cpuset.mems", "0");
        r = vp_cgroup_apply(&cg, &w, NULL, &e);
        is_int(r, 0, "apply to regular files (%s)", r ? e.msg : "");
        is_str_free(get("cg/cpu/machine/qemu-1-vm.libvirt-qemu/cpu.shares"), "512",
                    "cpu.shares written, no newline added, old content truncated");
        is_str_free(get("cg/cpuset/machine/qemu-1-vm.libvirt-qemu/vcpu0/cpuset.cpus"), "3",
                    "vcpu0/cpuset.cpus written");

        vp_drifts dr = {0};
        r = vp_cgroup_verify(&cg, &w, NULL, &dr, &e);
        ok(r == 0 && dr.n == 0, "verify: no drift right after apply (%zu)", dr.n);
        vp_drifts_free(&dr);

        put("cg/cpuset/machine/qemu-1-vm.libvirt-qemu/vcpu0/cpuset.cpus", "0-7\n");
        put("cg/cpuset/machine/qemu-1-vm.libvirt-qemu/emulator/cpuset.cpus", "0,1\n");
        put("cg/cpu/machine/qemu-1-vm.libvirt-qemu/cpu.cfs_quota_us", "  -1 \n");
        r = vp_cgroup_verify(&cg, &w, NULL, &dr, &e);
        is_int(dr.n, 1, "one drift: vcpu0 widened behind our back; '0,1' = '0-1'; blanks ignored");
        if (dr.n == 1) {
                is_str(dr.d[0].file, "vcpu0/cpuset.cpus", "drift file");
                is_str(dr.d[0].want, "3", "drift want");
                is_str(dr.d[0].have, "0-7", "drift have (trimmed)");
        }
        vp_drifts_free(&dr);

        /* errors: a missing group, a missing file in an existing group, a
         * path that cannot be written (a directory here: root ignores modes) */
        vp_cgwrites bad = {0};
        add(&bad, "vcpu0/cpuset.cpus", "2");
        add(&bad, "vcpu7/cpuset.cpus", "1");
        add(&bad, "vcpu0/cpu.cfs_period_us", "100000");
        mkdirs("%s/iothread1/cpu.cfs_quota_us", d);
        add(&bad, "iothread1/cpu.cfs_quota_us", "5000");
        r = vp_cgroup_apply(&cg, &bad, NULL, &e);
        is_int(r, -ENOENT, "missing group: -ENOENT");
        like(e.msg, "cannot write '1' to ", "message quotes the value");
        like(e.msg, "cg/cpuset/machine/qemu-1-vm.libvirt-qemu/vcpu7/cpuset.cpus: no such cgroup",
             "message names the path and says the group is missing");
        like(e.msg, "(and 2 more of 4 writes failed)", "message counts the other failures");
        is_str_free(get("cg/cpuset/machine/qemu-1-vm.libvirt-qemu/vcpu0/cpuset.cpus"), "2",
                    "the writes that could be done were done");
        vp_cgwrites_free(&bad);

        add(&bad, "vcpu0/cpu.cfs_period_us", "100000");
        r = vp_cgroup_apply(&cg, &bad, NULL, &e);
        is_int(r, -ENOENT, "missing file: -ENOENT");
        like(e.msg, "vcpu0/cpu.cfs_period_us: no such file (controller not enabled",
             "message: the file, not the group, is missing");
        vp_cgwrites_free(&bad);

        add(&bad, "iothread1/cpu.cfs_quota_us", "5000");
        r = vp_cgroup_apply(&cg, &bad, NULL, &e);
        is_int(r, -EISDIR, "unwritable path: its errno");
        like(e.msg, "iothread1/cpu.cfs_quota_us: Is a directory", "message names it");
        vp_cgwrites_free(&bad);

        add(&bad, "vcpu9/cpuset.cpus", "1");
        r = vp_cgroup_verify(&cg, &bad, NULL, &dr, &e);
        ok(r == 0 && dr.n == 1 && !strcmp(dr.d[0].have, "(unreadable: No such file or directory)"),
           "verify: a missing file is drift, 'unreadable'");
        vp_drifts_free(&dr);
        vp_cgwrites_free(&bad);

        vp_cgwrites_free(&w);
        vp_cgroup_free(&cg);
}

/* --- a model of the v1 kernel's rules -------------------------------------- */

/* Groups: dir paths; values: cpuset.cpus (bitmask of 4 CPUs) and CFS
 * period/quota. The model refuses what the v1 kernel refuses: a cpuset not
 * within its parent's (EINVAL) or not covering a child's (EBUSY); a CFS
 * state where some limited group's quota/period exceeds the nearest limited
 * ancestor's (EINVAL, checked over the whole tree as tg_cfs_schedulable). */
#define MG 8
typedef struct model {
        const char *dir[MG];
        int parent[MG];
        unsigned cpus[MG];
        long long period[MG], quota[MG];
        int n;
        unsigned writes;
} model;

static int mfind(model *m, const char *path, const char **file)
{
        const char *slash = strrchr(path, '/');
        *file = slash + 1;
        for (int i = 0; i < m->n; i++)
                if (strlen(m->dir[i]) == (size_t)(slash - path) &&
                    !strncmp(m->dir[i], path, (size_t)(slash - path)))
                        return i;
        return -1;
}

static double ratio(long long q, long long p)
{
        return q < 0 ? 1e18 : (double)q / (double)p;
}

static bool cfs_ok(const model *m)
{
        for (int i = 0; i < m->n; i++) {
                double lim = 1e18;
                for (int a = m->parent[i]; a >= 0; a = m->parent[a])
                        if (ratio(m->quota[a], m->period[a]) < lim)
                                lim = ratio(m->quota[a], m->period[a]);
                if (m->quota[i] >= 0 && ratio(m->quota[i], m->period[i]) > lim)
                        return false;
        }
        return true;
}

static int mread(void *ctx, const char *path, char **out)
{
        model *m = ctx;
        const char *f;
        int g = mfind(m, path, &f);
        if (g < 0)
                return -ENOENT;
        if (!strcmp(f, "cpuset.cpus")) {
                vp_cpuset s;
                vp_cpuset_zero(&s);
                for (unsigned c = 0; c < 4; c++)
                        if (m->cpus[g] >> c & 1)
                                vp_cpuset_set(&s, c);
                *out = vp_cpuset_format(&s);
        } else if (!strcmp(f, "cpu.cfs_period_us")) {
                *out = vp_xasprintf("%lld\n", m->period[g]);
        } else if (!strcmp(f, "cpu.cfs_quota_us")) {
                *out = vp_xasprintf("%lld\n", m->quota[g]);
        } else {
                return -ENOENT;
        }
        return 0;
}

static int mwrite(void *ctx, const char *path, const char *value)
{
        model *m = ctx;
        const char *f;
        int g = mfind(m, path, &f);
        if (g < 0)
                return -ENOENT;
        m->writes++;
        if (!strcmp(f, "cpuset.cpus")) {
                vp_cpuset s;
                if (vp_cpuset_parse(&s, value, 4, NULL) < 0)
                        return -EINVAL;
                unsigned v = (unsigned)s.w[0];
                if (m->parent[g] >= 0 && (v & ~m->cpus[m->parent[g]]))
                        return -EACCES;
                for (int i = 0; i < m->n; i++)
                        if (m->parent[i] == g && (m->cpus[i] & ~v))
                                return -EBUSY;
                m->cpus[g] = v;
                return 0;
        }
        long long v = strtoll(value, NULL, 10);
        long long *slot = !strcmp(f, "cpu.cfs_period_us")  ? &m->period[g]
                          : !strcmp(f, "cpu.cfs_quota_us") ? &m->quota[g]
                                                           : NULL;
        if (!slot)
                return -ENOENT;
        long long old = *slot;
        *slot = v;
        if (!cfs_ok(m)) {
                *slot = old;
                return -EINVAL;
        }
        return 0;
}

static unsigned rnd(unsigned *seed)
{
        *seed = *seed * 1103515245u + 12345u;
        return (*seed >> 16) & 0x7fff;
}

/* a random non-empty subset of mask */
static unsigned subset(unsigned *seed, unsigned mask)
{
        for (;;) {
                unsigned v = rnd(seed) & mask;
                if (v || !mask)
                        return v;
        }
}

/* random valid CFS values for groups from.. (the others kept) */
static void random_cfs(unsigned *seed, model *m, int from)
{
        static const long long periods[] = {10000, 100000, 250000};
        static const long long quotas[] = {-1, 5000, 20000, 50000, 100000, 200000};
        do {
                for (int i = from; i < m->n; i++) {
                        m->period[i] = periods[rnd(seed) % 3];
                        m->quota[i] = quotas[rnd(seed) % 6];
                }
        } while (!cfs_ok(m));
}

static void test_apply_order_model(void)
{
        /* groups: 0 partition, 1 domain (both not written), 2 nested, 3.. thread
         * groups: the shape of libvirt's systemd layout */
        static const char *names[] = {"/m",
                                      "/m/d",
                                      "/m/d/libvirt",
                                      "/m/d/libvirt/vcpu0",
                                      "/m/d/libvirt/vcpu1",
                                      "/m/d/libvirt/emulator"};
        vp_cgroup cg = {.pid = 1, .version = VP_CGROUP_V1};
        for (int c = 0; c < VP_CG__NCONTROLLERS; c++)
                cg.c[c] = (vp_cgroup_ctl){.found = true,
                                          .version = VP_CGROUP_V1,
                                          .domain = (char *)"/m/d",
                                          .nested = (char *)"/m/d/libvirt"};
        unsigned seed = 20240611;
        unsigned reached = 0, refused = 0, minimal = 0, runs = 500, unreachable = 0;
        for (unsigned run = 0; run < runs; run++) {
                model m = {.n = 6};
                for (int i = 0; i < m.n; i++) {
                        m.dir[i] = names[i];
                        m.parent[i] = i == 0 ? -1 : i < 3 ? i - 1 : 2;
                        m.period[i] = 100000;
                        m.quota[i] = -1;
                }
                /* a valid start state, then a valid target for the written groups */
                m.cpus[0] = 0xf;
                m.cpus[1] = subset(&seed, 0xf);
                m.cpus[2] = subset(&seed, m.cpus[1]);
                for (int i = 3; i < 6; i++)
                        m.cpus[i] = subset(&seed, m.cpus[2]);
                random_cfs(&seed, &m, 1);
                model t = m;
                /* every 4th run the nested target may leave the domain's CPUs */
                t.cpus[2] = subset(&seed, run % 4 ? m.cpus[1] : 0xf);
                for (int i = 3; i < 6; i++)
                        t.cpus[i] = subset(&seed, t.cpus[2]);
                random_cfs(&seed, &t, 2);

                /* the list in cgwrites' order: parents before children, period
                 * before quota */
                vp_cgwrites w = {0};
                for (int i = 2; i < 6; i++) {
                        const char *dir = i == 2 ? "" : strrchr(names[i], '/') + 1;
                        const char *sl = i == 2 ? "" : "/";
                        char file[64], val[32];
                        vp_cpuset s;
                        vp_cpuset_zero(&s);
                        s.w[0] = t.cpus[i];
                        char *cs = vp_cpuset_format(&s);
                        snprintf(file, sizeof(file), "%s%scpuset.cpus", dir, sl);
                        add(&w, file, cs);
                        free(cs);
                        snprintf(file, sizeof(file), "%s%scpu.cfs_period_us", dir, sl);
                        snprintf(val, sizeof(val), "%lld", t.period[i]);
                        add(&w, file, val);
                        snprintf(file, sizeof(file), "%s%scpu.cfs_quota_us", dir, sl);
                        snprintf(val, sizeof(val), "%lld", t.quota[i]);
                        add(&w, file, val);
                }
                bool reachable = (t.cpus[2] & ~m.cpus[1]) == 0;
                vp_error e;
                m.writes = 0;
                int r = vp_cgroup_apply(&cg, &w, &(vp_cgroup_io){mread, mwrite, &m}, &e);
                if (!reachable) {
                        /* the nested group cannot take CPUs its parent lacks */
                        unreachable++;
                        if (r == -EACCES && strstr(e.msg, "to /m/d/libvirt/cpuset.cpus: "))
                                refused++;
                        else
                                printf("# run %u: not refused right: %d %s\n", run, r, e.msg);
                        vp_cgwrites_free(&w);
                        continue;
                }
                bool same = true;
                for (int i = 2; i < 6; i++)
                        same &= m.cpus[i] == t.cpus[i] && m.period[i] == t.period[i] &&
                                m.quota[i] == t.quota[i];
                if (r == 0 && same)
                        reached++;
                else
                        printf("# run %u: %d %s\n", run, r, r ? e.msg : "not reached");
                /* one write per file plus at most one widening of the nested group */
                if (m.writes <= w.n + 1)
                        minimal++;
                vp_cgwrites_free(&w);
        }
        printf("# model: %u of %u reachable runs took no retry\n", minimal, runs - unreachable);
        is_int(reached, runs - unreachable,
               "model: every valid cpuset + CFS target reached from every valid state");
        ok(unreachable > 0 && refused == unreachable,
           "model: every target outside the unwritten parent refused naming the write (%u)",
           unreachable);
}

/* The classic traps, one by one, against the model. */
static void test_apply_order_cases(void)
{
        static const char *names[] = {"/m", "/m/d", "/m/d/vcpu0", "/m/d/vcpu1"};
        vp_cgroup cg = {.pid = 1, .version = VP_CGROUP_V1};
        for (int c = 0; c < VP_CG__NCONTROLLERS; c++)
                cg.c[c] = (vp_cgroup_ctl){.found = true,
                                          .version = VP_CGROUP_V1,
                                          .domain = (char *)"/m/d",
                                          .nested = (char *)"/m/d"};
        model m = {.n = 4};
        for (int i = 0; i < 4; i++) {
                m.dir[i] = names[i];
                m.parent[i] = i == 0 ? -1 : i == 1 ? 0 : 1;
                m.period[i] = 100000;
                m.quota[i] = -1;
                m.cpus[i] = i == 0 ? 0xf : 0x3;
        }
        vp_cgroup_io io = {mread, mwrite, &m};
        vp_error e;

        /* narrow the parent below its children: children first */
        vp_cgwrites w = {0};
        add(&w, "cpuset.cpus", "1");
        add(&w, "vcpu0/cpuset.cpus", "1");
        add(&w, "vcpu1/cpuset.cpus", "1");
        m.writes = 0;
        int r = vp_cgroup_apply(&cg, &w, &io, &e);
        ok(r == 0 && m.cpus[1] == 2 && m.cpus[2] == 2 && m.writes == 3,
           "narrowing: children before the parent, 3 writes (%s)", r ? e.msg : "");
        vp_cgwrites_free(&w);

        /* widen: parent first, though listed last */
        add(&w, "vcpu0/cpuset.cpus", "0-3");
        add(&w, "cpuset.cpus", "0-3");
        m.writes = 0;
        r = vp_cgroup_apply(&cg, &w, &io, &e);
        ok(r == 0 && m.cpus[1] == 0xf && m.cpus[2] == 0xf && m.writes == 2,
           "widening: the parent before its child, 2 writes (%s)", r ? e.msg : "");
        vp_cgwrites_free(&w);

        /* trade: parent 0-3 -> 2, child 0-3 -> 2, other child 1 -> 2 */
        m.cpus[1] = 0x3;
        m.cpus[2] = 0x3;
        m.cpus[3] = 0x2;
        add(&w, "cpuset.cpus", "2");
        add(&w, "vcpu0/cpuset.cpus", "2");
        add(&w, "vcpu1/cpuset.cpus", "2");
        m.writes = 0;
        r = vp_cgroup_apply(&cg, &w, &io, &e);
        ok(r == 0 && m.cpus[1] == 4 && m.cpus[2] == 4 && m.cpus[3] == 4 && m.writes == 4,
           "trading members: parent widened to 0-2 first, 4 writes (%s)", r ? e.msg : "");
        vp_cgwrites_free(&w);

        /* CFS: lower the parent's quota below the children's current one */
        m.quota[2] = m.quota[3] = 50000;
        add(&w, "cpu.cfs_quota_us", "20000");
        add(&w, "vcpu0/cpu.cfs_quota_us", "10000");
        add(&w, "vcpu1/cpu.cfs_quota_us", "10000");
        r = vp_cgroup_apply(&cg, &w, &io, &e);
        ok(r == 0 && m.quota[1] == 20000 && m.quota[2] == 10000,
           "CFS: parent refused until the children shrank, then retried (%s)", r ? e.msg : "");
        vp_cgwrites_free(&w);

        /* an impossible combination is an error naming the write */
        add(&w, "cpu.cfs_quota_us", "20000");
        add(&w, "vcpu0/cpu.cfs_quota_us", "50000");
        r = vp_cgroup_apply(&cg, &w, &io, &e);
        is_int(r, -EINVAL, "child quota above the parent's: -EINVAL");
        like(e.msg, "cannot write '50000' to /m/d/vcpu0/cpu.cfs_quota_us: Invalid argument",
             "message names the child file and value");
        vp_cgwrites_free(&w);

        /* a child outside its parent that is not written */
        add(&w, "vcpu0/cpuset.cpus", "3");
        r = vp_cgroup_apply(&cg, &w, &io, &e);
        is_int(r, -EACCES, "child outside an unwritten parent: -EACCES, as v1 says");
        like(e.msg, "'3' to /m/d/vcpu0/cpuset.cpus: Permission denied (not within the parent",
             "message explains");
        vp_cgwrites_free(&w);
}

int main(void)
{
        test_v1_plain();
        test_v1_systemd_comount();
        test_v2();
        test_hybrid_cpu_on_v2();
        test_find_errors();
        test_apply_files();
        test_apply_order_cases();
        test_apply_order_model();
        if (tmp)
                tree_rm(tmp);
        return tap_done();
}
