/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vp_running_list against a scratch libvirt run dir and the real /proc:
 * live and dead pids, unreadable and missing status XML (driver.pid), hostile and
 * non-libvirt names, sorting, a missing or unreadable run dir. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cpusets.h"
#include "running.h"
#include "fileio.h"
#include "tap.h"
#include "tree.h"

/* A domain libvirt runs: NAME.pid and a <domstatus> NAME.xml. */
static void domain(const char *dir, const char *name, long pid, const char *xml_name, unsigned mib)
{
        char *file = vp_xasprintf("%s.pid", name);
        char *text = vp_xasprintf("%ld", pid);
        tree_put(dir, file, text, 0644);
        free(file);
        free(text);
        file = vp_xasprintf("%s.xml", name);
        text = vp_xasprintf("<domstatus state='running' pid='%ld'><vcpus><vcpu id='0' "
                            "pid='%ld'/></vcpus><domain type='qemu'><name>%s</name>"
                            "<uuid>00000000-0000-4000-8000-%012u</uuid><memory "
                            "unit='MiB'>%u</memory><vcpu>1</vcpu><metadata><vmplace:profile "
                            "xmlns:vmplace='urn:vmplace:1'>meta</vmplace:profile></metadata>"
                            "</domain></domstatus>",
                            pid, pid, xml_name, mib, mib);
        tree_put(dir, file, text, 0644);
        free(file);
        free(text);
}

/* the profiles of the I3 cases: pinned-* and q* domains are managed */
static bool manages(const char *name, const char *status, void *ctx)
{
        (void)ctx;
        (void)status;
        return !strncmp(name, "pinned-", 7) || name[0] == 'q';
}

