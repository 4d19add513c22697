/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolationjson.c: the record as isolation.json holds it (the exact text
 * of a small one), read back equal (masks as wide as they were), and every
 * way a file can be wrong refused with a message naming the file and the
 * member. */
#include <errno.h>

#include "cpusets.h"
#include "isolationjson.h"
#include "jsontext.h"
#include "tap.h"

static vp_isolation_record sample(void)
{
        vp_isolation_record r = {0};
        r.isolated = S("2-3");
        r.housekeeping = S("0-1,4-7");
        vp_cpuset a = S("0-7"), b = S("2-3"), c = S("1,100");
        vp_isolation_record_add_irq(&r, 1, &a);
        vp_isolation_record_add_irq(&r, 24, &b);
        vp_isolation_record_add_irq(&r, 4000, &c);
        r.irq_default = (vp_isolation_mask){.changed = true, .nbits = 8, .orig = S("0-7")};
        r.workqueue = (vp_isolation_mask){.changed = true, .nbits = 64, .orig = S("0-7")};
        return r;
}

/* text parsed as a record: 0, or the error message in *msg (malloc'd) */
static int parse(const char *text, vp_isolation_record *r, char **msg)
{
        _cleanup_json_ json_object *root = NULL;
        vp_error e = {0};
        *msg = NULL;
        int rc = vp_json_parse("iso.json", text, strlen(text), &root, &e);
        if (rc == 0)
                rc = vp_isolation_from_json("iso.json", root, r, &e);
        else
                *r = (vp_isolation_record){0};
        if (rc < 0)
                *msg = vp_xstrdup(e.msg);
        return rc;
}

static void test_text(void)
{
        vp_isolation_record r = sample();
        json_object *o = vp_isolation_to_json(&r);
        is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
               "{\"version\":1,\"isolated\":\"2-3\",\"housekeeping\":\"0-1,4-7\","
               "\"irq_default\":\"ff\",\"workqueue\":\"00000000,000000ff\","
               "\"irqs\":[{\"irq\":1,\"affinity\":\"0-7\"},{\"irq\":24,\"affinity\":\"2-3\"},"
               "{\"irq\":4000,\"affinity\":\"1,100\"}]}",
               "the record's text");
        json_object_put(o);
        r.workqueue.changed = false;
        o = vp_isolation_to_json(&r);
        like(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "\"workqueue\":null",
             "a mask not changed is null");
        json_object_put(o);
        vp_isolation_record_free(&r);
}

static void test_roundtrip(void)
{
        vp_isolation_record r = sample(), back;
        json_object *o = vp_isolation_to_json(&r);
        char *msg;
        int rc = parse(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY), &back, &msg);
        is_int(rc, 0, "read back (%s)", msg ? msg : "");
        is_str(fmt(&back.isolated), "2-3", "isolated");
        is_str(fmt(&back.housekeeping), "0-1,4-7", "housekeeping");
        is_int(back.n_irqs, 3, "three IRQs");
        for (size_t i = 0; i < back.n_irqs && i < 3; i++) {
                is_int(back.irqs[i].irq, r.irqs[i].irq, "IRQ %zu's number", i);
                ok(vp_cpumask_same(&back.irqs[i].orig, &r.irqs[i].orig), "IRQ %u's list",
                   r.irqs[i].irq);
        }
        ok(back.irq_default.changed && back.irq_default.nbits == 8, "default mask, 8 bits");
        is_str(fmt(&back.irq_default.orig), "0-7", "its original");
        ok(back.workqueue.changed && back.workqueue.nbits == 64, "workqueue mask, 64 bits");
        json_object_put(o);
        vp_isolation_record_free(&back);

        vp_isolation_record empty = {0};
        o = vp_isolation_to_json(&empty);
        rc = parse(json_object_to_json_string(o), &back, &msg);
        is_int(rc, 0, "an empty record reads back");
        ok(!back.irq_default.changed && !back.workqueue.changed && back.n_irqs == 0, "as empty");
        json_object_put(o);
        free(msg);
        vp_isolation_record_free(&back);
        vp_isolation_record_free(&r);
}

static void test_bad(void)
{
#define HEAD "{\"version\":1,\"isolated\":\"2-3\",\"housekeeping\":\"0-1\","
        static const struct {
                const char *text, *msg;
        } cases[] = {
            {"[]", "iso.json: not a JSON object"},
            {"{\"version\":2}", "iso.json: 'version' is not 1"},
            {"{\"version\":1}", "iso.json: missing 'isolated'"},
            {HEAD "\"irq_default\":3,\"workqueue\":null,\"irqs\":[]}",
             "iso.json: 'irq_default' is not a string or null"},
            {HEAD "\"irq_default\":\"zz\",\"workqueue\":null,\"irqs\":[]}",
             "iso.json: 'irq_default': invalid CPU mask 'zz': 'z' is not a hex digit"},
            {HEAD "\"irq_default\":null,\"workqueue\":null}",
             "iso.json: 'irqs' is missing or no array"},
            {HEAD "\"irq_default\":null,\"workqueue\":null,\"irqs\":[3]}",
             "iso.json: 'irqs[0]' is not an object"},
            {HEAD "\"irq_default\":null,\"workqueue\":null,\"irqs\":[{\"irq\":-1}]}",
             "iso.json: 'irqs[0].irq' -1 is out of range"},
            {HEAD "\"irq_default\":null,\"workqueue\":null,\"irqs\":[{\"affinity\":\"1\"}]}",
             "iso.json: 'irqs[0].irq' is missing or no integer"},
            {HEAD "\"irq_default\":null,\"workqueue\":null,\"irqs\":[{\"irq\":5,\"affinity\":"
                  "\"1\"},{\"irq\":5,\"affinity\":\"2\"}]}",
             "iso.json: 'irqs[1].irq' 5 is out of order (IRQs are sorted, each once)"},
            {HEAD "\"irq_default\":null,\"workqueue\":null,\"irqs\":[{\"irq\":5,\"affinity\":"
                  "\"0-x\"}]}",
             "iso.json: 'irqs[0].affinity': "},
            {HEAD "\"irq_default\":null,\"workqueue\":null,\"irqs\":[{\"irq\":5,\"affinity\":"
                  "\"\"}]}",
             "iso.json: 'irqs[0].affinity' is empty"},
            {"{\"version\":1,\"isolated\":\"2-3\",\"housekeeping\":7}",
             "iso.json: 'housekeeping' is not a string"},
        };
#undef HEAD
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                vp_isolation_record r;
                char *msg;
                int rc = parse(cases[i].text, &r, &msg);
                is_int(rc, -EBADMSG, "case %zu refused", i);
                like(msg, cases[i].msg, "case %zu says so", i);
                free(msg);
                vp_isolation_record_free(&r);
        }
}

int main(void)
{
        test_text();
        test_roundtrip();
        test_bad();
        return tap_done();
}
