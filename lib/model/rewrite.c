/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rewrite.h"

#include <errno.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "xmledit.h"
#include "xmlutil.h"

/* Everything here edits the tree libxml2 parsed, node by node (xmledit.h), so what the rewrite
 * does not own keeps its bytes (modulo libxml2's attribute quoting and empty-element form). New
 * elements get whitespace text nodes copied from their siblings' layout instead of a global
 * re-indent. */

/* ---- validation of the wanted tune against the domain ------------------------------------ */

static int check_set(const vp_cpuset *s, const char *what, vp_error *err)
{
        if (vp_cpuset_empty(s))
                return vp_error_set(err, -EINVAL, "%s: empty cpuset", what);
        return 0;
}

static bool has_iothread(const vp_domain *d, unsigned id)
{
        for (size_t i = 0; i < d->n_iothreads; i++)
                if (d->iothread_ids[i] == id)
                        return true;
        return false;
}

/* Other parts of a domain name guest NUMA cells by number: libvirt refuses the definition when
 * a change of cells leaves them pointing nowhere, so refuse it here with the reason. */
static int check_cell_refs(const vp_domain *d, size_t ncells, vp_error *err)
{
        xmlNode *root = d->root;
        if (ncells == 0 && vp_xml_child(root, "maxMemory"))
                return vp_error_set(err, -EINVAL,
                                    "<maxMemory> (memory hotplug) needs at least one guest NUMA "
                                    "cell");
        xmlNode *mb = vp_xml_child(root, "memoryBacking");
        xmlNode *hp = mb ? vp_xml_child(mb, "hugepages") : NULL;
        for (xmlNode *p = hp ? hp->children : NULL; p; p = p->next) {
                if (!vp_xml_is(p, "page"))
                        continue;
                _cleanup_xmlfree_ xmlChar *ns = xmlGetNoNsProp(p, BAD_CAST "nodeset");
                vp_cpuset set;
                if (ns && vp_cpuset_parse(&set, (const char *)ns, VP_MAX_CPUS, NULL) == 0 &&
                    (size_t)vp_cpuset_last(&set) >= ncells)
                        return vp_error_set(err, -EINVAL,
                                            "<memoryBacking><hugepages><page nodeset='%s'> names a "
                                            "guest NUMA cell the domain would not have (%zu cells)",
                                            (const char *)ns, ncells);
        }
        xmlNode *devs = vp_xml_child(root, "devices");
        for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
                if (!vp_xml_is(c, "memory") && !vp_xml_is(c, "controller"))
                        continue;
                xmlNode *node = vp_xml_child(vp_xml_child(c, "target"), "node");
                if (!node)
                        continue;
                _cleanup_xmlfree_ xmlChar *v = xmlNodeGetContent(node);
                uint64_t id;
                if (v && vp_parse_u64((const char *)v, &id) == 0 && id >= ncells)
                        return vp_error_set(err, -EINVAL,
                                            "<devices><%s> targets guest NUMA cell %s, which the "
                                            "domain would not have (%zu cells)",
                                            (const char *)c->name, (const char *)v, ncells);
        }
        return 0;
}

