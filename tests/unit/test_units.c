/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sizes and ranged integers at the edges. */
#include <errno.h>
#include <limits.h>

#include "tap.h"
#include "units.h"

static const struct {
        const char *in;
        long long lo, hi;
        int ret;
        long long want;
        const char *msg; /* substring of the error */
} ll_cases[] = {
    {"0", 0, 10, 0, 0, NULL},
    {"10", 0, 10, 0, 10, NULL},
    {"-1", -1, 10, 0, -1, NULL},
    {"  42\t", 0, 100, 0, 42, NULL},
    {"007", 0, 10, 0, 7, NULL},
    {"-0", 0, 0, 0, 0, NULL},
    {"9223372036854775807", LLONG_MIN, LLONG_MAX, 0, LLONG_MAX, NULL},
    {"-9223372036854775808", LLONG_MIN, LLONG_MAX, 0, LLONG_MIN, NULL},
    {"1", 2, 262144, -ERANGE, 0, "1 out of range (2..262144)"},
    {"262145", 2, 262144, -ERANGE, 0, "262145 out of range (2..262144)"},
    {" 1 ", 2, 262144, -ERANGE, 0, "1 out of range (2..262144)"},
    {"-1", 0, 10, -ERANGE, 0, "-1 out of range (0..10)"},
    {"9223372036854775808", LLONG_MIN, LLONG_MAX, -ERANGE, 0, "out of range"},
    {"-9223372036854775809", LLONG_MIN, LLONG_MAX, -ERANGE, 0, "out of range"},
    {"99999999999999999999999999", 0, 10, -ERANGE, 0,
     "99999999999999999999999999 out of range (0..10)"},
    {"", 0, 10, -EINVAL, 0, "empty value"},
    {"  ", 0, 10, -EINVAL, 0, "empty value"},
    {"-", 0, 10, -EINVAL, 0, "'-' is not an integer"},
    {"+1", 0, 10, -EINVAL, 0, "'+1' is not an integer"},
    {"1x", 0, 10, -EINVAL, 0, "'1x' is not an integer"},
    {"1 000", 0, 10000, -EINVAL, 0, "'1 000' is not an integer"},
    {"1.5", 0, 10, -EINVAL, 0, "'1.5' is not an integer"},
    {"0x10", 0, 100, -EINVAL, 0, "'0x10' is not an integer"},
    {"--1", -10, 10, -EINVAL, 0, "not an integer"},
    {"abc", 0, 10, -EINVAL, 0, "'abc' is not an integer"},
};

static void test_ll(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(ll_cases); i++) {
                long long v = 12345;
                vp_error err = {0};
                int r = vp_parse_ll(ll_cases[i].in, ll_cases[i].lo, ll_cases[i].hi, &v, &err);
                is_int(r, ll_cases[i].ret, "ll '%s' [%lld,%lld] returns %d", ll_cases[i].in,
                       ll_cases[i].lo, ll_cases[i].hi, ll_cases[i].ret);
                if (r == 0)
                        is_int(v, ll_cases[i].want, "ll '%s' value", ll_cases[i].in);
                else {
                        is_int(v, 12345, "ll '%s' leaves the output alone", ll_cases[i].in);
                        like(err.msg, ll_cases[i].msg, "ll '%s' message", ll_cases[i].in);
                }
        }
        long long v;
        is_int(vp_parse_ll(NULL, 0, 1, &v, NULL), -EINVAL, "NULL text, NULL err");

        unsigned u = 7;
        vp_error err;
        is_int(vp_parse_uint("64", 1, 64, &u, &err), 0, "uint at the top");
        is_int(u, 64, "uint value");
        is_int(vp_parse_uint("0", 1, 64, &u, &err), -ERANGE, "uint below");
        is_str(err.msg, "0 out of range (1..64)", "uint message");
        is_int(vp_parse_uint("-1", 0, 64, &u, &err), -ERANGE, "uint negative");
        is_int(vp_parse_uint("4294967295", 0, UINT_MAX, &u, &err), 0, "uint max");
        ok(u == UINT_MAX, "uint max value");
        is_int(vp_parse_uint("4294967296", 0, UINT_MAX, &u, &err), -ERANGE, "uint max + 1");
}

