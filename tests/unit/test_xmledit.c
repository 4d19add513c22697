/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layout-keeping tree edits (xmledit.h) on small documents: detected indentation, insertion in
 * libvirt's order with siblings' layout, removal with the whitespace in front, empty elements,
 * attribute order. The rewrite's golden files (test_rewrite.c) cover the same code on the
 * corpus. */
#include <errno.h>

#include <libxml/xmlsave.h>

#include "xmledit.h"
#include "xmlparse.h"
#include "xmlutil.h"
#include "tap.h"

static xmlDoc *parse(const char *xml)
{
        xmlDoc *doc = NULL;
        vp_error e;
        if (vp_xml_parse(xml, strlen(xml), "test XML", &doc, &e) < 0)
                printf("# %s\n", e.msg);
        return doc;
}

/* The subtree of n as libxml2 writes it, without re-indenting (caller frees). */
static char *dump(xmlNode *n)
{
        xmlBufferPtr buf = xmlBufferCreate();
        xmlSaveCtxtPtr s = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
        xmlSaveTree(s, n);
        xmlSaveClose(s);
        char *out = vp_xstrdup((const char *)xmlBufferContent(buf));
        xmlBufferFree(buf);
        return out;
}

static void test_blank_and_indent(void)
{
        ok(vp_xml_is_blank(NULL), "NULL is blank");
        ok(vp_xml_is_blank(BAD_CAST ""), "\"\" is blank");
        ok(vp_xml_is_blank(BAD_CAST " \t\r\n "), "spaces, tabs and line breaks are blank");
        ok(!vp_xml_is_blank(BAD_CAST "  x "), "text is not");

        xmlDoc *doc = parse("<domain>\n\t<name>x</name><uuid/>\n</domain>");
        xmlNode *root = xmlDocGetRootElement(doc);
        char buf[VP_XML_IND_MAX];
        ok(vp_xml_line_indent(vp_xml_child(root, "name"), buf, sizeof(buf)),
           "an element after a line break starts a line");
        is_str(buf, "\t", "... indented by its blanks");
        ok(!vp_xml_line_indent(vp_xml_child(root, "uuid"), buf, sizeof(buf)),
           "an element right after another does not");
        ok(!vp_xml_line_indent(vp_xml_child(root, "name"), buf, 1),
           "an indentation that does not fit is not copied");
        ok(!vp_xml_line_indent(root, buf, sizeof(buf)), "the root element has no text before it");
        xmlFreeDoc(doc);
}

static void test_layout(void)
{
        vp_xmledit w;
        xmlDoc *doc = parse("<domain>\n    <name>x</name>\n</domain>");
        vp_xmledit_init(&w, doc, xmlDocGetRootElement(doc));
        ok(!w.compact, "a document with line breaks is not compact");
        is_str(w.unit, "    ", "its indentation step is copied from the first child");
        is_str(w.root_ind, "", "the root element is not indented");
        xmlFreeDoc(doc);

        doc = parse("<domain><name>x</name></domain>");
        vp_xmledit_init(&w, doc, xmlDocGetRootElement(doc));
        ok(w.compact, "a one-line document is compact");
        is_str(w.unit, "  ", "... with the default step");
        xmlFreeDoc(doc);

        doc = parse("<domstatus>\n  <domain>\n    <name>x</name>\n  </domain>\n</domstatus>");
        xmlNode *dom = vp_xml_child(xmlDocGetRootElement(doc), "domain");
        vp_xmledit_init(&w, doc, dom);
        is_str(w.root_ind, "  ", "a nested <domain> keeps its own indentation");
        is_str(w.unit, "  ", "... and the step is counted from it");
        xmlFreeDoc(doc);
}

