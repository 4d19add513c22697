/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/planner: benchmark 3, the planner in process on a simulated big host.
 *
 * Builds a fake sysfs tree (SPEC section 6) of N nodes x 28 cores x 2 SMT
 * threads (8 nodes: 448 CPUs, siblings C and C+CPUS/2 as Intel numbers
 * them), a configuration of P profiles (one name glob each; every fifth
 * cpu_policy = dedicated, the rest shared), and a ledger of V VMs placed one
 * after the other by the planner itself (every fifth dedicated with 1 vCPU,
 * the others shared with 2 vCPUs, 512 MiB each). Then times, many times over,
 * what the hook does per VM start once config, topology and ledger are read:
 * match a 4-vCPU domain to its profile (dedicated, thread_policy prefer) and
 * compute its plan. Reported: the median, and the same for the scenario with
 * P, V or N doubled (and quadrupled), as ratios to the base and as the
 * exponent k of T ~ size^k (k = log2 of the doubling ratio). Also timed once
 * per scenario: loading the configuration and the topology from files.
 *
 * Usage: planner [--quick]   (--quick: few iterations, for a smoke test)
 * Output: one line per scenario; exit 1 when a placement is refused. */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "configfile.h"
#include "confmatch.h"
#include "domain.h"
#include "ledger.h"
#include "plan.h"
#include "topoload.h"

#define CORES_PER_NODE   28
#define MEM_PER_NODE_KIB (256ull * 1024 * 1024)

static double now_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void die(const char *what, const char *why)
{
        fprintf(stderr, "planner: %s: %s\n", what, why);
        exit(2);
}

/* A path from a format, in a static buffer (one at a time). */
static const char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *pathf(const char *fmt, ...)
{
        static char buf[4096];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(buf))
                die(fmt, "path too long");
        return buf;
}

static void put(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0)
                die(path, strerror(errno));
}

static void mkdirs(const char *path)
{
        char buf[4096];
        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        mkdir(buf, 0755);
                        *p = '/';
                }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                die(path, strerror(errno));
}

/* ROOT/devices/system/{node,cpu} for n nodes as the kernel writes them. */
static void make_sysfs(const char *root, unsigned n)
{
        unsigned ncpu = n * CORES_PER_NODE * 2, half = ncpu / 2;
        char t[65536];
        mkdirs(pathf("%s/devices/system/cpu", root));
        snprintf(t, sizeof(t), "0-%u\n", ncpu - 1);
        put(pathf("%s/devices/system/cpu/online", root), t);
        for (unsigned k = 0; k < n; k++) {
                unsigned a = k * CORES_PER_NODE, b = a + CORES_PER_NODE - 1;
                mkdirs(pathf("%s/devices/system/node/node%u", root, k));
                snprintf(t, sizeof(t), "%u-%u,%u-%u\n", a, b, a + half, b + half);
                put(pathf("%s/devices/system/node/node%u/cpulist", root, k), t);
                snprintf(t, sizeof(t), "Node %u MemTotal: %llu kB\nNode %u MemFree: %llu kB\n", k,
                         MEM_PER_NODE_KIB, k, MEM_PER_NODE_KIB - 4 * 1024 * 1024);
                put(pathf("%s/devices/system/node/node%u/meminfo", root, k), t);
                size_t o = 0;
                for (unsigned j = 0; j < n; j++)
                        o += (size_t)snprintf(t + o, sizeof(t) - o, "%s%u", j ? " " : "",
                                              j == k ? 10 : 21);
                snprintf(t + o, sizeof(t) - o, "\n");
                put(pathf("%s/devices/system/node/node%u/distance", root, k), t);
        }
        for (unsigned c = 0; c < ncpu; c++) {
                unsigned core = c % half;
                mkdirs(pathf("%s/devices/system/cpu/cpu%u/topology", root, c));
                snprintf(t, sizeof(t), "%u,%u\n", core, core + half);
                put(pathf("%s/devices/system/cpu/cpu%u/topology/thread_siblings_list", root, c), t);
                snprintf(t, sizeof(t), "%u\n", core % CORES_PER_NODE);
                put(pathf("%s/devices/system/cpu/cpu%u/topology/core_id", root, c), t);
                snprintf(t, sizeof(t), "%u\n", core / CORES_PER_NODE);
                put(pathf("%s/devices/system/cpu/cpu%u/topology/physical_package_id", root, c), t);
        }
}

