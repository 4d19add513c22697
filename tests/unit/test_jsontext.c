/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON text written by hand (vp_buf, lib/model/jsontext.c): every byte escaped as
 * json-c escapes it, hostile strings read back by json-c's strict reader as
 * the same bytes, numbers and the pretty layout as json-c prints them. */
#include <limits.h>
#include <string.h>

#include "jsontext.h"
#include "tap.h"

#define PRINT_FLAGS                                                                                \
        (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* json-c's text for the string s (len bytes, may hold no NUL) */
static char *jsonc_str(const char *s, size_t len)
{
        json_object *o = json_object_new_string_len(s, (int)len);
        char *t = vp_xstrdup(json_object_to_json_string_ext(o, PRINT_FLAGS));
        json_object_put(o);
        return t;
}

static char *ours_str(const char *s)
{
        vp_buf b = {0};
        vp_jbuf_put_str(&b, s);
        return b.s;
}

/* text parsed by json-c's strict reader as one string: its bytes, or NULL */
static char *read_back(const char *text)
{
        struct json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text));
        char *s = NULL;
        if (o && json_object_is_type(o, json_type_string) &&
            json_tokener_get_parse_end(tok) == strlen(text))
                s = vp_xstrdup(json_object_get_string(o));
        json_object_put(o);
        json_tokener_free(tok);
        return s;
}

static void test_every_byte(void)
{
        bool same = true, back = true;
        int first_bad = -1;
        for (int c = 1; c < 256; c++) {
                char s[4] = {'a', (char)c, 'b', '\0'};
                char *want = jsonc_str(s, 3), *got = ours_str(s), *rb = read_back(got);
                if (strcmp(want, got) != 0 && first_bad < 0)
                        first_bad = c;
                same &= strcmp(want, got) == 0;
                back &= rb && strcmp(rb, s) == 0;
                free(want), free(got), free(rb);
        }
        ok(same, "every byte 1-255 escaped as json-c escapes it (first difference: %d)", first_bad);
        ok(back, "... and read back by json-c's strict reader as that byte");
}

static void test_hostile(void)
{
        static const char *const cases[] = {
            "",
            "plain-name_01.example",
            "web \"x\"\n",
            "back\\slash\\\\ and \\u0041 (not an escape)",
            "quote\" at the end\"",
            "\"",
            "\\",
            "tab\there cr\rlf\nff\fbs\b",
            "\x01\x02\x1f\x7f",
            "slash/and</script>",
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",         /* valid UTF-8 */
            "\xe2\x80\xa8 line separators \xe2\x80\xa9",         /* U+2028, U+2029 */
            "lone \xff byte, \xc3 truncated, \xc0\xaf overlong", /* invalid */
            "\xed\xa0\x80 surrogate, \xf4\x90\x80\x80 too high",
            "ends in a truncated sequence \xe2\x82",
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                const char *s = cases[i];
                char *want = jsonc_str(s, strlen(s)), *got = ours_str(s), *rb = read_back(got);
                is_str(got, want, "hostile string %zu: json-c's escaping", i);
                ok(rb && strcmp(rb, s) == 0, "hostile string %zu: reads back the same bytes", i);
                free(want), free(got), free(rb);
        }

        /* a long string of nothing but escapes: the worst case reservation */
        char long_s[4097];
        for (size_t i = 0; i < sizeof(long_s) - 1; i++)
                long_s[i] = (char)(1 + i % 31);
        long_s[sizeof(long_s) - 1] = '\0';
        char *want = jsonc_str(long_s, strlen(long_s)), *got = ours_str(long_s);
        ok(strcmp(want, got) == 0, "4096 control characters: json-c's escaping");
        free(want), free(got);
}

static void test_numbers(void)
{
        static const int64_t values[] = {
            0, 1, -1, 9, 10, -10, 1700000000, INT_MAX, INT64_MAX, INT64_MIN, INT64_MIN + 1};
        for (size_t i = 0; i < VP_ARRAY_SIZE(values); i++) {
                json_object *o = json_object_new_int64(values[i]);
                vp_buf b = {0};
                vp_jbuf_put_i64(&b, values[i]);
                is_str(b.s, json_object_to_json_string_ext(o, PRINT_FLAGS),
                       "int64 %zu as json-c prints it", i);
                json_object_put(o);
                free(b.s);
        }
}

/* {"a": {}, "b": [], "c": [{"d": null, "e": [1, {}]}], "f": "g"} both ways */
static void test_layout(void)
{
        json_object *root = json_object_new_object();
        json_object_object_add(root, "a", json_object_new_object());
        json_object_object_add(root, "b", json_object_new_array());
        json_object *c = json_object_new_array(), *c0 = json_object_new_object();
        json_object *e = json_object_new_array();
        json_object_object_add(c0, "d", NULL);
        json_object_array_add(e, json_object_new_int64(1));
        json_object_array_add(e, json_object_new_object());
        json_object_object_add(c0, "e", e);
        json_object_array_add(c, c0);
        json_object_object_add(root, "c", c);
        json_object_object_add(root, "f", json_object_new_string("g"));

        vp_buf b = {0};
        vp_buf_str(&b, "{");
        vp_jbuf_key(&b, true, 1, "a");
        vp_buf_str(&b, "{");
        vp_jbuf_close(&b, 1, '}');
        vp_jbuf_key(&b, false, 1, "b");
        vp_buf_str(&b, "[");
        vp_jbuf_close(&b, 1, ']');
        vp_jbuf_key(&b, false, 1, "c");
        vp_buf_str(&b, "[");
        vp_jbuf_next(&b, true, 2);
        vp_buf_str(&b, "{");
        vp_jbuf_key(&b, true, 3, "d");
        vp_buf_str(&b, "null");
        vp_jbuf_key(&b, false, 3, "e");
        vp_buf_str(&b, "[");
        vp_jbuf_next(&b, true, 4);
        vp_jbuf_put_i64(&b, 1);
        vp_jbuf_next(&b, false, 4);
        vp_buf_str(&b, "{");
        vp_jbuf_close(&b, 4, '}');
        vp_jbuf_close(&b, 3, ']');
        vp_jbuf_close(&b, 2, '}');
        vp_jbuf_close(&b, 1, ']');
        vp_jbuf_key(&b, false, 1, "f");
        vp_jbuf_put_str(&b, "g");
        vp_jbuf_close(&b, 0, '}');
        is_str(b.s, json_object_to_json_string_ext(root, PRINT_FLAGS),
               "nested objects, arrays, empty ones and null laid out as json-c prints them");
        is_int(b.len, strlen(b.s), "len counts what was written");
        json_object_put(root);
        free(b.s);

        /* growing from nothing, many small pieces */
        vp_buf g = {0};
        for (int i = 0; i < 10000; i++)
                vp_buf_add(&g, "ab", 2);
        ok(g.len == 20000 && g.cap > g.len && g.s[g.len] == '\0' && g.s[19999] == 'b',
           "the buffer grows and stays NUL-terminated");
        free(g.s);
}

int main(void)
{
        test_every_byte();
        test_hostile();
        test_numbers();
        test_layout();
        return tap_done();
}
