/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tune.h"

#include <string.h>

const char *const vp_tune_scalar_names[VP_T__COUNT] = {
    [VP_T_SHARES] = "shares",
    [VP_T_GLOBAL_PERIOD] = "global_period",
    [VP_T_GLOBAL_QUOTA] = "global_quota",
    [VP_T_VCPU_PERIOD] = "vcpu_period",
    [VP_T_VCPU_QUOTA] = "vcpu_quota",
    [VP_T_EMULATOR_PERIOD] = "emulator_period",
    [VP_T_EMULATOR_QUOTA] = "emulator_quota",
    [VP_T_IOTHREAD_PERIOD] = "iothread_period",
    [VP_T_IOTHREAD_QUOTA] = "iothread_quota",
};

const char *const vp_tune_scalar_xml_names[VP_T__COUNT] = {
    [VP_T_SHARES] = "shares",
    [VP_T_GLOBAL_PERIOD] = "global_period",
    [VP_T_GLOBAL_QUOTA] = "global_quota",
    [VP_T_VCPU_PERIOD] = "period",
    [VP_T_VCPU_QUOTA] = "quota",
    [VP_T_EMULATOR_PERIOD] = "emulator_period",
    [VP_T_EMULATOR_QUOTA] = "emulator_quota",
    [VP_T_IOTHREAD_PERIOD] = "iothread_period",
    [VP_T_IOTHREAD_QUOTA] = "iothread_quota",
};

const char *const vp_mem_mode_names[VP_MEM_RESTRICTIVE + 1] = {
    [VP_MEM_STRICT] = "strict",
    [VP_MEM_PREFERRED] = "preferred",
    [VP_MEM_INTERLEAVE] = "interleave",
    [VP_MEM_RESTRICTIVE] = "restrictive",
};

const char *vp_mem_mode_name(vp_mem_mode m)
{
        if (m <= VP_MEM_UNSET || (size_t)m >= VP_ARRAY_SIZE(vp_mem_mode_names))
                return NULL;
        return vp_mem_mode_names[m];
}

vp_mem_mode vp_mem_mode_from_name(const char *s)
{
        for (size_t i = 1; s && i < VP_ARRAY_SIZE(vp_mem_mode_names); i++)
                if (strcmp(s, vp_mem_mode_names[i]) == 0)
                        return (vp_mem_mode)i;
        return VP_MEM_UNSET;
}

void vp_tune_init(vp_tune *t)
{
        memset(t, 0, sizeof(*t));
}

void vp_tune_free(vp_tune *t)
{
        free(t->vcpupin);
        free(t->iothreadpin);
        free(t->memnodes);
        free(t->cells);
        t->vcpupin = t->iothreadpin = NULL;
        t->memnodes = NULL;
        t->cells = NULL;
        t->n_vcpupin = t->n_iothreadpin = t->n_memnodes = t->n_cells = 0;
}

static void *dup_array(const void *src, size_t n, size_t sz)
{
        if (!n)
                return NULL;
        void *d = vp_xmalloc(n * sz);
        memcpy(d, src, n * sz);
        return d;
}

void vp_tune_copy(vp_tune *dst, const vp_tune *src)
{
        vp_tune_free(dst);
        *dst = *src;
        dst->vcpupin = dup_array(src->vcpupin, src->n_vcpupin, sizeof(vp_pin));
        dst->iothreadpin = dup_array(src->iothreadpin, src->n_iothreadpin, sizeof(vp_pin));
        dst->memnodes = dup_array(src->memnodes, src->n_memnodes, sizeof(vp_memnode));
        dst->cells = dup_array(src->cells, src->n_cells, sizeof(vp_cell));
}

