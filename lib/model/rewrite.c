#include "rewrite.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "xmlutil.h"

/* Everything here edits the tree libxml2 parsed, node by node, so what the rewrite does not
 * own keeps its bytes (modulo libxml2's attribute quoting and empty-element form). New
 * elements get whitespace text nodes copied from their siblings' layout instead of a global
 * re-indent. */

typedef struct rw {
        vp_domain *dom;
        xmlDoc *doc;
        bool compact;       /* the document has no line breaks between elements */
        char unit[32];      /* one indentation step */
        char root_ind[128]; /* indentation of the <domain> line */
} rw;

#define IND_MAX 256

/* ---- whitespace -------------------------------------------------------------------------- */

static bool is_blank(const xmlChar *s)
{
        for (; s && *s; s++)
                if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
                        return false;
        return true;
}

/* When n starts a line, the blanks in front of it. */
static bool line_indent(const xmlNode *n, char *buf, size_t len)
{
        const xmlNode *p = n->prev;
        if (!p || p->type != XML_TEXT_NODE || !p->content)
                return false;
        const char *nl = strrchr((const char *)p->content, '\n');
        if (!nl)
                return false;
        nl++;
        size_t k = strspn(nl, " \t");
        if (nl[k] || k >= len)
                return false;
        memcpy(buf, nl, k);
        buf[k] = '\0';
        return true;
}

static void own_indent(const rw *w, const xmlNode *n, char *buf, size_t len)
{
        if (n == w->dom->root) {
                snprintf(buf, len, "%s", w->root_ind);
                return;
        }
        if (line_indent(n, buf, len))
                return;
        int depth = 0;
        for (const xmlNode *p = n; p && p != w->dom->root; p = p->parent)
                depth++;
        snprintf(buf, len, "%s", w->root_ind);
        for (int i = 0; i < depth; i++)
                strncat(buf, w->unit, len - strlen(buf) - 1);
}

/* The indentation children of parent use: copied from an existing child, else the parent's
 * plus one step. */
static void child_indent(const rw *w, const xmlNode *parent, char *buf, size_t len)
{
        for (const xmlNode *c = parent->children; c; c = c->next)
                if ((c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) &&
                    line_indent(c, buf, len))
                        return;
        own_indent(w, parent, buf, len);
        strncat(buf, w->unit, len - strlen(buf) - 1);
}

static xmlNode *newline_text(rw *w, const char *indent)
{
        char buf[IND_MAX + 2];
        snprintf(buf, sizeof(buf), "\n%s", indent);
        return xmlNewDocText(w->doc, BAD_CAST buf);
}

static void detect_layout(rw *w)
{
        xmlNode *root = w->dom->root;
        w->root_ind[0] = '\0';
        if (root != xmlDocGetRootElement(w->doc))
                line_indent(root, w->root_ind, sizeof(w->root_ind));
        w->compact = true;
        snprintf(w->unit, sizeof(w->unit), "  ");
        char ind[IND_MAX];
        for (xmlNode *c = root->children; c; c = c->next) {
                if ((c->type != XML_ELEMENT_NODE && c->type != XML_COMMENT_NODE) ||
                    !line_indent(c, ind, sizeof(ind)))
                        continue;
                w->compact = false;
                size_t rl = strlen(w->root_ind);
                if (!strncmp(ind, w->root_ind, rl) && strlen(ind + rl) < sizeof(w->unit))
                        snprintf(w->unit, sizeof(w->unit), "%s", ind + rl);
                break;
        }
}

/* ---- tree edits -------------------------------------------------------------------------- */

static bool has_element_child(const xmlNode *n)
{
        for (const xmlNode *c = n->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE)
                        return true;
        return false;
}

/* Unlink and free n together with the line break and indentation in front of it. */
static void remove_node(xmlNode *n)
{
        xmlNode *p = n->prev;
        if (p && p->type == XML_TEXT_NODE && is_blank(p->content)) {
                xmlUnlinkNode(p);
                xmlFreeNode(p);
        }
        xmlUnlinkNode(n);
        xmlFreeNode(n);
}

/* An element with only blank text left: drop the text so it prints as <x/>. */
static void tidy_empty(xmlNode *n)
{
        for (xmlNode *c = n->children; c; c = c->next)
                if (c->type != XML_TEXT_NODE || !is_blank(c->content))
                        return;
        while (n->children) {
                xmlNode *c = n->children;
                xmlUnlinkNode(c);
                xmlFreeNode(c);
        }
}

