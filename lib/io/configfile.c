/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace.ini and profiles.d/NAME.ini from the file system: opening, the
 * permission checks, listing profiles.d; the rest of loading is the pure
 * steps of lib/model (confread, confcheck, confinclude). */
#include "configfile.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "confcheck.h"
#include "confinclude.h"
#include "confload.h"
#include "confread.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

static char *path_join(const char *dir, const char *name)
{
        size_t n = strlen(dir);
        return vp_xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

static void check_perms(vp_confload *L, const vp_conf_file *f, const struct stat *st)
{
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                vp_cl_err(L, f, 0, "refusing: writable by group or others (mode %04o)",
                          (unsigned)(st->st_mode & 07777));
        if (st->st_uid != 0)
                vp_cl_err(L, f, 0, "refusing: not owned by root (uid %u)", (unsigned)st->st_uid);
}

/* Read and parse one file. Returns 0, 1 when absent and absent_ok, or -errno
 * (reported). */
static int load_file(vp_confload *L, vp_conf_file *f, bool is_host, bool check, bool absent_ok)
{
        _cleanup_close_ int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                struct stat lst;
                if (e == ENOENT && lstat(f->path, &lst) == 0) {
                        /* a dangling symlink is a mistake, not "no file" */
                        vp_cl_err(L, f, 0, "cannot open: dangling symlink");
                        return -e;
                }
                if (e == ENOENT && absent_ok)
                        return 1;
                vp_cl_io_err(L, f, -e, "cannot open: %s", strerror(e));
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                vp_cl_io_err(L, f, -e, "cannot stat: %s", strerror(e));
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                vp_cl_err(L, f, 0, "not a regular file");
                return -EINVAL;
        }
        if (check)
                check_perms(L, f, &st);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        vp_error err;
        int r = vp_read_fd(fd, (long long)st.st_size, CONFIG_MAX_BYTES, &buf, &len, &err);
        if (r == -EFBIG) {
                vp_cl_err(L, f, 0, "file too large (more than %d bytes)", CONFIG_MAX_BYTES);
                return r;
        }
        if (r < 0) {
                vp_cl_io_err(L, f, r, "%s", err.msg);
                return r;
        }
        vp_confread(L, f, is_host, buf, len);
        return 0;
}

/* Profile names from profiles.d, sorted. Returns 0 (possibly none) or -errno. */
static int list_profiles(vp_confload *L, bool check, char ***names, size_t *n)
{
        int fd = open(L->pdir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                if (e == ENOENT)
                        return 0;
                vp_cl_err(L, &L->pdir, 0, "cannot open: %s", strerror(e));
                if (e != ENOTDIR)
                        vp_cl_io_fail(L, -e);
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                close(fd);
                vp_cl_io_err(L, &L->pdir, -e, "cannot stat: %s", strerror(e));
                return -e;
        }
        if (check)
                check_perms(L, &L->pdir, &st);
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                close(fd);
                vp_cl_io_err(L, &L->pdir, -e, "cannot read: %s", strerror(e));
                return -e;
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                const char *nm = de->d_name;
                size_t len = strlen(nm);
                if (nm[0] == '.' || len <= 4 || strcmp(nm + len - 4, ".ini") != 0)
                        continue;
                _cleanup_free_ char *base = strndup(nm, len - 4);
                if (!base)
                        abort();
                if (!vp_config_name_valid(base)) {
                        _cleanup_free_ char *path = path_join(L->pdir.path, nm);
                        vp_conf_file tmp = {.path = path, .ord = VP_ORD_PDIR};
                        vp_cl_warn(L, &tmp, 0,
                                   "ignored: a profile name may only contain letters, digits, "
                                   "'-', '_' and '.'");
                        continue;
                }
                vp_strv_push(names, n, TAKE_PTR(base));
        }
        int e = errno;
        closedir(d);
        if (e) {
                vp_cl_io_err(L, &L->pdir, -e, "cannot read: %s", strerror(e));
                return -e;
        }
        if (*n)
                qsort(*names, *n, sizeof(char *), vp_strp_cmp);
        return 0;
}

static void load_host(vp_confload *L, vp_host_config *h, bool check)
{
        vp_host_config_init(h);
        if (load_file(L, &L->host, true, check, true) != 0)
                return;
        h->path = vp_xstrdup(L->host.path);
        vp_confcheck_host(L, h);
}

/* Everything after the host file: read, resolve, build and check profiles.
 * With only (sorted, unique), just those profiles are read and profiles.d is
 * not listed (vp_config_load_some). */
