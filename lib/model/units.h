/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure conversions and range checks for configuration values (SPEC 3): sizes
 * in KiB and decimal integers within bounds. No I/O; messages go to a
 * vp_error and quote the text as written ("1 out of range (2..262144)"), so
 * callers only prefix the key. */
#ifndef VMPLACE_UNITS_H
#define VMPLACE_UNITS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The most memory a domain may have, in KiB: libvirt caps a memory size at LLONG_MAX bytes,
 * which is this many KiB rounded up (2^53). A ledger entry records a domain's memory, so no
 * entry's memory adds up to more either. */
#define VP_MEMORY_MAX_KIB ((uint64_t)LLONG_MAX / 1024 + 1)

/* Parse a decimal integer (optional leading '-', no '+', no base prefixes,
 * surrounding blanks allowed) that must fill the whole string, and check
 * lo <= value <= hi. Returns 0, -EINVAL when the text is not an integer
 * ("'1x' is not an integer"), or -ERANGE when it is outside [lo, hi], which
 * includes numbers too large for long long ("1 out of range (2..262144)"). */
int vp_parse_ll(const char *s, long long lo, long long hi, long long *out, vp_error *err);

/* The same for unsigned targets (ids, counts): lo..hi within unsigned. */
int vp_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out, vp_error *err);

/* Parse a size into KiB: a whole number followed by KiB, MiB, GiB or TiB
 * (binary, exact case, blanks allowed between number and unit), or a bare
 * number meaning KiB: "4GiB", "512 MiB", "1048576". Returns 0, -EINVAL for
 * bad syntax (negative, fraction, unknown unit), -ERANGE when the KiB value
 * does not fit in 64 bits. */
int vp_parse_size_kib(const char *s, uint64_t *kib, vp_error *err);

/* Format a KiB amount with the largest binary unit that represents it exactly
 * ("2 GiB", "1536 MiB", "100 KiB", "0 KiB"). Returns buf. */
const char *vp_size_fmt(uint64_t kib, char *buf, size_t len);

#endif
