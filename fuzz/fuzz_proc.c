/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel text: every parser of /sys and /proc content. The pure ones
 * (lib/model/sysfs_parse.c) get the input as an exact-size buffer, so ASan sees any
 * read past its end; the ones that only read files (lib/io/cgroup.c
 * /proc/PID/cgroup, lib/io/affinity.c task comm and status, lib/io/liveness.c
 * libvirt's NAME.pid, a cgroup2 mount's cgroup.controllers) get it through a
 * fake /proc and cgroup tree in the scratch dir; cgroup files read back by
 * vp_cgroup_verify through its io hook; and the topology cache's text, made
 * from them; the hex CPU masks of /proc/irq and the workqueues
 * (lib/model/isolation.c). Every parser sees every input: one corpus serves all. */
#include <string.h>

#include "affinity.h"
#include "cgroup.h"
#include "common.h"
#include "isolation.h"
#include "liveness.h"
#include "sysfs_parse.h"
#include "topocache.h"

/* v1 as libvirt makes it without systemd, v2 as under systemd (nested libvirt/) */
#define V1_DOM "cg1/cpu,cpuacct/machine/qemu-1-vm.libvirt-qemu"
#define V1_SET "cg1/cpuset/machine/qemu-1-vm.libvirt-qemu"
#define V2_DOM "cg2/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"

static void setup(void)
{
        static bool done;
        if (done)
                return;
        done = true;
        fz_mkdir(V1_DOM "/emulator");
        fz_mkdir(V1_SET "/emulator");
        fz_mkdir("cg1/unified");
        fz_write("cg1/unified/cgroup.controllers", "", 0);
        fz_mkdir(V2_DOM "/libvirt/emulator");
        fz_write("cg2/cgroup.controllers", "cpuset cpu io memory pids\n", 26);
        /* pid 2 sits in a v2 group; cg3/cgroup.controllers is the input */
        fz_mkdir("cg3/machine.slice/machine-qemu\\x2d2\\x2dvm.scope/libvirt");
        fz_mkdir("proc/2");
        static const char v2line[] = "0::/machine.slice/machine-qemu\\x2d2\\x2dvm.scope/libvirt\n";
        fz_write("proc/2/cgroup", v2line, sizeof(v2line) - 1);
        fz_mkdir("proc/1/task/1");
        fz_mkdir("proc/1/task/2");
        fz_write("proc/1/task/1/comm", "qemu-system-x86\n", 16);
        fz_mkdir("lvrun");
}

