/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "topoload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <numa.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "sysfs_parse.h"
#include "topocache.h"

/* libnuma reports some failures only by printing to stderr through these two
 * weak symbols, meant to be overridden. The hook's stderr ends up in libvirt's
 * log, so keep the last message instead and put it into the error of the call
 * that failed. */
static char numa_last_msg[256];

void numa_warn(int num, char *fmt, ...)
{
        int e = errno;
        va_list ap;
        (void)num;
        va_start(ap, fmt);
        vsnprintf(numa_last_msg, sizeof(numa_last_msg), fmt, ap);
        va_end(ap);
        errno = e;
}

void numa_error(char *where)
{
        int e = errno;
        snprintf(numa_last_msg, sizeof(numa_last_msg), "%s: %s", where, strerror(e));
        errno = e;
}

/* libnuma's initialiser. Its constructor reads /proc/self/status twice and
 * lists /sys/devices/system/node and cpu on every start of a program that
 * links it: ~230 us a hook call here, which the no-ops and the unmanaged
 * prepares (most calls) never need. The static programs link a copy of
 * libnuma.a without that constructor (cmake/VmplaceStatic.cmake), and
 * numa_ready runs it before the first libnuma call instead. The shared
 * library does not export it: there the weak reference stays NULL, and the
 * loader has run the constructor. */
extern void numa_init(void) __attribute__((weak));

static void numa_ready(void)
{
        static bool done;
        if (!done && numa_init)
                numa_init();
        done = true;
}

static void numa_bitmask_freep(struct bitmask **b)
{
        if (*b)
                numa_bitmask_free(*b);
}

static void topology_freep(vp_topology **t)
{
        vp_topology_free(*t);
}

/* Big enough for any cpulist of VP_MAX_CPUS CPUs and any node's meminfo. */
#define SCRATCH_SIZE (64 * 1024)

typedef struct loader {
        char sys[PATH_MAX]; /* ROOT/devices/system */
        char *buf;          /* contents of the last file read, NUL-terminated */
        size_t len;
        vp_error *err;
} loader;

static int mkpath(loader *ld, char *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int mkpath(loader *ld, char *out, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(out, PATH_MAX, fmt, ap);
        va_end(ap);
        if (n < 0 || n >= PATH_MAX)
                return vp_error_set(ld->err, -ENAMETOOLONG, "%s/...: path too long", ld->sys);
        return 0;
}

/* open/read rather than stdio: the topology files are tiny and the hook reads
 * a few hundred of them on a big host. A read that returns less than asked
 * ends the file: true of sysfs attributes (shown whole on the first read) and
 * of regular files, and it saves a quarter of the system calls; to_eof keeps
 * reading until 0 instead, for procfs. */
static int read_file_to(loader *ld, const char *path, bool to_eof)
{
        /* O_NONBLOCK: a FIFO in a fake tree reads as empty, never waits */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return vp_error_at(ld->err, -errno, path, 0, "%s", strerror(errno));
        size_t n = 0;
        for (;;) {
                size_t want = SCRATCH_SIZE - 1 - n;
                if (want == 0)
                        return vp_error_at(ld->err, -EFBIG, path, 0, "file too large");
                ssize_t r = read(fd, ld->buf + n, want);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return vp_error_at(ld->err, -errno, path, 0, "%s", strerror(errno));
                }
                n += (size_t)r;
                if (r == 0 || ((size_t)r < want && !to_eof))
                        break;
        }
        ld->buf[n] = '\0';
        ld->len = n;
        return 0;
}

static int read_text(loader *ld, const char *path)
{
        return read_file_to(ld, path, false);
}

/* Prefix a parser's message with the file it came from. */
static int parse_failed(loader *ld, const char *path, int r, const vp_error *sub)
{
        return vp_error_at(ld->err, r, path, 0, "%s", sub->msg);
}

static int load_online(loader *ld, vp_topology *t)
{
        char path[PATH_MAX];
        vp_error sub;
        int r = mkpath(ld, path, "%s/cpu/online", ld->sys);
        if (r < 0)
                return r;
        r = read_text(ld, path);
        if (r < 0)
                return r;
        r = vp_sysfs_parse_cpulist(ld->buf, ld->len, &t->online, &sub);
        if (r < 0)
                return parse_failed(ld, path, r, &sub);
        if (vp_cpuset_empty(&t->online))
                return vp_error_at(ld->err, -EINVAL, path, 0, "no CPU online");

        vp_topology_init_cpus(t);
        return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
        return x < y ? -1 : x > y;
}

