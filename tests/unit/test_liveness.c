/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QEMU liveness and reclaim (lib/io/liveness.c) against fake libvirt and
 * proc trees and the real procfs. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "ledger.h"
#include "ledger_fixture.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "tap.h"

static void test_reclaim(void)
{
        char *run = mkrun();
        vp_error err = {0};
        char *lv = vp_xasprintf("%s/libvirt/qemu", run);
        char *proc = vp_xasprintf("%s/proc", run);
        vp_mkdir_p(lv, 0755, NULL);
        vp_mkdir_p(proc, 0755, NULL);
        char *p;
#define FILE_AT(fmt, text)                                                                         \
        do {                                                                                       \
                p = vp_xasprintf(fmt, run);                                                        \
                write_text(p, text);                                                               \
                free(p);                                                                           \
        } while (0)
        p = vp_xasprintf("%s/proc/777", run);
        mkdir(p, 0755);
        free(p);
        p = vp_xasprintf("%s/libvirt/qemu/sub", run);
        mkdir(p, 0755);
        free(p);
        FILE_AT("%s/libvirt/qemu/alive.pid", "777\n");
        FILE_AT("%s/libvirt/qemu/alive-nonl.pid", " 777 ");
        FILE_AT("%s/libvirt/qemu/dead.pid", "778\n");
        FILE_AT("%s/libvirt/qemu/garbage.pid", "77x\n");
        FILE_AT("%s/libvirt/qemu/zero.pid", "0\n");
        FILE_AT("%s/libvirt/qemu/negative.pid", "-777\n");
        FILE_AT("%s/libvirt/qemu/empty.pid", "");
        FILE_AT("%s/libvirt/qemu/huge.pid", "99999999999999999999999\n");
        FILE_AT("%s/libvirt/qemu/young.pid", "778\n");
        /* the same pids again (reclaim looks each up once), a pid file
         * that is a directory (cannot be read: alive), 64 bytes (the most
         * a pid file may have) and 65 */
        FILE_AT("%s/libvirt/qemu/alive-too.pid", "777");
        FILE_AT("%s/libvirt/qemu/dead-too.pid", "778\n");
        p = vp_xasprintf("%s/libvirt/qemu/isdir.pid", run);
        mkdir(p, 0755);
        free(p);
        FILE_AT("%s/libvirt/qemu/full.pid",
                "                                                            777\n");
        FILE_AT("%s/libvirt/qemu/overfull.pid",
                "                                                             777\n");
        /* entries with the pid enforce recorded: a pid file and that pid
         * alive keep it without reading the file; else the file decides,
         * and no file is dead whatever the recorded pid */
        FILE_AT("%s/libvirt/qemu/rec-alive.pid", "778\n");
        FILE_AT("%s/libvirt/qemu/rec-dead-file-alive.pid", "777\n");
        FILE_AT("%s/libvirt/qemu/rec-dead.pid", "778\n");
        /* hostile names that would resolve to live pid files */
        FILE_AT("%s/libvirt/evil.pid", "777\n");
        FILE_AT("%s/libvirt/qemu/..pid", "777\n");
        FILE_AT("%s/libvirt/qemu/...pid", "777\n");
        FILE_AT("%s/libvirt/qemu/sub/x.pid", "777\n");

        struct {
                const char *name;
                int64_t age;
                bool keep;
        } cases[] = {
            {"absent", 3600, false},
            {"alive", 3600, true},
            {"alive-nonl", 3600, true},
            {"dead", 3600, false},
            {"garbage", 3600, false},
            {"zero", 3600, false},
            {"negative", 3600, false},
            {"empty", 3600, false},
            {"huge", 3600, false},
            {"young", 10, true},
            {"at-60s", 60, true},
            {"at-61s", 61, false},
            {"future", -500, true},
            {"../evil", 3600, false},
            {".", 3600, false},
            {"..", 3600, false},
            {"sub/x", 3600, false},
            {"", 3600, false},
            {"tab\there", 3600, false},
            {"alive-too", 3600, true},
            {"dead-too", 3600, false},
            {"isdir", 3600, true},
            {"full", 3600, true},
            {"overfull", 3600, false},
            {"rec-alive", 3600, true},
            /* the recorded QEMU gone, another running under the name: an
             * earlier run's entry (an older copy of the run dir) */
            {"rec-dead-file-alive", 3600, false},
            {"rec-alive-nofile", 3600, false},
            {"rec-dead", 3600, false},
            {"../qemu/alive", 3600, false},
        };
        /* the pids enforce recorded for the last five */
        const long recorded[] = {777, 778, 777, 778, 777};
        const size_t first_rec = VP_ARRAY_SIZE(cases) - VP_ARRAY_SIZE(recorded);
        vp_ledger l = {0};
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                vp_ledger_entry e = mk(cases[i].name, u, VP_KIND_DEDICATED, "", NOW - cases[i].age);
                mset(&e.held, "0");
                madd(&e.held, (unsigned)i + 1);
                e.pid = i >= first_rec ? recorded[i - first_rec] : 0;
                vp_ledger_put(&l, &e);
                is_int(vp_state_save(run, u, "{}", "<domain/>", &err), 0, "state for '%s'",
                       cases[i].name);
        }
        bool alive_ok = true;
        for (size_t i = 0; i < l.n; i++) {
                const char *n = l.entries[i].name;
                bool want = strcmp(n, "alive") == 0 || strcmp(n, "alive-nonl") == 0 ||
                            strcmp(n, "alive-too") == 0 || strcmp(n, "isdir") == 0 ||
                            strcmp(n, "full") == 0 || strcmp(n, "rec-alive") == 0 ||
                            strcmp(n, "rec-dead-file-alive") == 0;
                alive_ok &= vp_ledger_entry_alive(&l.entries[i], lv, proc) == want;
        }
        ok(alive_ok, "entry_alive only for the live pid files");
        long pid = 0;
        is_int(vp_libvirt_pid(lv, "full", &pid, &err), 0, "a 64-byte pid file reads");
        is_int(pid, 777, "... its pid");
        is_int(vp_libvirt_pid(lv, "absent", &pid, &err), -ENOENT, "no pid file: -ENOENT");
        like(err.msg, "absent is not running (no ", "... says so");
        is_int(vp_libvirt_pid(lv, "overfull", &pid, &err), -EFBIG, "65 bytes: -EFBIG");
        like(err.msg, "overfull.pid: file too large", "... says so");
        is_int(vp_libvirt_pid(lv, "garbage", &pid, &err), -EBADMSG, "garbage: -EBADMSG");
        like(err.msg, "garbage.pid: not a pid", "... says so");
        is_int(vp_libvirt_pid(lv, "isdir", &pid, &err), -EISDIR, "a directory: -EISDIR");
        like(err.msg, "isdir.pid: Is a directory", "... says so");
        is_int(vp_libvirt_pid(lv, "../x", &pid, &err), -EINVAL, "a path: -EINVAL");

        char **names = NULL;
        size_t n = vp_ledger_reclaim(&l, lv, proc, NOW, &names);
        size_t want_gone = 0;
        bool all_right = true;
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                bool present = vp_ledger_find_uuid(&l, u) != NULL;
                bool listed = false;
                for (size_t j = 0; j < n; j++)
                        listed |= strcmp(names[j], cases[i].name) == 0;
                char *plan = vp_xasprintf("%s/domains/%s.plan.json", run, u);
                char *xml = vp_xasprintf("%s/domains/%s.xml", run, u);
                bool files = exists(plan) && exists(xml);
                const vp_ledger_prev *pv = vp_ledger_previous(&l, u);
                if (cases[i].keep) {
                        ok(present && !listed && files && !pv, "'%s' kept with its state files",
                           cases[i].name);
                } else {
                        want_gone++;
                        ok(!present && listed && files && pv && pv->released == NOW &&
                               vp_cpumask_test(&pv->held, (unsigned)i + 1),
                           "'%s' reclaimed, state files kept until saved, previous recorded",
                           cases[i].name);
                }
                all_right &= present == cases[i].keep;
                free(plan);
                free(xml);
        }
        is_int(n, want_gone, "reclaim count");
        is_int((int)vp_state_sweep(run, &l), (int)(2 * want_gone),
               "once saved, the sweep removes the reclaimed entries' plan.json and xml");
        is_int(l.n, VP_ARRAY_SIZE(cases) - want_gone, "remaining entries");
        ok(all_right, "exactly the expected entries remain");
        for (size_t j = 0; j < n; j++)
                free(names[j]);
        free(names);

        n = vp_ledger_reclaim(&l, lv, proc, NOW, &names);
        ok(n == 0 && names == NULL, "second reclaim drops nothing");
        n = vp_ledger_reclaim(&l, lv, proc, NOW + 1000, NULL);
        is_int(n, 3, "later, the young ones go too (names NULL allowed)");

        /* a caller bug (no uuid) must not wedge reclaim */
        vp_ledger z = {0};
        vp_ledger_entry e = mk("nouuid", U1, VP_KIND_SHARED, "", NOW - 3600);
        free(e.uuid);
        e.uuid = NULL;
        vp_ledger_put(&z, &e);
        n = vp_ledger_reclaim(&z, lv, proc, NOW, NULL);
        ok(n == 1 && z.n == 0 && z.n_prev == 0, "an entry without uuid is reclaimed, no previous");
        vp_ledger_free(&z);
        free(lv);
        free(proc);
        vp_ledger_free(&l);
