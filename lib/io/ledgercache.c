/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger's binary cache (ledgercache.h). Layout, all integers in the
 * host's byte order (the file never leaves /run of the machine that wrote
 * it):
 *
 *   MAGIC (24 bytes), key: 7 x u64 (dev, ino, size, mtime s, ns, ctime s,
 *   ns), checksum u64 (FNV-1a of everything after it), n_entries u64,
 *   n_prev u64, then each entry and each previous record:
 *   entry: str name, str uuid, str profile, str matched_by, str state,
 *          str commit, u32 kind, u32 flags (bit 0: isolated), u64 created,
 *          u64 pid, u64 starter_pid, u64 starter_start, set held, set
 *          vcpu_cpus, set emulator_cpus, set nodes, u32 n_mem, n_mem x
 *          (u32 node, u64 kib)
 *   prev:  str uuid, set held, set emulator_cpus, u64 released
 *   str:   u32 length (NO_STR for NULL), the bytes without a NUL
 *   set:   u32 n_words (trailing zero words dropped), n_words x u64
 *
 * The parser checks every length against what is left, every value the
 * JSON loader would range-check and that the ledger is normal
 * (vp_ledger_normal), so even bytes that passed the checksum by chance can
 * neither make it read out of bounds nor hand out a ledger that the JSON
 * loader could not have. */
#include "ledgercache.h"
#include "fileio.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "units.h"
#include "util.h"

#define MAGIC           "vmplace-ledger-cache 3\n"
#define MAGIC_LEN       24 /* sizeof(MAGIC), its NUL included */
#define KEY_WORDS       7
#define HEADER_LEN      (MAGIC_LEN + (KEY_WORDS + 3) * 8)
#define CHECKSUM_OFFSET (MAGIC_LEN + KEY_WORDS * 8)
#define NO_STR          UINT32_MAX
/* the JSON loader's own limit on ledger.json; the cache is smaller */
#define CACHE_MAX (64u << 20)

static void json_key(const struct stat *st, uint64_t key[KEY_WORDS])
{
        key[0] = (uint64_t)st->st_dev;
        key[1] = (uint64_t)st->st_ino;
        key[2] = (uint64_t)st->st_size;
        key[3] = (uint64_t)st->st_mtim.tv_sec;
        key[4] = (uint64_t)st->st_mtim.tv_nsec;
        key[5] = (uint64_t)st->st_ctim.tv_sec;
        key[6] = (uint64_t)st->st_ctim.tv_nsec;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * 0x100000001b3ULL;
        return h;
}

/* ---- write ---- */

static void put_u32(vp_buf *b, uint32_t v)
{
        vp_buf_add(b, (const char *)&v, sizeof(v));
}

static void put_u64(vp_buf *b, uint64_t v)
{
        vp_buf_add(b, (const char *)&v, sizeof(v));
}

static void put_str(vp_buf *b, const char *s)
{
        if (!s) {
                put_u32(b, NO_STR);
                return;
        }
        size_t n = strlen(s);
        put_u32(b, (uint32_t)n);
        vp_buf_add(b, s, n);
}

/* A mask's words: the writer's masks end in a non-zero word (or have
 * none), as vp_cpumask_set makes them. */
static void put_set(vp_buf *b, const vp_cpumask *m)
{
        put_u32(b, m->n);
        if (m->n)
                vp_buf_add(b, (const char *)m->w, m->n * sizeof(m->w[0]));
}

