/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the topology (lib/io/topoload.c): the model from the fake trees in
 * tests/data/topo, load errors naming their file, libnuma kept off stderr,
 * libnuma vs /sys agreeing on this host, and the load through the topology
 * cache (written, answered from while its key holds with fresh memory sizes,
 * loaded afresh when the online CPUs change, any damaged or foreign cache
 * taken for none; the real host gives the same model cached as not). */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <numa.h>
#include <stdio.h>
#include <string.h>

#include "cpusets.h"
#include "fileio.h"
#include "tap.h"
#include "topocache.h"
#include "topoload.h"
#include "tree.h"

#define GiB 1048576ULL /* in KiB */

static char data[PATH_MAX];

static vp_topology *load_tree(const char *name)
{
        char root[PATH_MAX + 64];
        vp_error err = {0};
        vp_topology *t = NULL;
        snprintf(root, sizeof(root), "%s/topo/%s", data, name);
        int r = vp_topology_load(root, &t, &err);
        is_int(r, 0, "load %s", name);
        if (r < 0)
                printf("#   %s\n", err.msg);
        return t;
}

/* ---------- the shipped trees */

static void test_1node(void)
{
        vp_topology *t = load_tree("1node-4cpu");
        if (!t)
                return;
        is_int(t->n_nodes, 1, "1node: one node");
        is_int(t->nodes[0].id, 0, "1node: node 0");
        is_str(fmt(&t->nodes[0].cpus), "0-3", "1node: node0 cpus");
        is_int(t->nodes[0].total_kib, 16 * GiB, "1node: total 16 GiB");
        is_int(t->nodes[0].free_kib, 14 * GiB, "1node: free 14 GiB");
        is_int(t->nodes[0].distance[0], 10, "1node: local distance");
        is_int(t->n_cpus, 4, "1node: 4 CPUs");
        is_str(fmt(&t->online), "0-3", "1node: online");
        ok(!t->smt, "1node: no SMT");
        is_str(fmt(&t->cpus[2].siblings), "2", "1node: cpu2 is alone on its core");
        is_int(t->cpus[2].core_id, 2, "1node: cpu2 core_id");
        is_int(t->cpus[2].package_id, 0, "1node: cpu2 package");
        is_int(t->cpus[3].node, 0, "1node: cpu3 on node 0");
        vp_topology_free(t);
}

static void test_2node_smt(void)
{
        vp_topology *t = load_tree("2node-smt");
        if (!t)
                return;
        is_int(t->n_nodes, 2, "2node-smt: two nodes (has_cpu, online, power/ ignored)");
        is_str(fmt(&t->nodes[0].cpus), "0-1,4-5", "2node-smt: node0 cpus");
        is_str(fmt(&t->nodes[1].cpus), "2-3,6-7", "2node-smt: node1 cpus");
        is_int(t->nodes[1].total_kib, 32 * GiB, "2node-smt: node1 total");
        is_int(t->nodes[1].free_kib, 28 * GiB, "2node-smt: node1 free");
        is_int(t->nodes[0].distance[1], 21, "2node-smt: distance 0->1");
        is_int(t->nodes[1].distance[1], 10, "2node-smt: distance 1->1");
        ok(t->smt, "2node-smt: SMT");
        is_str(fmt(&t->cpus[1].siblings), "1,5", "2node-smt: siblings of cpu1");
        is_str(fmt(&t->cpus[5].siblings), "1,5", "2node-smt: siblings of cpu5");
        is_int(t->cpus[5].core_id, 1, "2node-smt: cpu5 core_id");
        is_int(t->cpus[6].package_id, 1, "2node-smt: cpu6 package");
        is_int(t->cpus[6].node, 1, "2node-smt: cpu6 on node 1");
        is_int(vp_topology_node_index(t, 1), 1, "node_index(1)");
        ok(vp_topology_node(t, 1) == &t->nodes[1], "node(1)");
        ok(vp_topology_node(t, 5) == NULL, "node(5) is NULL");
        is_int(vp_topology_node_index(t, 2), -1, "node_index(2) is -1");
        vp_cpuset ns;
        vp_topology_nodeset(t, &ns);
        is_str(fmt(&ns), "0-1", "nodeset");
        vp_topology_free(t);
}

