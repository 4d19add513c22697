/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c, the pure helpers: UTF-8 checking at every edge (overlong forms,
 * surrogates, above U+10FFFF, truncated sequences), strstrip, parse_u64 up
 * to and past UINT64_MAX, one_line, the growing buffer, the error buffer,
 * and the allocation helpers' edge cases. */
#include <errno.h>
#include <stdint.h>

#include "tap.h"
#include "util.h"

static void test_utf8(void)
{
        struct {
                const char *s;
                size_t len;
        } cases[] = {
            {"a", 1},
            {"\xC3\xA9", 2},         /* é */
            {"\xE6\x95\xB0", 3},     /* 数 */
            {"\xF0\x9F\x98\x80", 4}, /* U+1F600 */
            {"\xF4\x8F\xBF\xBF", 4}, /* U+10FFFF */
            {"", 0},                 /* end */
            {"\x80", 0},             /* stray continuation */
            {"\xC3", 0},             /* truncated at the end */
            {"\xC3"
             "a",
             0},                     /* truncated mid-string */
            {"\xC0\xAF", 0},         /* overlong '/' */
            {"\xE0\x80\xAF", 0},     /* overlong, 3 bytes */
            {"\xED\xA0\x80", 0},     /* surrogate U+D800 */
            {"\xF4\x90\x80\x80", 0}, /* U+110000 */
            {"\xFF", 0},             /* never in UTF-8 */
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++)
                is_int(vp_utf8_len(cases[i].s), cases[i].len, "vp_utf8_len case %zu", i);
        ok(vp_utf8_valid("db-\xE6\x95\xB0\xE6\x8D\xAE-01"), "CJK name is valid UTF-8");
        ok(vp_utf8_valid(""), "empty string is valid UTF-8");
        ok(!vp_utf8_valid("db-\xFF-01"), "a 0xFF byte is not");
        ok(!vp_utf8_valid("db-\xE6\x95"), "a cut sequence at the end is not");
}

/* The boundaries on both sides of each rule: the smallest and largest code
 * point of every length, the last one before and the first one after the
 * surrogates, and the ways a sequence can be cut or overlong. */
static void test_utf8_edges(void)
{
        struct {
                const char *s, *what;
                size_t len;
        } cases[] = {
            {"\x7F", "U+007F, the last 1-byte", 1},
            {"\xC2\x80", "U+0080, the first 2-byte", 2},
            {"\xC1\xBF", "U+007F in 2 bytes: overlong", 0},
            {"\xDF\xBF", "U+07FF, the last 2-byte", 2},
            {"\xE0\xA0\x80", "U+0800, the first 3-byte", 3},
            {"\xE0\x9F\xBF", "U+07FF in 3 bytes: overlong", 0},
            {"\xED\x9F\xBF", "U+D7FF, just below the surrogates", 3},
            {"\xED\xBF\xBF", "U+DFFF, the last surrogate", 0},
            {"\xEE\x80\x80", "U+E000, just above the surrogates", 3},
            {"\xEF\xBF\xBF", "U+FFFF, the last 3-byte", 3},
            {"\xF0\x90\x80\x80", "U+10000, the first 4-byte", 4},
            {"\xF0\x8F\xBF\xBF", "U+FFFF in 4 bytes: overlong", 0},
            {"\xF0\x80\x80\xAF", "'/' in 4 bytes: overlong", 0},
            {"\xF5\x80\x80\x80", "lead 0xF5: above U+10FFFF", 0},
            {"\xF7\xBF\xBF\xBF", "U+1FFFFF: above U+10FFFF", 0},
            {"\xF8\x88\x80\x80\x80", "a 5-byte lead", 0},
            {"\xFC\x84\x80\x80\x80\x80", "a 6-byte lead", 0},
            {"\xFE", "0xFE", 0},
            {"\xF0\x9F\x98", "4-byte sequence cut after 3", 0},
            {"\xF0\x9F", "4-byte sequence cut after 2", 0},
            {"\xE6\x41\xB0", "ASCII where a continuation belongs", 0},
            {"\xE6\x95\xC3\xA9", "a new lead where a continuation belongs", 0},
            {"\xBF", "a lone last continuation byte", 0},
            {"a\xFF", "only the first sequence counts", 1},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++)
                is_int(vp_utf8_len(cases[i].s), cases[i].len, "vp_utf8_len: %s", cases[i].what);

        ok(vp_utf8_valid("a\xC3\xA9\xE6\x95\xB0\xF0\x9F\x98\x80z"),
           "1-, 2-, 3- and 4-byte sequences in a row are valid");
        ok(!vp_utf8_valid("ok\xED\xA0\x80"), "a surrogate at the end makes the string invalid");
        ok(!vp_utf8_valid("\xC0\xAF"
                          "etc"),
           "an overlong sequence at the start does");
        ok(!vp_utf8_valid("x\xF4\x90\x80\x80y"), "U+110000 in the middle does");
        ok(!vp_utf8_valid("x\xF0\x9F\x98"), "a cut 4-byte sequence at the end does");
}

