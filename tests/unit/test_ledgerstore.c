/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger store (lib/io/ledgerstore.c): temp files of dead writers,
 * state files, commit tokens and the state sweeps, lock_load and the lock
 * file's flag that lets it skip them, FIFOs and files not our own in place
 * of the run dir's. The lock itself, concurrent
 * writers and writers killed mid-save: test_ledgerlock.c; files of another
 * owner or writable by others: test_ledgerstore_owned.c (root only). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "ledger.h"
#include "ledger_fixture.h"
#include "ledgerstore.h"
#include "tap.h"

static void test_tmp_files(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save");
        vp_ledger_free(&l);

        /* a dead pid: a child that has exited and been reaped */
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *t_dead = vp_xasprintf("%s/ledger.json.tmp.%d", run, (int)dead);
        char *t_live = vp_xasprintf("%s/ledger.json.tmp.%d", run, (int)getpid());
        char *t_other = vp_xasprintf("%s/other.json.tmp.%d", run, (int)dead);
        char *t_state = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U2, (int)dead);
        char *t_state_live = vp_xasprintf("%s/domains/%s.plan.json.tmp.1", run, U2);
        char *t_badname = vp_xasprintf("%s/domains/x.xml.tmp.%d", run, (int)dead);
        write_text(t_dead, "{\"version\":1,\"entr");
        write_text(t_live, "garbage");
        write_text(t_other, "x");
        is_int(vp_ledger_load(run, &l, &err), 0, "stale tmp files do not confuse load");
        ok(l.n == 1 && strcmp(l.entries[0].name, "a") == 0, "... the real ledger is read");
        vp_ledger_free(&l);

        int fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "lock");
        vp_ledger_unlock(fd);
        write_text(t_state, "x");
        write_text(t_state_live, "x");
        write_text(t_badname, "x");
        fd = vp_ledger_lock(run, &err);
        vp_ledger_unlock(fd);
        ok(!exists(t_dead), "lock sweeps ledger tmp file of a dead pid");
        ok(!exists(t_state), "lock sweeps state tmp file of a dead pid");
        ok(exists(t_live), "tmp file of a live pid is kept");
        ok(exists(t_state_live), "state tmp file of pid 1 is kept");
        ok(exists(t_other), "other files are not touched");
        ok(exists(t_badname), "non-uuid names in domains/ are not touched");
        free(t_dead);
        free(t_live);
        free(t_other);
        free(t_state);
        free(t_state_live);
        free(t_badname);
}

static void test_state(void)
{
        char *run = mkrun();
        vp_error err = {0};
        const char *UP = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";
        is_int(vp_state_save(run, UP, "{\"plan\":1}", "<domain type='kvm'/>", &err), 0,
               "state save: %s", err.msg);
        char *plan = vp_xasprintf("%s/domains/%s.plan.json", run, U2);
        char *xml = vp_xasprintf("%s/domains/%s.xml", run, U2);
        ok(exists(plan) && exists(xml), "state files named by the lower-case uuid");
        is_int(mode_of(plan), 0600, "plan.json 0600");
        is_int(mode_of(xml), 0600, "xml 0600");
        char *out = NULL;
        is_int(vp_state_read(run, U2, "plan.json", &out, &err), 0, "read plan");
        is_str(out, "{\"plan\":1}", "plan content");
        free(out);
        is_int(vp_state_read(run, UP, "xml", &out, &err), 0, "read xml by upper-case uuid");
        is_str(out, "<domain type='kvm'/>", "xml content");
        free(out);
        is_int(vp_state_read(run, U1, "xml", &out, &err), -ENOENT, "absent state -ENOENT");
        ok(out == NULL, "... out NULL");
        is_int(vp_state_read(run, U2, "../ledger.json", &out, &err), -EINVAL, "bad ext");
        is_int(vp_state_read(run, "../ledger", "xml", &out, &err), -EINVAL, "bad uuid read");
        is_int(vp_state_save(run, "../../etc/x", "{}", "x", &err), -EINVAL, "bad uuid save");
        like(err.msg, "../../etc/x", "... names it");
        is_int(vp_state_save(run, NULL, "{}", "x", &err), -EINVAL, "NULL uuid save");
        is_int(vp_state_save(run, U1, "{}", NULL, &err), 0, "save only the plan");
        ok(vp_state_read(run, U1, "xml", &out, &err) == -ENOENT, "... no xml written");
        is_int(vp_state_write(run, UP, "input.xml", "<domain/>", 9, &err), 0, "write input.xml");
        char *input = vp_xasprintf("%s/domains/%s.input.xml", run, U2);
        is_int(mode_of(input), 0600, "input.xml 0600");
        char *fresh = vp_xasprintf("%s/fresh/run", run);
        is_int(vp_state_write(fresh, U2, "xml", "<domain/>", 9, &err), 0,
               "state_write makes a missing run dir and domains/: %s", err.msg);
        char *fresh_dom = vp_xasprintf("%s/domains", fresh);
        is_int(mode_of(fresh_dom), 0700, "... domains/ 0700");
        free(fresh_dom);
        free(fresh);
        is_int(vp_state_read(run, U2, "input.xml", &out, &err), 0, "read input.xml");
        is_str(out, "<domain/>", "input.xml content");
        free(out);
        is_int(vp_state_write(run, U2, "../x", "y", 1, &err), -EINVAL, "write: bad ext refused");
        is_int(vp_state_write(run, "x/../..", "xml", "y", 1, &err), -EINVAL,
               "write: bad uuid refused");
        vp_state_remove(run, "../../x");
        vp_state_remove(run, NULL);
        vp_state_remove(run, UP);
        ok(!exists(plan) && !exists(xml) && !exists(input), "state remove deletes all three");
        free(input);
        vp_state_remove(run, UP);
        ok(true, "removing again is harmless");
        free(plan);
        free(xml);
}

