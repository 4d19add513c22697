/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state of one configuration load and its FILE:LINE report. */
#include "confload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xvasprintf(const char *fmt, va_list ap)
{
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        return s;
}

static void msg_addv(vp_confload *L, vp_conf_msgs *l, int code, const vp_conf_file *f,
                     unsigned line, const char *fmt, va_list ap)
{
        char *body = xvasprintf(fmt, ap);
        /* the same problem reached through several includes is said once */
        for (size_t i = 0; i < l->n; i++)
                if (l->m[i].line == line && strcmp(l->m[i].path, f->path) == 0 &&
                    strcmp(l->m[i].body, body) == 0) {
                        free(body);
                        return;
                }
        l->m = vp_xrealloc(l->m, (l->n + 1) * sizeof(vp_conf_msg));
        l->m[l->n++] = (vp_conf_msg){f->ord, line, L->seq++, code, vp_xstrdup(f->path), body};
}

void vp_cl_err(vp_confload *L, const vp_conf_file *f, unsigned line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        msg_addv(L, &L->errs, -EINVAL, f, line, fmt, ap);
        va_end(ap);
}

void vp_cl_io_err(vp_confload *L, const vp_conf_file *f, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        msg_addv(L, &L->errs, code, f, 0, fmt, ap);
        va_end(ap);
        vp_cl_io_fail(L, code);
}

void vp_cl_warn(vp_confload *L, const vp_conf_file *f, unsigned line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        msg_addv(L, &L->warns, 0, f, line, fmt, ap);
        va_end(ap);
}

void vp_cl_eerr(vp_confload *L, const vp_conf_entry *e, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *body = xvasprintf(fmt, ap);
        va_end(ap);
        vp_cl_err(L, e->f, e->line, "%s: %s", e->key, body);
}

void vp_cl_perr(vp_confload *L, const vp_conf_file *of, const vp_conf_entry *e, const char *fmt,
                ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *body = xvasprintf(fmt, ap);
        va_end(ap);
        if (e->f == of)
                vp_cl_eerr(L, e, "%s", body);
        else
                vp_cl_eerr(L, e, "%s (in profile '%s', which includes this one)", body, of->name);
}

bool vp_cl_has_err_at(const vp_confload *L, size_t ord, unsigned line)
{
        for (size_t i = 0; i < L->errs.n; i++)
                if (L->errs.m[i].ord == ord && L->errs.m[i].line == line)
                        return true;
        return false;
}

void vp_cl_io_fail(vp_confload *L, int code)
{
        if (!L->io_err)
                L->io_err = code;
}

ssize_t vp_cl_find_file(const vp_confload *L, const char *name)
{
        return vp_config_find_name(L->files, L->n_files, sizeof(vp_conf_file),
                                   offsetof(vp_conf_file, name), name);
}

static int msg_cmp(const void *a, const void *b)
{
        const vp_conf_msg *x = a, *y = b;
        if (x->ord != y->ord)
                return x->ord < y->ord ? -1 : 1;
        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort into reading order and hand them to diag (or drop them). */
static void msg_flush(vp_conf_msgs *l, vp_diag *diag)
{
        if (l->n)
                qsort(l->m, l->n, sizeof(vp_conf_msg), msg_cmp);
        for (size_t i = 0; i < l->n; i++) {
                vp_conf_msg *m = &l->m[i];
                if (diag)
                        vp_diag_add(diag, m->code, m->path, m->line, "%s", m->body);
                free(m->path);
                free(m->body);
        }
        free(l->m);
        l->m = NULL;
        l->n = 0;
}

static void file_free(vp_conf_file *f)
{
        for (size_t i = 0; i < f->n; i++) {
                free(f->e[i].key);
                free(f->e[i].value);
        }
        free(f->e);
        free(f->path);
        free(f->name);
        memset(f, 0, sizeof(*f));
}

int vp_cl_finish(vp_confload *L, vp_diag *diag)
{
        int r = L->io_err ? L->io_err : L->errs.n ? -EINVAL : 0;
        msg_flush(&L->errs, diag);
        msg_flush(&L->warns, diag);
        for (size_t i = 0; i < L->n_files; i++)
                file_free(&L->files[i]);
        free(L->files);
        L->files = NULL;
        L->n_files = 0;
        file_free(&L->host);
        file_free(&L->pdir);
        file_free(&L->confdir);
        return r;
}

void vp_rlist_push(vp_conf_rlist *r, const vp_conf_entry *e)
{
        r->e = vp_xrealloc(r->e, (r->n + 1) * sizeof(vp_conf_entry *));
        r->e[r->n++] = e;
}

const vp_conf_entry *vp_rlist_find(const vp_conf_rlist *r, const struct vp_conf_key *row,
                                   unsigned id)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->e[i]->row == row && r->e[i]->id == id)
                        return r->e[i];
        return NULL;
}
