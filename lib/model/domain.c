/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "units.h"
#include "xmlparse.h"
#include "xmlutil.h"

/* Upper bound on <vcpu>: above every QEMU machine type's maximum (q35: 4096), low enough
 * that per-vCPU arrays stay small. */
#define VP_VCPUS_MAX 16384u
/* Upper bound on a domain's IOThreads: real domains have a handful. Each one costs a pin, an XML
 * element and a cgroup per plan, with work that grows with the square of their number: 65536
 * kept the hook (which holds libvirt's domain job) busy for hours. */
#define VP_IOTHREADS_MAX 1024u
/* Upper bound on guest NUMA cells: QEMU starts no more than 128 (MAX_NODES). The work per cell
 * grows with their number as for IOThreads: 128000 cells (2.3 MB of XML) took 42 s. */
#define VP_CELLS_MAX 1024u

/* ---- unit conversion ------------------------------------------------------------------- */

int vp_domain_scale_kib(uint64_t value, const char *unit, uint64_t *kib)
{
        /* virScaleInteger(): b/byte/bytes; X or XiB = 1024^n; XB = 1000^n; case-insensitive;
         * no unit = KiB. virDomainParseMemory() caps the byte count at LLONG_MAX and rounds
         * the KiB count up. */
        uint64_t scale;
        if (!unit || !*unit) {
                scale = 1024;
        } else if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") ||
                   !strcasecmp(unit, "bytes")) {
                scale = 1;
        } else {
                uint64_t base;
                if (!unit[1] || !strcasecmp(unit + 1, "iB"))
                        base = 1024;
                else if ((unit[1] == 'b' || unit[1] == 'B') && !unit[2])
                        base = 1000;
                else
                        return -EINVAL;
                int power;
                switch (unit[0]) {
                case 'k':
                case 'K':
                        power = 1;
                        break;
                case 'm':
                case 'M':
                        power = 2;
                        break;
                case 'g':
                case 'G':
                        power = 3;
                        break;
                case 't':
                case 'T':
                        power = 4;
                        break;
                case 'p':
                case 'P':
                        power = 5;
                        break;
                case 'e':
                case 'E':
                        power = 6;
                        break;
                default:
                        return -EINVAL;
                }
                scale = 1;
                while (power--)
                        scale *= base;
        }
        if (value && value > (uint64_t)LLONG_MAX / scale)
                return -ERANGE;
        uint64_t bytes = value * scale;
        *kib = bytes / 1024 + (bytes % 1024 ? 1 : 0);
        return 0;
}

/* ---- field readers ---------------------------------------------------------------------- */

static int bad_number(vp_error *err, const char *what, const char *text)
{
        return vp_error_set(err, -EINVAL, "%s value '%s' is not a number", what, text);
}

static int out_of_range(vp_error *err, const char *what, const char *text, const char *range)
{
        return vp_error_set(err, -ERANGE, "%s value '%s' is out of range (%s)", what, text, range);
}

/* Unsigned decimal with optional surrounding blanks (libvirt's virStrToLong_* accept leading
 * blanks; we accept trailing ones too, as XML text often carries them). */
static int parse_uint(const char *text, uint64_t *v)
{
        _cleanup_free_ char *dup = vp_xstrdup(text);
        return vp_parse_u64(vp_strstrip(dup), v);
}

static int parse_sll(const char *text, long long *v)
{
        _cleanup_free_ char *dup = vp_xstrdup(text);
        char *s = vp_strstrip(dup);
        bool neg = *s == '-';
        uint64_t u;
        int r = vp_parse_u64(neg ? s + 1 : s, &u);
        if (r < 0)
                return r;
        if (u > (uint64_t)LLONG_MAX)
                return -ERANGE;
        *v = neg ? -(long long)u : (long long)u;
        return 0;
}

static bool name_ok(const char *s)
{
        if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x20 || *p == 0x7f || *p == '/')
                        return false;
        return true;
}