/* The crash-safety pieces: the commit token ties plan.json to the entry,
 * state files without an entry are swept, input.xml temp files too. */
static void test_commit_token(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_DEDICATED, "2-3", NOW);
        char *t1 = vp_commit_token(), *t2 = vp_commit_token();
        ok(t1 && t2 && strcmp(t1, t2) != 0, "two commit tokens differ ('%s', '%s')", t1, t2);
        e.commit = vp_xstrdup(t1);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save with a token");
        vp_ledger_free(&l);
        is_int(vp_ledger_load(run, &l, &err), 0, "load");
        is_str(l.entries[0].commit, t1, "the token round-trips through ledger.json");
        is_int(vp_state_check(run, &l.entries[0], &err), -ENOENT, "no plan.json: -ENOENT");

        char *plan = vp_xasprintf("{\"domain\":\"a\",\"commit\":\"%s\"}", t1);
        vp_state_save(run, U1, plan, "<domain/>", &err);
        is_int(vp_state_check(run, &l.entries[0], &err), 0, "plan.json of this commit: coherent");
        free(plan);
        plan = vp_xasprintf("{\"domain\":\"a\",\"commit\":\"%s\"}", t2);
        vp_state_save(run, U1, plan, NULL, &err);
        is_int(vp_state_check(run, &l.entries[0], &err), -ESTALE,
               "plan.json of another commit: -ESTALE");
        like(err.msg, "a: state files are of an interrupted update", "... says so");
        like(err.msg, "run vmplace apply a", "... and what to do");
        vp_state_save(run, U1, "{\"domain\":\"a\"}", NULL, &err);
        is_int(vp_state_check(run, &l.entries[0], &err), -ESTALE,
               "plan.json without a token, entry with one: -ESTALE");
        free(l.entries[0].commit);
        l.entries[0].commit = NULL;
        is_int(vp_state_check(run, &l.entries[0], &err), 0,
               "neither has a token (files from before tokens): coherent");
        vp_state_save(run, U1, "{\"domain\":", NULL, &err);
        is_int(vp_state_check(run, &l.entries[0], &err), -EBADMSG, "truncated plan.json: -EBADMSG");

        /* U2 has state files but no entry; U1's stay */
        vp_state_save(run, U2, "{}", "<domain/>", &err);
        vp_state_write(run, U2, "input.xml", "<domain/>", 9, &err);
        char *other = vp_xasprintf("%s/domains/%s.notes", run, U2);
        write_text(other, "x");
        is_int((int)vp_state_sweep(run, &l), 3, "sweep removes the 3 state files without an entry");
        char *out = NULL;
        is_int(vp_state_read(run, U2, "xml", &out, &err), -ENOENT, "... gone");
        is_int(vp_state_read(run, U1, "xml", &out, &err), 0, "the entry's files stay");
        free(out);
        ok(exists(other), "files of other kinds are not touched");
        vp_ledger_free(&l);

        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *t_input = vp_xasprintf("%s/domains/%s.input.xml.tmp.%d", run, U1, (int)dead);
        write_text(t_input, "<dom");
        vp_ledger_unlock(vp_ledger_lock(run, &err));
        ok(!exists(t_input), "lock sweeps an input.xml temp file of a dead pid");
        free(t_input);
        free(other);
        free(plan);
        free(t1);
        free(t2);
}

