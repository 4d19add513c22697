/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "xmlparse.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "xmlutil.h"

/* libxml2 parsing with errors captured, never printed: a hook's stderr ends up in libvirt's
 * error message, and a message with the line number says more than libxml2's own output. */

typedef struct parse_state {
        bool doctype;
        bool have_error;
        int line;
        char msg[400];
} parse_state;

#if LIBXML_VERSION >= 21200
static void capture_error(void *data, const xmlError *e)
#else
static void capture_error(void *data, xmlErrorPtr e)
#endif
{
        xmlParserCtxtPtr ctxt = data;
        parse_state *st = ctxt ? ctxt->_private : NULL;
        if (!st || !e || e->level < XML_ERR_ERROR || st->have_error)
                return;
        st->have_error = true;
        st->line = e->line;
        /* One line: libxml2 messages end in a newline and some carry a second line. */
        size_t n = 0;
        for (const char *p = e->message ? e->message : "parse error"; *p && n + 1 < sizeof(st->msg);
             p++) {
                char ch = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
                if (ch == ' ' && (n == 0 || st->msg[n - 1] == ' '))
                        continue;
                st->msg[n++] = ch;
        }
        while (n > 0 && st->msg[n - 1] == ' ')
                n--;
        st->msg[n] = '\0';
}

/* SAX hook called at "<!DOCTYPE": stop before the internal subset (entity declarations)
 * is even read, so nothing in it can be expanded or fetched. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
        (void)name;
        (void)ext;
        (void)sys;
        xmlParserCtxtPtr ctxt = ctx;
        parse_state *st = ctxt->_private;
        st->doctype = true;
        xmlStopParser(ctxt);
}

static void free_parser_ctxt(xmlParserCtxtPtr *c)
{
        if (*c)
                xmlFreeParserCtxt(*c);
}

int vp_xml_parse(const char *xml, size_t len, const char *what, xmlDoc **out, vp_error *err)
{
        if (len > INT_MAX)
                return vp_error_set(err, -EFBIG, "%s is too large", what);
        parse_state st = {0};
        vp_xml_quiet quiet;
        vp_xml_quiet_begin(&quiet);
        _cleanup_(free_parser_ctxt) xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        if (!ctxt) {
                vp_xml_quiet_end(&quiet);
                return vp_error_set(err, -ENOMEM, "%s: out of memory", what);
        }
        ctxt->_private = &st;
        ctxt->sax->serror = capture_error;
        ctxt->sax->internalSubset = refuse_doctype;
        xmlDoc *doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, XML_PARSE_NONET);
        vp_xml_quiet_end(&quiet);
        if (st.doctype || (doc && (doc->intSubset || doc->extSubset))) {
                if (doc)
                        xmlFreeDoc(doc);
                return vp_error_set(err, -EINVAL, "%s has a DOCTYPE: refused", what);
        }
        if (!doc || st.have_error || !ctxt->wellFormed) {
                if (doc)
                        xmlFreeDoc(doc);
                if (st.have_error)
                        return vp_error_set(err, -EINVAL, "%s line %d: %s", what, st.line, st.msg);
                return vp_error_set(err, -EINVAL, "%s: not well-formed", what);
        }
        *out = doc;
        return 0;
}

bool vp_xml_starts_with_decl(const char *xml, size_t len)
{
        if (len >= 3 && !memcmp(xml, "\xEF\xBB\xBF", 3)) {
                xml += 3;
                len -= 3;
        }
        return len > 6 && !memcmp(xml, "<?xml", 5) &&
               (xml[5] == ' ' || xml[5] == '\t' || xml[5] == '\r' || xml[5] == '\n');
}
