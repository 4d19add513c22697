/* vmplace.ini and profiles.d/NAME.ini (SPEC section 3).
 *
 * Decisions the SPEC leaves open, taken here:
 * - Only profiles.d entries named [A-Za-z0-9_.-]+.ini and not starting with '.'
 *   are read; other names ending in .ini get a warning (so a profile that is
 *   silently ignored does not surprise the admin), hidden files and other
 *   suffixes (.dpkg-old, .rpmnew, .ini~) are skipped quietly.
 * - An empty value ("dedicated_cpus =") means "not set, use the default"; in a
 *   profile it also stops that key being inherited through include.
 * - Leading blanks are dropped before inih sees a line, which turns off inih's
 *   multi-line continuation: indented keys are ordinary keys.
 * - [guest_numa] is one choice: a profile that says cells= or any cell.N.*
 *   does not inherit the other form; cell.N.* keys inherit per key between
 *   profiles that both use explicit cells.
 * - A refused (badly permissioned) file is still parsed so that validate
 *   reports everything at once; the config is invalid either way.
 *
 * inih (Debian: no line numbers in the handler, 200-byte lines) is driven
 * through our own line reader, which counts lines, rejects over-long lines
 * and bad syntax itself (so every such line is reported, not only the first),
 * and hands inih a blank line in their place. */
#include "config.h"
#include "fileio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ini.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "units.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define MAX_NODES        1024 /* node numbers in nodesets */
#define MAX_VCPU_ID      16383
#define MAX_IOTHREAD_ID  16384
#define MAX_GUEST_CELLS  64
#define MAX_NUMA_NODES   (64 < VP_MAX_CPUS ? 64 : VP_MAX_CPUS)
#define SHARES_MIN       2
#define SHARES_MAX       262144
#define PERIOD_MIN       1000
#define PERIOD_MAX       1000000
#define QUOTA_MIN        1000
#define QUOTA_MAX        17592186044415LL

/* ---- enum names ---- */

static const char *const on_error_names[] = {
    [VP_ONERR_REFUSE] = "refuse",
    [VP_ONERR_WARN] = "warn",
};
static const char *const strategy_names[] = {
    [VP_STRAT_SPREAD] = "spread",
    [VP_STRAT_PACK] = "pack",
};
static const char *const cpu_policy_names[] = {
    [VP_CPU_NONE] = "none",
    [VP_CPU_SHARED] = "shared",
    [VP_CPU_DEDICATED] = "dedicated",
};
static const char *const thread_policy_names[] = {
    [VP_THREAD_PREFER] = "prefer",
    [VP_THREAD_ISOLATE] = "isolate",
    [VP_THREAD_REQUIRE] = "require",
};
static const char *const emu_policy_names[] = {
    [VP_EMU_SHARE] = "share",
    [VP_EMU_ISOLATE] = "isolate",
};

static const char *enum_name(const char *const *tab, size_t n, int v)
{
        return v > 0 && (size_t)v < n ? tab[v] : NULL;
}

#define ENUM_NAME(tab, v) enum_name(tab, VP_ARRAY_SIZE(tab), (int)(v))

const char *vp_on_error_name(vp_on_error v)
{
        return ENUM_NAME(on_error_names, v);
}
const char *vp_strategy_name(vp_strategy v)
{
        return ENUM_NAME(strategy_names, v);
}
const char *vp_cpu_policy_name(vp_cpu_policy v)
{
        return ENUM_NAME(cpu_policy_names, v);
}
const char *vp_thread_policy_name(vp_thread_policy v)
{
        return ENUM_NAME(thread_policy_names, v);
}
const char *vp_emu_policy_name(vp_emu_policy v)
{
        return ENUM_NAME(emu_policy_names, v);
}

/* Exact lowercase word from tab (index 0 unused); the error lists the choices. */
static int parse_enum(const char *v, const char *const *tab, size_t n, int *out, vp_error *err)
{
        char choices[160] = "";
        size_t off = 0;
        for (size_t i = 1; i < n; i++) {
                if (strcmp(v, tab[i]) == 0) {
                        *out = (int)i;
                        return 0;
                }
                off += (size_t)snprintf(choices + off, sizeof(choices) - off, "%s%s",
                                        i == 1 ? "" : (i + 1 == n ? " or " : ", "), tab[i]);
                if (off >= sizeof(choices))
                        break;
        }
        return vp_error_set(err, -EINVAL, "invalid value '%s' (expected %s)", v, choices);
}

#define PARSE_ENUM(v, tab, outp, err) parse_enum(v, tab, VP_ARRAY_SIZE(tab), (int *)(outp), err)

/* ---- diagnostics ---- */

static char *xvasprintf(const char *fmt, va_list ap)
{
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        return s;
}

static void strv_push(char ***arr, size_t *n, char *s)
{
        *arr = vp_xrealloc(*arr, (*n + 1) * sizeof(char *));
        (*arr)[(*n)++] = s;
}

void vp_diag_add_error(vp_diag *d, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = xvasprintf(fmt, ap);
        va_end(ap);
        strv_push(&d->errors, &d->n_errors, s);
}