static bool dedicated_profile(unsigned i)
{
        return i % 5 == 0;
}

/* CONF/vmplace.ini and p profiles grpI (names = grpI-*). */
static void make_config(const char *conf, unsigned p, unsigned ncpu)
{
        char t[1024];
        mkdirs(pathf("%s/profiles.d", conf));
        snprintf(t, sizeof(t), "[host]\nreserved_cpus = 0,%u\nreserved_memory = 1GiB\n", ncpu / 2);
        put(pathf("%s/vmplace.ini", conf), t);
        for (unsigned i = 0; i < p; i++) {
                snprintf(t, sizeof(t),
                         "[match]\nnames = grp%u-*\n\n[profile]\ndescription = class %u\n\n"
                         "[cputune]\nshares = %u\n\n[placement]\ncpu_policy = %s\n%s",
                         i, i, 100 + i % 1000, dedicated_profile(i) ? "dedicated" : "shared",
                         dedicated_profile(i) ? "thread_policy = prefer\n" : "");
                put(pathf("%s/profiles.d/grp%u.ini", conf, i), t);
        }
}

static vp_domain *domain(const char *name, unsigned n, unsigned vcpus, unsigned mib)
{
        char xml[1024];
        snprintf(xml, sizeof(xml),
                 "<domain type='kvm'><name>%s</name>"
                 "<uuid>%08x-0000-4000-8000-%012x</uuid>"
                 "<memory unit='MiB'>%u</memory><vcpu placement='static'>%u</vcpu>"
                 "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
                 name, n, n, mib, vcpus);
        vp_domain *d = NULL;
        vp_error err;
        if (vp_domain_parse(xml, strlen(xml), &d, &err) < 0)
                die(name, err.msg);
        return d;
}

/* What the hook does per start once its inputs are in memory: match the
 * domain against every profile and plan it (dies on an error). */
