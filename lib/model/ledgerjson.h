/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger's JSON text (SPEC section 4): ledger.json as the store reads
 * and writes it, parsed from and rendered to memory. Messages name the file
 * the text is of, which the caller passes. */
#ifndef VMPLACE_LEDGERJSON_H
#define VMPLACE_LEDGERJSON_H

#include <stddef.h>

#include "ledger.h"
#include "util.h"

/* The ledger file format's version; another is refused. */
#define VP_LEDGER_JSON_VERSION 1

/* Parse text[0..len) (need not end in a NUL), the content of file, into l.
 * Returns 0, or -EBADMSG when it does not parse: not strict JSON ("FILE: not
 * valid JSON: REASON at byte N", a NUL byte, trailing data) or not a ledger
 * ("FILE: entry N: bad 'held' value 'x': ...", N counting from 0 in the
 * text). *l is overwritten (free it first) and is empty on error. Unknown
 * keys are ignored; a version other than 1 is refused; entries come out
 * sorted by name then uuid, uuids in lower case. */
int vp_ledger_json_parse(const char *file, const char *text, size_t len, vp_ledger *l,
                         vp_error *err);

/* Append l's text, as json-c would print it (jsontext.h) and newline
 * terminated, to out: what vp_ledger_json_parse reads back as l (for a
 * normal ledger, vp_ledger_normal), with only the newest
 * VP_LEDGER_PREVIOUS_MAX previous records. Returns 0, or -EINVAL with out
 * unchanged when an entry could not be loaded back (no name or state, bad
 * uuid, ...; err names file and entry). */
int vp_ledger_json_render(const char *file, const vp_ledger *l, vp_buf *out, vp_error *err);

#endif
