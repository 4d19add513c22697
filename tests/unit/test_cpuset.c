/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vp_cpuset_parse / format at the edges, and the set operations. */
#include <errno.h>

#include "cpuset.h"
#include "cpusets.h"
#include "tap.h"

static const struct {
        const char *in;
        unsigned limit;
        int ret;
        const char *out; /* normalised text, or a substring of the error */
} parse_cases[] = {
    {"0-3,8,^2", VP_MAX_CPUS, 0, "0-1,3,8"},
    {"0", VP_MAX_CPUS, 0, "0"},
    {" 0 - 3 , 8 ", VP_MAX_CPUS, 0, "0-3,8"},
    {"\t1,\t2", VP_MAX_CPUS, 0, "1-2"},
    {"3,1,2,1", VP_MAX_CPUS, 0, "1-3"},
    {"0-7,^0,^7", VP_MAX_CPUS, 0, "1-6"},
    {"^2,0-3", VP_MAX_CPUS, 0, "0-1,3"},
    {"5-5", VP_MAX_CPUS, 0, "5"},
    {"4095", VP_MAX_CPUS, 0, "4095"},
    {"0-4095", VP_MAX_CPUS, 0, "0-4095"},
    {"0,2,4", VP_MAX_CPUS, 0, "0,2,4"},
    {"7", 8, 0, "7"},
    {"", VP_MAX_CPUS, -EINVAL, "empty cpuset"},
    {"   ", VP_MAX_CPUS, -EINVAL, "empty cpuset"},
    {"^", VP_MAX_CPUS, -EINVAL, "expected a number"},
    {"^2", VP_MAX_CPUS, -EINVAL, "selects nothing"},
    {"0-3,^0-3", VP_MAX_CPUS, -EINVAL, "'^' takes a single number"},
    {"1,^1", VP_MAX_CPUS, -EINVAL, "selects nothing"},
    {"3-1", VP_MAX_CPUS, -EINVAL, "range 3-1 is reversed"},
    {"1,", VP_MAX_CPUS, -EINVAL, "expected a number"},
    {",1", VP_MAX_CPUS, -EINVAL, "expected a number"},
    {"1,,2", VP_MAX_CPUS, -EINVAL, "expected a number"},
    {"0-", VP_MAX_CPUS, -EINVAL, "range without end"},
    {"-1", VP_MAX_CPUS, -EINVAL, "expected a number"},
    {"1 2", VP_MAX_CPUS, -EINVAL, "unexpected '2'"},
    {"1;2", VP_MAX_CPUS, -EINVAL, "unexpected ';'"},
    {"a", VP_MAX_CPUS, -EINVAL, "expected a number"},
    {"0x1", VP_MAX_CPUS, -EINVAL, "unexpected 'x'"},
    {"4096", VP_MAX_CPUS, -ERANGE, "out of range (max 4095)"},
    {"0-4096", VP_MAX_CPUS, -ERANGE, "out of range (max 4095)"},
    {"99999999999999999999999", VP_MAX_CPUS, -ERANGE, "out of range"},
    {"8", 8, -ERANGE, "out of range (max 7)"},
    {"1024", 1024, -ERANGE, "out of range (max 1023)"},
    {"1023", 1024, 0, "1023"},
};

static void test_parse_table(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(parse_cases); i++) {
                vp_cpuset s;
                vp_cpuset_zero(&s);
                vp_cpuset_set(&s, 100); /* must stay untouched on error */
                vp_error err = {0};
                int r = vp_cpuset_parse(&s, parse_cases[i].in, parse_cases[i].limit, &err);
                is_int(r, parse_cases[i].ret, "parse '%s' returns %d", parse_cases[i].in,
                       parse_cases[i].ret);
                if (r == 0) {
                        is_str_free(vp_cpuset_format(&s), parse_cases[i].out, "parse '%s' formats",
                                    parse_cases[i].in);
                } else {
                        like(err.msg, parse_cases[i].out, "parse '%s' says why", parse_cases[i].in);
                        ok(vp_cpuset_test(&s, 100) && vp_cpuset_count(&s) == 1,
                           "parse '%s' leaves the set alone on error", parse_cases[i].in);
                }
        }
        vp_cpuset s;
        is_int(vp_cpuset_parse(&s, NULL, VP_MAX_CPUS, NULL), -EINVAL, "NULL text, NULL err");
        is_int(vp_cpuset_parse(&s, "0-4095", VP_MAX_CPUS, NULL), 0, "whole range");
        is_int(vp_cpuset_count(&s), 4096, "0-4095 has 4096 members");
}