static int count_state_files(const char *run, const char *uuid)
{
        int n = 0;
        static const char *const exts[] = {"plan.json", "xml", "input.xml"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(exts); i++) {
                char *p = vp_xasprintf("%s/domains/%s.%s", run, uuid, exts[i]);
                n += exists(p);
                free(p);
        }
        return n;
}

static void state_files(const char *run, const char *uuid)
{
        vp_error err;
        vp_state_save(run, uuid, "{}", "<domain/>", &err);
        vp_state_write(run, uuid, "input.xml", "<domain/>", 9, &err);
}

/* vp_ledger_lock_load: lock, load and both sweeps in one directory scan;
 * vp_state_sweep after it removes the files of the entries that went
 * without scanning again. */
static void test_lock_load(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0};
        const char *U4 = "44444444-0000-4000-8000-000000000004";
        const char *U5 = "55555555-0000-4000-8000-000000000005";
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        e = mk("b", "AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee", VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save a, b");
        vp_ledger_free(&l);
        state_files(run, U1);
        state_files(run, U2);
        state_files(run, U3); /* no entry: a killed commit's */
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char *t_dead = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U1, (int)dead);
        char *t_live = vp_xasprintf("%s/domains/%s.xml.tmp.1", run, U3);
        char *l_dead = vp_xasprintf("%s/ledger.json.tmp.%d", run, (int)dead);
        char *i_dead = vp_xasprintf("%s/config.index.tmp.%d", run, (int)dead);
        char *i_live = vp_xasprintf("%s/config.index.tmp.1", run);
        char *tc_dead = vp_xasprintf("%s/topology.cache.tmp.%d", run, (int)dead);
        char *upper = vp_xasprintf("%s/domains/0F0F0F0F-0000-4000-8000-123456789ABC.xml", run);
        char *other = vp_xasprintf("%s/domains/%s.notes", run, U3);
        write_text(t_dead, "x");
        write_text(t_live, "x");
        write_text(l_dead, "x");
        write_text(i_dead, "x");
        write_text(i_live, "x");
        write_text(tc_dead, "x");
        write_text(upper, "x");
        write_text(other, "x");

        int fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0, "lock_load: %s", fd < 0 ? err.msg : "");
        is_int(l.n, 2, "... loads the ledger");
        ok(l.swept && l.n_kept == 2, "... and records the 2 uuids it kept files for");
        is_int(count_state_files(run, U1) + count_state_files(run, U2), 6,
               "the entries' state files stay");
        is_int(count_state_files(run, U3), 0, "state files without an entry are swept");
        ok(!exists(upper), "... in upper case too");
        ok(!exists(t_dead) && !exists(l_dead), "temp files of a dead pid are swept");
        ok(!exists(i_dead), "... the config index's too (it is written outside the lock)");
        ok(!exists(tc_dead), "... and the topology cache's (written outside it too)");
        ok(exists(t_live) && exists(i_live) && exists(other),
           "a live pid's temp files and other files stay");
        char *lk = vp_xasprintf("%s/ledger.lock", run);
        int f2 = open(lk, O_RDWR | O_CLOEXEC);
        ok(flock(f2, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK, "the lock is held");

        /* a commit: b goes (reclaimed), c comes with its files, a stays */
        ok(vp_ledger_remove(&l, U2, NOW), "drop b");
        e = mk("c", U4, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        state_files(run, U4);
        is_int(vp_ledger_save(run, &l, &err), 0, "save without b, with c");
        /* written behind the lock's back (never happens): shows there is
         * no scan, only the kept uuids are looked at */
        state_files(run, U5);
        is_int((int)vp_state_sweep(run, &l), 3, "sweep after the save removes b's 3 files");
        is_int(count_state_files(run, U2), 0, "... gone");
        is_int(count_state_files(run, U1) + count_state_files(run, U4), 6, "a's and c's stay");
        is_int(count_state_files(run, U5), 3, "... and no directory scan was made");
        ok(l.n_kept == 2 && !strcmp(l.kept[0], U1) && !strcmp(l.kept[1], U4),
           "kept is now a and c");
        is_int((int)vp_state_sweep(run, &l), 0, "a second sweep has nothing to do");
        vp_ledger_unlock(fd);
        ok(flock(f2, LOCK_EX | LOCK_NB) == 0, "unlock releases it");
        flock(f2, LOCK_UN);
        vp_ledger_free(&l);

        /* a ledger not from lock_load: the full scan */
        is_int(vp_ledger_load(run, &l, &err), 0, "load");
        ok(!l.swept, "a plain load has swept nothing");
        is_int((int)vp_state_sweep(run, &l), 3, "vp_state_sweep scans: U5's 3 files go");
        vp_ledger_free(&l);

        /* a ledger that does not load: its error, the lock released, only
         * temp files swept */
        state_files(run, U3);
        write_text(t_dead, "x");
        char *path = vp_xasprintf("%s/ledger.json", run);
        write_text(path, "{\"version\": 1, \"entries\": [");
        fd = vp_ledger_lock_load(run, &l, &err);
        is_int(fd, -EBADMSG, "corrupt ledger: -EBADMSG");
        like(err.msg, "ledger.json: not valid JSON", "... naming the file");
        ok(l.n == 0 && !l.swept && !l.kept, "... l empty");
        ok(flock(f2, LOCK_EX | LOCK_NB) == 0, "... the lock released");
        flock(f2, LOCK_UN);
        is_int(count_state_files(run, U1) + count_state_files(run, U3), 6,
               "... no state file swept");
        ok(!exists(t_dead), "... the dead pid's temp file is");
        close(f2);

        /* a missing run dir and domains/ are made, empty ledger */
        char *fresh = vp_xasprintf("%s/new/run", run);
        fd = vp_ledger_lock_load(fresh, &l, &err);
        char *dom = vp_xasprintf("%s/domains", fresh);
        ok(fd >= 0 && l.n == 0 && l.swept, "lock_load of a missing run dir: empty ledger");
        ok(mode_of(fresh) == 0700 && mode_of(dom) == 0700, "... run dir and domains/ made 0700");
        vp_ledger_unlock(fd);
        vp_ledger_free(&l);
        rmdir(dom);
        fd = vp_ledger_lock(fresh, &err);
        ok(fd >= 0 && mode_of(dom) == 0700, "lock remakes a missing domains/");
        vp_ledger_unlock(fd);

        free(fresh);
        free(dom);
        free(path);
        free(lk);
        free(t_dead);
        free(t_live);
        free(l_dead);
        free(i_dead);
        free(i_live);
        free(tc_dead);
        free(upper);
        free(other);
}

/* The lock file's flag: a holder that ends with vp_ledger_unlock_done lets
 * the next lock_load skip the scan of domains/; a holder that did not (an
 * error, a kill, a lock that swept no state files, a temp file whose writer
 * still shows) leaves it to scan. Files planted behind the lock's back
 * (never happens) show whether a scan was made. */
static char lock_flag(const char *run)
{
        char *lk = vp_xasprintf("%s/ledger.lock", run), c = 0;
        int fd = open(lk, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, &c, 1) != 1)
                c = 0;
        if (fd >= 0)
                close(fd);
        free(lk);
        return c;
}

