/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XML rewrite: golden files for chosen inputs and wanted tunes, and properties over the whole
 * corpus (the output parses, reads back as exactly the wanted owned items, leaves everything
 * else unchanged, and a second rewrite changes nothing).
 *
 * VMPLACE_REGENERATE=1 writes tests/data/xml/golden/ instead of comparing.
 * VMPLACE_REWRITE_OUTDIR=DIR also writes every property-test output there (the shell test
 * tests/sh/test_rewrite_validate.sh feeds them to virt-xml-validate). */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>

#include "rewrite.h"
#include "fileio.h"
#include "tap.h"

static const char *data_dir(void)
{
        const char *d = getenv("VMPLACE_TEST_DATA");
        return d && *d ? d : "tests/data";
}

static char *slurp(const char *path, size_t *len)
{
        char *buf = NULL;
        vp_error e;
        if (vp_read_file(path, 64u << 20, &buf, len, &e) < 0) {
                printf("# %s\n", e.msg);
                return NULL;
        }
        return buf;
}

/* ---- wanted tunes, derived from the domain so libvirt would accept them -------------------- */

typedef enum tune_kind {
        T_DEDICATED,   /* everything owned and set: pins, quotas, numatune, 2 cells, memnodes */
        T_REMOVE,      /* everything owned, nothing set: every placement item goes */
        T_CELLS_EMPTY, /* only cells and memnodes owned, none wanted */
        T_PARTIAL,     /* shares + vcpu_quota (unset) + vcpupin owned; the rest kept */
        T_FLOATING,    /* vcpu cpuset + numatune memory + global quota; cells kept */
        T__N,
} tune_kind;

static const char *const tune_names[T__N] = {"dedicated", "remove", "cells-empty", "partial",
                                             "floating"};

static void set_range(vp_cpuset *s, unsigned from, unsigned to)
{
        vp_cpuset_zero(s);
        for (unsigned c = from; c <= to; c++)
                vp_cpuset_set(s, c);
}

static void opt(vp_tune *t, vp_tune_scalar i, long long v)
{
        t->q[i].set = true;
        t->q[i].v = v;
}

static unsigned make_tune(const vp_domain *d, tune_kind k, vp_tune *t)
{
        vp_tune_init(t);
        unsigned n = d->vcpus_max;
        vp_cpuset s;
        switch (k) {
        case T_DEDICATED:
                opt(t, VP_T_SHARES, 2048);
                opt(t, VP_T_VCPU_PERIOD, 100000);
                opt(t, VP_T_VCPU_QUOTA, 50000);
                opt(t, VP_T_EMULATOR_PERIOD, 100000);
                opt(t, VP_T_EMULATOR_QUOTA, 20000);
                if (d->n_iothreads) {
                        opt(t, VP_T_IOTHREAD_PERIOD, 100000);
                        opt(t, VP_T_IOTHREAD_QUOTA, -1);
                }
                t->vcpu_cpuset_set = true;
                set_range(&t->vcpu_cpuset, 2, 2 + n - 1);
                for (unsigned v = 0; v < n; v++) {
                        set_range(&s, 2 + v, 2 + v);
                        vp_pins_put(&t->vcpupin, &t->n_vcpupin, v, &s);
                }
                t->emulatorpin_set = true;
                set_range(&t->emulatorpin, 0, 1);
                set_range(&s, 1, 1);
                for (size_t i = 0; i < d->n_iothreads; i++)
                        vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, d->iothread_ids[i], &s);
                t->mem_mode = VP_MEM_STRICT;
                t->nodeset_set = true;
                set_range(&t->nodeset, 0, 1);
                {
                        unsigned ncell = n >= 2 ? 2 : 1, half = n / ncell;
                        uint64_t m0 =
                            ncell == 2 ? (d->memory_kib / 2) / 1024 * 1024 : d->memory_kib;
                        for (unsigned c = 0; c < ncell; c++) {
                                vp_cell *cell = vp_cells_get(&t->cells, &t->n_cells, c);
                                cell->cpus_set = true;
                                set_range(&cell->cpus, c ? half : 0, c ? n - 1 : half - 1);
                                cell->memory_set = true;
                                cell->memory_kib = c ? d->memory_kib - m0 : m0;
                                vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, c);
                                /* cell 1 leaves the mode to libvirt's default */
                                m->mode = c ? VP_MEM_UNSET : VP_MEM_STRICT;
                                m->nodeset_set = true;
                                set_range(&m->nodeset, c, c);
                        }
                }
                return VP_OWN_SCALARS | VP_OWN_VCPU_CPUSET | VP_OWN_VCPUPIN | VP_OWN_EMULATORPIN |
                       VP_OWN_IOTHREADPIN | VP_OWN_MEMORY | VP_OWN_MEMNODES | VP_OWN_CELLS;
        case T_REMOVE:
                return VP_OWN_SCALARS | VP_OWN_VCPU_CPUSET | VP_OWN_VCPUPIN | VP_OWN_EMULATORPIN |
                       VP_OWN_IOTHREADPIN | VP_OWN_MEMORY | VP_OWN_MEMNODES | VP_OWN_CELLS;
        case T_CELLS_EMPTY:
                return VP_OWN_CELLS | VP_OWN_MEMNODES;
        case T_PARTIAL:
                opt(t, VP_T_SHARES, 512);
                set_range(&s, 0, 1);
                vp_pins_put(&t->vcpupin, &t->n_vcpupin, 0, &s);
                return VP_OWN_SCALAR(VP_T_SHARES) | VP_OWN_SCALAR(VP_T_VCPU_QUOTA) | VP_OWN_VCPUPIN;
        case T_FLOATING:
                t->vcpu_cpuset_set = true;
                set_range(&t->vcpu_cpuset, 0, 3);
                t->mem_mode = VP_MEM_INTERLEAVE;
                t->nodeset_set = true;
                set_range(&t->nodeset, 0, 1);
                opt(t, VP_T_GLOBAL_PERIOD, 100000);
                opt(t, VP_T_GLOBAL_QUOTA, 400000);
                return VP_OWN_VCPU_CPUSET | VP_OWN_MEMORY | VP_OWN_SCALAR(VP_T_GLOBAL_PERIOD) |
                       VP_OWN_SCALAR(VP_T_GLOBAL_QUOTA);
        case T__N:
                break;
        }
        return 0;
}

