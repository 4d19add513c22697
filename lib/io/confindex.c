/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "confindex.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "configfile.h"
#include "confmatch.h"
#include "util.h"

#define INDEX_MAGIC "vmplace-config-index 1\n"
#define INDEX_MAX   (16u << 20)

/* " N" in hex: printf would be most of the cost of a key of a hundred files */
static void sb_num(vp_buf *b, uint64_t v)
{
        char d[24];
        size_t i = sizeof(d);
        do
                d[--i] = "0123456789abcdef"[v & 15];
        while ((v >>= 4) != 0);
        d[--i] = ' ';
        vp_buf_add(b, d + i, sizeof(d) - i);
}

/* "TAG VALUE\n"; false when VALUE would break the line format. */
static bool sb_line(vp_buf *b, const char *tag, const char *v)
{
        if (strchr(v, '\n'))
                return false;
        vp_buf_str(b, tag);
        vp_buf_str(b, v);
        vp_buf_add(b, "\n", 1);
        return true;
}

typedef struct keyfile {
        char *name;
        struct stat st;
} keyfile;

static int keyfile_cmp(const void *a, const void *b)
{
        return strcmp(((const keyfile *)a)->name, ((const keyfile *)b)->name);
}

static void key_file(vp_buf *b, const char *name, const struct stat *st, time_t *newest)
{
        if (!st) {
                vp_buf_str(b, "a ");
                vp_buf_str(b, name);
                vp_buf_add(b, "\n", 1);
                return;
        }
        vp_buf_str(b, "f ");
        vp_buf_str(b, name);
        sb_num(b, (uint64_t)st->st_dev);
        sb_num(b, (uint64_t)st->st_ino);
        sb_num(b, (uint64_t)st->st_size);
        sb_num(b, (uint64_t)st->st_mtim.tv_sec);
        sb_num(b, (uint64_t)st->st_mtim.tv_nsec);
        sb_num(b, (uint64_t)st->st_ctim.tv_sec);
        sb_num(b, (uint64_t)st->st_ctim.tv_nsec);
        sb_num(b, (uint64_t)st->st_mode);
        sb_num(b, (uint64_t)st->st_uid);
        sb_num(b, (uint64_t)st->st_gid);
        vp_buf_add(b, "\n", 1);
        if (st->st_ctim.tv_sec > *newest)
                *newest = st->st_ctim.tv_sec;
        if (st->st_mtim.tv_sec > *newest)
                *newest = st->st_mtim.tv_sec;
}

/* A profile file name the key lists (not NUL-terminated in the index). */
typedef struct keyname {
        const char *s;
        size_t len;
} keyname;

/* Key lines for the profile files in the open profiles.d (fd, which stays
 * open), as readdir finds them, sorted. */
static int key_scanned(vp_buf *b, int fd, time_t *newest)
{
        int dfd = dup(fd);
        DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
        if (!d) {
                if (dfd >= 0)
                        close(dfd);
                return -1;
        }
        keyfile *files = NULL;
        size_t n = 0, cap = 0;
        int r = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                size_t base;
                if (!vp_config_profile_file(de->d_name, &base))
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 64;
                        files = vp_xrealloc(files, cap * sizeof(*files));
                }
                if (fstatat(fd, de->d_name, &files[n].st, 0) < 0) {
                        r = -1; /* dangling or vanished: the full load says which */
                        break;
                }
                files[n++].name = vp_xstrdup(de->d_name);
        }
        if (errno)
                r = -1;
        closedir(d);
        if (r == 0 && n)
                qsort(files, n, sizeof(*files), keyfile_cmp);
        for (size_t i = 0; i < n; i++) {
                if (r == 0)
                        key_file(b, files[i].name, &files[i].st, newest);
                free(files[i].name);
        }
        free(files);
        return r;
}

/* Key lines for the names an index listed, in its order. */
static int key_listed(vp_buf *b, int fd, const keyname *names, size_t n, time_t *newest)
{
        for (size_t i = 0; i < n; i++) {
                char name[NAME_MAX + 1];
                struct stat st;
                if (names[i].len > NAME_MAX)
                        return -1;
                memcpy(name, names[i].s, names[i].len);
                name[names[i].len] = '\0';
                if (fstatat(fd, name, &st, 0) < 0)
                        return -1;
                key_file(b, name, &st, newest);
        }
        return 0;
}

