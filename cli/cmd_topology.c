/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace topology: the host as a map (SPEC 5). Each node's cores are drawn
 * as a grid of one mark per CPU, cores as columns and their SMT threads as
 * rows, so a 56-CPU node is two rows of 28 marks; the keys, the VM table and
 * the distances are text wrapped at 100 columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "configfile.h"
#include "ledger.h"
#include "ledgerstore.h"
#include "plan.h"
#include "planjson.h"
#include "topoload.h"

#define MAP_WIDTH  100
#define GRID_GROUP 10 /* a blank after every this many cores */
#define GRID_BLOCK 40 /* cores per grid line; more wrap onto further lines */
#define NAME_WIDTH 20
#define VM_COL     52 /* where the VM table's CPU column starts */

static const char help[] =
    "usage: vmplace topology [--json]\n"
    "The host as vmplace sees it: the CPU pools, then per NUMA node its memory (free,\n"
    "total, committed to VMs, what it admits for a new VM) and a map of its CPUs: one column per "
    "core, one row per\n"
    "SMT thread, one mark per CPU:\n"
    "  #        reserved for the host\n"
    "  a-z A-Z  held by a dedicated VM, named in the key under the node's map\n"
    "           (@ once a node has more than 52 of them)\n"
    "  1-9 +    not held, and that many VMs (floating, or pinned without a CPU\n"
    "           policy) may run there\n"
    "  .        shared pool, no VM runs there\n"
    "  _        dedicated pool only, free\n"
    "  -        in no pool\n"
    "  !        offline (its core unknown: a column of its own)\n"
    "Each map row ends with its CPUs in column order. Then every VM in the ledger\n"
    "with the CPUs it holds or floats over, and the node distances.\n"
    "--json: one object: online, offline, smt, pools, nodes (id, cpus, offline,\n"
    "total_kib, free_kib, committed_kib, distances, cores with threads {cpu, role,\n"
    "holder, floating}) and vms (as in vmplace status --json, plus node_memory_kib).\n";

/* dedicated: held by a dedicated VM; shared: in the floating pool (and, with
 * the default pools, also free for dedicated VMs); free: only in an explicit
 * dedicated pool, held by nobody; outside: in no pool. */
typedef enum { ROLE_OUTSIDE, ROLE_RESERVED, ROLE_DEDICATED, ROLE_SHARED, ROLE_FREE } role;
static const char *const role_names[] = {"outside", "reserved", "dedicated", "shared", "free"};
static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
#define N_LETTERS (sizeof(letters) - 1)

typedef struct cpu_info {
        role r;
        const vp_ledger_entry *holder; /* for ROLE_DEDICATED */
        unsigned n_float;              /* VMs that may run there without holding it */
        char mark;                     /* in the map */
} cpu_info;

typedef struct map {
        const vp_topology *t;
        const vp_host_config *h;
        const vp_ledger *l;
        vp_pools pools;
        cpu_info *cpu;     /* t->n_cpus of them */
        vp_cpuset *floats; /* per ledger entry: where it may run without holding it */
} map;

/* A column of a node's map: the online threads of one core, or one offline CPU. */
typedef struct column {
        vp_cpuset cpus;
        bool offline;
} column;

static void map_init(map *m, const vp_topology *t, const vp_host_config *h, const vp_ledger *l)
{
        m->t = t;
        m->h = h;
        m->l = l;
        vp_plan_pools(h, t, l, NULL, &m->pools);
        m->cpu = vp_xcalloc(t->n_cpus ? t->n_cpus : 1, sizeof(*m->cpu));
        m->floats = vp_xcalloc(l->n ? l->n : 1, sizeof(*m->floats));
        for (int c = vp_cpuset_next(&t->online, 0); c >= 0;
             c = vp_cpuset_next(&t->online, (unsigned)c + 1)) {
                cpu_info *ci = &m->cpu[c];
                if (vp_cpuset_test(&h->reserved_cpus, (unsigned)c))
                        ci->r = ROLE_RESERVED;
                else if (vp_cpuset_test(&m->pools.held, (unsigned)c))
                        ci->r = ROLE_DEDICATED;
                else if (vp_cpuset_test(&m->pools.shared, (unsigned)c))
                        ci->r = ROLE_SHARED;
                else
                        ci->r = vp_cpuset_test(&m->pools.dedicated, (unsigned)c) ? ROLE_FREE
                                                                                 : ROLE_OUTSIDE;
        }
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                /* floating vCPUs and emulator, or pins without a CPU policy */
                vp_cpuset held = vp_cpumask_get(&e->held);
                m->floats[i] = vp_cpumask_get(&e->vcpu_cpus);
                vp_cpumask_or_into(&m->floats[i], &e->emulator_cpus);
                vp_cpuset_andnot(&m->floats[i], &held);
                vp_cpuset fl = m->floats[i];
                vp_cpuset_and(&fl, &t->online);
                for (int c = vp_cpuset_next(&fl, 0); c >= 0;
                     c = vp_cpuset_next(&fl, (unsigned)c + 1))
                        m->cpu[c].n_float++;
                for (int c = vp_cpuset_next(&held, 0); c >= 0 && (unsigned)c < t->n_cpus;
                     c = vp_cpuset_next(&held, (unsigned)c + 1))
                        if (m->cpu[c].r == ROLE_DEDICATED && !m->cpu[c].holder)
                                m->cpu[c].holder = e;
        }
}

