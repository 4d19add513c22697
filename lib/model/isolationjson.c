/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "isolationjson.h"

#include <errno.h>

#include "sysfs_parse.h"

static json_object *list_json(const vp_cpuset *s)
{
        char *t = vp_cpuset_format(s);
        json_object *o = json_object_new_string(t);
        free(t);
        return o;
}

static json_object *mask_json(const vp_isolation_mask *m)
{
        if (!m->changed)
                return NULL;
        char *t = vp_hexmask_format(&m->orig, m->nbits);
        json_object *o = json_object_new_string(t);
        free(t);
        return o;
}

json_object *vp_isolation_to_json(const vp_isolation_record *r)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "version", json_object_new_int(VP_ISOLATION_JSON_VERSION));
        json_object_object_add(o, "isolated", list_json(&r->isolated));
        json_object_object_add(o, "housekeeping", list_json(&r->housekeeping));
        json_object_object_add(o, "irq_default", mask_json(&r->irq_default));
        json_object_object_add(o, "workqueue", mask_json(&r->workqueue));
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < r->n_irqs; i++) {
                json_object *x = json_object_new_object();
                vp_cpuset s = vp_cpumask_get(&r->irqs[i].orig);
                json_object_object_add(x, "irq", json_object_new_int64(r->irqs[i].irq));
                json_object_object_add(x, "affinity", list_json(&s));
                json_object_array_add(a, x);
        }
        json_object_object_add(o, "irqs", a);
        return o;
}

/* Member key of o as a string (NULL when it is null and may be), else
 * -EBADMSG naming where ("irqs[3].affinity") and why. */
static int get_str(const char *file, json_object *o, const char *where, const char *key,
                   bool nullable, const char **out, vp_error *err)
{
        json_object *v;
        *out = NULL;
        if (!json_object_object_get_ex(o, key, &v))
                return vp_error_at(err, -EBADMSG, file, 0, "missing '%s%s'", where, key);
        if (!v && nullable)
                return 0;
        if (!json_object_is_type(v, json_type_string) ||
            (size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)))
                return vp_error_at(err, -EBADMSG, file, 0, "'%s%s' is not a string%s", where, key,
                                   nullable ? " or null" : "");
        *out = json_object_get_string(v);
        return 0;
}

static int get_list(const char *file, json_object *o, const char *where, const char *key,
                    vp_cpuset *out, vp_error *err)
{
        const char *s;
        int r = get_str(file, o, where, key, false, &s, err);
        if (r < 0)
                return r;
        vp_error sub = {0};
        if (vp_sysfs_parse_cpulist(s, strlen(s), out, &sub) < 0)
                return vp_error_at(err, -EBADMSG, file, 0, "'%s%s': %s", where, key, sub.msg);
        return 0;
}

static int get_mask(const char *file, json_object *o, const char *key, vp_isolation_mask *m,
                    vp_error *err)
{
        const char *s;
        int r = get_str(file, o, "", key, true, &s, err);
        if (r < 0 || !s)
                return r;
        vp_error sub = {0};
        if (vp_hexmask_parse(s, strlen(s), &m->orig, &m->nbits, &sub) < 0)
                return vp_error_at(err, -EBADMSG, file, 0, "'%s': %s", key, sub.msg);
        m->changed = true;
        return 0;
}

static int get_irq(const char *file, json_object *x, size_t i, vp_isolation_record *r,
                   vp_error *err)
{
        char where[48];
        snprintf(where, sizeof(where), "irqs[%zu].", i);
        json_object *n;
        if (!json_object_is_type(x, json_type_object))
                return vp_error_at(err, -EBADMSG, file, 0, "'irqs[%zu]' is not an object", i);
        if (!json_object_object_get_ex(x, "irq", &n) || !json_object_is_type(n, json_type_int))
                return vp_error_at(err, -EBADMSG, file, 0, "'%sirq' is missing or no integer",
                                   where);
        int64_t irq = json_object_get_int64(n);
        if (irq < 0 || irq > 0xfffffffeLL)
                return vp_error_at(err, -EBADMSG, file, 0, "'%sirq' %lld is out of range", where,
                                   (long long)irq);
        if (r->n_irqs && (unsigned)irq <= r->irqs[r->n_irqs - 1].irq)
                return vp_error_at(err, -EBADMSG, file, 0,
                                   "'%sirq' %lld is out of order (IRQs are sorted, each once)",
                                   where, (long long)irq);
        vp_cpuset s;
        int rc = get_list(file, x, where, "affinity", &s, err);
        if (rc < 0)
                return rc;
        if (vp_cpuset_empty(&s))
                return vp_error_at(err, -EBADMSG, file, 0, "'%saffinity' is empty", where);
        vp_isolation_record_add_irq(r, (unsigned)irq, &s);
        return 0;
}

int vp_isolation_from_json(const char *file, json_object *root, vp_isolation_record *r,
                           vp_error *err)
{
        *r = (vp_isolation_record){0};
        json_object *v;
        if (!json_object_is_type(root, json_type_object))
                return vp_error_at(err, -EBADMSG, file, 0, "not a JSON object");
        if (!json_object_object_get_ex(root, "version", &v) ||
            !json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) != VP_ISOLATION_JSON_VERSION)
                return vp_error_at(err, -EBADMSG, file, 0, "'version' is not %d",
                                   VP_ISOLATION_JSON_VERSION);
        int rc;
        if ((rc = get_list(file, root, "", "isolated", &r->isolated, err)) < 0 ||
            (rc = get_list(file, root, "", "housekeeping", &r->housekeeping, err)) < 0 ||
            (rc = get_mask(file, root, "irq_default", &r->irq_default, err)) < 0 ||
            (rc = get_mask(file, root, "workqueue", &r->workqueue, err)) < 0)
                return rc;
        if (!json_object_object_get_ex(root, "irqs", &v) ||
            !json_object_is_type(v, json_type_array))
                return vp_error_at(err, -EBADMSG, file, 0, "'irqs' is missing or no array");
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
                if ((rc = get_irq(file, json_object_array_get_idx(v, i), i, r, err)) < 0)
                        return rc;
        return 0;
}