/* The key: the identity of everything vp_config_load reads, as the loader
 * reads it (stat follows symlinks like its open does). With names (an
 * index's list, n of them) the profile files are those names, without a
 * directory scan: profiles.d's own mtime and ctime are in the key, and any
 * file created, removed or renamed in it changes them, so a key that still
 * matches lists what a scan would find (the settle rule covers the
 * timestamps' granularity). names NULL scans. Returns 0, or -1 when the tree
 * is in a state the full load must judge (confdir missing, a dangling link,
 * a name the line format cannot carry) or a listed file is gone. *newest
 * gets the latest ctime/mtime seen. */
static int build_key(const char *confdir, bool check_perms, vp_buf *b, time_t *newest,
                     const keyname *names, size_t n)
{
        if (strchr(confdir, '\n'))
                return -1;
        vp_buf_str(b, INDEX_MAGIC);
        vp_buf_str(b, check_perms ? "perms 1\n" : "perms 0\n");
        sb_line(b, "confdir ", confdir);
        *newest = 0;
        struct stat st;
        if (stat(confdir, &st) < 0 || !S_ISDIR(st.st_mode))
                return -1;
        key_file(b, ".", &st, newest);
        _cleanup_free_ char *host = vp_xasprintf("%s/vmplace.ini", confdir);
        if (stat(host, &st) == 0)
                key_file(b, "vmplace.ini", &st, newest);
        else if (errno == ENOENT && lstat(host, &st) < 0)
                key_file(b, "vmplace.ini", NULL, newest);
        else
                return -1;
        _cleanup_free_ char *pdir = vp_xasprintf("%s/profiles.d", confdir);
        _cleanup_close_ int fd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno != ENOENT || lstat(pdir, &st) == 0)
                        return -1;
                key_file(b, "profiles.d", NULL, newest);
                return 0;
        }
        if (fstat(fd, &st) < 0)
                return -1;
        key_file(b, "profiles.d", &st, newest);
        return names ? key_listed(b, fd, names, n, newest) : key_scanned(b, fd, newest);
}

/* The profile file names in an index's key (pointing into text), in its
 * order, and in *keylen the key's length (up to the "--" line). NULL when
 * the text is not a key build_key wrote: the caller scans instead. */
static keyname *key_names(const char *text, size_t *n, size_t *keylen)
{
        const char *at = strstr(text, "\nf profiles.d ");
        const char *end = strstr(text, "\n--\n");
        if (!end)
                return NULL;
        *keylen = (size_t)(end - text) + 1;
        *n = 0;
        if (!at || at > end)
                return vp_xcalloc(1, sizeof(keyname)); /* no profiles.d: none */
        size_t cap = 0;
        keyname *names = NULL;
        for (const char *l = strchr(at + 1, '\n') + 1; l <= end; l = strchr(l, '\n') + 1) {
                if (l[0] != 'f' || l[1] != ' ') {
                        free(names);
                        return NULL;
                }
                if (*n == cap) {
                        cap = cap ? cap * 2 : 128;
                        names = vp_xrealloc(names, cap * sizeof(*names));
                }
                const char *sp = strchr(l + 2, ' ');
                if (!sp || sp == l + 2 || sp > end) {
                        free(names);
                        return NULL;
                }
                names[(*n)++] = (keyname){l + 2, (size_t)(sp - l - 2)};
        }
        return names ? names : vp_xcalloc(1, sizeof(keyname));
}

/* Append the match rules of a valid full configuration. false when a value
 * cannot be carried (then no index is written). */
static bool add_profiles(vp_buf *b, const vp_config *c)
{
        vp_buf_str(b, "--\n");
        if (c->host.default_profile && !sb_line(b, "d ", c->host.default_profile))
                return false;
        for (size_t i = 0; i < c->n_profiles; i++) {
                vp_match_rule r;
                vp_config_rule(&c->profiles[i], &r);
                if (!sb_line(b, "p ", r.name))
                        return false;
                if (r.include && !sb_line(b, "i ", r.include))
                        return false;
                if (r.priority) {
                        vp_buf_str(b, r.priority < 0 ? "P -" : "P");
                        sb_num(b, r.priority < 0 ? (uint64_t)(-(int64_t)r.priority)
                                                 : (uint64_t)r.priority);
                        vp_buf_add(b, "\n", 1);
                }
                if (r.metadata && !sb_line(b, "m ", r.metadata))
                        return false;
                for (size_t k = 0; k < r.n_names; k++)
                        if (!sb_line(b, "n ", r.names[k]))
                                return false;
        }
        return true;
}