void vp_diag_add_warning(vp_diag *d, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = xvasprintf(fmt, ap);
        va_end(ap);
        strv_push(&d->warnings, &d->n_warnings, s);
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void vp_diag_free(vp_diag *d)
{
        if (!d)
                return;
        strv_free(d->errors, d->n_errors);
        strv_free(d->warnings, d->n_warnings);
        d->errors = d->warnings = NULL;
        d->n_errors = d->n_warnings = 0;
}

/* ---- the model of a file being read ---- */

enum {
        S_NONE = 0, /* before the first [section] */
        S_HOST,
        S_MATCH,
        S_PROFILE,
        S_CPUTUNE,
        S_PLACEMENT,
        S_NUMATUNE,
        S_GUEST_NUMA,
        S__COUNT,
};

static const char *const sect_names[S__COUNT] = {
    [S_HOST] = "host",
    [S_MATCH] = "match",
    [S_PROFILE] = "profile",
    [S_CPUTUNE] = "cputune",
    [S_PLACEMENT] = "placement",
    [S_NUMATUNE] = "numatune",
    [S_GUEST_NUMA] = "guest_numa",
};

typedef enum key_id {
        K_RESERVED_CPUS,
        K_DEDICATED_CPUS,
        K_SHARED_CPUS,
        K_RESERVED_MEMORY,
        K_DEFAULT_PROFILE,
        K_HOST_ON_ERROR,
        K_HOST_STRATEGY,
        K_NAMES,
        K_METADATA,
        K_PRIORITY,
        K_INCLUDE,
        K_DESCRIPTION,
        K_ON_ERROR,
        K_SCALAR, /* sub: vp_tune_scalar */
        K_VCPUS,
        K_VCPUPIN, /* sub: vCPU id */
        K_EMULATORPIN,
        K_IOTHREADPIN, /* sub: iothread id */
        K_CPU_POLICY,
        K_THREAD_POLICY,
        K_EMULATOR_POLICY,
        K_NUMA_NODES,
        K_STRATEGY,
        K_MODE,
        K_NODESET,
        K_MEMNODE_MODE,    /* sub: guest cell id */
        K_MEMNODE_NODESET, /* sub: guest cell id */
        K_CELLS,
        K_CELL_CPUS,   /* sub: guest cell id */
        K_CELL_MEMORY, /* sub: guest cell id */
} key_id;

static const struct keydef {
        int sect;
        const char *name;
        key_id id;
        unsigned sub;
} keydefs[] = {
    {S_HOST, "reserved_cpus", K_RESERVED_CPUS, 0},
    {S_HOST, "dedicated_cpus", K_DEDICATED_CPUS, 0},
    {S_HOST, "shared_cpus", K_SHARED_CPUS, 0},
    {S_HOST, "reserved_memory", K_RESERVED_MEMORY, 0},
    {S_HOST, "default_profile", K_DEFAULT_PROFILE, 0},
    {S_HOST, "on_error", K_HOST_ON_ERROR, 0},
    {S_HOST, "strategy", K_HOST_STRATEGY, 0},
    {S_MATCH, "names", K_NAMES, 0},
    {S_MATCH, "metadata", K_METADATA, 0},
    {S_MATCH, "priority", K_PRIORITY, 0},
    {S_PROFILE, "include", K_INCLUDE, 0},
    {S_PROFILE, "description", K_DESCRIPTION, 0},
    {S_PROFILE, "on_error", K_ON_ERROR, 0},
    {S_CPUTUNE, "shares", K_SCALAR, VP_T_SHARES},
    {S_CPUTUNE, "global_period", K_SCALAR, VP_T_GLOBAL_PERIOD},
    {S_CPUTUNE, "global_quota", K_SCALAR, VP_T_GLOBAL_QUOTA},
    {S_CPUTUNE, "vcpu_period", K_SCALAR, VP_T_VCPU_PERIOD},
    {S_CPUTUNE, "vcpu_quota", K_SCALAR, VP_T_VCPU_QUOTA},
    {S_CPUTUNE, "emulator_period", K_SCALAR, VP_T_EMULATOR_PERIOD},
    {S_CPUTUNE, "emulator_quota", K_SCALAR, VP_T_EMULATOR_QUOTA},
    {S_CPUTUNE, "iothread_period", K_SCALAR, VP_T_IOTHREAD_PERIOD},
    {S_CPUTUNE, "iothread_quota", K_SCALAR, VP_T_IOTHREAD_QUOTA},
    {S_CPUTUNE, "vcpus", K_VCPUS, 0},
    {S_CPUTUNE, "emulatorpin", K_EMULATORPIN, 0},
    {S_PLACEMENT, "cpu_policy", K_CPU_POLICY, 0},
    {S_PLACEMENT, "thread_policy", K_THREAD_POLICY, 0},
    {S_PLACEMENT, "emulator_policy", K_EMULATOR_POLICY, 0},
    {S_PLACEMENT, "numa_nodes", K_NUMA_NODES, 0},
    {S_PLACEMENT, "strategy", K_STRATEGY, 0},
    {S_NUMATUNE, "mode", K_MODE, 0},
    {S_NUMATUNE, "nodeset", K_NODESET, 0},
    {S_GUEST_NUMA, "cells", K_CELLS, 0},
};

/* Keys carrying an id: PREFIX N SUFFIX. */
static const struct iddef {
        int sect;
        const char *prefix;
        const char *suffix;
        key_id id;
        unsigned lo, hi;
        const char *what;
} iddefs[] = {
    {S_CPUTUNE, "vcpupin.", "", K_VCPUPIN, 0, MAX_VCPU_ID, "vCPU id"},
    {S_CPUTUNE, "iothreadpin.", "", K_IOTHREADPIN, 1, MAX_IOTHREAD_ID, "iothread id"},
    {S_NUMATUNE, "memnode.", ".mode", K_MEMNODE_MODE, 0, MAX_GUEST_CELLS - 1, "guest cell id"},
    {S_NUMATUNE, "memnode.", ".nodeset", K_MEMNODE_NODESET, 0, MAX_GUEST_CELLS - 1,
     "guest cell id"},
    {S_GUEST_NUMA, "cell.", ".cpus", K_CELL_CPUS, 0, MAX_GUEST_CELLS - 1, "guest cell id"},
    {S_GUEST_NUMA, "cell.", ".memory", K_CELL_MEMORY, 0, MAX_GUEST_CELLS - 1, "guest cell id"},
};

struct cfile;

typedef struct entry {
        int sect;
        key_id id;
        unsigned sub;
        char *key;
        char *value;
        unsigned line;
        const struct cfile *f;
        bool skip; /* empty or rejected value: counts as said here, never applied */
        bool bad;  /* rejected value (reported): checks between keys stay quiet */
} entry;

typedef struct cfile {
        char *path;
        char *name; /* profile name; NULL for vmplace.ini */
        size_t ord; /* position in the report */
        entry *e;
        size_t n;
} cfile;

typedef struct msg {
        size_t ord;
        unsigned line;
        size_t seq;
        char *text;
} msg;

typedef struct msglist {
        msg *m;
        size_t n;
} msglist;

typedef struct loader {
        cfile confdir, pdir, host; /* confdir and pdir only name paths in messages */
        cfile *files;              /* profiles, sorted by name */
        size_t n_files;
        msglist errs, warns;
        size_t seq;
        int io_err;
        bool errors_only; /* vp_diag.errors_only */
} loader;

/* Report order: the config directory, vmplace.ini, profiles.d, then profiles. */
enum { ORD_CONFDIR = 0, ORD_HOST, ORD_PDIR, ORD_PROFILES };

static void msg_addv(loader *L, msglist *l, size_t ord, const char *path, unsigned line,
                     const char *fmt, va_list ap)
{
        _cleanup_free_ char *body = xvasprintf(fmt, ap);
        char *text = vp_xasprintf("%s:%u: %s", path, line, body);
        /* the same problem reached through several includes is said once */
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->m[i].text, text) == 0) {
                        free(text);
                        return;
                }
        l->m = vp_xrealloc(l->m, (l->n + 1) * sizeof(msg));
        l->m[l->n++] = (msg){ord, line, L->seq++, text};
}

__attribute__((format(printf, 4, 5))) static void ferr(loader *L, const cfile *f, unsigned line,
                                                       const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        msg_addv(L, &L->errs, f->ord, f->path, line, fmt, ap);
        va_end(ap);
}

__attribute__((format(printf, 4, 5))) static void fwarn(loader *L, const cfile *f, unsigned line,
                                                        const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        msg_addv(L, &L->warns, f->ord, f->path, line, fmt, ap);
        va_end(ap);
}

/* "FILE:LINE: KEY: message" at an entry. */
__attribute__((format(printf, 3, 4))) static void eerr(loader *L, const entry *e, const char *fmt,
                                                       ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *body = xvasprintf(fmt, ap);
        va_end(ap);
        ferr(L, e->f, e->line, "%s: %s", e->key, body);
}

/* As eerr, for a check on profile `of` that may land on a line inherited from
 * another file: then say which profile the problem is in. */
__attribute__((format(printf, 4, 5))) static void perr(loader *L, const cfile *of, const entry *e,
                                                       const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *body = xvasprintf(fmt, ap);
        va_end(ap);
        if (e->f == of)
                eerr(L, e, "%s", body);
        else
                eerr(L, e, "%s (in profile '%s', which includes this one)", body, of->name);
}

static bool has_err_at(const loader *L, size_t ord, unsigned line)
{
        for (size_t i = 0; i < L->errs.n; i++)
                if (L->errs.m[i].ord == ord && L->errs.m[i].line == line)
                        return true;
        return false;
}

static void io_fail(loader *L, int code)
{
        if (!L->io_err)
                L->io_err = code;
}

