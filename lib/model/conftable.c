/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The key table of vmplace.ini and profiles.d/NAME.ini, and its parsers.
 * One parser signature (vp_conf_parser); a row either stores at an offset
 * (with an optional "set" flag) or is a setter that reads ctx->obj, for the
 * keys whose value lands in more than one field. */
#include "conftable.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "units.h"

#define MAX_NODES       1024 /* node numbers in nodesets */
#define MAX_VCPU_ID     16383
#define MAX_IOTHREAD_ID 16384
#define MAX_GUEST_CELLS 64
#define MAX_NUMA_NODES  (64 < VP_MAX_CPUS ? 64 : VP_MAX_CPUS)
#define SHARES_MIN      2
#define SHARES_MAX      262144
#define PERIOD_MIN      1000
#define PERIOD_MAX      1000000
#define QUOTA_MIN       1000
#define QUOTA_MAX       17592186044415LL

static const char *const sect_names[VP_SECT__COUNT] = {
    [VP_SECT_HOST] = "host",
    [VP_SECT_MATCH] = "match",
    [VP_SECT_PROFILE] = "profile",
    [VP_SECT_CPUTUNE] = "cputune",
    [VP_SECT_PLACEMENT] = "placement",
    [VP_SECT_NUMATUNE] = "numatune",
    [VP_SECT_GUEST_NUMA] = "guest_numa",
};

const char *vp_conf_sect_name(vp_conf_sect s)
{
        return s > VP_SECT_NONE && s < VP_SECT__COUNT ? sect_names[s] : NULL;
}

vp_conf_sect vp_conf_sect_find(const char *name)
{
        for (int i = 1; i < VP_SECT__COUNT; i++)
                if (strcmp(name, sect_names[i]) == 0)
                        return (vp_conf_sect)i;
        return VP_SECT_NONE;
}

/* ---- parsers: store at dst ---- */

static void set_flag(const vp_conf_ctx *c)
{
        if (c->key->set_offset)
                *(bool *)((char *)c->obj + c->key->set_offset) = true;
}

static int parse_cpuset(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        vp_cpuset s;
        int r = vp_cpuset_parse(&s, v, (unsigned)c->key->hi, err);
        if (r < 0)
                return r;
        *(vp_cpuset *)dst = s;
        set_flag(c);
        return 0;
}

static int parse_size(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)c;
        uint64_t kib;
        int r = vp_parse_size_kib(v, &kib, err);
        if (r == 0)
                *(uint64_t *)dst = kib;
        return r;
}

static void set_string(void *dst, const char *v)
{
        char **s = dst;
        free(*s);
        *s = vp_xstrdup(v);
}

static int parse_profile_ref(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)c;
        if (!vp_config_name_valid(v))
                return vp_error_set(
                    err, -EINVAL, "'%s' is not a profile name (letters, digits, '-', '_', '.')", v);
        set_string(dst, v);
        return 0;
}

static int parse_word(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)c;
        for (const char *p = v; *p; p++)
                if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
                        return vp_error_set(err, -EINVAL, "'%s' is not one word", v);
        set_string(dst, v);
        return 0;
}

static int parse_text(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)c;
        (void)err;
        set_string(dst, v);
        return 0;
}

static int parse_int(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        long long ll;
        int r = vp_parse_ll(v, c->key->lo, c->key->hi, &ll, err);
        if (r < 0)
                return r;
        *(int *)dst = (int)ll;
        set_flag(c);
        return 0;
}

static int parse_uint(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        unsigned u;
        int r = vp_parse_uint(v, (unsigned)c->key->lo, (unsigned)c->key->hi, &u, err);
        if (r == 0)
                *(unsigned *)dst = u;
        return r;
}

/* Exact lowercase word of the row's words; the error lists the choices. */
static int words_find(const vp_conf_key *k, const char *v, int *out, vp_error *err)
{
        char choices[160] = "";
        size_t off = 0, n = k->n_words;
        for (size_t i = 1; i < n; i++) {
                if (strcmp(v, k->words[i]) == 0) {
                        *out = (int)i;
                        return 0;
                }
                off += (size_t)snprintf(choices + off, sizeof(choices) - off, "%s%s",
                                        i == 1 ? "" : (i + 1 == n ? " or " : ", "), k->words[i]);
                if (off >= sizeof(choices))
                        break;
        }
        return vp_error_set(err, -EINVAL, "invalid value '%s' (expected %s)", v, choices);
}

