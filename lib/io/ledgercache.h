/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ledger.cache: a binary copy of the ledger beside ledger.json, so that a
 * hook call reads the ledger without parsing it with json-c. With 50 other
 * VMs that parse was a quarter of a managed prepare: the json-c tree of a
 * 22 KiB ledger takes ~170 KiB of fresh heap, and a fresh page costs a fault.
 *
 * ledger.json stays the record. The cache is written after it, under the
 * lock, and is only believed while its key (device, inode, size, mtime and
 * ctime of the ledger.json it was written for) matches the ledger.json there
 * now and its checksum its content; anything else (no cache, a ledger.json
 * replaced by a writer killed before the cache, an edit by hand, a damaged or
 * foreign file) reads ledger.json as before. A writer renames a new file over
 * ledger.json, so the file a stale cache names is still there while the new
 * one gets its inode: a stale key cannot name the new file. */
#ifndef VMPLACE_LEDGERCACHE_H
#define VMPLACE_LEDGERCACHE_H

#include <sys/stat.h>

#include "ledger.h"

#define VP_LEDGER_CACHE_FILE "ledger.cache"

/* Write l to path (atomically, mode 0600) as the cache of the ledger.json
 * whose stat is json_st. l must be what vp_ledger_load returns for that file
 * (vp_ledger_normal says whether it is). Returns 0 or -errno; a cache that
 * could not be written costs the next reader a JSON parse, nothing else. */
int vp_ledger_cache_write(const char *path, const struct stat *json_st, const vp_ledger *l);

/* Load the cache at path into l when it was written for the ledger.json
 * whose stat is json_st, is ours (a regular file of this euid, mode 0600)
 * and intact. Returns 0, or -1 with l empty: read ledger.json instead. */
int vp_ledger_cache_read(const char *path, const struct stat *json_st, vp_ledger *l);

/* The pure core of vp_ledger_cache_read: the len bytes after the header's
 * checksum. Returns 0 with l loaded (a normal ledger, vp_ledger_normal, whose
 * every entry vp_ledger_save accepts), or -1 with l empty. */
int vp_ledger_cache_parse(const void *payload, size_t len, vp_ledger *l);

#endif
