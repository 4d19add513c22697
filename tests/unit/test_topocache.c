/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The topology cache's text (lib/model/topocache.c): it gives back the model
 * of every shipped tree, only under its own key, and any damaged cache is
 * refused. Loading through the cache is test_topoload's. */
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
#include "topoload.h"

static char data[PATH_MAX];

static const char *const trees[] = {"1node-4cpu", "2node-16cpu",   "2node-nosmt-uneven",
                                    "2node-smt",  "4node-offline", "8node-448",
                                    "8node-smt"};

/* The model as text, memory left out (the cache's own form, under key "k"). */
static char *model(const vp_topology *t)
{
        return vp_topocache_format(t, VP_TOPO_SYSFS, "k");
}

static void test_roundtrip(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(trees); i++) {
                char root[PATH_MAX + 64];
                vp_error err = {0};
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
        vp_error err = {0};
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

int main(void)
{
        const char *d = getenv("VMPLACE_TEST_DATA");
        snprintf(data, sizeof(data), "%s", d ? d : "data");
        test_roundtrip();
        test_damaged();
        return tap_done();
}