/* dst: an enum (int-sized) */
static int parse_enum(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        int w = 0;
        int r = words_find(c->key, v, &w, err);
        if (r == 0)
                *(int *)dst = w;
        return r;
}

/* dst: a vp_opt_ll of vp_tune.q */
static int parse_scalar(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        long long ll;
        int r = vp_parse_ll(v, c->key->lo, c->key->hi, &ll, err);
        if (r == 0)
                *(vp_opt_ll *)dst = (vp_opt_ll){true, ll};
        return r;
}

/* Quotas: libvirt reads any negative as unlimited; 0 means "unset" to
 * libvirt, which is never what an admin meant. */
static int parse_quota(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        long long q;
        int r = vp_parse_ll(v, LLONG_MIN, LLONG_MAX, &q, err);
        if (r == -EINVAL)
                return r;
        if (r == -ERANGE || (q >= 0 && (q < c->key->lo || q > c->key->hi)))
                return vp_error_set(err, -ERANGE,
                                    "%s out of range (-1 for unlimited, or %lld..%lld)", v,
                                    c->key->lo, c->key->hi);
        *(vp_opt_ll *)dst = (vp_opt_ll){true, q < 0 ? -1 : q};
        return 0;
}

/* ---- setters: read ctx->obj, a vp_profile ---- */

static int set_names(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_profile *p = c->obj;
        _cleanup_free_ char *copy = vp_xstrdup(v);
        char **names = NULL;
        size_t cnt = 0;
        /* strtok_r would skip empty fields; walk them explicitly */
        for (char *s = copy;;) {
                char *comma = strchr(s, ',');
                if (comma)
                        *comma = '\0';
                char *g = vp_strstrip(s);
                if (!*g) {
                        vp_strv_free(names, cnt);
                        return vp_error_set(err, -EINVAL, "empty glob in '%s'", v);
                }
                vp_strv_push(&names, &cnt, vp_xstrdup(g));
                if (!comma)
                        break;
                s = comma + 1;
        }
        vp_strv_free(p->names, p->n_names);
        p->names = names;
        p->n_names = cnt;
        return 0;
}

static int set_vcpupin(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_tune *t = &((vp_profile *)c->obj)->tune;
        vp_cpuset s;
        int r = vp_cpuset_parse(&s, v, (unsigned)c->key->hi, err);
        if (r == 0)
                vp_pins_put(&t->vcpupin, &t->n_vcpupin, c->id, &s);
        return r;
}

static int set_iothreadpin(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_tune *t = &((vp_profile *)c->obj)->tune;
        vp_cpuset s;
        int r = vp_cpuset_parse(&s, v, (unsigned)c->key->hi, err);
        if (r == 0)
                vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, c->id, &s);
        return r;
}

static int set_nodeset(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_profile *p = c->obj;
        vp_tune *t = &p->tune;
        if (strcmp(v, "auto") == 0) {
                p->nodeset_kind = VP_NODESET_AUTO;
                t->nodeset_set = false;
                vp_cpuset_zero(&t->nodeset);
                return 0;
        }
        vp_cpuset s;
        int r = vp_cpuset_parse(&s, v, (unsigned)c->key->hi, err);
        if (r == 0) {
                p->nodeset_kind = VP_NODESET_LIST;
                t->nodeset_set = true;
                t->nodeset = s;
        }
        return r;
}

static int set_memnode_mode(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_tune *t = &((vp_profile *)c->obj)->tune;
        int m = VP_MEM_UNSET;
        int r = words_find(c->key, v, &m, err);
        if (r == 0)
                vp_memnodes_get(&t->memnodes, &t->n_memnodes, c->id)->mode = (vp_mem_mode)m;
        return r;
}

static int set_memnode_nodeset(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_tune *t = &((vp_profile *)c->obj)->tune;
        vp_cpuset s;
        int r = vp_cpuset_parse(&s, v, (unsigned)c->key->hi, err);
        if (r == 0) {
                vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, c->id);
                m->nodeset_set = true;
                m->nodeset = s;
        }
        return r;
}