/* The node's map columns in order of their lowest CPU. Returns how many
 * (*cols malloc'd) and the most threads a column has in *rows. */
static size_t node_columns(const vp_topology *t, const vp_node *n, column **cols, unsigned *rows)
{
        vp_cpuset all = n->cpus, seen;
        vp_cpuset_or(&all, &n->offline);
        vp_cpuset_zero(&seen);
        *cols = vp_xcalloc(vp_cpuset_count(&all) + 1, sizeof(**cols));
        *rows = 0;
        size_t k = 0;
        for (int c = vp_cpuset_next(&all, 0); c >= 0; c = vp_cpuset_next(&all, (unsigned)c + 1)) {
                if (vp_cpuset_test(&seen, (unsigned)c))
                        continue;
                column *col = &(*cols)[k++];
                col->offline = !vp_cpuset_test(&n->cpus, (unsigned)c);
                if (col->offline)
                        vp_cpuset_set(&col->cpus, (unsigned)c);
                else
                        vp_topology_core_of(t, (unsigned)c, &col->cpus);
                vp_cpuset_or(&seen, &col->cpus);
                unsigned nt = vp_cpuset_count(&col->cpus);
                if (nt > *rows)
                        *rows = nt;
        }
        return k;
}

/* The row-th CPU of the column, or -1. */
static int column_cpu(const column *col, unsigned row)
{
        int c = vp_cpuset_next(&col->cpus, 0);
        for (unsigned r = 0; c >= 0 && r < row; r++)
                c = vp_cpuset_next(&col->cpus, (unsigned)c + 1);
        return c;
}

static char cpu_mark(const map *m, int c, bool offline)
{
        if (offline)
                return '!';
        const cpu_info *ci = &m->cpu[c];
        if (ci->r == ROLE_RESERVED)
                return '#';
        if (ci->r == ROLE_DEDICATED)
                return ci->mark;
        if (ci->n_float)
                return ci->n_float > 9 ? '+' : (char)('0' + ci->n_float);
        return ci->r == ROLE_SHARED ? '.' : ci->r == ROLE_FREE ? '_' : '-';
}

/* --- text wrapped at MAP_WIDTH ------------------------------------------- */

typedef struct wrap {
        size_t col;    /* columns used on the current line */
        size_t indent; /* where continuation lines start */
} wrap;

/* piece after sep on the current line, or alone at the start of a new one
 * when it would pass MAP_WIDTH. */
static void put(wrap *o, const char *sep, const char *piece)
{
        size_t w = cli_width(piece), ws = o->col > o->indent ? strlen(sep) : 0;
        if (o->col + ws + w > MAP_WIDTH && o->col > o->indent) {
                printf("\n%*s", (int)o->indent, "");
                o->col = o->indent;
                ws = 0;
        }
        printf("%s%s", ws ? sep : "", piece);
        o->col += ws + w;
}

/* prefix and the set ("none" when empty) as one piece, or, when that would
 * not fit even a fresh line, broken after commas. */