static void test_ops(void)
{
        vp_cpuset a = S("0-3,8"), b = S("2-9"), e = S(""), t;
        char buf[64];

        is_int(vp_cpuset_count(&a), 5, "count");
        is_int(vp_cpuset_count(&e), 0, "count of empty");
        ok(vp_cpuset_empty(&e) && !vp_cpuset_empty(&a), "empty");
        ok(vp_cpuset_equal(&a, &a) && !vp_cpuset_equal(&a, &b), "equal");
        ok(vp_cpuset_subset(&e, &a) && vp_cpuset_subset(&a, &a), "empty and self are subsets");
        ok(!vp_cpuset_subset(&a, &b), "0-3,8 not within 2-9");
        t = S("2-3");
        ok(vp_cpuset_subset(&t, &a) && vp_cpuset_subset(&t, &b), "2-3 within both");
        ok(vp_cpuset_intersects(&a, &b) && !vp_cpuset_intersects(&a, &e), "intersects");

        t = a;
        vp_cpuset_or(&t, &b);
        is_str(vp_cpuset_fmt(&t, buf, sizeof(buf)), "0-9", "or");
        t = a;
        vp_cpuset_and(&t, &b);
        is_str(vp_cpuset_fmt(&t, buf, sizeof(buf)), "2-3,8", "and");
        t = a;
        vp_cpuset_andnot(&t, &b);
        is_str(vp_cpuset_fmt(&t, buf, sizeof(buf)), "0-1", "andnot");
        is_str(vp_cpuset_fmt(&e, buf, sizeof(buf)), "", "empty formats as ''");

        is_int(vp_cpuset_next(&a, 0), 0, "next from 0");
        is_int(vp_cpuset_next(&a, 4), 8, "next skips the gap");
        is_int(vp_cpuset_next(&a, 9), -1, "next past the end");
        is_int(vp_cpuset_next(&a, VP_MAX_CPUS), -1, "next from the limit");
        is_int(vp_cpuset_last(&a), 8, "last");
        is_int(vp_cpuset_last(&e), -1, "last of empty");
        t = S("63-64,4095");
        is_int(vp_cpuset_next(&t, 64), 64, "next across a word boundary");
        is_int(vp_cpuset_next(&t, 65), 4095, "next to the top");
        is_int(vp_cpuset_last(&t), 4095, "last at the top");
        is_str(vp_cpuset_fmt(&t, buf, sizeof(buf)), "63-64,4095", "word boundary formats");

        int n = 0, sum = 0;
        for (int c = vp_cpuset_next(&a, 0); c >= 0; c = vp_cpuset_next(&a, (unsigned)c + 1))
                n++, sum += c;
        ok(n == 5 && sum == 14, "iterate 0-3,8");

        t = e;
        vp_cpuset_set(&t, VP_MAX_CPUS); /* ignored, no overflow */
        vp_cpuset_set(&t, 4095);
        vp_cpuset_clear(&t, VP_MAX_CPUS);
        ok(vp_cpuset_test(&t, 4095) && !vp_cpuset_test(&t, VP_MAX_CPUS) && vp_cpuset_count(&t) == 1,
           "set/test/clear ignore numbers beyond the limit");
        vp_cpuset_clear(&t, 4095);
        ok(vp_cpuset_empty(&t), "clear");

        /* truncation keeps a NUL and says so */
        t = S("0,2,4,6,8,10,12,14");
        is_str(vp_cpuset_fmt(&t, buf, 10), "0,2,4,...", "truncated output ends in ...");
        /* worst case of the allocating formatter: every other CPU */
        for (unsigned c = 0; c < VP_MAX_CPUS; c += 2)
                vp_cpuset_set(&t, c);
        char *s = vp_cpuset_format(&t);
        ok(strlen(s) > 0 && strstr(s, "...") == NULL && strncmp(s, "0,2,4", 5) == 0 &&
               strcmp(s + strlen(s) - 5, ",4094") == 0,
           "every other CPU formats in full");
        vp_cpuset back;
        is_int(vp_cpuset_parse(&back, s, VP_MAX_CPUS, NULL), 0, "and parses back");
        ok(vp_cpuset_equal(&back, &t), "round trip");
        free(s);
}