static int set_cells(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_profile *p = c->obj;
        unsigned u;
        if (strcmp(v, "auto") == 0)
                p->cells_kind = VP_CELLS_AUTO;
        else if (strcmp(v, "none") == 0)
                p->cells_kind = VP_CELLS_NONE;
        else if ((*v >= '0' && *v <= '9') || *v == '-') {
                int r = vp_parse_uint(v, (unsigned)c->key->lo, (unsigned)c->key->hi, &u, err);
                if (r < 0)
                        return r;
                p->cells_kind = VP_CELLS_COUNT;
                p->cells_count = u;
        } else
                return vp_error_set(err, -EINVAL,
                                    "invalid value '%s' (expected auto, none or a number "
                                    "of cells 1..%d)",
                                    v, MAX_GUEST_CELLS);
        return 0;
}

static int set_cell_cpus(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_profile *p = c->obj;
        vp_cpuset s;
        int r = vp_cpuset_parse(&s, v, (unsigned)c->key->hi, err);
        if (r == 0) {
                vp_cell *cell = vp_cells_get(&p->tune.cells, &p->tune.n_cells, c->id);
                cell->cpus_set = true;
                cell->cpus = s;
                p->cells_kind = VP_CELLS_EXPLICIT;
        }
        return r;
}

static int set_cell_memory(const vp_conf_ctx *c, const char *v, void *dst, vp_error *err)
{
        (void)dst;
        vp_profile *p = c->obj;
        uint64_t kib;
        int r = vp_parse_size_kib(v, &kib, err);
        if (r == 0 && kib == 0)
                r = vp_error_set(err, -EINVAL, "a guest cell needs more than 0 KiB");
        if (r == 0) {
                vp_cell *cell = vp_cells_get(&p->tune.cells, &p->tune.n_cells, c->id);
                cell->memory_set = true;
                cell->memory_kib = kib;
                p->cells_kind = VP_CELLS_EXPLICIT;
        }
        return r;
}

/* ---- the table ---- */

#define H(f)        .offset = offsetof(vp_host_config, f)
#define P(f)        .offset = offsetof(vp_profile, f)
#define Q(i)        P(tune.q[i])
#define HSET(f)     .set_offset = offsetof(vp_host_config, f)
#define PSET(f)     .set_offset = offsetof(vp_profile, f)
#define SETTER      .offset = 0
#define WORDS(tab)  .words = (tab), .n_words = VP_ARRAY_SIZE(tab)
#define RANGE(a, b) .lo = (a), .hi = (b)
#define PERIOD      RANGE(PERIOD_MIN, PERIOD_MAX)
#define QUOTA       RANGE(QUOTA_MIN, QUOTA_MAX)

/* Sorted by (section, name): vp_conf_key_lookup bisects (the config is read
 * on every hook call). A setter row has offset 0. tests/sh/mankeys.py and
 * test_hostile.sh read these two tables from this file: keep each row
 * starting `{VP_SECT_X, "name", NULL,` (here) or `{VP_SECT_X, "name.",
 * "suffix",` (idkeys), one row per line start. */
