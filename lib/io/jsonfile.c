/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonfile.h"
#include "fileio.h"

#include <errno.h>
#include <string.h>

int vp_json_file_read(const char *path, size_t max, json_object **out, vp_error *err)
{
        *out = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = vp_read_owned(path, max, &text, &len, err);
        if (r < 0)
                return r;
        return vp_json_parse(path, text, len, out, err);
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
