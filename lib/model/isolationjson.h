/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The isolation record's JSON (RUNDIR/isolation.json, docs/isolation.md
 * "State"): what isolation changed and how it was, for a restore after the
 * agent restarts. Pure: objects in memory; jsonfile.h reads and writes the
 * file. */
#ifndef VMPLACE_ISOLATIONJSON_H
#define VMPLACE_ISOLATIONJSON_H

#include <json-c/json.h>

#include "isolation.h"
#include "util.h"

/* The format's version; another is refused. */
#define VP_ISOLATION_JSON_VERSION 1

/* r as an object:
 *   {"version": 1, "isolated": "2-3", "housekeeping": "0-1,4-7",
 *    "irq_default": "ff", "workqueue": null,
 *    "irqs": [{"irq": 24, "affinity": "2-3"}, ...]}
 * CPU lists as lists; the two masks as the hex text the kernel showed
 * (its width kept), null when they were not changed. The caller puts it. */
json_object *vp_isolation_to_json(const vp_isolation_record *r);

/* root (the content of file, for messages) as a record in *r (zeroed
 * first; vp_isolation_record_free it, also on error). Returns 0, or
 * -EBADMSG with err saying "FILE: what is wrong" (a member missing or of
 * the wrong type, a list or mask that does not parse, IRQs out of order or
 * repeated, a version other than 1). Unknown members are ignored. */
int vp_isolation_from_json(const char *file, json_object *root, vp_isolation_record *r,
                           vp_error *err);

#endif