static const vp_conf_key keys[] = {
    {VP_SECT_HOST, "dedicated_cpus", NULL, parse_cpuset, H(dedicated_cpus), HSET(dedicated_set),
     .hi = VP_MAX_CPUS},
    {VP_SECT_HOST, "default_profile", NULL, parse_profile_ref, H(default_profile)},
    {VP_SECT_HOST, "on_error", NULL, parse_enum, H(on_error), WORDS(vp_on_error_names)},
    {VP_SECT_HOST, "reserved_cpus", NULL, parse_cpuset, H(reserved_cpus), HSET(reserved_set),
     .hi = VP_MAX_CPUS},
    {VP_SECT_HOST, "reserved_memory", NULL, parse_size, H(reserved_memory_kib)},
    {VP_SECT_HOST, "shared_cpus", NULL, parse_cpuset, H(shared_cpus), HSET(shared_set),
     .hi = VP_MAX_CPUS},
    {VP_SECT_HOST, "strategy", NULL, parse_enum, H(strategy), WORDS(vp_strategy_names)},
    {VP_SECT_MATCH, "metadata", NULL, parse_word, P(metadata)},
    {VP_SECT_MATCH, "names", NULL, set_names, SETTER},
    {VP_SECT_MATCH, "priority", NULL, parse_int, P(priority), PSET(priority_set),
     RANGE(INT_MIN, INT_MAX)},
    {VP_SECT_PROFILE, "description", NULL, parse_text, P(description)},
    {VP_SECT_PROFILE, "include", NULL, parse_profile_ref, P(include), .flags = VP_CONF_LOCAL},
    {VP_SECT_PROFILE, "on_error", NULL, parse_enum, P(on_error), WORDS(vp_on_error_names)},
    {VP_SECT_CPUTUNE, "emulator_period", NULL, parse_scalar, Q(VP_T_EMULATOR_PERIOD), PERIOD},
    {VP_SECT_CPUTUNE, "emulator_quota", NULL, parse_quota, Q(VP_T_EMULATOR_QUOTA), QUOTA},
    {VP_SECT_CPUTUNE, "emulatorpin", NULL, parse_cpuset, P(tune.emulatorpin),
     PSET(tune.emulatorpin_set), .hi = VP_MAX_CPUS},
    {VP_SECT_CPUTUNE, "global_period", NULL, parse_scalar, Q(VP_T_GLOBAL_PERIOD), PERIOD},
    {VP_SECT_CPUTUNE, "global_quota", NULL, parse_quota, Q(VP_T_GLOBAL_QUOTA), QUOTA},
    {VP_SECT_CPUTUNE, "iothread_period", NULL, parse_scalar, Q(VP_T_IOTHREAD_PERIOD), PERIOD},
    {VP_SECT_CPUTUNE, "iothread_quota", NULL, parse_quota, Q(VP_T_IOTHREAD_QUOTA), QUOTA},
    {VP_SECT_CPUTUNE, "shares", NULL, parse_scalar, Q(VP_T_SHARES), RANGE(SHARES_MIN, SHARES_MAX)},
    {VP_SECT_CPUTUNE, "vcpu_period", NULL, parse_scalar, Q(VP_T_VCPU_PERIOD), PERIOD},
    {VP_SECT_CPUTUNE, "vcpu_quota", NULL, parse_quota, Q(VP_T_VCPU_QUOTA), QUOTA},
    {VP_SECT_CPUTUNE, "vcpus", NULL, parse_cpuset, P(tune.vcpu_cpuset), PSET(tune.vcpu_cpuset_set),
     .hi = VP_MAX_CPUS},
    {VP_SECT_PLACEMENT, "cpu_policy", NULL, parse_enum, P(cpu_policy), WORDS(vp_cpu_policy_names)},
    {VP_SECT_PLACEMENT, "emulator_policy", NULL, parse_enum, P(emulator_policy),
     WORDS(vp_emu_policy_names)},
    {VP_SECT_PLACEMENT, "isolation", NULL, parse_enum, P(isolation), WORDS(vp_isolation_names)},
    {VP_SECT_PLACEMENT, "numa_nodes", NULL, parse_uint, P(numa_nodes), RANGE(1, MAX_NUMA_NODES)},
    {VP_SECT_PLACEMENT, "strategy", NULL, parse_enum, P(strategy), WORDS(vp_strategy_names)},
    {VP_SECT_PLACEMENT, "thread_policy", NULL, parse_enum, P(thread_policy),
     WORDS(vp_thread_policy_names)},
    {VP_SECT_NUMATUNE, "mode", NULL, parse_enum, P(tune.mem_mode), WORDS(vp_mem_mode_names)},
    {VP_SECT_NUMATUNE, "nodeset", NULL, set_nodeset, SETTER, .hi = MAX_NODES},
    {VP_SECT_GUEST_NUMA, "cells", NULL, set_cells, SETTER, RANGE(1, MAX_GUEST_CELLS),
     .flags = VP_CONF_CELLS_FORM},
};

/* Keys carrying an id: NAME N SUFFIX, all setters. */
static const vp_conf_key idkeys[] = {
    {VP_SECT_CPUTUNE, "vcpupin.", "", set_vcpupin, .hi = VP_MAX_CPUS, .id_lo = 0,
     .id_hi = MAX_VCPU_ID, .id_what = "vCPU id"},
    {VP_SECT_CPUTUNE, "iothreadpin.", "", set_iothreadpin, .hi = VP_MAX_CPUS, .id_lo = 1,
     .id_hi = MAX_IOTHREAD_ID, .id_what = "iothread id"},
    {VP_SECT_NUMATUNE, "memnode.", ".mode", set_memnode_mode, WORDS(vp_mem_mode_names),
     .id_hi = MAX_GUEST_CELLS - 1, .id_what = "guest cell id"},
    {VP_SECT_NUMATUNE, "memnode.", ".nodeset", set_memnode_nodeset, .hi = MAX_NODES,
     .id_hi = MAX_GUEST_CELLS - 1, .id_what = "guest cell id"},
    {VP_SECT_GUEST_NUMA, "cell.", ".cpus", set_cell_cpus, .hi = VP_MAX_CPUS,
     .id_hi = MAX_GUEST_CELLS - 1, .id_what = "guest cell id", .flags = VP_CONF_CELL_KEY},
    {VP_SECT_GUEST_NUMA, "cell.", ".memory", set_cell_memory, .id_hi = MAX_GUEST_CELLS - 1,
     .id_what = "guest cell id", .flags = VP_CONF_CELL_KEY},
};