static void test_strstrip(void)
{
        struct {
                const char *in, *out;
        } cases[] = {
            {"abc", "abc"}, {"  abc", "abc"}, {"abc \t\r\n", "abc"}, {"\t\n a b  c \r", "a b  c"},
            {"", ""},       {" \t\r\n ", ""}, {"\va\v", "\va\v"}, /* only space, tab, CR and LF are
                                                                     stripped */
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char *buf = vp_xstrdup(cases[i].in);
                char *r = vp_strstrip(buf);
                is_str(r, cases[i].out, "strstrip case %zu", i);
                ok(r >= buf && r <= buf + strlen(cases[i].in), "strstrip case %zu stays in s", i);
                free(buf);
        }
        char buf[] = "  x  ";
        char *r = vp_strstrip(buf);
        ok(r == buf + 2, "returns s advanced past the leading blanks");
        is_int(buf[3], '\0', "the first trailing blank becomes the NUL");
}

static void test_parse_u64(void)
{
        struct {
                const char *s;
                int rc;
                uint64_t v;
        } cases[] = {
            {"0", 0, 0},
            {"7", 0, 7},
            {"007", 0, 7},
            {"4294967296", 0, 4294967296ull},
            {"18446744073709551614", 0, UINT64_MAX - 1},
            {"18446744073709551615", 0, UINT64_MAX},
            {"18446744073709551616", -ERANGE, 0},
            {"18446744073709551620", -ERANGE, 0},
            {"99999999999999999999", -ERANGE, 0},
            {"184467440737095516150", -ERANGE, 0},
            {"", -EINVAL, 0},
            {"-1", -EINVAL, 0},
            {"+1", -EINVAL, 0},
            {" 1", -EINVAL, 0},
            {"1 ", -EINVAL, 0},
            {"1a", -EINVAL, 0},
            {"0x10", -EINVAL, 0},
            {"1.5", -EINVAL, 0},
            {"1\n", -EINVAL, 0},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                uint64_t v = 12345;
                int r = vp_parse_u64(cases[i].s, &v);
                is_int(r, cases[i].rc, "parse_u64('%s') returns %d", cases[i].s, cases[i].rc);
                if (cases[i].rc == 0)
                        ok(v == cases[i].v, "parse_u64('%s') = %llu (got %llu)", cases[i].s,
                           (unsigned long long)cases[i].v, (unsigned long long)v);
                else
                        ok(v == 12345, "parse_u64('%s') leaves *out alone on error", cases[i].s);
        }
        uint64_t v = 1;
        is_int(vp_parse_u64(NULL, &v), -EINVAL, "parse_u64(NULL): -EINVAL");
        is_int(v, 1, "... *out untouched");
}

static void test_one_line(void)
{
        char s[] = "db\n1\tx\r\x01\x1f\x7f"
                   "\xC3\xA9 ~";
        char *r = vp_one_line(s);
        ok(r == s, "one_line returns s");
        is_str(s,
               "db?1?x????"
               "\xC3\xA9 ~",
               "control characters and DEL become '?'; UTF-8, space and '~' stay");
        char plain[] = "vm-01";
        is_str(vp_one_line(plain), "vm-01", "a plain name is unchanged");
        ok(vp_one_line(NULL) == NULL, "one_line(NULL) is NULL");
}

static void test_buf(void)
{
        vp_buf b = {0};
        ok(b.s == NULL, "an empty buffer has no string");
        vp_buf_str(&b, "ab");
        is_str(b.s, "ab", "first add");
        is_int(b.len, 2, "len 2");
        is_int(b.cap, 256, "the first allocation is 256 bytes");
        vp_buf_add(&b, "cdef", 2);
        is_str(b.s, "abcd", "add takes n bytes of p, NUL-terminated");
        is_int(b.len, 4, "len 4");

        /* fill to exactly one byte short of the capacity: the NUL still fits */
        char chunk[300];
        memset(chunk, 'x', sizeof(chunk));
        vp_buf_add(&b, chunk, 255 - b.len);
        is_int(b.len, 255, "255 bytes");
        is_int(b.cap, 256, "still in the first allocation (255 + NUL)");
        vp_buf_add(&b, "y", 1);
        is_int(b.len, 256, "one more byte");
        is_int(b.cap, 512, "grows by doubling");
        ok(b.s[255] == 'y' && b.s[256] == '\0', "the new byte and its NUL");
        ok(b.s[0] == 'a' && b.s[3] == 'd' && b.s[4] == 'x' && b.s[254] == 'x',
           "earlier bytes kept across the realloc");

        vp_buf_add(&b, chunk, sizeof(chunk));
        vp_buf_add(&b, chunk, sizeof(chunk));
        is_int(b.len, 856, "856 bytes after two more chunks");
        is_int(b.cap, 1024, "capacity 1024");
        is_int(strlen(b.s), 856, "NUL right after the last byte");

        /* embedded NULs are data, len counts them */
        vp_buf z = {0};
        vp_buf_add(&z, "a\0b", 3);
        is_int(z.len, 3, "an embedded NUL is counted");
        ok(memcmp(z.s, "a\0b", 4) == 0, "bytes and the final NUL");
        free(z.s);

        /* reserve, then write in place as the JSON writers do */
        vp_buf r = {0};
        vp_buf_reserve(&r, 1000);
        ok(r.cap >= 1001, "reserve(1000) leaves room for 1000 bytes and the NUL (cap %zu)", r.cap);
        is_int(r.cap, 1024, "rounded up to a power of two from 256");
        is_int(r.len, 0, "reserve adds nothing");
        memcpy(r.s, "hello", 6);
        r.len = 5;
        size_t cap = r.cap;
        vp_buf_reserve(&r, cap - r.len - 1);
        is_int(r.cap, cap, "no realloc while the request fits");
        vp_buf_reserve(&r, cap - r.len);
        is_int(r.cap, cap * 2, "one byte more than fits: grows");
        is_str(r.s, "hello", "contents kept");
        free(r.s);
        free(b.s);
}

