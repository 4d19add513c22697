#include "jsonfile.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static inline void tokener_freep(struct json_tokener **t)
{
        if (*t)
                json_tokener_free(*t);
}

int vp_json_file_read(const char *path, size_t max, json_object **out, vp_error *err)
{
        *out = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = vp_read_file(path, max, &text, &len, err);
        if (r < 0)
                return r;
        if (strlen(text) != len)
                return vp_error_set(err, -EBADMSG, "%s: not valid JSON: contains a NUL byte", path);
        _cleanup_(tokener_freep) struct json_tokener *tok = json_tokener_new();
        if (!tok)
                abort();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        _cleanup_json_ json_object *root = json_tokener_parse_ex(tok, text, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        if (jerr == json_tokener_continue)
                return vp_error_set(err, -EBADMSG, "%s: not valid JSON: unexpected end of file",
                                    path);
        if (jerr != json_tokener_success)
                return vp_error_set(err, -EBADMSG, "%s: not valid JSON: %s at byte %zu", path,
                                    json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
                if (!isspace((unsigned char)text[i]))
                        return vp_error_set(err, -EBADMSG,
                                            "%s: not valid JSON: trailing data at byte %zu", path,
                                            i);
        *out = TAKE_PTR(root);
        return 0;
}

int vp_json_file_write(const char *path, json_object *root, unsigned mode, vp_error *err)
{
        size_t len = 0;
        const char *text = json_object_to_json_string_length(
            root,
            JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
            &len);
        if (!text)
                abort();
        _cleanup_free_ char *data = vp_xmalloc(len + 2);
        memcpy(data, text, len);
        data[len++] = '\n';
        data[len] = '\0';
        return vp_write_file_atomic(path, data, len, mode, err);
}
