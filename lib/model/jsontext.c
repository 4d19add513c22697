/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsontext.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static inline void tokener_freep(struct json_tokener **t)
{
        if (*t)
                json_tokener_free(*t);
}

int vp_json_parse(const char *name, const char *text, size_t len, json_object **out, vp_error *err)
{
        *out = NULL;
        if (memchr(text, '\0', len))
                return vp_error_at(err, -EBADMSG, name, 0, "not valid JSON: contains a NUL byte");
        _cleanup_(tokener_freep) struct json_tokener *tok = json_tokener_new();
        if (!tok)
                abort();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        _cleanup_json_ json_object *root = json_tokener_parse_ex(tok, text, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        if (jerr == json_tokener_continue)
                return vp_error_at(err, -EBADMSG, name, 0,
                                   "not valid JSON: unexpected end of file");
        if (jerr != json_tokener_success)
                return vp_error_at(err, -EBADMSG, name, 0, "not valid JSON: %s at byte %zu",
                                   json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
                if (!isspace((unsigned char)text[i]))
                        return vp_error_set(err, -EBADMSG,
                                            "%s: not valid JSON: trailing data at byte %zu", name,
                                            i);
        *out = TAKE_PTR(root);
        return 0;
}

/* ---- JSON text by hand ---- */

void vp_jbuf_put_i64(vp_buf *b, int64_t v)
{
        char tmp[24];
        size_t n = sizeof(tmp);
        /* through uint64_t: -INT64_MIN does not fit an int64_t */
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        do
                tmp[--n] = (char)('0' + u % 10);
        while ((u /= 10) != 0);
        if (v < 0)
                tmp[--n] = '-';
        vp_buf_add(b, tmp + n, sizeof(tmp) - n);
}

/* What json-c's json_escape_str writes for byte c, or NULL for c itself. */
static const char *escape_of(unsigned char c, char u[7])
{
        static const char hex[] = "0123456789abcdef";
        switch (c) {
        case '"':
                return "\\\"";
        case '\\':
                return "\\\\";
        case '\b':
                return "\\b";
        case '\f':
                return "\\f";
        case '\n':
                return "\\n";
        case '\r':
                return "\\r";
        case '\t':
                return "\\t";
        default:
                if (c >= 0x20)
                        return NULL;
                memcpy(u, "\\u00", 4);
                u[4] = hex[c >> 4];
                u[5] = hex[c & 0xf];
                u[6] = '\0';
                return u;
        }
}

void vp_jbuf_put_str(vp_buf *b, const char *s)
{
        size_t len = strlen(s);
        /* the worst case, every byte a \u00xx, so the loop needs no checks */
        vp_buf_reserve(b, 6 * len + 2);
        char *o = b->s + b->len;
        *o++ = '"';
        for (const char *p = s; p < s + len; p++) {
                unsigned char c = (unsigned char)*p;
                if (c >= 0x20 && c != '"' && c != '\\') {
                        *o++ = (char)c;
                        continue;
                }
                char u[7];
                const char *e = escape_of(c, u);
                size_t n = strlen(e);
                memcpy(o, e, n);
                o += n;
        }
        *o++ = '"';
        *o = '\0';
        b->len = (size_t)(o - b->s);
}

static void indent(vp_buf *b, unsigned level)
{
        vp_buf_reserve(b, 2 * (size_t)level);
        memset(b->s + b->len, ' ', 2 * (size_t)level);
        b->len += 2 * (size_t)level;
        b->s[b->len] = '\0';
}

void vp_jbuf_next(vp_buf *b, bool first, unsigned level)
{
        vp_buf_add(b, first ? "\n" : ",\n", first ? 1 : 2);
        indent(b, level);
}

void vp_jbuf_key(vp_buf *b, bool first, unsigned level, const char *key)
{
        vp_jbuf_next(b, first, level);
        size_t n = strlen(key);
        vp_buf_reserve(b, n + 4);
        char *p = b->s + b->len;
        *p++ = '"';
        memcpy(p, key, n);
        memcpy(p + n, "\": ", 4);
        b->len += n + 4;
}

void vp_jbuf_close(vp_buf *b, unsigned level, char c)
{
        vp_buf_add(b, "\n", 1);
        indent(b, level);
        vp_buf_add(b, &c, 1);
}
