/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sysfs and procfs parsers (lib/model/sysfs_parse.c) at their edges:
 * CPU lists, meminfo, distances and ints as the topology reads them, and the
 * kernel command line's isolation, /proc/PID/stat's starttime and
 * /proc/stat's btime as vmplace doctor reads them: the values, the errors
 * with their messages, and which outputs a failure leaves alone. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cpusets.h"
#include "sysfs_parse.h"
#include "tap.h"

/* ---------- sysfs: what the topology is read from */

static void test_parse_cpulist(void)
{
        static const struct {
                const char *in;
                int len; /* -1: strlen */
                int r;
                const char *want; /* set, or message substring on error */
        } cases[] = {
            {"", -1, 0, ""},
            {"\n", -1, 0, ""},
            {"0\n", -1, 0, "0"},
            {"0-3,8-11\n", -1, 0, "0-3,8-11"},
            {"1,5", -1, 0, "1,5"},
            {"4095", -1, 0, "4095"},
            {"0-12", 3, 0, "0-1"},
            {"4096\n", -1, -ERANGE, "number above 4095"},
            {"99999999999999999999999", -1, -ERANGE, "number above"},
            {"0-", -1, -EINVAL, "expected a number at offset 2"},
            {"0-\n", -1, -EINVAL, "expected a number"},
            {"-1", -1, -EINVAL, "expected a number at offset 0"},
            {"3-1", -1, -EINVAL, "range 3-1 is reversed"},
            {"0,,1", -1, -EINVAL, "expected a number at offset 2"},
            {"0,", -1, -EINVAL, "ends with ','"},
            {"0,\n", -1, -EINVAL, "expected a number at offset 2"},
            {"0 1", -1, -EINVAL, "unexpected character at offset 2"},
            {"0-3\nx", -1, -EINVAL, "unexpected character"},
            {"0\0001", 3, -EINVAL, "invalid CPU list '0?1'"},
            {"garbage", -1, -EINVAL, "invalid CPU list 'garbage'"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                vp_cpuset s;
                vp_error err = {0};
                size_t len = cases[i].len < 0 ? strlen(cases[i].in) : (size_t)cases[i].len;
                int r = vp_sysfs_parse_cpulist(cases[i].in, len, &s, &err);
                is_int(r, cases[i].r, "cpulist case %zu", i);
                if (r == 0 && cases[i].r == 0)
                        is_str(fmt(&s), cases[i].want, "cpulist case %zu value", i);
                else if (r < 0)
                        like(err.msg, cases[i].want, "cpulist case %zu message", i);
        }
}

static void test_parse_meminfo(void)
{
        uint64_t total = 0, free_ = 0;
        vp_error err = {0};
        const char *node1 = "Node 1 MemTotal:       32768000 kB\n"
                            "Node 1 MemFree:        1000 kB\n"
                            "Node 1 HugePages_Total:     0\n";
        is_int(vp_sysfs_parse_meminfo(node1, strlen(node1), 1, &total, &free_, &err), 0,
               "meminfo: node 1");
        is_int(total, 32768000, "meminfo: total");
        is_int(free_, 1000, "meminfo: free");

        const char *proc = "MemTotal:       16314652 kB\nMemFree:          987654 kB\n"
                           "MemAvailable:   12000000 kB\nHugePages_Total:       0\n";
        is_int(vp_sysfs_parse_meminfo(proc, strlen(proc), -1, &total, &free_, &err), 0,
               "meminfo: /proc/meminfo");
        is_int(total, 16314652, "meminfo: /proc total");
        is_int(free_, 987654, "meminfo: /proc free");

        /* no trailing newline, truncated in the middle of the last line */
        const char *cut = "Node 0 MemTotal: 100 kB\nNode 0 MemFree: 50 kB";
        is_int(vp_sysfs_parse_meminfo(cut, strlen(cut), 0, &total, &free_, &err), 0,
               "meminfo: no final newline");
        is_int(vp_sysfs_parse_meminfo(cut, strlen(cut) - 3, 0, &total, &free_, &err), -EINVAL,
               "meminfo: cut before the unit");
        like(err.msg, "bad MemFree line 'Node 0 MemFree: 50': expected 'NUMBER kB'",
             "meminfo: cut message");

        static const struct {
                const char *in;
                int node;
                int r;
                const char *msg;
        } bad[] = {
            {"", 0, -EINVAL, "no MemTotal line"},
            {"\x01\x02garbage\xff\n", 0, -EINVAL, "no MemTotal line"},
            {"Node 0 MemTotal: 100 kB\n", 0, -EINVAL, "no MemFree line"},
            {"Node 0 MemTotal: 100 kB\nNode 1 MemFree: 5 kB\n", 0, -EINVAL,
             "MemFree line 'Node 1 MemFree: 5 kB' is for node 1, not 0"},
            {"Node 0 MemTotal: 100 kB\nNode 0 MemTotal: 100 kB\n", 0, -EINVAL,
             "more than one MemTotal line"},
            {"Node 0 MemTotal: 100\nNode 0 MemFree: 5 kB\n", 0, -EINVAL, "bad MemTotal line"},
            {"Node 0 MemTotal: 100 MB\n", 0, -EINVAL, "expected 'NUMBER kB'"},
            {"Node 0 MemTotal: kB\n", 0, -EINVAL, "bad MemTotal line"},
            {"Node 0 MemTotal: -5 kB\n", 0, -EINVAL, "bad MemTotal line"},
            {"Node 0 MemTotal: 100 kB trailing\n", 0, -EINVAL, "bad MemTotal line"},
            {"Node 0 MemTotal: 100kBx\n", 0, -EINVAL, "bad MemTotal line"},
            {"Node 0 MemTotal: 99999999999999999999 kB\n", 0, -ERANGE, "out of range"},
            {"Node 0 MemTotal: 18014398509481984 kB\n", 0, -ERANGE, "out of range"},
            {"Node 0 MemTotal: 10 kB\nNode 0 MemFree: 20 kB\n", 0, -EINVAL,
             "MemFree 20 kB exceeds MemTotal 10 kB"},
            {"Node 0 MemTotal: 10 kB\nNode 0 MemFree: 5 kB\n", -1, -EINVAL, "no MemTotal line"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                int r = vp_sysfs_parse_meminfo(bad[i].in, strlen(bad[i].in), bad[i].node, &total,
                                               &free_, &err);
                is_int(r, bad[i].r, "meminfo bad case %zu", i);
                like(err.msg, bad[i].msg, "meminfo bad case %zu message", i);
        }
}

static void test_parse_distance(void)
{
        unsigned d[4] = {0};
        vp_error err = {0};
        is_int(vp_sysfs_parse_distance("10 20\n", 6, d, 2, &err), 0, "distance: two");
        is_int(d[1], 20, "distance: value");
        is_int(vp_sysfs_parse_distance("  10\t21 \n\n", 10, d, 2, &err), 0, "distance: blanks");
        is_int(d[1], 21, "distance: value after tab");
        is_int(vp_sysfs_parse_distance("10 20", 5, d, 2, &err), 0, "distance: no newline");

        static const struct {
                const char *in;
                size_t n;
                int r;
                const char *msg;
        } bad[] = {
            {"10\n", 2, -EINVAL, "1 values, expected 2"},
            {"", 1, -EINVAL, "0 values, expected 1"},
            {"10 20 30\n", 2, -EINVAL, "more than 2 values"},
            {"10 x\n", 2, -EINVAL, "expected a number at offset 3"},
            {"10,20\n", 2, -EINVAL, "expected a number at offset 2"},
            {"10 20\n5\n", 2, -EINVAL, "text after the first line"},
            {"10 2000000\n", 2, -ERANGE, "value above 1000000"},
            {"10 -20\n", 2, -EINVAL, "expected a number"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                int r = vp_sysfs_parse_distance(bad[i].in, strlen(bad[i].in), d, bad[i].n, &err);
                is_int(r, bad[i].r, "distance bad case %zu", i);
                like(err.msg, bad[i].msg, "distance bad case %zu message", i);
        }
}

static void test_parse_int(void)
{
        int v = 0;
        vp_error err = {0};
        is_int(vp_sysfs_parse_int("12\n", 3, &v, &err), 0, "int: 12");
        is_int(v, 12, "int: value 12");
        is_int(vp_sysfs_parse_int("-1\n", 3, &v, &err), 0, "int: -1");
        is_int(v, -1, "int: value -1");
        is_int(vp_sysfs_parse_int("2147483647", 10, &v, &err), 0, "int: INT_MAX");
        is_int(vp_sysfs_parse_int("-2147483648", 11, &v, &err), 0, "int: INT_MIN");
        is_int(v, INT_MIN, "int: value INT_MIN");
        is_int(vp_sysfs_parse_int("2147483648", 10, &v, &err), -ERANGE, "int: INT_MAX + 1");
        is_int(vp_sysfs_parse_int("", 0, &v, &err), -EINVAL, "int: empty");
        is_int(vp_sysfs_parse_int("-", 1, &v, &err), -EINVAL, "int: lone minus");
        is_int(vp_sysfs_parse_int("1x\n", 3, &v, &err), -EINVAL, "int: trailing garbage");
        like(err.msg, "invalid number '1x'", "int: message");
        is_int(vp_sysfs_parse_int("12", 1, &v, &err), 0, "int: length bounds the read");
        is_int(v, 1, "int: value within length");
}

/* ---------- procfs: what vmplace doctor reads */

static void test_proc_parsers(void)
{
        static const struct {
                const char *cmdline;
                int rc;
                const char *isolated, *nohz;
        } rows[] = {
            {"BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n", 0, "", ""},
            {"quiet isolcpus=2-7 nohz_full=2-7 rcu_nocbs=2-7\n", 0, "2-7", "2-7"},
            {"isolcpus=domain,managed_irq,4-7", 0, "4-7", ""},
            {"isolcpus=managed_irq,4-7", 0, "", ""},
            {"isolcpus=nohz,domain,1,3", 0, "1,3", "1,3"},
            {"isolcpus=2 isolcpus=5-6", 0, "5-6", ""},
            {"\"isolcpus=3\" nohz_full=\"1-2\"", 0, "3", "1-2"},
            {"quiet -- isolcpus=1", 0, "", ""},
            {"isolcpus=1-", -EINVAL, NULL, NULL},
            {"nohz_full=99999", -ERANGE, NULL, NULL},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(rows); i++) {
                /* the row as a test name, without its newline */
                char name[80];
                snprintf(name, sizeof(name), "%.*s", (int)strcspn(rows[i].cmdline, "\n"),
                         rows[i].cmdline);
                vp_cpuset iso = S("0"), nohz = S("0");
                vp_error err = {0};
                int r = vp_proc_parse_cmdline_isolation(rows[i].cmdline, strlen(rows[i].cmdline),
                                                        &iso, &nohz, &err);
                is_int(r, rows[i].rc, "cmdline '%s': rc", name);
                if (r < 0) {
                        like(err.msg, "kernel parameter '", "cmdline '%s': error names the word",
                             name);
                        continue;
                }
                char a[64], b[64];
                is_str(vp_cpuset_fmt(&iso, a, sizeof(a)), rows[i].isolated,
                       "cmdline '%s': isolated", name);
                is_str(vp_cpuset_fmt(&nohz, b, sizeof(b)), rows[i].nohz, "cmdline '%s': nohz_full",
                       name);
        }

        /* comm with blanks and ')' as the kernel writes it */
        const char *stat = "4242 (lib virt) d) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 "
                           "18 0 123456 1000000 500 18446744073709551615\n";
        uint64_t ticks = 0;
        vp_error err = {0};
        is_int(vp_proc_parse_stat_starttime(stat, strlen(stat), &ticks, &err), 0, "stat parses");
        is_int(ticks, 123456, "starttime is field 22");
        vp_proc_stat st;
        is_int(vp_proc_parse_stat(stat, strlen(stat), &st, &err), 0, "stat: the whole parse");
        is_str(st.comm, "lib virt) d", "comm runs from the first '(' to the last ')'");
        is_int(st.ppid, 1, "ppid is field 4");
        is_int(st.starttime, 123456, "starttime as vp_proc_parse_stat_starttime's");
        const char *longname = "7 (a-command-name-longer-than-15) S 9 7 7 0 -1 0 0 0 0 0 0 0 0 0 "
                               "20 0 1 0 55\n";
        is_int(vp_proc_parse_stat(longname, strlen(longname), &st, &err), 0, "a long comm parses");
        is_str(st.comm, "a-command-name-", "... cut to the kernel's 15 bytes");
        is_int(st.ppid, 9, "... its ppid");
        const char *badppid = "7 (x) S -9 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55\n";
        is_int(vp_proc_parse_stat(badppid, strlen(badppid), &st, &err), -EINVAL,
               "a negative ppid is refused");
        is_str(err.msg, "bad ppid '-9'", "... quoting it");
        is_int(vp_proc_parse_stat(") x (", 5, &st, &err), -EINVAL, "')' before '(' is refused");
        const char *short_stat = "1 (x) S 0 1 1 0";
        is_int(vp_proc_parse_stat_starttime(short_stat, strlen(short_stat), &ticks, &err), -EINVAL,
               "a short stat line is refused");
        like(err.msg, "only 7 fields", "saying how many fields");
        is_int(vp_proc_parse_stat_starttime("no paren", 8, &ticks, &err), -EINVAL,
               "no ')' is refused");

        const char *pstat = "cpu  1 2 3\nintr 5\nctxt 9\nbtime 1700000000\nprocesses 7\n";
        int64_t bt = 0;
        is_int(vp_proc_parse_btime(pstat, strlen(pstat), &bt, &err), 0, "btime parses");
        is_int(bt, 1700000000, "btime value");
        is_int(vp_proc_parse_btime("cpu 1\n", 6, &bt, &err), -EINVAL, "no btime line");
        is_int(vp_proc_parse_btime("btime x\n", 8, &bt, &err), -EINVAL, "bad btime");
        like(err.msg, "bad btime line 'btime x'", "quoting the line");
}

/* ---------- edges found in the code */

static void test_cpulist_edges(void)
{
        static const struct {
                const char *in, *want;
        } good[] = {
            {" \t0-1\n", "0-1"},        /* blanks and newlines before the list */
            {"0-1\r\n", "0-1"},         /* a CR before the newline */
            {"0-3 \t\n\n", "0-3"},      /* anything blank after it */
            {"5-5", "5"},               /* a range of one */
            {"007,010", "7,10"},        /* leading zeros are decimal */
            {"0-3,2-5", "0-5"},         /* overlapping items */
            {"4094-4095", "4094-4095"}, /* the highest CPU, in a range */
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(good); i++) {
                vp_cpuset s;
                vp_error err = {0};
                int r = vp_sysfs_parse_cpulist(good[i].in, strlen(good[i].in), &s, &err);
                is_int(r, 0, "cpulist edge %zu parses", i);
                if (r == 0)
                        is_str(fmt(&s), good[i].want, "cpulist edge %zu value", i);
        }

        vp_cpuset s;
        vp_error err = {0};
        is_int(vp_sysfs_parse_cpulist("0-4095", 6, &s, &err), 0, "cpulist: every CPU");
        is_int(vp_cpuset_count(&s), VP_MAX_CPUS, "cpulist: all %u of them", VP_MAX_CPUS);
        is_int(vp_sysfs_parse_cpulist("4095-4096", 9, &s, &err), -ERANGE,
               "cpulist: a range ending above the highest CPU");
        is_int(vp_sysfs_parse_cpulist("0\n1", 3, &s, &err), -EINVAL, "cpulist: a second line");
        is_str(err.msg, "invalid CPU list '0': unexpected character at offset 2",
               "cpulist: the message quotes the first line only");

        /* a failed parse leaves the set as it was */
        s = S("7");
        is_int(vp_sysfs_parse_cpulist("1,x", 3, &s, &err), -EINVAL, "cpulist: bad second item");
        is_str(fmt(&s), "7", "cpulist: the set is untouched on error");

        /* the quoted text is cut at 60 characters, marked "..." */
        char longer[101];
        memset(longer, 'x', 100);
        longer[100] = '\0';
        char want[128];
        snprintf(want, sizeof(want), "invalid CPU list '%.60s...': expected a number at offset 0",
                 longer);
        is_int(vp_sysfs_parse_cpulist(longer, 100, &s, &err), -EINVAL, "cpulist: long garbage");
        is_str(err.msg, want, "cpulist: long garbage quoted cut");
        is_str(fmt(&s), "7", "cpulist: still untouched");
}

static void test_meminfo_edges(void)
{
        uint64_t total = 0, free_ = 0;
        vp_error err = {0};
        const char *equal = "Node 0 MemTotal:\t100 kB\nNode 0 MemFree:\t100 kB\n";
        is_int(vp_sysfs_parse_meminfo(equal, strlen(equal), 0, &total, &free_, &err), 0,
               "meminfo: free equal to total, tabs for blanks");
        is_int(free_, 100, "meminfo: free 100");

        const char *crlf = "MemTotal: 10 kB\r\nMemFree: 5 kB\r\n";
        is_int(vp_sysfs_parse_meminfo(crlf, strlen(crlf), -1, &total, &free_, &err), 0,
               "meminfo: CR LF line ends");
        is_int(total, 10, "meminfo: CR LF total");

        const char *max = "MemTotal: 18014398509481983 kB\nMemFree: 0 kB\n";
        is_int(vp_sysfs_parse_meminfo(max, strlen(max), -1, &total, &free_, &err), 0,
               "meminfo: the most KiB that fit in bytes");
        ok(total == UINT64_MAX / 1024, "meminfo: total is UINT64_MAX / 1024");

        const char *others = "Node 1 Active:  5 kB\nNode 0 Active(anon): 3 kB\n"
                             "Node 0 MemTotal: 100 kB\nNode 0 MemFree: 60 kB\n";
        is_int(vp_sysfs_parse_meminfo(others, strlen(others), 0, &total, &free_, &err), 0,
               "meminfo: other keys, of any node, are ignored");
        is_int(free_, 60, "meminfo: free 60");

        /* failures leave both numbers as they were */
        total = free_ = 123;
        static const struct {
                const char *in;
                int node;
                const char *msg;
        } bad[] = {
            {"MemTotalX: 5 kB\nMemFree: 1 kB\n", -1, "no MemTotal line"},
            {"Node x MemTotal: 5 kB\nNode x MemFree: 1 kB\n", 0, "no MemTotal line"},
            {"Node 0 MemTotal: 5 kB\nNode 0 MemFree: 1 kB\nNode 0 MemFree: 1 kB\n", 0,
             "more than one MemFree line"},
            {"Node 0 MemTotal: 5 kB\nNode 0 MemFree: 1 kB\nNode 2 MemTotal: 5 kB\n", 0,
             "MemTotal line 'Node 2 MemTotal: 5 kB' is for node 2, not 0"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                int r = vp_sysfs_parse_meminfo(bad[i].in, strlen(bad[i].in), bad[i].node, &total,
                                               &free_, &err);
                is_int(r, -EINVAL, "meminfo edge %zu refused", i);
                is_str(err.msg, bad[i].msg, "meminfo edge %zu message", i);
        }
        ok(total == 123 && free_ == 123, "meminfo: numbers untouched on error");
}

static void test_distance_edges(void)
{
        unsigned d[2] = {7, 7};
        vp_error err = {0};
        is_int(vp_sysfs_parse_distance("", 0, d, 0, &err), 0, "distance: none of none");
        is_int(vp_sysfs_parse_distance("\n", 1, d, 0, &err), 0, "distance: a blank line of none");
        is_int(vp_sysfs_parse_distance("10", 2, d, 0, &err), -EINVAL, "distance: one of none");
        like(err.msg, "more than 0 values", "distance: one of none message");
        is_int(vp_sysfs_parse_distance("1000000\n", 8, d, 1, &err), 0, "distance: the highest");
        is_int(d[0], VP_MAX_DISTANCE, "distance: value 1000000");
        is_int(vp_sysfs_parse_distance("1000001\n", 8, d, 1, &err), -ERANGE,
               "distance: one above the highest");
        is_str(err.msg, "invalid distances '1000001': value above 1000000",
               "distance: above message");
        const char *tail = "10 20 \t\n\n\n";
        is_int(vp_sysfs_parse_distance(tail, strlen(tail), d, 2, &err), 0,
               "distance: blanks and empty lines after");
        is_int(d[0], 10, "distance: first value");
        is_int(d[1], 20, "distance: second value");
}

static void test_int_edges(void)
{
        int v = 5;
        vp_error err = {0};
        is_int(vp_sysfs_parse_int(" 12 \n", 5, &v, &err), 0, "int: blanks around");
        is_int(v, 12, "int: value 12");
        is_int(vp_sysfs_parse_int("-0\n", 3, &v, &err), 0, "int: -0");
        is_int(v, 0, "int: value 0");
        v = 5;
        static const struct {
                const char *in;
                int r;
                const char *msg;
        } bad[] = {
            {"+5", -EINVAL, "invalid number '+5'"},
            {"--1", -EINVAL, "invalid number '--1'"},
            {"1 2", -EINVAL, "invalid number '1 2'"},
            {"-2147483649", -ERANGE, "invalid number '-2147483649': out of range"},
            {"99999999999999999999", -ERANGE, "out of range"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                is_int(vp_sysfs_parse_int(bad[i].in, strlen(bad[i].in), &v, &err), bad[i].r,
                       "int edge '%s' refused", bad[i].in);
                like(err.msg, bad[i].msg, "int edge '%s' message", bad[i].in);
        }
        is_int(v, 5, "int: untouched on error");
}

static void test_cmdline_edges(void)
{
        static const struct {
                const char *cmdline, *isolated, *nohz;
        } rows[] = {
            /* tabs and newlines separate words too */
            {"quiet\tisolcpus=1\nnohz_full=2", "1", "2"},
            /* a quoted value of another parameter holds blanks, not words */
            {"foo=\"a isolcpus=9\" isolcpus=1", "1", ""},
            /* the nohz flag alone: no domain isolation */
            {"isolcpus=nohz,3", "", "3"},
            /* isolcpus=nohz,... replaces an earlier nohz_full= */
            {"nohz_full=1 isolcpus=nohz,2", "", "2"},
            /* ... and the domain isolation of an earlier isolcpus= */
            {"isolcpus=2 isolcpus=nohz,3", "", "3"},
            {"isolcpus=", "", ""},
            {"isolcpus=domain", "", ""},
            /* only "--" itself ends the kernel's words */
            {"--x isolcpus=1", "1", ""},
            {"xisolcpus=1 nohz_full_x=2", "", ""},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(rows); i++) {
                vp_cpuset iso = S("0"), nohz = S("0");
                vp_error err = {0};
                int r = vp_proc_parse_cmdline_isolation(rows[i].cmdline, strlen(rows[i].cmdline),
                                                        &iso, &nohz, &err);
                is_int(r, 0, "cmdline edge %zu parses", i);
                is_str(fmt(&iso), rows[i].isolated, "cmdline edge %zu: isolated", i);
                is_str(fmt(&nohz), rows[i].nohz, "cmdline edge %zu: nohz_full", i);
        }

        vp_cpuset iso = S("0"), nohz = S("0");
        vp_error err = {0};
        const char *bad = "isolcpus=2 nohz_full=1-";
        is_int(vp_proc_parse_cmdline_isolation(bad, strlen(bad), &iso, &nohz, &err), -EINVAL,
               "cmdline: a bad list after a good one");
        is_str(err.msg,
               "kernel parameter 'nohz_full=1-': invalid CPU list '1-': expected a "
               "number at offset 2",
               "cmdline: the message names the word and why");
        ok(vp_cpuset_equal(&iso, &nohz) && vp_cpuset_count(&iso) == 1 && vp_cpuset_test(&iso, 0),
           "cmdline: both sets untouched on error");
}

static void test_stat_edges(void)
{
        uint64_t ticks = 9;
        vp_error err = {0};
        /* exactly 22 fields, no newline */
        const char *exact = "1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777";
        is_int(vp_proc_parse_stat_starttime(exact, strlen(exact), &ticks, &err), 0,
               "stat: 22 fields and no newline");
        is_int(ticks, 777, "stat: starttime 777");
        ticks = 9;
        const char *word = "1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 abc 5\n";
        is_int(vp_proc_parse_stat_starttime(word, strlen(word), &ticks, &err), -EINVAL,
               "stat: a word for starttime");
        is_str(err.msg, "bad starttime 'abc'", "stat: the message quotes it");
        const char *big = "1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999\n";
        is_int(vp_proc_parse_stat_starttime(big, strlen(big), &ticks, &err), -EINVAL,
               "stat: a starttime above 64 bits");
        is_int(vp_proc_parse_stat_starttime("1 (x)", 5, &ticks, &err), -EINVAL,
               "stat: nothing after the name");
        is_str(err.msg, "only 2 fields", "stat: only 2 fields");
}

static void test_btime_edges(void)
{
        int64_t bt = 3;
        vp_error err = {0};
        is_int(vp_proc_parse_btime("btime\t123", 9, &bt, &err), 0, "btime: a tab, no newline");
        is_int(bt, 123, "btime: 123");
        const char *two = "btime 1\nbtime 2\n";
        is_int(vp_proc_parse_btime(two, strlen(two), &bt, &err), 0, "btime: two lines");
        is_int(bt, 1, "btime: the first wins");
        bt = 3;
        static const struct {
                const char *in, *msg;
        } bad[] = {
            {"btimex 5\n", "no btime line"},
            {"btime 5 extra\n", "bad btime line 'btime 5 extra'"},
            {"btime -1\n", "bad btime line 'btime -1'"},
            {"btime 9223372036854775808\n", "bad btime line"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                is_int(vp_proc_parse_btime(bad[i].in, strlen(bad[i].in), &bt, &err), -EINVAL,
                       "btime edge %zu refused", i);
                like(err.msg, bad[i].msg, "btime edge %zu message", i);
        }
        is_int(bt, 3, "btime: untouched on error");
}

int main(void)
{
        test_parse_cpulist();
        test_parse_meminfo();
        test_parse_distance();
        test_parse_int();
        test_proc_parsers();
        test_cpulist_edges();
        test_meminfo_edges();
        test_distance_edges();
        test_int_edges();
        test_cmdline_edges();
        test_stat_edges();
        test_btime_edges();
        return tap_done();
}
