/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fileio.c on a scratch directory: read_file's refusals (a FIFO without
 * blocking, a directory, a missing file, beyond the size limit) and its
 * reads of regular and procfs files; read_owned and read_private refusing
 * files vmplace did not write for itself (foreign owner, group or other
 * write); read_fd and read_stream limits; write_file_atomic replacing a file
 * and leaving no temporary file behind even when the rename fails; mkdir_p. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "tap.h"
#include "tree.h"

static char *dir;

/* dir/rel, freed by the caller */
static char *at(const char *rel)
{
        return vp_xasprintf("%s/%s", dir, rel);
}

static void on_alarm(int sig)
{
        (void)sig;
        /* a read that blocks (the FIFO) is the failure this guards */
        static const char msg[] = "not ok - blocked: a read did not return within 10 s\n";
        if (write(1, msg, sizeof(msg) - 1) < 0)
                _exit(2);
        _exit(1);
}

/* names in dir other than . and .., space-separated and sorted */
static char *listing(const char *d)
{
        struct dirent **ents = NULL;
        int n = scandir(d, &ents, NULL, alphasort);
        vp_buf b = {0};
        vp_buf_str(&b, "");
        for (int i = 0; i < n; i++) {
                if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
                        if (b.len)
                                vp_buf_str(&b, " ");
                        vp_buf_str(&b, ents[i]->d_name);
                }
                free(ents[i]);
        }
        free(ents);
        return b.s;
}