static int msg_cmp(const void *a, const void *b)
{
        const msg *x = a, *y = b;
        if (x->ord != y->ord)
                return x->ord < y->ord ? -1 : 1;
        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort into reading order and hand the strings to diag (or drop them). */
static void msg_flush(msglist *l, char ***arr, size_t *n)
{
        if (l->n)
                qsort(l->m, l->n, sizeof(msg), msg_cmp);
        for (size_t i = 0; i < l->n; i++) {
                if (arr)
                        strv_push(arr, n, l->m[i].text);
                else
                        free(l->m[i].text);
        }
        free(l->m);
        l->m = NULL;
        l->n = 0;
}

static void cfile_free(cfile *f)
{
        for (size_t i = 0; i < f->n; i++) {
                free(f->e[i].key);
                free(f->e[i].value);
        }
        free(f->e);
        free(f->path);
        free(f->name);
        memset(f, 0, sizeof(*f));
}

/* ---- names ---- */

static bool valid_name_n(const char *s, size_t n)
{
        if (!n || *s == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
                        return false;
        return true;
}

static bool valid_profile_name(const char *s)
{
        return valid_name_n(s, strlen(s));
}

bool vp_config_profile_file(const char *fname, size_t *base_len)
{
        size_t len = strlen(fname);
        if (fname[0] == '.' || len <= 4 || strcmp(fname + len - 4, ".ini") != 0 ||
            !valid_name_n(fname, len - 4))
                return false;
        *base_len = len - 4;
        return true;
}

static char *path_join(const char *dir, const char *name)
{
        size_t n = strlen(dir);
        return vp_xasprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* ---- line reader and inih handler ---- */

typedef struct pctx {
        loader *L;
        cfile *f;
        bool is_host;
        const char *buf;
        size_t len, pos;
        unsigned line;
        int sect;
        bool skip;    /* inside a rejected section: its keys are not looked at */
        char **longv; /* values of lines too long for inih's buffer, by index */
        size_t n_longv;
} pctx;

/* Lines longer than inih's compiled-in buffer (Debian: 200 bytes) are still
 * read: the reader hands inih "key = <LONG_MARK>N" and keeps the value, which
 * the handler puts back. A long `names =` list or a scattered cpuset on a big
 * host is ordinary configuration. Beyond this many characters a line is an
 * error. */
#define LONG_MARK      '\x01'
#define MAX_LINE_CHARS 65536

/* inih's rule: stop at one of chars, or at an inline ';' comment that follows
 * a blank. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
        bool was_space = false;
        for (; *s; s++) {
                /* chars has one or two characters: no strchr call per byte
                 * (a fifth of loading 100 profiles went there) */
                for (const char *k = chars; k && *k; k++)
                        if (*s == *k)
                                return s;
                if (was_space && *s == ';')
                        return s;
                was_space = isspace((unsigned char)*s);
        }
        return s;
}

static void enter_section(pctx *c, const char *name)
{
        int id = 0;
        for (int i = 1; i < S__COUNT; i++)
                if (strcmp(name, sect_names[i]) == 0)
                        id = i;
        c->skip = true;
        if (!id)
                ferr(c->L, c->f, c->line, "unknown section [%s]", name);
        else if (c->is_host && id != S_HOST)
                ferr(c->L, c->f, c->line,
                     "section [%s] belongs in a profile (profiles.d/NAME.ini), not in vmplace.ini",
                     name);
        else if (!c->is_host && id == S_HOST)
                ferr(c->L, c->f, c->line,
                     "section [host] belongs in vmplace.ini, not in a profile");
        else {
                c->sect = id;
                c->skip = false;
        }
}

/* Check a left-trimmed line the way inih will read it. Returns false when it
 * is malformed (reported), and inih must not see it. */
static bool check_line(pctx *c, const char *s)
{
        if (*s == '\0' || *s == '\n' || *s == ';' || *s == '#')
                return true;
        if (*s == '[') {
                const char *end = find_chars_or_comment(s + 1, "]");
                if (*end != ']') {
                        ferr(c->L, c->f, c->line, "syntax error: '[' without closing ']'");
                        c->skip = true; /* keys below belong to no known section */
                        return false;
                }
                const char *rest = end + 1;
                while (isspace((unsigned char)*rest))
                        rest++;
                if (*rest && *rest != ';' && *rest != '#')
                        ferr(c->L, c->f, c->line, "syntax error: text after ']'");
                const char *a = s + 1;
                while (a < end && isspace((unsigned char)*a))
                        a++;
                const char *b = end;
                while (b > a && isspace((unsigned char)b[-1]))
                        b--;
                _cleanup_free_ char *name = strndup(a, (size_t)(b - a));
                if (!name)
                        abort();
                enter_section(c, name);
                return true;
        }
        const char *end = find_chars_or_comment(s, "=:");
        if (*end != '=' && *end != ':') {
                ferr(c->L, c->f, c->line, "syntax error: expected 'key = value' or '[section]'");
                return false;
        }
        if (end == s) {
                ferr(c->L, c->f, c->line, "syntax error: no key before '%c'", *end);
                return false;
        }
        return true;
}

/* fgets-like source for ini_parse_stream over the file's bytes. */
static char *reader(char *str, int num, void *stream)
{
        pctx *c = stream;
        if (c->pos >= c->len || num < 3)
                return NULL;
        const char *p = c->buf + c->pos;
        const char *nl = memchr(p, '\n', c->len - c->pos);
        size_t n = nl ? (size_t)(nl - p) : c->len - c->pos;
        c->pos += n + (nl ? 1 : 0);
        c->line++;
        if (n > 0 && p[n - 1] == '\r')
                n--;
        if (c->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
                p += 3;
                n -= 3;
        }
        strcpy(str, "\n"); /* what inih gets for a rejected line */
        if (memchr(p, '\0', n)) {
                ferr(c->L, c->f, c->line, "syntax error: NUL byte in line");
                return str;
        }
        while (n > 0 && isspace((unsigned char)*p)) {
                p++;
                n--;
        }
        if (n > MAX_LINE_CHARS) {
                ferr(c->L, c->f, c->line, "line too long (%zu characters, at most %d)", n,
                     MAX_LINE_CHARS);
                return str;
        }
        if (n > (size_t)num - 3) {
                _cleanup_free_ char *line = strndup(p, n);
                if (!line)
                        abort();
                if (*line == ';' || *line == '#')
                        return str; /* a long comment is still a comment */
                if (*line == '[') {
                        ferr(c->L, c->f, c->line,
                             "line too long for a section header (%zu characters)", n);
                        c->skip = true;
                        return str;
                }
                if (!check_line(c, line))
                        return str;
                char *eq = (char *)find_chars_or_comment(line, "=:");
                /* the value as inih would make it: trimmed, inline comment cut */
                char *v = eq + 1;
                while (isspace((unsigned char)*v))
                        v++;
                *(char *)find_chars_or_comment(v, NULL) = '\0';
                size_t vl = strlen(v);
                while (vl > 0 && isspace((unsigned char)v[vl - 1]))
                        v[--vl] = '\0';
                *eq = '\0';
                int w = snprintf(str, (size_t)num, "%s= %c%zu\n", line, LONG_MARK, c->n_longv);
                if (w < 0 || w >= num) {
                        ferr(c->L, c->f, c->line, "line too long: key too long (%zu characters)",
                             strlen(line));
                        strcpy(str, "\n");
                        return str;
                }
                c->longv = vp_xrealloc(c->longv, (c->n_longv + 1) * sizeof(*c->longv));
                c->longv[c->n_longv++] = vp_xstrdup(v);
                return str;
        }
        memcpy(str, p, n);
        str[n] = '\n';
        str[n + 1] = '\0';
        if (!check_line(c, str))
                strcpy(str, "\n");
        return str;
}

/* Find the definition of key in section sect; reports and returns false for
 * unknown keys and bad ids. */
static bool lookup_key(pctx *c, const char *key, key_id *id, unsigned *sub)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(keydefs); i++)
                if (keydefs[i].sect == c->sect && strcmp(keydefs[i].name, key) == 0) {
                        *id = keydefs[i].id;
                        *sub = keydefs[i].sub;
                        return true;
                }
        for (size_t i = 0; i < VP_ARRAY_SIZE(iddefs); i++) {
                const struct iddef *d = &iddefs[i];
                size_t pl = strlen(d->prefix);
                if (d->sect != c->sect || strncmp(key, d->prefix, pl) != 0)
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
                if (!digits) {
                        ferr(c->L, c->f, c->line, "%s: invalid %s '%.*s' (%u..%u)", key, d->what,
                             (int)tl, tok, d->lo, d->hi);
                        return false;
                }
                _cleanup_free_ char *num = strndup(tok, tl);
                vp_error err;
                if (!num)
                        abort();
                if (vp_parse_uint(num, d->lo, d->hi, sub, &err) < 0) {
                        ferr(c->L, c->f, c->line, "%s: %s %s", key, d->what, err.msg);
                        return false;
                }
                *id = d->id;
                return true;
        }
        /* a hint for keys put under the wrong header */
        for (size_t i = 0; i < VP_ARRAY_SIZE(keydefs); i++)
                if (strcmp(keydefs[i].name, key) == 0 &&
                    (keydefs[i].sect == S_HOST) == c->is_host) {
                        ferr(c->L, c->f, c->line, "unknown key '%s' in [%s] (it belongs in [%s])",
                             key, sect_names[c->sect], sect_names[keydefs[i].sect]);
                        return false;
                }
        ferr(c->L, c->f, c->line, "unknown key '%s' in [%s]", key, sect_names[c->sect]);
        return false;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        pctx *c = user;
        (void)section; /* ours is in c->sect, untruncated and already checked */
        if (c->skip)
                return 1;
        if (value[0] == LONG_MARK) {
                unsigned long i = strtoul(value + 1, NULL, 10);
                value = i < c->n_longv ? c->longv[i] : "";
        }
        if (c->sect == S_NONE) {
                ferr(c->L, c->f, c->line, "%s: key outside any section", name);
                return 1;
        }
        key_id id;
        unsigned sub = 0;
        if (!lookup_key(c, name, &id, &sub))
                return 1;
        for (size_t i = 0; i < c->f->n; i++)
                if (c->f->e[i].sect == c->sect && strcmp(c->f->e[i].key, name) == 0) {
                        ferr(c->L, c->f, c->line, "%s: duplicate key (first set at line %u)", name,
                             c->f->e[i].line);
                        return 1;
                }
        c->f->e = vp_xrealloc(c->f->e, (c->f->n + 1) * sizeof(entry));
        c->f->e[c->f->n++] = (entry){
            .sect = c->sect,
            .id = id,
            .sub = sub,
            .key = vp_xstrdup(name),
            .value = vp_xstrdup(value),
            .line = c->line,
            .f = c->f,
            .skip = *value == '\0',
        };
        return 1;
}

