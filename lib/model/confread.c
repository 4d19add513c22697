/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The line reader and inih handler.
 *
 * inih (Debian: no line numbers in the handler, 200-byte lines) is driven
 * through our own line reader, which counts lines, rejects over-long lines
 * and bad syntax itself (so every such line is reported, not only the first),
 * and hands inih a blank line in their place. */
#include "confread.h"

#include <ctype.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

typedef struct pctx {
        vp_confload *L;
        vp_conf_file *f;
        bool is_host;
        const char *buf;
        size_t len, pos;
        unsigned line;
        vp_conf_sect sect;
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
        vp_conf_sect id = vp_conf_sect_find(name);
        c->skip = true;
        if (!id)
                vp_cl_err(c->L, c->f, c->line, "unknown section [%s]", name);
        else if (c->is_host && id != VP_SECT_HOST)
                vp_cl_err(
                    c->L, c->f, c->line,
                    "section [%s] belongs in a profile (profiles.d/NAME.ini), not in vmplace.ini",
                    name);
        else if (!c->is_host && id == VP_SECT_HOST)
                vp_cl_err(c->L, c->f, c->line,
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
                        vp_cl_err(c->L, c->f, c->line, "syntax error: '[' without closing ']'");
                        c->skip = true; /* keys below belong to no known section */
                        return false;
                }
                const char *rest = end + 1;
                while (isspace((unsigned char)*rest))
                        rest++;
                if (*rest && *rest != ';' && *rest != '#')
                        vp_cl_err(c->L, c->f, c->line, "syntax error: text after ']'");
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
                vp_cl_err(c->L, c->f, c->line,
                          "syntax error: expected 'key = value' or '[section]'");
                return false;
        }
        if (end == s) {
                vp_cl_err(c->L, c->f, c->line, "syntax error: no key before '%c'", *end);
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
                vp_cl_err(c->L, c->f, c->line, "syntax error: NUL byte in line");
                return str;
        }
        while (n > 0 && isspace((unsigned char)*p)) {
                p++;
                n--;
        }
        if (n > MAX_LINE_CHARS) {
                vp_cl_err(c->L, c->f, c->line, "line too long (%zu characters, at most %d)", n,
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
                        vp_cl_err(c->L, c->f, c->line,
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
                        vp_cl_err(c->L, c->f, c->line,
                                  "line too long: key too long (%zu characters)", strlen(line));
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
        if (c->sect == VP_SECT_NONE) {
                vp_cl_err(c->L, c->f, c->line, "%s: key outside any section", name);
                return 1;
        }
        const vp_conf_key *row;
        unsigned id = 0;
        vp_error err;
        if (vp_conf_key_lookup(c->sect, c->is_host, name, &row, &id, &err) < 0) {
                vp_cl_err(c->L, c->f, c->line, "%s", err.msg);
                return 1;
        }
        for (size_t i = 0; i < c->f->n; i++)
                if (c->f->e[i].sect == c->sect && strcmp(c->f->e[i].key, name) == 0) {
                        vp_cl_err(c->L, c->f, c->line, "%s: duplicate key (first set at line %u)",
                                  name, c->f->e[i].line);
                        return 1;
                }
        c->f->e = vp_xrealloc(c->f->e, (c->f->n + 1) * sizeof(vp_conf_entry));
        c->f->e[c->f->n++] = (vp_conf_entry){
            .sect = c->sect,
            .row = row,
            .id = id,
            .key = vp_xstrdup(name),
            .value = vp_xstrdup(value),
            .line = c->line,
            .f = c->f,
            .skip = *value == '\0',
        };
        return 1;
}

void vp_confread(vp_confload *L, vp_conf_file *f, bool is_host, const char *buf, size_t len)
{
        pctx c = {.L = L, .f = f, .is_host = is_host, .buf = buf, .len = len};
        int r = ini_parse_stream(reader, &c, handler, &c);
        for (size_t i = 0; i < c.n_longv; i++)
                free(c.longv[i]);
        free(c.longv);
        /* our reader already rejected what inih would; this is a backstop */
        if (r > 0 && !vp_cl_has_err_at(L, f->ord, (unsigned)r))
                vp_cl_err(L, f, (unsigned)r, "syntax error");
        else if (r < 0)
                vp_cl_err(L, f, 0, "cannot parse (inih error %d)", r);
}