/* Node ids from the nodeN entries of DIR/node, sorted. Other entries
 * (has_cpu, online, possible, power/, uevent) are not nodes. */
static int list_nodes(loader *ld, unsigned **ids_out, size_t *n_out)
{
        char path[PATH_MAX];
        int r = mkpath(ld, path, "%s/node", ld->sys);
        if (r < 0)
                return r;
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return vp_error_at(ld->err, -errno, path, 0, "%s", strerror(errno));
        _cleanup_free_ unsigned *ids = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                const char *num = de->d_name + 4;
                uint64_t id;
                if (strncmp(de->d_name, "node", 4) != 0 || (num[0] == '0' && num[1] != '\0'))
                        continue;
                /* digits past 2^64 are a node number too large, not "not a node": skipped,
                 * the node silently went missing from the model (or another node's distance
                 * file took the blame) */
                int pr = vp_parse_u64(num, &id);
                if (pr == -EINVAL)
                        continue;
                if (pr < 0 || id >= VP_MAX_CPUS)
                        return vp_error_set(ld->err, -ERANGE,
                                            "%s/%s: node number above %u, the highest vmplace "
                                            "handles",
                                            path, de->d_name, VP_MAX_CPUS - 1);
                if (n == cap) {
                        cap = cap ? cap * 2 : 8;
                        ids = vp_xrealloc(ids, cap * sizeof(*ids));
                }
                ids[n++] = (unsigned)id;
        }
        if (errno)
                return vp_error_at(ld->err, -errno, path, 0, "%s", strerror(errno));
        if (n == 0)
                return vp_error_at(ld->err, -ENOENT, path, 0, "no nodeN directory");
        qsort(ids, n, sizeof(*ids), cmp_unsigned);
        *ids_out = TAKE_PTR(ids);
        *n_out = n;
        return 0;
}

/* node's total and free memory from ROOT/devices/system/node/nodeN/meminfo. */
static int memory_sysfs(loader *ld, vp_node *node)
{
        char path[PATH_MAX];
        vp_error sub;
        int r = mkpath(ld, path, "%s/node/node%u/meminfo", ld->sys, node->id);
        if (r < 0 || (r = read_text(ld, path)) < 0)
                return r;
        r = vp_sysfs_parse_meminfo(ld->buf, ld->len, (int)node->id, &node->total_kib,
                                   &node->free_kib, &sub);
        return r < 0 ? parse_failed(ld, path, r, &sub) : 0;
}

static int load_nodes_sysfs(loader *ld, vp_topology *t)
{
        _cleanup_free_ unsigned *ids = NULL;
        size_t n = 0;
        int r = list_nodes(ld, &ids, &n);
        if (r < 0)
                return r;
        t->nodes = vp_xcalloc(n, sizeof(*t->nodes));
        t->n_nodes = n;
        for (size_t i = 0; i < n; i++) {
                vp_node *node = &t->nodes[i];
                char path[PATH_MAX];
                vp_error sub;
                node->id = ids[i];
                node->distance = vp_xcalloc(n, sizeof(*node->distance));

                if ((r = mkpath(ld, path, "%s/node/node%u/cpulist", ld->sys, node->id)) < 0 ||
                    (r = read_text(ld, path)) < 0)
                        return r;
                r = vp_sysfs_parse_cpulist(ld->buf, ld->len, &node->cpus, &sub);
                if (r < 0)
                        return parse_failed(ld, path, r, &sub);

                if ((r = memory_sysfs(ld, node)) < 0)
                        return r;

                if ((r = mkpath(ld, path, "%s/node/node%u/distance", ld->sys, node->id)) < 0 ||
                    (r = read_text(ld, path)) < 0)
                        return r;
                r = vp_sysfs_parse_distance(ld->buf, ld->len, node->distance, n, &sub);
                if (r < 0)
                        return parse_failed(ld, path, r, &sub);
        }
        return 0;
}

static int numa_failed(loader *ld, int code, const char *call, unsigned a, int b)
{
        char what[64];
        if (b >= 0)
                snprintf(what, sizeof(what), "%s(%u, %d)", call, a, b);
        else
                snprintf(what, sizeof(what), "%s(%u)", call, a);
        return vp_error_set(ld->err, code, "libnuma: %s failed%s%s", what,
                            numa_last_msg[0] ? ": " : "", numa_last_msg);
}