/* Some domains cannot lose their guest NUMA cells: libvirt requires one for memory hotplug
 * and hugepage nodesets name cells. The rewrite refuses those; the test expects it. */
static const char *expected_refusal(const vp_domain *d, tune_kind k)
{
        if (k != T_REMOVE && k != T_CELLS_EMPTY)
                return NULL;
        for (xmlNode *c = d->root->children; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                        continue;
                if (!strcmp((const char *)c->name, "maxMemory"))
                        return "<maxMemory> (memory hotplug) needs at least one guest NUMA cell";
                if (!strcmp((const char *)c->name, "memoryBacking"))
                        for (xmlNode *h = c->children; h; h = h->next)
                                for (xmlNode *p = h->type == XML_ELEMENT_NODE ? h->children : NULL;
                                     p; p = p->next)
                                        if (p->type == XML_ELEMENT_NODE &&
                                            xmlHasProp(p, BAD_CAST "nodeset"))
                                                return "<memoryBacking><hugepages><page nodeset=";
        }
        return NULL;
}

/* ---- comparing tunes ------------------------------------------------------------------------ */

/* Which owned items of got differ from want ("" when none). Unowned ones must equal orig. */
static void diff_tunes(const vp_tune *got, const vp_tune *want, const vp_tune *orig, unsigned owned,
                       char *out, size_t len)
{
        out[0] = '\0';
#define DIFF(name)                                                                                 \
        do {                                                                                       \
                strncat(out, name " ", len - strlen(out) - 1);                                     \
        } while (0)
        for (int i = 0; i < VP_T__COUNT; i++) {
                const vp_opt_ll *w = (owned & VP_OWN_SCALAR(i)) ? &want->q[i] : &orig->q[i];
                if (got->q[i].set != w->set || (w->set && got->q[i].v != w->v)) {
                        strncat(out, vp_tune_scalar_names[i], len - strlen(out) - 1);
                        DIFF("");
                }
        }
        const vp_tune *w = (owned & VP_OWN_VCPU_CPUSET) ? want : orig;
        if (got->vcpu_cpuset_set != w->vcpu_cpuset_set ||
            (w->vcpu_cpuset_set && !vp_cpuset_equal(&got->vcpu_cpuset, &w->vcpu_cpuset)))
                DIFF("vcpu_cpuset");
        w = (owned & VP_OWN_VCPUPIN) ? want : orig;
        if (!vp_pins_equal(got->vcpupin, got->n_vcpupin, w->vcpupin, w->n_vcpupin))
                DIFF("vcpupin");
        w = (owned & VP_OWN_EMULATORPIN) ? want : orig;
        if (got->emulatorpin_set != w->emulatorpin_set ||
            (w->emulatorpin_set && !vp_cpuset_equal(&got->emulatorpin, &w->emulatorpin)))
                DIFF("emulatorpin");
        w = (owned & VP_OWN_IOTHREADPIN) ? want : orig;
        if (!vp_pins_equal(got->iothreadpin, got->n_iothreadpin, w->iothreadpin, w->n_iothreadpin))
                DIFF("iothreadpin");
        w = (owned & VP_OWN_MEMORY) ? want : orig;
        if (got->mem_mode != w->mem_mode || got->nodeset_set != w->nodeset_set ||
            (w->nodeset_set && !vp_cpuset_equal(&got->nodeset, &w->nodeset)))
                DIFF("numatune_memory");
        w = (owned & VP_OWN_MEMNODES) ? want : orig;
        bool mn = got->n_memnodes == w->n_memnodes;
        for (size_t i = 0; mn && i < w->n_memnodes; i++) {
                const vp_memnode *a = &got->memnodes[i], *b = &w->memnodes[i];
                /* an unset mode is written as libvirt's default */
                vp_mem_mode bm = (owned & VP_OWN_MEMNODES) && !b->mode ? VP_MEM_STRICT : b->mode;
                mn = a->cellid == b->cellid && a->mode == bm && a->nodeset_set == b->nodeset_set &&
                     vp_cpuset_equal(&a->nodeset, &b->nodeset);
        }
        if (!mn)
                DIFF("memnodes");
        w = (owned & VP_OWN_CELLS) ? want : orig;
        bool ce = got->n_cells == w->n_cells;
        for (size_t i = 0; ce && i < w->n_cells; i++) {
                const vp_cell *a = &got->cells[i], *b = &w->cells[i];
                ce = a->id == b->id && a->cpus_set == b->cpus_set &&
                     (!b->cpus_set || vp_cpuset_equal(&a->cpus, &b->cpus)) &&
                     a->memory_kib == b->memory_kib;
        }
        if (!ce)
                DIFF("cells");
#undef DIFF
}