#undef FILE_AT
}

/* A host's worth of VMs: reclaim lists libvirt's run dir once (more names
 * than its first allocation), and keeps exactly those with a live pid file;
 * without a run dir every stale entry goes, as a stat there would say. */
static void test_reclaim_many(void)
{
        char *run = mkrun();
        char *lv = vp_xasprintf("%s/lv", run), *proc = vp_xasprintf("%s/proc", run);
        char *p = vp_xasprintf("%s/proc/777", run);
        vp_mkdir_p(lv, 0755, NULL);
        vp_mkdir_p(p, 0755, NULL);
        free(p);
        enum { N = 150 };
        vp_ledger l = {0};
        for (unsigned i = 0; i < N; i++) {
                char name[16], u[37];
                snprintf(name, sizeof(name), "vm%u", i);
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012x", i);
                vp_ledger_entry e = mk(name, u, VP_KIND_SHARED, "", NOW - 3600);
                /* pid files for the multiples of 3, the recorded pid for
                 * half of them (the two-stat way) */
                e.pid = i % 6 == 0 ? 777 : 0;
                vp_ledger_put(&l, &e);
                if (i % 3 == 0) {
                        p = vp_xasprintf("%s/%s.pid", lv, name);
                        write_text(p, "777\n");
                        free(p);
                }
                /* other files libvirt keeps there */
                p = vp_xasprintf("%s/%s.xml", lv, name);
                write_text(p, "<domstatus/>");
                free(p);
        }
        size_t n = vp_ledger_reclaim(&l, lv, proc, NOW, NULL);
        bool right = l.n == N / 3;
        for (size_t i = 0; i < l.n; i++)
                right &= atoi(l.entries[i].name + 2) % 3 == 0;
        is_int(n, N - N / 3, "reclaim of %d VMs drops those without a pid file", N);
        ok(right, "... and keeps exactly the %d with one", N / 3);

        char *gone = vp_xasprintf("%s/gone", run);
        n = vp_ledger_reclaim(&l, gone, proc, NOW, NULL);
        ok(n == N / 3 && l.n == 0, "no libvirt run dir: every stale entry goes (%zu)", n);
        free(gone);
        free(lv);
        free(proc);
        vp_ledger_free(&l);
}

