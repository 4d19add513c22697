/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Include resolution: a depth-first walk over the profiles' include keys. */
#include "confinclude.h"

#include <stdlib.h>
#include <string.h>

static bool own_has_flag(const vp_conf_file *f, unsigned flag)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->e[i].row->flags & flag)
                        return true;
        return false;
}

static bool own_has_key(const vp_conf_file *f, const vp_conf_entry *pe)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->e[i].sect == pe->sect && strcmp(f->e[i].key, pe->key) == 0)
                        return true;
        return false;
}

/* Whether child inherits parent entry pe. [guest_numa] is one choice: cells=
 * and cell.N.* do not mix across an include. */
static bool inherits(const vp_conf_file *child, const vp_conf_entry *pe)
{
        unsigned fl = pe->row->flags;
        if (fl & VP_CONF_LOCAL)
                return false;
        if (fl & VP_CONF_CELLS_FORM)
                return !own_has_flag(child, VP_CONF_CELLS_FORM | VP_CONF_CELL_KEY);
        if (fl & VP_CONF_CELL_KEY)
                return !own_has_flag(child, VP_CONF_CELLS_FORM) && !own_has_key(child, pe);
        return !own_has_key(child, pe);
}

static const vp_conf_entry *own_include(const vp_conf_file *f)
{
        for (size_t i = 0; i < f->n; i++)
                if ((f->e[i].row->flags & VP_CONF_LOCAL) && !f->e[i].skip)
                        return &f->e[i];
        return NULL;
}

enum { R_NEW = 0, R_ACTIVE, R_DONE };

static void resolve(vp_confload *L, size_t i, int *state, vp_conf_rlist *res, size_t *stack,
                    size_t depth)
{
        const vp_conf_file *f = &L->files[i];
        state[i] = R_ACTIVE;
        stack[depth] = i;
        for (size_t k = 0; k < f->n; k++)
                vp_rlist_push(&res[i], &f->e[k]);
        const vp_conf_entry *inc = own_include(f);
        if (inc) {
                ssize_t j = vp_cl_find_file(L, inc->value);
                size_t ext = strlen(inc->value);
                if (j < 0)
                        vp_cl_eerr(L, inc, "no profile '%s' (no profiles.d/%s.ini)%s", inc->value,
                                   inc->value,
                                   ext > 4 && strcmp(inc->value + ext - 4, ".ini") == 0
                                       ? "; write the name without .ini"
                                       : "");
                else if (state[j] == R_ACTIVE) {
                        size_t first = depth;
                        while (stack[first] != (size_t)j)
                                first--;
                        /* said once per member, each starting from itself */
                        for (size_t m = first; m <= depth; m++) {
                                _cleanup_free_ char *chain = vp_xstrdup(L->files[stack[m]].name);
                                for (size_t s = 1; s <= depth - first + 1; s++) {
                                        size_t at = first + (m - first + s) % (depth - first + 1);
                                        char *next = vp_xasprintf("%s -> %s", chain,
                                                                  L->files[stack[at]].name);
                                        free(chain);
                                        chain = next;
                                }
                                const vp_conf_entry *mi = own_include(&L->files[stack[m]]);
                                vp_cl_err(L, mi->f, mi->line, "include cycle: %s", chain);
                        }
                } else {
                        if (state[j] == R_NEW)
                                resolve(L, (size_t)j, state, res, stack, depth + 1);
                        for (size_t k = 0; k < res[j].n; k++)
                                if (inherits(f, res[j].e[k]))
                                        vp_rlist_push(&res[i], res[j].e[k]);
                }
        }
        state[i] = R_DONE;
}

void vp_confinclude_resolve(vp_confload *L, vp_conf_rlist *res)
{
        size_t n = L->n_files;
        int *state = vp_xcalloc(n ? n : 1, sizeof(int));
        size_t *stack = vp_xcalloc(n ? n : 1, sizeof(size_t));
        for (size_t i = 0; i < n; i++)
                if (state[i] == R_NEW)
                        resolve(L, i, state, res, stack, 0);
        free(stack);
        free(state);
}

vp_profile *vp_confinclude_profiles(const vp_confload *L, const vp_conf_rlist *res)
{
        size_t n = L->n_files;
        vp_profile *ps = vp_xcalloc(n, sizeof(vp_profile));
        for (size_t i = 0; i < n; i++) {
                ps[i].name = vp_xstrdup(L->files[i].name);
                ps[i].path = vp_xstrdup(L->files[i].path);
                /* each value was checked in its own file (vp_confcheck_values):
                 * a failure here is not said again */
                for (size_t k = 0; k < res[i].n; k++) {
                        const vp_conf_entry *e = res[i].e[k];
                        vp_error err;
                        if (!e->skip)
                                vp_conf_apply(e->row, e->id, &ps[i], e->value, &err);
                }
        }
        return ps;
}