static void test_insert(void)
{
        vp_xmledit w;
        xmlDoc *doc = parse("<domain>\n  <name>x</name>\n  <vcpu>2</vcpu>\n  <os/>\n</domain>");
        xmlNode *root = xmlDocGetRootElement(doc);
        vp_xmledit_init(&w, doc, root);
        xmlNode *ct = vp_xml_ensure_child(&w, root, "cputune", vp_xml_rank_domain);
        ok(ct && vp_xml_is(ct, "cputune"), "ensure_child creates a missing element");
        ok(vp_xml_ensure_child(&w, root, "cputune", vp_xml_rank_domain) == ct,
           "... and returns the existing one after that");
        xmlNode *p = vp_xml_new_element(&w, "vcpupin");
        vp_xml_set_attr_uint(p, "vcpu", 2);
        vp_xml_insert_ranked(&w, ct, p, vp_xml_rank_cputune);
        p = vp_xml_new_element(&w, "shares");
        vp_xml_insert_ranked(&w, ct, p, vp_xml_rank_cputune);
        p = vp_xml_new_element(&w, "vcpupin");
        vp_xml_set_attr_uint(p, "vcpu", 10);
        vp_xml_insert_ranked(&w, ct, p, vp_xml_rank_cputune);
        p = vp_xml_new_element(&w, "vcpupin");
        vp_xml_set_attr_uint(p, "vcpu", 3);
        vp_xml_insert_ranked(&w, ct, p, vp_xml_rank_cputune);
        char *s = dump(root);
        is_str(s,
               "<domain>\n  <name>x</name>\n  <vcpu>2</vcpu>\n  <cputune>\n    <shares/>\n"
               "    <vcpupin vcpu=\"2\"/>\n    <vcpupin vcpu=\"3\"/>\n    <vcpupin vcpu=\"10\"/>\n"
               "  </cputune>\n  <os/>\n</domain>",
               "new elements go in libvirt's order, indented like their siblings");
        free(s);
        xmlFreeDoc(doc);

        doc = parse("<domain><name>x</name><os/></domain>");
        root = xmlDocGetRootElement(doc);
        vp_xmledit_init(&w, doc, root);
        xmlNode *nt = vp_xml_ensure_child(&w, root, "numatune", vp_xml_rank_domain);
        p = vp_xml_new_element(&w, "memnode");
        vp_xml_set_attr_uint(p, "cellid", 1);
        vp_xml_insert_ranked(&w, nt, p, vp_xml_rank_numatune);
        vp_xml_insert_ranked(&w, nt, vp_xml_new_element(&w, "memory"), vp_xml_rank_numatune);
        s = dump(root);
        is_str(s,
               "<domain><name>x</name><numatune><memory/><memnode "
               "cellid=\"1\"/></numatune><os/></domain>",
               "a compact document gets no line breaks");
        free(s);
        xmlFreeDoc(doc);

        /* A hand-shuffled document: the gap leaving the fewest siblings out of order. */
        doc = parse("<cpu>\n  <numa/>\n  <model/>\n  <!-- c -->\n</cpu>");
        root = xmlDocGetRootElement(doc);
        vp_xmledit_init(&w, doc, root);
        vp_xml_insert_ranked(&w, root, vp_xml_new_element(&w, "topology"), vp_xml_rank_cpu);
        is_str_free(dump(root), "<cpu>\n  <topology/>\n  <numa/>\n  <model/>\n  <!-- c -->\n</cpu>",
                    "out of order siblings: before the first one that must follow");
        xmlFreeDoc(doc);

        /* Only text and comments inside: after them, before the closing tag's line. */
        doc = parse("<domain>\n  <cpu>\n    <!-- c -->\n  </cpu>\n</domain>");
        root = xmlDocGetRootElement(doc);
        vp_xmledit_init(&w, doc, root);
        xmlNode *cpu = vp_xml_child(root, "cpu");
        xmlNode *numa = vp_xml_ensure_child(&w, cpu, "numa", vp_xml_rank_cpu);
        xmlNode *cell = vp_xml_new_element(&w, "cell");
        vp_xml_set_attr_uint(cell, "id", 0);
        vp_xml_insert_ranked(&w, numa, cell, vp_xml_rank_numa);
        s = dump(root);
        is_str(s,
               "<domain>\n  <cpu>\n    <!-- c -->\n    <numa>\n      <cell id=\"0\"/>\n"
               "    </numa>\n  </cpu>\n</domain>",
               "into an element with only a comment, and into an empty new one");
        free(s);
        xmlFreeDoc(doc);
}