static void parse_buffer(loader *L, cfile *f, bool is_host, const char *buf, size_t len)
{
        pctx c = {.L = L, .f = f, .is_host = is_host, .buf = buf, .len = len};
        int r = ini_parse_stream(reader, &c, handler, &c);
        for (size_t i = 0; i < c.n_longv; i++)
                free(c.longv[i]);
        free(c.longv);
        /* our reader already rejected what inih would; this is a backstop */
        if (r > 0 && !has_err_at(L, f->ord, (unsigned)r))
                ferr(L, f, (unsigned)r, "syntax error");
        else if (r < 0)
                ferr(L, f, 0, "cannot parse (inih error %d)", r);
}

static void check_perms(loader *L, const cfile *f, const struct stat *st)
{
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                ferr(L, f, 0, "refusing: writable by group or others (mode %04o)",
                     (unsigned)(st->st_mode & 07777));
        if (st->st_uid != 0)
                ferr(L, f, 0, "refusing: not owned by root (uid %u)", (unsigned)st->st_uid);
}

/* Read and parse one file. Returns 0, 1 when absent and absent_ok, or -errno
 * (reported). */
static int load_file(loader *L, cfile *f, bool is_host, bool check, bool absent_ok)
{
        _cleanup_close_ int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                struct stat lst;
                if (e == ENOENT && lstat(f->path, &lst) == 0) {
                        /* a dangling symlink is a mistake, not "no file" */
                        ferr(L, f, 0, "cannot open: dangling symlink");
                        return -e;
                }
                if (e == ENOENT && absent_ok)
                        return 1;
                ferr(L, f, 0, "cannot open: %s", strerror(e));
                io_fail(L, -e);
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                ferr(L, f, 0, "cannot stat: %s", strerror(e));
                io_fail(L, -e);
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                ferr(L, f, 0, "not a regular file");
                return -EINVAL;
        }
        if (check)
                check_perms(L, f, &st);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        vp_error err;
        int r = vp_read_fd(fd, (long long)st.st_size, CONFIG_MAX_BYTES, &buf, &len, &err);
        if (r == -EFBIG) {
                ferr(L, f, 0, "file too large (more than %d bytes)", CONFIG_MAX_BYTES);
                return r;
        }
        if (r < 0) {
                ferr(L, f, 0, "%s", err.msg);
                io_fail(L, r);
                return r;
        }
        parse_buffer(L, f, is_host, buf, len);
        return 0;
}

/* ---- values ---- */

static int parse_names(const char *v, char ***out, size_t *n, vp_error *err)
{
        _cleanup_free_ char *copy = vp_xstrdup(v);
        char **names = NULL;
        size_t cnt = 0;
        /* strtok_r would skip empty fields; walk them explicitly */
        for (char *p = copy;;) {
                char *comma = strchr(p, ',');
                if (comma)
                        *comma = '\0';
                char *g = vp_strstrip(p);
                if (!*g) {
                        strv_free(names, cnt);
                        return vp_error_set(err, -EINVAL, "empty glob in '%s'", v);
                }
                strv_push(&names, &cnt, vp_xstrdup(g));
                if (!comma)
                        break;
                p = comma + 1;
        }
        *out = names;
        *n = cnt;
        return 0;
}

static int parse_word(const char *v, vp_error *err)
{
        for (const char *p = v; *p; p++)
                if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
                        return vp_error_set(err, -EINVAL, "'%s' is not one word", v);
        return 0;
}

static int parse_profile_ref(const char *v, vp_error *err)
{
        if (!valid_profile_name(v))
                return vp_error_set(
                    err, -EINVAL, "'%s' is not a profile name (letters, digits, '-', '_', '.')", v);
        return 0;
}

static int parse_scalar(vp_tune_scalar i, const char *v, long long *out, vp_error *err)
{
        switch (i) {
        case VP_T_SHARES:
                return vp_parse_ll(v, SHARES_MIN, SHARES_MAX, out, err);
        case VP_T_GLOBAL_PERIOD:
        case VP_T_VCPU_PERIOD:
        case VP_T_EMULATOR_PERIOD:
        case VP_T_IOTHREAD_PERIOD:
                return vp_parse_ll(v, PERIOD_MIN, PERIOD_MAX, out, err);
        default: {
                /* quotas: libvirt reads any negative as unlimited; 0 means
                 * "unset" to libvirt, which is never what an admin meant */
                long long q;
                int r = vp_parse_ll(v, LLONG_MIN, LLONG_MAX, &q, err);
                if (r == -EINVAL)
                        return r;
                if (r == -ERANGE || (q >= 0 && (q < QUOTA_MIN || q > QUOTA_MAX)))
                        return vp_error_set(err, -ERANGE,
                                            "%s out of range (-1 for unlimited, or %d..%lld)", v,
                                            QUOTA_MIN, QUOTA_MAX);
                *out = q < 0 ? -1 : q;
                return 0;
        }
        }
}

/* Store one entry's value into h. Returns 0 or -EINVAL (reported). */
static int apply_host(loader *L, vp_host_config *h, const entry *e)
{
        vp_error err = {{0}};
        const char *v = e->value;
        int r = 0;
        switch (e->id) {
        case K_RESERVED_CPUS:
                r = vp_cpuset_parse(&h->reserved_cpus, v, VP_MAX_CPUS, &err);
                h->reserved_set = r == 0;
                break;
        case K_DEDICATED_CPUS:
                r = vp_cpuset_parse(&h->dedicated_cpus, v, VP_MAX_CPUS, &err);
                h->dedicated_set = r == 0;
                break;
        case K_SHARED_CPUS:
                r = vp_cpuset_parse(&h->shared_cpus, v, VP_MAX_CPUS, &err);
                h->shared_set = r == 0;
                break;
        case K_RESERVED_MEMORY:
                r = vp_parse_size_kib(v, &h->reserved_memory_kib, &err);
                break;
        case K_DEFAULT_PROFILE:
                r = parse_profile_ref(v, &err);
                if (r == 0) {
                        free(h->default_profile);
                        h->default_profile = vp_xstrdup(v);
                }
                break;
        case K_HOST_ON_ERROR:
                r = PARSE_ENUM(v, on_error_names, &h->on_error, &err);
                break;
        case K_HOST_STRATEGY:
                r = PARSE_ENUM(v, strategy_names, &h->strategy, &err);
                break;
        default:
                abort(); /* lookup_key only yields [host] keys in vmplace.ini */
        }
        if (r < 0)
                eerr(L, e, "%s", err.msg);
        return r;
}

