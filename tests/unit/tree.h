/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scratch directory trees for the unit tests: made under /tmp, filled with
 * small files, removed whole. */
#ifndef VMPLACE_TEST_TREE_H
#define VMPLACE_TEST_TREE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

/* A new empty directory /tmp/vp-NAME-XXXXXX (mode 0755); the caller frees
 * the path (tree_rm does). */
static inline char *tree_new(const char *name)
{
        char *d = vp_xasprintf("/tmp/vp-%s-XXXXXX", name);
        if (!mkdtemp(d))
                abort();
        chmod(d, 0755);
        return d;
}

/* Write dir/rel with mode, its missing parent directories made (0755): the
 * fake /proc and cgroup trees the tests build are several levels deep. */
static inline void tree_put(const char *dir, const char *rel, const char *text, mode_t mode)
{
        char *path = vp_xasprintf("%s/%s", dir, rel);
        char *slash = strrchr(path, '/');
        *slash = '\0';
        vp_mkdir_p(path, 0755, NULL);
        *slash = '/';
        FILE *f = fopen(path, "w");
        if (!f)
                abort();
        fputs(text, f);
        fclose(f);
        chmod(path, mode);
        free(path);
}

/* dir/rel's whole content (malloc'd), or "(missing)" when it cannot be
 * read: what a test compares a file the code wrote with. */
static inline char *tree_get(const char *dir, const char *rel)
{
        char *p = vp_xasprintf("%s/%s", dir, rel);
        char *buf = NULL;
        if (vp_read_file(p, 1 << 20, &buf, NULL, NULL) < 0)
                buf = vp_xstrdup("(missing)");
        free(p);
        return buf;
}

static inline int tree_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        return flag == FTW_DP ? rmdir(p) : unlink(p);
}

/* Remove the tree and free its path. */
static inline void tree_rm(char *dir)
{
        nftw(dir, tree_rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
}

/* *dir removed (when there is one) and replaced by a new empty tree: for
 * the tests that start each case from nothing in one static dir. */
static inline void tree_fresh(char **dir, const char *name)
{
        if (*dir)
                tree_rm(*dir);
        *dir = tree_new(name);
}

#endif