static void test_error(void)
{
        vp_error e;
        memset(&e, 'z', sizeof(e));
        int r = vp_error_set(&e, -ENOENT, "%s: %d", "path", 42);
        is_int(r, -ENOENT, "returns the code given");
        is_str(e.msg, "path: 42", "formats the message");
        is_int(e.code, -ENOENT, "records the errno");
        is_str(WHERE(e), "", "and no location");
        is_int(vp_error_set(NULL, -EPERM, "ignored %s", "x"), -EPERM, "NULL err: returns the code");
        is_int(vp_error_set(&e, 0, "zero"), 0, "any code, 0 too");
        is_str(e.msg, "zero", "replaces the earlier message");

        char big[2000];
        memset(big, 'm', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        vp_error_set(&e, -E2BIG, "%s", big);
        is_int(strlen(e.msg), sizeof(e.msg) - 1, "a long message is cut to the buffer");
        is_int(e.msg[sizeof(e.msg) - 1], '\0', "and NUL-terminated");

        r = vp_error_at(&e, -EBADMSG, "/var/lib/x.json", 0, "not valid JSON: %s", "eof");
        is_int(r, -EBADMSG, "vp_error_at returns the code given");
        is_str(e.msg, "/var/lib/x.json: not valid JSON: eof", "message: FILE: text");
        is_str(WHERE(e), "/var/lib/x.json", "where: the file, for line 0");
        is_int(e.code, -EBADMSG, "and the errno");
        vp_error_at(&e, -EINVAL, "a.ini", 7, "bad %s", "key");
        is_str(e.msg, "a.ini:7: bad key", "with a line: FILE:LINE: text");
        is_str(WHERE(e), "a.ini:7", "where: FILE:LINE");
        vp_error_set(&e, -EIO, "plain");
        is_str(WHERE(e), "", "vp_error_set clears an earlier location");
        is_int(vp_error_at(NULL, -EPERM, "f", 1, "x"), -EPERM, "NULL err: returns the code");
        vp_error_at(&e, -E2BIG, big, 3, "tail");
        is_int(e.where_len, sizeof(e.msg) - 1,
               "a long file name: the location is the whole (cut) message");
        is_int(strlen(e.msg), sizeof(e.msg) - 1, "and in the message");
}

static void test_alloc(void)
{
        is_str_free(vp_xstrdup(NULL), "", "xstrdup(NULL) is an empty string");
        is_str_free(vp_xasprintf("%s-%03d", "vm", 7), "vm-007", "xasprintf formats");
        void *p = vp_xmalloc(0);
        ok(p != NULL, "xmalloc(0) returns a pointer");
        free(p);
        int *z = vp_xcalloc(4, sizeof(int));
        ok(z[0] == 0 && z[3] == 0, "xcalloc zeroes");
        z = vp_xrealloc(z, 0);
        ok(z != NULL, "xrealloc to 0 returns a pointer");
        free(z);

        const char *names[] = {"vm-b", "vm-a", "db", "vm-a1"};
        qsort(names, VP_ARRAY_SIZE(names), sizeof(names[0]), vp_strp_cmp);
        is_str(names[0], "db", "strp_cmp sorts by the strings: db");
        is_str(names[1], "vm-a", "vm-a");
        is_str(names[2], "vm-a1", "vm-a1");
        is_str(names[3], "vm-b", "vm-b");
}

int main(void)
{
        test_utf8();
        test_utf8_edges();
        test_strstrip();
        test_parse_u64();
        test_one_line();
        test_buf();
        test_error();
        test_alloc();
        return tap_done();
}
