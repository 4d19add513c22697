/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `vmplace status --prometheus`: the status rows in Prometheus' text
 * exposition format, as node_exporter's textfile collector reads it, and
 * the drift-detection counter kept in RUNDIR/metrics.state so it stays
 * monotonic across runs. docs/operations.md lists the metrics. */
#ifndef VMPLACE_METRICS_H
#define VMPLACE_METRICS_H

#include <stdint.h>

#include "status.h"
#include "util.h"

/* A label value escaped for the exposition format: backslash, double quote
 * and newline as \\, \" and \n; bytes that are not UTF-8 (the format
 * requires it) as U+FFFD. Returns a malloc'd string. Pure. */
char *vp_prom_escape(const char *s);

/* The exposition text for s: HELP and TYPE lines, then the samples of each
 * metric, at now (epoch seconds, for vmplace_last_run_timestamp_seconds).
 * drift_total NULL leaves the counter out (it could not be kept). Returns a
 * malloc'd string. Pure. */
char *vp_metrics_format(const vp_status *s, int64_t now, const uint64_t *drift_total);

/* Count domains seen going from clean to drift since the last call: under
 * the ledger lock, read RUNDIR/metrics.state ({"version": 1,
 * "drift_detections_total": N, "drifting": [uuid, ...]}; missing = 0 and
 * none), add one per row in state drift not drifting last time, record the
 * drifting set (a row whose check failed keeps its last membership) and
 * replace the file atomically (0600). *total receives the new count.
 * Returns 0, -EBADMSG when the file is not one this wrote (left alone), or
 * another -errno (lock, read, write); err names the file. */
int vp_metrics_count_drift(const char *rundir, const vp_status *s, uint64_t *total, vp_error *err);

#endif