static void pure_parsers(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        vp_error err;
        vp_cpuset s, t;
        if (vp_sysfs_parse_cpulist(buf, size, &s, &err) == 0) {
                /* what we read, formatted, reads back the same */
                _cleanup_free_ char *f = vp_cpuset_format(&s);
                if (vp_sysfs_parse_cpulist(f, strlen(f), &t, &err) < 0 || !vp_cpuset_equal(&s, &t))
                        fz_fail("cpulist formatted as '%s' does not read back", f);
        } else {
                fz_check_said("vp_sysfs_parse_cpulist", err.msg);
        }
        unsigned nbits;
        if (vp_hexmask_parse(buf, size, &s, &nbits, &err) == 0) {
                /* a hex mask (default_smp_affinity, the workqueue cpumask)
                 * formatted as wide as it was read reads back the same */
                _cleanup_free_ char *f = vp_hexmask_format(&s, nbits);
                if (vp_hexmask_parse(f, strlen(f), &t, NULL, &err) < 0 || !vp_cpuset_equal(&s, &t))
                        fz_fail("hex mask formatted as '%s' does not read back", f);
        } else {
                fz_check_said("vp_hexmask_parse", err.msg);
        }
        for (int node = -1; node < 2; node++) {
                uint64_t total, free_kib;
                if (vp_sysfs_parse_meminfo(buf, size, node, &total, &free_kib, &err) == 0) {
                        if (free_kib > total)
                                fz_fail("meminfo: free %llu > total %llu",
                                        (unsigned long long)free_kib, (unsigned long long)total);
                } else {
                        fz_check_said("vp_sysfs_parse_meminfo", err.msg);
                }
        }
        unsigned dist[8];
        for (size_t n = 1; n <= VP_ARRAY_SIZE(dist); n++) {
                if (vp_sysfs_parse_distance(buf, size, dist, n, &err) == 0) {
                        for (size_t i = 0; i < n; i++)
                                if (dist[i] > VP_MAX_DISTANCE)
                                        fz_fail("distance %u over the maximum", dist[i]);
                } else {
                        fz_check_said("vp_sysfs_parse_distance", err.msg);
                }
        }
        int iv;
        if (vp_sysfs_parse_int(buf, size, &iv, &err) < 0)
                fz_check_said("vp_sysfs_parse_int", err.msg);
        if (vp_proc_parse_cmdline_isolation(buf, size, &s, &t, &err) < 0)
                fz_check_said("vp_proc_parse_cmdline_isolation", err.msg);
        uint64_t ticks;
        if (vp_proc_parse_stat_starttime(buf, size, &ticks, &err) < 0)
                fz_check_said("vp_proc_parse_stat_starttime", err.msg);
        int64_t btime;
        if (vp_proc_parse_btime(buf, size, &btime, &err) < 0)
                fz_check_said("vp_proc_parse_btime", err.msg);
        /* the topology cache (our file, built from these): what parses,
         * formatted again under the same key, is the same text */
        vp_topology *topo = NULL;
        vp_topo_source src;
        if (vp_topocache_parse(buf, size, "K", &topo, &src) == 0) {
                _cleanup_free_ char *f = vp_topocache_format(topo, src, "K");
                vp_topology *back = NULL;
                vp_topo_source src2;
                if (vp_topocache_parse(f, strlen(f), "K", &back, &src2) < 0 || src2 != src)
                        fz_fail("topology cache formatted as '%.200s' does not read back", f);
                _cleanup_free_ char *g = vp_topocache_format(back, src2, "K");
                if (strcmp(f, g) != 0)
                        fz_fail("topology cache changes on a round trip");
                vp_topology_free(back);
                vp_topology_free(topo);
        }
}

static void check_found(const vp_cgroup *cg, const char *root)
{
        for (int c = 0; c < VP_CG__NCONTROLLERS; c++) {
                const vp_cgroup_ctl *k = &cg->c[c];
                if (!k->found)
                        continue;
                if (strncmp(k->domain, root, strlen(root)) != 0 ||
                    strncmp(k->nested, k->domain, strlen(k->domain)) != 0)
                        fz_fail("cgroup %s / %s not under %s", k->domain, k->nested, root);
        }
}

/* /proc/PID/cgroup against a v1 (hybrid) and a v2 tree */
static void proc_cgroup(const uint8_t *data, size_t size)
{
        fz_write("proc/1/cgroup", data, size);
        _cleanup_free_ char *proc = fz_path("proc");
        const char *roots[] = {"cg1", "cg2"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(roots); i++) {
                _cleanup_free_ char *root = fz_path(roots[i]);
                vp_cgroup cg;
                vp_error err;
                if (vp_cgroup_find(root, proc, 1, &cg, &err) == 0) {
                        check_found(&cg, root);
                        vp_cgroup_free(&cg);
                } else {
                        fz_check_msg("vp_cgroup_find", err.msg);
                }
        }
}

/* a cgroup2 mount's cgroup.controllers: which controllers v2 has */
static void controllers(const uint8_t *data, size_t size)
{
        fz_write("cg3/cgroup.controllers", data, size);
        _cleanup_free_ char *root = fz_path("cg3");
        _cleanup_free_ char *proc = fz_path("proc");
        vp_cgroup_version v = vp_cgroup_detect(root);
        vp_cgroup cg;
        vp_error err;
        if (vp_cgroup_find(root, proc, 2, &cg, &err) == 0) {
                check_found(&cg, root);
                if (v != VP_CGROUP_V2 && cg.c[VP_CG_CPU].found)
                        fz_fail("cpu found on a v2-only tree detected as v1");
                vp_cgroup_free(&cg);
        } else {
                fz_check_msg("vp_cgroup_find (controllers)", err.msg);
        }
}