static int read_identity(vp_domain *d, vp_error *err)
{
        xmlNode *n = vp_xml_child(d->root, "name");
        if (!n)
                return vp_error_set(err, -EINVAL, "domain XML has no <name>");
        _cleanup_xmlfree_ xmlChar *name = xmlNodeGetContent(n);
        if (!name || !name_ok((const char *)name))
                return vp_error_set(err, -EINVAL,
                                    "<name> value '%s' is not a usable domain name (empty, '.', "
                                    "'..', or has '/' or a control character)",
                                    name ? (const char *)name : "");
        d->name = vp_xstrdup((const char *)name);

        n = vp_xml_child(d->root, "uuid");
        if (n) {
                _cleanup_xmlfree_ xmlChar *uuid = xmlNodeGetContent(n);
                _cleanup_free_ char *dup = vp_xstrdup((const char *)uuid);
                char *s = vp_strstrip(dup);
                if (*s)
                        d->uuid = vp_xstrdup(s);
        }
        return 0;
}

static int read_vcpu(vp_domain *d, bool *placement_attr, vp_error *err)
{
        xmlNode *n = vp_xml_child(d->root, "vcpu");
        if (!n)
                return vp_error_set(err, -EINVAL, "domain XML has no <vcpu>");
        _cleanup_xmlfree_ xmlChar *text = xmlNodeGetContent(n);
        const char *t = text ? (const char *)text : "";
        uint64_t v;
        int r = parse_uint(t, &v);
        if (r == -EINVAL)
                return bad_number(err, "<vcpu>", t);
        if (r < 0 || v < 1 || v > VP_VCPUS_MAX)
                return out_of_range(err, "<vcpu>", t, "1..16384");
        d->vcpus_max = (unsigned)v;
        d->vcpus_current = d->vcpus_max;

        _cleanup_xmlfree_ xmlChar *cur = xmlGetNoNsProp(n, BAD_CAST "current");
        if (cur) {
                r = parse_uint((const char *)cur, &v);
                if (r == -EINVAL)
                        return bad_number(err, "<vcpu current>", (const char *)cur);
                if (r < 0 || v < 1 || v > d->vcpus_max)
                        return vp_error_set(err, -ERANGE,
                                            "<vcpu current> value '%s' is out of range (1..%u)",
                                            (const char *)cur, d->vcpus_max);
                d->vcpus_current = (unsigned)v;
        }

        _cleanup_xmlfree_ xmlChar *pl = xmlGetNoNsProp(n, BAD_CAST "placement");
        *placement_attr = pl != NULL;
        if (pl) {
                if (!strcmp((const char *)pl, "auto"))
                        d->vcpu_placement_auto = true;
                else if (strcmp((const char *)pl, "static"))
                        return vp_error_set(err, -EINVAL,
                                            "<vcpu placement> value '%s' is not static or auto",
                                            (const char *)pl);
        }
        _cleanup_xmlfree_ xmlChar *cs = xmlGetNoNsProp(n, BAD_CAST "cpuset");
        /* libvirt ignores cpuset with placement='auto'. */
        if (cs && !d->vcpu_placement_auto) {
                vp_error e;
                if (vp_cpuset_parse(&d->tune.vcpu_cpuset, (const char *)cs, VP_MAX_CPUS, &e) < 0)
                        return vp_error_set(err, -EINVAL, "<vcpu cpuset>: %s", e.msg);
                d->tune.vcpu_cpuset_set = true;
        }
        return 0;
}

