/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger model (ledger.h): entries kept sorted by name then uuid, one
 * per domain, with the CPUs of released domains remembered for restarts.
 * Pure: the store (ledgerstore.c) reads and writes it. */
#include "ledger.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[] = {
    [VP_KIND_NONE] = "none",
    [VP_KIND_SHARED] = "shared",
    [VP_KIND_DEDICATED] = "dedicated",
};

const char *vp_entry_kind_name(vp_entry_kind k)
{
        if ((unsigned)k < VP_ARRAY_SIZE(kind_names) && kind_names[k])
                return kind_names[k];
        return "invalid";
}

int vp_entry_kind_from_name(const char *s, vp_entry_kind *out)
{
        for (unsigned i = 0; i < VP_ARRAY_SIZE(kind_names); i++)
                if (kind_names[i] && strcmp(s, kind_names[i]) == 0) {
                        *out = (vp_entry_kind)i;
                        return 0;
                }
        return -EINVAL;
}

/* Hex digits by table, not isxdigit() (a call per character): the sweeps
 * check a uuid per file. */
static const bool is_hex[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

/* n hex digits at s (a NUL ends the run early: not hex) */
static bool hex_run(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!is_hex[(unsigned char)s[i]])
                        return false;
        return true;
}

bool vp_uuid_valid(const char *uuid)
{
        const char *u = uuid;
        return u && hex_run(u, 8) && u[8] == '-' && hex_run(u + 9, 4) && u[13] == '-' &&
               hex_run(u + 14, 4) && u[18] == '-' && hex_run(u + 19, 4) && u[23] == '-' &&
               hex_run(u + 24, 12) && u[36] == '\0';
}

/* UUIDs compare case-insensitively; the ledger stores and names files in
 * lower case so one domain never gets two spellings. */
