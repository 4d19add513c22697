#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

int vp_strp_cmp(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vp_error_set(vp_error *err, int code, const char *fmt, ...)
{
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
        }
        return code;
}

void *vp_xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                abort();
        return p;
}

void *vp_xcalloc(size_t n, size_t sz)
{
        void *p = calloc(n ? n : 1, sz ? sz : 1);
        if (!p)
                abort();
        return p;
}

void *vp_xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                abort();
        return p;
}

char *vp_xstrdup(const char *s)
{
        char *d = strdup(s ? s : "");
        if (!d)
                abort();
        return d;
}

char *vp_xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return s;
}

void vp_buf_reserve(vp_buf *b, size_t n)
{
        if (b->cap - b->len > n)
                return;
        size_t want = b->len + n + 1;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < want)
                cap *= 2;
        b->s = vp_xrealloc(b->s, cap);
        b->cap = cap;
}

void vp_buf_add(vp_buf *b, const char *p, size_t n)
{
        vp_buf_reserve(b, n);
        memcpy(b->s + b->len, p, n);
        b->len += n;
        b->s[b->len] = '\0';
}

char *vp_strstrip(char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        size_t n = strlen(s);
        while (n > 0 &&
               (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

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
                return vp_error_set(err, -EPERM, "%s: owned by uid %u, not %u: refused", path,
                                    (unsigned)st->st_uid, (unsigned)geteuid());
        if (st->st_mode & 022)
                return vp_error_set(err, -EPERM, "%s: writable by group or others: refused", path);
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
                return vp_error_set(err, -errno, "%s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return vp_error_set(err, -errno, "%s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return vp_error_set(err, -EINVAL, "%s: not a regular file", path);
        if (owned) {
                int r = vp_check_owned(path, &st, err);
                if (r < 0)
                        return r;
        }
        int r = vp_read_fd(fd, (long long)st.st_size, max, out, len, err);
        if (r < 0)
                return vp_error_set(err, r, "%s: %s", path,
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
                return vp_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
        size_t off = 0;
        while (off < len) {
                ssize_t w = write(fd, data + off, len - off);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        close(fd);
                        unlink(tmp);
                        return vp_error_set(err, -e, "%s: %s", tmp, strerror(e));
                }
                off += (size_t)w;
        }
        if (fsync(fd) < 0 || close(fd) < 0) {
                int e = errno;
                unlink(tmp);
                return vp_error_set(err, -e, "%s: %s", tmp, strerror(e));
        }
        if (rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return vp_error_set(err, -e, "%s: %s", path, strerror(e));
        }
        return 0;
}

int vp_mkdir_p(const char *path, unsigned mode, vp_error *err)
{
        char buf[PATH_MAX];
        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return vp_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
        /* the usual case, the whole path there already: one system call */
        if (mkdir(buf, mode) == 0 || errno == EEXIST)
                return 0;
        for (char *p = buf + 1;; p++) {
                if (*p == '/' || *p == '\0') {
                        char c = *p;
                        *p = '\0';
                        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                                return vp_error_set(err, -errno, "%s: %s", buf, strerror(errno));
                        *p = c;
                        if (c == '\0')
                                break;
                }
        }
        return 0;
}

int vp_parse_u64(const char *s, uint64_t *out)
{
        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        uint64_t v = 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                unsigned d = (unsigned)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *out = v;
        return 0;
}

size_t vp_utf8_len(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;
        if (u[0] == 0)
                return 0;
        if (u[0] < 0x80)
                return 1;
        size_t n;
        uint32_t cp, min;
        if ((u[0] & 0xE0) == 0xC0) {
                n = 2, cp = u[0] & 0x1F, min = 0x80;
        } else if ((u[0] & 0xF0) == 0xE0) {
                n = 3, cp = u[0] & 0x0F, min = 0x800;
        } else if ((u[0] & 0xF8) == 0xF0) {
                n = 4, cp = u[0] & 0x07, min = 0x10000;
        } else {
                return 0;
        }
        for (size_t i = 1; i < n; i++) {
                /* also stops at the NUL of a truncated sequence */
                if ((u[i] & 0xC0) != 0x80)
                        return 0;
                cp = cp << 6 | (u[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return n;
}

bool vp_utf8_valid(const char *s)
{
        while (*s) {
                size_t n = vp_utf8_len(s);
                if (!n)
                        return false;
                s += n;
        }
        return true;
}

char *vp_one_line(char *s)
{
        for (unsigned char *p = (unsigned char *)s; p && *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        *p = '?';
        return s;
}