/* "N" or "- N" in hex, as add_profiles writes a priority */
static int parse_int(const char *s, int *out)
{
        bool neg = *s == '-';
        if (neg)
                s += 2;
        uint64_t v = 0;
        if (!*s)
                return -1;
        for (; *s; s++) {
                int x = *s >= '0' && *s <= '9'   ? *s - '0'
                        : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
                                                 : -1;
                if (x < 0 || (v = v * 16 + (unsigned)x) > (uint64_t)INT32_MAX)
                        return -1;
        }
        *out = neg ? -(int)v : (int)v;
        return 0;
}

/* The index's rules, borrowing the strings of its text: only the arrays are
 * its own. Small on purpose: a vp_profile is ~1.9 KiB (three 4096-CPU
 * sets), and touching fresh pages is much of a start's cost. */
typedef struct rules_index {
        const char *default_profile;
        vp_match_rule *r;
        size_t n;
} rules_index;

static void index_free(rules_index *x)
{
        if (!x)
                return;
        for (size_t i = 0; i < x->n; i++)
                free((void *)x->r[i].names);
        free(x->r);
        free(x);
}

/* The rules after the key (sorted and unique, as vp_match_rules needs).
 * Returns NULL on any surprise. */
static rules_index *parse_profiles(char *s)
{
        rules_index *x = vp_xcalloc(1, sizeof(*x));
        size_t cap = 0;
        vp_match_rule *p = NULL;
        bool prio_seen = false;
        while (*s) {
                char *nl = strchr(s, '\n');
                if (!nl || nl - s < 2 || s[1] != ' ')
                        goto bad;
                *nl = '\0';
                char tag = s[0], *v = s + 2;
                s = nl + 1;
                if (tag == 'p') {
                        if (p && strcmp(p->name, v) >= 0)
                                goto bad;
                        if (x->n == cap) {
                                cap = cap ? cap * 2 : 128;
                                x->r = vp_xrealloc(x->r, cap * sizeof(*p));
                        }
                        p = &x->r[x->n++];
                        *p = (vp_match_rule){.name = v};
                        prio_seen = false;
                } else if (tag == 'd' && !p && !x->default_profile) {
                        x->default_profile = v;
                } else if (!p) {
                        goto bad;
                } else if (tag == 'i' && !p->include) {
                        p->include = v;
                } else if (tag == 'P' && !prio_seen) {
                        if (parse_int(v, &p->priority) < 0)
                                goto bad;
                        prio_seen = true;
                } else if (tag == 'm' && !p->metadata) {
                        p->metadata = v;
                } else if (tag == 'n') {
                        char **names =
                            vp_xrealloc((void *)p->names, (p->n_names + 1) * sizeof(char *));
                        names[p->n_names++] = v;
                        p->names = names;
                } else
                        goto bad;
        }
        return x;
bad:
        index_free(x);
        return NULL;
}

/* rundir/config.index when it is ours and private and its key still holds
 * (built from the names it lists, into key): its rules (borrowing *text,
 * which the caller frees after them), else NULL. */
static rules_index *read_index(const char *path, const char *confdir, bool check_perms, vp_buf *key,
                               char **text)
{
        size_t len, n, keylen;
        time_t newest;
        if (vp_read_private(path, INDEX_MAX, text, &len) < 0 || strlen(*text) != len)
                return NULL;
        _cleanup_free_ keyname *names = key_names(*text, &n, &keylen);
        if (!names)
                return NULL;
        vp_buf_reserve(key, keylen);
        if (build_key(confdir, check_perms, key, &newest, names, n) < 0 || key->len != keylen ||
            memcmp(*text, key->s, keylen) != 0)
                return NULL;
        return parse_profiles(*text + keylen + 3);
}

/* Match on the index and load vmplace.ini and the chosen profile's include
 * chain. Returns 0 (decided), or -1 to fall back to the full load. */