const vp_conf_key *vp_conf_plain_keys(size_t *n)
{
        *n = VP_ARRAY_SIZE(keys);
        return keys;
}

const vp_conf_key *vp_conf_id_keys(size_t *n)
{
        *n = VP_ARRAY_SIZE(idkeys);
        return idkeys;
}

/* ---- lookup ---- */

static const vp_conf_key *find_plain(vp_conf_sect sect, const char *name)
{
        size_t lo = 0, hi = VP_ARRAY_SIZE(keys);
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                const vp_conf_key *k = &keys[mid];
                int c = sect != k->sect ? (sect < k->sect ? -1 : 1) : strcmp(name, k->name);
                if (c == 0)
                        return k;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

int vp_conf_key_lookup(vp_conf_sect sect, bool is_host, const char *key, const vp_conf_key **row,
                       unsigned *id, vp_error *err)
{
        *id = 0;
        if ((*row = find_plain(sect, key)))
                return 0;
        for (size_t i = 0; i < VP_ARRAY_SIZE(idkeys); i++) {
                const vp_conf_key *d = &idkeys[i];
                size_t pl = strlen(d->name);
                if (d->sect != sect || strncmp(key, d->name, pl) != 0)
                        continue;
                const char *tok = key + pl;
                const char *dot = strchr(tok, '.');
                const char *tail = dot ? dot : tok + strlen(tok);
                if (strcmp(tail, d->suffix) != 0)
                        continue;
                size_t tl = (size_t)(tail - tok);
                bool digits = tl > 0 && !(tl > 1 && tok[0] == '0');
                for (size_t k = 0; k < tl; k++)
                        if (tok[k] < '0' || tok[k] > '9')
                                digits = false;
                if (!digits)
                        return vp_error_set(err, -EINVAL, "%s: invalid %s '%.*s' (%u..%u)", key,
                                            d->id_what, (int)tl, tok, d->id_lo, d->id_hi);
                _cleanup_free_ char *num = strndup(tok, tl);
                vp_error e;
                if (!num)
                        abort();
                if (vp_parse_uint(num, d->id_lo, d->id_hi, id, &e) < 0)
                        return vp_error_set(err, -EINVAL, "%s: %s %s", key, d->id_what, e.msg);
                *row = d;
                return 0;
        }
        /* a hint for keys put under the wrong header */
        for (size_t i = 0; i < VP_ARRAY_SIZE(keys); i++)
                if (strcmp(keys[i].name, key) == 0 && (keys[i].sect == VP_SECT_HOST) == is_host)
                        return vp_error_set(err, -EINVAL,
                                            "unknown key '%s' in [%s] (it belongs in [%s])", key,
                                            sect_names[sect], sect_names[keys[i].sect]);
        return vp_error_set(err, -EINVAL, "unknown key '%s' in [%s]", key, sect_names[sect]);
}

const vp_conf_key *vp_conf_key_get(vp_conf_sect sect, const char *name, const char *suffix)
{
        if (!suffix) {
                const vp_conf_key *k = find_plain(sect, name);
                if (k)
                        return k;
        } else
                for (size_t i = 0; i < VP_ARRAY_SIZE(idkeys); i++)
                        if (idkeys[i].sect == sect && strcmp(idkeys[i].name, name) == 0 &&
                            strcmp(idkeys[i].suffix, suffix) == 0)
                                return &idkeys[i];
        abort();
}

int vp_conf_apply(const vp_conf_key *row, unsigned id, void *obj, const char *value, vp_error *err)
{
        vp_conf_ctx ctx = {.key = row, .id = id, .obj = obj};
        return row->parse(&ctx, value, (char *)obj + row->offset, err);
}