/* node's total and free memory through libnuma (which reads the node's
 * meminfo itself: it needs no numa_ready first). */
static int memory_libnuma(loader *ld, vp_node *node)
{
        long long free_b = -1;
        numa_last_msg[0] = '\0';
        long long total_b = numa_node_size64((int)node->id, &free_b);
        if (total_b < 0 || free_b < 0)
                return numa_failed(ld, -EIO, "numa_node_size64", node->id, -1);
        node->total_kib = (uint64_t)total_b / 1024;
        node->free_kib = (uint64_t)free_b / 1024;
        return 0;
}

/* numa_nodes_ptr, not numa_all_nodes_ptr: the latter is this task's
 * Mems_allowed (memory nodes its cpuset allows), which drops memory-less
 * nodes and whatever the caller's cgroup excludes. numa_nodes_ptr is every
 * nodeN directory, as the sysfs source sees it. */
static int load_nodes_libnuma(loader *ld, vp_topology *t)
{
        int max = numa_max_node();
        if (max < 0 || !numa_nodes_ptr)
                return vp_error_set(ld->err, -ENOENT, "libnuma: no NUMA node%s%s",
                                    numa_last_msg[0] ? ": " : "", numa_last_msg);
        if (max >= VP_MAX_CPUS)
                return vp_error_set(ld->err, -ERANGE,
                                    "libnuma: node %d is above %u, the highest vmplace handles",
                                    max, VP_MAX_CPUS - 1);
        size_t n = 0;
        for (int i = 0; i <= max; i++)
                n += numa_bitmask_isbitset(numa_nodes_ptr, (unsigned)i) != 0;
        if (n == 0)
                return vp_error_set(ld->err, -ENOENT, "libnuma: no NUMA node");
        t->nodes = vp_xcalloc(n, sizeof(*t->nodes));
        t->n_nodes = n;
        for (int i = 0, k = 0; i <= max; i++)
                if (numa_bitmask_isbitset(numa_nodes_ptr, (unsigned)i))
                        t->nodes[k++].id = (unsigned)i;

        _cleanup_(numa_bitmask_freep) struct bitmask *mask = numa_allocate_cpumask();
        const unsigned bpl = sizeof(unsigned long) * CHAR_BIT;
        for (size_t i = 0; i < n; i++) {
                vp_node *node = &t->nodes[i];
                numa_last_msg[0] = '\0';
                if (numa_node_to_cpus((int)node->id, mask) < 0)
                        return numa_failed(ld, -errno ? -errno : -EIO, "numa_node_to_cpus",
                                           node->id, -1);
                for (unsigned long w = 0; w < (mask->size + bpl - 1) / bpl; w++) {
                        for (unsigned long v = mask->maskp[w]; v; v &= v - 1) {
                                unsigned long c = w * bpl + (unsigned)__builtin_ctzl(v);
                                if (c >= VP_MAX_CPUS)
                                        return vp_error_set(ld->err, -ERANGE,
                                                            "libnuma: node %u has CPU %lu, above "
                                                            "%u, the highest vmplace handles",
                                                            node->id, c, VP_MAX_CPUS - 1);
                                vp_cpuset_set(&node->cpus, (unsigned)c);
                        }
                }

                int r = memory_libnuma(ld, node);
                if (r < 0)
                        return r;

                node->distance = vp_xcalloc(n, sizeof(*node->distance));
                for (size_t j = 0; j < n; j++) {
                        numa_last_msg[0] = '\0';
                        int d = numa_distance((int)node->id, (int)t->nodes[j].id);
                        if (d <= 0)
                                return numa_failed(ld, -EIO, "numa_distance", node->id,
                                                   (int)t->nodes[j].id);
                        node->distance[j] = (unsigned)d;
                }
        }
        return 0;
}

/* A kernel without NUMA: one node 0 holding every online CPU and all memory. */
static int memory_single(loader *ld, vp_node *node)
{
        const char *path = "/proc/meminfo";
        vp_error sub;
        int r = read_file_to(ld, path, true);
        if (r < 0)
                return r;
        r = vp_sysfs_parse_meminfo(ld->buf, ld->len, -1, &node->total_kib, &node->free_kib, &sub);
        return r < 0 ? parse_failed(ld, path, r, &sub) : 0;
}