static void put_cpus(wrap *o, const char *sep, const char *prefix, const vp_cpuset *s)
{
        _cleanup_free_ char *txt = vp_cpuset_format(s);
        size_t plen = strlen(prefix), tlen = strlen(txt);
        _cleanup_free_ char *piece = vp_xmalloc(plen + tlen + 8);
        snprintf(piece, plen + tlen + 8, "%s%s", prefix, tlen ? txt : "none");
        if (o->indent + cli_width(piece) <= MAP_WIDTH) {
                put(o, sep, piece);
                return;
        }
        char *save = NULL;
        bool first = true;
        for (char *r = strtok_r(txt, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
                bool last = save == NULL || *save == '\0';
                snprintf(piece, plen + tlen + 8, "%s%s%s", first ? prefix : "", r, last ? "" : ",");
                put(o, first ? sep : "", piece);
                first = false;
        }
}

static void end_line(wrap *o)
{
        putchar('\n');
        o->col = 0;
}

/* CPUs in the given order, consecutive ascending runs as a-b. */
static void fmt_runs(const int *c, size_t n, char *buf, size_t len)
{
        size_t off = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < n && off < len;) {
                size_t j = i;
                while (j + 1 < n && c[j + 1] == c[j] + 1)
                        j++;
                int w = j > i ? snprintf(buf + off, len - off, "%s%d-%d", i ? "," : "", c[i], c[j])
                              : snprintf(buf + off, len - off, "%s%d", i ? "," : "", c[i]);
                off += w > 0 ? (size_t)w : 0;
                i = j + 1;
        }
}

static const char *gib(uint64_t kib, char *buf, size_t len)
{
        snprintf(buf, len, "%.1f GiB", (double)kib / (1024.0 * 1024));
        return buf;
}

/* name cut to NAME_WIDTH columns (no padding), controls shown as '?' */
static const char *short_name(const char *name, char *buf, size_t len)
{
        size_t w = cli_width(name);
        return cli_fit(name, w < NAME_WIDTH ? w : NAME_WIDTH, buf, len);
}

/* --- human map ------------------------------------------------------------ */

