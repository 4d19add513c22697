/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common.h"
#include "fileio.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "configfile.h"
#include "topoload.h"

static char *dir;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        remove(path);
        return 0;
}

static void cleanup(void)
{
        if (dir)
                nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
        dir = NULL;
}

void fz_fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("fuzz invariant broken: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        abort();
}

const char *fz_dir(void)
{
        if (dir)
                return dir;
        /* tmpfs keeps the per-input file writes cheap */
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0
                               ? "/dev/shm"
                               : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        char *t = vp_xasprintf("%s/vmplace-fuzz.XXXXXX", base);
        if (!mkdtemp(t))
                fz_fail("mkdtemp %s: %s", t, strerror(errno));
        dir = t;
        atexit(cleanup);
        return dir;
}

char *fz_path(const char *rel)
{
        return vp_xasprintf("%s/%s", fz_dir(), rel);
}

void fz_mkdir(const char *rel)
{
        _cleanup_free_ char *p = fz_path(rel);
        vp_error err;
        if (vp_mkdir_p(p, 0700, &err) < 0)
                fz_fail("%s", err.msg);
}

void fz_write(const char *rel, const void *data, size_t len)
{
        _cleanup_free_ char *p = fz_path(rel);
        FILE *f = fopen(p, "w");
        if (!f)
                fz_fail("open %s: %s", p, strerror(errno));
        bool short_write = len && fwrite(data, 1, len, f) != len;
        if (fclose(f) != 0 || short_write)
                fz_fail("write %s", p);
}

void fz_unlink(const char *rel)
{
        _cleanup_free_ char *p = fz_path(rel);
        if (unlink(p) < 0 && errno != ENOENT)
                fz_fail("unlink %s: %s", p, strerror(errno));
}

void fz_check_said(const char *what, const char *msg)
{
        if (!msg || !*msg)
                fz_fail("%s failed with an empty message", what);
}

void fz_check_msg(const char *what, const char *msg)
{
        fz_check_said(what, msg);
        if (strchr(msg, '\n'))
                fz_fail("%s: message is not one line: %s", what, msg);
}

size_t fz_split(const uint8_t *data, size_t size, const uint8_t **parts, size_t *lens, size_t max)
{
        static const char sep[] = "\n%%\n";
        const size_t sl = sizeof(sep) - 1;
        size_t n = 0, start = 0;
        for (size_t i = 0; n + 1 < max && i + sl <= size; i++) {
                if (memcmp(data + i, sep, sl) != 0)
                        continue;
                parts[n] = data + start;
                lens[n++] = i - start;
                start = i + sl;
                i = start - 1;
        }
        parts[n] = data + start;
        lens[n++] = size - start;
        return n;
}

void fz_load_fixtures(vp_topology **topo, vp_config **cfg)
{
        vp_error err;
        vp_diag diag = {0};
        if (vp_topology_load(FUZZ_DATA "/topo/2node-smt", topo, &err) < 0)
                fz_fail("topology: %s", err.msg);
        if (vp_config_load(FUZZ_DATA "/config/good", false, cfg, &diag) < 0 || !(*cfg)->n_profiles)
                fz_fail("config %s/config/good does not load", FUZZ_DATA);
        vp_diag_free(&diag);
}