static void test_read_file(void)
{
        tree_put(dir, "plain", "hello\nworld\n", 0644);
        _cleanup_free_ char *plain = at("plain");
        char *out = NULL;
        size_t len = 0;
        vp_error e = {0};
        int r = vp_read_file(plain, 1024, &out, &len, &e);
        is_int(r, 0, "a regular file reads (%s)", r ? e.msg : "");
        is_str(out, "hello\nworld\n", "contents");
        is_int(len, 12, "len");
        free(out);

        /* exactly at the limit reads; one byte less is -EFBIG */
        out = NULL;
        r = vp_read_file(plain, 12, &out, &len, &e);
        is_int(r, 0, "a file of exactly max bytes reads");
        free(out);
        out = NULL;
        r = vp_read_file(plain, 11, &out, &len, &e);
        is_int(r, -EFBIG, "a byte beyond max: -EFBIG");
        ok(out == NULL, "no buffer on error");
        _cleanup_free_ char *want = vp_xasprintf("%s: file too large", plain);
        is_str(e.msg, want, "message names the file");

        /* a larger file than the first buffer guess: several reads */
        char big[20000];
        memset(big, 'b', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        tree_put(dir, "big", big, 0644);
        _cleanup_free_ char *bigp = at("big");
        r = vp_read_file(bigp, sizeof(big), &out, &len, &e);
        is_int(r, 0, "a 20 kB file reads");
        is_int(len, sizeof(big) - 1, "all of it");
        ok(out && strcmp(out, big) == 0, "byte for byte");
        free(out);
        out = NULL;
        r = vp_read_file(bigp, 4096, &out, &len, &e);
        is_int(r, -EFBIG, "20 kB with max 4096: -EFBIG");

        /* procfs says size 0: read until EOF */
        r = vp_read_file("/proc/self/status", 1 << 20, &out, &len, &e);
        is_int(r, 0, "a procfs file reads (%s)", r ? e.msg : "");
        like(out, "Cpus_allowed_list:", "whole: its later lines are there");
        ok(out && strlen(out) == len, "len agrees with the text");
        free(out);
        out = NULL;

        _cleanup_free_ char *missing = at("missing");
        r = vp_read_file(missing, 1024, &out, &len, &e);
        is_int(r, -ENOENT, "missing: -ENOENT");
        _cleanup_free_ char *wm = vp_xasprintf("%s: No such file or directory", missing);
        is_str(e.msg, wm, "message names the file");

        r = vp_read_file(dir, 1024, &out, &len, &e);
        is_int(r, -EINVAL, "a directory: -EINVAL");
        _cleanup_free_ char *wd = vp_xasprintf("%s: not a regular file", dir);
        is_str(e.msg, wd, "message");

        /* a FIFO planted where a file belongs: refused at once, not waited
         * on for a writer (the alarm fails the test if it blocks) */
        _cleanup_free_ char *fifo = at("fifo");
        if (mkfifo(fifo, 0600) < 0) {
                ok(0, "mkfifo %s: %s", fifo, strerror(errno));
                return;
        }
        signal(SIGALRM, on_alarm);
        alarm(10);
        r = vp_read_file(fifo, 1024, &out, &len, &e);
        is_int(r, -EINVAL, "a FIFO: -EINVAL, without blocking");
        _cleanup_free_ char *wf = vp_xasprintf("%s: not a regular file", fifo);
        is_str(e.msg, wf, "message");
        r = vp_read_owned(fifo, 1024, &out, &len, &e);
        is_int(r, -EINVAL, "read_owned of a FIFO: -EINVAL too");
        r = vp_read_private(fifo, 1024, &out, &len);
        is_int(r, -1, "read_private of a FIFO: -1");
        ok(out == NULL, "... and *out NULL");
        alarm(0);

        /* a NULL err is allowed */
        is_int(vp_read_file(missing, 1024, &out, &len, NULL), -ENOENT, "NULL err: still -ENOENT");
}

static void test_owned(void)
{
        char *out = NULL;
        size_t len = 0;
        vp_error e = {0};
        tree_put(dir, "mine", "ledger\n", 0600);
        _cleanup_free_ char *mine = at("mine");
        int r = vp_read_owned(mine, 1024, &out, &len, &e);
        is_int(r, 0, "own 0600 file reads (%s)", r ? e.msg : "");
        is_str(out, "ledger\n", "contents");
        free(out);
        out = NULL;

        chmod(mine, 0644);
        r = vp_read_owned(mine, 1024, &out, &len, &e);
        is_int(r, 0, "readable by others is fine (only writing matters)");
        free(out);
        out = NULL;

        static const struct {
                mode_t mode;
                const char *what;
        } writable[] = {{0620, "group-writable"}, {0602, "other-writable"}, {0666, "0666"}};
        for (size_t i = 0; i < VP_ARRAY_SIZE(writable); i++) {
                chmod(mine, writable[i].mode);
                r = vp_read_owned(mine, 1024, &out, &len, &e);
                is_int(r, -EPERM, "%s: -EPERM", writable[i].what);
                ok(out == NULL, "%s: no buffer", writable[i].what);
                _cleanup_free_ char *w =
                    vp_xasprintf("%s: writable by group or others: refused", mine);
                is_str(e.msg, w, "%s: message", writable[i].what);
                r = vp_read_file(mine, 1024, &out, &len, &e);
                is_int(r, 0, "%s: read_file does not check the owner", writable[i].what);
                free(out);
                out = NULL;
        }

        /* a foreign file: as root, one given to nobody; else a system file */
        _cleanup_free_ char *foreign = NULL;
        uid_t other;
        if (geteuid() == 0) {
                tree_put(dir, "foreign", "x\n", 0600);
                foreign = at("foreign");
                other = 65534;
                if (chown(foreign, other, (gid_t)-1) < 0)
                        ok(0, "chown: %s", strerror(errno));
        } else {
                foreign = vp_xstrdup("/etc/passwd");
                struct stat st;
                stat(foreign, &st);
                other = st.st_uid;
        }
        r = vp_read_owned(foreign, 1 << 20, &out, &len, &e);
        is_int(r, -EPERM, "a file of another uid: -EPERM");
        _cleanup_free_ char *wo = vp_xasprintf("%s: owned by uid %u, not %u: refused", foreign,
                                               (unsigned)other, (unsigned)geteuid());
        is_str(e.msg, wo, "message names the file and both uids");
        r = vp_read_private(foreign, 1 << 20, &out, &len);
        is_int(r, -1, "read_private refuses it too");

        /* vp_check_owned on a stat the test makes up */
        struct stat st = {0};
        st.st_uid = geteuid();
        st.st_mode = S_IFREG | 0600;
        is_int(vp_check_owned("/x", &st, &e), 0, "check_owned: own 0600");
        st.st_mode = S_IFREG | 0640;
        is_int(vp_check_owned("/x", &st, &e), 0, "check_owned: own 0640");
        st.st_mode = S_IFREG | 0660;
        is_int(vp_check_owned("/x", &st, &e), -EPERM, "check_owned: own 0660");
        is_str(e.msg, "/x: writable by group or others: refused", "message");
        st.st_mode = S_IFREG | 0600;
        st.st_uid = geteuid() + 1;
        is_int(vp_check_owned("/x", &st, &e), -EPERM, "check_owned: another uid");
        _cleanup_free_ char *wu = vp_xasprintf("/x: owned by uid %u, not %u: refused",
                                               (unsigned)geteuid() + 1, (unsigned)geteuid());
        is_str(e.msg, wu, "message");
}

static void test_private(void)
{
        char *out = NULL;
        size_t len = 0;
        tree_put(dir, "cache", "index\n", 0600);
        _cleanup_free_ char *cache = at("cache");
        is_int(vp_read_private(cache, 1024, &out, &len), 0, "own 0600 file: read_private reads");
        is_str(out, "index\n", "contents");
        is_int(len, 6, "len");
        free(out);
        out = NULL;
        is_int(vp_read_private(cache, 5, &out, &len), -1, "larger than max: -1");
        ok(out == NULL, "... *out NULL");
        chmod(cache, 0640);
        is_int(vp_read_private(cache, 1024, &out, &len), -1,
               "group-readable: -1 (stricter than read_owned)");
        ok(out == NULL, "... *out NULL");
        chmod(cache, 0600);
        _cleanup_free_ char *link = at("cache-link");
        if (symlink(cache, link) < 0)
                ok(0, "symlink: %s", strerror(errno));
        is_int(vp_read_private(link, 1024, &out, &len), -1, "a symlink is not followed: -1");
        _cleanup_free_ char *missing = at("nope");
        is_int(vp_read_private(missing, 1024, &out, &len), -1, "missing: -1");
        is_int(vp_read_private(dir, 1024, &out, &len), -1, "a directory: -1");
}

static void test_fd_stream(void)
{
        int p[2];
        if (pipe(p) < 0) {
                ok(0, "pipe");
                return;
        }
        if (write(p[1], "abc", 3) != 3 || write(p[1], "def", 3) != 3)
                ok(0, "write to pipe");
        close(p[1]);
        char *out = NULL;
        size_t len = 0;
        vp_error e = {0};
        int r = vp_read_fd(p[0], -1, 100, &out, &len, &e);
        is_int(r, 0, "a pipe reads to EOF");
        is_str(out, "abcdef", "contents of both writes");
        is_int(len, 6, "len");
        free(out);
        out = NULL;
        close(p[0]);

        if (pipe(p) < 0) {
                ok(0, "pipe");
                return;
        }
        if (write(p[1], "abcdef", 6) != 6)
                ok(0, "write to pipe");
        close(p[1]);
        r = vp_read_fd(p[0], -1, 5, &out, &len, &e);
        is_int(r, -EFBIG, "6 bytes with max 5: -EFBIG");
        is_str(e.msg, "input larger than 5 bytes", "message (without a path)");
        ok(out == NULL, "no buffer");
        close(p[0]);

        FILE *f = fmemopen((void *)"stdin text", 10, "r");
        r = vp_read_stream(f, 10, &out, &len, &e);
        is_int(r, 0, "a stream of exactly max bytes reads");
        is_str(out, "stdin text", "contents");
        is_int(len, 10, "len");
        free(out);
        out = NULL;
        fclose(f);
        f = fmemopen((void *)"stdin text", 10, "r");
        r = vp_read_stream(f, 9, &out, &len, &e);
        is_int(r, -EFBIG, "one byte beyond max: -EFBIG");
        is_str(e.msg, "input larger than 9 bytes", "message");
        fclose(f);
}

static void test_write_atomic(void)
{
        _cleanup_free_ char *wd = at("w");
        mkdir(wd, 0755);
        _cleanup_free_ char *path = vp_xasprintf("%s/state.json", wd);
        vp_error e = {0};
        mode_t old = umask(022);
        int r = vp_write_file_atomic(path, "{}\n", 3, 0600, &e);
        is_int(r, 0, "write a new file (%s)", r ? e.msg : "");
        struct stat st;
        ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "created with mode 0600 (%o)",
           (unsigned)(st.st_mode & 07777));
        char *out = NULL;
        size_t len = 0;
        vp_read_file(path, 1024, &out, &len, NULL);
        is_str(out, "{}\n", "contents");
        free(out);
        out = NULL;
        is_str_free(listing(wd), "state.json", "no temporary file left");

        ino_t before = st.st_ino;
        /* a reader holding the old file keeps seeing the old contents */
        int fd = open(path, O_RDONLY);
        r = vp_write_file_atomic(path, "{\"a\": 1}\n", 9, 0600, &e);
        is_int(r, 0, "replace it");
        vp_read_file(path, 1024, &out, &len, NULL);
        is_str(out, "{\"a\": 1}\n", "new contents");
        free(out);
        out = NULL;
        ok(stat(path, &st) == 0 && st.st_ino != before, "replaced by rename: a new inode");
        char old_text[8] = {0};
        ok(fd >= 0 && read(fd, old_text, sizeof(old_text) - 1) == 3 &&
               strcmp(old_text, "{}\n") == 0,
           "an open reader still has the old text");
        if (fd >= 0)
                close(fd);
        is_str_free(listing(wd), "state.json", "still no temporary file");

        /* the empty write: an empty file, not a missing one */
        _cleanup_free_ char *empty = vp_xasprintf("%s/empty", wd);
        is_int(vp_write_file_atomic(empty, "", 0, 0644, &e), 0, "an empty write");
        ok(stat(empty, &st) == 0 && st.st_size == 0 && (st.st_mode & 0777) == 0644,
           "an empty 0644 file");
        unlink(empty);

        /* rename onto a non-empty directory fails: the temp file goes */
        _cleanup_free_ char *busy = vp_xasprintf("%s/busy", wd);
        mkdir(busy, 0755);
        _cleanup_free_ char *inner = vp_xasprintf("%s/busy/x", wd);
        vp_write_file_atomic(inner, "x", 1, 0600, NULL);
        r = vp_write_file_atomic(busy, "data", 4, 0600, &e);
        ok(r < 0, "rename onto a non-empty directory fails (%d)", r);
        like(e.msg, busy, "message names the path");
        is_str_free(listing(wd), "busy state.json", "the temporary file was removed");

        /* a directory that is not there: the temp file cannot be made */
        _cleanup_free_ char *nodir = vp_xasprintf("%s/none/f", wd);
        r = vp_write_file_atomic(nodir, "x", 1, 0600, &e);
        is_int(r, -ENOENT, "missing directory: -ENOENT");
        _cleanup_free_ char *wt =
            vp_xasprintf("%s.tmp.%ld: No such file or directory", nodir, (long)getpid());
        is_str(e.msg, wt, "message names the temporary file");
        umask(old);
}