static int validate(const vp_domain *d, const vp_tune *t, unsigned owned, vp_error *err)
{
        char what[96];
        int r;
        for (int i = 0; i < VP_T__COUNT; i++)
                if ((owned & VP_OWN_SCALAR(i)) && t->q[i].set &&
                    !vp_tune_scalar_valid(i, t->q[i].v))
                        return vp_error_set(
                            err, -ERANGE, "cputune %s value %lld is out of range (%s)",
                            vp_tune_scalar_names[i], t->q[i].v, vp_tune_scalar_range(i));
        if ((owned & VP_OWN_VCPU_CPUSET) && t->vcpu_cpuset_set &&
            (r = check_set(&t->vcpu_cpuset, "vcpu cpuset", err)) < 0)
                return r;
        if (owned & VP_OWN_VCPUPIN)
                for (size_t i = 0; i < t->n_vcpupin; i++) {
                        snprintf(what, sizeof(what), "vcpupin for vCPU %u", t->vcpupin[i].id);
                        if (t->vcpupin[i].id >= d->vcpus_max)
                                return vp_error_set(err, -EINVAL, "%s: the domain has %u vCPUs",
                                                    what, d->vcpus_max);
                        if ((r = check_set(&t->vcpupin[i].set, what, err)) < 0)
                                return r;
                }
        if ((owned & VP_OWN_EMULATORPIN) && t->emulatorpin_set &&
            (r = check_set(&t->emulatorpin, "emulatorpin", err)) < 0)
                return r;
        if (owned & VP_OWN_IOTHREADPIN)
                for (size_t i = 0; i < t->n_iothreadpin; i++) {
                        snprintf(what, sizeof(what), "iothreadpin for IOThread %u",
                                 t->iothreadpin[i].id);
                        if (!has_iothread(d, t->iothreadpin[i].id))
                                return vp_error_set(err, -EINVAL,
                                                    "%s: the domain has no such IOThread", what);
                        if ((r = check_set(&t->iothreadpin[i].set, what, err)) < 0)
                                return r;
                }
        if ((owned & VP_OWN_MEMORY) && t->nodeset_set &&
            (r = check_set(&t->nodeset, "numatune nodeset", err)) < 0)
                return r;

        size_t ncells = d->tune.n_cells;
        if (owned & VP_OWN_CELLS) {
                ncells = t->n_cells;
                vp_cpuset seen;
                vp_cpuset_zero(&seen);
                for (size_t i = 0; i < t->n_cells; i++) {
                        const vp_cell *c = &t->cells[i];
                        snprintf(what, sizeof(what), "guest NUMA cell %u", c->id);
                        if (c->id != i)
                                return vp_error_set(err, -EINVAL,
                                                    "%s: guest NUMA cells must be numbered 0..N-1",
                                                    what);
                        if (!c->memory_set || !c->memory_kib)
                                return vp_error_set(err, -EINVAL, "%s has no memory", what);
                        if (!c->cpus_set)
                                continue;
                        if ((r = check_set(&c->cpus, what, err)) < 0)
                                return r;
                        if ((unsigned)vp_cpuset_last(&c->cpus) >= d->vcpus_max)
                                return vp_error_set(
                                    err, -EINVAL, "%s: vCPU %d does not exist (the domain has %u)",
                                    what, vp_cpuset_last(&c->cpus), d->vcpus_max);
                        if (vp_cpuset_intersects(&seen, &c->cpus))
                                return vp_error_set(err, -EINVAL,
                                                    "%s: a vCPU is in two guest NUMA cells", what);
                        vp_cpuset_or(&seen, &c->cpus);
                }
        }
        if ((owned & VP_OWN_CELLS) && (r = check_cell_refs(d, ncells, err)) < 0)
                return r;
        const vp_memnode *mn = (owned & VP_OWN_MEMNODES) ? t->memnodes : d->tune.memnodes;
        size_t nmn = (owned & VP_OWN_MEMNODES) ? t->n_memnodes : d->tune.n_memnodes;
        for (size_t i = 0; i < nmn; i++) {
                snprintf(what, sizeof(what), "memnode for guest NUMA cell %u", mn[i].cellid);
                if (mn[i].cellid >= ncells)
                        return vp_error_set(err, -EINVAL,
                                            "%s: the domain would have %zu guest NUMA cells", what,
                                            ncells);
                if (!(owned & VP_OWN_MEMNODES))
                        continue;
                if (!mn[i].nodeset_set)
                        return vp_error_set(err, -EINVAL,
                                            "%s has no nodeset (libvirt requires one)", what);
                if ((r = check_set(&mn[i].nodeset, what, err)) < 0)
                        return r;
        }
        return 0;
}

/* ---- the owned items --------------------------------------------------------------------- */