/* The real procfs: liveness by kill(pid, 0) (lib/io/liveness.c proc_alive), the
 * same answers as a stat of /proc/PID: this process and a zombie child are
 * alive, a reaped child is not. */
static void test_reclaim_real_proc(void)
{
        char *run = mkrun();
        char *lv = vp_xasprintf("%s/lv", run);
        vp_mkdir_p(lv, 0755, NULL);
        pid_t zombie = fork();
        if (zombie == 0)
                _exit(0);
        pid_t reaped = fork();
        if (reaped == 0)
                _exit(0);
        waitpid(reaped, NULL, 0);
        /* a zombie once it has exited: wait for that without reaping it */
        for (int i = 0; i < 5000; i++) {
                siginfo_t si = {0};
                if (waitid(P_PID, (id_t)zombie, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                    si.si_pid == zombie)
                        break;
                usleep(1000);
        }
        const struct {
                const char *name;
                long pid;
                bool alive;
        } cases[] = {{"self", (long)getpid(), true},
                     {"zombie", (long)zombie, true},
                     {"reaped", (long)reaped, false}};
        vp_ledger l = {0};
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37], text[32];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                vp_ledger_entry e = mk(cases[i].name, u, VP_KIND_SHARED, "", NOW - 3600);
                e.pid = i == 0 ? cases[i].pid : 0; /* recorded, and read from the file */
                vp_ledger_put(&l, &e);
                char *p = vp_xasprintf("%s/%s.pid", lv, cases[i].name);
                snprintf(text, sizeof(text), "%ld\n", cases[i].pid);
                write_text(p, text);
                free(p);
        }
        bool right = true;
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                bool a = vp_ledger_entry_alive(vp_ledger_find_name(&l, cases[i].name), lv, "/proc");
                right &= a == cases[i].alive;
                if (a != cases[i].alive)
                        printf("#   %s (pid %ld): alive %d\n", cases[i].name, cases[i].pid, a);
        }
        ok(right, "/proc: this process and a zombie are alive, a reaped child is not");
        size_t n = vp_ledger_reclaim(&l, lv, "/proc", NOW, NULL);
        ok(n == 1 && !vp_ledger_find_name(&l, "reaped") && vp_ledger_find_name(&l, "zombie") &&
               vp_ledger_find_name(&l, "self"),
           "... and reclaim drops exactly the reaped one");
        waitpid(zombie, NULL, 0);
        free(lv);
        vp_ledger_free(&l);
}

