/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plan -> the JSON object of `vmplace plan --json` (SPEC section 5) and the
 * state file the hook saves. */
#ifndef VMPLACE_PLANJSON_H
#define VMPLACE_PLANJSON_H

#include <json-c/json.h>

#include "cgwrites.h"
#include "drift.h"
#include "plan.h"

/* Call once at program start, before any JSON object: makes json-c use its
 * seedless string hash. The default one seeds itself from getrandom(),
 * which blocks for about a second on a freshly booted host still gathering
 * entropy: exactly when libvirt autostarts VMs through the hook. (Hash
 * flooding is no concern: the JSON read is the ledger vmplace writes.) */
void vp_json_init(void);

/* Names of the launch-only items, in VP_LAUNCH_* bit order. */
extern const char *const vp_launch_only_names[3];

/* Build the object. xml_diff may be NULL. The caller owns the result
 * (json_object_put). */
json_object *vp_plan_to_json(const vp_plan *plan, const vp_domain *dom, vp_cgroup_version v,
                             const char *xml_diff);

/* A cpuset as JSON: normalised string, or null when empty. */
json_object *vp_json_cpuset(const vp_cpuset *s);
/* The VP_LAUNCH_* bits as an array of vp_launch_only_names. */
json_object *vp_json_launch_only(unsigned launch_only);
/* Drift as SPEC 5's array of {file, want, have}. */
json_object *vp_json_drifts(const vp_drifts *d);
/* A set of ids as a JSON array of integers. */
json_object *vp_json_id_array(const vp_cpuset *s);
/* A ledger entry as `vmplace status --json` rows show it (SPEC 5): name,
 * uuid, profile, matched_by, state (as given), kind, cpus (where its vCPUs
 * run), held, emulator_cpus, nodes, memory_kib (all nodes). uuid, profile
 * and matched_by may be NULL (null). */
json_object *vp_json_entry(const vp_ledger_entry *e, const char *state);

#endif