/* Insert node as a child of parent right after element `after` (NULL: before the first
 * element child), with a line break and indentation like its siblings. */
static void insert_child(rw *w, xmlNode *parent, xmlNode *after, xmlNode *node)
{
        char ci[IND_MAX], pi[IND_MAX];
        child_indent(w, parent, ci, sizeof(ci));
        own_indent(w, parent, pi, sizeof(pi));
        if (after) {
                xmlAddNextSibling(after, node);
                if (!w->compact)
                        xmlAddPrevSibling(node, newline_text(w, ci));
                return;
        }
        xmlNode *first = NULL;
        for (xmlNode *c = parent->children; c && !first; c = c->next)
                if (c->type == XML_ELEMENT_NODE)
                        first = c;
        if (first) {
                xmlAddPrevSibling(first, node);
                if (!w->compact)
                        xmlAddNextSibling(node, newline_text(w, ci));
                return;
        }
        if (!parent->children) {
                if (!w->compact)
                        xmlAddChild(parent, newline_text(w, ci));
                xmlAddChild(parent, node);
                if (!w->compact)
                        xmlAddChild(parent, newline_text(w, pi));
                return;
        }
        /* Only text and comments inside: go after them, before the closing tag's line. */
        xmlNode *last = parent->last;
        if (last->type == XML_TEXT_NODE && is_blank(last->content)) {
                xmlAddPrevSibling(last, node);
                if (!w->compact)
                        xmlAddPrevSibling(node, newline_text(w, ci));
        } else {
                xmlAddChild(parent, node);
                if (!w->compact) {
                        xmlAddPrevSibling(node, newline_text(w, ci));
                        xmlAddNextSibling(node, newline_text(w, pi));
                }
        }
}

/* Ordering of an element among its siblings as libvirt's formatter writes them: a rank and,
 * for repeated elements, a numeric key. */
typedef struct rank {
        int r;
        unsigned key;
} rank;
typedef rank (*rank_fn)(const xmlNode *n);

static int rank_cmp(rank a, rank b)
{
        if (a.r != b.r)
                return a.r < b.r ? -1 : 1;
        return a.key < b.key ? -1 : a.key > b.key;
}

static unsigned key_attr(const xmlNode *n, const char *attr)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
        uint64_t u;
        if (!v || vp_parse_u64((const char *)v, &u) < 0 || u > UINT_MAX)
                return 0;
        return (unsigned)u;
}

static int table_rank(const xmlNode *n, const char *const *names, int count)
{
        if (n->ns)
                return count;
        for (int i = 0; i < count; i++)
                if (!strcmp((const char *)n->name, names[i]))
                        return i;
        return count;
}

/* virDomainDefFormatInternal() order (libvirt 9.x); namespaced extensions come last. */
static const char *const domain_order[] = {
    "name",
    "uuid",
    "genid",
    "title",
    "description",
    "metadata",
    "maxMemory",
    "memory",
    "currentMemory",
    "blkiotune",
    "memtune",
    "memoryBacking",
    "vcpu",
    "vcpus",
    "iothreads",
    "iothreadids",
    "defaultiothread",
    "cputune",
    "numatune",
    "resource",
    "sysinfo",
    "bootloader",
    "bootloader_args",
    "os",
    "idmap",
    "features",
    "cpu",
    "clock",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "on_lockfailure",
    "pm",
    "perf",
    "devices",
    "seclabel",
    "keywrap",
    "launchSecurity",
};

static rank rank_domain(const xmlNode *n)
{
        return (rank){table_rank(n, domain_order, (int)VP_ARRAY_SIZE(domain_order)), 0};
}

/* virDomainCputuneDefFormat() order; everything else (vcpusched, cachetune, ...) after. */
static const char *const cputune_order[] = {
    "shares",         "period",          "quota",          "global_period",
    "global_quota",   "emulator_period", "emulator_quota", "iothread_period",
    "iothread_quota", "vcpupin",         "emulatorpin",    "iothreadpin",
};

static rank rank_cputune(const xmlNode *n)
{
        rank k = {table_rank(n, cputune_order, (int)VP_ARRAY_SIZE(cputune_order)), 0};
        if (vp_xml_is(n, "vcpupin"))
                k.key = key_attr(n, "vcpu");
        else if (vp_xml_is(n, "iothreadpin"))
                k.key = key_attr(n, "iothread");
        return k;
}

static rank rank_numatune(const xmlNode *n)
{
        if (vp_xml_is(n, "memory"))
                return (rank){0, 0};
        if (vp_xml_is(n, "memnode"))
                return (rank){1, key_attr(n, "cellid")};
        return (rank){2, 0};
}

