/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "xmledit.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xmlutil.h"

/* Everything here edits the tree libxml2 parsed, node by node, so what is not edited keeps its
 * bytes (modulo libxml2's attribute quoting and empty-element form). */

/* ---- whitespace -------------------------------------------------------------------------- */

bool vp_xml_is_blank(const xmlChar *s)
{
        for (; s && *s; s++)
                if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
                        return false;
        return true;
}

/* When n starts a line, the blanks in front of it. */
bool vp_xml_line_indent(const xmlNode *n, char *buf, size_t len)
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

static void own_indent(const vp_xmledit *w, const xmlNode *n, char *buf, size_t len)
{
        if (n == w->root) {
                snprintf(buf, len, "%s", w->root_ind);
                return;
        }
        if (vp_xml_line_indent(n, buf, len))
                return;
        int depth = 0;
        for (const xmlNode *p = n; p && p != w->root; p = p->parent)
                depth++;
        snprintf(buf, len, "%s", w->root_ind);
        for (int i = 0; i < depth; i++)
                strncat(buf, w->unit, len - strlen(buf) - 1);
}

/* The indentation children of parent use: copied from an existing child, else the parent's
 * plus one step. */
static void child_indent(const vp_xmledit *w, const xmlNode *parent, char *buf, size_t len)
{
        for (const xmlNode *c = parent->children; c; c = c->next)
                if ((c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) &&
                    vp_xml_line_indent(c, buf, len))
                        return;
        own_indent(w, parent, buf, len);
        strncat(buf, w->unit, len - strlen(buf) - 1);
}

static xmlNode *newline_text(vp_xmledit *w, const char *indent)
{
        char buf[VP_XML_IND_MAX + 2];
        snprintf(buf, sizeof(buf), "\n%s", indent);
        return xmlNewDocText(w->doc, BAD_CAST buf);
}

void vp_xmledit_init(vp_xmledit *w, xmlDoc *doc, xmlNode *root)
{
        w->doc = doc;
        w->root = root;
        w->root_ind[0] = '\0';
        if (root != xmlDocGetRootElement(w->doc))
                vp_xml_line_indent(root, w->root_ind, sizeof(w->root_ind));
        w->compact = true;
        snprintf(w->unit, sizeof(w->unit), "  ");
        char ind[VP_XML_IND_MAX];
        for (xmlNode *c = root->children; c; c = c->next) {
                if ((c->type != XML_ELEMENT_NODE && c->type != XML_COMMENT_NODE) ||
                    !vp_xml_line_indent(c, ind, sizeof(ind)))
                        continue;
                w->compact = false;
                size_t rl = strlen(w->root_ind);
                if (!strncmp(ind, w->root_ind, rl) && strlen(ind + rl) < sizeof(w->unit))
                        snprintf(w->unit, sizeof(w->unit), "%s", ind + rl);
                break;
        }
}

/* ---- tree edits -------------------------------------------------------------------------- */

bool vp_xml_has_element_child(const xmlNode *n)
{
        for (const xmlNode *c = n->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE)
                        return true;
        return false;
}

/* Unlink and free n together with the line break and indentation in front of it. */
void vp_xml_remove_node(xmlNode *n)
{
        xmlNode *p = n->prev;
        if (p && p->type == XML_TEXT_NODE && vp_xml_is_blank(p->content)) {
                xmlUnlinkNode(p);
                xmlFreeNode(p);
        }
        xmlUnlinkNode(n);
        xmlFreeNode(n);
}

/* An element with only blank text left: drop the text so it prints as <x/>. */
void vp_xml_tidy_empty(xmlNode *n)
{
        for (xmlNode *c = n->children; c; c = c->next)
                if (c->type != XML_TEXT_NODE || !vp_xml_is_blank(c->content))
                        return;
        while (n->children) {
                xmlNode *c = n->children;
                xmlUnlinkNode(c);
                xmlFreeNode(c);
        }
}

/* Insert node as a child of parent right after element `after` (NULL: before the first
 * element child), with a line break and indentation like its siblings. */
