/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to domain.c: parsing untrusted XML from memory with libxml2, hardened. Network
 * access is off, no entity is expanded and no DTD loaded; a DOCTYPE is refused outright, before
 * its internal subset is read. libxml2's own messages are captured, never printed. Not part of
 * the public API. */
#ifndef VMPLACE_XMLPARSE_H
#define VMPLACE_XMLPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "util.h"

/* Parse xml[0..len) into a new document (*out, free with xmlFreeDoc). what names the input in
 * messages ("domain XML"). Returns 0, or -EINVAL with err saying "<what> has a DOCTYPE:
 * refused", "<what> line N: <libxml2's first error, on one line>" or "<what>: not
 * well-formed"; -EFBIG when len exceeds INT_MAX; -ENOMEM. */
int vp_xml_parse(const char *xml, size_t len, const char *what, xmlDoc **out, vp_error *err);

/* Whether xml[0..len) starts with an XML declaration ("<?xml" and a blank), after an optional
 * UTF-8 byte order mark. */
bool vp_xml_starts_with_decl(const char *xml, size_t len);

#endif