/* <numa> is formatted after the model, topology, features... of <cpu>. */
static rank rank_cpu(const xmlNode *n)
{
        return (rank){vp_xml_is(n, "numa") ? 1 : 0, 0};
}

static rank rank_numa(const xmlNode *n)
{
        if (vp_xml_is(n, "cell"))
                return (rank){0, key_attr(n, "id")};
        return (rank){vp_xml_is(n, "interconnects") ? 1 : 2, 0};
}

/* Insert node among parent's element children at the gap that leaves the fewest siblings out
 * of order relative to it: the libvirt position in a libvirt-ordered document, and a sensible
 * one in a hand-shuffled one. */
static void insert_ranked(rw *w, xmlNode *parent, xmlNode *node, rank_fn rf)
{
        rank nr = rf(node);
        int cost = 0;
        for (xmlNode *c = parent->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && rank_cmp(rf(c), nr) < 0)
                        cost++;
        int best = cost;
        xmlNode *best_after = NULL;
        for (xmlNode *c = parent->children; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE)
                        continue;
                int d = rank_cmp(rf(c), nr);
                cost += d > 0 ? 1 : d < 0 ? -1 : 0;
                if (cost <= best) {
                        best = cost;
                        best_after = c;
                }
        }
        insert_child(w, parent, best_after, node);
}

static xmlNode *new_element(rw *w, const char *name)
{
        return xmlNewDocNode(w->doc, NULL, BAD_CAST name, NULL);
}

static xmlNode *ensure_child(rw *w, xmlNode *parent, const char *name, rank_fn rf)
{
        xmlNode *c = vp_xml_child(parent, name);
        if (c)
                return c;
        c = new_element(w, name);
        insert_ranked(w, parent, c, rf);
        return c;
}

static void set_attr(xmlNode *n, const char *name, const char *value)
{
        xmlSetProp(n, BAD_CAST name, BAD_CAST value);
}

static void set_attr_uint(xmlNode *n, const char *name, unsigned long long v)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%llu", v);
        set_attr(n, name, buf);
}

/* Move attribute `name` in front of the first of `before` (NULL-terminated) present, so new
 * attributes land where libvirt writes them. */
static void move_attr_before(xmlNode *n, const char *name, const char *const *before)
{
        xmlAttr *a = xmlHasNsProp(n, BAD_CAST name, NULL);
        if (!a)
                return;
        xmlAttr *target = NULL;
        for (xmlAttr *p = n->properties; p && !target; p = p->next) {
                if (p == a)
                        return; /* already in front of all of them */
                for (int i = 0; before[i]; i++)
                        if (!p->ns && !strcmp((const char *)p->name, before[i]))
                                target = p;
        }
        if (!target)
                return;
        /* unlink a */
        if (a->prev)
                a->prev->next = a->next;
        else
                n->properties = a->next;
        if (a->next)
                a->next->prev = a->prev;
        /* relink before target */
        a->next = target;
        a->prev = target->prev;
        if (target->prev)
                target->prev->next = a;
        else
                n->properties = a;
        target->prev = a;
}

static bool attr_equals(const xmlNode *n, const char *name, const char *value)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
        return v && !strcmp((const char *)v, value);
}

/* Write a cpuset attribute unless the element already says the same set (in any spelling). */
static void sync_cpuset_attr(xmlNode *n, const char *name, const vp_cpuset *want)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
        vp_cpuset have;
        if (v && vp_cpuset_parse(&have, (const char *)v, VP_MAX_CPUS, NULL) == 0 &&
            vp_cpuset_equal(&have, want))
                return;
        _cleanup_free_ char *s = vp_cpuset_format(want);
        set_attr(n, name, s);
}

/* Remove every child element `name` of parent except the first, which is returned. */
static xmlNode *only_first(xmlNode *parent, const char *name)
{
        xmlNode *first = NULL, *next;
        for (xmlNode *c = parent ? parent->children : NULL; c; c = next) {
                next = c->next;
                if (!vp_xml_is(c, name))
                        continue;
                if (!first)
                        first = c;
                else
                        remove_node(c);
        }
        return first;
}

static void remove_all(xmlNode *parent, const char *name)
{
        xmlNode *next;
        for (xmlNode *c = parent ? parent->children : NULL; c; c = next) {
                next = c->next;
                if (vp_xml_is(c, name))
                        remove_node(c);
        }
}

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

