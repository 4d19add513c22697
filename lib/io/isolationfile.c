/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "isolationfile.h"

#include <errno.h>
#include <unistd.h>

#include "isolationjson.h"
#include "jsonfile.h"

/* A record of a few thousand IRQs is well under this; a bound against junk. */
#define ISOLATION_MAX_BYTES (8u << 20)

int vp_isolation_save(const char *rundir, const vp_isolation_record *r, vp_error *err)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/%s", rundir, VP_ISOLATION_FILE);
        _cleanup_json_ json_object *root = vp_isolation_to_json(r);
        return vp_json_file_write(path, root, 0600, err);
}

int vp_isolation_load(const char *rundir, vp_isolation_record *r, vp_error *err)
{
        *r = (vp_isolation_record){0};
        _cleanup_free_ char *path = vp_xasprintf("%s/%s", rundir, VP_ISOLATION_FILE);
        _cleanup_json_ json_object *root = NULL;
        int rc = vp_json_file_read(path, ISOLATION_MAX_BYTES, &root, err);
        if (rc < 0)
                return rc;
        return vp_isolation_from_json(path, root, r, err);
}

int vp_isolation_remove(const char *rundir, vp_error *err)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/%s", rundir, VP_ISOLATION_FILE);
        if (unlink(path) < 0 && errno != ENOENT) {
                int e = errno;
                return vp_error_at(err, -e, path, 0, "cannot remove: %s", strerror(e));
        }
        return 0;
}