static int read_memory(vp_domain *d, vp_error *err)
{
        xmlNode *n = vp_xml_child(d->root, "memory");
        if (!n)
                return 0; /* may come from the guest cells */
        _cleanup_xmlfree_ xmlChar *text = xmlNodeGetContent(n);
        _cleanup_xmlfree_ xmlChar *unit = xmlGetNoNsProp(n, BAD_CAST "unit");
        const char *t = text ? (const char *)text : "";
        uint64_t v;
        int r = parse_uint(t, &v);
        if (r == -EINVAL)
                return bad_number(err, "<memory>", t);
        if (r == 0)
                r = vp_domain_scale_kib(v, (const char *)unit, &d->memory_kib);
        if (r == -EINVAL)
                return vp_error_set(err, -EINVAL, "<memory unit> value '%s' is not a known unit",
                                    (const char *)unit);
        if (r < 0)
                return vp_error_set(err, -ERANGE, "<memory> value '%s%s%s' is too large", t,
                                    unit ? " " : "", unit ? (const char *)unit : "");
        if (!d->memory_kib)
                return out_of_range(err, "<memory>", t, "more than 0");
        return 0;
}

static void read_metadata(vp_domain *d)
{
        xmlNode *md = vp_xml_child(d->root, "metadata");
        for (xmlNode *c = md ? md->children : NULL; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE || !c->ns || !c->ns->href ||
                    strcmp((const char *)c->ns->href, VP_METADATA_NS) ||
                    strcmp((const char *)c->name, "profile"))
                        continue;
                _cleanup_xmlfree_ xmlChar *text = xmlNodeGetContent(c);
                _cleanup_free_ char *dup = vp_xstrdup((const char *)text);
                char *s = vp_strstrip(dup);
                if (*s)
                        d->metadata_profile = vp_xstrdup(s);
                return;
        }
}

static int cmp_uint(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
        return x < y ? -1 : x > y;
}

static bool has_id(const unsigned *ids, size_t n, unsigned id)
{
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

static int read_iothreads(vp_domain *d, vp_error *err)
{
        uint64_t count = 0;
        xmlNode *n = vp_xml_child(d->root, "iothreads");
        if (n) {
                _cleanup_xmlfree_ xmlChar *text = xmlNodeGetContent(n);
                const char *t = text ? (const char *)text : "";
                int r = parse_uint(t, &count);
                if (r == -EINVAL)
                        return bad_number(err, "<iothreads>", t);
                if (r < 0 || count > VP_IOTHREADS_MAX)
                        return out_of_range(err, "<iothreads>", t, "0..1024");
        }
        size_t cap = 0;
        xmlNode *ids = vp_xml_child(d->root, "iothreadids");
        for (xmlNode *c = ids ? ids->children : NULL; c; c = c->next) {
                if (!vp_xml_is(c, "iothread"))
                        continue;
                _cleanup_xmlfree_ xmlChar *id = xmlGetNoNsProp(c, BAD_CAST "id");
                uint64_t v;
                if (!id)
                        return vp_error_set(err, -EINVAL, "<iothread> in <iothreadids> has no id");
                int r = parse_uint((const char *)id, &v);
                if (r == -EINVAL)
                        return bad_number(err, "<iothread id>", (const char *)id);
                if (r < 0 || v < 1 || v > UINT_MAX)
                        return out_of_range(err, "<iothread id>", (const char *)id,
                                            "1..4294967295");
                if (has_id(d->iothread_ids, d->n_iothreads, (unsigned)v))
                        return vp_error_set(err, -EINVAL, "<iothread id='%s'> appears twice",
                                            (const char *)id);
                if (d->n_iothreads == VP_IOTHREADS_MAX)
                        return vp_error_set(err, -ERANGE,
                                            "<iothreadids> lists more than %u IOThreads",
                                            VP_IOTHREADS_MAX);
                if (d->n_iothreads == cap) {
                        cap = cap ? cap * 2 : 8;
                        d->iothread_ids = vp_xrealloc(d->iothread_ids, cap * sizeof(unsigned));
                }
                d->iothread_ids[d->n_iothreads++] = (unsigned)v;
        }
        /* libvirt numbers the threads <iothreadids> does not list with the lowest free ids. */
        if (count > d->n_iothreads) {
                d->iothread_ids = vp_xrealloc(d->iothread_ids, count * sizeof(unsigned));
                for (unsigned id = 1; d->n_iothreads < count; id++)
                        if (!has_id(d->iothread_ids, d->n_iothreads, id))
                                d->iothread_ids[d->n_iothreads++] = id;
        }
        if (d->n_iothreads)
                qsort(d->iothread_ids, d->n_iothreads, sizeof(unsigned), cmp_uint);
        return 0;
}

static int read_scalars(vp_domain *d, xmlNode *ct, vp_error *err)
{
        for (int i = 0; i < VP_T__COUNT; i++) {
                xmlNode *n = vp_xml_child(ct, vp_tune_scalar_xml_names[i]);
                if (!n)
                        continue;
                char what[64];
                snprintf(what, sizeof(what), "<cputune><%s>", vp_tune_scalar_xml_names[i]);
                _cleanup_xmlfree_ xmlChar *text = xmlNodeGetContent(n);
                const char *t = text ? (const char *)text : "";
                long long v;
                int r = parse_sll(t, &v);
                if (r == -EINVAL)
                        return bad_number(err, what, t);
                if (r < 0)
                        return out_of_range(err, what, t, vp_tune_scalar_range(i));
                /* libvirt: a period or quota of 0 means "not set"; any negative quota is
                 * "unlimited" (written as -1 to the cgroup). */
                if (i != VP_T_SHARES && v == 0)
                        continue;
                if (vp_tune_scalar_is_quota(i) && v < 0)
                        v = -1;
                if (!vp_tune_scalar_valid(i, v))
                        return out_of_range(err, what, t, vp_tune_scalar_range(i));
                d->tune.q[i].set = true;
                d->tune.q[i].v = v;
        }
        return 0;
}

/* Parse attribute attr of n as a cpuset; what names the element for messages. */
static int read_cpuset_attr(xmlNode *n, const char *attr, unsigned limit, const char *what,
                            vp_cpuset *out, bool *present, vp_error *err)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
        if (present)
                *present = v != NULL;
        if (!v) {
                if (present)
                        return 0;
                return vp_error_set(err, -EINVAL, "%s has no %s", what, attr);
        }
        vp_error e;
        int r = vp_cpuset_parse(out, (const char *)v, limit, &e);
        if (r < 0)
                return vp_error_set(err, r, "%s %s: %s", what, attr, e.msg);
        return 0;
}

