/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers for the text the kernel writes under /sys and /proc that the
 * topology (SPEC section 6) and vmplace doctor are built from. Pure: each takes a buffer and its
 * length (no NUL terminator needed), never reads past it, and on failure fills
 * err with a message that does not name the file (callers prefix the path).
 * Fuzz targets call these directly. */
#ifndef VMPLACE_SYSFS_PARSE_H
#define VMPLACE_SYSFS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "util.h"

/* Highest NUMA distance accepted (the kernel's are 8-bit SLIT values). */
#define VP_MAX_DISTANCE 1000000u

/* Parse a kernel CPU/node list ("0-3,8-11\n", as in cpulist, online,
 * thread_siblings_list). Blank input gives the empty set (a memory-only node's
 * cpulist). Every number must be < VP_MAX_CPUS. Returns 0, -EINVAL (bad
 * syntax) or -ERANGE (number too large). */
int vp_sysfs_parse_cpulist(const char *buf, size_t len, vp_cpuset *out, vp_error *err);

/* Parse MemTotal and MemFree (in KiB) out of a meminfo file. node >= 0: a
 * node's sysfs meminfo, lines "Node N MemTotal:  32768000 kB" where N must be
 * node; node < 0: /proc/meminfo, lines "MemTotal:  32768000 kB". Other lines
 * are ignored; both keys must appear exactly once, with a "kB" unit, and free
 * may not exceed total. Returns 0, -EINVAL or -ERANGE. */
int vp_sysfs_parse_meminfo(const char *buf, size_t len, int node, uint64_t *total_kib,
                           uint64_t *free_kib, vp_error *err);

/* Parse a node's distance line ("10 21 31\n") into out[0..n-1]: exactly n
 * numbers, each <= VP_MAX_DISTANCE. Returns 0, -EINVAL or -ERANGE. */
int vp_sysfs_parse_distance(const char *buf, size_t len, unsigned *out, size_t n, vp_error *err);

/* Parse a file holding one decimal int ("12\n", "-1\n"), as core_id and
 * physical_package_id. Returns 0, -EINVAL or -ERANGE. */
int vp_sysfs_parse_int(const char *buf, size_t len, int *out, vp_error *err);

/* The CPU isolation a kernel command line (/proc/cmdline) asks for, read
 * the way the kernel does: the last isolcpus= and nohz_full= win, words after
 * "--" belong to init. isolcpus=[FLAG,...,]CPULIST takes the scheduler
 * domain isolation ("domain", the default when no flag is given) into
 * isolated and its "nohz" flag into nohz_full, like nohz_full=CPULIST.
 * Returns 0 (empty sets when the words are absent), or -EINVAL / -ERANGE
 * for a CPU list it cannot read (the message names the word). */
int vp_proc_parse_cmdline_isolation(const char *buf, size_t len, vp_cpuset *isolated,
                                    vp_cpuset *nohz_full, vp_error *err);

/* What vmplace reads of a /proc/PID/stat line. */
typedef struct vp_proc_stat {
        char comm[16];      /* the command name (the kernel keeps 15 bytes) */
        long ppid;          /* field 4 */
        uint64_t starttime; /* field 22: clock ticks after boot */
} vp_proc_stat;
/* Parse a /proc/PID/stat line. The command name in parentheses may hold
 * blanks and ')': it runs from the first '(' to the last ')', and fields
 * are counted after that. Returns 0 or -EINVAL. */
int vp_proc_parse_stat(const char *buf, size_t len, vp_proc_stat *st, vp_error *err);
/* Field 22 alone, as vp_proc_parse_stat. */
int vp_proc_parse_stat_starttime(const char *buf, size_t len, uint64_t *ticks, vp_error *err);

/* The "btime SECONDS" line of /proc/stat (boot time, epoch seconds).
 * Returns 0 or -EINVAL (no such line, bad number). */
int vp_proc_parse_btime(const char *buf, size_t len, int64_t *btime, vp_error *err);

#endif