static void test_lock_flag(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save a");
        vp_ledger_free(&l);
        state_files(run, U1);

        /* a lock file from before the flag (empty): the scan */
        state_files(run, U3);
        int fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && count_state_files(run, U3) == 0, "empty lock file: scanned, U3 swept");
        is_int(lock_flag(run), '1', "... the flag says busy while held");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        is_int(lock_flag(run), '0', "unlock_done: done");

        state_files(run, U3);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && l.swept && l.n_kept == 1, "after done: loaded, a kept");
        is_int(count_state_files(run, U3), 3, "... and no scan: U3's planted files stay");
        is_int(count_state_files(run, U1), 3, "... a's stay");
        vp_ledger_unlock(fd); /* as after an error */
        vp_ledger_free(&l);
        is_int(lock_flag(run), '1', "plain unlock leaves it busy");
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && count_state_files(run, U3) == 0, "so the next lock_load scans: U3 swept");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);

        /* a holder killed mid-write: its flag stays busy, its temp file goes
         * at the next lock once it is reaped */
        pid_t kid = fork();
        if (kid == 0) {
                vp_ledger l2 = {0};
                vp_error e2;
                int f = vp_ledger_lock_load(run, &l2, &e2);
                char *t = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U1, (int)getpid());
                write_text(t, "x");
                (void)f;
                _exit(0); /* no unlock: a kill */
        }
        int st;
        /* not reaped yet: a zombie, which kill(2) still finds */
        char *t_kid = vp_xasprintf("%s/domains/%s.xml.tmp.%d", run, U1, (int)kid);
        while (!exists(t_kid))
                usleep(1000);
        siginfo_t si;
        waitid(P_PID, (id_t)kid, &si, WEXITED | WNOWAIT);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && exists(t_kid), "a zombie writer's temp file stays");
        is_int(lock_flag(run), '2', "... and marks the flag partial");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        is_int(lock_flag(run), '2', "unlock_done keeps partial: the next holder scans");
        waitpid(kid, &st, 0);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && !exists(t_kid), "reaped: the next lock_load sweeps it");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        is_int(lock_flag(run), '0', "... and ends done");

        /* vp_ledger_lock sweeps no state files: partial, not done */
        fd = vp_ledger_lock(run, &err);
        vp_ledger_unlock_done(fd);
        is_int(lock_flag(run), '0', "vp_ledger_lock after done: stays done");
        vp_ledger_unlock(vp_ledger_lock_load(run, &l, &err));
        vp_ledger_free(&l);
        fd = vp_ledger_lock(run, &err);
        is_int(lock_flag(run), '2', "vp_ledger_lock when not done: partial");
        vp_ledger_unlock_done(fd);
        state_files(run, U3);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0 && count_state_files(run, U3) == 0, "... so the next lock_load scans");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        free(t_kid);
}