/* Parse a required unsigned id attribute. */
static int read_id_attr(xmlNode *n, const char *attr, const char *elem, uint64_t max, unsigned *out,
                        vp_error *err)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
        char what[64];
        snprintf(what, sizeof(what), "<%s %s>", elem, attr);
        if (!v)
                return vp_error_set(err, -EINVAL, "<%s> has no %s", elem, attr);
        uint64_t u;
        int r = parse_uint((const char *)v, &u);
        if (r == -EINVAL)
                return bad_number(err, what, (const char *)v);
        if (r < 0 || u > max) {
                char range[32];
                snprintf(range, sizeof(range), "0..%llu", (unsigned long long)max);
                return out_of_range(err, what, (const char *)v, range);
        }
        *out = (unsigned)u;
        return 0;
}

static int read_cputune(vp_domain *d, vp_error *err)
{
        xmlNode *ct = vp_xml_child(d->root, "cputune");
        if (!ct)
                return 0;
        int r = read_scalars(d, ct, err);
        if (r < 0)
                return r;
        for (xmlNode *c = ct->children; c; c = c->next) {
                char what[96];
                unsigned id;
                vp_cpuset set;
                if (vp_xml_is(c, "vcpupin")) {
                        r = read_id_attr(c, "vcpu", "vcpupin", UINT_MAX, &id, err);
                        if (r < 0)
                                return r;
                        snprintf(what, sizeof(what), "<vcpupin vcpu='%u'>", id);
                        if (id >= d->vcpus_max)
                                return vp_error_set(err, -EINVAL,
                                                    "%s: no such vCPU (the domain has %u)", what,
                                                    d->vcpus_max);
                        if (vp_pins_find(d->tune.vcpupin, d->tune.n_vcpupin, id))
                                return vp_error_set(err, -EINVAL, "%s appears twice", what);
                        r = read_cpuset_attr(c, "cpuset", VP_MAX_CPUS, what, &set, NULL, err);
                        if (r < 0)
                                return r;
                        vp_pins_put(&d->tune.vcpupin, &d->tune.n_vcpupin, id, &set);
                } else if (vp_xml_is(c, "emulatorpin")) {
                        if (d->tune.emulatorpin_set)
                                return vp_error_set(err, -EINVAL, "<emulatorpin> appears twice");
                        r = read_cpuset_attr(c, "cpuset", VP_MAX_CPUS, "<emulatorpin>",
                                             &d->tune.emulatorpin, NULL, err);
                        if (r < 0)
                                return r;
                        d->tune.emulatorpin_set = true;
                } else if (vp_xml_is(c, "iothreadpin")) {
                        r = read_id_attr(c, "iothread", "iothreadpin", UINT_MAX, &id, err);
                        if (r < 0)
                                return r;
                        snprintf(what, sizeof(what), "<iothreadpin iothread='%u'>", id);
                        if (!has_id(d->iothread_ids, d->n_iothreads, id))
                                return vp_error_set(err, -EINVAL, "%s: no such IOThread", what);
                        if (vp_pins_find(d->tune.iothreadpin, d->tune.n_iothreadpin, id))
                                return vp_error_set(err, -EINVAL, "%s appears twice", what);
                        r = read_cpuset_attr(c, "cpuset", VP_MAX_CPUS, what, &set, NULL, err);
                        if (r < 0)
                                return r;
                        vp_pins_put(&d->tune.iothreadpin, &d->tune.n_iothreadpin, id, &set);
                }
        }
        return 0;
}

