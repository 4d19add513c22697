/* JSON state files under VMPLACE_RUNDIR (the ledger, the metrics state):
 * read strictly, replaced atomically. */
#ifndef VMPLACE_JSONFILE_H
#define VMPLACE_JSONFILE_H

#include <json-c/json.h>
#include <stddef.h>

#include "util.h"

static inline void vp_json_putp(json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(vp_json_putp)

/* Parse path (at most max bytes) as one strict JSON value. Returns 0 with
 * *out (the caller puts it), -ENOENT when the file is absent, -EBADMSG when
 * it is not JSON ("FILE: not valid JSON: REASON at byte N"), or another
 * -errno when it cannot be read; err names the file. */
int vp_json_file_read(const char *path, size_t max, json_object **out, vp_error *err);

/* Write root, pretty and newline-terminated, to path atomically
 * (vp_write_file_atomic) with mode for a new file. Returns 0 or -errno. */
int vp_json_file_write(const char *path, json_object *root, unsigned mode, vp_error *err);

#endif