typedef struct containers {
        xmlNode *cputune, *numatune;
} containers;

/* Write a cpuset attribute unless the element already says the same set (in any spelling). */
static void sync_cpuset_attr(xmlNode *n, const char *name, const vp_cpuset *want)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
        vp_cpuset have;
        if (v && vp_cpuset_parse(&have, (const char *)v, VP_MAX_CPUS, NULL) == 0 &&
            vp_cpuset_equal(&have, want))
                return;
        _cleanup_free_ char *s = vp_cpuset_format(want);
        vp_xml_set_attr(n, name, s);
}

static xmlNode *cputune(vp_xmledit *w, containers *c)
{
        if (!c->cputune)
                c->cputune = vp_xml_ensure_child(w, w->root, "cputune", vp_xml_rank_domain);
        return c->cputune;
}

static xmlNode *numatune(vp_xmledit *w, containers *c)
{
        if (!c->numatune)
                c->numatune = vp_xml_ensure_child(w, w->root, "numatune", vp_xml_rank_domain);
        return c->numatune;
}

static void sync_scalar(vp_xmledit *w, containers *c, int i, const vp_opt_ll *want)
{
        const char *name = vp_tune_scalar_xml_names[i];
        xmlNode *n = vp_xml_only_first(c->cputune, name);
        if (!want->set) {
                if (n)
                        vp_xml_remove_node(n);
                return;
        }
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", want->v);
        if (n) {
                _cleanup_xmlfree_ xmlChar *have = xmlNodeGetContent(n);
                _cleanup_free_ char *dup = vp_xstrdup((const char *)have);
                if (strcmp(vp_strstrip(dup), buf))
                        xmlNodeSetContent(n, BAD_CAST buf);
                return;
        }
        n = vp_xml_new_element(w, name);
        xmlNodeAddContent(n, BAD_CAST buf);
        vp_xml_insert_ranked(w, cputune(w, c), n, vp_xml_rank_cputune);
}

static void sync_pins(vp_xmledit *w, containers *c, const char *elem, const char *key,
                      const vp_pin *pins, size_t n)
{
        _cleanup_free_ bool *done = vp_xcalloc(n ? n : 1, sizeof(bool));
        xmlNode *next;
        for (xmlNode *e = c->cputune ? c->cputune->children : NULL; e; e = next) {
                next = e->next;
                if (!vp_xml_is(e, elem))
                        continue;
                _cleanup_xmlfree_ xmlChar *kv = xmlGetNoNsProp(e, BAD_CAST key);
                uint64_t id;
                size_t i = n;
                if (kv && vp_parse_u64((const char *)kv, &id) == 0)
                        for (i = 0; i < n && pins[i].id != id; i++)
                                ;
                if (i == n || done[i]) {
                        vp_xml_remove_node(e);
                        continue;
                }
                sync_cpuset_attr(e, "cpuset", &pins[i].set);
                done[i] = true;
        }
        for (size_t i = 0; i < n; i++) {
                if (done[i])
                        continue;
                xmlNode *e = vp_xml_new_element(w, elem);
                vp_xml_set_attr_uint(e, key, pins[i].id);
                _cleanup_free_ char *s = vp_cpuset_format(&pins[i].set);
                vp_xml_set_attr(e, "cpuset", s);
                vp_xml_insert_ranked(w, cputune(w, c), e, vp_xml_rank_cputune);
        }
}

static void sync_emulatorpin(vp_xmledit *w, containers *c, const vp_tune *t)
{
        xmlNode *n = vp_xml_only_first(c->cputune, "emulatorpin");
        if (!t->emulatorpin_set) {
                if (n)
                        vp_xml_remove_node(n);
                return;
        }
        if (n) {
                sync_cpuset_attr(n, "cpuset", &t->emulatorpin);
                return;
        }
        n = vp_xml_new_element(w, "emulatorpin");
        _cleanup_free_ char *s = vp_cpuset_format(&t->emulatorpin);
        vp_xml_set_attr(n, "cpuset", s);
        vp_xml_insert_ranked(w, cputune(w, c), n, vp_xml_rank_cputune);
}