static int read_cells(vp_domain *d, vp_error *err)
{
        xmlNode *cpu = vp_xml_child(d->root, "cpu");
        xmlNode *numa = cpu ? vp_xml_child(cpu, "numa") : NULL;
        vp_cpuset seen;
        vp_cpuset_zero(&seen);
        unsigned idx = 0;
        for (xmlNode *c = numa ? numa->children : NULL; c; c = c->next) {
                if (!vp_xml_is(c, "cell"))
                        continue;
                if (idx == VP_CELLS_MAX)
                        return vp_error_set(err, -ERANGE, "<cpu><numa> has more than %u cells",
                                            VP_CELLS_MAX);
                char what[64];
                unsigned id = idx;
                _cleanup_xmlfree_ xmlChar *ida = xmlGetNoNsProp(c, BAD_CAST "id");
                if (ida) {
                        int r = read_id_attr(c, "id", "cell", UINT_MAX, &id, err);
                        if (r < 0)
                                return r;
                        if (id != idx)
                                return vp_error_set(err, -EINVAL,
                                                    "<cell id='%s'>: guest NUMA cells must be "
                                                    "numbered 0..N-1 in order (expected %u)",
                                                    (const char *)ida, idx);
                }
                snprintf(what, sizeof(what), "<cell id='%u'>", id);
                vp_cell *cell = vp_cells_get(&d->tune.cells, &d->tune.n_cells, id);
                int r = read_cpuset_attr(c, "cpus", d->vcpus_max, what, &cell->cpus,
                                         &cell->cpus_set, err);
                if (r < 0)
                        return r;
                if (cell->cpus_set) {
                        if (vp_cpuset_intersects(&seen, &cell->cpus))
                                return vp_error_set(err, -EINVAL,
                                                    "%s cpus: a vCPU is in two guest NUMA cells",
                                                    what);
                        vp_cpuset_or(&seen, &cell->cpus);
                }
                _cleanup_xmlfree_ xmlChar *mem = xmlGetNoNsProp(c, BAD_CAST "memory");
                _cleanup_xmlfree_ xmlChar *unit = xmlGetNoNsProp(c, BAD_CAST "unit");
                if (!mem)
                        return vp_error_set(err, -EINVAL, "%s has no memory", what);
                uint64_t v;
                char mwhat[80];
                snprintf(mwhat, sizeof(mwhat), "%s memory", what);
                r = parse_uint((const char *)mem, &v);
                if (r == -EINVAL)
                        return bad_number(err, mwhat, (const char *)mem);
                if (r == 0)
                        r = vp_domain_scale_kib(v, (const char *)unit, &cell->memory_kib);
                if (r == -EINVAL)
                        return vp_error_set(err, -EINVAL, "%s unit '%s' is not a known unit", what,
                                            (const char *)unit);
                if (r < 0)
                        return vp_error_set(err, -ERANGE, "%s value '%s' is too large", mwhat,
                                            (const char *)mem);
                cell->memory_set = true;
                idx++;
        }
        return 0;
}