static xmlNode *cputune(rw *w, containers *c)
{
        if (!c->cputune)
                c->cputune = ensure_child(w, w->dom->root, "cputune", rank_domain);
        return c->cputune;
}

static xmlNode *numatune(rw *w, containers *c)
{
        if (!c->numatune)
                c->numatune = ensure_child(w, w->dom->root, "numatune", rank_domain);
        return c->numatune;
}

static void sync_scalar(rw *w, containers *c, int i, const vp_opt_ll *want)
{
        const char *name = vp_tune_scalar_xml_names[i];
        xmlNode *n = only_first(c->cputune, name);
        if (!want->set) {
                if (n)
                        remove_node(n);
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
        n = new_element(w, name);
        xmlNodeAddContent(n, BAD_CAST buf);
        insert_ranked(w, cputune(w, c), n, rank_cputune);
}

static void sync_pins(rw *w, containers *c, const char *elem, const char *key, const vp_pin *pins,
                      size_t n)
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
                        remove_node(e);
                        continue;
                }
                sync_cpuset_attr(e, "cpuset", &pins[i].set);
                done[i] = true;
        }
        for (size_t i = 0; i < n; i++) {
                if (done[i])
                        continue;
                xmlNode *e = new_element(w, elem);
                set_attr_uint(e, key, pins[i].id);
                _cleanup_free_ char *s = vp_cpuset_format(&pins[i].set);
                set_attr(e, "cpuset", s);
                insert_ranked(w, cputune(w, c), e, rank_cputune);
        }
}

static void sync_emulatorpin(rw *w, containers *c, const vp_tune *t)
{
        xmlNode *n = only_first(c->cputune, "emulatorpin");
        if (!t->emulatorpin_set) {
                if (n)
                        remove_node(n);
                return;
        }
        if (n) {
                sync_cpuset_attr(n, "cpuset", &t->emulatorpin);
                return;
        }
        n = new_element(w, "emulatorpin");
        _cleanup_free_ char *s = vp_cpuset_format(&t->emulatorpin);
        set_attr(n, "cpuset", s);
        insert_ranked(w, cputune(w, c), n, rank_cputune);
}

static void sync_mode_attr(xmlNode *n, vp_mem_mode mode)
{
        const char *name = vp_mem_mode_name(mode);
        if (!name)
                xmlUnsetProp(n, BAD_CAST "mode");
        else if (!attr_equals(n, "mode", name))
                set_attr(n, "mode", name);
}

/* Returns true when it dropped placement='auto'. */
static bool sync_numatune_memory(rw *w, containers *c, const vp_tune *t)
{
        xmlNode *mem = only_first(c->numatune, "memory");
        if (!t->mem_mode && !t->nodeset_set) {
                if (mem)
                        remove_node(mem);
                return false;
        }
        if (!mem) {
                mem = new_element(w, "memory");
                insert_ranked(w, numatune(w, c), mem, rank_numatune);
        }
        sync_mode_attr(mem, t->mem_mode);
        if (!t->nodeset_set) {
                xmlUnsetProp(mem, BAD_CAST "nodeset");
                return false;
        }
        sync_cpuset_attr(mem, "nodeset", &t->nodeset);
        if (attr_equals(mem, "placement", "auto")) {
                xmlUnsetProp(mem, BAD_CAST "placement");
                return true;
        }
        return false;
}

static void sync_memnodes(rw *w, containers *c, const vp_tune *t)
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
                        remove_node(e);
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
                xmlNode *e = new_element(w, "memnode");
                set_attr_uint(e, "cellid", m->cellid);
                set_attr(e, "mode", vp_mem_mode_name(m->mode ? m->mode : VP_MEM_STRICT));
                _cleanup_free_ char *s = vp_cpuset_format(&m->nodeset);
                set_attr(e, "nodeset", s);
                insert_ranked(w, numatune(w, c), e, rank_numatune);
        }
}

static void sync_cell(xmlNode *e, const vp_cell *want)
{
        if (want->cpus_set) {
                sync_cpuset_attr(e, "cpus", &want->cpus);
                static const char *const after_id[] = {"memory", "unit", "memAccess", "discard",
                                                       NULL};
                move_attr_before(e, "cpus", after_id);
        } else {
                xmlUnsetProp(e, BAD_CAST "cpus");
        }
        _cleanup_xmlfree_ xmlChar *mem = xmlGetNoNsProp(e, BAD_CAST "memory");
        _cleanup_xmlfree_ xmlChar *unit = xmlGetNoNsProp(e, BAD_CAST "unit");
        uint64_t v, kib;
        if (mem && vp_parse_u64((const char *)mem, &v) == 0 &&
            vp_domain_scale_kib(v, (const char *)unit, &kib) == 0 && kib == want->memory_kib)
                return;
        set_attr_uint(e, "memory", want->memory_kib);
        set_attr(e, "unit", "KiB");
        static const char *const after_unit[] = {"memAccess", "discard", NULL};
        move_attr_before(e, "unit", after_unit);
}