static void print_header(const map *m)
{
        const vp_topology *t = m->t;
        vp_cpuset offline;
        vp_cpuset_zero(&offline);
        unsigned threads = 1;
        for (size_t i = 0; i < t->n_nodes; i++)
                vp_cpuset_or(&offline, &t->nodes[i].offline);
        for (unsigned c = 0; c < t->n_cpus; c++)
                if (t->cpus[c].online && vp_cpuset_count(&t->cpus[c].siblings) > threads)
                        threads = vp_cpuset_count(&t->cpus[c].siblings);
        char buf[160];
        wrap o = {.indent = 7};
        printf("host   ");
        o.col = 7;
        snprintf(buf, sizeof(buf), "%u CPUs", vp_cpuset_count(&t->online));
        put(&o, "", buf);
        put_cpus(&o, " ", "", &t->online);
        snprintf(buf, sizeof(buf), "online in %zu node%s, %u thread%s per core", t->n_nodes,
                 t->n_nodes == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
        put(&o, " ", buf);
        if (!vp_cpuset_empty(&offline))
                put_cpus(&o, ", ", "offline ", &offline);
        end_line(&o);

        printf("pools  ");
        o.col = 7;
        put_cpus(&o, "  ", "reserved ", &m->h->reserved_cpus);
        put_cpus(&o, "  ", "dedicated ", &m->pools.dedicated);
        put_cpus(&o, "  ", "shared ", &m->pools.shared);
        end_line(&o);

        static const char *const key[] = {
            "# reserved for the host",
            "a-z A-Z held by a dedicated VM (key under each node)",
            ". shared, idle",
            "1-9 + that many VMs float there",
            "_ dedicated pool only, free",
            "- in no pool",
            "! offline",
        };
        printf("key    ");
        o.col = 7;
        for (size_t i = 0; i < sizeof(key) / sizeof(key[0]); i++)
                put(&o, "   ", key[i]);
        end_line(&o);
}

/* Letters for the dedicated VMs holding CPUs of node n, in order of their
 * lowest CPU there. Returns how many VMs (*keys malloc'd). */
static size_t assign_marks(map *m, const vp_node *n, const vp_ledger_entry ***keys)
{
        size_t k = 0;
        *keys = vp_xcalloc(vp_cpuset_count(&n->cpus) + 1, sizeof(**keys));
        for (int c = vp_cpuset_next(&n->cpus, 0); c >= 0;
             c = vp_cpuset_next(&n->cpus, (unsigned)c + 1)) {
                cpu_info *ci = &m->cpu[c];
                if (ci->r != ROLE_DEDICATED || !ci->holder)
                        continue;
                size_t i = 0;
                while (i < k && (*keys)[i] != ci->holder)
                        i++;
                if (i == k)
                        (*keys)[k++] = ci->holder;
                ci->mark = i < N_LETTERS ? letters[i] : '@';
        }
        return k;
}

static void print_summary(const map *m, const vp_node *n, size_t n_holders)
{
        unsigned count[5] = {0};
        size_t n_floating = 0;
        for (int c = vp_cpuset_next(&n->cpus, 0); c >= 0;
             c = vp_cpuset_next(&n->cpus, (unsigned)c + 1))
                count[m->cpu[c].r]++;
        for (size_t i = 0; i < m->l->n; i++)
                n_floating += vp_cpuset_intersects(&m->floats[i], &n->cpus);
        char buf[128];
        wrap o = {.indent = 4};
        printf("  ");
        o.col = 2;
        unsigned total = vp_cpuset_count(&n->cpus);
        if (!total) {
                put(&o, "", "no CPU online");
        } else {
                snprintf(buf, sizeof(buf), "%u CPU%s:", total, total == 1 ? "" : "s");
                put(&o, "", buf);
        }
        const char *sep = total ? " " : ", ";
        if (count[ROLE_RESERVED]) {
                snprintf(buf, sizeof(buf), "%u reserved", count[ROLE_RESERVED]);
                put(&o, sep, buf), sep = ", ";
        }
        if (count[ROLE_DEDICATED]) {
                snprintf(buf, sizeof(buf), "%u held by %zu dedicated VM%s", count[ROLE_DEDICATED],
                         n_holders, n_holders == 1 ? "" : "s");
                put(&o, sep, buf), sep = ", ";
        }
        if (count[ROLE_SHARED]) {
                if (n_floating)
                        snprintf(buf, sizeof(buf), "%u shared with %zu VM%s floating",
                                 count[ROLE_SHARED], n_floating, n_floating == 1 ? "" : "s");
                else
                        snprintf(buf, sizeof(buf), "%u shared, idle", count[ROLE_SHARED]);
                put(&o, sep, buf), sep = ", ";
        }
        if (count[ROLE_FREE]) {
                snprintf(buf, sizeof(buf), "%u free in the dedicated pool only", count[ROLE_FREE]);
                put(&o, sep, buf), sep = ", ";
        }
        if (count[ROLE_OUTSIDE]) {
                snprintf(buf, sizeof(buf), "%u in no pool", count[ROLE_OUTSIDE]);
                put(&o, sep, buf), sep = ", ";
        }
        if (!vp_cpuset_empty(&n->offline)) {
                snprintf(buf, sizeof(buf), "%u offline", vp_cpuset_count(&n->offline));
                put(&o, sep, buf);
        }
        end_line(&o);
}

static void print_grid(const map *m, const column *cols, size_t n_cols, unsigned rows)
{
        size_t block = n_cols < GRID_BLOCK ? n_cols : GRID_BLOCK;
        size_t grid_w = block + (block ? (block - 1) / GRID_GROUP : 0);
        for (size_t b = 0; b < n_cols; b += GRID_BLOCK) {
                size_t e = b + GRID_BLOCK < n_cols ? b + GRID_BLOCK : n_cols;
                for (unsigned r = 0; r < rows; r++) {
                        char line[GRID_BLOCK * 2 + 8];
                        int order[GRID_BLOCK];
                        size_t k = 0, w = 0;
                        for (size_t i = b; i < e; i++) {
                                if (i > b && (i - b) % GRID_GROUP == 0)
                                        line[w++] = ' ';
                                int c = column_cpu(&cols[i], r);
                                line[w++] = c < 0 ? ' ' : cpu_mark(m, c, cols[i].offline);
                                if (c >= 0)
                                        order[k++] = c;
                        }
                        if (!k)
                                continue;
                        while (w < grid_w)
                                line[w++] = ' ';
                        line[w] = '\0';
                        char runs[GRID_BLOCK * 12], fit[GRID_BLOCK * 12 + 8];
                        fmt_runs(order, k, runs, sizeof(runs));
                        size_t room = MAP_WIDTH - 2 - grid_w - 2, rw = cli_width(runs);
                        printf("  %s  %s\n", line,
                               cli_fit(runs, rw < room ? rw : room, fit, sizeof(fit)));
                }
        }
}

static void print_keys(const vp_node *n, const vp_ledger_entry **keys, size_t n_keys)
{
        if (!n_keys)
                return;
        wrap o = {.indent = 2};
        printf("  ");
        o.col = 2;
        for (size_t i = 0; i < n_keys; i++) {
                char name[NAME_WIDTH * 4 + 8], prefix[NAME_WIDTH * 4 + 16];
                snprintf(prefix, sizeof(prefix), "%c %s ", i < N_LETTERS ? letters[i] : '@',
                         short_name(keys[i]->name, name, sizeof(name)));
                vp_cpuset mine = vp_cpumask_get(&keys[i]->held);
                vp_cpuset_and(&mine, &n->cpus);
                put_cpus(&o, "    ", prefix, &mine);
        }
        end_line(&o);
}

static void print_node(map *m, const vp_node *n)
{
        char a[64], b[64], c[64], d[64];
        wrap o = {.indent = 7};
        o.col = (size_t)printf("node%u  ", n->id);
        put_cpus(&o, "", "CPUs ", &n->cpus);
        char mem[4 * 64 + 64];
        uint64_t committed = vp_ledger_committed_kib(m->l, n->id, NULL);
        int64_t admits = vp_plan_node_admits_kib(n, m->h->reserved_memory_kib, committed);
        snprintf(mem, sizeof(mem), "memory %s free of %s, %s committed to VMs, admits %s",
                 gib(n->free_kib, a, sizeof(a)), gib(n->total_kib, b, sizeof(b)),
                 gib(committed, c, sizeof(c)),
                 gib(admits > 0 ? (uint64_t)admits : 0, d, sizeof(d)));
        put(&o, "  ", mem);
        end_line(&o);

        const vp_ledger_entry **keys = NULL;
        size_t n_keys = assign_marks(m, n, &keys);
        print_summary(m, n, n_keys);
        column *cols = NULL;
        unsigned rows = 0;
        size_t n_cols = node_columns(m->t, n, &cols, &rows);
        print_grid(m, cols, n_cols, rows);
        print_keys(n, keys, n_keys);
        free(cols);
        free(keys);
}

static void print_vm(const vp_ledger_entry *e)
{
        char fn[NAME_WIDTH * 4 + 8], fnd[40], nd[64], mem[32];
        uint64_t kib = 0;
        for (size_t k = 0; k < e->n_mem; k++)
                kib += e->mem[k].kib;
        if (vp_cpumask_empty(&e->nodes))
                strcpy(nd, "-");
        else
                vp_cpumask_fmt(&e->nodes, nd, sizeof(nd));
        printf("%s  %-9s  %s  %10s  ", cli_fit(e->name, NAME_WIDTH, fn, sizeof(fn)),
               vp_entry_kind_name(e->kind), cli_fit(nd, 5, fnd, sizeof(fnd)),
               kib ? gib(kib, mem, sizeof(mem)) : "-");
        wrap o = {.col = VM_COL, .indent = VM_COL};
        bool emulator_said = false;
        vp_cpuset held = vp_cpumask_get(&e->held), vcpus = vp_cpumask_get(&e->vcpu_cpus),
                  emu = vp_cpumask_get(&e->emulator_cpus);
        if (e->kind == VP_KIND_DEDICATED) {
                put_cpus(&o, "", "holds ", &held);
        } else if (e->kind == VP_KIND_SHARED) {
                emulator_said = vp_cpuset_equal(&vcpus, &emu);
                put_cpus(&o, "", emulator_said ? "floats over " : "vCPUs float over ", &vcpus);
        } else if (vp_cpuset_empty(&vcpus)) {
                put(&o, "", "vCPUs not pinned");
        } else {
                put_cpus(&o, "", "vCPUs on ", &vcpus);
        }
        if (!emulator_said) {
                printf("\n%*s", VM_COL, "");
                o.col = VM_COL;
                if (vp_cpuset_empty(&emu))
                        put(&o, "", "emulator not pinned");
                else if (vp_cpuset_subset(&emu, &held))
                        put_cpus(&o, "", "emulator on its own ", &emu);
                else
                        put_cpus(&o, "",
                                 e->kind == VP_KIND_NONE ? "emulator on " : "emulator floats over ",
                                 &emu);
        }
        end_line(&o);
}

static void print_vms(const vp_ledger *l)
{
        if (!l->n) {
                printf("no VM in the ledger\n");
                return;
        }
        printf("%-*s  %-9s  %-5s  %10s  %s\n", NAME_WIDTH, "VM", "kind", "nodes", "memory", "CPUs");
        static const vp_entry_kind order[] = {VP_KIND_DEDICATED, VP_KIND_SHARED, VP_KIND_NONE};
        for (size_t k = 0; k < 3; k++)
                for (size_t i = 0; i < l->n; i++)
                        if (l->entries[i].kind == order[k])
                                print_vm(&l->entries[i]);
}

static void print_distances(const vp_topology *t)
{
        static const char title[] = "distances";
        char id[32];
        size_t w = 0;
        for (size_t i = 0; i < t->n_nodes; i++) {
                size_t n = (size_t)snprintf(id, sizeof(id), "node%u", t->nodes[i].id);
                if (n > w)
                        w = n;
        }
        /* rows start with "  nodeN", under the title when it is wider */
        size_t lead = 2 + w > sizeof(title) - 1 ? 2 + w : sizeof(title) - 1;
        if (lead + t->n_nodes * (w + 1) <= MAP_WIDTH) {
                printf("%-*s", (int)lead, title);
                for (size_t j = 0; j < t->n_nodes; j++) {
                        snprintf(id, sizeof(id), "node%u", t->nodes[j].id);
                        printf(" %*s", (int)w, id);
                }
        } else {
                printf("%s (from each node to node%u..node%u)", title, t->nodes[0].id,
                       t->nodes[t->n_nodes - 1].id);
        }
        putchar('\n');
        for (size_t i = 0; i < t->n_nodes; i++) {
                const vp_node *n = &t->nodes[i];
                snprintf(id, sizeof(id), "node%u", n->id);
                wrap o = {.indent = lead + 1};
                o.col = (size_t)printf("  %-*s", (int)(lead - 2), id);
                for (size_t j = 0; j < t->n_nodes; j++) {
                        char d[16];
                        snprintf(d, sizeof(d), "%*u", (int)w, n->distance[j]);
                        put(&o, " ", d);
                }
                end_line(&o);
        }
}

/* --- JSON ------------------------------------------------------------------ */

static json_object *thread_json(const map *m, unsigned cpu)
{
        const cpu_info *ci = &m->cpu[cpu];
        json_object *th = json_object_new_object();
        json_object_object_add(th, "cpu", json_object_new_int((int)cpu));
        json_object_object_add(th, "role", json_object_new_string(role_names[ci->r]));
        cli_json_str(th, "holder", ci->holder ? ci->holder->name : NULL);
        json_object *fl = json_object_new_array();
        for (size_t i = 0; i < m->l->n; i++)
                if (vp_cpuset_test(&m->floats[i], cpu))
                        json_object_array_add(fl, json_object_new_string(m->l->entries[i].name));
        json_object_object_add(th, "floating", fl);
        return th;
}

static json_object *node_json(const map *m, const vp_node *n)
{
        const vp_topology *t = m->t;
        json_object *jn = json_object_new_object();
        json_object_object_add(jn, "id", json_object_new_int((int)n->id));
        json_object_object_add(jn, "cpus", vp_json_cpuset(&n->cpus));
        json_object_object_add(jn, "offline", vp_json_cpuset(&n->offline));
        json_object_object_add(jn, "total_kib", json_object_new_int64((int64_t)n->total_kib));
        json_object_object_add(jn, "free_kib", json_object_new_int64((int64_t)n->free_kib));
        uint64_t committed = vp_ledger_committed_kib(m->l, n->id, NULL);
        json_object_object_add(jn, "committed_kib", json_object_new_int64((int64_t)committed));
        json_object_object_add(jn, "admits_kib",
                               json_object_new_int64(vp_plan_node_admits_kib(
                                   n, m->h->reserved_memory_kib, committed)));
        json_object *d = json_object_new_array();
        for (size_t j = 0; j < t->n_nodes; j++)
                json_object_array_add(d, json_object_new_int((int)n->distance[j]));
        json_object_object_add(jn, "distances", d);
        json_object *cores = json_object_new_array();
        column *cols = NULL;
        unsigned rows = 0;
        size_t n_cols = node_columns(t, n, &cols, &rows);
        for (size_t i = 0; i < n_cols; i++) {
                if (cols[i].offline)
                        continue;
                int first = vp_cpuset_next(&cols[i].cpus, 0);
                json_object *jc = json_object_new_object();
                json_object_object_add(jc, "core_id", json_object_new_int(t->cpus[first].core_id));
                json_object_object_add(jc, "cpus", vp_json_cpuset(&cols[i].cpus));
                json_object *threads = json_object_new_array();
                for (int c = first; c >= 0; c = vp_cpuset_next(&cols[i].cpus, (unsigned)c + 1))
                        json_object_array_add(threads, thread_json(m, (unsigned)c));
                json_object_object_add(jc, "threads", threads);
                json_object_array_add(cores, jc);
        }
        free(cols);
        json_object_object_add(jn, "cores", cores);
        return jn;
}

static json_object *map_json(const map *m)
{
        const vp_topology *t = m->t;
        json_object *o = json_object_new_object();
        vp_cpuset offline;
        vp_cpuset_zero(&offline);
        json_object *nodes = json_object_new_array();
        for (size_t i = 0; i < t->n_nodes; i++) {
                vp_cpuset_or(&offline, &t->nodes[i].offline);
                json_object_array_add(nodes, node_json(m, &t->nodes[i]));
        }
        json_object_object_add(o, "online", vp_json_cpuset(&t->online));
        json_object_object_add(o, "offline", vp_json_cpuset(&offline));
        json_object_object_add(o, "smt", json_object_new_boolean(t->smt));
        json_object *pools = json_object_new_object();
        json_object_object_add(pools, "reserved", vp_json_cpuset(&m->h->reserved_cpus));
        json_object_object_add(pools, "dedicated", vp_json_cpuset(&m->pools.dedicated));
        json_object_object_add(pools, "shared", vp_json_cpuset(&m->pools.shared));
        json_object_object_add(o, "pools", pools);
        json_object_object_add(o, "nodes", nodes);
        json_object *vms = json_object_new_array();
        for (size_t i = 0; i < m->l->n; i++) {
                const vp_ledger_entry *e = &m->l->entries[i];
                json_object *v = vp_json_entry(e, e->state);
                json_object *nm = json_object_new_object();
                for (size_t k = 0; k < e->n_mem; k++) {
                        char key[16];
                        snprintf(key, sizeof(key), "%u", e->mem[k].node);
                        json_object_object_add(nm, key,
                                               json_object_new_int64((int64_t)e->mem[k].kib));
                }
                json_object_object_add(v, "node_memory_kib", nm);
                json_object_array_add(vms, v);
        }
        json_object_object_add(o, "vms", vms);
        return o;
}

int cmd_topology(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
        if (argc > (json ? 2 : 1)) {
                fprintf(stderr, "vmplace topology: unexpected argument '%s'\n", argv[argc - 1]);
                return EXIT_USAGE;
        }
        vp_error err = {0};
        vp_topology *t = NULL;
        if (vp_topology_load(p->sysfs, &t, &err) < 0) {
                fprintf(stderr, "vmplace topology: %s\n", err.msg);
                return EXIT_USAGE;
        }
        vp_config *cfg = NULL;
        vp_diag diag = {0};
        vp_host_config none = {.on_error = VP_ONERR_REFUSE, .strategy = VP_STRAT_SPREAD};
        if (vp_config_load(p->confdir, geteuid() == 0, &cfg, &diag) < 0)
                fprintf(stderr, "vmplace topology: configuration invalid (run vmplace validate); "
                                "showing pools as if unconfigured\n");
        vp_diag_free(&diag);
        /* The ledger is replaced by rename, so reading it unlocked is safe. */
        vp_ledger l = {0};
        if (vp_ledger_load(p->rundir, &l, &err) < 0)
                fprintf(stderr, "vmplace topology: %s (ignoring the ledger)\n", err.msg);
        map m;
        map_init(&m, t, cfg ? &cfg->host : &none, &l);
        if (json) {
                cli_print_json(map_json(&m));
        } else {
                print_header(&m);
                for (size_t i = 0; i < t->n_nodes; i++) {
                        putchar('\n');
                        print_node(&m, &t->nodes[i]);
                }
                putchar('\n');
                print_vms(&l);
                putchar('\n');
                print_distances(t);
        }
        free(m.cpu);
        free(m.floats);
        vp_ledger_free(&l);
        vp_config_free(cfg);
        vp_topology_free(t);
        return EXIT_OK;
}
