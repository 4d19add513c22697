/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vmplace CLI's subcommands. Each returns the process exit code:
 * 0 success, 1 request not met, 2 usage or configuration error. */
#ifndef VMPLACE_CLI_H
#define VMPLACE_CLI_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "paths.h"

enum { EXIT_OK = 0, EXIT_UNMET = 1, EXIT_USAGE = 2 };
/* Human output fits this many columns. */
#define CLI_WIDTH 100

int cmd_plan(const vp_paths *p, int argc, char **argv);
int cmd_validate(const vp_paths *p, int argc, char **argv);
int cmd_topology(const vp_paths *p, int argc, char **argv);
int cmd_status(const vp_paths *p, int argc, char **argv);
int cmd_apply(const vp_paths *p, int argc, char **argv);
int cmd_sync(const vp_paths *p, int argc, char **argv);
int cmd_doctor(const vp_paths *p, int argc, char **argv);

/* o[key] = s as a JSON string, or null when s is NULL. */
void cli_json_str(json_object *o, const char *key, const char *s);
/* Print one JSON object on stdout, pretty, newline-terminated; drops it. */
void cli_print_json(json_object *o);
/* Width of s in columns as cli_fit counts them: UTF-8 code points. */
size_t cli_width(const char *s);
/* s cut and padded to width characters for a table column, counting UTF-8
 * code points and never cutting one in half; a cut shows as a trailing '~'
 * and control characters as '?'. Returns buf. */
const char *cli_fit(const char *s, size_t width, char *buf, size_t len);
/* Print text from column col on (the caller printed what comes before),
 * wrapping at blanks to CLI_WIDTH columns with continuation lines indented
 * to col; a word longer than a line is cut. Ends the line. */
void cli_wrap(const char *text, size_t col);
/* Whether the whole configuration loads; when not, prints every problem as
 * "vmplace CMD: FILE:LINE: message" on stderr. Commands that change things
 * check it first so a broken profile set never half-applies. */
bool cli_config_valid(const vp_paths *p, const char *cmd);
/* true when argv has --help/-h; prints the text. */
bool cli_wants_help(int argc, char **argv, const char *text);

#endif