static void test_mkdir_p(void)
{
        vp_error e = {0};
        mode_t old = umask(022);
        _cleanup_free_ char *deep = at("m/a/b/c");
        int r = vp_mkdir_p(deep, 0750, &e);
        is_int(r, 0, "three missing levels (%s)", r ? e.msg : "");
        struct stat st;
        ok(stat(deep, &st) == 0 && S_ISDIR(st.st_mode), "the leaf is a directory");
        is_int(st.st_mode & 0777, 0750, "leaf mode 0750");
        _cleanup_free_ char *mid = at("m/a");
        ok(stat(mid, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0750,
           "parents made with the same mode");
        is_int(vp_mkdir_p(deep, 0700, &e), 0, "already there: 0");
        ok(stat(deep, &st) == 0 && (st.st_mode & 0777) == 0750, "an existing dir keeps its mode");

        _cleanup_free_ char *slash = at("m/t/u/");
        is_int(vp_mkdir_p(slash, 0755, &e), 0, "a trailing slash");
        _cleanup_free_ char *u = at("m/t/u");
        ok(stat(u, &st) == 0 && S_ISDIR(st.st_mode), "made");

        tree_put(dir, "m/file", "x", 0644);
        _cleanup_free_ char *under = at("m/file/sub");
        r = vp_mkdir_p(under, 0755, &e);
        is_int(r, -ENOTDIR, "a file in the way: -ENOTDIR");
        _cleanup_free_ char *wn = vp_xasprintf("%s: Not a directory", under);
        is_str(e.msg, wn, "message names the path");

        char lng[PATH_MAX + 10];
        memset(lng, 'a', sizeof(lng) - 1);
        lng[0] = '/';
        lng[sizeof(lng) - 1] = '\0';
        r = vp_mkdir_p(lng, 0755, &e);
        is_int(r, -ENAMETOOLONG, "a path beyond PATH_MAX: -ENAMETOOLONG");
        /* the path alone fills the message buffer, so the reason is cut */
        ok(strncmp(e.msg, lng, sizeof(e.msg) - 1) == 0 && strlen(e.msg) == sizeof(e.msg) - 1,
           "message starts with the path, cut to the buffer");
        umask(old);
}

int main(void)
{
        dir = tree_new("fileio");
        test_read_file();
        test_owned();
        test_private();
        test_fd_stream();
        test_write_atomic();
        test_mkdir_p();
        tree_rm(dir);
        return tap_done();
}
