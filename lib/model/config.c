/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration model: names of its words, diagnostics, frees, lookup.
 *
 * Decisions the SPEC leaves open, taken here and in the conf*.c modules:
 * - Only profiles.d entries named [A-Za-z0-9_.-]+.ini and not starting with '.'
 *   are read; other names ending in .ini get a warning (so a profile that is
 *   silently ignored does not surprise the admin), hidden files and other
 *   suffixes (.dpkg-old, .rpmnew, .ini~) are skipped quietly.
 * - An empty value ("dedicated_cpus =") means "not set, use the default"; in a
 *   profile it also stops that key being inherited through include.
 * - Leading blanks are dropped before inih sees a line, which turns off inih's
 *   multi-line continuation: indented keys are ordinary keys.
 * - [guest_numa] is one choice: a profile that says cells= or any cell.N.*
 *   does not inherit the other form; cell.N.* keys inherit per key between
 *   profiles that both use explicit cells.
 * - A refused (badly permissioned) file is still parsed so that validate
 *   reports everything at once; the config is invalid either way. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- enum names ---- */

const char *const vp_on_error_names[VP_ONERR_WARN + 1] = {
    [VP_ONERR_REFUSE] = "refuse",
    [VP_ONERR_WARN] = "warn",
};
const char *const vp_strategy_names[VP_STRAT_PACK + 1] = {
    [VP_STRAT_SPREAD] = "spread",
    [VP_STRAT_PACK] = "pack",
};
const char *const vp_cpu_policy_names[VP_CPU_DEDICATED + 1] = {
    [VP_CPU_NONE] = "none",
    [VP_CPU_SHARED] = "shared",
    [VP_CPU_DEDICATED] = "dedicated",
};
const char *const vp_thread_policy_names[VP_THREAD_REQUIRE + 1] = {
    [VP_THREAD_PREFER] = "prefer",
    [VP_THREAD_ISOLATE] = "isolate",
    [VP_THREAD_REQUIRE] = "require",
};
const char *const vp_emu_policy_names[VP_EMU_ISOLATE + 1] = {
    [VP_EMU_SHARE] = "share",
    [VP_EMU_ISOLATE] = "isolate",
};

const char *const vp_isolation_names[VP_ISOLATION_HOST + 1] = {
    [VP_ISOLATION_NONE] = "none",
    [VP_ISOLATION_HOST] = "host",
};

static const char *enum_name(const char *const *tab, size_t n, int v)
{
        return v > 0 && (size_t)v < n ? tab[v] : NULL;
}

#define ENUM_NAME(tab, v) enum_name(tab, VP_ARRAY_SIZE(tab), (int)(v))

const char *vp_on_error_name(vp_on_error v)
{
        return ENUM_NAME(vp_on_error_names, v);
}
const char *vp_strategy_name(vp_strategy v)
{
        return ENUM_NAME(vp_strategy_names, v);
}
const char *vp_cpu_policy_name(vp_cpu_policy v)
{
        return ENUM_NAME(vp_cpu_policy_names, v);
}
const char *vp_thread_policy_name(vp_thread_policy v)
{
        return ENUM_NAME(vp_thread_policy_names, v);
}
const char *vp_emu_policy_name(vp_emu_policy v)
{
        return ENUM_NAME(vp_emu_policy_names, v);
}
const char *vp_isolation_name(vp_isolation v)
{
        return ENUM_NAME(vp_isolation_names, v);
}

/* ---- diagnostics ---- */

void vp_strv_push(char ***arr, size_t *n, char *s)
{
        *arr = vp_xrealloc(*arr, (*n + 1) * sizeof(char *));
        (*arr)[(*n)++] = s;
}

void vp_strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void vp_diag_add(vp_diag *d, int code, const char *file, unsigned line, const char *fmt, ...)
{
        vp_error **arr = code < 0 ? &d->errors : &d->warnings;
        size_t *n = code < 0 ? &d->n_errors : &d->n_warnings;
        *arr = vp_xrealloc(*arr, (*n + 1) * sizeof(**arr));
        /* LINE 0 stays in the text ("FILE:0: "), as config messages always read */
        va_list ap;
        va_start(ap, fmt);
        vp_error_vat(&(*arr)[(*n)++], code, file, line, true, fmt, ap);
        va_end(ap);
}

void vp_diag_free(vp_diag *d)
{
        if (!d)
                return;
        free(d->errors);
        free(d->warnings);
        d->errors = d->warnings = NULL;
        d->n_errors = d->n_warnings = 0;
}

/* ---- names ---- */

static bool valid_name_n(const char *s, size_t n)
{
        if (!n || *s == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
                        return false;
        return true;
}

bool vp_config_name_valid(const char *s)
{
        return valid_name_n(s, strlen(s));
}

bool vp_config_profile_file(const char *fname, size_t *base_len)
{
        size_t len = strlen(fname);
        if (fname[0] == '.' || len <= 4 || strcmp(fname + len - 4, ".ini") != 0 ||
            !valid_name_n(fname, len - 4))
                return false;
        *base_len = len - 4;
        return true;
}

ssize_t vp_config_find_name(const void *base, size_t n, size_t sz, size_t off, const char *name)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                const char *at = *(char *const *)((const char *)base + mid * sz + off);
                int c = strcmp(name, at);
                if (c == 0)
                        return (ssize_t)mid;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -1;
}

/* ---- defaults and frees ---- */

int vp_profile_priority(const vp_profile *p)
{
        return p->priority_set ? p->priority : 0;
}

void vp_host_config_init(vp_host_config *h)
{
        *h = (vp_host_config){.on_error = VP_ONERR_REFUSE, .strategy = VP_STRAT_SPREAD};
}

void vp_profile_free(vp_profile *p)
{
        free(p->name);
        free(p->path);
        vp_strv_free(p->names, p->n_names);
        free(p->metadata);
        free(p->include);
        free(p->description);
        vp_tune_free(&p->tune);
        memset(p, 0, sizeof(*p));
}

void vp_host_config_free(vp_host_config *h)
{
        free(h->path);
        free(h->default_profile);
        memset(h, 0, sizeof(*h));
}

void vp_config_free(vp_config *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_profiles; i++)
                vp_profile_free(&c->profiles[i]);
        free(c->profiles);
        vp_host_config_free(&c->host);
        free(c->confdir);
        free(c);
}

const vp_profile *vp_config_profile(const vp_config *c, const char *name)
{
        if (!c || !name)
                return NULL;
        ssize_t i = vp_config_find_name(c->profiles, c->n_profiles, sizeof(vp_profile),
                                        offsetof(vp_profile, name), name);
        return i < 0 ? NULL : &c->profiles[i];
}
