/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one load of the configuration works on, shared by its steps (read
 * the text, check values, resolve includes, check between keys): each file's
 * entries and the "FILE:LINE: message" report about them. The report is
 * sorted into reading order at the end (the config directory, vmplace.ini,
 * profiles.d, then the profiles by name; in a file by line, then in the order
 * said), and the same text is said once. Pure. */
#ifndef VMPLACE_CONFLOAD_H
#define VMPLACE_CONFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct vp_conf_key; /* a row of the key table (conftable.h) */

struct vp_conf_file;

/* One `key = value` line as read. */
typedef struct vp_conf_entry {
        vp_conf_sect sect;
        const struct vp_conf_key *row;
        unsigned id; /* an id key's N */
        char *key;
        char *value;
        unsigned line;
        const struct vp_conf_file *f;
        bool skip; /* empty or rejected value: counts as said here, never applied */
        bool bad;  /* rejected value (reported): checks between keys stay quiet */
} vp_conf_entry;

typedef struct vp_conf_file {
        char *path;
        char *name; /* profile name; NULL for vmplace.ini */
        size_t ord; /* position in the report */
        vp_conf_entry *e;
        size_t n;
} vp_conf_file;

typedef struct vp_conf_msg {
        size_t ord;
        unsigned line;
        size_t seq;
        int code;   /* as vp_error's: -EINVAL, the -errno of a failed read, 0 */
        char *path; /* the file's (a copy: some are of a moment, as a skipped name's) */
        char *body; /* the message after "PATH:LINE: " */
} vp_conf_msg;

typedef struct vp_conf_msgs {
        vp_conf_msg *m;
        size_t n;
} vp_conf_msgs;

typedef struct vp_confload {
        vp_conf_file confdir, pdir, host; /* confdir and pdir only name paths in messages */
        vp_conf_file *files;              /* profiles, sorted by name */
        size_t n_files;
        vp_conf_msgs errs, warns;
        size_t seq;
        int io_err;
        bool errors_only; /* vp_diag.errors_only */
} vp_confload;

/* Report order: the config directory, vmplace.ini, profiles.d, then profiles. */
enum { VP_ORD_CONFDIR = 0, VP_ORD_HOST, VP_ORD_PDIR, VP_ORD_PROFILES };

/* "FILE:LINE: message" about file f (line 0: the whole file). */
void vp_cl_err(vp_confload *L, const vp_conf_file *f, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vp_cl_warn(vp_confload *L, const vp_conf_file *f, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "FILE:LINE: KEY: message" at an entry. */
void vp_cl_eerr(vp_confload *L, const vp_conf_entry *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As vp_cl_eerr, for a check on profile `of` that may land on a line
 * inherited from another file: then say which profile the problem is in. */
void vp_cl_perr(vp_confload *L, const vp_conf_file *of, const vp_conf_entry *e, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
/* Whether an error was said at line of the file at ord. */
bool vp_cl_has_err_at(const vp_confload *L, size_t ord, unsigned line);
/* "FILE:0: message" about file f that could not be read, with code (its
 * -errno), recorded as vp_cl_io_fail does. */
void vp_cl_io_err(vp_confload *L, const vp_conf_file *f, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Record an I/O failure (-errno); the first one is what the load returns. */
void vp_cl_io_fail(vp_confload *L, int code);
/* The index of the profile file named name in L->files, or -1. */
ssize_t vp_cl_find_file(const vp_confload *L, const char *name);
/* Hand the messages, sorted into reading order, to diag (NULL: drop them)
 * and free the files. Returns the load's result: the first I/O failure, else
 * -EINVAL when there are errors, else 0. */
int vp_cl_finish(vp_confload *L, vp_diag *diag);

/* A profile's effective entries: its own, then inherited ones. */
typedef struct vp_conf_rlist {
        const vp_conf_entry **e;
        size_t n;
} vp_conf_rlist;

void vp_rlist_push(vp_conf_rlist *r, const vp_conf_entry *e);
/* The entry of row (with id) in r, or NULL. */
const vp_conf_entry *vp_rlist_find(const vp_conf_rlist *r, const struct vp_conf_key *row,
                                   unsigned id);

#endif
