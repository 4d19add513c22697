/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "isolate.h"

#include <errno.h>
#include <string.h>

#include "fileio.h"
#include "isolationfile.h"
#include "ledger.h"
#include "ledgerstore.h"

void vp_isolate_result_free(vp_isolate_result *r)
{
        vp_irqiso_report_free(&r->report);
        memset(r, 0, sizeof(*r));
}

static int online_cpus(const vp_paths *p, vp_cpuset *out, vp_error *err)
{
        _cleanup_free_ char *path =
            vp_xasprintf("%s/devices/system/cpu/online", p->sysfs ? p->sysfs : "/sys");
        return vp_read_cpulist(path, 4096, out, err);
}

int vp_isolate_pass(const vp_paths *p, vp_isolate_result *res, vp_error *err)
{
        memset(res, 0, sizeof(*res));
        vp_ledger l = {0};
        int r = vp_ledger_load(p->rundir, &l, err);
        if (r < 0)
                return r;
        vp_ledger_isolated(&l, &res->isolated);
        vp_ledger_free(&l);

        vp_isolation_record prev = {0}, rec = {0};
        r = vp_isolation_load(p->rundir, &prev, err);
        if (r < 0 && r != -ENOENT) {
                vp_isolation_record_free(&prev);
                return r;
        }
        res->was_isolated = r == 0;
        if (vp_cpuset_empty(&res->isolated)) {
                if (!res->was_isolated)
                        return 0;
                r = vp_irqiso_restore(p, &prev, &rec, &res->report, err);
                /* what the kernel would not take back stays recorded */
                bool all_back =
                    rec.n_irqs == 0 && !rec.irq_default.changed && !rec.workqueue.changed;
                vp_error serr = {0};
                int rs = all_back ? vp_isolation_remove(p->rundir, &serr)
                                  : vp_isolation_save(p->rundir, &rec, &serr);
                if (r == 0 && rs < 0) {
                        r = rs;
                        *err = serr;
                }
                vp_isolation_record_free(&prev);
                vp_isolation_record_free(&rec);
                return r;
        }
        vp_cpuset hk;
        if ((r = online_cpus(p, &hk, err)) < 0) {
                vp_isolation_record_free(&prev);
                return r;
        }
        vp_cpuset_andnot(&hk, &res->isolated);
        if (vp_cpuset_empty(&hk)) {
                vp_isolation_record_free(&prev);
                return vp_error_set(err, -EINVAL,
                                    "isolation: the isolated VMs hold every online CPU; nothing is "
                                    "left to the host, so nothing is isolated");
        }
        r = vp_irqiso_apply(p, &res->isolated, &hk, res->was_isolated ? &prev : NULL, &rec,
                            &res->report, err);
        vp_error serr = {0};
        int rs = vp_isolation_save(p->rundir, &rec, &serr);
        if (r == 0 && rs < 0) {
                r = rs;
                *err = serr;
        }
        vp_isolation_record_free(&prev);
        vp_isolation_record_free(&rec);
        return r;
}
