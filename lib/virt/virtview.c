/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "virtview.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "ledgerstore.h"

char *vp_virt_error(const char *what)
{
        virErrorPtr e = virGetLastError();
        return vp_xasprintf("%s: %s", what, e && e->message ? e->message : "unknown libvirt error");
}

/* libvirt's default handler prints every error on stderr; ours are one line
 * each, taken from virGetLastError. */
static void quiet(void *ctx, virErrorPtr e)
{
        (void)ctx;
        (void)e;
}

virConnectPtr vp_virt_open(const char *uri, vp_error *err)
{
        virSetErrorFunc(NULL, quiet);
        virConnectPtr c = virConnectOpen(uri);
        if (!c) {
                _cleanup_free_ char *m = vp_virt_error(uri ? uri : "the default libvirt URI");
                vp_error_set(err, -ECONNREFUSED, "cannot connect to %s", m);
        }
        return c;
}

static void failed(unsigned *n, vp_error *err, const char *what)
{
        if ((*n)++ == 0) {
                _cleanup_free_ char *m = vp_virt_error(what);
                vp_error_set(err, -EIO, "%s", m);
        }
}

/* set as libvirt's cpumap of maplen bytes for the host's CPUs */
static unsigned char *cpumap(const vp_cpuset *set, int ncpus, int *maplen)
{
        *maplen = VIR_CPU_MAPLEN(ncpus);
        unsigned char *map = vp_xcalloc((size_t)*maplen, 1);
        for (int c = 0; c < ncpus && c < VP_MAX_CPUS; c++)
                if (vp_cpuset_test(set, (unsigned)c))
                        VIR_USE_CPU(map, c);
        return map;
}

static void add_sched(virTypedParameterPtr *par, int *n, int *max, const vp_libview_item *it)
{
        const char *name = vp_libview_sched_name((vp_tune_scalar)it->id);
        /* the shares and periods are unsigned, the quotas signed */
        if (strstr(name, "_quota"))
                virTypedParamsAddLLong(par, n, max, name, it->value);
        else
                virTypedParamsAddULLong(par, n, max, name, (unsigned long long)it->value);
}

unsigned vp_virt_set_view(virDomainPtr dom, const vp_libview *v, vp_error *err)
{
        const unsigned flags = VIR_DOMAIN_AFFECT_LIVE;
        unsigned nfail = 0;
        int ncpus = virNodeGetCPUMap(virDomainGetConnect(dom), NULL, NULL, 0);
        if (ncpus <= 0) {
                failed(&nfail, err, "counting the host's CPUs");
                return nfail;
        }
        virTypedParameterPtr sched = NULL;
        int nsched = 0, maxsched = 0;
        for (size_t i = 0; i < v->n; i++) {
                const vp_libview_item *it = &v->i[i];
                int maplen = 0;
                _cleanup_free_ unsigned char *map = NULL;
                int r = 0;
                switch (it->kind) {
                case VP_LV_VCPUPIN:
                        map = cpumap(&it->set, ncpus, &maplen);
                        r = virDomainPinVcpuFlags(dom, it->id, map, maplen, flags);
                        break;
                case VP_LV_EMULATORPIN:
                        map = cpumap(&it->set, ncpus, &maplen);
                        r = virDomainPinEmulator(dom, map, maplen, flags);
                        break;
                case VP_LV_IOTHREADPIN:
                        map = cpumap(&it->set, ncpus, &maplen);
                        r = virDomainPinIOThread(dom, it->id, map, maplen, flags);
                        break;
                case VP_LV_NODESET: {
                        virTypedParameterPtr par = NULL;
                        int n = 0, max = 0;
                        _cleanup_free_ char *nodes = vp_cpuset_format(&it->set);
                        virTypedParamsAddString(&par, &n, &max, VIR_DOMAIN_NUMA_NODESET, nodes);
                        r = virDomainSetNumaParameters(dom, par, n, flags);
                        virTypedParamsFree(par, n);
                        break;
                }
                case VP_LV_SCHED:
                        add_sched(&sched, &nsched, &maxsched, it);
                        continue;
                }
                if (r < 0) {
                        _cleanup_free_ char *what = vp_xasprintf("setting %s", it->name);
                        failed(&nfail, err, what);
                }
        }
        if (nsched && virDomainSetSchedulerParametersFlags(dom, sched, nsched, flags) < 0)
                failed(&nfail, err, "setting the scheduler parameters");
        virTypedParamsFree(sched, nsched);
        return nfail;
}

/* What libvirt's view lacks now: 0 with v filled, or -errno (err) when the
 * domain cannot be checked (no entry, QEMU not running, an earlier run). */
static int view_of(const vp_paths *p, const char *uuid, vp_libview *v, vp_error *err)
{
        memset(v, 0, sizeof(*v));
        vp_ledger l = {0};
        int rc = vp_ledger_load(p->rundir, &l, err);
        const vp_ledger_entry *e = rc == 0 ? vp_ledger_find_uuid(&l, uuid) : NULL;
        if (rc == 0 && !e)
                rc = vp_error_set(err, -ENOENT, "%s has no ledger entry", uuid);
        if (rc == 0) {
                vp_enforce_result r;
                rc = vp_enforce_entry(p, e, VP_ENFORCE_CHECK | VP_ENFORCE_LIBVIRT, &r);
                if (rc < 0)
                        *err = r.err;
                *v = r.libvirt;
                r.libvirt = (vp_libview){0};
                vp_enforce_result_free(&r);
        }
        vp_ledger_free(&l);
        return rc;
}

/* "vcpupin 0 1, emulatorpin 0" */
static char *describe(const vp_libview *v)
{
        vp_buf b = {0};
        for (size_t i = 0; i < v->n; i++)
                vp_buf_printf(&b, "%s%s %s", i ? ", " : "", v->i[i].name, v->i[i].want);
        return vp_buf_take(&b);
}

vp_agree_result vp_virt_agree(const vp_paths *p, virDomainPtr dom, const char *uuid, char **said,
                              vp_error *err)
{
        *said = NULL;
        vp_agree_result res = VP_AGREE_SAME;
        /* Each round reads what libvirt lacks and tells it; the fourth read
         * only reads back. A commit between our read and libvirt's write (a
         * prepare narrowed this floating VM) makes libvirt write the
         * previous sets to the kernel: the next round sees the difference
         * and tells libvirt the ledger's, which libvirt writes in turn.
         * Nothing here writes the kernel itself (vmplace-agent runs without
         * the rights to). A commit after the last round is the next event's:
         * it changes the ledger. */
        for (int round = 0;; round++) {
                vp_libview v;
                if (view_of(p, uuid, &v, err) < 0)
                        return round == 3 ? res : VP_AGREE_SKIPPED;
                if (v.n == 0)
                        return res;
                if (round == 3) {
                        _cleanup_free_ char *left = describe(&v);
                        vp_libview_free(&v);
                        vp_error_set(err, -EAGAIN, "libvirt still says otherwise: %s", left);
                        return VP_AGREE_FAILED;
                }
                if (!*said)
                        *said = describe(&v);
                unsigned nfail = vp_virt_set_view(dom, &v, err);
                vp_libview_free(&v);
                if (nfail)
                        return VP_AGREE_FAILED;
                res = VP_AGREE_SET;
        }
}