static void sync_mode_attr(xmlNode *n, vp_mem_mode mode)
{
        const char *name = vp_mem_mode_name(mode);
        if (!name)
                xmlUnsetProp(n, BAD_CAST "mode");
        else if (!vp_xml_attr_equals(n, "mode", name))
                vp_xml_set_attr(n, "mode", name);
}

/* Returns true when it dropped placement='auto'. */
static bool sync_numatune_memory(vp_xmledit *w, containers *c, const vp_tune *t)
{
        xmlNode *mem = vp_xml_only_first(c->numatune, "memory");
        if (!t->mem_mode && !t->nodeset_set) {
                if (mem)
                        vp_xml_remove_node(mem);
                return false;
        }
        if (!mem) {
                mem = vp_xml_new_element(w, "memory");
                vp_xml_insert_ranked(w, numatune(w, c), mem, vp_xml_rank_numatune);
        }
        sync_mode_attr(mem, t->mem_mode);
        if (!t->nodeset_set) {
                xmlUnsetProp(mem, BAD_CAST "nodeset");
                return false;
        }
        sync_cpuset_attr(mem, "nodeset", &t->nodeset);
        if (vp_xml_attr_equals(mem, "placement", "auto")) {
                xmlUnsetProp(mem, BAD_CAST "placement");
                return true;
        }
        return false;
}

static void sync_memnodes(vp_xmledit *w, containers *c, const vp_tune *t)
{
        size_t n = t->n_memnodes;
        _cleanup_free_ bool *done = vp_xcalloc(n ? n : 1, sizeof(bool));
        xmlNode *next;
        for (xmlNode *e = c->numatune ? c->numatune->children : NULL; e; e = next) {
                next = e->next;
                if (!vp_xml_is(e, "memnode"))
                        continue;
                _cleanup_xmlfree_ xmlChar *kv = xmlGetNoNsProp(e, BAD_CAST "cellid");
                uint64_t id;
                size_t i = n;
                if (kv && vp_parse_u64((const char *)kv, &id) == 0)
                        for (i = 0; i < n && t->memnodes[i].cellid != id; i++)
                                ;
                if (i == n || done[i]) {
                        vp_xml_remove_node(e);
                        continue;
                }
                /* libvirt's default mode, spelled out: the schema requires the attribute. */
                sync_mode_attr(e, t->memnodes[i].mode ? t->memnodes[i].mode : VP_MEM_STRICT);
                sync_cpuset_attr(e, "nodeset", &t->memnodes[i].nodeset);
                done[i] = true;
        }
        for (size_t i = 0; i < n; i++) {
                if (done[i])
                        continue;
                const vp_memnode *m = &t->memnodes[i];
                xmlNode *e = vp_xml_new_element(w, "memnode");
                vp_xml_set_attr_uint(e, "cellid", m->cellid);
                vp_xml_set_attr(e, "mode", vp_mem_mode_name(m->mode ? m->mode : VP_MEM_STRICT));
                _cleanup_free_ char *s = vp_cpuset_format(&m->nodeset);
                vp_xml_set_attr(e, "nodeset", s);
                vp_xml_insert_ranked(w, numatune(w, c), e, vp_xml_rank_numatune);
        }
}

static void sync_cell(xmlNode *e, const vp_cell *want)
{
        if (want->cpus_set) {
                sync_cpuset_attr(e, "cpus", &want->cpus);
                static const char *const after_id[] = {"memory", "unit", "memAccess", "discard",
                                                       NULL};
                vp_xml_move_attr_before(e, "cpus", after_id);
        } else {
                xmlUnsetProp(e, BAD_CAST "cpus");
        }
        _cleanup_xmlfree_ xmlChar *mem = xmlGetNoNsProp(e, BAD_CAST "memory");
        _cleanup_xmlfree_ xmlChar *unit = xmlGetNoNsProp(e, BAD_CAST "unit");
        uint64_t v, kib;
        if (mem && vp_parse_u64((const char *)mem, &v) == 0 &&
            vp_domain_scale_kib(v, (const char *)unit, &kib) == 0 && kib == want->memory_kib)
                return;
        vp_xml_set_attr_uint(e, "memory", want->memory_kib);
        vp_xml_set_attr(e, "unit", "KiB");
        static const char *const after_unit[] = {"memAccess", "discard", NULL};
        vp_xml_move_attr_before(e, "unit", after_unit);
}