static void test_2node_uneven(void)
{
        vp_topology *t = load_tree("2node-nosmt-uneven");
        if (!t)
                return;
        is_int(t->n_nodes, 2, "uneven: two nodes");
        is_str(fmt(&t->nodes[1].cpus), "4-7", "uneven: node1 cpus");
        is_int(t->nodes[0].total_kib, 16 * GiB, "uneven: node0 total");
        is_int(t->nodes[0].free_kib, 8 * GiB, "uneven: node0 free 8 GiB");
        is_int(t->nodes[1].total_kib, 16 * GiB, "uneven: node1 total");
        is_int(t->nodes[1].free_kib, 1 * GiB, "uneven: node1 free 1 GiB");
        is_int(t->nodes[1].distance[0], 20, "uneven: distance 1->0");
        ok(!t->smt, "uneven: no SMT");
        vp_topology_free(t);
}

static void test_8node_smt(void)
{
        vp_topology *t = load_tree("8node-smt");
        if (!t)
                return;
        is_int(t->n_nodes, 8, "8node-smt: 8 nodes");
        is_int(t->n_cpus, 64, "8node-smt: 64 CPUs");
        is_str(fmt(&t->nodes[3].cpus), "12-15,44-47", "8node-smt: node3 cpus");
        is_int(t->nodes[0].distance[1], 16, "8node-smt: distance 0->1");
        is_int(t->nodes[0].distance[2], 22, "8node-smt: distance 0->2");
        is_int(t->nodes[0].distance[7], 32, "8node-smt: distance 0->7");
        is_int(t->nodes[5].distance[4], 16, "8node-smt: distance 5->4");
        is_int(t->nodes[7].total_kib, 32 * GiB, "8node-smt: 32 GiB per node");
        is_str(fmt(&t->cpus[40].siblings), "8,40", "8node-smt: siblings of cpu40");
        is_int(t->cpus[40].node, 2, "8node-smt: cpu40 on node 2");
        is_int(t->cpus[40].package_id, 2, "8node-smt: cpu40 package");
        ok(t->smt, "8node-smt: SMT");
        vp_topology_free(t);
}

static void test_8node_448(void)
{
        vp_topology *t = load_tree("8node-448");
        if (!t)
                return;
        is_int(t->n_nodes, 8, "448: 8 nodes");
        is_int(t->n_cpus, 448, "448: 448 CPUs");
        is_int(vp_cpuset_count(&t->online), 448, "448: all online");
        is_str(fmt(&t->nodes[7].cpus), "196-223,420-447", "448: node7 cpus");
        is_str(fmt(&t->cpus[0].siblings), "0,224", "448: siblings of cpu0");
        is_str(fmt(&t->cpus[447].siblings), "223,447", "448: siblings of cpu447");
        is_int(t->cpus[447].core_id, 27, "448: cpu447 core_id");
        is_int(t->cpus[447].package_id, 7, "448: cpu447 package");
        is_int(t->nodes[7].total_kib, 192 * GiB, "448: 192 GiB per node");
        ok(t->smt, "448: SMT");
        vp_topology_free(t);
}

static void test_4node_offline(void)
{
        vp_topology *t = load_tree("4node-offline");
        if (!t)
                return;
        is_int(t->n_nodes, 4, "offline: 4 nodes");
        is_str(fmt(&t->online), "0-4,6-9", "offline: online");
        is_int(t->n_cpus, 10, "offline: n_cpus is highest online + 1");
        is_str(fmt(&t->nodes[1].cpus), "4,6-7", "offline: cpu5 left out of node1");
        is_str(fmt(&t->nodes[2].cpus), "8-9", "offline: cpus 10-11 left out of node2");
        is_str(fmt(&t->nodes[1].offline), "5", "offline: node1 lists cpu5 as offline");
        is_str(fmt(&t->nodes[2].offline), "10-11", "offline: node2 lists cpus 10-11 as offline");
        ok(vp_cpuset_empty(&t->nodes[0].offline), "offline: node0 has none offline");
        ok(!t->cpus[5].online, "offline: cpu5 not online");
        is_int(t->cpus[5].node, -1, "offline: cpu5 has no node");
        is_str(fmt(&t->cpus[5].siblings), "5", "offline: cpu5 siblings are itself");
        is_str(fmt(&t->cpus[4].siblings), "4", "offline: cpu4 alone (sibling offline)");
        is_str(fmt(&t->cpus[8].siblings), "8-9", "offline: cpu8 siblings");
        ok(vp_cpuset_empty(&t->nodes[3].cpus), "offline: node3 has no CPU");
        is_int(t->nodes[3].total_kib, 64 * GiB, "offline: node3 total 64 GiB");
        is_int(t->nodes[3].free_kib, 60 * GiB, "offline: node3 free 60 GiB");
        is_int(t->nodes[3].distance[0], 17, "offline: distance 3->0");
        ok(t->smt, "offline: SMT");
        vp_topology_free(t);
}

