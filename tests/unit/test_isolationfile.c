/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolationfile.c in a scratch run dir: a record saved (mode 0600) loads
 * back equal; an absent file, a file of another shape and a file others
 * may write are told apart; remove is quiet when there is nothing. */
#include <errno.h>
#include <sys/stat.h>

#include "cpusets.h"
#include "isolationfile.h"
#include "tap.h"
#include "tree.h"

int main(void)
{
        char *run = tree_new("isofile");
        vp_isolation_record r = {0}, back;
        vp_error e = {0};
        is_int(vp_isolation_load(run, &back, &e), -ENOENT, "no file: -ENOENT");

        r.isolated = S("4-7");
        r.housekeeping = S("0-3");
        vp_cpuset a = S("0-7");
        vp_isolation_record_add_irq(&r, 30, &a);
        r.workqueue = (vp_isolation_mask){.changed = true, .nbits = 8, .orig = S("0-7")};
        int rc = vp_isolation_save(run, &r, &e);
        is_int(rc, 0, "saved (%s)", rc ? e.msg : "");
        char *path = vp_xasprintf("%s/%s", run, VP_ISOLATION_FILE);
        struct stat st;
        ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "isolation.json, mode 0600");
        rc = vp_isolation_load(run, &back, &e);
        is_int(rc, 0, "loaded (%s)", rc ? e.msg : "");
        is_str(fmt(&back.isolated), "4-7", "isolated set");
        is_int(back.n_irqs, 1, "one IRQ");
        ok(back.n_irqs == 1 && back.irqs[0].irq == 30 &&
               vp_cpumask_same(&back.irqs[0].orig, &r.irqs[0].orig),
           "IRQ 30 was 0-7");
        ok(back.workqueue.changed && back.workqueue.nbits == 8 && !back.irq_default.changed,
           "the workqueue mask, 8 bits; no default mask");
        vp_isolation_record_free(&back);

        tree_put(run, VP_ISOLATION_FILE, "{\"version\":1}\n", 0600);
        rc = vp_isolation_load(run, &back, &e);
        is_int(rc, -EBADMSG, "a file of another shape: -EBADMSG");
        like(e.msg, "isolation.json: missing 'isolated'", "naming the file and what is wrong");
        vp_isolation_record_free(&back);

        tree_put(run, VP_ISOLATION_FILE, "{}", 0666);
        rc = vp_isolation_load(run, &back, &e);
        is_int(rc, -EPERM, "a file others may write is not trusted: -EPERM");
        vp_isolation_record_free(&back);

        is_int(vp_isolation_remove(run, &e), 0, "removed");
        ok(stat(path, &st) < 0 && errno == ENOENT, "gone");
        is_int(vp_isolation_remove(run, &e), 0, "removing it again is no error");

        free(path);
        vp_isolation_record_free(&r);
        tree_rm(run);
        return tap_done();
}
