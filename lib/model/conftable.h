/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The keys of vmplace.ini and profiles.d/NAME.ini as one table: each row
 * names its section and key, the parser that reads a value, and where the
 * value goes (an offset in the vp_profile or vp_host_config, or a setter
 * that reads ctx->obj). Keys carrying an id (vcpupin.N, cell.N.cpus, ...) are
 * rows of a second table, NAME N SUFFIX. Pure: values in, values out.
 * tests/sh/test_man.sh and test_hostile.sh read the rows from conftable.c. */
#ifndef VMPLACE_CONFTABLE_H
#define VMPLACE_CONFTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "util.h"

/* "host", "match", ...; NULL for NONE. */
const char *vp_conf_sect_name(vp_conf_sect s);
/* The section named name, or VP_SECT_NONE when there is none. */
vp_conf_sect vp_conf_sect_find(const char *name);

struct vp_conf_key;

/* What a parser is told besides the value. */
typedef struct vp_conf_ctx {
        const struct vp_conf_key *key;
        unsigned id; /* the N of an id key; 0 for other keys */
        void *obj;   /* the vp_profile or vp_host_config being filled */
} vp_conf_ctx;

/* Parse value and store it at dst (obj + key->offset). Returns 0, or -EINVAL
 * or -ERANGE with the message in err; on error nothing is stored. */
typedef int vp_conf_parser(const vp_conf_ctx *ctx, const char *value, void *dst, vp_error *err);

/* Flags of a row: how a key behaves across an include. */
enum {
        VP_CONF_LOCAL = 1 << 0,      /* never inherited (include) */
        VP_CONF_CELLS_FORM = 1 << 1, /* [guest_numa] cells = ...: one form of the choice */
        VP_CONF_CELL_KEY = 1 << 2,   /* [guest_numa] cell.N.*: the other form */
};

typedef struct vp_conf_key {
        vp_conf_sect sect;
        const char *name;   /* an id key: the part before N ("vcpupin.") */
        const char *suffix; /* an id key: the part after N ("" or ".mode"); NULL otherwise */
        vp_conf_parser *parse;
        size_t offset;            /* of dst in obj */
        size_t set_offset;        /* of a bool set with the value in obj; 0: none */
        long long lo, hi;         /* the value's range; cpusets: hi is the largest id + 1 */
        const char *const *words; /* enum keys: the words, index 0 unused */
        size_t n_words;
        unsigned id_lo, id_hi; /* id keys: the range of N */
        const char *id_what;   /* id keys: what N is, for messages */
        unsigned flags;
} vp_conf_key;

/* The row of key in section sect (with is_host: whether the file is
 * vmplace.ini, for the hint about a key under the wrong header); *id gets an
 * id key's N. Returns 0, or -EINVAL with the message in err (unknown key, bad
 * id), e.g. "unknown key 'x' in [cputune]". */
int vp_conf_key_lookup(vp_conf_sect sect, bool is_host, const char *key, const vp_conf_key **row,
                       unsigned *id, vp_error *err);

/* The row of the plain (not id) key name in sect, or of the id key whose
 * name and suffix these are (suffix NULL: a plain key). Aborts when there is
 * no such row: the callers name keys of this table. */
const vp_conf_key *vp_conf_key_get(vp_conf_sect sect, const char *name, const char *suffix);

/* Parse value for row (id: an id key's N) into obj (a vp_profile, or a
 * vp_host_config for [host] rows). Returns 0, or -errno with the message in
 * err; on error obj is unchanged. */
int vp_conf_apply(const vp_conf_key *row, unsigned id, void *obj, const char *value, vp_error *err);

/* The table's rows (for tests): the plain keys, sorted by (section, name),
 * and the id keys. *n gets the count. */
const vp_conf_key *vp_conf_plain_keys(size_t *n);
const vp_conf_key *vp_conf_id_keys(size_t *n);

#endif
