/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File I/O helpers: cleanup for FILE, fd and DIR; bounded non-blocking reads;
 * owner checks for the files vmplace writes for itself; atomic replacement. */
#ifndef VMPLACE_FILEIO_H
#define VMPLACE_FILEIO_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "cpuset.h"
#include "util.h"

static inline void vp_fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
static inline void vp_closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
static inline void vp_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_fclose_   _cleanup_(vp_fclosep)
#define _cleanup_close_    _cleanup_(vp_closep)
#define _cleanup_closedir_ _cleanup_(vp_closedirp)

/* Read a whole regular file (at most max bytes; -EFBIG beyond), opened
 * without blocking: anything else (a FIFO, a device) is -EINVAL. Returns 0
 * and a NUL-terminated malloc'd buffer, or -errno (err names the path). */
int vp_read_file(const char *path, size_t max, char **out, size_t *len, vp_error *err);

/* vp_read_file for a file vmplace wrote for itself and acts on (the run
 * dir's ledger and state files): also owned by this euid and writable by
 * neither group nor others, else -EPERM naming it (vp_check_owned). */
int vp_read_owned(const char *path, size_t max, char **out, size_t *len, vp_error *err);

/* Read a kernel CPU list file ("0-3,8\n": sysfs online, /proc/irq/N/
 * smp_affinity_list) of at most max bytes into *out. Returns 0, or what
 * vp_read_file returns (-ENOENT: absent), or -EINVAL / -ERANGE for text
 * that is no CPU list, err naming path. */
int vp_read_cpulist(const char *path, size_t max, vp_cpuset *out, vp_error *err);

/* 0 when st (of path) is owned by this euid and neither group nor others may
 * write it; else -EPERM with err naming path and what is wrong. */
struct stat;
int vp_check_owned(const char *path, const struct stat *st, vp_error *err);

/* Read all of fd up to max bytes (-EFBIG beyond) into a NUL-terminated
 * malloc'd buffer. size is the file's size when fd is a regular file
 * (st_size), or -1: then it is read until a read returns 0. For a regular
 * file with a size (not procfs, which says 0) a read shorter than asked ends
 * it, so a file that did not change since its fstat takes one read(2). Returns 0 or -errno (err
 * says why, without the path). */
int vp_read_fd(int fd, long long size, size_t max, char **out, size_t *len, vp_error *err);

/* Read path when it is a file vmplace wrote for itself: a regular file
 * (not followed through a link) of this euid without group or other
 * permissions, at most max bytes. Returns 0 with *out (malloc'd,
 * NUL-terminated) and *len, or -1 when it is missing, foreign, too large or
 * unreadable: the caches (config index, ledger cache) then do without. */
int vp_read_private(const char *path, size_t max, char **out, size_t *len);

/* Read all of a stream (stdin) up to max bytes; -EFBIG beyond. */
int vp_read_stream(FILE *f, size_t max, char **out, size_t *len, vp_error *err);

/* Write data to path atomically: PATH.tmp.PID, fsync, rename. mode for new file.
 * Returns 0 or -errno. */
int vp_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode,
                         vp_error *err);

/* Write value to an existing kernel attribute file (procfs, sysfs, cgroupfs)
 * in one write(2), truncating it (a fake tree's regular file then holds just
 * the value): the kernel takes or refuses a value in that one call. An empty
 * value is written as "\n": some kernfs handlers are not reached by a
 * zero-length write. Nothing is created. Returns 0 or -errno (-ENOENT when
 * the file is absent, -EIO for a short write, else what open or write said);
 * no message: callers name the file and value in theirs. */
int vp_write_value(const char *path, const char *value);

/* Create directory (and parents) with mode if missing. Returns 0 or -errno. */
int vp_mkdir_p(const char *path, unsigned mode, vp_error *err);

#endif
