/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vp_tune_equal and its parts: the comparison `vmplace sync` uses to tell a
 * definition that already holds the placement from one that does not. */
#include "tap.h"
#include "tune.h"

static vp_cpuset cs(const char *s)
{
        vp_cpuset c;
        vp_error err;
        if (vp_cpuset_parse(&c, s, VP_MAX_CPUS, &err) < 0)
                abort();
        return c;
}

/* a tune with every kind of item set */
static void full(vp_tune *t)
{
        vp_tune_init(t);
        t->q[VP_T_SHARES] = (vp_opt_ll){true, 2048};
        t->q[VP_T_VCPU_QUOTA] = (vp_opt_ll){true, 50000};
        t->vcpu_cpuset_set = true;
        t->vcpu_cpuset = cs("0-3");
        vp_cpuset a = cs("1"), b = cs("2");
        vp_pins_put(&t->vcpupin, &t->n_vcpupin, 1, &b);
        vp_pins_put(&t->vcpupin, &t->n_vcpupin, 0, &a);
        t->emulatorpin_set = true;
        t->emulatorpin = cs("3");
        vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, 1, &a);
        t->mem_mode = VP_MEM_STRICT;
        t->nodeset_set = true;
        t->nodeset = cs("0");
        vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, 0);
        m->mode = VP_MEM_STRICT;
        m->nodeset_set = true;
        m->nodeset = cs("0");
        vp_cell *c = vp_cells_get(&t->cells, &t->n_cells, 0);
        c->cpus_set = c->memory_set = true;
        c->cpus = cs("0-1");
        c->memory_kib = 65536;
}

int main(void)
{
        vp_tune a, b;
        full(&a);
        full(&b);
        ok(vp_tune_equal(&a, &b), "two tunes built alike are equal");
        vp_tune e1, e2;
        vp_tune_init(&e1);
        vp_tune_init(&e2);
        ok(vp_tune_equal(&e1, &e2), "two empty tunes are equal");
        ok(!vp_tune_equal(&a, &e1), "full vs empty differ");

        /* every single change is seen, and undoing it makes them equal again */
        static const char *const what[] = {
            "a scalar's value",  "a scalar unset",     "the vCPU cpuset",  "vcpu cpuset unset",
            "a vCPU pin's CPUs", "a vCPU pin removed", "the emulator pin", "an iothread pin",
            "the memory mode",   "the nodeset",        "a memnode's mode", "a memnode's nodes",
            "a cell's vCPUs",    "a cell's memory",    "a cell added",
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(what); i++) {
                vp_tune c;
                full(&c);
                switch (i) {
                case 0:
                        c.q[VP_T_SHARES].v = 1024;
                        break;
                case 1:
                        c.q[VP_T_VCPU_QUOTA].set = false;
                        break;
                case 2:
                        c.vcpu_cpuset = cs("0-2");
                        break;
                case 3:
                        c.vcpu_cpuset_set = false;
                        break;
                case 4:
                        c.vcpupin[1].set = cs("3");
                        break;
                case 5:
                        c.n_vcpupin = 1;
                        break;
                case 6:
                        c.emulatorpin = cs("2-3");
                        break;
                case 7:
                        c.iothreadpin[0].set = cs("0");
                        break;
                case 8:
                        c.mem_mode = VP_MEM_PREFERRED;
                        break;
                case 9:
                        c.nodeset = cs("1");
                        break;
                case 10:
                        c.memnodes[0].mode = VP_MEM_INTERLEAVE;
                        break;
                case 11:
                        c.memnodes[0].nodeset = cs("0-1");
                        break;
                case 12:
                        c.cells[0].cpus = cs("0");
                        break;
                case 13:
                        c.cells[0].memory_kib = 32768;
                        break;
                case 14:
                        vp_cells_get(&c.cells, &c.n_cells, 1);
                        break;
                }
                ok(!vp_tune_equal(&a, &c) && !vp_tune_equal(&c, &a), "%s is a difference", what[i]);
                vp_tune_free(&c);
        }
        /* memnodes/cells alone */
        vp_tune c;
        full(&c);
        c.q[VP_T_SHARES].v = 1;
        ok(vp_tune_cells_equal(&a, &c) && vp_tune_memnodes_equal(&a, &c),
           "cells and memnodes compare only themselves");
        c.cells[0].memory_kib = 1;
        ok(!vp_tune_cells_equal(&a, &c) && vp_tune_memnodes_equal(&a, &c),
           "a cell's memory is a cell difference only");
        vp_tune_free(&c);
        vp_tune_free(&a);
        vp_tune_free(&b);
        return tap_done();
}