/* ---------- load errors, on small trees written here */

static char tmp[PATH_MAX];

static void put(const char *rel, const char *content)
{
        tree_put(tmp, rel, content, 0644);
}

static void fresh_tree(void)
{
        nftw(tmp, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
        vp_mkdir_p(tmp, 0755, NULL);
        /* two good nodes, cpus 0-3, no topology dirs */
        put("devices/system/cpu/online", "0-3\n");
        put("devices/system/node/node0/cpulist", "0-1\n");
        put("devices/system/node/node0/meminfo",
            "Node 0 MemTotal:        1000 kB\nNode 0 MemFree:          500 kB\n");
        put("devices/system/node/node0/distance", "10 20\n");
        put("devices/system/node/node1/cpulist", "2-3\n");
        put("devices/system/node/node1/meminfo",
            "Node 1 MemTotal:        1000 kB\nNode 1 MemFree:          500 kB\n");
        put("devices/system/node/node1/distance", "20 10\n");
}

static void expect_error(const char *what, const char *msg)
{
        vp_topology *t = (vp_topology *)1;
        vp_error err = {0};
        int r = vp_topology_load(tmp, &t, &err);
        ok(r < 0, "%s: load fails", what);
        ok(t == NULL, "%s: no model", what);
        like(err.msg, msg, "%s: message", what);
        if (r == 0)
                vp_topology_free(t);
}

static void test_load_errors(void)
{
        char want[PATH_MAX * 2];
        vp_topology *t = NULL;
        vp_error err = {0};

        is_int(vp_topology_load("/nonexistent/vmplace", &t, &err), -ENOENT, "missing root");
        is_str(err.msg, "/nonexistent/vmplace/devices/system/cpu/online: No such file or directory",
               "missing root: message");

        fresh_tree();
        is_int(vp_topology_load(tmp, &t, &err), 0, "small tree loads");
        if (t) {
                /* no topology dirs at all: each CPU its own core */
                is_int(t->cpus[3].core_id, 3, "no topology dir: core_id is the CPU");
                is_int(t->cpus[3].package_id, 0, "no topology dir: package 0");
                is_str(fmt(&t->cpus[3].siblings), "3", "no topology dir: siblings itself");
                ok(!t->smt, "no topology dir: no SMT");
                vp_topology_free(t);
        }

        /* the trailing slash is not doubled in messages */
        put("devices/system/node/node1/meminfo", "Node 1 MemTotal:        1000 kB\n");
        snprintf(want, sizeof(want), "%s/devices/system/node/node1/meminfo: no MemFree line", tmp);
        char slashed[PATH_MAX + 1];
        snprintf(slashed, sizeof(slashed), "%s/", tmp);
        t = NULL;
        is_int(vp_topology_load(slashed, &t, &err), -EINVAL, "no MemFree: -EINVAL");
        is_str(err.msg, want, "no MemFree: message names the file");

        fresh_tree();
        put("devices/system/node/node0/meminfo", "\x7f"
                                                 "ELF\x02\x01\x01 garbage\n\n");
        expect_error("garbage meminfo", "node0/meminfo: no MemTotal line");

        fresh_tree();
        put("devices/system/node/node1/cpulist", "2-x\n");
        expect_error("bad cpulist", "node1/cpulist: invalid CPU list '2-x'");

        fresh_tree();
        put("devices/system/node/node1/distance", "20\n");
        expect_error("short distance", "node1/distance: invalid distances '20': 1 values, "
                                       "expected 2");

        fresh_tree();
        put("devices/system/node/node1/cpulist", "1-3\n");
        expect_error("CPU in two nodes", "devices/system/node: CPU 1 is in node0 and node1");

        fresh_tree();
        put("devices/system/cpu/online", "\n");
        expect_error("nothing online", "cpu/online: no CPU online");

        fresh_tree();
        put("devices/system/cpu/online", "0-3,junk\n");
        expect_error("bad online", "cpu/online: invalid CPU list");

        fresh_tree();
        put("devices/system/cpu/cpu2/topology/thread_siblings_list", "2-3\n");
        put("devices/system/cpu/cpu2/topology/physical_package_id", "1\n");
        expect_error("topology dir without core_id", "cpu2/topology/core_id: No such file");

        put("devices/system/cpu/cpu2/topology/core_id", "seven\n");
        expect_error("garbage core_id", "cpu2/topology/core_id: invalid number 'seven'");

        put("devices/system/cpu/cpu2/topology/core_id", "7\n");
        t = NULL;
        is_int(vp_topology_load(tmp, &t, &err), 0, "siblings from cpu2 only");
        if (t) {
                is_str(fmt(&t->cpus[3].siblings), "2-3", "cpu3 takes cpu2's core");
                is_int(t->cpus[3].core_id, 7, "cpu3 core_id from cpu2's file");
                is_int(t->cpus[3].package_id, 1, "cpu3 package from cpu2's file");
                is_int(t->cpus[1].core_id, 1, "cpu1 still its own core");
                ok(t->smt, "SMT");
                vp_topology_free(t);
        }

        fresh_tree();
        nftw(tmp, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS); /* wipe, then only cpu/ */
        put("devices/system/cpu/online", "0\n");
        expect_error("no node dir", "devices/system/node: No such file or directory");

        put("devices/system/node/has_cpu", "0\n");
        put("devices/system/node/node/x", "");
        put("devices/system/node/nodeX/x", "");
        put("devices/system/node/node01/x", "");
        expect_error("no nodeN dir", "devices/system/node: no nodeN directory");

        fresh_tree();
        put("devices/system/node/node99999/cpulist", "");
        expect_error("node number too large", "node99999: node number above 4095");

        /* past 2^64 the number did not parse and the dir was skipped as "not a node": the
         * error then blamed another node's distance file */
        fresh_tree();
        put("devices/system/node/node18446744073709551617/cpulist", "");
        expect_error("node number past 2^64", "node18446744073709551617: node number above 4095");

        fresh_tree();
        put("devices/system/node/node1/distance", "20 10 30 40\n");
        expect_error("long distance", "more than 2 values");
}

/* libnuma's own warnings must not reach stderr (the hook's stderr is libvirt's
 * log): topoload.c overrides numa_warn. numa_parse_nodestring warns on junk. */
static void test_numa_warn_silenced(void)
{
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s.stderr", tmp);
        fflush(stderr);
        int saved = dup(2);
        FILE *f = fopen(path, "w+");
        if (saved < 0 || !f)
                abort();
        dup2(fileno(f), 2);
        struct bitmask *b = numa_parse_nodestring("not-a-nodelist");
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        ok(b == NULL, "libnuma refuses a bad node string");
        if (b)
                numa_bitmask_free(b);
        fseek(f, 0, SEEK_END);
        is_int(ftell(f), 0, "libnuma printed nothing on stderr");
        fclose(f);
        unlink(path);
}

/* ---------- the two sources agree on this host */

static bool close_enough(uint64_t a, uint64_t b)
{
        uint64_t d = a > b ? a - b : b - a, m = a > b ? a : b;
        return d <= m / 20 + 1024;
}

static void test_agreement(void)
{
        vp_topology *a = NULL, *b = NULL;
        vp_error err = {0};
        if (numa_available() < 0) {
                ok(1, "# SKIP no NUMA support in this kernel");
                return;
        }
        int r = vp_topology_load(NULL, &a, &err);
        is_int(r, 0, "host: libnuma load");
        if (r < 0)
                printf("#   %s\n", err.msg);
        r = vp_topology_load("/sys", &b, &err);
        is_int(r, 0, "host: /sys load");
        if (r < 0)
                printf("#   %s\n", err.msg);
        if (!a || !b)
                goto out;

        is_int(a->n_nodes, b->n_nodes, "host: node count");
        for (size_t i = 0; i < a->n_nodes && i < b->n_nodes; i++) {
                const vp_node *x = &a->nodes[i], *y = &b->nodes[i];
                is_int(x->id, y->id, "host: node[%zu] id", i);
                is_str(fmt(&x->cpus), fmt(&y->cpus), "host: node%u cpus", x->id);
                is_int(x->total_kib, y->total_kib, "host: node%u total", x->id);
                ok(close_enough(x->free_kib, y->free_kib), "host: node%u free %llu ~ %llu", x->id,
                   (unsigned long long)x->free_kib, (unsigned long long)y->free_kib);
                for (size_t j = 0; j < a->n_nodes && j < b->n_nodes; j++)
                        is_int(x->distance[j], y->distance[j], "host: distance %zu->%zu", i, j);
        }
        is_str(fmt(&a->online), fmt(&b->online), "host: online");
        is_int(a->n_cpus, b->n_cpus, "host: n_cpus");
        is_int(a->smt, b->smt, "host: smt");
        int diff = 0;
        for (unsigned c = 0; c < a->n_cpus && c < b->n_cpus; c++) {
                const vp_cpu *x = &a->cpus[c], *y = &b->cpus[c];
                if (x->online != y->online || x->node != y->node || x->core_id != y->core_id ||
                    x->package_id != y->package_id ||
                    !vp_cpuset_equal(&x->siblings, &y->siblings)) {
                        printf("#   cpu%u differs\n", c);
                        diff++;
                }
        }
        is_int(diff, 0, "host: every CPU the same (online, node, core, package, siblings)");
        /* and what the host is, so a wrong model cannot agree with itself */
        is_int(vp_cpuset_count(&a->online), sysconf(_SC_NPROCESSORS_ONLN), "host: online count");
        ok(a->nodes[0].total_kib > 0, "host: node0 has memory");
out:
        vp_topology_free(a);
        vp_topology_free(b);
}

/* ---------- through the topology cache */

/* The model as text, memory left out (the cache's own form, under key "k"). */
static char *model(const vp_topology *t)
{
        return vp_topocache_format(t, VP_TOPO_SYSFS, "k");
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        if (!f)
                abort();
        fputs(text, f);
        fclose(f);
}

static char *read_file(const char *path)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return NULL;
        char *buf = vp_xmalloc(1 << 20);
        size_t n = fread(buf, 1, (1 << 20) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static int sh(const char *fmt, const char *a, const char *b)
{
        char cmd[3 * PATH_MAX];
        snprintf(cmd, sizeof(cmd), fmt, a, b);
        return system(cmd);
}

static vp_topology *cached(const char *root, const char *cache)
{
        vp_error err = {0};
        vp_topology *t = NULL;
        if (vp_topology_load_cached(root, cache, &t, &err) < 0)
                printf("#   %s\n", err.msg);
        return t;
}

static void test_cached_tree(void)
{
        char root[PATH_MAX + 16], cache[PATH_MAX + 16], path[PATH_MAX + 96];
        snprintf(root, sizeof(root), "%s/tree", tmp);
        snprintf(cache, sizeof(cache), "%s/topology.cache", tmp);
        char src[PATH_MAX + 64];
        snprintf(src, sizeof(src), "%s/topo/2node-smt", data);
        if (sh("cp -r '%s' '%s'", src, root) != 0) {
                ok(0, "copy of 2node-smt");
                return;
        }
        vp_topology *fresh = NULL;
        vp_error err;
        vp_topology_load(root, &fresh, &err);
        char *want = fresh ? model(fresh) : NULL;

        vp_topology *t = cached(root, cache);
        struct stat st;
        ok(t && stat(cache, &st) == 0 && (st.st_mode & 0777) == 0600,
           "first load writes the cache, mode 0600");
        vp_topology_free(t);

        /* a change behind the key's back: memory is read every time, the
         * fixed part comes from the cache (proof the cache answered) */
        snprintf(path, sizeof(path), "%s/devices/system/node/node1/meminfo", root);
        char *mi = read_file(path);
        char *at = mi ? strstr(mi, "MemFree:") : NULL;
        if (at) {
                vp_buf b = {0};
                vp_buf_add(&b, mi, (size_t)(at - mi));
                vp_buf_str(&b, "MemFree:        1234 kB\n");
                vp_buf_str(&b, strchr(at, '\n') + 1);
                write_file(path, b.s);
                free(b.s);
        }
        free(mi);
        snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu2/topology/core_id", root);
        write_file(path, "77\n");
        t = cached(root, cache);
        char *got = t ? model(t) : NULL;
        const vp_node *n1 = t ? vp_topology_node(t, 1) : NULL;
        ok(got && want && strcmp(got, want) == 0, "second load: the cached model");
        ok(n1 && n1->free_kib == 1234, "... with the memory read now (node1 free %llu KiB)",
           n1 ? (unsigned long long)n1->free_kib : 0ULL);
        ok(t && t->cpus[2].core_id != 77, "... and the core_id changed behind the key unseen");
        free(got);
        vp_topology_free(t);

        /* CPU 7 goes offline: another key, a full load sees both changes,
         * and the cache is rewritten under the new key */
        snprintf(path, sizeof(path), "%s/devices/system/cpu/online", root);
        write_file(path, "0-6\n");
        t = cached(root, cache);
        ok(t && t->cpus[2].core_id == 77 && t->n_cpus == 7,
           "online changed: loaded afresh (core 77, %u CPUs)", t ? t->n_cpus : 0);
        char *text = read_file(cache);
        ok(text && strstr(text, "cpu_online 0-6\n") && strstr(text, "core 77 "),
           "... and the cache rewritten under the new key");
        free(text);
        vp_topology_free(t);

        /* damaged, foreign or unwritable: the full load, as without a cache */
        write_file(cache, "vmplace-topology-cache 1\nkey 9999\n");
        chmod(cache, 0600);
        t = cached(root, cache);
        ok(t && t->n_cpus == 7, "a damaged cache: loaded afresh");
        text = read_file(cache);
        ok(text && strstr(text, "\nend\n"), "... and written back whole");
        free(text);
        vp_topology_free(t);
        chmod(cache, 0644);
        snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu2/topology/core_id", root);
        write_file(path, "78\n");
        t = cached(root, cache);
        ok(t && t->cpus[2].core_id == 78, "a cache with group or other permissions is not ours");
        vp_topology_free(t);
        snprintf(path, sizeof(path), "%s/missing/topology.cache", tmp);
        t = cached(root, path);
        ok(t && t->n_cpus == 7 && access(path, F_OK) < 0,
           "a cache that cannot be written: loaded all the same");
        vp_topology_free(t);
        free(want);
        vp_topology_free(fresh);
}

static void test_real_host(void)
{
        char cache[PATH_MAX + 16];
        snprintf(cache, sizeof(cache), "%s/host.cache", tmp);
        vp_topology *plain = NULL;
        vp_error err = {0};
        if (vp_topology_load(NULL, &plain, &err) < 0) {
                ok(0, "host loads: %s", err.msg);
                return;
        }
        vp_topology *first = cached(NULL, cache), *second = cached(NULL, cache);
        char *a = model(plain), *b = first ? model(first) : NULL,
             *c = second ? model(second) : NULL;
        char *text = read_file(cache);
        ok(b && strcmp(a, b) == 0, "host: the first cached load is the plain load");
        ok(c && strcmp(a, c) == 0, "host: so is the one from the cache");
        ok(text && strstr(text, "\nboot ") && strstr(text, "\nsource "),
           "host: its key has the boot id");
        ok(second && second->nodes[0].total_kib == plain->nodes[0].total_kib &&
               second->nodes[0].free_kib > 0,
           "host: memory read at the cached load (node%u %llu KiB)",
           second ? second->nodes[0].id : 0,
           second ? (unsigned long long)second->nodes[0].total_kib : 0ULL);
        free(a);
        free(b);
        free(c);
        free(text);
        vp_topology_free(plain);
        vp_topology_free(first);
        vp_topology_free(second);
}

int main(void)
{
        const char *d = getenv("VMPLACE_TEST_DATA");
        /* ctest sets VMPLACE_TEST_DATA; by hand, from the source or tests dir */
        snprintf(data, sizeof(data), "%s",
                 d && *d                                ? d
                 : access("tests/data/topo", F_OK) == 0 ? "tests/data"
                                                        : "data");
        snprintf(tmp, sizeof(tmp), "/tmp/vmplace-test-topology.XXXXXX");
        if (!mkdtemp(tmp))
                abort();

        test_1node();
        test_2node_smt();
        test_2node_uneven();
        test_8node_smt();
        test_8node_448();
        test_4node_offline();
        test_load_errors();
        test_numa_warn_silenced();
        test_agreement();
        test_cached_tree();
        test_real_host();

        nftw(tmp, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return tap_done();
}
