/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to rewrite.c: editing a libvirt XML tree while keeping its layout. New elements
 * get whitespace text nodes copied from their siblings' layout instead of a global re-indent,
 * and go where libvirt's own formatter puts them (the rank tables below). Not part of the
 * public API. */
#ifndef VMPLACE_XMLEDIT_H
#define VMPLACE_XMLEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* The layout of the document being edited, read once by vp_xmledit_init. */
typedef struct vp_xmledit {
        xmlDoc *doc;
        xmlNode *root;      /* the <domain> element (not always the document's root) */
        bool compact;       /* the document has no line breaks between elements */
        char unit[32];      /* one indentation step */
        char root_ind[128]; /* indentation of the <domain> line */
} vp_xmledit;

/* Longest indentation handled (buffers for vp_xml_line_indent). */
#define VP_XML_IND_MAX 256

/* Read the layout of root (an element of doc): its own indentation, whether its children
 * sit on lines of their own and the indentation step (two spaces when nothing says). */
void vp_xmledit_init(vp_xmledit *w, xmlDoc *doc, xmlNode *root);

/* Whether s is NULL or holds only spaces, tabs and line breaks. */
bool vp_xml_is_blank(const xmlChar *s);

/* When n starts a line, copies the blanks in front of it to buf and returns true; returns
 * false (buf unspecified) when n does not start a line or the indentation does not fit in
 * len bytes. */
bool vp_xml_line_indent(const xmlNode *n, char *buf, size_t len);

/* Whether n has an element child. */
bool vp_xml_has_element_child(const xmlNode *n);

/* Unlink and free n together with the line break and indentation in front of it. */
void vp_xml_remove_node(xmlNode *n);

/* An element with only blank text left: drop the text so it prints as <x/>. Does nothing when
 * n has an element, comment or non-blank text child. */
void vp_xml_tidy_empty(xmlNode *n);

/* Remove every child element `name` of parent (NULL: none) except the first; returns that
 * first one, or NULL when parent has none. */
xmlNode *vp_xml_only_first(xmlNode *parent, const char *name);

/* Remove every child element `name` of parent (NULL: none). */
void vp_xml_remove_all(xmlNode *parent, const char *name);

/* Insert node as a child of parent right after element `after` (NULL: before the first
 * element child), with a line break and indentation like its siblings. */
void vp_xml_insert_child(vp_xmledit *w, xmlNode *parent, xmlNode *after, xmlNode *node);

/* Ordering of an element among its siblings as libvirt's formatter writes them: a rank and,
 * for repeated elements, a numeric key. */
typedef struct vp_xml_rank {
        int r;
        unsigned key;
} vp_xml_rank;
typedef vp_xml_rank (*vp_xml_rank_fn)(const xmlNode *n);

/* The orders of the children of <domain>, <cputune>, <numatune>, <cpu> and <cpu><numa>. */
vp_xml_rank vp_xml_rank_domain(const xmlNode *n);
vp_xml_rank vp_xml_rank_cputune(const xmlNode *n);
vp_xml_rank vp_xml_rank_numatune(const xmlNode *n);
vp_xml_rank vp_xml_rank_cpu(const xmlNode *n);
vp_xml_rank vp_xml_rank_numa(const xmlNode *n);

/* Insert node among parent's element children at the gap that leaves the fewest siblings out
 * of order relative to it (ties: the last such gap), laid out as vp_xml_insert_child does. */
void vp_xml_insert_ranked(vp_xmledit *w, xmlNode *parent, xmlNode *node, vp_xml_rank_fn rf);

/* A new element `name` of w's document, in no namespace, not yet linked anywhere. Returns
 * NULL only when libxml2 is out of memory. */
xmlNode *vp_xml_new_element(vp_xmledit *w, const char *name);

/* Returns parent's first child element `name`, created and inserted by rank when missing. */
xmlNode *vp_xml_ensure_child(vp_xmledit *w, xmlNode *parent, const char *name, vp_xml_rank_fn rf);

/* Set attribute name to value (or to v in decimal), replacing any existing value in place. */
void vp_xml_set_attr(xmlNode *n, const char *name, const char *value);
void vp_xml_set_attr_uint(xmlNode *n, const char *name, unsigned long long v);

/* Whether n has attribute name (in no namespace) equal to value. */
bool vp_xml_attr_equals(const xmlNode *n, const char *name, const char *value);

/* Move attribute `name` in front of the first of `before` (NULL-terminated) present, so new
 * attributes land where libvirt writes them. Nothing changes when n has no such attribute,
 * none of `before`, or `name` already comes before all of them. */
void vp_xml_move_attr_before(xmlNode *n, const char *name, const char *const *before);

#endif