/* Store one entry's value into p. Returns 0, or -EINVAL (reported if report). */
static int apply_profile(loader *L, vp_profile *p, const entry *e, bool report)
{
        vp_error err = {{0}};
        const char *v = e->value;
        vp_tune *t = &p->tune;
        vp_cpuset s;
        long long ll;
        unsigned u;
        int r = 0;
        switch (e->id) {
        case K_NAMES: {
                char **names = NULL;
                size_t n = 0;
                r = parse_names(v, &names, &n, &err);
                if (r == 0) {
                        strv_free(p->names, p->n_names);
                        p->names = names;
                        p->n_names = n;
                }
                break;
        }
        case K_METADATA:
                r = parse_word(v, &err);
                if (r == 0) {
                        free(p->metadata);
                        p->metadata = vp_xstrdup(v);
                }
                break;
        case K_PRIORITY:
                r = vp_parse_ll(v, INT_MIN, INT_MAX, &ll, &err);
                if (r == 0) {
                        p->priority_set = true;
                        p->priority = (int)ll;
                }
                break;
        case K_INCLUDE:
                r = parse_profile_ref(v, &err);
                if (r == 0) {
                        free(p->include);
                        p->include = vp_xstrdup(v);
                }
                break;
        case K_DESCRIPTION:
                free(p->description);
                p->description = vp_xstrdup(v);
                break;
        case K_ON_ERROR:
                r = PARSE_ENUM(v, on_error_names, &p->on_error, &err);
                break;
        case K_SCALAR:
                r = parse_scalar((vp_tune_scalar)e->sub, v, &ll, &err);
                if (r == 0)
                        t->q[e->sub] = (vp_opt_ll){true, ll};
                break;
        case K_VCPUS:
                r = vp_cpuset_parse(&s, v, VP_MAX_CPUS, &err);
                if (r == 0) {
                        t->vcpu_cpuset_set = true;
                        t->vcpu_cpuset = s;
                }
                break;
        case K_VCPUPIN:
                r = vp_cpuset_parse(&s, v, VP_MAX_CPUS, &err);
                if (r == 0)
                        vp_pins_put(&t->vcpupin, &t->n_vcpupin, e->sub, &s);
                break;
        case K_EMULATORPIN:
                r = vp_cpuset_parse(&s, v, VP_MAX_CPUS, &err);
                if (r == 0) {
                        t->emulatorpin_set = true;
                        t->emulatorpin = s;
                }
                break;
        case K_IOTHREADPIN:
                r = vp_cpuset_parse(&s, v, VP_MAX_CPUS, &err);
                if (r == 0)
                        vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, e->sub, &s);
                break;
        case K_CPU_POLICY:
                r = PARSE_ENUM(v, cpu_policy_names, &p->cpu_policy, &err);
                break;
        case K_THREAD_POLICY:
                r = PARSE_ENUM(v, thread_policy_names, &p->thread_policy, &err);
                break;
        case K_EMULATOR_POLICY:
                r = PARSE_ENUM(v, emu_policy_names, &p->emulator_policy, &err);
                break;
        case K_NUMA_NODES:
                r = vp_parse_uint(v, 1, MAX_NUMA_NODES, &u, &err);
                if (r == 0)
                        p->numa_nodes = u;
                break;
        case K_STRATEGY:
                r = PARSE_ENUM(v, strategy_names, &p->strategy, &err);
                break;
        case K_MODE:
                r = PARSE_ENUM(v, vp_mem_mode_names, &t->mem_mode, &err);
                break;
        case K_NODESET:
                if (strcmp(v, "auto") == 0) {
                        p->nodeset_kind = VP_NODESET_AUTO;
                        t->nodeset_set = false;
                        vp_cpuset_zero(&t->nodeset);
                        break;
                }
                r = vp_cpuset_parse(&s, v, MAX_NODES, &err);
                if (r == 0) {
                        p->nodeset_kind = VP_NODESET_LIST;
                        t->nodeset_set = true;
                        t->nodeset = s;
                }
                break;
        case K_MEMNODE_MODE: {
                /* set when r == 0; GCC 12 at -O3 (Release) cannot see that
                 * through the (int *) cast and failed the build */
                vp_mem_mode m = VP_MEM_UNSET;
                r = PARSE_ENUM(v, vp_mem_mode_names, &m, &err);
                if (r == 0)
                        vp_memnodes_get(&t->memnodes, &t->n_memnodes, e->sub)->mode = m;
                break;
        }
        case K_MEMNODE_NODESET:
                r = vp_cpuset_parse(&s, v, MAX_NODES, &err);
                if (r == 0) {
                        vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, e->sub);
                        m->nodeset_set = true;
                        m->nodeset = s;
                }
                break;
        case K_CELLS:
                if (strcmp(v, "auto") == 0)
                        p->cells_kind = VP_CELLS_AUTO;
                else if (strcmp(v, "none") == 0)
                        p->cells_kind = VP_CELLS_NONE;
                else if ((*v >= '0' && *v <= '9') || *v == '-') {
                        r = vp_parse_uint(v, 1, MAX_GUEST_CELLS, &u, &err);
                        if (r == 0) {
                                p->cells_kind = VP_CELLS_COUNT;
                                p->cells_count = u;
                        }
                } else
                        r = vp_error_set(&err, -EINVAL,
                                         "invalid value '%s' (expected auto, none or a number "
                                         "of cells 1..%d)",
                                         v, MAX_GUEST_CELLS);
                break;
        case K_CELL_CPUS:
                r = vp_cpuset_parse(&s, v, VP_MAX_CPUS, &err);
                if (r == 0) {
                        vp_cell *c = vp_cells_get(&t->cells, &t->n_cells, e->sub);
                        c->cpus_set = true;
                        c->cpus = s;
                        p->cells_kind = VP_CELLS_EXPLICIT;
                }
                break;
        case K_CELL_MEMORY: {
                uint64_t kib;
                r = vp_parse_size_kib(v, &kib, &err);
                if (r == 0 && kib == 0)
                        r = vp_error_set(&err, -EINVAL, "a guest cell needs more than 0 KiB");
                if (r == 0) {
                        vp_cell *c = vp_cells_get(&t->cells, &t->n_cells, e->sub);
                        c->memory_set = true;
                        c->memory_kib = kib;
                        p->cells_kind = VP_CELLS_EXPLICIT;
                }
                break;
        }
        default:
                abort(); /* lookup_key only yields profile keys in profiles */
        }
        if (r < 0 && report)
                eerr(L, e, "%s", err.msg);
        return r;
}

/* ---- profiles: includes and cross-key checks ---- */

static void profile_free(vp_profile *p)
{
        free(p->name);
        free(p->path);
        strv_free(p->names, p->n_names);
        free(p->metadata);
        free(p->include);
        free(p->description);
        vp_tune_free(&p->tune);
        memset(p, 0, sizeof(*p));
}

static void host_free(vp_host_config *h)
{
        free(h->path);
        free(h->default_profile);
        memset(h, 0, sizeof(*h));
}

/* A profile's effective entries: its own, then inherited ones. */
typedef struct rlist {
        const entry **e;
        size_t n;
} rlist;

static void rlist_push(rlist *r, const entry *e)
{
        r->e = vp_xrealloc(r->e, (r->n + 1) * sizeof(entry *));
        r->e[r->n++] = e;
}

static const entry *rlist_find(const rlist *r, key_id id, unsigned sub)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->e[i]->id == id && r->e[i]->sub == sub)
                        return r->e[i];
        return NULL;
}

/* A rejected value was already reported: do not pile consequences on it. */
static bool said_bad(const rlist *r, key_id id, unsigned sub)
{
        const entry *e = rlist_find(r, id, sub);
        return e && e->bad;
}

static bool any_bad(const rlist *r, key_id id)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->e[i]->id == id && r->e[i]->bad)
                        return true;
        return false;
}

static bool own_has_id(const cfile *f, key_id id)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->e[i].id == id)
                        return true;
        return false;
}

static bool own_has_key(const cfile *f, const entry *pe)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->e[i].sect == pe->sect && strcmp(f->e[i].key, pe->key) == 0)
                        return true;
        return false;
}

/* Whether child inherits parent entry pe. [guest_numa] is one choice: cells=
 * and cell.N.* do not mix across an include. */