static void match_and_plan(const vp_config *cfg, const vp_topology *topo, const vp_ledger *ledger,
                           vp_domain *d, vp_plan *plan)
{
        char *by = NULL;
        const vp_profile *p = vp_config_match(cfg, d->name, NULL, &by);
        vp_plan_input in = {.dom = d,
                            .profile = p,
                            .matched_by = by,
                            .host = &cfg->host,
                            .topo = topo,
                            .ledger = ledger};
        vp_error err;
        if (vp_plan_compute(&in, plan, &err) < 0)
                die(d->name, err.msg);
        free(by);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

typedef struct result {
        double plan_us;   /* median of match + plan */
        double config_ms; /* vp_config_load, once */
        double topo_ms;   /* vp_topology_load, once */
        unsigned iters;
} result;

static result run(unsigned np, unsigned nv, unsigned nn, bool quick)
{
        char dir[] = "/tmp/vmplace-planner.XXXXXX";
        if (!mkdtemp(dir))
                die("mkdtemp", strerror(errno));
        char sys[64], conf[64];
        snprintf(sys, sizeof(sys), "%s/sys", dir);
        snprintf(conf, sizeof(conf), "%s/conf", dir);
        unsigned ncpu = nn * CORES_PER_NODE * 2;
        make_sysfs(sys, nn);
        make_config(conf, np, ncpu);

        result res = {0};
        vp_error err;
        vp_diag diag = {.errors_only = true};
        vp_config *cfg = NULL;
        double t0 = now_us();
        if (vp_config_load(conf, false, &cfg, &diag) < 0)
                die(conf, diag.n_errors ? diag.errors[0].msg : "cannot load");
        res.config_ms = (now_us() - t0) / 1e3;
        vp_diag_free(&diag);
        vp_topology *topo = NULL;
        t0 = now_us();
        if (vp_topology_load(sys, &topo, &err) < 0)
                die(sys, err.msg);
        res.topo_ms = (now_us() - t0) / 1e3;

        /* the ledger: nv VMs placed one after the other */
        vp_ledger ledger = {0};
        for (unsigned i = 0; i < nv; i++) {
                /* every fifth VM lands on a dedicated profile */
                unsigned prof = i % np;
                char name[64];
                snprintf(name, sizeof(name), "grp%u-vm%u", prof, i);
                vp_domain *d = domain(name, i + 1, dedicated_profile(prof) ? 1 : 2, 512);
                vp_plan plan;
                match_and_plan(cfg, topo, &ledger, d, &plan);
                if (plan.refusal)
                        die(name, plan.refusal);
                vp_ledger_entry e;
                vp_plan_to_entry(&plan, 1700000000, &e);
                vp_ledger_put(&ledger, &e);
                vp_plan_free(&plan);
                vp_domain_free(d);
        }

        /* the measured start: a 4-vCPU VM of a dedicated profile mid-list */
        char name[64];
        snprintf(name, sizeof(name), "grp%u-db", (np / 2) / 5 * 5);
        vp_domain *d = domain(name, 999999, 4, 4096);
        unsigned max_iters = quick ? 3 : 2000;
        double budget = quick ? 0 : 1.5e6, *t = calloc(max_iters, sizeof(double)), start = now_us();
        unsigned n = 0;
        while (n < max_iters && (n < 21 || now_us() - start < budget)) {
                double a = now_us();
                vp_plan plan;
                match_and_plan(cfg, topo, &ledger, d, &plan);
                t[n++] = now_us() - a;
                if (plan.refusal)
                        die(name, plan.refusal);
                vp_plan_free(&plan);
        }
        qsort(t, n, sizeof(double), cmp_double);
        res.plan_us = t[n / 2];
        res.iters = n;
        free(t);
        vp_domain_free(d);
        vp_ledger_free(&ledger);
        vp_topology_free(topo);
        vp_config_free(cfg);
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return res;
}

int main(int argc, char **argv)
{
        bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
        unsigned bp = quick ? 100 : 1000, bv = quick ? 50 : 500, bn = 8;
        static const struct {
                const char *what;
                unsigned fp, fv, fn; /* factors on profiles, VMs, nodes */
        } sc[] = {
            {"base", 1, 1, 1},     {"profiles x2", 2, 1, 1}, {"profiles x4", 4, 1, 1},
            {"VMs x2", 1, 2, 1},   {"VMs x4", 1, 4, 1},      {"nodes x2", 1, 1, 2},
            {"nodes x4", 1, 1, 4},
        };
        printf("benchmark 3: match + plan in process (median of many iterations)\n");
        printf("%-12s %8s %6s %6s %6s %10s %7s %6s %7s %11s %9s\n", "scenario", "profiles", "VMs",
               "nodes", "CPUs", "plan_us", "ratio", "k", "iters", "config_ms", "topo_ms");
        double base = 0;
        for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
                unsigned np = bp * sc[i].fp, nv = bv * sc[i].fv, nn = bn * sc[i].fn;
                if (quick && sc[i].fn > 2)
                        continue;
                result r = run(np, nv, nn, quick);
                if (i == 0)
                        base = r.plan_us;
                unsigned f = sc[i].fp * sc[i].fv * sc[i].fn;
                double ratio = r.plan_us / base;
                char k[16] = "-";
                if (f > 1)
                        snprintf(k, sizeof(k), "%.2f", log(ratio) / log((double)f));
                printf("%-12s %8u %6u %6u %6u %10.1f %7.2f %6s %7u %11.2f %9.2f\n", sc[i].what, np,
                       nv, nn, nn * CORES_PER_NODE * 2, r.plan_us, ratio, k, r.iters, r.config_ms,
                       r.topo_ms);
                fflush(stdout);
        }
        return 0;
}