static int read_mode(xmlNode *n, const char *what, vp_mem_mode *mode, vp_error *err)
{
        _cleanup_xmlfree_ xmlChar *m = xmlGetNoNsProp(n, BAD_CAST "mode");
        *mode = VP_MEM_UNSET;
        if (!m)
                return 0;
        *mode = vp_mem_mode_from_name((const char *)m);
        if (*mode == VP_MEM_UNSET)
                return vp_error_set(err, -EINVAL,
                                    "%s mode '%s' is not strict, preferred, interleave or "
                                    "restrictive",
                                    what, (const char *)m);
        return 0;
}

static int read_numatune(vp_domain *d, bool *mem_placement_attr, vp_error *err)
{
        *mem_placement_attr = false;
        xmlNode *nt = vp_xml_child(d->root, "numatune");
        if (!nt)
                return 0;
        int r;
        xmlNode *mem = vp_xml_child(nt, "memory");
        if (mem) {
                r = read_mode(mem, "<numatune><memory>", &d->tune.mem_mode, err);
                if (r < 0)
                        return r;
                _cleanup_xmlfree_ xmlChar *pl = xmlGetNoNsProp(mem, BAD_CAST "placement");
                *mem_placement_attr = pl != NULL;
                if (pl && !strcmp((const char *)pl, "auto"))
                        d->numatune_placement_auto = true;
                else if (pl && strcmp((const char *)pl, "static"))
                        return vp_error_set(err, -EINVAL,
                                            "<numatune><memory placement> value '%s' is not "
                                            "static or auto",
                                            (const char *)pl);
                /* libvirt drops the nodeset of an auto placement. */
                if (!d->numatune_placement_auto) {
                        r = read_cpuset_attr(mem, "nodeset", VP_MAX_CPUS, "<numatune><memory>",
                                             &d->tune.nodeset, &d->tune.nodeset_set, err);
                        if (r < 0)
                                return r;
                }
        }
        for (xmlNode *c = nt->children; c; c = c->next) {
                if (!vp_xml_is(c, "memnode"))
                        continue;
                unsigned id;
                r = read_id_attr(c, "cellid", "memnode", UINT_MAX, &id, err);
                if (r < 0)
                        return r;
                char what[64];
                snprintf(what, sizeof(what), "<memnode cellid='%u'>", id);
                if (id >= d->tune.n_cells)
                        return vp_error_set(err, -EINVAL,
                                            "%s: no such guest NUMA cell (the domain has %zu)",
                                            what, d->tune.n_cells);
                for (size_t i = 0; i < d->tune.n_memnodes; i++)
                        if (d->tune.memnodes[i].cellid == id)
                                return vp_error_set(err, -EINVAL, "%s appears twice", what);
                vp_memnode *m = vp_memnodes_get(&d->tune.memnodes, &d->tune.n_memnodes, id);
                r = read_mode(c, what, &m->mode, err);
                if (r < 0)
                        return r;
                r = read_cpuset_attr(c, "nodeset", VP_MAX_CPUS, what, &m->nodeset, NULL, err);
                if (r < 0)
                        return r;
                m->nodeset_set = true;
        }
        return 0;
}