/* vp_cpumask: what the ledger keeps; every read answers as the full set
 * would, and it holds only the words up to its highest member. */
static void test_mask(void)
{
        const char *texts[] = {"",         "0",      "1-3",  "63",       "64",
                               "0-63,100", "0-4095", "4095", "2,700-701"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(texts); i++) {
                vp_cpuset s = S(texts[i]), probe = S("3,64-65,700");
                vp_cpumask m = {0}, c = {0};
                vp_cpumask_set(&m, &s);
                int last = vp_cpuset_last(&s);
                is_int((int)m.n, last < 0 ? 0 : last / 64 + 1, "'%s': %u words", texts[i], m.n);
                vp_cpuset back = vp_cpumask_get(&m);
                ok(vp_cpuset_equal(&back, &s) && vp_cpumask_equal(&m, &s), "'%s': round trip",
                   texts[i]);
                ok(vp_cpumask_empty(&m) == vp_cpuset_empty(&s), "'%s': empty", texts[i]);
                is_int((int)vp_cpumask_count(&m), (int)vp_cpuset_count(&s), "'%s': count",
                       texts[i]);
                ok(vp_cpumask_test(&m, 3) == vp_cpuset_test(&s, 3) &&
                       vp_cpumask_test(&m, 4095) == vp_cpuset_test(&s, 4095) &&
                       !vp_cpumask_test(&m, 5000),
                   "'%s': test", texts[i]);
                ok(vp_cpumask_intersects(&m, &probe) == vp_cpuset_intersects(&s, &probe) &&
                       vp_cpumask_subset(&m, &probe) == vp_cpuset_subset(&s, &probe),
                   "'%s': intersects, subset", texts[i]);
                vp_cpuset acc = S("5"), want = S("5");
                vp_cpuset_or(&want, &s);
                vp_cpumask_or_into(&acc, &m);
                ok(vp_cpuset_equal(&acc, &want), "'%s': or_into", texts[i]);
                char a[64], b[64];
                is_str(vp_cpumask_fmt(&m, a, sizeof(a)), vp_cpuset_fmt(&s, b, sizeof(b)),
                       "'%s': fmt", texts[i]);
                vp_cpumask_copy(&c, &m);
                ok(vp_cpumask_same(&c, &m) && (c.n == 0 || c.w != m.w), "'%s': copy", texts[i]);
                vp_cpuset other = S("9");
                vp_cpumask_set(&c, &other);
                ok(vp_cpumask_same(&c, &m) == vp_cpuset_equal(&s, &other), "'%s': same", texts[i]);
                vp_cpumask_free(&c);
                vp_cpumask_free(&m);
                ok(m.w == NULL && m.n == 0, "'%s': freed and empty", texts[i]);
        }
        /* same looks at members, not at how many words were kept */
        uint64_t words[2] = {0x6, 0};
        vp_cpumask wide = {words, 2}, narrow = {0};
        vp_cpuset s = S("1-2");
        vp_cpumask_set(&narrow, &s);
        ok(vp_cpumask_same(&wide, &narrow) && vp_cpumask_same(&narrow, &wide),
           "same ignores trailing zero words");
        vp_cpumask_free(&narrow);
}

int main(void)
{
        test_parse_table();
        test_ops();
        test_mask();
        return tap_done();
}