static void sync_cells(vp_xmledit *w, const vp_tune *t)
{
        xmlNode *root = w->root;
        xmlNode *cpu = vp_xml_child(root, "cpu");
        xmlNode *numa = cpu ? vp_xml_child(cpu, "numa") : NULL;
        size_t m = 0, cap = 0;
        _cleanup_free_ xmlNode **ex = NULL;
        for (xmlNode *c = numa ? numa->children : NULL; c; c = c->next) {
                if (!vp_xml_is(c, "cell"))
                        continue;
                if (m == cap) {
                        cap = cap ? cap * 2 : 8;
                        ex = vp_xrealloc(ex, cap * sizeof(*ex));
                }
                ex[m++] = c;
        }
        size_t n = t->n_cells;
        if (n == 0) {
                if (numa)
                        vp_xml_remove_node(numa);
                if (cpu && !cpu->properties && !vp_xml_has_element_child(cpu))
                        vp_xml_remove_node(cpu);
                else if (cpu)
                        vp_xml_tidy_empty(cpu);
                return;
        }
        for (size_t i = 0; i < m && i < n; i++)
                sync_cell(ex[i], &t->cells[i]);
        for (size_t i = n; i < m; i++)
                vp_xml_remove_node(ex[i]);
        xmlNode *last = m ? ex[(m < n ? m : n) - 1] : NULL;
        if (n > m) {
                if (!cpu)
                        cpu = vp_xml_ensure_child(w, root, "cpu", vp_xml_rank_domain);
                if (!numa)
                        numa = vp_xml_ensure_child(w, cpu, "numa", vp_xml_rank_cpu);
        }
        for (size_t i = m; i < n; i++) {
                const vp_cell *c = &t->cells[i];
                xmlNode *e = vp_xml_new_element(w, "cell");
                vp_xml_set_attr_uint(e, "id", c->id);
                if (c->cpus_set) {
                        _cleanup_free_ char *s = vp_cpuset_format(&c->cpus);
                        vp_xml_set_attr(e, "cpus", s);
                }
                vp_xml_set_attr_uint(e, "memory", c->memory_kib);
                vp_xml_set_attr(e, "unit", "KiB");
                if (last)
                        vp_xml_insert_child(w, numa, last, e);
                else
                        vp_xml_insert_ranked(w, numa, e, vp_xml_rank_numa);
                last = e;
        }
        /* Distances and interconnects name cells by id: stale once the set of cells changes. */
        if (m != n) {
                for (xmlNode *c = numa->children; c; c = c->next)
                        if (vp_xml_is(c, "cell")) {
                                vp_xml_remove_all(c, "distances");
                                vp_xml_tidy_empty(c);
                        }
                vp_xml_remove_all(numa, "interconnects");
        }
}

static bool cputune_has_pins(const xmlNode *ct)
{
        for (const xmlNode *c = ct ? ct->children : NULL; c; c = c->next)
                if (vp_xml_is(c, "vcpupin") || vp_xml_is(c, "emulatorpin") ||
                    vp_xml_is(c, "iothreadpin"))
                        return true;
        return false;
}