/* Sorted find-or-insert over arrays whose first member is an unsigned id. */
static void *sorted_get(void **arr, size_t *n, size_t sz, unsigned id, bool *created)
{
        char *a = *arr;
        size_t i = 0;
        while (i < *n && *(unsigned *)(a + i * sz) < id)
                i++;
        if (i < *n && *(unsigned *)(a + i * sz) == id) {
                *created = false;
                return a + i * sz;
        }
        a = vp_xrealloc(a, (*n + 1) * sz);
        memmove(a + (i + 1) * sz, a + i * sz, (*n - i) * sz);
        memset(a + i * sz, 0, sz);
        *(unsigned *)(a + i * sz) = id;
        (*n)++;
        *arr = a;
        *created = true;
        return a + i * sz;
}

void vp_pins_put(vp_pin **arr, size_t *n, unsigned id, const vp_cpuset *set)
{
        bool created;
        vp_pin *p = sorted_get((void **)arr, n, sizeof(vp_pin), id, &created);
        p->set = *set;
}

const vp_pin *vp_pins_find(const vp_pin *arr, size_t n, unsigned id)
{
        for (size_t i = 0; i < n; i++)
                if (arr[i].id == id)
                        return &arr[i];
        return NULL;
}

vp_memnode *vp_memnodes_get(vp_memnode **arr, size_t *n, unsigned cellid)
{
        bool created;
        return sorted_get((void **)arr, n, sizeof(vp_memnode), cellid, &created);
}

vp_cell *vp_cells_get(vp_cell **arr, size_t *n, unsigned id)
{
        bool created;
        return sorted_get((void **)arr, n, sizeof(vp_cell), id, &created);
}

bool vp_tune_cells_equal(const vp_tune *a, const vp_tune *b)
{
        if (a->n_cells != b->n_cells)
                return false;
        for (size_t i = 0; i < a->n_cells; i++)
                if (a->cells[i].id != b->cells[i].id ||
                    !vp_cpuset_equal(&a->cells[i].cpus, &b->cells[i].cpus) ||
                    a->cells[i].memory_kib != b->cells[i].memory_kib)
                        return false;
        return true;
}

bool vp_tune_memnodes_equal(const vp_tune *a, const vp_tune *b)
{
        if (a->n_memnodes != b->n_memnodes)
                return false;
        for (size_t i = 0; i < a->n_memnodes; i++)
                if (a->memnodes[i].cellid != b->memnodes[i].cellid ||
                    a->memnodes[i].mode != b->memnodes[i].mode ||
                    a->memnodes[i].nodeset_set != b->memnodes[i].nodeset_set ||
                    !vp_cpuset_equal(&a->memnodes[i].nodeset, &b->memnodes[i].nodeset))
                        return false;
        return true;
}

bool vp_pins_equal(const vp_pin *a, size_t na, const vp_pin *b, size_t nb)
{
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (a[i].id != b[i].id || !vp_cpuset_equal(&a[i].set, &b[i].set))
                        return false;
        return true;
}

/* An unset cpuset and a set one compare by the flag alone. */
static bool opt_set_equal(bool sa, const vp_cpuset *a, bool sb, const vp_cpuset *b)
{
        return sa == sb && (!sa || vp_cpuset_equal(a, b));
}

bool vp_tune_equal(const vp_tune *a, const vp_tune *b)
{
        for (int i = 0; i < VP_T__COUNT; i++)
                if (a->q[i].set != b->q[i].set || (a->q[i].set && a->q[i].v != b->q[i].v))
                        return false;
        return opt_set_equal(a->vcpu_cpuset_set, &a->vcpu_cpuset, b->vcpu_cpuset_set,
                             &b->vcpu_cpuset) &&
               vp_pins_equal(a->vcpupin, a->n_vcpupin, b->vcpupin, b->n_vcpupin) &&
               opt_set_equal(a->emulatorpin_set, &a->emulatorpin, b->emulatorpin_set,
                             &b->emulatorpin) &&
               vp_pins_equal(a->iothreadpin, a->n_iothreadpin, b->iothreadpin, b->n_iothreadpin) &&
               a->mem_mode == b->mem_mode &&
               opt_set_equal(a->nodeset_set, &a->nodeset, b->nodeset_set, &b->nodeset) &&
               vp_tune_memnodes_equal(a, b) && vp_tune_cells_equal(a, b);
}
