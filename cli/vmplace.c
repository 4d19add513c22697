/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace: the operator CLI (SPEC section 5). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "configfile.h"
#include "planjson.h"

static const char usage_text[] =
    "usage: vmplace COMMAND [ARGS]\n"
    "\n"
    "  plan [--json] (DOMAIN | --xml FILE|-)   dry run: profile, placement, XML diff, cgroup "
    "writes\n"
    "  status [--json|--prometheus] [--check]  ledger entries and managed running domains\n"
    "  apply [--json] (DOMAIN... | --all)      re-plan running domains and enforce live\n"
    "  sync [--json] [--dry-run] (DOMAIN... | --all)\n"
    "                                          persist the placement into libvirt's definition\n"
    "  topology [--json]                       nodes, CPUs, siblings, memory, who holds what\n"
    "  validate                                check vmplace.ini and profiles.d/*.ini\n"
    "  doctor [--json]                         host settings that undo placement, with fixes\n"
    "\n"
    "Exit codes: 0 success, 1 request not met, 2 usage or configuration error.\n"
    "Environment: VMPLACE_CONFDIR VMPLACE_RUNDIR VMPLACE_SYSFS VMPLACE_CGROUP_ROOT\n"
    "VMPLACE_PROC VMPLACE_LIBVIRT_RUNDIR VMPLACE_LIBVIRT_CONFDIR override the default paths.\n";

void cli_json_str(json_object *o, const char *key, const char *s)
{
        json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

void cli_print_json(json_object *o)
{
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}

size_t cli_width(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xC0) != 0x80; /* not a continuation byte */
        return n;
}

/* C0 controls, DEL and C1 controls (U+0080..U+009F, C2 80..9F in UTF-8):
 * a terminal acts on them, so a name holding one could move the cursor. */
static bool is_control(const char *s, size_t n)
{
        unsigned char c = (unsigned char)s[0];
        return c < 0x20 || c == 0x7F || (n == 2 && c == 0xC2 && (unsigned char)s[1] < 0xA0);
}

const char *cli_fit(const char *s, size_t width, char *buf, size_t len)
{
        size_t chars = 0, i = 0, o = 0;
        size_t total = cli_width(s);
        size_t keep = total > width && width ? width - 1 : width;
        while (s[i] && chars < keep) {
                size_t n = 1;
                while (s[i + n] && ((unsigned char)s[i + n] & 0xC0) == 0x80)
                        n++;
                if (o + n + 2 > len)
                        break;
                if (is_control(s + i, n))
                        buf[o++] = '?';
                else {
                        memcpy(buf + o, s + i, n);
                        o += n;
                }
                i += n;
                chars++;
        }
        if (total > width && o + 2 <= len) {
                buf[o++] = '~';
                chars++;
        }
        while (chars < width && o + 1 < len) {
                buf[o++] = ' ';
                chars++;
        }
        buf[o] = '\0';
        return buf;
}

/* Code points in s[0..n). */
static size_t span_width(const char *s, size_t n)
{
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
                c += ((unsigned char)s[i] & 0xC0) != 0x80;
        return c;
}

/* Print text from column col on, wrapping at blanks to WIDTH columns with
 * continuation lines indented to col; a word longer than a line is cut. */
void cli_wrap(const char *text, size_t col)
{
        size_t room = CLI_WIDTH - col, used = 0;
        const char *p = text;
        while (*p) {
                while (*p == ' ')
                        p++;
                size_t n = strcspn(p, " ");
                if (!n)
                        break;
                size_t w = span_width(p, n);
                if (used && used + 1 + w > room) {
                        printf("\n%*s", (int)col, "");
                        used = 0;
                } else if (used) {
                        putchar(' ');
                        used++;
                }
                while (w > room) { /* a path or list longer than a line */
                        size_t take = 0, c = 0;
                        while (c < room - used) {
                                size_t k = 1;
                                while (((unsigned char)p[take + k] & 0xC0) == 0x80)
                                        k++;
                                take += k;
                                c++;
                        }
                        printf("%.*s\n%*s", (int)take, p, (int)col, "");
                        p += take;
                        n -= take;
                        w -= c;
                        used = 0;
                }
                printf("%.*s", (int)n, p);
                used += w;
                p += n;
        }
        putchar('\n');
}

bool cli_config_valid(const vp_paths *p, const char *cmd)
{
        vp_config *cfg = NULL;
        vp_diag diag = {0};
        int r = vp_config_load(p->confdir, geteuid() == 0, &cfg, &diag);
        for (size_t i = 0; r < 0 && i < diag.n_errors; i++)
                fprintf(stderr, "vmplace %s: %s\n", cmd, diag.errors[i].msg);
        if (r < 0 && diag.n_errors == 0)
                fprintf(stderr, "vmplace %s: %s: %s\n", cmd, p->confdir, strerror(-r));
        vp_config_free(cfg);
        vp_diag_free(&diag);
        return r == 0;
}

bool cli_wants_help(int argc, char **argv, const char *text)
{
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        fputs(text, stdout);
                        return true;
                }
        return false;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fputs(usage_text, stderr);
                return EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                fputs(usage_text, stdout);
                return EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("vmplace %s\n", VMPLACE_VERSION);
                return EXIT_OK;
        }
        vp_paths paths;
        vp_paths_from_env(&paths);
        vp_json_init();
        static const struct {
                const char *name;
                int (*fn)(const vp_paths *, int, char **);
        } cmds[] = {
            /* clang-format off */
            {"plan", cmd_plan},
            {"validate", cmd_validate},
            {"topology", cmd_topology},
            {"status", cmd_status},
            {"apply", cmd_apply},
            {"sync", cmd_sync},
            {"doctor", cmd_doctor},
            /* clang-format on */
        };
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
                if (strcmp(argv[1], cmds[i].name) == 0)
                        return cmds[i].fn(&paths, argc - 1, argv + 1);
        fprintf(stderr, "vmplace: unknown command '%s' (try vmplace --help)\n", argv[1]);
        return EXIT_USAGE;
}
