/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File I/O helpers: bounded non-blocking reads, owner checks for vmplace's
 * own files, atomic replacement. */
#include "fileio.h"
#include "sysfs_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

int vp_read_stream(FILE *f, size_t max, char **out, size_t *len, vp_error *err)
{
        size_t cap = 8192, n = 0;
        _cleanup_free_ char *buf = vp_xmalloc(cap);
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        cap *= 2;
                        buf = vp_xrealloc(buf, cap);
                }
                size_t r = fread(buf + n, 1, cap - n - 1, f);
                n += r;
                if (n > max)
                        return vp_error_set(err, -EFBIG, "input larger than %zu bytes", max);
                if (r == 0) {
                        if (ferror(f))
                                return vp_error_set(err, -EIO, "read error: %s",
                                                    strerror(errno ? errno : EIO));
                        break;
                }
        }
        buf[n] = '\0';
        if (len)
                *len = n;
        *out = TAKE_PTR(buf);
        return 0;
}

int vp_read_fd(int fd, long long size, size_t max, char **out, size_t *len, vp_error *err)
{
        bool regular = size >= 0;
        /* one byte more than the size: a full buffer means the file grew;
         * procfs says 0, and its files are mostly under a page */
        size_t cap =
            regular && size > 0 && (unsigned long long)size < max ? (size_t)size + 2 : 4096;
        size_t n = 0;
        _cleanup_free_ char *buf = vp_xmalloc(cap);
        for (;;) {
                if (n + 1 >= cap) {
                        cap *= 2;
                        buf = vp_xrealloc(buf, cap);
                }
                size_t want = cap - n - 1;
                ssize_t r = read(fd, buf + n, want);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return vp_error_set(err, -errno, "read error: %s", strerror(errno));
                }
                n += (size_t)r;
                if (n > max)
                        return vp_error_set(err, -EFBIG, "input larger than %zu bytes", max);
                /* procfs reports size 0 and may end a read early at a
                 * record boundary: only a file with a real size is known to
                 * be complete after a short read */
                if (r == 0 || (regular && size > 0 && (size_t)r < want))
                        break;
        }
        buf[n] = '\0';
        if (len)
                *len = n;
        *out = TAKE_PTR(buf);
        return 0;
}

int vp_read_private(const char *path, size_t max, char **out, size_t *len)
{
        *out = NULL;
        _cleanup_close_ int fd =
            open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            (st.st_mode & 077) || (unsigned long long)st.st_size > max)
                return -1;
        vp_error err;
        return vp_read_fd(fd, (long long)st.st_size, max, out, len, &err) < 0 ? -1 : 0;
}

int vp_check_owned(const char *path, const struct stat *st, vp_error *err)
{
        if (st->st_uid != geteuid())
                return vp_error_at(err, -EPERM, path, 0, "owned by uid %u, not %u: refused",
                                   (unsigned)st->st_uid, (unsigned)geteuid());
        if (st->st_mode & 022)
                return vp_error_at(err, -EPERM, path, 0, "writable by group or others: refused");
        return 0;
}

static int read_file(const char *path, size_t max, bool owned, char **out, size_t *len,
                     vp_error *err)
{
        /* O_NONBLOCK: opening a FIFO planted in place of a file (the run
         * dir, libvirt's run dir, a fake tree) must not wait for a writer;
         * every file vmplace reads this way, procfs, sysfs and cgroupfs
         * ones included, is a regular file, and for those the flag changes
         * nothing */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return vp_error_at(err, -errno, path, 0, "%s", strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return vp_error_at(err, -errno, path, 0, "%s", strerror(errno));
        if (!S_ISREG(st.st_mode))
                return vp_error_at(err, -EINVAL, path, 0, "not a regular file");
        if (owned) {
                int r = vp_check_owned(path, &st, err);
                if (r < 0)
                        return r;
        }
        int r = vp_read_fd(fd, (long long)st.st_size, max, out, len, err);
        if (r < 0)
                return vp_error_at(err, r, path, 0, "%s",
                                   r == -EFBIG ? "file too large" : strerror(-r));
        return 0;
}

int vp_read_file(const char *path, size_t max, char **out, size_t *len, vp_error *err)
{
        return read_file(path, max, false, out, len, err);
}

int vp_read_owned(const char *path, size_t max, char **out, size_t *len, vp_error *err)
{
        return read_file(path, max, true, out, len, err);
}

int vp_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode,
                         vp_error *err)
{
        _cleanup_free_ char *tmp = vp_xasprintf("%s.tmp.%ld", path, (long)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return vp_error_at(err, -errno, tmp, 0, "%s", strerror(errno));
        size_t off = 0;
        while (off < len) {
                ssize_t w = write(fd, data + off, len - off);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        close(fd);
                        unlink(tmp);
                        return vp_error_at(err, -e, tmp, 0, "%s", strerror(e));
                }
                off += (size_t)w;
        }
        if (fsync(fd) < 0 || close(fd) < 0) {
                int e = errno;
                unlink(tmp);
                return vp_error_at(err, -e, tmp, 0, "%s", strerror(e));
        }
        if (rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return vp_error_at(err, -e, path, 0, "%s", strerror(e));
        }
        return 0;
}

int vp_mkdir_p(const char *path, unsigned mode, vp_error *err)
{
        char buf[PATH_MAX];
        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return vp_error_at(err, -ENAMETOOLONG, path, 0, "path too long");
        /* the usual case, the whole path there already: one system call */
        if (mkdir(buf, mode) == 0 || errno == EEXIST)
                return 0;
        for (char *p = buf + 1;; p++) {
                if (*p == '/' || *p == '\0') {
                        char c = *p;
                        *p = '\0';
                        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                                return vp_error_at(err, -errno, buf, 0, "%s", strerror(errno));
                        *p = c;
                        if (c == '\0')
                                break;
                }
        }
        return 0;
}

int vp_write_value(const char *path, const char *value)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        const char *v = *value ? value : "\n";
        size_t len = strlen(v);
        ssize_t n = write(fd, v, len);
        if (n < 0)
                return -errno;
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int vp_read_cpulist(const char *path, size_t max, vp_cpuset *out, vp_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = vp_read_file(path, max, &buf, &len, err);
        if (r < 0)
                return r;
        vp_error sub = {0};
        if ((r = vp_sysfs_parse_cpulist(buf, len, out, &sub)) < 0)
                return vp_error_at(err, r, path, 0, "%s", sub.msg);
        return 0;
}