static bool inherits(const cfile *child, const entry *pe)
{
        switch (pe->id) {
        case K_INCLUDE:
                return false;
        case K_CELLS:
                return !own_has_id(child, K_CELLS) && !own_has_id(child, K_CELL_CPUS) &&
                       !own_has_id(child, K_CELL_MEMORY);
        case K_CELL_CPUS:
        case K_CELL_MEMORY:
                return !own_has_id(child, K_CELLS) && !own_has_key(child, pe);
        default:
                return !own_has_key(child, pe);
        }
}

/* The index of the element named name in an array of n elements of size
 * sz, sorted by the char * at offset off, or -1. */
static ssize_t find_by_name(const void *base, size_t n, size_t sz, size_t off, const char *name)
{
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                const char *at = *(char *const *)((const char *)base + mid * sz + off);
                int c = strcmp(name, at);
                if (c == 0)
                        return (ssize_t)mid;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -1;
}

static ssize_t find_file(const loader *L, const char *name)
{
        return find_by_name(L->files, L->n_files, sizeof(cfile), offsetof(cfile, name), name);
}

static const entry *own_include(const cfile *f)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->e[i].id == K_INCLUDE && !f->e[i].skip)
                        return &f->e[i];
        return NULL;
}

enum { R_NEW = 0, R_ACTIVE, R_DONE };

static void resolve(loader *L, size_t i, int *state, rlist *res, size_t *stack, size_t depth)
{
        const cfile *f = &L->files[i];
        state[i] = R_ACTIVE;
        stack[depth] = i;
        for (size_t k = 0; k < f->n; k++)
                rlist_push(&res[i], &f->e[k]);
        const entry *inc = own_include(f);
        if (inc) {
                ssize_t j = find_file(L, inc->value);
                size_t ext = strlen(inc->value);
                if (j < 0)
                        eerr(L, inc, "no profile '%s' (no profiles.d/%s.ini)%s", inc->value,
                             inc->value,
                             ext > 4 && strcmp(inc->value + ext - 4, ".ini") == 0
                                 ? "; write the name without .ini"
                                 : "");
                else if (state[j] == R_ACTIVE) {
                        size_t first = depth;
                        while (stack[first] != (size_t)j)
                                first--;
                        /* said once per member, each starting from itself */
                        for (size_t m = first; m <= depth; m++) {
                                _cleanup_free_ char *chain = vp_xstrdup(L->files[stack[m]].name);
                                for (size_t s = 1; s <= depth - first + 1; s++) {
                                        size_t at = first + (m - first + s) % (depth - first + 1);
                                        char *next = vp_xasprintf("%s -> %s", chain,
                                                                  L->files[stack[at]].name);
                                        free(chain);
                                        chain = next;
                                }
                                const entry *mi = own_include(&L->files[stack[m]]);
                                ferr(L, mi->f, mi->line, "include cycle: %s", chain);
                        }
                } else {
                        if (state[j] == R_NEW)
                                resolve(L, (size_t)j, state, res, stack, depth + 1);
                        for (size_t k = 0; k < res[j].n; k++)
                                if (inherits(f, res[j].e[k]))
                                        rlist_push(&res[i], res[j].e[k]);
                }
        }
        state[i] = R_DONE;
}

/* Checks between keys, on the profile with its includes applied. */
static void check_profile(loader *L, const cfile *f, const rlist *r, const vp_profile *p)
{
        const entry *e;
        char buf[128];

        bool policy_bad = said_bad(r, K_CPU_POLICY, 0);
        if (p->thread_policy && p->cpu_policy != VP_CPU_DEDICATED && !policy_bad &&
            (e = rlist_find(r, K_THREAD_POLICY, 0)))
                perr(L, f, e, "only meaningful with cpu_policy = dedicated (cpu_policy is %s)",
                     p->cpu_policy ? vp_cpu_policy_name(p->cpu_policy) : "not set");
        if (p->emulator_policy && p->cpu_policy != VP_CPU_DEDICATED && !policy_bad &&
            (e = rlist_find(r, K_EMULATOR_POLICY, 0)))
                perr(L, f, e, "only meaningful with cpu_policy = dedicated (cpu_policy is %s)",
                     p->cpu_policy ? vp_cpu_policy_name(p->cpu_policy) : "not set");

        const vp_tune *t = &p->tune;
        if (p->cells_kind == VP_CELLS_EXPLICIT) {
                bool gap_said = any_bad(r, K_CELL_CPUS) || any_bad(r, K_CELL_MEMORY);
                for (size_t k = 0; k < t->n_cells; k++) {
                        const vp_cell *c = &t->cells[k];
                        const entry *ec = rlist_find(r, K_CELL_CPUS, c->id);
                        const entry *em = rlist_find(r, K_CELL_MEMORY, c->id);
                        if (c->cpus_set && !c->memory_set && ec &&
                            !said_bad(r, K_CELL_MEMORY, c->id))
                                perr(L, f, ec, "cell %u has no cell.%u.memory (a cell needs both)",
                                     c->id, c->id);
                        if (!c->cpus_set && c->memory_set && em && !said_bad(r, K_CELL_CPUS, c->id))
                                perr(L, f, em, "cell %u has no cell.%u.cpus (a cell needs both)",
                                     c->id, c->id);
                        if (c->id != k && !gap_said && (ec || em)) {
                                perr(L, f, ec ? ec : em,
                                     "guest cell ids must be contiguous from 0 (no cell.%zu.*)", k);
                                gap_said = true;
                        }
                        for (size_t j = 0; j < k && c->cpus_set && ec; j++) {
                                if (!t->cells[j].cpus_set ||
                                    !vp_cpuset_intersects(&t->cells[j].cpus, &c->cpus))
                                        continue;
                                vp_cpuset both = c->cpus;
                                vp_cpuset_and(&both, &t->cells[j].cpus);
                                perr(L, f, ec, "overlaps cell.%u.cpus on vCPUs %s", t->cells[j].id,
                                     vp_cpuset_fmt(&both, buf, sizeof(buf)));
                        }
                }
        }

        if (p->numa_nodes > 1) {
                if (p->cells_kind == VP_CELLS_COUNT && p->cells_count != p->numa_nodes &&
                    (e = rlist_find(r, K_CELLS, 0)))
                        perr(L, f, e,
                             "%u cells but numa_nodes = %u (guest cells map 1:1 to host nodes)",
                             p->cells_count, p->numa_nodes);
                if (p->cells_kind == VP_CELLS_EXPLICIT && t->n_cells != p->numa_nodes &&
                    (e = rlist_find(r, K_NUMA_NODES, 0)))
                        perr(L, f, e,
                             "%u host nodes but %zu explicit guest cells (guest cells map 1:1 "
                             "to host nodes)",
                             p->numa_nodes, t->n_cells);
        }

        /* memnode.N names guest cell N: it must exist when the count is known */
        long known = -1;
        switch (p->cells_kind) {
        case VP_CELLS_NONE:
                known = 0;
                snprintf(buf, sizeof(buf), "cells = none");
                break;
        case VP_CELLS_COUNT:
                known = p->cells_count;
                snprintf(buf, sizeof(buf), "cells = %u", p->cells_count);
                break;
        case VP_CELLS_AUTO:
                if (said_bad(r, K_NUMA_NODES, 0))
                        break;
                known = p->numa_nodes ? p->numa_nodes : 1;
                snprintf(buf, sizeof(buf), "cells = auto with numa_nodes = %ld", known);
                break;
        case VP_CELLS_EXPLICIT:
                known = (long)t->n_cells;
                snprintf(buf, sizeof(buf), "%zu explicit cells", t->n_cells);
                break;
        case VP_CELLS_UNSET:
                break;
        }
        for (size_t k = 0; known >= 0 && k < t->n_memnodes; k++) {
                unsigned id = t->memnodes[k].cellid;
                if ((long)id < known)
                        continue;
                e = rlist_find(r, K_MEMNODE_MODE, id);
                if (!e)
                        e = rlist_find(r, K_MEMNODE_NODESET, id);
                if (e)
                        perr(L, f, e, "no guest cell %u (%s)", id, buf);
        }
}

static int prio(const vp_profile *p)
{
        return p->priority_set ? p->priority : 0;
}