void vp_xml_insert_child(vp_xmledit *w, xmlNode *parent, xmlNode *after, xmlNode *node)
{
        char ci[VP_XML_IND_MAX], pi[VP_XML_IND_MAX];
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
        if (last->type == XML_TEXT_NODE && vp_xml_is_blank(last->content)) {
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

/* ---- libvirt's element order ------------------------------------------------------------ */

static int rank_cmp(vp_xml_rank a, vp_xml_rank b)
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

vp_xml_rank vp_xml_rank_domain(const xmlNode *n)
{
        return (vp_xml_rank){table_rank(n, domain_order, (int)VP_ARRAY_SIZE(domain_order)), 0};
}

/* virDomainCputuneDefFormat() order; everything else (vcpusched, cachetune, ...) after. */
static const char *const cputune_order[] = {
    "shares",         "period",          "quota",          "global_period",
    "global_quota",   "emulator_period", "emulator_quota", "iothread_period",
    "iothread_quota", "vcpupin",         "emulatorpin",    "iothreadpin",
};

vp_xml_rank vp_xml_rank_cputune(const xmlNode *n)
{
        vp_xml_rank k = {table_rank(n, cputune_order, (int)VP_ARRAY_SIZE(cputune_order)), 0};
        if (vp_xml_is(n, "vcpupin"))
                k.key = key_attr(n, "vcpu");
        else if (vp_xml_is(n, "iothreadpin"))
                k.key = key_attr(n, "iothread");
        return k;
}

vp_xml_rank vp_xml_rank_numatune(const xmlNode *n)
{
        if (vp_xml_is(n, "memory"))
                return (vp_xml_rank){0, 0};
        if (vp_xml_is(n, "memnode"))
                return (vp_xml_rank){1, key_attr(n, "cellid")};
        return (vp_xml_rank){2, 0};
}

/* <numa> is formatted after the model, topology, features... of <cpu>. */
vp_xml_rank vp_xml_rank_cpu(const xmlNode *n)
{
        return (vp_xml_rank){vp_xml_is(n, "numa") ? 1 : 0, 0};
}

vp_xml_rank vp_xml_rank_numa(const xmlNode *n)
{
        if (vp_xml_is(n, "cell"))
                return (vp_xml_rank){0, key_attr(n, "id")};
        return (vp_xml_rank){vp_xml_is(n, "interconnects") ? 1 : 2, 0};
}

/* Insert node among parent's element children at the gap that leaves the fewest siblings out
 * of order relative to it: the libvirt position in a libvirt-ordered document, and a sensible
 * one in a hand-shuffled one. */
void vp_xml_insert_ranked(vp_xmledit *w, xmlNode *parent, xmlNode *node, vp_xml_rank_fn rf)
{
        vp_xml_rank nr = rf(node);
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
        vp_xml_insert_child(w, parent, best_after, node);
}

xmlNode *vp_xml_new_element(vp_xmledit *w, const char *name)
{
        return xmlNewDocNode(w->doc, NULL, BAD_CAST name, NULL);
}

xmlNode *vp_xml_ensure_child(vp_xmledit *w, xmlNode *parent, const char *name, vp_xml_rank_fn rf)
{
        xmlNode *c = vp_xml_child(parent, name);
        if (c)
                return c;
        c = vp_xml_new_element(w, name);
        vp_xml_insert_ranked(w, parent, c, rf);
        return c;
}

void vp_xml_set_attr(xmlNode *n, const char *name, const char *value)
{
        xmlSetProp(n, BAD_CAST name, BAD_CAST value);
}

void vp_xml_set_attr_uint(xmlNode *n, const char *name, unsigned long long v)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%llu", v);
        vp_xml_set_attr(n, name, buf);
}

/* Move attribute `name` in front of the first of `before` (NULL-terminated) present, so new
 * attributes land where libvirt writes them. */
void vp_xml_move_attr_before(xmlNode *n, const char *name, const char *const *before)
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

bool vp_xml_attr_equals(const xmlNode *n, const char *name, const char *value)
{
        _cleanup_xmlfree_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
        return v && !strcmp((const char *)v, value);
}

/* Remove every child element `name` of parent except the first, which is returned. */
xmlNode *vp_xml_only_first(xmlNode *parent, const char *name)
{
        xmlNode *first = NULL, *next;
        for (xmlNode *c = parent ? parent->children : NULL; c; c = next) {
                next = c->next;
                if (!vp_xml_is(c, name))
                        continue;
                if (!first)
                        first = c;
                else
                        vp_xml_remove_node(c);
        }
        return first;
}

void vp_xml_remove_all(xmlNode *parent, const char *name)
{
        xmlNode *next;
        for (xmlNode *c = parent ? parent->children : NULL; c; c = next) {
                next = c->next;
                if (vp_xml_is(c, name))
                        vp_xml_remove_node(c);
        }
}
