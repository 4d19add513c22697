/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON state files under VMPLACE_RUNDIR (the ledger, the metrics state):
 * read strictly, replaced atomically. */
#ifndef VMPLACE_JSONFILE_H
#define VMPLACE_JSONFILE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsontext.h"
#include "util.h"

/* Parse path (at most max bytes), a file vmplace wrote for itself, as one
 * strict JSON value. Returns 0 with *out (the caller puts it), -ENOENT when
 * the file is absent, -EPERM when it is not owned by this euid or others may
 * write it, -EINVAL when it is not a regular file, -EBADMSG when it is not
 * JSON ("FILE: not valid JSON: REASON at byte N"), or another -errno when it
 * cannot be read; err names the file. */
int vp_json_file_read(const char *path, size_t max, json_object **out, vp_error *err);

/* Write root, pretty and newline-terminated, to path atomically
 * (vp_write_file_atomic) with mode for a new file. Returns 0 or -errno. */
int vp_json_file_write(const char *path, json_object *root, unsigned mode, vp_error *err);

#endif