/* What the enforcer reads back from cgroup files: every file holds the input. */
static int read_input(void *ctx, const char *path, char **out)
{
        (void)path;
        const vp_cgwrite *in = ctx; /* value: the input as a C string */
        *out = vp_xstrdup(in->value);
        return 0;
}

static void readback(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = vp_xmalloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';
        vp_cgwrite in = {NULL, text};
        vp_cgroup_io io = {read_input, NULL, &in};
        vp_cgroup cg = {.pid = 1, .version = VP_CGROUP_V1};
        for (int c = 0; c < VP_CG__NCONTROLLERS; c++)
                cg.c[c] = (vp_cgroup_ctl){true, VP_CGROUP_V1, "/d", "/d/libvirt"};
        vp_cgwrite ws[] = {
            {"cpu.shares", "1024"},         {"cpu.cfs_quota_us", "-1"},
            {"vcpu0/cpuset.cpus", "0-3,8"}, {"emulator/cpuset.mems", "0"},
            {"cpu.max", "max 100000"},
        };
        vp_cgwrites w = {ws, VP_ARRAY_SIZE(ws)};
        vp_drifts d = {0};
        vp_error err;
        if (vp_cgroup_verify(&cg, &w, &io, &d, &err) < 0)
                fz_fail("vp_cgroup_verify on fixed names: %s", err.msg);
        if (d.n > w.n)
                fz_fail("vp_cgroup_verify: %zu drifts for %zu files", d.n, w.n);
        vp_drifts_free(&d);
}

/* a thread's comm (vCPU / iothread names) and status (Cpus_allowed_list) */
static void proc_task(const uint8_t *data, size_t size)
{
        fz_write("proc/1/task/2/comm", data, size);
        fz_write("proc/1/task/2/status", data, size);
        _cleanup_free_ char *proc = fz_path("proc");
        vp_threads th;
        vp_error err;
        if (vp_threads_list(proc, 1, NULL, 0, &th, &err) < 0)
                fz_fail("vp_threads_list on a fixed task dir: %s", err.msg);
        if (th.n != 2)
                fz_fail("vp_threads_list found %zu threads, not 2", th.n);
        vp_cgwrite ws[] = {
            {"emulator/cpuset.cpus", "0-1"}, {"emulator/cpuset.mems", "0"},
            {"vcpu0/cpuset.cpus", "2"},      {"vcpu0/cpuset.mems", "0"},
            {"iothread1/cpuset.cpus", "3"},  {"iothread1/cpuset.mems", "0"},
        };
        vp_cgwrites w = {ws, VP_ARRAY_SIZE(ws)};
        vp_drifts d = {0};
        if (vp_affinity_verify(proc, 1, &th, &w, &d, &err) < 0)
                fz_fail("vp_affinity_verify: %s", err.msg);
        for (size_t i = 0; i < d.n; i++)
                if (!d.d[i].file || !d.d[i].want || !d.d[i].have)
                        fz_fail("drift %zu has a NULL field", i);
        vp_drifts_free(&d);
        vp_threads_free(&th);
}

static void pid_file(const uint8_t *data, size_t size)
{
        fz_write("lvrun/vm.pid", data, size);
        _cleanup_free_ char *lv = fz_path("lvrun");
        long pid = 0;
        vp_error err;
        if (vp_libvirt_pid(lv, "vm", &pid, &err) == 0) {
                if (pid <= 0 || pid > 4194304)
                        fz_fail("pid file gave pid %ld", pid);
        } else {
                fz_check_msg("vp_libvirt_pid", err.msg);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 65536)
                return 0;
        setup();
        pure_parsers(data, size);
        proc_cgroup(data, size);
        controllers(data, size);
        readback(data, size);
        proc_task(data, size);
        pid_file(data, size);
        return 0;
}