static void sync_cells(rw *w, const vp_tune *t)
{
        xmlNode *root = w->dom->root;
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
                        remove_node(numa);
                if (cpu && !cpu->properties && !has_element_child(cpu))
                        remove_node(cpu);
                else if (cpu)
                        tidy_empty(cpu);
                return;
        }
        for (size_t i = 0; i < m && i < n; i++)
                sync_cell(ex[i], &t->cells[i]);
        for (size_t i = n; i < m; i++)
                remove_node(ex[i]);
        xmlNode *last = m ? ex[(m < n ? m : n) - 1] : NULL;
        if (n > m) {
                if (!cpu)
                        cpu = ensure_child(w, root, "cpu", rank_domain);
                if (!numa)
                        numa = ensure_child(w, cpu, "numa", rank_cpu);
        }
        for (size_t i = m; i < n; i++) {
                const vp_cell *c = &t->cells[i];
                xmlNode *e = new_element(w, "cell");
                set_attr_uint(e, "id", c->id);
                if (c->cpus_set) {
                        _cleanup_free_ char *s = vp_cpuset_format(&c->cpus);
                        set_attr(e, "cpus", s);
                }
                set_attr_uint(e, "memory", c->memory_kib);
                set_attr(e, "unit", "KiB");
                if (last)
                        insert_child(w, numa, last, e);
                else
                        insert_ranked(w, numa, e, rank_numa);
                last = e;
        }
        /* Distances and interconnects name cells by id: stale once the set of cells changes. */
        if (m != n) {
                for (xmlNode *c = numa->children; c; c = c->next)
                        if (vp_xml_is(c, "cell")) {
                                remove_all(c, "distances");
                                tidy_empty(c);
                        }
                remove_all(numa, "interconnects");
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
        rw w = {.dom = dom, .doc = dom->doc};
        detect_layout(&w);
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
                        move_attr_before(vcpu, "cpuset", after_cpuset);
                        if (attr_equals(vcpu, "placement", "auto")) {
                                set_attr(vcpu, "placement", "static");
                                vcpu_auto_dropped = true;
                        }
                } else {
                        xmlUnsetProp(vcpu, BAD_CAST "cpuset");
                }
        }

        if (owned & VP_OWN_CELLS)
                sync_cells(&w, want);

        if ((owned & (VP_OWN_SCALARS | VP_OWN_VCPUPIN | VP_OWN_EMULATORPIN | VP_OWN_IOTHREADPIN)) &&
            c.cputune && !has_element_child(c.cputune))
                remove_node(c.cputune);
        if ((owned & (VP_OWN_MEMORY | VP_OWN_MEMNODES)) && c.numatune &&
            !has_element_child(c.numatune)) {
                remove_node(c.numatune);
                c.numatune = NULL;
        }

        /* libvirt infers each placement from the other when one is implicit. Keep what the
         * untouched one meant by spelling it out when we change its partner. */
        xmlNode *mem = c.numatune ? vp_xml_child(c.numatune, "memory") : NULL;
        if (vcpu_auto_dropped && mem && !xmlHasNsProp(mem, BAD_CAST "placement", NULL) &&
            !xmlHasNsProp(mem, BAD_CAST "nodeset", NULL))
                set_attr(mem, "placement", "auto");
        if (mem_auto_dropped && vcpu && !xmlHasNsProp(vcpu, BAD_CAST "placement", NULL) &&
            !xmlHasNsProp(vcpu, BAD_CAST "cpuset", NULL) &&
            !cputune_has_pins(vp_xml_child(root, "cputune"))) {
                set_attr(vcpu, "placement", "auto");
                static const char *const after_placement[] = {"cpuset", "current", NULL};
                move_attr_before(vcpu, "placement", after_placement);
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
                if (c->type != XML_TEXT_NODE || !is_blank(c->content) ||
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
                char ind[IND_MAX];
                if (node) {
                        xmlDocSetRootElement(tmp, node);
                        if (line_indent(dom->root, ind, sizeof(ind)) && ind[0])
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