/* ---- "everything else unchanged": canonical form without the rewritable parts -------------- */

static void strip_blank_text(xmlNode *n)
{
        xmlNode *next;
        for (xmlNode *c = n->children; c; c = next) {
                next = c->next;
                if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
                        xmlUnlinkNode(c);
                        xmlFreeNode(c);
                } else if (c->type == XML_ELEMENT_NODE) {
                        strip_blank_text(c);
                }
        }
}

static xmlNode *child(xmlNode *p, const char *name)
{
        for (xmlNode *c = p ? p->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !c->ns && !strcmp((const char *)c->name, name))
                        return c;
        return NULL;
}

static void drop(xmlNode *n)
{
        if (n) {
                xmlUnlinkNode(n);
                xmlFreeNode(n);
        }
}

static char *canon_outside(const char *xml, size_t len)
{
        xmlDoc *doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
        if (!doc)
                return NULL;
        xmlNode *root = xmlDocGetRootElement(doc);
        if (root && !strcmp((const char *)root->name, "domstatus"))
                root = child(root, "domain");
        /* only the <domain> element is compared: what is around it is not written */
        xmlNode *top = xmlDocGetRootElement(doc);
        if (root != top) {
                xmlUnlinkNode(root);
                xmlDocSetRootElement(doc, root);
                xmlFreeNode(top);
        }
        for (xmlNode *c = doc->children, *next; c; c = next) {
                next = c->next;
                if (c != root)
                        drop(c);
        }
        drop(child(root, "cputune"));
        drop(child(root, "numatune"));
        xmlNode *vcpu = child(root, "vcpu");
        if (vcpu) {
                xmlUnsetProp(vcpu, BAD_CAST "cpuset");
                xmlUnsetProp(vcpu, BAD_CAST "placement");
        }
        xmlNode *cpu = child(root, "cpu");
        if (cpu) {
                drop(child(cpu, "numa"));
                strip_blank_text(cpu);
                if (!cpu->properties && !cpu->children)
                        drop(cpu);
        }
        strip_blank_text(root);
        xmlChar *out = NULL;
        xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 1, &out);
        xmlFreeDoc(doc);
        char *s = out ? vp_xstrdup((const char *)out) : NULL;
        xmlFree(out);
        return s;
}

/* ---- running one rewrite ----------------------------------------------------------------------
 */

