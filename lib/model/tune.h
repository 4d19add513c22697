/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The placement vocabulary shared by profiles, domain XML and plans: libvirt's
 * <cputune>, <vcpu cpuset>, <numatune> and guest <cpu><numa> cells. Each item
 * carries a "set" flag so "not said" differs from any value. */
#ifndef VMPLACE_TUNE_H
#define VMPLACE_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"

typedef struct vp_opt_ll {
        bool set;
        long long v;
} vp_opt_ll;

typedef enum vp_mem_mode {
        VP_MEM_UNSET = 0,
        VP_MEM_STRICT,
        VP_MEM_PREFERRED,
        VP_MEM_INTERLEAVE,
        VP_MEM_RESTRICTIVE,
} vp_mem_mode;

/* Names indexed by vp_mem_mode (index 0, UNSET, is NULL). */
extern const char *const vp_mem_mode_names[VP_MEM_RESTRICTIVE + 1];
/* "strict", ... ; NULL for UNSET */
const char *vp_mem_mode_name(vp_mem_mode m);
/* Returns the mode or VP_MEM_UNSET for unknown text. */
vp_mem_mode vp_mem_mode_from_name(const char *s);

typedef struct vp_pin {
        unsigned id;
        vp_cpuset set;
} vp_pin;

typedef struct vp_memnode {
        unsigned cellid;
        vp_mem_mode mode; /* UNSET: not said */
        bool nodeset_set;
        vp_cpuset nodeset;
} vp_memnode;

typedef struct vp_cell {
        unsigned id;
        bool cpus_set;
        vp_cpuset cpus; /* guest vCPU ids */
        bool memory_set;
        uint64_t memory_kib;
} vp_cell;

/* Indices into vp_tune.q: the period/quota/shares scalars, in libvirt order. */
typedef enum vp_tune_scalar {
        VP_T_SHARES = 0,
        VP_T_GLOBAL_PERIOD,
        VP_T_GLOBAL_QUOTA,
        VP_T_VCPU_PERIOD,
        VP_T_VCPU_QUOTA,
        VP_T_EMULATOR_PERIOD,
        VP_T_EMULATOR_QUOTA,
        VP_T_IOTHREAD_PERIOD,
        VP_T_IOTHREAD_QUOTA,
        VP_T__COUNT,
} vp_tune_scalar;

/* libvirt's element name ("shares", "global_period", ...) — also the INI key
 * in [cputune] and the JSON key in plan output. */
extern const char *const vp_tune_scalar_names[VP_T__COUNT];
/* The element name inside <cputune>: as above except vcpu_period -> "period"
 * and vcpu_quota -> "quota". */
extern const char *const vp_tune_scalar_xml_names[VP_T__COUNT];

typedef struct vp_tune {
        vp_opt_ll q[VP_T__COUNT];

        bool vcpu_cpuset_set; /* <vcpu cpuset=...> / [cputune] vcpus */
        vp_cpuset vcpu_cpuset;

        vp_pin *vcpupin; /* sorted by id, ids unique */
        size_t n_vcpupin;
        bool emulatorpin_set;
        vp_cpuset emulatorpin;
        vp_pin *iothreadpin; /* sorted by id, ids unique */
        size_t n_iothreadpin;

        vp_mem_mode mem_mode; /* <numatune><memory mode> */
        bool nodeset_set;
        vp_cpuset nodeset;    /* <numatune><memory nodeset> */
        vp_memnode *memnodes; /* sorted by cellid */
        size_t n_memnodes;

        vp_cell *cells; /* guest NUMA cells, sorted by id */
        size_t n_cells;
} vp_tune;

void vp_tune_init(vp_tune *t);
void vp_tune_free(vp_tune *t); /* frees arrays; t stays usable (empty) */
/* Deep copy src into dst (dst must be initialised; its old content is freed). */
void vp_tune_copy(vp_tune *dst, const vp_tune *src);

/* Whether two tunes say the same: the guest cells (ids, vCPUs, memory), the
 * memnode bindings, and (vp_tune_equal) every item. Pins and cells compare
 * by value, so two documents formatted differently compare equal. */
bool vp_tune_cells_equal(const vp_tune *a, const vp_tune *b);
bool vp_tune_memnodes_equal(const vp_tune *a, const vp_tune *b);
bool vp_tune_equal(const vp_tune *a, const vp_tune *b);

/* Insert or replace the pin for id, keeping the array sorted. */
void vp_pins_put(vp_pin **arr, size_t *n, unsigned id, const vp_cpuset *set);
const vp_pin *vp_pins_find(const vp_pin *arr, size_t n, unsigned id);
/* Same ids with the same CPUs, in order. */
bool vp_pins_equal(const vp_pin *a, size_t na, const vp_pin *b, size_t nb);
/* Find-or-insert the memnode / cell of that id (zeroed when new), sorted. */
vp_memnode *vp_memnodes_get(vp_memnode **arr, size_t *n, unsigned cellid);
vp_cell *vp_cells_get(vp_cell **arr, size_t *n, unsigned id);

#endif
