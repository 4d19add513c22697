/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger's JSON text (ledgerjson.h): parsed with json-c from memory,
 * every member checked with a one-line message naming the file, entry and
 * value; rendered by hand to the bytes json-c would print. */
#include "ledgerjson.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "jsontext.h"
#include "units.h"

/* A sum that stops at UINT64_MAX instead of wrapping. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- parse ---- */

/* The members of an entry or a previous record, in the order save writes
 * them. */
enum {
        K_NAME,
        K_UUID,
        K_PROFILE,
        K_MATCHED_BY,
        K_STATE,
        K_KIND,
        K_HELD,
        K_VCPU_CPUS,
        K_EMULATOR_CPUS,
        K_NODES,
        K_MEMORY,
        K_CREATED,
        K_PID,
        K_STARTER_PID,
        K_STARTER_START,
        K_COMMIT,
        K_RELEASED,
        K_ISOLATION,
        K_COUNT,
};
static const char *const member_keys[K_COUNT] = {
    [K_NAME] = "name",
    [K_UUID] = "uuid",
    [K_PROFILE] = "profile",
    [K_MATCHED_BY] = "matched_by",
    [K_STATE] = "state",
    [K_KIND] = "kind",
    [K_HELD] = "held",
    [K_VCPU_CPUS] = "vcpu_cpus",
    [K_EMULATOR_CPUS] = "emulator_cpus",
    [K_NODES] = "nodes",
    [K_MEMORY] = "memory",
    [K_CREATED] = "created",
    [K_PID] = "pid",
    [K_STARTER_PID] = "starter_pid",
    [K_STARTER_START] = "starter_start",
    [K_COMMIT] = "commit",
    [K_RELEASED] = "released",
    [K_ISOLATION] = "isolation",
};

typedef struct load_ctx {
        const char *file;
        const char *what; /* "entry" or "previous" */
        size_t idx;
        vp_error *err;
        /* the object's members by K_*: has[k] when present, v[k] its value
         * (NULL for a JSON null) */
        json_object *v[K_COUNT];
        bool has[K_COUNT];
} load_ctx;

/* The order save writes an entry's and a previous record's members in. */
static const int entry_order[] = {
    K_NAME,      K_UUID, K_PROFILE,     K_MATCHED_BY,    K_STATE, K_KIND,
    K_ISOLATION, K_HELD, K_VCPU_CPUS,   K_EMULATOR_CPUS, K_NODES, K_MEMORY,
    K_CREATED,   K_PID,  K_STARTER_PID, K_STARTER_START, K_COMMIT};
static const int prev_order[] = {K_UUID, K_HELD, K_EMULATOR_CPUS, K_RELEASED};

/* Fill c->v and c->has from o in one pass over its members instead of a
 * hash lookup per key: the key save writes next (order[]) is tried first
 * and is nearly always the one; else any known key. Unknown keys are
 * ignored. */
static void collect_members(load_ctx *c, json_object *o, const int *order, size_t n_order)
{
        size_t pos = 0;
        json_object_object_foreach(o, key, val)
        {
                int k = pos < n_order ? order[pos] : -1;
                if (k < 0 || strcmp(key, member_keys[k]) != 0) {
                        for (k = 0; k < K_COUNT; k++)
                                if (key[0] == member_keys[k][0] && strcmp(key, member_keys[k]) == 0)
                                        break;
                        if (k == K_COUNT)
                                continue;
                        for (pos = 0; pos < n_order && order[pos] != k; pos++)
                                ;
                }
                c->v[k] = val;
                c->has[k] = true;
                pos++;
        }
}

/* Quote a value for a one-line message: control characters become '?',
 * long values are cut. */