int vp_ledger_cache_write(const char *path, const struct stat *json_st, const vp_ledger *l)
{
        vp_buf b = {0};
        vp_buf_reserve(&b, HEADER_LEN + l->n * 256 + l->n_prev * 80);
        vp_buf_add(&b, MAGIC, MAGIC_LEN);
        uint64_t key[KEY_WORDS];
        json_key(json_st, key);
        for (unsigned i = 0; i < KEY_WORDS; i++)
                put_u64(&b, key[i]);
        put_u64(&b, 0); /* the checksum, once the rest is there */
        put_u64(&b, l->n);
        put_u64(&b, l->n_prev);
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                put_str(&b, e->name);
                put_str(&b, e->uuid);
                put_str(&b, e->profile);
                put_str(&b, e->matched_by);
                put_str(&b, e->state);
                put_str(&b, e->commit);
                put_u32(&b, (uint32_t)e->kind);
                put_u32(&b, e->isolated ? 1u : 0u);
                put_u64(&b, (uint64_t)e->created);
                put_u64(&b, (uint64_t)e->pid);
                put_u64(&b, (uint64_t)e->starter_pid);
                put_u64(&b, e->starter_start);
                put_set(&b, &e->held);
                put_set(&b, &e->vcpu_cpus);
                put_set(&b, &e->emulator_cpus);
                put_set(&b, &e->nodes);
                put_u32(&b, (uint32_t)e->n_mem);
                for (size_t m = 0; m < e->n_mem; m++) {
                        put_u32(&b, e->mem[m].node);
                        put_u64(&b, e->mem[m].kib);
                }
        }
        for (size_t i = 0; i < l->n_prev; i++) {
                const vp_ledger_prev *p = &l->prev[i];
                put_str(&b, p->uuid);
                put_set(&b, &p->held);
                put_set(&b, &p->emulator_cpus);
                put_u64(&b, (uint64_t)p->released);
        }
        uint64_t sum =
            fnv1a((const unsigned char *)b.s + CHECKSUM_OFFSET + 8, b.len - CHECKSUM_OFFSET - 8);
        memcpy(b.s + CHECKSUM_OFFSET, &sum, sizeof(sum));
        int r = vp_write_file_atomic(path, b.s, b.len, 0600, NULL);
        free(b.s);
        return r;
}

/* ---- read ---- */

typedef struct cursor {
        const unsigned char *p, *end;
        bool bad;
} cursor;

static bool take(cursor *c, void *out, size_t n)
{
        if (c->bad || (size_t)(c->end - c->p) < n) {
                c->bad = true;
                memset(out, 0, n);
                return false;
        }
        memcpy(out, c->p, n);
        c->p += n;
        return true;
}

static uint32_t get_u32(cursor *c)
{
        uint32_t v;
        take(c, &v, sizeof(v));
        return v;
}

static uint64_t get_u64(cursor *c)
{
        uint64_t v;
        take(c, &v, sizeof(v));
        return v;
}

/* A string of the file, or NULL (then c->bad unless nullable). One with a
 * NUL inside is damage: no C string the writer had contains one. */
static char *get_str(cursor *c, bool nullable)
{
        uint32_t n = get_u32(c);
        if (c->bad || (n == NO_STR && nullable))
                return NULL;
        if (n == NO_STR || (size_t)(c->end - c->p) < n || memchr(c->p, '\0', n)) {
                c->bad = true;
                return NULL;
        }
        char *s = vp_xmalloc((size_t)n + 1);
        memcpy(s, c->p, n);
        s[n] = '\0';
        c->p += n;
        return s;
}

/* A mask as put_set wrote it; a last word of zero is damage (no writer
 * leaves one, and vp_cpumask_empty relies on it). */
static void get_set(cursor *c, vp_cpumask *m)
{
        uint32_t n = get_u32(c);
        if (n > VP_CPUSET_WORDS)
                c->bad = true;
        if (c->bad || n == 0)
                return;
        m->w = vp_xmalloc(n * sizeof(m->w[0]));
        m->n = n;
        if (!take(c, m->w, n * sizeof(m->w[0])) || m->w[n - 1] == 0)
                c->bad = true;
}