/* <vcpus><vcpu id='N' enabled='yes|no' .../></vcpus>: libvirt lets the
 * vCPUs online at start be any current ones of the max (hotpluggable
 * others), e.g. 0 and 2 of 3. */
static int read_vcpus(vp_domain *d, vp_error *err)
{
        xmlNode *vcpus = vp_xml_child(d->root, "vcpus");
        if (!vcpus)
                return 0;
        d->vcpu_enabled = vp_xcalloc(d->vcpus_max, sizeof(bool));
        for (xmlNode *c = vcpus->children; c; c = c->next) {
                if (!vp_xml_is(c, "vcpu"))
                        continue;
                unsigned id;
                int r = read_id_attr(c, "id", "vcpus><vcpu", d->vcpus_max - 1, &id, err);
                if (r < 0)
                        return r;
                _cleanup_xmlfree_ xmlChar *en = xmlGetNoNsProp(c, BAD_CAST "enabled");
                if (en && strcmp((const char *)en, "yes") && strcmp((const char *)en, "no"))
                        return vp_error_set(err, -EINVAL,
                                            "<vcpus><vcpu id='%u'> enabled value '%s' is not yes "
                                            "or no",
                                            id, (const char *)en);
                d->vcpu_enabled[id] = en && !strcmp((const char *)en, "yes");
        }
        return 0;
}

bool vp_domain_vcpu_online(const vp_domain *d, unsigned id)
{
        if (id >= d->vcpus_max)
                return false;
        return d->vcpu_enabled ? d->vcpu_enabled[id] : id < d->vcpus_current;
}

static int read_domstatus(vp_domain *d, xmlNode *status, vp_error *err)
{
        _cleanup_xmlfree_ xmlChar *pid = xmlGetNoNsProp(status, BAD_CAST "pid");
        if (pid) {
                uint64_t v;
                if (parse_uint((const char *)pid, &v) < 0 || v < 1 || v > INT_MAX)
                        return vp_error_set(err, -EINVAL, "<domstatus pid> value '%s' is not a pid",
                                            (const char *)pid);
                d->pid = (long)v;
        }
        xmlNode *vcpus = vp_xml_child(status, "vcpus");
        if (!vcpus)
                return 0;
        d->n_vcpu_tids = d->vcpus_max;
        d->vcpu_tids = vp_xcalloc(d->n_vcpu_tids, sizeof(unsigned));
        for (xmlNode *c = vcpus->children; c; c = c->next) {
                if (!vp_xml_is(c, "vcpu"))
                        continue;
                unsigned id, tid;
                vp_error e;
                int r = read_id_attr(c, "id", "vcpu", d->vcpus_max - 1, &id, &e);
                if (r == 0)
                        r = read_id_attr(c, "pid", "vcpu", INT_MAX, &tid, &e);
                if (r < 0)
                        return vp_error_set(err, r, "domain status: %s", e.msg);
                d->vcpu_tids[id] = tid;
        }
        return 0;
}

void vp_domain_free(vp_domain *d)
{
        if (!d)
                return;
        free(d->name);
        free(d->uuid);
        free(d->metadata_profile);
        free(d->iothread_ids);
        free(d->vcpu_tids);
        free(d->vcpu_enabled);
        vp_tune_free(&d->tune);
        if (d->doc)
                xmlFreeDoc(d->doc);
        free(d);
}

static void domain_freep(vp_domain **d)
{
        vp_domain_free(*d);
}