static char *rewrite(const char *xml, size_t len, tune_kind k, vp_tune *want, unsigned *owned,
                     vp_domain **dom_out, vp_error *e)
{
        vp_domain *d = NULL;
        vp_tune_init(want);
        if (vp_domain_parse(xml, len, &d, e) < 0)
                return NULL;
        *owned = make_tune(d, k, want);
        const char *refusal = expected_refusal(d, k);
        if (refusal) {
                int r = vp_rewrite_apply(d, want, *owned, e);
                ok(r == -EINVAL, "%s %s: refused as libvirt would", d->name, tune_names[k]);
                like(e->msg, refusal, "%s %s: refusal says why", d->name, tune_names[k]);
                snprintf(e->msg, sizeof(e->msg), "expected refusal");
                vp_domain_free(d);
                return NULL;
        }
        char *out = NULL;
        if (vp_rewrite_apply(d, want, *owned, e) < 0 || vp_domain_format(d, &out, NULL, e) < 0) {
                vp_domain_free(d);
                return NULL;
        }
        *dom_out = d;
        return out;
}

static void write_out(const char *dir, const char *stem, const char *tune, const char *xml)
{
        /* allocated, not a fixed buffer: GCC 12 at -O3 (Release) fails the
         * build on a possibly truncating snprintf */
        char *path = vp_xasprintf("%s/%s.%s.xml", dir, stem, tune);
        vp_error e;
        if (vp_write_file_atomic(path, xml, strlen(xml), 0644, &e) < 0)
                printf("# %s\n", e.msg);
        free(path);
}

static void property(const char *dir, const char *file, const char *outdir)
{
        char path[4096], stem[256];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        snprintf(stem, sizeof(stem), "%s", file);
        char *dot = strrchr(stem, '.');
        if (dot)
                *dot = '\0';
        size_t len;
        char *x = slurp(path, &len);
        if (!x) {
                ok(0, "%s readable", file);
                return;
        }
        char *canon_in = canon_outside(x, len);
        for (int k = 0; k < T__N; k++) {
                vp_tune want;
                unsigned owned;
                vp_domain *orig = NULL;
                vp_error e = {0};
                char *out = rewrite(x, len, k, &want, &owned, &orig, &e);
                if (!out && !strcmp(e.msg, "expected refusal")) {
                        vp_tune_free(&want);
                        continue;
                }
                ok(out != NULL, "%s %s: rewritten%s%s", stem, tune_names[k], out ? "" : ": ",
                   out ? "" : e.msg);
                if (!out) {
                        vp_tune_free(&want);
                        continue;
                }
                if (outdir)
                        write_out(outdir, stem, tune_names[k], out);
                /* (a) parses and (b) holds exactly the wanted items */
                vp_domain *back = NULL;
                vp_domain *fresh = NULL;
                vp_domain_parse(x, len, &fresh, &e);
                int r = vp_domain_parse(out, strlen(out), &back, &e);
                ok(r == 0, "%s %s: output parses%s%s", stem, tune_names[k], r ? ": " : "",
                   r ? e.msg : "");
                if (r == 0 && fresh) {
                        char diff[512];
                        diff_tunes(&back->tune, &want, &fresh->tune, owned, diff, sizeof(diff));
                        ok(!diff[0], "%s %s: reads back as wanted", stem, tune_names[k]);
                        if (diff[0])
                                printf("#   differs: %s\n", diff);
                        ok(!strcmp(back->name, fresh->name) &&
                               back->vcpus_max == fresh->vcpus_max &&
                               back->memory_kib == fresh->memory_kib,
                           "%s %s: identity kept", stem, tune_names[k]);
                }
                /* (c) nothing else moved */
                char *canon_out = canon_outside(out, strlen(out));
                ok(canon_in && canon_out && !strcmp(canon_in, canon_out),
                   "%s %s: everything outside the placement items unchanged", stem, tune_names[k]);
                if (canon_in && canon_out && strcmp(canon_in, canon_out)) {
                        size_t i = 0;
                        while (canon_in[i] && canon_in[i] == canon_out[i])
                                i++;
                        printf("#   first difference at %zu: ...%.60s\n#   vs ...%.60s\n", i,
                               canon_in + (i > 20 ? i - 20 : 0), canon_out + (i > 20 ? i - 20 : 0));
                }
                free(canon_out);
                /* idempotent: the same rewrite of the output changes nothing */
                if (back) {
                        char *again = NULL;
                        if (vp_rewrite_apply(back, &want, owned, &e) == 0 &&
                            vp_domain_format(back, &again, NULL, &e) == 0)
                                ok(!strcmp(again, out), "%s %s: second rewrite is a no-op", stem,
                                   tune_names[k]);
                        else
                                ok(0, "%s %s: second rewrite: %s", stem, tune_names[k], e.msg);
                        free(again);
                }
                vp_domain_free(back);
                vp_domain_free(fresh);
                vp_domain_free(orig);
                vp_tune_free(&want);
                free(out);
        }
        free(canon_in);
        free(x);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus_properties(void)
{
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/xml/corpus", data_dir());
        const char *outdir = getenv("VMPLACE_REWRITE_OUTDIR");
        if (outdir && !*outdir)
                outdir = NULL;
        DIR *dp = opendir(dir);
        ok(dp != NULL, "open %s", dir);
        if (!dp)
                return;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(dp))) {
                size_t l = strlen(de->d_name);
                if (l > 4 && !strcmp(de->d_name + l - 4, ".xml")) {
                        names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                        names[n++] = vp_xstrdup(de->d_name);
                }
        }
        closedir(dp);
        qsort(names, n, sizeof(*names), cmp_str);
        ok(n >= 40, "corpus has %zu files (40+ wanted)", n);
        for (size_t i = 0; i < n; i++) {
                property(dir, names[i], outdir);
                free(names[i]);
        }
        free(names);
        /* the domstatus sample goes through the same checks */
        snprintf(dir, sizeof(dir), "%s/xml/status", data_dir());
        property(dir, "running-2vcpu.xml", outdir);
}