static int load_single_node(loader *ld, vp_topology *t)
{
        t->nodes = vp_xcalloc(1, sizeof(*t->nodes));
        t->n_nodes = 1;
        vp_node *node = &t->nodes[0];
        int r = memory_single(ld, node);
        if (r < 0)
                return r;
        node->id = 0;
        node->cpus = t->online;
        node->distance = vp_xcalloc(1, sizeof(*node->distance));
        node->distance[0] = 10;
        return 0;
}

/* Read ROOT/devices/system/cpu/cpuC/topology/NAME; path gets its name. */
static int read_topology(loader *ld, int c, const char *name, char *path)
{
        int r = mkpath(ld, path, "%s/cpu/cpu%d/topology/%s", ld->sys, c, name);
        return r < 0 ? r : read_text(ld, path);
}

static int read_topology_int(loader *ld, int c, const char *name, int *out)
{
        char path[PATH_MAX];
        vp_error sub;
        int r = read_topology(ld, c, name, path);
        if (r < 0)
                return r;
        r = vp_sysfs_parse_int(ld->buf, ld->len, out, &sub);
        return r < 0 ? parse_failed(ld, path, r, &sub) : 0;
}

/* Siblings, core and package of every online CPU. Threads of a core share
 * all three, so the files are read once per core, not once per CPU. */
static int load_cpu_topology(loader *ld, vp_topology *t)
{
        vp_cpuset done;
        vp_cpuset_zero(&done);
        for (int c = vp_cpuset_next(&t->online, 0); c >= 0;
             c = vp_cpuset_next(&t->online, (unsigned)c + 1)) {
                if (vp_cpuset_test(&done, (unsigned)c))
                        continue;
                char path[PATH_MAX];
                vp_cpuset sib;
                vp_error sub;
                int core = c, pkg = 0;
                vp_cpuset_zero(&sib);
                int r = read_topology(ld, c, "thread_siblings_list", path);
                if (r == -ENOENT) {
                        /* no topology dir: the architecture does not export
                         * one (or a fake tree left it out): its own core */
                        struct stat st;
                        char *slash = strrchr(path, '/');
                        *slash = '\0';
                        if (stat(path, &st) == 0 || errno != ENOENT) {
                                *slash = '/';
                                return vp_error_at(ld->err, -ENOENT, path, 0, "%s",
                                                   strerror(ENOENT));
                        }
                } else if (r < 0) {
                        return r;
                } else {
                        r = vp_sysfs_parse_cpulist(ld->buf, ld->len, &sib, &sub);
                        if (r < 0)
                                return parse_failed(ld, path, r, &sub);
                        if ((r = read_topology_int(ld, c, "core_id", &core)) < 0 ||
                            (r = read_topology_int(ld, c, "physical_package_id", &pkg)) < 0)
                                return r;
                }
                vp_topology_set_core(t, (unsigned)c, &sib, core, pkg, &done);
        }
        return 0;
}

/* ld for the tree at sysfs_root (NULL: /sys); ld->buf is the caller's to free. */
static int loader_init(loader *ld, const char *sysfs_root, vp_error *err)
{
        *ld = (loader){.err = err};
        const char *root = sysfs_root ? sysfs_root : "/sys";
        size_t rl = strlen(root);
        while (rl > 0 && root[rl - 1] == '/')
                rl--;
        if (rl > PATH_MAX - 256)
                return vp_error_set(err, -ENAMETOOLONG, "%s: path too long", root);
        snprintf(ld->sys, sizeof(ld->sys), "%.*s/devices/system", (int)rl, root);
        ld->buf = vp_xmalloc(SCRATCH_SIZE);
        return 0;
}

/* The whole model from its source; *src says which. */
static int load_all(loader *ld, const char *sysfs_root, vp_topology **out, vp_topo_source *src)
{
        _cleanup_(topology_freep) vp_topology *t = vp_xcalloc(1, sizeof(*t));
        int r = load_online(ld, t);
        if (r < 0)
                return r;
        char source[PATH_MAX + 8];
        if (sysfs_root) {
                snprintf(source, sizeof(source), "%s/node", ld->sys);
                *src = VP_TOPO_SYSFS;
                r = load_nodes_sysfs(ld, t);
        } else if (numa_ready(), numa_available() < 0) {
                snprintf(source, sizeof(source), "/proc/meminfo");
                *src = VP_TOPO_SINGLE;
                r = load_single_node(ld, t);
        } else {
                snprintf(source, sizeof(source), "libnuma");
                *src = VP_TOPO_LIBNUMA;
                r = load_nodes_libnuma(ld, t);
        }
        if (r < 0)
                return r;
        r = vp_topology_assign_nodes(t, source, ld->err);
        if (r < 0)
                return r;
        r = load_cpu_topology(ld, t);
        if (r < 0)
                return r;
        *out = TAKE_PTR(t);
        return 0;
}

