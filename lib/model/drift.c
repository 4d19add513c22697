/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "drift.h"

#include <string.h>

#include "cgwrites.h"

void vp_drifts_add(vp_drifts *d, const char *file, const char *want, const char *have)
{
        d->d = vp_xrealloc(d->d, (d->n + 1) * sizeof(*d->d));
        d->d[d->n++] = (vp_drift){
            .file = vp_xstrdup(file), .want = vp_xstrdup(want), .have = vp_xstrdup(have)};
}

void vp_drifts_free(vp_drifts *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->d[i].file);
                free(d->d[i].want);
                free(d->d[i].have);
        }
        free(d->d);
        d->d = NULL;
        d->n = 0;
}

char *vp_drift_collapse(char *s)
{
        s = vp_strstrip(s);
        char *o = s;
        for (char *p = s; *p; p++) {
                bool sp = *p == ' ' || *p == '\t' || *p == '\n';
                if (sp && o > s && o[-1] == ' ')
                        continue;
                *o++ = sp ? ' ' : *p;
        }
        *o = '\0';
        return s;
}

bool vp_drift_same(const char *file, const char *want, const char *have)
{
        _cleanup_free_ char *wc = vp_xstrdup(want), *hc = vp_xstrdup(have);
        const char *w = vp_drift_collapse(wc), *h = vp_drift_collapse(hc);
        vp_cpuset a, b;
        if (vp_cgwrite_kind_of(file) != VP_CGW_OTHER && vp_cgwrite_parse_set(w, &a) &&
            vp_cgwrite_parse_set(h, &b))
                return vp_cpuset_equal(&a, &b);
        return strcmp(w, h) == 0;
}