/* ---- golden files ------------------------------------------------------------------------------
 */

typedef struct golden {
        const char *input; /* under tests/data/xml */
        tune_kind kinds[T__N];
        int n;
} golden;

static const golden goldens[] = {
    {"corpus/vi-debian11-q35.xml", {T_DEDICATED, T_FLOATING}, 2},
    {"corpus/vi-all-placement.xml", {T_DEDICATED, T_REMOVE, T_CELLS_EMPTY, T_PARTIAL}, 4},
    {"corpus/lv-cputune-pins.xml", {T_DEDICATED, T_REMOVE, T_PARTIAL}, 3},
    {"corpus/lv-numa-distances.xml", {T_DEDICATED, T_CELLS_EMPTY}, 2},
    {"corpus/vi-numa-4cells-hugepages.xml", {T_DEDICATED, T_REMOVE}, 2},
    {"corpus/lv-placement-auto.xml", {T_DEDICATED, T_FLOATING}, 2},
    {"corpus/hand-placement-implicit.xml", {T_DEDICATED, T_PARTIAL, T_FLOATING}, 3},
    {"corpus/hand-full-tunables.xml", {T_DEDICATED, T_PARTIAL, T_FLOATING}, 3},
    {"corpus/vi-memory-hotplug.xml", {T_DEDICATED}, 1},
    {"corpus/hand-tabs-comments.xml", {T_DEDICATED, T_REMOVE, T_PARTIAL}, 3},
    {"corpus/hand-compact.xml", {T_DEDICATED, T_REMOVE}, 2},
    {"corpus/hand-4space-crlf.xml", {T_DEDICATED}, 1},
    {"corpus/hand-odd-format.xml", {T_DEDICATED, T_REMOVE}, 2},
    {"corpus/vi-cputune-sched.xml", {T_DEDICATED, T_REMOVE}, 2},
    {"corpus/vi-vcpus-big.xml", {T_DEDICATED}, 1},
    {"status/running-2vcpu.xml", {T_DEDICATED, T_CELLS_EMPTY}, 2},
};

