/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the fuzz targets: a per-process scratch directory (on
 * tmpfs when there is one) for the parsers that only read files, and the
 * checks every target makes of the library's error messages. Everything
 * here aborts on failure: a harness problem must not look like a clean run. */
#ifndef VMPLACE_FUZZ_COMMON_H
#define VMPLACE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The scratch directory, created on first use and removed at exit. */
const char *fz_dir(void);

/* fz_dir()/rel as a malloc'd string. */
char *fz_path(const char *rel);

/* Create fz_dir()/rel and its parents. */
void fz_mkdir(const char *rel);

/* Replace fz_dir()/rel with data[0..len). */
void fz_write(const char *rel, const void *data, size_t len);

/* Remove fz_dir()/rel if present. */
void fz_unlink(const char *rel);

/* Abort unless msg is a non-empty one-line message: what a program prints
 * (SPEC style: every error is one line naming what is wrong; the loaders
 * quote values with their control characters replaced). what names the
 * call for the report. */
void fz_check_msg(const char *what, const char *msg);

/* Abort unless msg is non-empty. For the pure value parsers, whose messages
 * quote the text as given and whose callers sanitise it. */
void fz_check_said(const char *what, const char *msg);

struct vp_topology;
struct vp_config;
/* The fixtures several targets plan against: the 2-node SMT topology and
 * the test config tree from tests/data (aborts when they do not load). */
void fz_load_fixtures(struct vp_topology **topo, struct vp_config **cfg);

/* Abort with a message on stderr: an invariant of the library broke. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Split data at every "\n%%\n" separator line: fills parts/lens with at most
 * max pieces (the last one keeps any further separators) and returns how
 * many. */
size_t fz_split(const uint8_t *data, size_t size, const uint8_t **parts, size_t *lens, size_t max);

#endif