void vp_uuid_lower(char *uuid)
{
        for (char *p = uuid; p && *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
}

static bool uuid_eq(const char *a, const char *b)
{
        return a && b && strcasecmp(a, b) == 0;
}

/* ---- entries ---- */

/* Room for n elements of size sz in p, growing geometrically. The arrays
 * carry no capacity field, so ask the allocator what p really holds; that
 * also stays right for arrays a caller allocated itself. */
static void *grow(void *p, size_t n, size_t sz)
{
        if (p && malloc_usable_size(p) >= n * sz)
                return p;
        return vp_xrealloc(p, (n < 8 ? 8 : n * 2) * sz);
}

void vp_ledger_entry_free(vp_ledger_entry *e)
{
        if (!e)
                return;
        free(e->name);
        free(e->uuid);
        free(e->profile);
        free(e->matched_by);
        free(e->state);
        free(e->mem);
        free(e->commit);
        vp_cpumask_free(&e->held);
        vp_cpumask_free(&e->vcpu_cpus);
        vp_cpumask_free(&e->emulator_cpus);
        vp_cpumask_free(&e->nodes);
        memset(e, 0, sizeof(*e));
}

static void prev_free(vp_ledger_prev *p)
{
        free(p->uuid);
        vp_cpumask_free(&p->held);
        vp_cpumask_free(&p->emulator_cpus);
}

void vp_ledger_free(vp_ledger *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                vp_ledger_entry_free(&l->entries[i]);
        free(l->entries);
        for (size_t i = 0; i < l->n_prev; i++)
                prev_free(&l->prev[i]);
        free(l->prev);
        free(l->kept);
        memset(l, 0, sizeof(*l));
}

static int entry_cmp(const vp_ledger_entry *a, const vp_ledger_entry *b)
{
        int r = strcmp(a->name ? a->name : "", b->name ? b->name : "");
        return r ? r : strcmp(a->uuid ? a->uuid : "", b->uuid ? b->uuid : "");
}

static int entry_qsort_cmp(const void *a, const void *b)
{
        return entry_cmp(a, b);
}

static int mem_cmp(const void *a, const void *b)
{
        const vp_ledger_mem *x = a, *y = b;
        return x->node < y->node ? -1 : x->node > y->node;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Sort by node and fold duplicates so the per-node map is well defined. */
void vp_ledger_mem_normalise(vp_ledger_entry *e)
{
        if (e->n_mem < 2)
                return;
        qsort(e->mem, e->n_mem, sizeof(*e->mem), mem_cmp);
        size_t o = 0;
        for (size_t i = 1; i < e->n_mem; i++) {
                if (e->mem[i].node == e->mem[o].node)
                        e->mem[o].kib = add_sat(e->mem[o].kib, e->mem[i].kib);
                else
                        e->mem[++o] = e->mem[i];
        }
        e->n_mem = o + 1;
}

static void entry_delete_at(vp_ledger *l, size_t i)
{
        vp_ledger_entry_free(&l->entries[i]);
        memmove(&l->entries[i], &l->entries[i + 1], (l->n - i - 1) * sizeof(*l->entries));
        l->n--;
}

vp_ledger_entry *vp_ledger_find_uuid(vp_ledger *l, const char *uuid)
{
        for (size_t i = 0; uuid && i < l->n; i++)
                if (uuid_eq(l->entries[i].uuid, uuid))
                        return &l->entries[i];
        return NULL;
}

vp_ledger_entry *vp_ledger_find_name(vp_ledger *l, const char *name)
{
        for (size_t i = 0; name && i < l->n; i++)
                if (l->entries[i].name && strcmp(l->entries[i].name, name) == 0)
                        return &l->entries[i];
        return NULL;
}

void vp_ledger_put(vp_ledger *l, vp_ledger_entry *e)
{
        vp_uuid_lower(e->uuid);
        vp_ledger_mem_normalise(e);
        /* Same uuid: an update. Same name, other uuid: the domain was
         * undefined and redefined while its old entry lingered. */
        for (size_t i = 0; i < l->n;) {
                vp_ledger_entry *o = &l->entries[i];
                if (uuid_eq(o->uuid, e->uuid) ||
                    (o->name && e->name && strcmp(o->name, e->name) == 0))
                        entry_delete_at(l, i);
                else
                        i++;
        }
        size_t pos = 0;
        while (pos < l->n && entry_cmp(&l->entries[pos], e) <= 0)
                pos++;
        l->entries = grow(l->entries, l->n + 1, sizeof(*l->entries));
        memmove(&l->entries[pos + 1], &l->entries[pos], (l->n - pos) * sizeof(*l->entries));
        l->entries[pos] = *e;
        l->n++;
        memset(e, 0, sizeof(*e));
}

/* Append (uuid, held, emulator) as the newest record, dropping an older
 * record of the same uuid and the oldest beyond the cap. Takes uuid and the
 * two masks (left empty). */
static void prev_record(vp_ledger *l, char *uuid, vp_cpumask *held, vp_cpumask *emu,
                        int64_t released)
{
        for (size_t i = 0; i < l->n_prev;) {
                if (uuid_eq(l->prev[i].uuid, uuid)) {
                        prev_free(&l->prev[i]);
                        memmove(&l->prev[i], &l->prev[i + 1],
                                (l->n_prev - i - 1) * sizeof(*l->prev));
                        l->n_prev--;
                } else {
                        i++;
                }
        }
        if (l->n_prev >= VP_LEDGER_PREVIOUS_MAX) {
                size_t drop = l->n_prev - VP_LEDGER_PREVIOUS_MAX + 1;
                for (size_t i = 0; i < drop; i++)
                        prev_free(&l->prev[i]);
                memmove(&l->prev[0], &l->prev[drop], (l->n_prev - drop) * sizeof(*l->prev));
                l->n_prev -= drop;
        }
        l->prev = grow(l->prev, l->n_prev + 1, sizeof(*l->prev));
        l->prev[l->n_prev++] = (vp_ledger_prev){
            .uuid = uuid,
            .held = *held,
            .emulator_cpus = *emu,
            .released = released,
        };
        *held = (vp_cpumask){0};
        *emu = (vp_cpumask){0};
}

static void remove_at(vp_ledger *l, size_t i, int64_t now)
{
        vp_ledger_entry *e = &l->entries[i];
        if (e->uuid)
                prev_record(l, TAKE_PTR(e->uuid), &e->held, &e->emulator_cpus, now);
        entry_delete_at(l, i);
}

bool vp_ledger_remove(vp_ledger *l, const char *uuid, int64_t now)
{
        for (size_t i = 0; uuid && i < l->n; i++)
                if (uuid_eq(l->entries[i].uuid, uuid)) {
                        remove_at(l, i, now);
                        return true;
                }
        return false;
}

void vp_ledger_remember(vp_ledger *l, const char *uuid, const vp_cpuset *held,
                        const vp_cpuset *emulator, int64_t now)
{
        char *u = vp_xstrdup(uuid);
        vp_uuid_lower(u);
        vp_cpumask h = {0}, e = {0};
        vp_cpumask_set(&h, held);
        vp_cpumask_set(&e, emulator);
        prev_record(l, u, &h, &e, now);
}

const vp_ledger_prev *vp_ledger_previous(const vp_ledger *l, const char *uuid)
{
        for (size_t i = l->n_prev; uuid && i-- > 0;)
                if (uuid_eq(l->prev[i].uuid, uuid))
                        return &l->prev[i];
        return NULL;
}

uint64_t vp_ledger_committed_kib(const vp_ledger *l, unsigned node, const char *skip_uuid)
{
        uint64_t sum = 0;
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (skip_uuid && uuid_eq(e->uuid, skip_uuid))
                        continue;
                for (size_t m = 0; m < e->n_mem; m++)
                        if (e->mem[m].node == node)
                                sum = add_sat(sum, e->mem[m].kib);
        }
        return sum;
}

void vp_ledger_held(const vp_ledger *l, const char *skip_uuid, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (skip_uuid && uuid_eq(e->uuid, skip_uuid))
                        continue;
                vp_cpumask_or_into(out, &e->held);
        }
}