static void test_golden(void)
{
        bool regen = getenv("VMPLACE_REGENERATE") && !strcmp(getenv("VMPLACE_REGENERATE"), "1");
        if (regen)
                printf("# VMPLACE_REGENERATE=1: writing golden files instead of comparing\n");
        char gdir[4096];
        snprintf(gdir, sizeof(gdir), "%s/xml/golden", data_dir());
        if (regen)
                mkdir(gdir, 0755);
        for (size_t i = 0; i < VP_ARRAY_SIZE(goldens); i++) {
                const golden *g = &goldens[i];
                char path[4096];
                snprintf(path, sizeof(path), "%s/xml/%s", data_dir(), g->input);
                size_t len;
                char *x = slurp(path, &len);
                const char *base = strrchr(g->input, '/') + 1;
                char stem[256];
                snprintf(stem, sizeof(stem), "%.*s", (int)(strrchr(base, '.') - base), base);
                for (int j = 0; j < g->n; j++) {
                        vp_tune want;
                        vp_tune_init(&want);
                        unsigned owned;
                        vp_domain *d = NULL;
                        vp_error e = {0};
                        char *out = x ? rewrite(x, len, g->kinds[j], &want, &owned, &d, &e) : NULL;
                        char gpath[8192];
                        snprintf(gpath, sizeof(gpath), "%s/%s.%s.xml", gdir, stem,
                                 tune_names[g->kinds[j]]);
                        if (!out) {
                                ok(0, "golden %s.%s: %s", stem, tune_names[g->kinds[j]], e.msg);
                        } else if (regen) {
                                write_out(gdir, stem, tune_names[g->kinds[j]], out);
                                ok(1, "golden %s.%s regenerated # VMPLACE_REGENERATE", stem,
                                   tune_names[g->kinds[j]]);
                        } else {
                                size_t glen;
                                char *want_xml = slurp(gpath, &glen);
                                bool same = want_xml && !strcmp(want_xml, out);
                                ok(same, "golden %s.%s matches", stem, tune_names[g->kinds[j]]);
                                if (want_xml && !same) {
                                        int line = 1;
                                        size_t k = 0;
                                        while (want_xml[k] && want_xml[k] == out[k])
                                                line += want_xml[k++] == '\n';
                                        printf("#   first difference on line %d (rerun with "
                                               "VMPLACE_REGENERATE=1 if intended)\n",
                                               line);
                                }
                                free(want_xml);
                        }
                        free(out);
                        vp_domain_free(d);
                        vp_tune_free(&want);
                }
                free(x);
        }
}

/* ---- targeted behaviour ------------------------------------------------------------------------
 */

static char *apply_str(const char *xml, const vp_tune *want, unsigned owned, int *rc, vp_error *e)
{
        vp_domain *d = NULL;
        char *out = NULL;
        *rc = vp_domain_parse(xml, strlen(xml), &d, e);
        if (*rc == 0)
                *rc = vp_rewrite_apply(d, want, owned, e);
        if (*rc == 0)
                *rc = vp_domain_format(d, &out, NULL, e);
        vp_domain_free(d);
        return out;
}