int vp_rewrite_apply(vp_domain *dom, const vp_tune *want, unsigned owned, vp_error *err)
{
        if (!dom || !dom->doc || !dom->root || !want)
                return vp_error_set(err, -EINVAL, "rewrite: no domain");
        int r = validate(dom, want, owned, err);
        if (r < 0)
                return r;

        vp_xml_quiet quiet;
        vp_xml_quiet_begin(&quiet);
        vp_xmledit w;
        vp_xmledit_init(&w, dom->doc, dom->root);
        xmlNode *root = dom->root;
        containers c = {vp_xml_child(root, "cputune"), vp_xml_child(root, "numatune")};

        for (int i = 0; i < VP_T__COUNT; i++)
                if (owned & VP_OWN_SCALAR(i))
                        sync_scalar(&w, &c, i, &want->q[i]);
        if (owned & VP_OWN_VCPUPIN)
                sync_pins(&w, &c, "vcpupin", "vcpu", want->vcpupin, want->n_vcpupin);
        if (owned & VP_OWN_EMULATORPIN)
                sync_emulatorpin(&w, &c, want);
        if (owned & VP_OWN_IOTHREADPIN)
                sync_pins(&w, &c, "iothreadpin", "iothread", want->iothreadpin,
                          want->n_iothreadpin);

        bool mem_auto_dropped = false;
        if (owned & VP_OWN_MEMORY)
                mem_auto_dropped = sync_numatune_memory(&w, &c, want);
        if (owned & VP_OWN_MEMNODES)
                sync_memnodes(&w, &c, want);

        bool vcpu_auto_dropped = false;
        xmlNode *vcpu = vp_xml_child(root, "vcpu");
        if ((owned & VP_OWN_VCPU_CPUSET) && vcpu) {
                if (want->vcpu_cpuset_set) {
                        sync_cpuset_attr(vcpu, "cpuset", &want->vcpu_cpuset);
                        static const char *const after_cpuset[] = {"current", NULL};
                        vp_xml_move_attr_before(vcpu, "cpuset", after_cpuset);
                        if (vp_xml_attr_equals(vcpu, "placement", "auto")) {
                                vp_xml_set_attr(vcpu, "placement", "static");
                                vcpu_auto_dropped = true;
                        }
                } else {
                        xmlUnsetProp(vcpu, BAD_CAST "cpuset");
                }
        }

        if (owned & VP_OWN_CELLS)
                sync_cells(&w, want);

        if ((owned & (VP_OWN_SCALARS | VP_OWN_VCPUPIN | VP_OWN_EMULATORPIN | VP_OWN_IOTHREADPIN)) &&
            c.cputune && !vp_xml_has_element_child(c.cputune))
                vp_xml_remove_node(c.cputune);
        if ((owned & (VP_OWN_MEMORY | VP_OWN_MEMNODES)) && c.numatune &&
            !vp_xml_has_element_child(c.numatune)) {
                vp_xml_remove_node(c.numatune);
                c.numatune = NULL;
        }

        /* libvirt infers each placement from the other when one is implicit. Keep what the
         * untouched one meant by spelling it out when we change its partner. */
        xmlNode *mem = c.numatune ? vp_xml_child(c.numatune, "memory") : NULL;
        if (vcpu_auto_dropped && mem && !xmlHasNsProp(mem, BAD_CAST "placement", NULL) &&
            !xmlHasNsProp(mem, BAD_CAST "nodeset", NULL))
                vp_xml_set_attr(mem, "placement", "auto");
        if (mem_auto_dropped && vcpu && !xmlHasNsProp(vcpu, BAD_CAST "placement", NULL) &&
            !xmlHasNsProp(vcpu, BAD_CAST "cpuset", NULL) &&
            !cputune_has_pins(vp_xml_child(root, "cputune"))) {
                vp_xml_set_attr(vcpu, "placement", "auto");
                static const char *const after_placement[] = {"cpuset", "current", NULL};
                vp_xml_move_attr_before(vcpu, "placement", after_placement);
        }
        vp_xml_quiet_end(&quiet);
        return 0;
}

/* ---- serialisation ----------------------------------------------------------------------- */

static void free_docp(xmlDoc **d)
{
        if (*d)
                xmlFreeDoc(*d);
}