void vp_ledger_isolated(const vp_ledger *l, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        for (size_t i = 0; i < l->n; i++)
                if (l->entries[i].isolated)
                        vp_cpumask_or_into(out, &l->entries[i].held);
}

size_t vp_ledger_drop_stale(vp_ledger *l, int64_t now,
                            int (*alive)(const vp_ledger_entry *e, void *ctx), void *ctx,
                            char ***names)
{
        size_t n = 0;
        char **out = NULL;
        for (size_t i = 0; i < l->n;) {
                vp_ledger_entry *e = &l->entries[i];
                /* stale means now - created > 60, written so it cannot overflow */
                bool young = e->created >= now - VP_LEDGER_STALE_SECONDS;
                int st = young && e->pid <= 0 ? VP_QEMU_RUNS : alive(e, ctx);
                if (st == VP_QEMU_RUNS || (st == VP_QEMU_GONE && young)) {
                        i++;
                        continue;
                }
                char *name = vp_xstrdup(e->name);
                /* The state files stay until the ledger without the entry is
                 * saved (vp_state_sweep removes them then): removing them now
                 * left an entry without state files whenever the caller was
                 * refused or killed before saving (found by the crash test). */
                remove_at(l, i, now);
                if (names) {
                        out = vp_xrealloc(out, (n + 1) * sizeof(*out));
                        out[n] = name;
                } else {
                        free(name);
                }
                n++;
        }
        if (names)
                *names = out;
        return n;
}

/* Whether two of the n strings at base + i * stride (char * members) are
 * equal: sorted pointers, neighbours compared, O(n log n). */
static bool any_repeat(const void *base, size_t n, size_t stride)
{
        _cleanup_free_ const char **s = vp_xmalloc(n * sizeof(*s));
        for (size_t i = 0; i < n; i++)
                s[i] = *(const char *const *)((const char *)base + i * stride);
        qsort(s, n, sizeof(*s), vp_strp_cmp);
        for (size_t i = 1; i < n; i++)
                if (strcmp(s[i - 1], s[i]) == 0)
                        return true;
        return false;
}

bool vp_ledger_repeats(const vp_ledger_entry *entries, size_t n, bool names)
{
        return any_repeat(&entries[0].uuid, n, sizeof(*entries)) ||
               (names && any_repeat(&entries[0].name, n, sizeof(*entries)));
}

void vp_ledger_sort(vp_ledger *l)
{
        for (size_t i = 1; i < l->n; i++)
                if (entry_cmp(&l->entries[i - 1], &l->entries[i]) > 0) {
                        qsort(l->entries, l->n, sizeof(*l->entries), entry_qsort_cmp);
                        break;
                }
}

static bool lower_uuid(const char *u)
{
        if (!u)
                return false;
        for (; *u; u++)
                if (*u >= 'A' && *u <= 'Z')
                        return false;
        return true;
}

bool vp_ledger_normal(const vp_ledger *l)
{
        if (l->n_prev > VP_LEDGER_PREVIOUS_MAX)
                return false;
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (!e->name || !lower_uuid(e->uuid) ||
                    (i > 0 && entry_cmp(&l->entries[i - 1], e) >= 0) ||
                    (i > 0 && strcmp(l->entries[i - 1].name, e->name) == 0))
                        return false;
                for (size_t m = 1; m < e->n_mem; m++)
                        if (e->mem[m - 1].node >= e->mem[m].node)
                                return false;
        }
        for (size_t i = 0; i < l->n_prev; i++)
                if (!lower_uuid(l->prev[i].uuid))
                        return false;
        /* names repeat only side by side (sorted); uuids anywhere */
        return l->n < 2 || !vp_ledger_repeats(l->entries, l->n, false);
}

bool vp_ledger_entry_emu_isolated(const vp_ledger_entry *e)
{
        if (e->kind != VP_KIND_DEDICATED || vp_cpumask_empty(&e->emulator_cpus))
                return false;
        vp_cpuset held = vp_cpumask_get(&e->held), vcpus = vp_cpumask_get(&e->vcpu_cpus);
        return vp_cpumask_subset(&e->emulator_cpus, &held) &&
               !vp_cpumask_intersects(&e->emulator_cpus, &vcpus);
}
