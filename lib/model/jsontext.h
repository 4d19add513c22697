/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON text in memory: strict parsing with json-c, and the hand-written
 * pretty printing the ledger uses (jsonfile.h reads and writes the files). */
#ifndef VMPLACE_JSONTEXT_H
#define VMPLACE_JSONTEXT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

static inline void vp_json_putp(json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(vp_json_putp)

/* Parse text[0..len) (need not end in a NUL) as one strict JSON value, the
 * content of name (for messages only). Returns 0 with *out (the caller puts
 * it), or -EBADMSG when it is not JSON ("NAME: not valid JSON: REASON at
 * byte N"; a NUL byte, trailing data and a truncated text each said so). */
int vp_json_parse(const char *name, const char *text, size_t len, json_object **out, vp_error *err);

/* JSON text written by hand into a growing buffer, for files written on
 * every hook call (the ledger): building, printing and freeing a json-c tree
 * for them cost several times the text itself. The helpers below produce
 * exactly the bytes json-c's printer does with JSON_C_TO_STRING_PRETTY |
 * JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE (what
 * vp_json_file_write writes), so files look the same whichever wrote them.
 * The buffer is util.h's vp_buf. */
/* Decimal, as json-c prints an int64. */
void vp_jbuf_put_i64(vp_buf *b, int64_t v);
/* s as a quoted JSON string, escaped as json-c escapes with
 * JSON_C_TO_STRING_NOSLASHESCAPE: '"' and '\\' and the control characters
 * below 0x20 (\b \f \n \r \t by name, the others as \u00xx); '/', DEL
 * and every byte >= 0x80 as they are. A domain name is text the hook did not
 * choose: valid UTF-8 stays as it is, which is valid JSON; invalid UTF-8
 * (which json-c's reader accepts, and which no \u escape could spell) is
 * kept byte for byte, so what loaded saves and loads back the same. */
void vp_jbuf_put_str(vp_buf *b, const char *s);
/* The pretty layout: the separator before a member at nesting level
 * (",\n" after the first, "\n" before it) plus its indentation, and a
 * member's key, which must need no escaping (the callers' keys are fixed
 * ASCII words). */
void vp_jbuf_next(vp_buf *b, bool first, unsigned level);
void vp_jbuf_key(vp_buf *b, bool first, unsigned level, const char *key);
/* Close an object or array whose members were at level + 1: "\n", the
 * indentation of level and c ('}' or ']'); json-c writes an empty one as
 * "{\n" INDENT "}" too. */
void vp_jbuf_close(vp_buf *b, unsigned level, char c);

#endif