static const struct {
        const char *in;
        int ret;
        uint64_t want;
        const char *msg;
} size_cases[] = {
    {"0", 0, 0, NULL},
    {"1024", 0, 1024, NULL},
    {"1KiB", 0, 1, NULL},
    {"4GiB", 0, 4ULL << 20, NULL},
    {"512 MiB", 0, 512ULL << 10, NULL},
    {"512\tMiB", 0, 512ULL << 10, NULL},
    {" 2 GiB ", 0, 2ULL << 20, NULL},
    {"1TiB", 0, 1ULL << 30, NULL},
    {"0GiB", 0, 0, NULL},
    {"18446744073709551615", 0, UINT64_MAX, NULL},
    {"17179869183TiB", 0, 17179869183ULL << 30, NULL},
    {"18446744073709551616", -ERANGE, 0, "is too large"},
    {"17179869184TiB", -ERANGE, 0, "'17179869184TiB' is too large"},
    {"99999999999999999999999KiB", -ERANGE, 0, "is too large"},
    {"", -EINVAL, 0, "empty value"},
    {"GiB", -EINVAL, 0, "'GiB' is not a size"},
    {"-1", -EINVAL, 0, "'-1' is negative"},
    {"-1GiB", -EINVAL, 0, "negative"},
    {"1.5GiB", -EINVAL, 0, "'1.5GiB' is not a size"},
    {"4GB", -EINVAL, 0, "unknown unit 'GB' (use KiB, MiB, GiB or TiB)"},
    {"4gib", -EINVAL, 0, "unknown unit 'gib'"},
    {"4 G", -EINVAL, 0, "unknown unit 'G'"},
    {"4K", -EINVAL, 0, "unknown unit 'K'"},
    {"4 KB", -EINVAL, 0, "unknown unit 'KB'"},
    {"4GiB4", -EINVAL, 0, "unknown unit 'GiB4'"},
    {"4 GiB x", -EINVAL, 0, "unknown unit 'GiB x'"},
    {"+4GiB", -EINVAL, 0, "not a size"},
};

static void test_size(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(size_cases); i++) {
                uint64_t v = 777;
                vp_error err = {0};
                int r = vp_parse_size_kib(size_cases[i].in, &v, &err);
                is_int(r, size_cases[i].ret, "size '%s' returns %d", size_cases[i].in,
                       size_cases[i].ret);
                if (r == 0)
                        ok(v == size_cases[i].want, "size '%s' = %llu KiB", size_cases[i].in,
                           (unsigned long long)size_cases[i].want);
                else {
                        ok(v == 777, "size '%s' leaves the output alone", size_cases[i].in);
                        like(err.msg, size_cases[i].msg, "size '%s' message", size_cases[i].in);
                }
        }
        uint64_t v;
        is_int(vp_parse_size_kib(NULL, &v, NULL), -EINVAL, "NULL size, NULL err");

        char buf[32];
        is_str(vp_size_fmt(0, buf, sizeof(buf)), "0 KiB", "fmt 0");
        is_str(vp_size_fmt(100, buf, sizeof(buf)), "100 KiB", "fmt KiB");
        is_str(vp_size_fmt(1024, buf, sizeof(buf)), "1 MiB", "fmt MiB");
        is_str(vp_size_fmt(1536, buf, sizeof(buf)), "1536 KiB", "fmt not a whole MiB");
        is_str(vp_size_fmt(3ULL << 19, buf, sizeof(buf)), "1536 MiB", "fmt 1.5 GiB");
        is_str(vp_size_fmt(2ULL << 20, buf, sizeof(buf)), "2 GiB", "fmt GiB");
        is_str(vp_size_fmt(1ULL << 30, buf, sizeof(buf)), "1 TiB", "fmt TiB");
        is_str(vp_size_fmt(1ULL << 40, buf, sizeof(buf)), "1024 TiB", "fmt beyond TiB");
        is_str(vp_size_fmt(UINT64_MAX, buf, sizeof(buf)), "18446744073709551615 KiB", "fmt max");
        /* round trip */
        ok(vp_parse_size_kib(vp_size_fmt(3ULL << 19, buf, sizeof(buf)), &v, NULL) == 0 &&
               v == 3ULL << 19,
           "fmt output parses back");
}

int main(void)
{
        test_ll();
        test_size();
        return tap_done();
}
