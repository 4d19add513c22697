/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the config unit tests (test_config*.c, test_conf*.c): scratch
 * config trees, loading them, looking for messages, and the table of bad
 * inputs with the exact FILE:LINE message each must give. */
#ifndef VMPLACE_TEST_CONFTEST_H
#define VMPLACE_TEST_CONFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "configfile.h"
#include "confmatch.h"
#include "tap.h"
#include "tree.h"

/* ---- temp trees ---- */

static inline char *mktree(void)
{
        return tree_new("config");
}

static inline void put_mode(const char *dir, const char *rel, const char *text, mode_t mode)
{
        tree_put(dir, rel, text, mode);
}

static inline void put(const char *dir, const char *rel, const char *text)
{
        tree_put(dir, rel, text, 0644);
}

static inline void rmtree(char *dir)
{
        tree_rm(dir);
}

static inline const char *find_in(const vp_error *v, size_t n, const char *needle)
{
        for (size_t i = 0; i < n; i++)
                if (strstr(v[i].msg, needle))
                        return v[i].msg;
        return NULL;
}

static inline void dump(const vp_diag *d)
{
        for (size_t i = 0; i < d->n_errors; i++)
                printf("#   error:   %s\n", d->errors[i].msg);
        for (size_t i = 0; i < d->n_warnings; i++)
                printf("#   warning: %s\n", d->warnings[i].msg);
}

/* One of the n messages in v contains needle (what a has_error or
 * has_warning checks), printing all of d's messages when none does. */
#define has_msg(d, v, n, needle, ...)                                                              \
        do {                                                                                       \
                bool _f = find_in(v, n, needle) != NULL;                                           \
                ok(_f, __VA_ARGS__);                                                               \
                if (!_f) {                                                                         \
                        printf("#   wanted:  %s\n", needle);                                       \
                        dump(d);                                                                   \
                }                                                                                  \
        } while (0)

#define has_error(d, needle, ...)   has_msg(d, (d)->errors, (d)->n_errors, needle, __VA_ARGS__)
#define has_warning(d, needle, ...) has_msg(d, (d)->warnings, (d)->n_warnings, needle, __VA_ARGS__)

#define no_problems(d, ...)                                                                        \
        do {                                                                                       \
                ok((d)->n_errors == 0 && (d)->n_warnings == 0, __VA_ARGS__);                       \
                dump(d);                                                                           \
        } while (0)

static inline char *fmt(const vp_cpuset *s)
{
        static char buf[8][256];
        static int i;
        i = (i + 1) % 8;
        return (char *)vp_cpuset_fmt(s, buf[i], sizeof(buf[i]));
}

static inline const char *pin(const vp_pin *arr, size_t n, unsigned id)
{
        const vp_pin *p = vp_pins_find(arr, n, id);
        return p ? fmt(&p->set) : NULL;
}

/* ---- helpers for small trees ---- */

typedef struct tree {
        char *dir;
        vp_config *c;
        vp_diag d;
        int r;
} tree;

static inline void load(tree *t, bool check)
{
        vp_config_free(t->c);
        vp_diag_free(&t->d);
        t->c = NULL;
        t->r = vp_config_load(t->dir, check, &t->c, &t->d);
}

static inline void tree_done(tree *t)
{
        vp_config_free(t->c);
        vp_diag_free(&t->d);
        rmtree(t->dir);
}

static inline char *at(const tree *t, const char *rel_and_msg)
{
        return vp_xasprintf("%s/%s", t->dir, rel_and_msg);
}

/* has_error / has_warning (check) for "REL:LINE: message" with REL
 * relative to t's confdir, the way the loader names its files. */
#define has_at(check, t, rel_and_msg, ...)                                                         \
        do {                                                                                       \
                char *_a = at(t, rel_and_msg);                                                     \
                check(&(t)->d, _a, __VA_ARGS__);                                                   \
                free(_a);                                                                          \
        } while (0)
#define has_error_at(t, rel_and_msg, ...)   has_at(has_error, t, rel_and_msg, __VA_ARGS__)
#define has_warning_at(t, rel_and_msg, ...) has_at(has_warning, t, rel_and_msg, __VA_ARGS__)

/* ---- the error table ---- */

typedef struct ecase {
        const char *what;
        struct {
                const char *rel, *text;
        } files[3];
        const char *want; /* "REL:LINE: message", REL relative to the confdir */
        size_t n_errors;  /* 0: exactly one */
} ecase;

#define P(text)                                                                                    \
        {                                                                                          \
                {                                                                                  \
                        "profiles.d/p.ini", text                                                   \
                }                                                                                  \
        }
#define H(text)                                                                                    \
        {                                                                                          \
                {                                                                                  \
                        "vmplace.ini", text                                                        \
                }                                                                                  \
        }

/* Each case in a tree of its own: the load fails with want among its
 * errors, and n_errors of them. */
static inline void run_ecases(const ecase *ecases, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const ecase *ec = &ecases[i];
                tree t = {.dir = mktree()};
                for (size_t f = 0; f < VP_ARRAY_SIZE(ec->files) && ec->files[f].rel; f++)
                        put(t.dir, ec->files[f].rel, ec->files[f].text);
                load(&t, false);
                char *want = at(&t, ec->want);
                ok(t.r == -EINVAL && t.c == NULL, "%s: invalid", ec->what);
                has_error(&t.d, want, "%s: %s", ec->what, ec->want);
                size_t n = ec->n_errors ? ec->n_errors : 1;
                is_int(t.d.n_errors, n, "%s: %zu error(s)", ec->what, n);
                if (t.d.n_errors != n)
                        dump(&t.d);
                free(want);
                tree_done(&t);
        }
}

#endif