static int load_indexed(const char *confdir, bool check_perms, const rules_index *x,
                        const char *name, const char *metadata, vp_config **cfg,
                        const vp_profile **profile, char **matched_by, vp_diag *diag)
{
        _cleanup_free_ char *by = NULL;
        ssize_t p = vp_match_rules(x->r, x->n, x->default_profile, name, metadata, &by);
        const char **chain = vp_xcalloc(x->n + 1, sizeof(char *));
        size_t n = 0;
        for (ssize_t q = p; q >= 0;) {
                if (n == x->n) { /* a cycle: the index lies */
                        free(chain);
                        return -1;
                }
                chain[n++] = x->r[q].name;
                if (!x->r[q].include)
                        break;
                if ((q = vp_match_rule_find(x->r, x->n, x->r[q].include)) < 0) {
                        free(chain);
                        return -1;
                }
        }
        if (n > 1)
                qsort(chain, n, sizeof(char *), vp_strp_cmp);
        vp_diag d = {.errors_only = diag ? diag->errors_only : true};
        int r = vp_config_load_some(confdir, check_perms, chain, n, cfg, &d);
        free(chain);
        vp_diag_free(&d);
        if (r < 0)
                return -1; /* changed under us: the full load reports it */
        *profile = p >= 0 ? vp_config_profile(*cfg, x->r[p].name) : NULL;
        if (p >= 0 && !*profile) {
                vp_config_free(*cfg);
                *cfg = NULL;
                return -1;
        }
        if (matched_by)
                *matched_by = TAKE_PTR(by);
        return 0;
}

int vp_config_load_for(const char *confdir, const char *rundir, bool check_perms, const char *name,
                       const char *metadata, time_t now, vp_config **cfg,
                       const vp_profile **profile, char **matched_by, vp_diag *diag)
{
        *cfg = NULL;
        *profile = NULL;
        if (matched_by)
                *matched_by = NULL;
        _cleanup_free_ char *path =
            rundir ? vp_xasprintf("%s/%s", rundir, VP_CONFINDEX_FILE) : NULL;
        vp_buf key = {0};
        if (confdir && rundir) {
                _cleanup_free_ char *text = NULL;
                rules_index *idx = read_index(path, confdir, check_perms, &key, &text);
                int r = idx ? load_indexed(confdir, check_perms, idx, name, metadata, cfg, profile,
                                           matched_by, diag)
                            : -1;
                index_free(idx);
                if (r == 0) {
                        free(key.s);
                        return 0;
                }
        }
        /* the full load, and the key of what a scan finds for a new index */
        time_t newest = 0;
        key.len = 0;
        bool keyed =
            confdir && rundir && build_key(confdir, check_perms, &key, &newest, NULL, 0) == 0;
        int r = vp_config_load(confdir, check_perms, cfg, diag);
        if (r == 0) {
                *profile = vp_config_match(*cfg, name, metadata, matched_by);
                /* only a settled configuration: see VP_CONFINDEX_SETTLE_SECONDS */
                if (keyed && newest + VP_CONFINDEX_SETTLE_SECONDS <= now &&
                    add_profiles(&key, *cfg))
                        vp_write_file_atomic(path, key.s, key.len, 0600, NULL);
        }
        free(key.s);
        return r;
}

struct vp_config_matcher {
        rules_index *idx; /* borrowing text */
        char *text;
        vp_config *cfg; /* when there is no index */
};

vp_config_matcher *vp_config_matcher_open(const char *confdir, const char *rundir, bool check_perms)
{
        vp_config_matcher *m = vp_xcalloc(1, sizeof(*m));
        if (rundir) {
                _cleanup_free_ char *path = vp_xasprintf("%s/%s", rundir, VP_CONFINDEX_FILE);
                vp_buf key = {0};
                m->idx = read_index(path, confdir, check_perms, &key, &m->text);
                free(key.s);
                if (m->idx)
                        return m;
        }
        vp_diag d = {.errors_only = true};
        int r = vp_config_load(confdir, check_perms, &m->cfg, &d);
        vp_diag_free(&d);
        if (r < 0) {
                vp_config_matcher_free(m);
                return NULL;
        }
        return m;
}

bool vp_config_matcher_manages(const vp_config_matcher *m, const char *name, const char *metadata)
{
        if (m->idx)
                return vp_match_rules(m->idx->r, m->idx->n, m->idx->default_profile, name, metadata,
                                      NULL) >= 0;
        return vp_config_match(m->cfg, name, metadata, NULL) != NULL;
}

bool vp_config_matcher_reads_metadata(const vp_config_matcher *m)
{
        if (m->idx) {
                for (size_t i = 0; i < m->idx->n; i++)
                        if (m->idx->r[i].metadata)
                                return true;
                return false;
        }
        for (size_t i = 0; i < m->cfg->n_profiles; i++)
                if (m->cfg->profiles[i].metadata)
                        return true;
        return false;
}

void vp_config_matcher_free(vp_config_matcher *m)
{
        if (!m)
                return;
        index_free(m->idx);
        free(m->text);
        vp_config_free(m->cfg);
        free(m);
}