static int parse_domain(const char *xml, size_t len, vp_domain **out, vp_error *err)
{
        if (len > VP_DOMAIN_XML_MAX)
                return vp_error_set(err, -EFBIG,
                                    "domain XML is %zu bytes, more than the %u allowed", len,
                                    VP_DOMAIN_XML_MAX);
        if (!xml || len == 0)
                return vp_error_set(err, -EINVAL, "domain XML is empty");

        _cleanup_(domain_freep) vp_domain *d = vp_xcalloc(1, sizeof(*d));
        vp_tune_init(&d->tune);
        int r = vp_xml_parse(xml, len, "domain XML", &d->doc, err);
        if (r < 0)
                return r;
        d->had_xml_decl = vp_xml_starts_with_decl(xml, len);

        xmlNode *top = xmlDocGetRootElement(d->doc);
        xmlNode *status = NULL;
        if (top && vp_xml_is(top, "domstatus")) {
                status = top;
                d->root = vp_xml_child(top, "domain");
                if (!d->root)
                        return vp_error_set(err, -EINVAL, "domain status XML has no <domain>");
        } else if (top && vp_xml_is(top, "domain")) {
                d->root = top;
        } else {
                return vp_error_set(err, -EINVAL, "domain XML root is <%s>, not <domain>",
                                    top ? (const char *)top->name : "");
        }

        bool vcpu_pl_attr, mem_pl_attr;
        if ((r = read_identity(d, err)) < 0 || (r = read_vcpu(d, &vcpu_pl_attr, err)) < 0 ||
            (r = read_vcpus(d, err)) < 0 || (r = read_memory(d, err)) < 0 ||
            (r = read_iothreads(d, err)) < 0 || (r = read_cputune(d, err)) < 0 ||
            (r = read_cells(d, err)) < 0 || (r = read_numatune(d, &mem_pl_attr, err)) < 0)
                return r;
        read_metadata(d);

        if (!d->memory_kib) {
                /* Each cell fits libvirt's cap of LLONG_MAX bytes, but their sum need not: a
                 * plain sum wrapped past 2^64 KiB into a small size that the plan committed. */
                for (size_t i = 0; i < d->tune.n_cells; i++) {
                        uint64_t kib = d->tune.cells[i].memory_kib;
                        if (kib > VP_MEMORY_MAX_KIB - d->memory_kib)
                                return vp_error_set(err, -ERANGE,
                                                    "guest NUMA cells' memory adds up to more "
                                                    "than libvirt's limit of %lld bytes",
                                                    LLONG_MAX);
                        d->memory_kib += kib;
                }
                if (!d->memory_kib)
                        return vp_error_set(err, -EINVAL, "domain XML has no <memory>");
        }

        /* libvirt's defaults between the two placements: a <numatune><memory> without nodeset
         * or placement follows <vcpu placement='auto'>; a <vcpu> without placement, cpuset or
         * pins follows <memory placement='auto'>. */
        xmlNode *nt = vp_xml_child(d->root, "numatune");
        if (nt && vp_xml_child(nt, "memory") && !mem_pl_attr && !d->tune.nodeset_set &&
            d->vcpu_placement_auto)
                d->numatune_placement_auto = true;
        if (d->numatune_placement_auto && !vcpu_pl_attr && !d->tune.vcpu_cpuset_set &&
            !d->tune.n_vcpupin && !d->tune.emulatorpin_set && !d->tune.n_iothreadpin)
                d->vcpu_placement_auto = true;

        if (status && (r = read_domstatus(d, status, err)) < 0)
                return r;
        *out = TAKE_PTR(d);
        return 0;
}

int vp_domain_parse(const char *xml, size_t len, vp_domain **out, vp_error *err)
{
        int r = parse_domain(xml, len, out, err);
        /* Messages quote values from the document: keep them on one line for the log and for
         * libvirt, which shows a hook's stderr to whoever started the domain. */
        if (r < 0 && err)
                for (char *p = err->msg; *p; p++)
                        if ((unsigned char)*p < 0x20 || *p == 0x7f)
                                *p = ' ';
        return r;
}