static const char *sanitize(const char *s, char *buf, size_t len)
{
        size_t o = 0;
        for (; s && *s && o + 4 < len; s++)
                buf[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
        if (s && *s) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

static const char *render(json_object *v, char *buf, size_t len)
{
        return sanitize(json_object_is_type(v, json_type_string)
                            ? json_object_get_string(v)
                            : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
                        buf, len);
}

static int bad(const load_ctx *c, const char *key, json_object *v, const char *why)
{
        char b[96];
        return vp_error_at(c->err, -EBADMSG, c->file, 0, "%s %zu: bad '%s' value '%s': %s", c->what,
                           c->idx, key, render(v, b, sizeof(b)), why);
}

static int missing(const load_ctx *c, const char *key)
{
        return vp_error_at(c->err, -EBADMSG, c->file, 0, "%s %zu: missing '%s'", c->what, c->idx,
                           key);
}

/* Member k as a string that stays valid while the tree lives: *out NULL
 * when absent or null and nullable. */
static int get_str_ref(const load_ctx *c, int k, bool nullable, const char **out)
{
        const char *key = member_keys[k];
        json_object *v = c->v[k];
        *out = NULL;
        if (!c->has[k])
                return nullable ? 0 : missing(c, key);
        if (!v && nullable)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return bad(c, key, v, nullable ? "expected a string or null" : "expected a string");
        const char *s = json_object_get_string(v);
        if ((size_t)json_object_get_string_len(v) != strlen(s))
                return bad(c, key, v, "contains a NUL character");
        if (!*s && !nullable)
                return bad(c, key, v, "must not be empty");
        *out = s;
        return 0;
}

static int get_string(const load_ctx *c, int k, bool nullable, char **out)
{
        const char *s;
        int r = get_str_ref(c, k, nullable, &s);
        *out = s ? vp_xstrdup(s) : NULL;
        return r;
}

static int get_uuid(const load_ctx *c, char **out)
{
        json_object *v = c->v[K_UUID];
        *out = NULL;
        if (!c->has[K_UUID])
                return missing(c, "uuid");
        if (!json_object_is_type(v, json_type_string) || !vp_uuid_valid(json_object_get_string(v)))
                return bad(c, "uuid", v, "expected a UUID like 8-4-4-4-12 hex digits");
        *out = vp_xstrdup(json_object_get_string(v));
        vp_uuid_lower(*out);
        return 0;
}

static int get_cpuset(const load_ctx *c, int k, vp_cpumask *out)
{
        const char *key = member_keys[k];
        json_object *v = c->v[k];
        vp_cpumask_free(out);
        if (!c->has[k])
                return missing(c, key);
        if (!json_object_is_type(v, json_type_string))
                return bad(c, key, v, "expected a cpuset string");
        const char *s = json_object_get_string(v);
        if (!*s)
                return 0;
        vp_error perr;
        vp_cpuset set;
        if ((size_t)json_object_get_string_len(v) != strlen(s) ||
            vp_cpuset_parse(&set, s, VP_MAX_CPUS, &perr) < 0)
                return bad(c, key, v, "expected a cpuset like \"0-3,8\" or \"\"");
        vp_cpumask_set(out, &set);
        return 0;
}

/* json-c clamps out-of-range integers to INT64_MIN/INT64_MAX, so the limits
 * stay strictly inside them to catch overflow. */
static bool int_in_range(json_object *v, int64_t min, int64_t max, int64_t *out)
{
        if (!json_object_is_type(v, json_type_int))
                return false;
        int64_t x = json_object_get_int64(v);
        if (x < min || x > max || x == INT64_MAX || x == INT64_MIN)
                return false;
        *out = x;
        return true;
}

static int int_value(const load_ctx *c, const char *key, json_object *v, int64_t min, int64_t max,
                     int64_t *out)
{
        if (int_in_range(v, min, max, out))
                return 0;
        return bad(c, key, v,
                   json_object_is_type(v, json_type_int) ? "out of range" : "expected an integer");
}

static int get_int(const load_ctx *c, int k, bool optional, int64_t min, int64_t max, int64_t *out)
{
        *out = 0;
        if (!c->has[k])
                return optional ? 0 : missing(c, member_keys[k]);
        return int_value(c, member_keys[k], c->v[k], min, max, out);
}

static int get_memory(const load_ctx *c, vp_ledger_entry *e)
{
        json_object *v = c->v[K_MEMORY];
        if (!c->has[K_MEMORY])
                return missing(c, "memory");
        if (!json_object_is_type(v, json_type_object))
                return bad(c, "memory", v, "expected an object of node to KiB");
        size_t n = (size_t)json_object_object_length(v), i = 0;
        uint64_t total = 0;
        e->mem = vp_xcalloc(n, sizeof(*e->mem));
        json_object_object_foreach(v, key, val)
        {
                uint64_t node;
                int64_t kib;
                if (vp_parse_u64(key, &node) < 0 || node >= VP_MAX_CPUS) {
                        json_object *k = json_object_new_string(key);
                        char b[96];
                        vp_error_set(c->err, -EBADMSG,
                                     "%s: %s %zu: bad 'memory' key '%s': expected a node number",
                                     c->file, c->what, c->idx, render(k, b, sizeof(b)));
                        json_object_put(k);
                        return -EBADMSG;
                }
                if (!int_in_range(val, 0, INT64_MAX - 1, &kib)) {
                        /* the field's name only for the message */
                        char field[40];
                        snprintf(field, sizeof(field), "memory.%u", (unsigned)node);
                        return int_value(c, field, val, 0, INT64_MAX - 1, &kib);
                }
                e->mem[i++] = (vp_ledger_mem){.node = (unsigned)node, .kib = (uint64_t)kib};
                total = add_sat(total, (uint64_t)kib);
        }
        e->n_mem = i;
        /* An entry is one domain's memory, which libvirt caps at LLONG_MAX bytes: more is
         * damage, and its sum wrapped in status, topology and plan --json. */
        if (total > VP_MEMORY_MAX_KIB) {
                char msg[96];
                snprintf(msg, sizeof(msg), "adds up to more than a domain can have (%llu KiB)",
                         (unsigned long long)VP_MEMORY_MAX_KIB);
                return bad(c, "memory", v, msg);
        }
        vp_ledger_mem_normalise(e);
        return 0;
}

static int parse_entry(load_ctx *c, json_object *o, vp_ledger_entry *e)
{
        if (!json_object_is_type(o, json_type_object))
                return vp_error_at(c->err, -EBADMSG, c->file, 0, "%s %zu: not an object", c->what,
                                   c->idx);
        collect_members(c, o, entry_order, VP_ARRAY_SIZE(entry_order));
        const char *kind;
        int64_t created, pid, starter_pid, starter_start;
        int r;
        if ((r = get_string(c, K_NAME, false, &e->name)) < 0 || (r = get_uuid(c, &e->uuid)) < 0 ||
            (r = get_string(c, K_PROFILE, true, &e->profile)) < 0 ||
            (r = get_string(c, K_MATCHED_BY, true, &e->matched_by)) < 0 ||
            (r = get_string(c, K_STATE, false, &e->state)) < 0 ||
            (r = get_str_ref(c, K_KIND, false, &kind)) < 0)
                return r;
        if (vp_entry_kind_from_name(kind, &e->kind) < 0)
                return bad(c, "kind", c->v[K_KIND], "expected dedicated, shared or none");
        /* absent in ledgers from before isolation: none */
        const char *iso;
        if ((r = get_str_ref(c, K_ISOLATION, true, &iso)) < 0)
                return r;
        if (iso && strcmp(iso, "host") != 0 && strcmp(iso, "none") != 0)
                return bad(c, "isolation", c->v[K_ISOLATION], "expected host or none");
        e->isolated = iso && !strcmp(iso, "host");
        if ((r = get_cpuset(c, K_HELD, &e->held)) < 0 ||
            (r = get_cpuset(c, K_VCPU_CPUS, &e->vcpu_cpus)) < 0 ||
            (r = get_cpuset(c, K_EMULATOR_CPUS, &e->emulator_cpus)) < 0 ||
            (r = get_cpuset(c, K_NODES, &e->nodes)) < 0 || (r = get_memory(c, e)) < 0 ||
            (r = get_int(c, K_CREATED, false, 0, INT64_MAX - 1, &created)) < 0 ||
            (r = get_int(c, K_PID, true, 0, INT_MAX, &pid)) < 0 ||
            (r = get_int(c, K_STARTER_PID, true, 0, INT_MAX, &starter_pid)) < 0 ||
            (r = get_int(c, K_STARTER_START, true, 0, INT64_MAX - 1, &starter_start)) < 0 ||
            (r = get_string(c, K_COMMIT, true, &e->commit)) < 0)
                return r;
        e->created = created;
        e->pid = (long)pid;
        e->starter_pid = (long)starter_pid;
        e->starter_start = (uint64_t)starter_start;
        return 0;
}

static int parse_prev(load_ctx *c, json_object *o, vp_ledger_prev *p)
{
        if (!json_object_is_type(o, json_type_object))
                return vp_error_at(c->err, -EBADMSG, c->file, 0, "%s %zu: not an object", c->what,
                                   c->idx);
        collect_members(c, o, prev_order, VP_ARRAY_SIZE(prev_order));
        int r;
        if ((r = get_uuid(c, &p->uuid)) < 0 || (r = get_cpuset(c, K_HELD, &p->held)) < 0 ||
            (r = get_cpuset(c, K_EMULATOR_CPUS, &p->emulator_cpus)) < 0 ||
            (r = get_int(c, K_RELEASED, false, 0, INT64_MAX - 1, &p->released)) < 0)
                return r;
        return 0;
}

/* The first entry (in file order) whose uuid or name repeats an earlier
 * one, reported as the entry-by-entry check always did; only looked for
 * when vp_ledger_repeats found one. Returns -EBADMSG. */
static int report_repeat(const char *file, const vp_ledger *l, vp_error *err)
{
        for (size_t i = 1; i < l->n; i++)
                for (size_t j = 0; j < i; j++) {
                        if (strcmp(l->entries[j].uuid, l->entries[i].uuid) == 0)
                                return vp_error_set(err, -EBADMSG,
                                                    "%s: entry %zu: uuid %s repeats entry %zu",
                                                    file, i, l->entries[i].uuid, j);
                        if (strcmp(l->entries[j].name, l->entries[i].name) == 0) {
                                char b[96];
                                return vp_error_set(
                                    err, -EBADMSG, "%s: entry %zu: name '%s' repeats entry %zu",
                                    file, i, sanitize(l->entries[i].name, b, sizeof(b)), j);
                        }
                }
        return 0;
}

static int parse_ledger(const char *file, json_object *root, vp_ledger *l, vp_error *err)
{
        json_object *v, *entries, *prev = NULL;
        if (!json_object_is_type(root, json_type_object))
                return vp_error_at(err, -EBADMSG, file, 0, "top level is not a JSON object");
        if (!json_object_object_get_ex(root, "version", &v))
                return vp_error_at(err, -EBADMSG, file, 0, "missing 'version'");
        if (!json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) != VP_LEDGER_JSON_VERSION) {
                char b[96];
                return vp_error_set(err, -EBADMSG,
                                    "%s: unsupported version '%s' (this vmplace reads version %d)",
                                    file, render(v, b, sizeof(b)), VP_LEDGER_JSON_VERSION);
        }
        if (!json_object_object_get_ex(root, "entries", &entries))
                return vp_error_at(err, -EBADMSG, file, 0, "missing 'entries'");
        if (!json_object_is_type(entries, json_type_array))
                return vp_error_at(err, -EBADMSG, file, 0, "'entries' is not an array");
        if (json_object_object_get_ex(root, "previous", &prev) && prev &&
            !json_object_is_type(prev, json_type_array))
                return vp_error_at(err, -EBADMSG, file, 0, "'previous' is not an array");

        /* Entries are parsed up to the first bad one; a uuid or name that
         * repeats an earlier entry's is an error of the later entry, and
         * the first entry in the file with either problem is the one
         * reported, as when each entry was compared with all before it. */
        size_t n = json_object_array_length(entries);
        l->entries = vp_xcalloc(n, sizeof(*l->entries));
        int bad_r = 0;
        vp_error bad_err;
        for (size_t i = 0; i < n; i++) {
                load_ctx c = {.file = file, .what = "entry", .idx = i, .err = &bad_err};
                bad_r = parse_entry(&c, json_object_array_get_idx(entries, i), &l->entries[i]);
                l->n = i + 1; /* so vp_ledger_free sees the partial entry */
                if (bad_r < 0)
                        break;
        }
        size_t good = bad_r < 0 ? l->n - 1 : l->n;
        if (good > 1 && vp_ledger_repeats(l->entries, good, true)) {
                vp_ledger tmp = {.entries = l->entries, .n = good};
                return report_repeat(file, &tmp, err);
        }
        if (bad_r < 0) {
                if (err)
                        *err = bad_err;
                return bad_r;
        }
        /* save writes them sorted: sorts only a file that is not */
        vp_ledger_sort(l);

        /* Appended as they come: remove never writes two records of one uuid,
         * and vp_ledger_previous looks newest first anyway. Beyond the cap
         * (a file from elsewhere) the oldest go. */
        size_t np = prev ? json_object_array_length(prev) : 0;
        size_t first = np > VP_LEDGER_PREVIOUS_MAX ? np - VP_LEDGER_PREVIOUS_MAX : 0;
        l->prev = vp_xcalloc(np - first, sizeof(*l->prev));
        for (size_t i = first; i < np; i++) {
                load_ctx c = {.file = file, .what = "previous", .idx = i, .err = err};
                int r = parse_prev(&c, json_object_array_get_idx(prev, i), &l->prev[l->n_prev]);
                l->n_prev++;
                if (r < 0)
                        return r;
        }
        return 0;
}

int vp_ledger_json_parse(const char *file, const char *text, size_t len, vp_ledger *l,
                         vp_error *err)
{
        memset(l, 0, sizeof(*l));
        _cleanup_json_ json_object *root = NULL;
        int r = vp_json_parse(file, text, len, &root, err);
        if (r < 0)
                return r;
        r = parse_ledger(file, root, l, err);
        if (r < 0)
                vp_ledger_free(l);
        return r;
}

/* ---- render ---- */

/* Whether e->mem[m] is the first element with its node, and then in *kib
 * the memory committed on that node by e: an entry not put through
 * vp_ledger_put may repeat a node, and the file gets one key per node, the
 * sum, at its first place. */
static bool mem_on_node(const vp_ledger_entry *e, size_t m, uint64_t *kib)
{
        for (size_t k = 0; k < m; k++)
                if (e->mem[k].node == e->mem[m].node)
                        return false;
        *kib = e->mem[m].kib;
        for (size_t k = m + 1; k < e->n_mem; k++)
                if (e->mem[k].node == e->mem[m].node)
                        *kib = add_sat(*kib, e->mem[k].kib);
        return true;
}

static int check_entry(const char *path, const vp_ledger_entry *e, vp_error *err)
{
        if (!e->name || !*e->name || !vp_uuid_valid(e->uuid) || !e->state || !*e->state)
                return vp_error_set(err, -EINVAL,
                                    "%s: refusing to save entry '%s' (%s): needs a name, a "
                                    "canonical uuid and a state",
                                    path, e->name ? e->name : "", e->uuid ? e->uuid : "no uuid");
        if ((unsigned)e->kind > VP_KIND_DEDICATED || e->created < 0 || e->created == INT64_MAX ||
            e->pid < 0 || e->pid > INT_MAX)
                return vp_error_set(err, -EINVAL,
                                    "%s: refusing to save entry '%s': bad kind, "
                                    "created or pid",
                                    path, e->name);
        /* a repeated node's sum too: load refuses INT64_MAX and beyond */
        for (size_t m = 0; m < e->n_mem; m++) {
                uint64_t kib = 0;
                if (e->mem[m].node >= VP_MAX_CPUS ||
                    (mem_on_node(e, m, &kib) && kib >= (uint64_t)INT64_MAX))
                        return vp_error_set(err, -EINVAL,
                                            "%s: refusing to save entry '%s': memory on node %u "
                                            "out of range",
                                            path, e->name, e->mem[m].node);
        }
        uint64_t total = 0;
        for (size_t m = 0; m < e->n_mem; m++)
                total = add_sat(total, e->mem[m].kib);
        if (total > VP_MEMORY_MAX_KIB)
                return vp_error_set(err, -EINVAL,
                                    "%s: refusing to save entry '%s': memory adds up to more "
                                    "than a domain can have",
                                    path, e->name);
        return 0;
}

static void put_cpuset(vp_buf *b, bool first, unsigned level, const char *key, const vp_cpumask *m)
{
        vp_cpuset set = vp_cpumask_get(m);
        const vp_cpuset *s = &set;
        vp_jbuf_key(b, first, level, key);
        /* a cpuset's text needs no escaping; most fit a small buffer, else
         * room for the worst case as vp_cpuset_format makes it */
        char small[256];
        vp_cpuset_fmt(s, small, sizeof(small));
        size_t n = strlen(small);
        if (n >= sizeof(small) - 4) {
                size_t room = (size_t)vp_cpuset_count(s) * 6 + 3;
                vp_buf_reserve(b, room);
                b->s[b->len++] = '"';
                vp_cpuset_fmt(s, b->s + b->len, room - 2);
                b->len += strlen(b->s + b->len);
                vp_buf_add(b, "\"", 1);
                return;
        }
        vp_buf_reserve(b, n + 2);
        b->s[b->len++] = '"';
        memcpy(b->s + b->len, small, n);
        b->len += n;
        b->s[b->len++] = '"';
        b->s[b->len] = '\0';
}

static void put_str_or_null(vp_buf *b, const char *s)
{
        if (s)
                vp_jbuf_put_str(b, s);
        else
                vp_buf_str(b, "null");
}

/* One element of "entries" at level 2, its members at 3, as the json-c tree
 * this replaced printed it. */
static void put_entry(vp_buf *b, const vp_ledger_entry *e)
{
        vp_buf_str(b, "{");
        vp_jbuf_key(b, true, 3, "name");
        vp_jbuf_put_str(b, e->name);
        vp_jbuf_key(b, false, 3, "uuid");
        vp_jbuf_put_str(b, e->uuid);
        vp_jbuf_key(b, false, 3, "profile");
        put_str_or_null(b, e->profile);
        vp_jbuf_key(b, false, 3, "matched_by");
        put_str_or_null(b, e->matched_by);
        vp_jbuf_key(b, false, 3, "state");
        vp_jbuf_put_str(b, e->state);
        vp_jbuf_key(b, false, 3, "kind");
        vp_jbuf_put_str(b, vp_entry_kind_name(e->kind));
        if (e->isolated) {
                vp_jbuf_key(b, false, 3, "isolation");
                vp_jbuf_put_str(b, "host");
        }
        put_cpuset(b, false, 3, "held", &e->held);
        put_cpuset(b, false, 3, "vcpu_cpus", &e->vcpu_cpus);
        put_cpuset(b, false, 3, "emulator_cpus", &e->emulator_cpus);
        put_cpuset(b, false, 3, "nodes", &e->nodes);
        vp_jbuf_key(b, false, 3, "memory");
        vp_buf_str(b, "{");
        bool first = true;
        for (size_t m = 0; m < e->n_mem; m++) {
                uint64_t kib;
                if (!mem_on_node(e, m, &kib))
                        continue;
                /* the key is the node number: no escaping, no snprintf */
                vp_jbuf_next(b, first, 4);
                vp_buf_add(b, "\"", 1);
                vp_jbuf_put_i64(b, e->mem[m].node);
                vp_buf_add(b, "\": ", 3);
                vp_jbuf_put_i64(b, (int64_t)kib);
                first = false;
        }
        vp_jbuf_close(b, 3, '}');
        vp_jbuf_key(b, false, 3, "created");
        vp_jbuf_put_i64(b, e->created);
        vp_jbuf_key(b, false, 3, "pid");
        vp_jbuf_put_i64(b, e->pid);
        if (e->starter_pid > 0) {
                vp_jbuf_key(b, false, 3, "starter_pid");
                vp_jbuf_put_i64(b, e->starter_pid);
                vp_jbuf_key(b, false, 3, "starter_start");
                vp_jbuf_put_i64(b, (int64_t)e->starter_start);
        }
        if (e->commit) {
                vp_jbuf_key(b, false, 3, "commit");
                vp_jbuf_put_str(b, e->commit);
        }
        vp_jbuf_close(b, 2, '}');
}

static void put_prev(vp_buf *b, const vp_ledger_prev *p)
{
        char uuid[37];
        memcpy(uuid, p->uuid, sizeof(uuid));
        vp_uuid_lower(uuid);
        vp_buf_str(b, "{");
        vp_jbuf_key(b, true, 3, "uuid");
        vp_jbuf_put_str(b, uuid);
        put_cpuset(b, false, 3, "held", &p->held);
        put_cpuset(b, false, 3, "emulator_cpus", &p->emulator_cpus);
        vp_jbuf_key(b, false, 3, "released");
        vp_jbuf_put_i64(b, p->released);
        vp_jbuf_close(b, 2, '}');
}

/* The text is written directly, not through a json-c tree: building,
 * printing and freeing the tree was most of a save's cost. The bytes are
 * those json-c printed (jsontext.h), and the fuzzer and the unit tests check
 * that json-c reprints a saved file to the same bytes. */
int vp_ledger_json_render(const char *file, const vp_ledger *l, vp_buf *out, vp_error *err)
{
        for (size_t i = 0; i < l->n; i++) {
                int r = check_entry(file, &l->entries[i], err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < l->n_prev; i++)
                if (!vp_uuid_valid(l->prev[i].uuid) || l->prev[i].released < 0 ||
                    l->prev[i].released == INT64_MAX)
                        return vp_error_set(err, -EINVAL,
                                            "%s: refusing to save previous record %zu: bad uuid "
                                            "or release time",
                                            file, i);

        /* only the newest VP_LEDGER_PREVIOUS_MAX, as load would keep */
        size_t first = l->n_prev > VP_LEDGER_PREVIOUS_MAX ? l->n_prev - VP_LEDGER_PREVIOUS_MAX : 0;
        vp_buf *b = out;
        /* about what an entry and a record take, so it seldom grows */
        vp_buf_reserve(b, 64 + l->n * 640 + (l->n_prev - first) * 192);
        vp_buf_str(b, "{");
        vp_jbuf_key(b, true, 1, "version");
        vp_jbuf_put_i64(b, VP_LEDGER_JSON_VERSION);
        vp_jbuf_key(b, false, 1, "entries");
        vp_buf_str(b, "[");
        for (size_t i = 0; i < l->n; i++) {
                vp_jbuf_next(b, i == 0, 2);
                put_entry(b, &l->entries[i]);
        }
        vp_jbuf_close(b, 1, ']');
        vp_jbuf_key(b, false, 1, "previous");
        vp_buf_str(b, "[");
        for (size_t i = first; i < l->n_prev; i++) {
                vp_jbuf_next(b, i == first, 2);
                put_prev(b, &l->prev[i]);
        }
        vp_jbuf_close(b, 1, ']');
        vp_jbuf_close(b, 0, '}');
        vp_buf_add(b, "\n", 1);
        return 0;
}