static void free_bufp(xmlBufferPtr *b)
{
        if (*b)
                xmlBufferFree(*b);
}

/* The <domain> of a status file sits one level deep: shift its layout back to column 0 so
 * the copy reads like a domain XML of its own. Only whitespace between elements changes. */
static void dedent(xmlNode *n, const char *ind)
{
        size_t il = strlen(ind);
        for (xmlNode *c = n->children; c; c = c->next) {
                if (c->type == XML_ELEMENT_NODE) {
                        dedent(c, ind);
                        continue;
                }
                if (c->type != XML_TEXT_NODE || !vp_xml_is_blank(c->content) ||
                    !strchr((const char *)c->content, '\n'))
                        continue;
                _cleanup_free_ char *t = vp_xstrdup((const char *)c->content);
                char *w = t;
                for (const char *r = (const char *)c->content; *r;) {
                        *w++ = *r;
                        if (*r++ == '\n' && !strncmp(r, ind, il))
                                r += il;
                }
                *w = '\0';
                xmlNodeSetContent(c, BAD_CAST t);
        }
}

int vp_domain_format(const vp_domain *dom, char **out, size_t *len, vp_error *err)
{
        if (!dom || !dom->doc || !dom->root)
                return vp_error_set(err, -EINVAL, "format: no domain");
        vp_xml_quiet quiet;
        vp_xml_quiet_begin(&quiet);
        _cleanup_(free_bufp) xmlBufferPtr buf = xmlBufferCreate();
        _cleanup_(free_docp) xmlDoc *tmp = NULL;
        xmlNode *node = dom->root;
        if (node != xmlDocGetRootElement(dom->doc)) {
                /* The <domain> of a <domstatus>: a copy in its own document carries the
                 * namespace declarations it borrows from its ancestors. */
                tmp = xmlNewDoc(BAD_CAST "1.0");
                node = tmp ? xmlDocCopyNode(dom->root, tmp, 1) : NULL;
                char ind[VP_XML_IND_MAX];
                if (node) {
                        xmlDocSetRootElement(tmp, node);
                        if (vp_xml_line_indent(dom->root, ind, sizeof(ind)) && ind[0])
                                dedent(node, ind);
                }
        }
        int r = -1;
        if (buf && node) {
                xmlSaveCtxtPtr s = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
                if (s) {
                        r = xmlSaveTree(s, node) < 0 ? -1 : 0;
                        if (xmlSaveClose(s) < 0)
                                r = -1;
                }
        }
        vp_xml_quiet_end(&quiet);
        if (r < 0)
                return vp_error_set(err, -ENOMEM, "cannot serialise the domain XML");

        const char *body = (const char *)xmlBufferContent(buf);
        size_t blen = (size_t)xmlBufferLength(buf);
        char decl[128] = "";
        if (dom->had_xml_decl) {
                const char *ver = dom->doc->version ? (const char *)dom->doc->version : "1.0";
                const char *enc = (const char *)dom->doc->encoding;
                /* We write UTF-8 whatever the input was in; keep the input's spelling of it. */
                if (enc && strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8"))
                        enc = "UTF-8";
                snprintf(decl, sizeof(decl), "<?xml version=\"%s\"%s%s%s%s?>\n", ver,
                         enc ? " encoding=\"" : "", enc ? enc : "", enc ? "\"" : "",
                         dom->doc->standalone == 1   ? " standalone=\"yes\""
                         : dom->doc->standalone == 0 ? " standalone=\"no\""
                                                     : "");
        }
        size_t dlen = strlen(decl);
        bool nl = blen == 0 || body[blen - 1] != '\n';
        char *o = vp_xmalloc(dlen + blen + 2);
        memcpy(o, decl, dlen);
        memcpy(o + dlen, body, blen);
        size_t n = dlen + blen;
        if (nl)
                o[n++] = '\n';
        o[n] = '\0';
        *out = o;
        if (len)
                *len = n;
        return 0;
}