static void get_entry(cursor *c, vp_ledger_entry *e)
{
        e->name = get_str(c, false);
        e->uuid = get_str(c, false);
        e->profile = get_str(c, true);
        e->matched_by = get_str(c, true);
        e->state = get_str(c, false);
        e->commit = get_str(c, true);
        uint32_t kind = get_u32(c), flags = get_u32(c);
        uint64_t created = get_u64(c), pid = get_u64(c);
        uint64_t starter_pid = get_u64(c), starter_start = get_u64(c);
        /* the ranges the JSON loader accepts */
        if (kind > VP_KIND_DEDICATED || flags > 1 || created > (uint64_t)INT64_MAX - 1 ||
            pid > INT_MAX || starter_pid > INT_MAX || starter_start > (uint64_t)INT64_MAX - 1 ||
            !vp_uuid_valid(e->uuid) || (e->name && !*e->name) || (e->state && !*e->state))
                c->bad = true;
        e->kind = (vp_entry_kind)kind;
        e->isolated = flags & 1u;
        e->created = (int64_t)created;
        e->pid = (long)pid;
        e->starter_pid = (long)starter_pid;
        e->starter_start = starter_start;
        get_set(c, &e->held);
        get_set(c, &e->vcpu_cpus);
        get_set(c, &e->emulator_cpus);
        get_set(c, &e->nodes);
        uint32_t n_mem = get_u32(c);
        /* 12 bytes a node: a count the rest of the file cannot hold is damage */
        if (c->bad || n_mem > (size_t)(c->end - c->p) / 12) {
                c->bad = true;
                return;
        }
        e->mem = vp_xcalloc(n_mem ? n_mem : 1, sizeof(*e->mem));
        e->n_mem = n_mem;
        /* what the JSON's load accepts, no more: the entry's memory within a domain's */
        uint64_t total = 0;
        for (uint32_t m = 0; m < n_mem; m++) {
                e->mem[m].node = get_u32(c);
                e->mem[m].kib = get_u64(c);
                if (e->mem[m].node >= VP_MAX_CPUS || e->mem[m].kib > VP_MEMORY_MAX_KIB - total)
                        c->bad = true;
                else
                        total += e->mem[m].kib;
        }
}

int vp_ledger_cache_parse(const void *payload, size_t len, vp_ledger *l)
{
        memset(l, 0, sizeof(*l));
        cursor c = {payload, (const unsigned char *)payload + len, false};
        uint64_t n = get_u64(&c), n_prev = get_u64(&c);
        /* an entry takes at least 64 bytes, a previous record 20 */
        size_t left = (size_t)(c.end - c.p);
        if (c.bad || n > left / 64 || n_prev > left / 20 || n_prev > VP_LEDGER_PREVIOUS_MAX)
                return -1;
        l->entries = vp_xcalloc(n ? n : 1, sizeof(*l->entries));
        for (size_t i = 0; i < n && !c.bad; i++) {
                get_entry(&c, &l->entries[i]);
                l->n = i + 1; /* so vp_ledger_free sees the partial entry */
        }
        l->prev = vp_xcalloc(n_prev ? n_prev : 1, sizeof(*l->prev));
        for (size_t i = 0; i < n_prev && !c.bad; i++) {
                vp_ledger_prev *p = &l->prev[i];
                p->uuid = get_str(&c, false);
                l->n_prev = i + 1;
                get_set(&c, &p->held);
                get_set(&c, &p->emulator_cpus);
                uint64_t released = get_u64(&c);
                if (released > (uint64_t)INT64_MAX - 1 || !vp_uuid_valid(p->uuid))
                        c.bad = true;
                p->released = (int64_t)released;
        }
        if (c.bad || c.p != c.end || !vp_ledger_normal(l)) {
                vp_ledger_free(l);
                return -1;
        }
        return 0;
}

int vp_ledger_cache_read(const char *path, const struct stat *json_st, vp_ledger *l)
{
        memset(l, 0, sizeof(*l));
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (vp_read_private(path, CACHE_MAX, &buf, &len) < 0 || len < HEADER_LEN ||
            memcmp(buf, MAGIC, MAGIC_LEN) != 0)
                return -1;
        uint64_t want[KEY_WORDS], key[KEY_WORDS], sum;
        json_key(json_st, want);
        memcpy(key, buf + MAGIC_LEN, sizeof(key));
        memcpy(&sum, buf + CHECKSUM_OFFSET, sizeof(sum));
        const unsigned char *payload = (const unsigned char *)buf + CHECKSUM_OFFSET + 8;
        size_t n = len - CHECKSUM_OFFSET - 8;
        if (memcmp(key, want, sizeof(key)) != 0 || sum != fnv1a(payload, n))
                return -1;
        return vp_ledger_cache_parse(payload, n, l);
}