/* A FIFO planted in place of a run-dir file, or of libvirt's pid file, is
 * refused at once by name: opened blocking, the read would wait for a writer
 * forever (holding the ledger lock, and libvirt's job behind it). An alarm
 * turns a regression into a failed test instead of a hang. (libvirt's pid
 * file: test_liveness.c.) */
static void test_fifo(void)
{
        char *run = mkrun();
        vp_error err = {0};
        vp_ledger l = {0};
        alarm(20);
        char *ledger = vp_xasprintf("%s/ledger.json", run);
        ok(mkfifo(ledger, 0600) == 0, "a FIFO as ledger.json");
        ok(vp_ledger_load(run, &l, &err) < 0, "loading it fails");
        like(err.msg, "ledger.json: not a regular file", "... naming it: %s", err.msg);
        vp_ledger_free(&l);

        is_int(vp_state_save(run, U1, "{}", "<domain/>", &err), 0, "state files saved");
        char *xml = vp_xasprintf("%s/domains/%s.xml", run, U1);
        ok(unlink(xml) == 0 && mkfifo(xml, 0600) == 0, "a FIFO as domains/UUID.xml");
        char *out = NULL;
        is_int(vp_state_read(run, U1, "xml", &out, &err), -EINVAL, "reading it: -EINVAL");
        like(err.msg, "not a regular file", "... %s", err.msg);
        ok(out == NULL, "... nothing read");

        alarm(0);
        free(ledger);
        free(xml);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_tmp_files();
        test_state();
        test_commit_token();
        test_lock_load();
        test_lock_flag();
        test_fifo();
        rm_tmpdirs();
        return tap_done();
}
