/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace sync's operation without libvirt (op.h): plan a persistent
 * definition and say whether the placement it holds changes. The program
 * reads the definition and defines the result through libvirt's API. */
#include "op_impl.h"

/* Whether the rewrite changes what the definition says. Compared on the
 * parsed placement items, not the text: libvirt reformats what it stores. */
static int placement_differs(const char *old_xml, const char *new_xml, bool *differs, vp_error *err)
{
        vp_domain *a = NULL, *b = NULL;
        int r = vp_domain_parse(old_xml, strlen(old_xml), &a, err);
        if (r == 0)
                r = vp_domain_parse(new_xml, strlen(new_xml), &b, err);
        if (r == 0)
                *differs = !vp_tune_equal(&a->tune, &b->tune);
        vp_domain_free(a);
        vp_domain_free(b);
        return r;
}

void vp_op_sync_plan(const vp_paths *p, const char *xml, vp_op_result *o)
{
        memset(o, 0, sizeof(*o));
        vp_decision d;
        vp_error err = {0};
        int r = vp_decide(p, xml, strlen(xml), VP_DECIDE_REPLAN | VP_DECIDE_DIFF, &d, &err);
        if (r < 0) {
                o->result = "error";
                o->message = vp_xstrdup(err.msg);
        } else if (!d.profile) {
                o->result = "unmanaged";
                o->message = vp_xstrdup("no profile matches: nothing to write");
        } else if (d.plan.refusal) {
                o->result = "refused";
                o->profile = vp_xstrdup(d.plan.profile);
                o->message = vp_xasprintf("%s; the definition was not changed", d.plan.refusal);
        } else if (placement_differs(xml, d.xml_out, &o->differs, &err) < 0) {
                o->result = "error";
                o->message = vp_xstrdup(err.msg);
        } else {
                o->profile = vp_xstrdup(d.plan.profile);
                o->launch_only = d.plan.launch_only;
                o->xml_out = TAKE_PTR(d.xml_out);
                o->xml_diff = TAKE_PTR(d.xml_diff);
        }
        vp_decision_free(&d);
}
