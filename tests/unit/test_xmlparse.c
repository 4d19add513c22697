/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hardened XML parse (xmlparse.h) on its own: the name of the input in every message, errors on
 * one line with their line number, a DOCTYPE refused, and the XML declaration test. The domain
 * reader's hostile corpus (test_domain.c) covers the same code through vp_domain_parse. */
#include <errno.h>

#include "xmlparse.h"
#include "tap.h"

static int parse(const char *xml, xmlDoc **doc, vp_error *e)
{
        *doc = NULL;
        return vp_xml_parse(xml, strlen(xml), "test input", doc, e);
}

static void test_parse(void)
{
        xmlDoc *doc;
        vp_error e = {0};
        is_int(parse("<a>\n  <b x='1'/>\n</a>\n", &doc, &e), 0, "well-formed input parses");
        ok(doc && xmlDocGetRootElement(doc) &&
               !strcmp((const char *)xmlDocGetRootElement(doc)->name, "a"),
           "... into a document rooted at <a>");
        xmlFreeDoc(doc);

        is_int(parse("<a>\n<b>\n</a>", &doc, &e), -EINVAL, "mismatched tags fail");
        ok(!doc, "... with no document");
        like(e.msg, "test input line 3: ", "... naming the input and the line: %s", e.msg);
        ok(!strchr(e.msg, '\n'), "... on one line");

        is_int(parse("not xml", &doc, &e), -EINVAL, "text that is not XML fails");
        like(e.msg, "test input line 1: Start tag expected", "... with libxml2's first message: %s",
             e.msg);

        is_int(parse("<a>&nope;</a>", &doc, &e), -EINVAL, "an undeclared entity fails");
        like(e.msg, "test input line 1: Entity 'nope' not defined", "... saying so: %s", e.msg);

        is_int(parse("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", &doc, &e), -EINVAL,
               "an internal DOCTYPE is refused");
        is_str(e.msg, "test input has a DOCTYPE: refused", "... with the refusal message");
        ok(!doc, "... with no document");

        is_int(parse("<!DOCTYPE a SYSTEM \"/nonexistent/vmplace-probe.dtd\"><a/>", &doc, &e),
               -EINVAL, "an external DTD is refused");
        is_str(e.msg, "test input has a DOCTYPE: refused", "... with the refusal message");
}

static void test_decl(void)
{
        static const struct {
                const char *xml;
                bool want;
        } cases[] = {
            {"<?xml version='1.0'?><a/>", true},
            {"\xEF\xBB\xBF<?xml version='1.0'?><a/>", true},
            {"<?xml\tversion='1.0'?><a/>", true},
            {"<?xml\nversion='1.0'?><a/>", true},
            {"<a/>", false},
            {" <?xml version='1.0'?><a/>", false},
            {"<?xml-stylesheet href='x'?><a/>", false},
            {"<?xml ", false}, /* too short to hold a declaration */
            {"", false},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++)
                is_int(vp_xml_starts_with_decl(cases[i].xml, strlen(cases[i].xml)), cases[i].want,
                       "starts_with_decl case %zu", i);
}

int main(void)
{
        test_parse();
        test_decl();
        return tap_done();
}