static void load_profiles(vp_confload *L, bool check, const char *const *only, size_t n_only,
                          vp_profile **out, size_t *n_out)
{
        char **names = NULL;
        size_t n = 0;
        if (only) {
                names = vp_xcalloc(n_only ? n_only : 1, sizeof(char *));
                for (n = 0; n < n_only; n++)
                        names[n] = vp_xstrdup(only[n]);
        } else
                list_profiles(L, check, &names, &n);
        L->files = vp_xcalloc(n, sizeof(vp_conf_file));
        L->n_files = n;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *fn = vp_xasprintf("%s.ini", names[i]);
                L->files[i].name = names[i];
                L->files[i].path = path_join(L->pdir.path, fn);
                L->files[i].ord = VP_ORD_PROFILES + i;
        }
        free(names);

        /* each file's values are checked once, in their own file */
        for (size_t i = 0; i < n; i++)
                if (load_file(L, &L->files[i], false, check, false) >= 0)
                        vp_confcheck_values(L, &L->files[i]);

        vp_conf_rlist *res = vp_xcalloc(n, sizeof(vp_conf_rlist));
        vp_confinclude_resolve(L, res);
        vp_profile *ps = vp_confinclude_profiles(L, res);
        for (size_t i = 0; i < n; i++)
                vp_confcheck_profile(L, &L->files[i], &res[i], &ps[i]);
        if (!L->errors_only)
                vp_confcheck_ties(L, ps, res, n);

        for (size_t i = 0; i < n; i++)
                free(res[i].e);
        free(res);
        *out = ps;
        *n_out = n;
}

static int config_load(const char *confdir, bool check_perms_, const char *const *only,
                       size_t n_only, vp_config **out, vp_diag *diag)
{
        *out = NULL;
        if (!confdir || !*confdir) {
                if (diag)
                        vp_diag_add(diag, -EINVAL, "(confdir)", 0,
                                    "no configuration directory given");
                return -EINVAL;
        }
        vp_confload L = {.errors_only = diag && diag->errors_only};
        L.confdir = (vp_conf_file){.path = vp_xstrdup(confdir), .ord = VP_ORD_CONFDIR};
        L.host = (vp_conf_file){.path = path_join(confdir, "vmplace.ini"), .ord = VP_ORD_HOST};
        L.pdir = (vp_conf_file){.path = path_join(confdir, "profiles.d"), .ord = VP_ORD_PDIR};

        vp_host_config host;
        vp_host_config_init(&host);
        vp_profile *ps = NULL;
        size_t n = 0;
        struct stat st;
        bool present = true;
        if (stat(confdir, &st) < 0) {
                int e = errno;
                if (e == ENOENT)
                        present = false; /* nothing configured: all defaults */
                else {
                        vp_cl_io_err(&L, &L.confdir, -e, "cannot stat: %s", strerror(e));
                        present = false;
                }
        } else if (!S_ISDIR(st.st_mode)) {
                vp_cl_err(&L, &L.confdir, 0, "not a directory");
                present = false;
        } else if (check_perms_)
                check_perms(&L, &L.confdir, &st);

        if (present) {
                load_host(&L, &host, check_perms_);
                load_profiles(&L, check_perms_, only, n_only, &ps, &n);
                if (!only)
                        vp_confcheck_default_profile(&L);
        }

        int r = vp_cl_finish(&L, diag);
        if (r < 0) {
                vp_host_config_free(&host);
                for (size_t i = 0; i < n; i++)
                        vp_profile_free(&ps[i]);
                free(ps);
                return r;
        }
        vp_config *c = vp_xcalloc(1, sizeof(*c));
        c->confdir = vp_xstrdup(confdir);
        c->host = host;
        c->profiles = ps;
        c->n_profiles = n;
        c->partial = only != NULL;
        *out = c;
        return 0;
}

int vp_config_load(const char *confdir, bool check_perms, vp_config **out, vp_diag *diag)
{
        return config_load(confdir, check_perms, NULL, 0, out, diag);
}

int vp_config_load_some(const char *confdir, bool check_perms, const char *const *names, size_t n,
                        vp_config **out, vp_diag *diag)
{
        for (size_t i = 0; i < n; i++)
                if (!vp_config_name_valid(names[i]) || (i && strcmp(names[i - 1], names[i]) >= 0)) {
                        *out = NULL;
                        if (diag)
                                vp_diag_add(diag, -EINVAL, "(profiles)", 0, "bad profile list");
                        return -EINVAL;
                }
        return config_load(confdir, check_perms, names, n, out, diag);
}