int vp_topology_load(const char *sysfs_root, vp_topology **out, vp_error *err)
{
        loader ld;
        vp_topo_source src;
        *out = NULL;
        int r = loader_init(&ld, sysfs_root, err);
        if (r == 0)
                r = load_all(&ld, sysfs_root, out, &src);
        free(ld.buf);
        return r;
}

/* ---- the cache ---- */

/* Append "NAME CONTENTS" of file path to key (ENOENT: "NAME -"); -1 on any
 * other failure. */
static int key_file(loader *ld, vp_buf *key, const char *name, const char *path)
{
        vp_error sub;
        vp_error *keep = ld->err;
        ld->err = &sub;
        int r = read_text(ld, path);
        ld->err = keep;
        if (r < 0 && r != -ENOENT)
                return -1;
        vp_buf_str(key, name);
        vp_buf_str(key, " ");
        vp_buf_add(key, r < 0 ? "-\n" : ld->buf, r < 0 ? 2 : ld->len);
        return 0;
}

/* What the model's fixed part depends on: the tree it is read from, the
 * online CPUs and nodes (hotplug, SMT switched on or off) and, for the real
 * host, the boot (a run dir that outlives one). Returns 0 with key filled
 * (a NUL-terminated string), or -1. */
static int cache_key(loader *ld, const char *sysfs_root, vp_buf *key)
{
        char path[PATH_MAX];
        key->len = 0;
        vp_buf_str(key, "root ");
        vp_buf_str(key, sysfs_root ? sysfs_root : "-");
        vp_buf_str(key, "\n");
        if (mkpath(ld, path, "%s/cpu/online", ld->sys) < 0 ||
            key_file(ld, key, "cpu_online", path) < 0 ||
            mkpath(ld, path, "%s/node/online", ld->sys) < 0 ||
            key_file(ld, key, "node_online", path) < 0 ||
            (!sysfs_root && key_file(ld, key, "boot", "/proc/sys/kernel/random/boot_id") < 0))
                return -1;
        vp_buf_add(key, "", 1);
        return 0;
}

/* The memory sizes of t's nodes, from src. */
static int load_memory(loader *ld, vp_topology *t, vp_topo_source src)
{
        for (size_t i = 0; i < t->n_nodes; i++) {
                int r = src == VP_TOPO_LIBNUMA  ? memory_libnuma(ld, &t->nodes[i])
                        : src == VP_TOPO_SINGLE ? memory_single(ld, &t->nodes[i])
                                                : memory_sysfs(ld, &t->nodes[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A cache of thousands of CPUs is a few hundred KiB; more is not ours. */
#define CACHE_MAX (4u << 20)

int vp_topology_load_cached(const char *sysfs_root, const char *cache_path, vp_topology **out,
                            vp_error *err)
{
        *out = NULL;
        if (!cache_path)
                return vp_topology_load(sysfs_root, out, err);
        loader ld;
        int r = loader_init(&ld, sysfs_root, err);
        if (r < 0)
                return r;
        vp_buf key = {0};
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        vp_topo_source src;
        vp_topology *t = NULL;
        bool keyed = cache_key(&ld, sysfs_root, &key) == 0;
        if (keyed && vp_read_private(cache_path, CACHE_MAX, &text, &len) == 0 &&
            vp_topocache_parse(text, len, key.s, &t, &src) == 0) {
                r = load_memory(&ld, t, src);
        } else {
                r = load_all(&ld, sysfs_root, &t, &src);
                /* written only when the key still holds after the load: a
                 * CPU plugged meanwhile may have left the model half old */
                vp_buf again = {0};
                if (r == 0 && keyed && cache_key(&ld, sysfs_root, &again) == 0 &&
                    strcmp(again.s, key.s) == 0) {
                        _cleanup_free_ char *c = vp_topocache_format(t, src, key.s);
                        vp_write_file_atomic(cache_path, c, strlen(c), 0600, NULL);
                }
                free(again.s);
        }
        free(key.s);
        free(ld.buf);
        if (r < 0) {
                vp_topology_free(t);
                return r;
        }
        *out = t;
        return 0;
}
