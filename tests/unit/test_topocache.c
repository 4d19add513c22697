/* The topology cache: its text gives back the model of every shipped tree;
 * vp_topology_load_cached writes it, answers from it while its key holds
 * (with fresh memory sizes), loads afresh when the online CPUs change, and
 * takes any damaged or foreign cache for none; the real host through libnuma
 * gives the same model cached as not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "fileio.h"
#include "topocache.h"
#include "topology.h"

static char data[PATH_MAX], tmp[PATH_MAX];

static const char *const trees[] = {"1node-4cpu", "2node-16cpu",   "2node-nosmt-uneven",
                                    "2node-smt",  "4node-offline", "8node-448",
                                    "8node-smt"};

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

static void test_roundtrip(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(trees); i++) {
                char root[PATH_MAX + 64];
                vp_error err = {{0}};
                vp_topology *t = NULL, *back = NULL;
                vp_topo_source src = VP_TOPO_LIBNUMA;
                snprintf(root, sizeof(root), "%s/topo/%s", data, trees[i]);
                if (vp_topology_load(root, &t, &err) < 0) {
                        ok(0, "%s loads: %s", trees[i], err.msg);
                        continue;
                }
                char *text = vp_topocache_format(t, VP_TOPO_SYSFS, "key\nwith lines\n");
                int r = vp_topocache_parse(text, strlen(text), "key\nwith lines\n", &back, &src);
                char *a = model(t), *b = back ? model(back) : NULL;
                ok(r == 0 && src == VP_TOPO_SYSFS && b && strcmp(a, b) == 0 &&
                       back->nodes[0].total_kib == 0,
                   "%s: the cache text gives the model back (%zu nodes, %u CPUs), no memory",
                   trees[i], t->n_nodes, t->n_cpus);
                vp_topology *other = NULL;
                ok(vp_topocache_parse(text, strlen(text), "key\nwith lines", &other, &src) < 0 &&
                       !other,
                   "%s: another key is no cache", trees[i]);
                free(a);
                free(b);
                free(text);
                vp_topology_free(t);
                vp_topology_free(back);
        }
}

/* Damaged caches, each made from a good one by replacing the first
 * occurrence of from with to (NULL: truncate at from). */
static void test_damaged(void)
{
        char root[PATH_MAX + 64];
        vp_error err = {{0}};
        vp_topology *t = NULL;
        snprintf(root, sizeof(root), "%s/topo/2node-smt", data);
        if (vp_topology_load(root, &t, &err) < 0) {
                ok(0, "2node-smt loads: %s", err.msg);
                return;
        }
        char *good = vp_topocache_format(t, VP_TOPO_SYSFS, "K");
        static const struct {
                const char *from, *to, *what;
        } cases[] = {
            {"vmplace-topology-cache 1", "vmplace-topology-cache 2", "another version"},
            {"key 1", "key 2", "a key length that is not the key's"},
            {"source sysfs", "source floppy", "an unknown source"},
            {"nodes 2", "nodes 3", "more nodes than lines"},
            {"distance 10,21", "distance 10", "a distance short"},
            {"distance 10,21", "distance 10,0", "a zero distance"},
            {"cpu 1 online", "cpu 2 online", "CPUs out of order"},
            {"node 0 cpus", "node 7 cpus", "a CPU on a node that is not listed"},
            {"siblings 0,4", "siblings 4", "a CPU not among its own siblings"},
            {"online 1 node", "online 0 node", "an online flag the online set denies"},
            {"smt 1", "smt 2", "smt neither 0 nor 1"},
            {"n_cpus 8", "n_cpus 9", "n_cpus not the last online CPU + 1"},
            {"core 0 ", "core  0 ", "an empty word"},
            {"end\n", "end\nmore\n", "text after the end"},
            {"end\n", NULL, "truncated before the end"},
            {"cpu 5 online", NULL, "truncated in the CPU lines"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                const char *at = strstr(good, cases[i].from);
                if (!at) {
                        ok(0, "%s: '%s' is in the good text", cases[i].what, cases[i].from);
                        continue;
                }
                vp_buf b = {0};
                vp_buf_add(&b, good, (size_t)(at - good));
                if (cases[i].to) {
                        vp_buf_str(&b, cases[i].to);
                        vp_buf_str(&b, at + strlen(cases[i].from));
                }
                vp_topology *x = NULL;
                vp_topo_source src;
                int r = vp_topocache_parse(b.s, b.len, "K", &x, &src);
                ok(r < 0 && !x, "damaged cache refused: %s", cases[i].what);
                vp_topology_free(x);
                free(b.s);
        }
        /* a NUL inside a line: "smt 1" NUL "x" */
        const char *at = strstr(good, "smt 1\n");
        vp_buf b = {0};
        vp_buf_add(&b, good, (size_t)(at - good) + 5);
        vp_buf_add(&b, "\0x", 2);
        vp_buf_str(&b, at + 5);
        vp_topology *x = NULL;
        vp_topo_source src;
        ok(vp_topocache_parse(b.s, b.len, "K", &x, &src) < 0 && !x,
           "damaged cache refused: a NUL inside a line");
        free(b.s);
        free(good);
        vp_topology_free(t);
}

static vp_topology *cached(const char *root, const char *cache)
{
        vp_error err = {{0}};
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
        vp_error err = {{0}};
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
        snprintf(data, sizeof(data), "%s", d ? d : "data");
        snprintf(tmp, sizeof(tmp), "/tmp/vmplace-topocache.XXXXXX");
        if (!mkdtemp(tmp))
                return 1;
        test_roundtrip();
        test_damaged();
        test_cached_tree();
        test_real_host();
        sh("rm -rf '%s'%s", tmp, "");
        return tap_done();
}