static void test_targeted(void)
{
        static const char base[] = "<domain type='qemu'>\n"
                                   "  <name>t</name>\n"
                                   "  <memory unit='KiB'>2097152</memory>\n"
                                   "  <vcpu placement='auto' current='2'>4</vcpu>\n"
                                   "  <iothreads>1</iothreads>\n"
                                   "  <numatune>\n"
                                   "    <memory mode='strict'/>\n"
                                   "  </numatune>\n"
                                   "  <os>\n"
                                   "    <type arch='x86_64'>hvm</type>\n"
                                   "  </os>\n"
                                   "  <cpu mode='host-passthrough'/>\n"
                                   "  <clock offset='utc'/>\n"
                                   "</domain>\n";
        vp_tune t;
        vp_tune_init(&t);
        vp_error e = {0};
        int rc;

        /* cpuset on an auto <vcpu>: static, attribute where libvirt writes it, and the
         * numatune that followed the vCPUs' auto placement keeps it explicitly */
        t.vcpu_cpuset_set = true;
        set_range(&t.vcpu_cpuset, 4, 7);
        char *out = apply_str(base, &t, VP_OWN_VCPU_CPUSET, &rc, &e);
        is_int(rc, 0, "vcpu cpuset on placement=auto %s", e.msg);
        like(out, "<vcpu placement=\"static\" cpuset=\"4-7\" current=\"2\">4</vcpu>",
             "placement static, cpuset before current");
        like(out, "<memory mode=\"strict\" placement=\"auto\"/>",
             "numatune memory keeps its implied auto placement");
        free(out);
        vp_tune_free(&t);

        /* a new cputune lands after <iothreads>, a new <numa> at the end of <cpu> */
        vp_tune_init(&t);
        opt(&t, VP_T_SHARES, 100);
        vp_cell *c = vp_cells_get(&t.cells, &t.n_cells, 0);
        c->cpus_set = true;
        set_range(&c->cpus, 0, 3);
        c->memory_set = true;
        c->memory_kib = 2097152;
        out = apply_str(base, &t, VP_OWN_SCALAR(VP_T_SHARES) | VP_OWN_CELLS, &rc, &e);
        is_int(rc, 0, "shares + one cell %s", e.msg);
        like(out,
             "  <iothreads>1</iothreads>\n  <cputune>\n    <shares>100</shares>\n  </cputune>\n"
             "  <numatune>",
             "cputune between iothreads and numatune, indented");
        like(out,
             "<cpu mode=\"host-passthrough\">\n    <numa>\n      <cell id=\"0\" cpus=\"0-3\" "
             "memory=\"2097152\" unit=\"KiB\"/>\n    </numa>\n  </cpu>",
             "numa inside the self-closed <cpu>");
        free(out);
        vp_tune_free(&t);

        /* validation names the item */
        static const struct {
                const char *what;
                unsigned owned;
                const char *msg;
        } bad[] = {
            {"pin", VP_OWN_VCPUPIN, "vcpupin for vCPU 4: the domain has 4 vCPUs"},
            {"iothreadpin", VP_OWN_IOTHREADPIN,
             "iothreadpin for IOThread 2: the domain has no such IOThread"},
            {"period", VP_OWN_SCALAR(VP_T_VCPU_PERIOD),
             "cputune vcpu_period value 999 is out of range (1000..1000000)"},
            {"quota", VP_OWN_SCALAR(VP_T_EMULATOR_QUOTA),
             "cputune emulator_quota value -2 is out of range"},
            {"memnode", VP_OWN_MEMNODES,
             "memnode for guest NUMA cell 0: the domain would have 0 guest NUMA cells"},
            {"cell ids", VP_OWN_CELLS, "guest NUMA cell 1: guest NUMA cells must be numbered"},
            {"cell cpus", VP_OWN_CELLS, "guest NUMA cell 0: vCPU 4 does not exist"},
            {"empty", VP_OWN_EMULATORPIN, "emulatorpin: empty cpuset"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(bad); i++) {
                vp_tune_init(&t);
                vp_cpuset s;
                set_range(&s, 0, 0);
                switch (i) {
                case 0:
                        vp_pins_put(&t.vcpupin, &t.n_vcpupin, 4, &s);
                        break;
                case 1:
                        vp_pins_put(&t.iothreadpin, &t.n_iothreadpin, 2, &s);
                        break;
                case 2:
                        opt(&t, VP_T_VCPU_PERIOD, 999);
                        break;
                case 3:
                        opt(&t, VP_T_EMULATOR_QUOTA, -2);
                        break;
                case 4: {
                        vp_memnode *m = vp_memnodes_get(&t.memnodes, &t.n_memnodes, 0);
                        m->nodeset_set = true;
                        m->nodeset = s;
                        break;
                }
                case 5:
                case 6:
                        c = vp_cells_get(&t.cells, &t.n_cells, i == 5 ? 1 : 0);
                        c->memory_set = true;
                        c->memory_kib = 1024;
                        c->cpus_set = true;
                        set_range(&c->cpus, 0, 4);
                        break;
                case 7:
                        t.emulatorpin_set = true;
                        break;
                }
                e.msg[0] = '\0';
                out = apply_str(base, &t, bad[i].owned, &rc, &e);
                ok(rc < 0 && !out, "%s refused", bad[i].what);
                like(e.msg, bad[i].msg, "%s message", bad[i].what);
                free(out);
                vp_tune_free(&t);
        }
}

/* Cells other parts of the domain depend on cannot go. */
static void test_cell_references(void)
{
        static const char xml[] = "<domain type='qemu'>\n"
                                  "  <name>refs</name>\n"
                                  "  <maxMemory slots='4' unit='KiB'>8388608</maxMemory>\n"
                                  "  <memory unit='KiB'>2097152</memory>\n"
                                  "  <memoryBacking>\n    <hugepages>\n"
                                  "      <page size='2048' unit='KiB' nodeset='1'/>\n"
                                  "    </hugepages>\n  </memoryBacking>\n"
                                  "  <vcpu>2</vcpu>\n"
                                  "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
                                  "  <cpu>\n    <numa>\n"
                                  "      <cell id='0' cpus='0' memory='1048576' unit='KiB'/>\n"
                                  "      <cell id='1' cpus='1' memory='1048576' unit='KiB'/>\n"
                                  "    </numa>\n  </cpu>\n"
                                  "  <devices>\n"
                                  "    <memory model='dimm'>\n      <target>\n"
                                  "        <size unit='KiB'>524288</size>\n        <node>1</node>\n"
                                  "      </target>\n    </memory>\n"
                                  "  </devices>\n"
                                  "</domain>\n";
        vp_tune t;
        vp_tune_init(&t);
        vp_error e = {0};
        int rc;
        char *out = apply_str(xml, &t, VP_OWN_CELLS, &rc, &e);
        ok(rc == -EINVAL && !out, "no cells with <maxMemory>: refused");
        like(e.msg, "<maxMemory> (memory hotplug) needs at least one guest NUMA cell", "message");
        free(out);

        vp_cell *c = vp_cells_get(&t.cells, &t.n_cells, 0);
        c->cpus_set = true;
        set_range(&c->cpus, 0, 1);
        c->memory_set = true;
        c->memory_kib = 2097152;
        out = apply_str(xml, &t, VP_OWN_CELLS, &rc, &e);
        ok(rc == -EINVAL && !out, "one cell while hugepages name cell 1: refused");
        like(e.msg, "<memoryBacking><hugepages><page nodeset='1'> names a guest NUMA cell",
             "message");
        free(out);

        static const char nohuge[] = "<domain><name>r</name><memory>2097152</memory><vcpu>2</vcpu>"
                                     "<devices><memory model='dimm'><target><node>1</node></target>"
                                     "</memory></devices></domain>";
        out = apply_str(nohuge, &t, VP_OWN_CELLS, &rc, &e);
        ok(rc == -EINVAL && !out, "one cell while a DIMM targets cell 1: refused");
        like(e.msg, "<devices><memory> targets guest NUMA cell 1", "message");
        free(out);

        /* the same cell change is fine when nothing depends on it */
        out = apply_str("<domain><name>r</name><memory>2097152</memory><vcpu>2</vcpu></domain>", &t,
                        VP_OWN_CELLS, &rc, &e);
        is_int(rc, 0, "one cell, nothing depending: accepted %s", rc ? e.msg : "");
        like(
            out,
            "<cpu><numa><cell id=\"0\" cpus=\"0-1\" memory=\"2097152\" unit=\"KiB\"/></numa></cpu>",
            "compact document stays compact");
        free(out);
        vp_tune_free(&t);
}

/* A change in the number of cells: existing cells keep memAccess, discard and caches, lose
 * their distances; interconnects go; the new cell follows the last one. */
static void test_cell_count_change(void)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/xml/corpus/hand-full-tunables.xml", data_dir());
        size_t len;
        char *x = slurp(path, &len);
        if (!x) {
                ok(0, "hand-full-tunables.xml readable");
                return;
        }
        vp_tune t;
        vp_tune_init(&t);
        static const unsigned from[] = {0, 3, 6}, to[] = {2, 5, 7};
        static const uint64_t mem[] = {3145728, 3145728, 2097152};
        for (unsigned i = 0; i < 3; i++) {
                vp_cell *c = vp_cells_get(&t.cells, &t.n_cells, i);
                c->cpus_set = true;
                set_range(&c->cpus, from[i], to[i]);
                c->memory_set = true;
                c->memory_kib = mem[i];
        }
        vp_error e = {0};
        int rc;
        char *out = apply_str(x, &t, VP_OWN_CELLS, &rc, &e);
        is_int(rc, 0, "three cells on hand-full-tunables %s", e.msg);
        like(out,
             "      <cell id=\"0\" cpus=\"0-2\" memory=\"3145728\" unit=\"KiB\" "
             "memAccess=\"shared\" discard=\"yes\">\n"
             "        <cache level=\"1\"",
             "cell 0 updated in place, attributes in libvirt order, distances gone, cache kept");
        like(out,
             "      <cell id=\"1\" cpus=\"3-5\" memory=\"3145728\" unit=\"KiB\" "
             "memAccess=\"shared\"/>\n"
             "      <cell id=\"2\" cpus=\"6-7\" memory=\"2097152\" unit=\"KiB\"/>\n"
             "    </numa>",
             "cell 1 emptied of distances, cell 2 appended");
        ok(out && !strstr(out, "<distances>") && !strstr(out, "interconnects"),
           "no distances or interconnects left");
        like(out, "<memnode cellid=\"1\" mode=\"interleave\" nodeset=\"1\"/>",
             "memnodes not owned: kept");
        free(out);
        vp_tune_free(&t);
        free(x);
}

int main(void)
{
        xmlInitParser();
        test_targeted();
        test_cell_references();
        test_cell_count_change();
        test_golden();
        test_corpus_properties();
        xmlCleanupParser();
        return tap_done();
}
