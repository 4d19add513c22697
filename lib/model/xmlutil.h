/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the XML modules (domain.c, rewrite.c, xmledit.c, xmlparse.c): small libxml2
 * helpers, and the cputune value ranges libvirt's schema accepts (shared by domain.c and
 * rewrite.c). Not part of the public API. */
#ifndef VMPLACE_XMLUTIL_H
#define VMPLACE_XMLUTIL_H

#include <stdbool.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "tune.h"
#include "util.h"

static inline void vp_xmlfreep(void *p)
{
        xmlChar **s = p;
        if (*s)
                xmlFree(*s);
}
#define _cleanup_xmlfree_ _cleanup_(vp_xmlfreep)

/* An element in no namespace (libvirt's own vocabulary) with that local name. */
static inline bool vp_xml_is(const xmlNode *n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && !n->ns && !strcmp((const char *)n->name, name);
}

static inline xmlNode *vp_xml_child(const xmlNode *parent, const char *name)
{
        for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
                if (vp_xml_is(c, name))
                        return c;
        return NULL;
}

/* libxml2 reports some errors (serialisation, tree building) through the per-thread generic
 * and structured handlers, whose default prints to stderr: swallow them around our calls.
 * A hook's stderr ends up in libvirt's error message, so stray lines there are not harmless. */
typedef struct vp_xml_quiet {
        xmlGenericErrorFunc generic;
        void *generic_ctx;
        xmlStructuredErrorFunc structured;
        void *structured_ctx;
} vp_xml_quiet;

static inline void vp_xml_ignore_generic(void *ctx, const char *msg, ...)
{
        (void)ctx;
        (void)msg;
}

#if LIBXML_VERSION >= 21200
static inline void vp_xml_ignore_structured(void *ctx, const xmlError *e)
#else
static inline void vp_xml_ignore_structured(void *ctx, xmlErrorPtr e)
#endif
{
        (void)ctx;
        (void)e;
}

static inline void vp_xml_quiet_begin(vp_xml_quiet *q)
{
        q->generic = xmlGenericError;
        q->generic_ctx = xmlGenericErrorContext;
        q->structured = xmlStructuredError;
        q->structured_ctx = xmlStructuredErrorContext;
        xmlSetGenericErrorFunc(NULL, vp_xml_ignore_generic);
        xmlSetStructuredErrorFunc(NULL, vp_xml_ignore_structured);
}

static inline void vp_xml_quiet_end(const vp_xml_quiet *q)
{
        xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
        xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
}

/* cputune value ranges from libvirt's schema (cpushares, cpuperiod, cpuquota); a quota of -1
 * means unlimited. */
static inline bool vp_tune_scalar_is_quota(int i)
{
        return i == VP_T_GLOBAL_QUOTA || i == VP_T_VCPU_QUOTA || i == VP_T_EMULATOR_QUOTA ||
               i == VP_T_IOTHREAD_QUOTA;
}

static inline const char *vp_tune_scalar_range(int i)
{
        if (i == VP_T_SHARES)
                return "0..4294967295";
        return vp_tune_scalar_is_quota(i) ? "-1 or 1000..17592186044415" : "1000..1000000";
}

static inline bool vp_tune_scalar_valid(int i, long long v)
{
        if (i < 0 || i >= VP_T__COUNT)
                return false;
        if (i == VP_T_SHARES)
                return v >= 0 && v <= 4294967295LL;
        if (vp_tune_scalar_is_quota(i))
                return v == -1 || (v >= 1000 && v <= 17592186044415LL);
        return v >= 1000 && v <= 1000000;
}

#endif