static void test_remove(void)
{
        xmlDoc *doc = parse("<cputune>\n  <vcpupin vcpu='0'/>\n  <shares>1</shares>\n  <vcpupin "
                            "vcpu='1'/>\n  <vcpupin vcpu='2'/>\n</cputune>");
        xmlNode *ct = xmlDocGetRootElement(doc);
        xmlNode *first = vp_xml_only_first(ct, "vcpupin");
        ok(first && vp_xml_attr_equals(first, "vcpu", "0"), "only_first returns the first");
        is_str_free(dump(ct),
                    "<cputune>\n  <vcpupin vcpu=\"0\"/>\n  <shares>1</shares>\n</cputune>",
                    "... and removes the others with their line");
        ok(vp_xml_only_first(ct, "emulatorpin") == NULL, "only_first of none is NULL");
        ok(vp_xml_only_first(NULL, "vcpupin") == NULL, "... as of a missing parent");
        ok(vp_xml_has_element_child(ct), "<cputune> has element children");
        vp_xml_remove_all(ct, "vcpupin");
        vp_xml_remove_all(ct, "shares");
        vp_xml_remove_all(NULL, "shares");
        ok(!vp_xml_has_element_child(ct), "remove_all leaves none");
        is_str_free(dump(ct), "<cputune>\n</cputune>", "... and only the closing line break");
        vp_xml_tidy_empty(ct);
        is_str_free(dump(ct), "<cputune/>", "tidy_empty makes it an empty element");
        xmlFreeDoc(doc);

        doc = parse("<cpu>\n  <!-- keep -->\n</cpu>");
        vp_xml_tidy_empty(xmlDocGetRootElement(doc));
        is_str_free(dump(xmlDocGetRootElement(doc)), "<cpu>\n  <!-- keep -->\n</cpu>",
                    "tidy_empty keeps an element with a comment");
        xmlFreeDoc(doc);
}

static void test_attrs(void)
{
        xmlDoc *doc = parse("<cell id='0' memory='1' unit='KiB' memAccess='shared'/>");
        xmlNode *c = xmlDocGetRootElement(doc);
        ok(vp_xml_attr_equals(c, "unit", "KiB"), "attr_equals on an equal value");
        ok(!vp_xml_attr_equals(c, "unit", "MiB"), "... on another value");
        ok(!vp_xml_attr_equals(c, "cpus", "0"), "... on a missing attribute");
        vp_xml_set_attr(c, "cpus", "0-1");
        static const char *const after_id[] = {"memory", "unit", "memAccess", "discard", NULL};
        vp_xml_move_attr_before(c, "cpus", after_id);
        vp_xml_set_attr_uint(c, "memory", 18446744073709551615ull);
        char *s = dump(c);
        is_str(s,
               "<cell id=\"0\" cpus=\"0-1\" memory=\"18446744073709551615\" unit=\"KiB\" "
               "memAccess=\"shared\"/>",
               "a new attribute moves where libvirt writes it; a set one keeps its place");
        free(s);
        vp_xml_move_attr_before(c, "id", after_id);
        vp_xml_move_attr_before(c, "nope", after_id);
        static const char *const none[] = {"x", NULL};
        vp_xml_move_attr_before(c, "cpus", none);
        s = dump(c);
        is_str(s,
               "<cell id=\"0\" cpus=\"0-1\" memory=\"18446744073709551615\" unit=\"KiB\" "
               "memAccess=\"shared\"/>",
               "moves that have nothing to do change nothing");
        free(s);
        xmlFreeDoc(doc);
}

int main(void)
{
        test_blank_and_indent();
        test_layout();
        test_insert();
        test_remove();
        test_attrs();
        return tap_done();
}