/* A start slower than the stale grace (issue "Guarantee": devices, storage
 * or a slow hook after vmplace's between prepare and QEMU's fork): while the
 * libvirt daemon that ran the prepare runs, the entry is a start in
 * progress and keeps its CPUs; it was reclaimed after 60 s and its CPUs
 * given to the next VM while libvirt went on to start the first there. */
static void test_slow_start(void)
{
        char *run = mkrun();
        char *lv = vp_xasprintf("%s/lv", run), *proc = vp_xasprintf("%s/proc", run);
        vp_mkdir_p(lv, 0755, NULL);
        /* a fake procfs: this process's parent named libvirtd (pid 500,
         * started at tick 9000), and one whose parent is a dispatcher
         * shell under virtqemud */
        char *p = vp_xasprintf("%s/%ld", proc, (long)getppid());
        vp_mkdir_p(p, 0755, NULL);
        char *f = vp_xasprintf("%s/stat", p);
        write_text(f, "1 (libvirtd) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9000\n");
        long spid = 0;
        uint64_t sstart = 0;
        ok(vp_starter_find(proc, &spid, &sstart) == 0 && spid == (long)getppid() && sstart == 9000,
           "the parent named libvirtd is the starter, with its starttime");
        write_text(f, "1 (sh) S 600 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9000\n");
        char *gp = vp_xasprintf("%s/600", proc);
        vp_mkdir_p(gp, 0755, NULL);
        char *gf = vp_xasprintf("%s/stat", gp);
        write_text(gf, "600 (virtqemud) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4321\n");
        ok(vp_starter_find(proc, &spid, &sstart) == 0 && spid == 600 && sstart == 4321,
           "behind a dispatcher shell, its parent virtqemud is");
        write_text(gf, "600 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4321\n");
        ok(vp_starter_find(proc, &spid, &sstart) == -ENOENT && spid == 0,
           "no libvirt daemon among the ancestors: no starter");

        /* entries older than the grace, no QEMU ever ran (no pid file) */
        vp_ledger l = {0};
        const struct {
                const char *name;
                long starter, pid;
                uint64_t start;
                bool alive;
        } cases[] = {
            {"starting", 600, 0, 4321, true},    /* its daemon runs: a slow start */
            {"restarted", 600, 0, 1111, false},  /* another process under that pid */
            {"gone", 601, 0, 4321, false},       /* its daemon exited */
            {"cli", 0, 0, 0, false},             /* committed outside libvirt */
            {"crashed", 600, 4242, 4321, false}, /* its QEMU ran and is gone */
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char u[37];
                snprintf(u, sizeof(u), "00000000-0000-0000-0000-%012zx", i);
                vp_ledger_entry e = mk(cases[i].name, u, VP_KIND_DEDICATED, "", NOW - 3600);
                e.starter_pid = cases[i].starter;
                e.starter_start = cases[i].start;
                e.pid = cases[i].pid;
                vp_ledger_put(&l, &e);
        }
        bool right = true;
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                const vp_ledger_entry *e = vp_ledger_find_name(&l, cases[i].name);
                bool a = vp_ledger_entry_starting(e, proc);
                right &= a == cases[i].alive && !vp_ledger_entry_alive(e, lv, proc);
                if (a != cases[i].alive)
                        printf("#   %s: starting %d\n", cases[i].name, a);
        }
        ok(right, "only the entry whose daemon still runs (same starttime) is starting; "
                  "no QEMU runs");
        char **names = NULL;
        size_t n = vp_ledger_reclaim(&l, lv, proc, NOW, &names);
        ok(n == 4 && l.n == 1 && vp_ledger_find_name(&l, "starting"),
           "reclaim keeps the slow start, drops the other four");
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        /* the daemon exits (libvirtd restarted mid-start): reclaimed */
        unlink(gf);
        ok(vp_ledger_reclaim(&l, lv, proc, NOW, NULL) == 1 && l.n == 0,
           "once its daemon is gone, the slow start's entry is reclaimed");
        vp_ledger_free(&l);
        free(gf);
        free(gp);
        free(f);
        free(p);
        free(lv);
        free(proc);
}

/* A FIFO planted in place of libvirt's pid file is refused at once by name:
 * opened blocking, the read would wait for a writer forever (holding the
 * ledger lock, and libvirt's job behind it). An alarm turns a regression
 * into a failed test instead of a hang. */
static void test_pid_fifo(void)
{
        char *lv = mkrun();
        vp_error err = {0};
        alarm(20);
        char *pid = vp_xasprintf("%s/vm1.pid", lv);
        ok(mkfifo(pid, 0600) == 0, "a FIFO as libvirt's vm1.pid");
        long p = 0;
        ok(vp_libvirt_pid(lv, "vm1", &p, &err) < 0, "no pid read from it");
        like(err.msg, "vm1.pid", "... naming it: %s", err.msg);
        alarm(0);
        free(pid);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_reclaim();
        test_reclaim_many();
        test_reclaim_real_proc();
        test_slow_start();
        test_pid_fifo();
        rm_tmpdirs();
        return tap_done();
}