/* The glob of p that ties with g: the same text, or one that matches the
 * other read literally ("db-*" and "db-1*", "*" and anything), so some
 * domain name matches both. NULL when none. (Two globs can also overlap
 * without either matching the other, e.g. "a*" and "*b"; those are not
 * found.) */
static const char *tie_glob(const vp_profile *p, const char *g)
{
        for (size_t i = 0; i < p->n_names; i++)
                if (strcmp(p->names[i], g) == 0 || fnmatch(p->names[i], g, 0) == 0 ||
                    fnmatch(g, p->names[i], 0) == 0)
                        return p->names[i];
        return NULL;
}

/* Equal-priority ties that the lexical rule decides: worth a warning, once
 * per losing profile and glob, naming the winner. */
static void warn_ties(loader *L, const vp_profile *ps, const rlist *res, size_t n)
{
        for (size_t j = 0; j < n; j++) {
                const entry *e = rlist_find(&res[j], K_NAMES, 0);
                for (size_t a = 0; e && a < ps[j].n_names; a++)
                        for (size_t i = 0; i < j; i++) {
                                const char *g = prio(&ps[i]) == prio(&ps[j])
                                                    ? tie_glob(&ps[i], ps[j].names[a])
                                                    : NULL;
                                if (!g)
                                        continue;
                                if (strcmp(g, ps[j].names[a]) == 0)
                                        fwarn(L, e->f, e->line,
                                              "names: profile '%s' never matches by '%s': "
                                              "profile '%s' has the same glob and priority %d "
                                              "and wins (lexically first)",
                                              ps[j].name, ps[j].names[a], ps[i].name, prio(&ps[j]));
                                else
                                        fwarn(L, e->f, e->line,
                                              "names: '%s' of profile '%s' overlaps '%s' of "
                                              "profile '%s' at the same priority %d: a domain "
                                              "matching both gets '%s' (lexically first); set "
                                              "priority to choose",
                                              ps[j].names[a], ps[j].name, g, ps[i].name,
                                              prio(&ps[j]), ps[i].name);
                                break;
                        }
                e = rlist_find(&res[j], K_METADATA, 0);
                for (size_t i = 0; e && ps[j].metadata && i < j; i++)
                        if (prio(&ps[i]) == prio(&ps[j]) && ps[i].metadata &&
                            strcmp(ps[i].metadata, ps[j].metadata) == 0) {
                                fwarn(L, e->f, e->line,
                                      "metadata: profile '%s' never matches by metadata '%s': "
                                      "profile '%s' has the same metadata and priority %d and "
                                      "wins (lexically first)",
                                      ps[j].name, ps[j].metadata, ps[i].name, prio(&ps[j]));
                                break;
                        }
        }
}

/* ---- loading ---- */

/* Profile names from profiles.d, sorted. Returns 0 (possibly none) or -errno. */
static int list_profiles(loader *L, bool check, char ***names, size_t *n)
{
        int fd = open(L->pdir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                if (e == ENOENT)
                        return 0;
                ferr(L, &L->pdir, 0, "cannot open: %s", strerror(e));
                if (e != ENOTDIR)
                        io_fail(L, -e);
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                close(fd);
                ferr(L, &L->pdir, 0, "cannot stat: %s", strerror(e));
                io_fail(L, -e);
                return -e;
        }
        if (check)
                check_perms(L, &L->pdir, &st);
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                close(fd);
                ferr(L, &L->pdir, 0, "cannot read: %s", strerror(e));
                io_fail(L, -e);
                return -e;
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                const char *nm = de->d_name;
                size_t len = strlen(nm);
                if (nm[0] == '.' || len <= 4 || strcmp(nm + len - 4, ".ini") != 0)
                        continue;
                _cleanup_free_ char *base = strndup(nm, len - 4);
                if (!base)
                        abort();
                if (!valid_profile_name(base)) {
                        _cleanup_free_ char *path = path_join(L->pdir.path, nm);
                        cfile tmp = {.path = path, .ord = ORD_PDIR};
                        fwarn(L, &tmp, 0,
                              "ignored: a profile name may only contain letters, digits, '-', "
                              "'_' and '.'");
                        continue;
                }
                strv_push(names, n, TAKE_PTR(base));
        }
        int e = errno;
        closedir(d);
        if (e) {
                ferr(L, &L->pdir, 0, "cannot read: %s", strerror(e));
                io_fail(L, -e);
                return -e;
        }
        if (*n)
                qsort(*names, *n, sizeof(char *), vp_strp_cmp);
        return 0;
}

static void load_host(loader *L, vp_host_config *h, bool check)
{
        h->on_error = VP_ONERR_REFUSE;
        h->strategy = VP_STRAT_SPREAD;
        if (load_file(L, &L->host, true, check, true) != 0)
                return;
        h->path = vp_xstrdup(L->host.path);
        for (size_t i = 0; i < L->host.n; i++) {
                entry *e = &L->host.e[i];
                if (!e->skip && apply_host(L, h, e) < 0)
                        e->skip = e->bad = true;
        }
        const entry *er = NULL, *ed = NULL, *es = NULL;
        for (size_t i = 0; i < L->host.n; i++) {
                const entry *e = &L->host.e[i];
                if (e->skip)
                        continue;
                if (e->id == K_RESERVED_CPUS)
                        er = e;
                else if (e->id == K_DEDICATED_CPUS)
                        ed = e;
                else if (e->id == K_SHARED_CPUS)
                        es = e;
        }
        char buf[256];
        if (er && ed && vp_cpuset_intersects(&h->reserved_cpus, &h->dedicated_cpus)) {
                vp_cpuset both = h->reserved_cpus;
                vp_cpuset_and(&both, &h->dedicated_cpus);
                eerr(L, ed, "overlaps reserved_cpus (line %u) on CPUs %s", er->line,
                     vp_cpuset_fmt(&both, buf, sizeof(buf)));
        }
        if (er && es && vp_cpuset_intersects(&h->reserved_cpus, &h->shared_cpus)) {
                vp_cpuset both = h->reserved_cpus;
                vp_cpuset_and(&both, &h->shared_cpus);
                eerr(L, es, "overlaps reserved_cpus (line %u) on CPUs %s", er->line,
                     vp_cpuset_fmt(&both, buf, sizeof(buf)));
        }
}

/* Everything after the host file: read, resolve, build and check profiles.
 * With only (sorted, unique), just those profiles are read and profiles.d is
 * not listed (vp_config_load_some). */
static void load_profiles(loader *L, bool check, const char *const *only, size_t n_only,
                          vp_profile **out, size_t *n_out)
{
        char **names = NULL;
        size_t n = 0;
        if (only) {
                names = vp_xcalloc(n_only ? n_only : 1, sizeof(char *));
                for (n = 0; n < n_only; n++)
                        names[n] = vp_xstrdup(only[n]);
        } else
                list_profiles(L, check, &names, &n);
        L->files = vp_xcalloc(n, sizeof(cfile));
        L->n_files = n;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *fn = vp_xasprintf("%s.ini", names[i]);
                L->files[i].name = names[i];
                L->files[i].path = path_join(L->pdir.path, fn);
                L->files[i].ord = ORD_PROFILES + i;
        }
        free(names);

        /* each file's values are checked once, in their own file */
        for (size_t i = 0; i < n; i++) {
                cfile *f = &L->files[i];
                if (load_file(L, f, false, check, false) < 0)
                        continue;
                vp_profile scratch = {0};
                for (size_t k = 0; k < f->n; k++)
                        if (!f->e[k].skip && apply_profile(L, &scratch, &f->e[k], true) < 0)
                                f->e[k].skip = f->e[k].bad = true;
                profile_free(&scratch);
                entry *cells = NULL;
                const entry *cell = NULL;
                for (size_t k = 0; k < f->n; k++) {
                        if (f->e[k].id == K_CELLS && !f->e[k].skip)
                                cells = &f->e[k];
                        if ((f->e[k].id == K_CELL_CPUS || f->e[k].id == K_CELL_MEMORY) && !cell)
                                cell = &f->e[k];
                }
                if (cells && cell) {
                        eerr(L, cells,
                             "cannot be combined with explicit cell.N.* keys (%s at line %u)",
                             cell->key, cell->line);
                        cells->skip = cells->bad = true;
                }
        }

        int *state = vp_xcalloc(n, sizeof(int));
        size_t *stack = vp_xcalloc(n, sizeof(size_t));
        rlist *res = vp_xcalloc(n, sizeof(rlist));
        for (size_t i = 0; i < n; i++)
                if (state[i] == R_NEW)
                        resolve(L, i, state, res, stack, 0);

        vp_profile *ps = vp_xcalloc(n, sizeof(vp_profile));
        for (size_t i = 0; i < n; i++) {
                ps[i].name = vp_xstrdup(L->files[i].name);
                ps[i].path = vp_xstrdup(L->files[i].path);
                for (size_t k = 0; k < res[i].n; k++)
                        if (!res[i].e[k]->skip)
                                apply_profile(L, &ps[i], res[i].e[k], false);
                check_profile(L, &L->files[i], &res[i], &ps[i]);
        }
        if (!L->errors_only)
                warn_ties(L, ps, res, n);

        for (size_t i = 0; i < n; i++)
                free(res[i].e);
        free(res);
        free(stack);
        free(state);
        *out = ps;
        *n_out = n;
}