int main(void)
{
        char *root = tree_new("running");
        char *lv = vp_xasprintf("%s/lvrun", root);
        mkdir(lv, 0700);
        vp_paths p = {.libvirt_rundir = lv, .proc = "/proc"};
        vp_error err = {0};
        vp_running *r = NULL;
        size_t n = 99;

        long me = (long)getpid();
        /* a pid that was alive and is now reaped: dead as far as /proc goes */
        pid_t child = fork();
        if (child == 0)
                _exit(0);
        waitpid(child, NULL, 0);

        domain(lv, "web-2", me, "web-2", 256);
        domain(lv, "web-1", me, "web-1", 128);
        domain(lv, "dead", child, "dead", 64);
        domain(lv, "q\"uote\\back", me, "q&quot;uote\\back", 32);
        domain(lv, "\xE6\x95\xB0\xE6\x8D\xAE", me, "\xE6\x95\xB0\xE6\x8D\xAE", 16);
        domain(lv, "bad-\xFF", me, "x", 16);
        domain(lv, "nl\nname", me, "x", 16);
        char longname[251];
        memset(longname, 'L', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        domain(lv, longname, me, longname, 8);
        tree_put(lv, "noxml.pid", "1", 0644);  /* pid 1 is alive; status XML missing */
        tree_put(lv, "driver.pid", "1", 0644); /* libvirt's QEMU driver lock: libvirtd's pid */
        tree_put(lv, "brokenxml.pid", "1", 0644);
        tree_put(lv, "brokenxml.xml", "<domstatus><domain>", 0644);
        tree_put(lv, "garbage.pid", "not a pid\n", 0644); /* not running by the ledger's rule */
        tree_put(lv, ".pid", "1", 0644);                  /* empty name */
        tree_put(lv, "web-1.xml.bak", "x", 0644);
        tree_put(lv, "other.log", "1", 0644);

        is_int(vp_running_list(&p, &r, &n, &err), 0, "list: %s", err.msg);
        /* 'L' < 'b' < ... < 'w' < UTF-8 lead bytes */
        const char *want[] = {longname, "brokenxml", "q\"uote\\back",
                              "web-1",  "web-2",     "\xE6\x95\xB0\xE6\x8D\xAE"};
        is_int(n, VP_ARRAY_SIZE(want), "the live libvirt-shaped names only");
        bool names = n == VP_ARRAY_SIZE(want);
        for (size_t i = 0; names && i < n; i++)
                names &= strcmp(r[i].name, want[i]) == 0;
        ok(names, "sorted by name (bytes): no dead, garbage, non-UTF-8 or newline names, no pid "
                  "file without a status file (driver.pid)");
        if (n == VP_ARRAY_SIZE(want)) {
                is_int(r[1].pid, 1, "brokenxml: pid 1");
                ok(!r[1].dom && r[1].err.code < 0, "broken status XML: no domain, an error");
                like(r[1].err.msg, "brokenxml.xml", "naming the file");
                ok(r[2].dom && strcmp(r[2].dom->name, "q\"uote\\back") == 0,
                   "quote and backslash name parsed");
                is_int(r[3].pid, me, "web-1: its pid");
                ok(r[3].dom && r[3].dom->memory_kib == 128 * 1024, "web-1: memory from its XML");
                ok(r[3].dom && r[3].dom->metadata_profile &&
                       strcmp(r[3].dom->metadata_profile, "meta") == 0,
                   "web-1: the metadata profile");
                ok(r[3].dom && r[3].dom->pid == me && r[3].dom->n_vcpu_tids == 1,
                   "web-1: domstatus pid and vCPU tids");
                ok(r[3].err.code == 0, "web-1: no error");
                ok(r[0].dom && strlen(r[0].name) == 250, "a 250-byte name");
        }
        vp_running_free(r, n);

        /* a fake procdir: the ledger's rule is what decides */
        char *proc = vp_xasprintf("%s/proc", root);
        mkdir(proc, 0700);
        p.proc = proc;
        char *pd = vp_xasprintf("%s/%ld", proc, me);
        mkdir(pd, 0700);
        is_int(vp_running_list(&p, &r, &n, &err), 0, "list with a fake proc");
        is_int(n, 5, "only the pids present there (not pid 1)");
        vp_running_free(r, n);
        p.proc = "/proc";

        /* I3: what running domains the ledger lacks are pinned to, read
         * from the kernel: a child pinned to one CPU is such a domain */
        vp_cpuset allset = own_affinity();
        int first = vp_cpuset_next(&allset, 0);
        int go[2];
        if (pipe(go) < 0)
                abort();
        pid_t pinned = fork();
        if (pinned == 0) {
                cpu_set_t one;
                CPU_ZERO(&one);
                CPU_SET(first, &one);
                sched_setaffinity(0, sizeof(one), &one);
                char c = 0;
                if (write(go[1], &c, 1) != 1)
                        _exit(1);
                for (;;)
                        pause(); /* until the test kills it */
        }
        char c;
        if (read(go[0], &c, 1) != 1)
                abort();
        domain(lv, "pinned-1", pinned, "pinned-1", 64);
        vp_ledger l = {0};
        vp_ledger_entry e = {.name = "web-1", .uuid = "00000000-0000-4000-8000-000000000128"};
        l.entries = &e;
        l.n = 1;
        vp_unrecorded un;
        is_int(vp_running_unrecorded(&p, &l, "web-2", &allset, manages, NULL, &un, &err), 0,
               "unrecorded: listed (%s)", err.msg);
        const char *who = un.pinned_by ? un.pinned_by : "";
        if (vp_cpuset_count(&allset) > 1) {
                like(who, "pinned-1 (", "the pinned child is named");
                ok(vp_cpuset_test(&un.pinned, (unsigned)first) && vp_cpuset_count(&un.pinned) == 1,
                   "with its one CPU, and our own floating threads add none");
                ok(vp_cpuset_equal(&un.managed, &un.pinned),
                   "a profile manages it: its CPUs are a managed VM's");
                is_str(un.floating_by, "q\"uote\\back",
                       "a managed domain pinned to nothing floats (unmanaged ones are not named)");
        } else {
                for (int i = 0; i < 4; i++)
                        ok(1, "# skip one CPU: nothing can be pinned to less than all");
        }
        ok(!strstr(who, "web-1 (") && !strstr(who, "web-2 ("),
           "recorded and self domains are not looked at");
        vp_unrecorded_free(&un);
        is_int(vp_running_unrecorded(&p, &l, "pinned-1", &allset, NULL, NULL, &un, &err), 0,
               "again, planning pinned-1 itself, without profiles");
        ok(!un.pinned_by || !strstr(un.pinned_by, "pinned-1"),
           "a domain's own pins never block it");
        ok(!un.floating_by && vp_cpuset_empty(&un.managed), "and no profile manages any");
        vp_unrecorded_free(&un);
        kill(pinned, SIGKILL);
        waitpid(pinned, NULL, 0);
        close(go[0]);
        close(go[1]);
        char *pf = vp_xasprintf("%s/pinned-1.pid", lv);
        unlink(pf);
        free(pf);

        char *missing = vp_xasprintf("%s/none", root);
        p.libvirt_rundir = missing;
        r = (vp_running *)&n;
        is_int(vp_running_list(&p, &r, &n, &err), 0, "missing run dir: no error");
        ok(n == 0 && r == NULL, "and no domains");
        is_int(vp_running_unrecorded(&p, &l, NULL, &allset, manages, NULL, &un, &err), 0,
               "unrecorded, missing run dir: no error");
        ok(!un.pinned_by && !un.floating_by && vp_cpuset_empty(&un.pinned), "and nothing pinned");
        char *file = vp_xasprintf("%s/web-1.pid", lv);
        p.libvirt_rundir = file;
        is_int(vp_running_list(&p, &r, &n, &err), -ENOTDIR, "run dir is a file: -ENOTDIR");
        like(err.msg, "web-1.pid", "naming it");

        tree_rm(root);
        free(lv);
        free(proc);
        free(pd);
        free(missing);
        free(file);
        return tap_done();
}
