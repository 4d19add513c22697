/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger store (lib/io/ledgerstore.c) refuses a run dir, ledger or state
 * file that is not its own (I4). Split from test_ledgerstore.c so that the
 * rest of it runs without root (the package builds' %check, dh_auto_test).
 * needs root: chown to another uid (65534) to make a file not our own */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ledger.h"
#include "ledger_fixture.h"
#include "ledgerstore.h"
#include "tap.h"

/* I4: the run dir and the files vmplace acts on must be its own: owned by
 * this euid, writable by nobody else. Anything else is refused by name. */
static void test_owned(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0};
        int fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "a run dir of our own locks: %s", err.msg);
        vp_ledger_unlock(fd);

        ok(chmod(run, 0777) == 0, "the run dir made writable by all");
        is_int(vp_ledger_lock(run, &err), -EPERM, "locking it: -EPERM");
        like(err.msg, "writable by group or others: refused", "... naming why: %s", err.msg);
        like(err.msg, run, "... and the dir");
        ok(chmod(run, 0700) == 0, "0700 again");

        vp_ledger_entry e = {0};
        e.name = vp_xstrdup("vm1");
        e.uuid = vp_xstrdup(U1);
        e.state = vp_xstrdup("prepared");
        e.kind = VP_KIND_SHARED;
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "a ledger saved");
        vp_ledger_free(&l);
        char *ledger = vp_xasprintf("%s/ledger.json", run);
        char *cache = vp_xasprintf("%s/ledger.cache", run);
        unlink(cache); /* the JSON is what is read then */
        ok(chmod(ledger, 0666) == 0, "ledger.json made writable by all");
        ok(vp_ledger_load(run, &l, &err) == -EPERM, "loading it: -EPERM");
        like(err.msg, "ledger.json: writable by group or others: refused", "... %s", err.msg);
        vp_ledger_free(&l);
        ok(chmod(ledger, 0600) == 0 && chown(ledger, 65534, 65534) == 0,
           "ledger.json owned by another user");
        ok(vp_ledger_load(run, &l, &err) == -EPERM, "loading it: -EPERM");
        like(err.msg, "ledger.json: owned by uid 65534", "... %s", err.msg);
        vp_ledger_free(&l);

        is_int(vp_state_save(run, U1, "{}", "<domain/>", &err), 0, "state files saved");
        char *xml = vp_xasprintf("%s/domains/%s.xml", run, U1);
        ok(chown(xml, 65534, 65534) == 0, "the state XML owned by another user");
        char *out = NULL;
        is_int(vp_state_read(run, U1, "xml", &out, &err), -EPERM, "reading it: -EPERM");
        ok(out == NULL, "... nothing read");
        free(ledger);
        free(cache);
        free(xml);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        /* No skipping: a check that cannot run here is a failure to see. */
        if (geteuid() != 0) {
                printf("not ok 1 - files of another owner need root (chown)\n1..1\n");
                return 1;
        }
        test_owned();
        rm_tmpdirs();
        return tap_done();
}