static int config_load(const char *confdir, bool check_perms_, const char *const *only,
                       size_t n_only, vp_config **out, vp_diag *diag)
{
        *out = NULL;
        if (!confdir || !*confdir) {
                if (diag)
                        vp_diag_add_error(diag, "(confdir):0: no configuration directory given");
                return -EINVAL;
        }
        loader L = {.errors_only = diag && diag->errors_only};
        L.confdir = (cfile){.path = vp_xstrdup(confdir), .ord = ORD_CONFDIR};
        L.host = (cfile){.path = path_join(confdir, "vmplace.ini"), .ord = ORD_HOST};
        L.pdir = (cfile){.path = path_join(confdir, "profiles.d"), .ord = ORD_PDIR};

        vp_host_config host = {.on_error = VP_ONERR_REFUSE, .strategy = VP_STRAT_SPREAD};
        vp_profile *ps = NULL;
        size_t n = 0;
        struct stat st;
        bool present = true;
        if (stat(confdir, &st) < 0) {
                int e = errno;
                if (e == ENOENT)
                        present = false; /* nothing configured: all defaults */
                else {
                        ferr(&L, &L.confdir, 0, "cannot stat: %s", strerror(e));
                        io_fail(&L, -e);
                        present = false;
                }
        } else if (!S_ISDIR(st.st_mode)) {
                ferr(&L, &L.confdir, 0, "not a directory");
                present = false;
        } else if (check_perms_)
                check_perms(&L, &L.confdir, &st);

        if (present) {
                load_host(&L, &host, check_perms_);
                load_profiles(&L, check_perms_, only, n_only, &ps, &n);
                const entry *dp = NULL;
                for (size_t i = 0; i < L.host.n; i++)
                        if (L.host.e[i].id == K_DEFAULT_PROFILE && !L.host.e[i].skip)
                                dp = &L.host.e[i];
                if (dp && !only && find_file(&L, dp->value) < 0)
                        eerr(&L, dp, "no profile '%s' (no profiles.d/%s.ini)", dp->value,
                             dp->value);
        }

        int r = L.io_err ? L.io_err : L.errs.n ? -EINVAL : 0;
        msg_flush(&L.errs, diag ? &diag->errors : NULL, diag ? &diag->n_errors : NULL);
        msg_flush(&L.warns, diag ? &diag->warnings : NULL, diag ? &diag->n_warnings : NULL);
        for (size_t i = 0; i < L.n_files; i++)
                cfile_free(&L.files[i]);
        free(L.files);
        cfile_free(&L.host);
        cfile_free(&L.pdir);
        cfile_free(&L.confdir);

        if (r < 0) {
                host_free(&host);
                for (size_t i = 0; i < n; i++)
                        profile_free(&ps[i]);
                free(ps);
                return r;
        }
        vp_config *c = vp_xcalloc(1, sizeof(*c));
        c->confdir = vp_xstrdup(confdir);
        c->host = host;
        c->profiles = ps;
        c->n_profiles = n;
        c->partial = only != NULL;
        *out = c;
        return 0;
}

int vp_config_load(const char *confdir, bool check_perms, vp_config **out, vp_diag *diag)
{
        return config_load(confdir, check_perms, NULL, 0, out, diag);
}

int vp_config_load_some(const char *confdir, bool check_perms, const char *const *names, size_t n,
                        vp_config **out, vp_diag *diag)
{
        for (size_t i = 0; i < n; i++)
                if (!valid_profile_name(names[i]) || (i && strcmp(names[i - 1], names[i]) >= 0)) {
                        *out = NULL;
                        if (diag)
                                vp_diag_add_error(diag, "(profiles):0: bad profile list");
                        return -EINVAL;
                }
        return config_load(confdir, check_perms, names, n, out, diag);
}

void vp_config_free(vp_config *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_profiles; i++)
                profile_free(&c->profiles[i]);
        free(c->profiles);
        host_free(&c->host);
        free(c->confdir);
        free(c);
}

const vp_profile *vp_config_profile(const vp_config *c, const char *name)
{
        if (!c || !name)
                return NULL;
        ssize_t i = find_by_name(c->profiles, c->n_profiles, sizeof(vp_profile),
                                 offsetof(vp_profile, name), name);
        return i < 0 ? NULL : &c->profiles[i];
}

ssize_t vp_match_rule_find(const vp_match_rule *r, size_t n, const char *name)
{
        return find_by_name(r, n, sizeof(*r), offsetof(vp_match_rule, name), name);
}

ssize_t vp_match_rules(const vp_match_rule *r, size_t n, const char *default_profile,
                       const char *domain_name, const char *metadata, char **matched_by)
{
        if (matched_by)
                *matched_by = NULL;
        ssize_t best = -1;
        /* rules are sorted, so keeping the first of equals is the lexical rule */
        if (metadata && *metadata) {
                for (size_t i = 0; i < n; i++)
                        if (r[i].metadata && strcmp(r[i].metadata, metadata) == 0 &&
                            (best < 0 || r[i].priority > r[best].priority))
                                best = (ssize_t)i;
                if (best >= 0) {
                        if (matched_by)
                                *matched_by = vp_xstrdup("metadata");
                        return best;
                }
        }
        const char *glob = NULL;
        for (size_t i = 0; domain_name && i < n; i++) {
                if (best >= 0 && r[i].priority <= r[best].priority)
                        continue;
                for (size_t k = 0; k < r[i].n_names; k++)
                        if (fnmatch(r[i].names[k], domain_name, 0) == 0) {
                                best = (ssize_t)i;
                                glob = r[i].names[k];
                                break;
                        }
        }
        if (best >= 0) {
                if (matched_by)
                        *matched_by = vp_xasprintf("name:%s", glob);
                return best;
        }
        if (default_profile) {
                best = vp_match_rule_find(r, n, default_profile);
                if (best >= 0 && matched_by)
                        *matched_by = vp_xstrdup("default");
        }
        return best;
}

void vp_config_rule(const vp_profile *p, vp_match_rule *r)
{
        *r = (vp_match_rule){.name = p->name,
                             .names = p->names,
                             .n_names = p->n_names,
                             .metadata = p->metadata,
                             .priority = prio(p),
                             .include = p->include};
}

const vp_profile *vp_config_match(const vp_config *c, const char *domain_name, const char *metadata,
                                  char **matched_by)
{
        if (matched_by)
                *matched_by = NULL;
        if (!c)
                return NULL;
        vp_match_rule *r = vp_xcalloc(c->n_profiles ? c->n_profiles : 1, sizeof(*r));
        for (size_t i = 0; i < c->n_profiles; i++)
                vp_config_rule(&c->profiles[i], &r[i]);
        ssize_t i = vp_match_rules(r, c->n_profiles, c->host.default_profile, domain_name, metadata,
                                   matched_by);
        free(r);
        return i < 0 ? NULL : &c->profiles[i];
}
