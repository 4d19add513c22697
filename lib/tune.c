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
