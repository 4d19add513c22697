/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger store's lock (lib/io/ledgerstore.c): modes and exclusion,
 * the bounded wait, concurrent writers, and writers killed mid-save that
 * leave the old or the new ledger, never a mix. */
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

static void test_lock_and_modes(void)
{
        char *base = mkrun();
        char *run = vp_xasprintf("%s/a/b/run", base);
        vp_error err = {0};
        umask(022);
        int fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "lock creates a missing rundir: %s", fd < 0 ? err.msg : "");
        is_int(mode_of(run), 0700, "rundir 0700");
        char *dom = vp_xasprintf("%s/domains", run);
        is_int(mode_of(dom), 0700, "rundir/domains 0700");
        char *lk = vp_xasprintf("%s/ledger.lock", run);
        is_int(mode_of(lk), 0600, "ledger.lock 0600");
        int fl = fcntl(fd, F_GETFD);
        ok(fl >= 0 && (fl & FD_CLOEXEC), "lock fd is FD_CLOEXEC");

        /* another open file description cannot take it */
        pid_t pid = fork();
        if (pid == 0) {
                int f2 = open(lk, O_RDWR | O_CLOEXEC);
                int r = flock(f2, LOCK_EX | LOCK_NB);
                _exit(r < 0 && errno == EWOULDBLOCK ? 0 : 1);
        }
        int st;
        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "lock is exclusive");

        /* a forked child inherits the description; unlock must still release it */
        pid = fork();
        if (pid == 0) {
                sleep(30);
                _exit(0);
        }
        vp_ledger_unlock(fd);
        int f3 = open(lk, O_RDWR | O_CLOEXEC);
        ok(flock(f3, LOCK_EX | LOCK_NB) == 0, "unlock releases even with a forked child alive");
        close(f3);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);

        vp_ledger l = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        is_int(vp_ledger_save(run, &l, &err), 0, "save");
        char *lj = vp_xasprintf("%s/ledger.json", run);
        is_int(mode_of(lj), 0600, "ledger.json 0600");
        vp_ledger_free(&l);

        umask(0);
        char *run2 = vp_xasprintf("%s/run2", base);
        fd = vp_ledger_lock(run2, &err);
        char *lk2 = vp_xasprintf("%s/ledger.lock", run2);
        is_int(mode_of(run2), 0700, "rundir 0700 with umask 0");
        is_int(mode_of(lk2), 0600, "ledger.lock 0600 with umask 0");
        vp_ledger_unlock(fd);
        umask(022);

        char *notdir = vp_xasprintf("%s/file", base);
        write_text(notdir, "");
        char *under = vp_xasprintf("%s/file/run", base);
        fd = vp_ledger_lock(under, &err);
        ok(fd < 0, "lock under a regular file fails");
        like(err.msg, notdir, "... naming the path");

        free(run);
        free(dom);
        free(lk);
        free(lj);
        free(run2);
        free(lk2);
        free(notdir);
        free(under);
}

/* N processes each lock, load, take the lowest CPU nobody holds, save and
 * unlock. Without a working lock two pick the same CPU or one save loses
 * another's entry. */
static void test_concurrent(void)
{
        enum { NMAX = 16 };
        const int N = UNDER_VALGRIND() ? 6 : NMAX;
        char *run = mkrun();
        pid_t kids[NMAX];
        for (int i = 0; i < N; i++) {
                kids[i] = fork();
                if (kids[i] == 0) {
                        vp_error err;
                        vp_ledger l = {0};
                        int fd = vp_ledger_lock(run, &err);
                        if (fd < 0 || vp_ledger_load(run, &l, &err) < 0)
                                _exit(2);
                        vp_cpuset held;
                        vp_ledger_held(&l, NULL, &held);
                        int cpu = 0;
                        while (vp_cpuset_test(&held, (unsigned)cpu))
                                cpu++;
                        char name[16], uuid[37];
                        snprintf(name, sizeof(name), "vm-%02d", i);
                        snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-%012d", i);
                        vp_ledger_entry e = mk(name, uuid, VP_KIND_DEDICATED, "", NOW);
                        madd(&e.held, (unsigned)cpu);
                        vp_ledger_put(&l, &e);
                        usleep(2000); /* widen the window a broken lock would show */
                        int r = vp_ledger_save(run, &l, &err);
                        vp_ledger_unlock(fd);
                        vp_ledger_free(&l);
                        _exit(r < 0 ? 3 : 0);
                }
        }
        bool kids_ok = true;
        for (int i = 0; i < N; i++) {
                int st;
                waitpid(kids[i], &st, 0);
                kids_ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
        }
        ok(kids_ok, "%d concurrent writers succeeded", N);
        vp_ledger l = {0};
        vp_error err = {0};
        is_int(vp_ledger_load(run, &l, &err), 0, "ledger loads");
        is_int(l.n, N, "all %d entries present", N);
        vp_cpuset all;
        vp_cpuset_zero(&all);
        bool distinct = true;
        for (size_t i = 0; i < l.n; i++) {
                distinct &= vp_cpumask_count(&l.entries[i].held) == 1 &&
                            !vp_cpumask_intersects(&l.entries[i].held, &all);
                vp_cpumask_or_into(&all, &l.entries[i].held);
        }
        ok(distinct, "every CPU distinct");
        char buf[32];
        char want[16];
        snprintf(want, sizeof(want), "0-%d", N - 1);
        is_str(vp_cpuset_fmt(&all, buf, sizeof(buf)), want, "CPUs %s handed out", want);
        vp_ledger_free(&l);
}

/* A ledger large enough that saving takes a while, deterministic in gen. */
static void big_ledger(vp_ledger *l, unsigned gen)
{
        memset(l, 0, sizeof(*l));
        unsigned n = UNDER_VALGRIND() ? 40 : 600;
        for (unsigned i = 0; i < n; i++) {
                char name[32], uuid[37];
                snprintf(name, sizeof(name), "vm-%05u", i);
                snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-%012x", gen, i);
                vp_ledger_entry e = mk(name, uuid, VP_KIND_DEDICATED, "", (int64_t)gen);
                vp_cpuset v = {{0}};
                for (unsigned c = (gen + i) % 7; c < 256; c += 3)
                        vp_cpuset_set(&v, c);
                vp_cpumask_set(&e.vcpu_cpus, &v);
                madd(&e.held, (gen * 31 + i) % VP_MAX_CPUS);
                add_mem(&e, 0, (uint64_t)gen * 1024 + i);
                add_mem(&e, 1, i);
                e.pid = (long)gen;
                vp_ledger_put(l, &e);
        }
        for (unsigned i = 0; i < 40; i++) {
                char uuid[37];
                snprintf(uuid, sizeof(uuid), "%08x-1111-4000-8000-%012x", gen, i);
                vp_ledger_entry e = mk("p", uuid, VP_KIND_DEDICATED, "7", NOW);
                vp_ledger_put(l, &e);
                vp_ledger_remove(l, uuid, (int64_t)gen);
        }
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fork a process that builds ledger gen, then returns once it is about to
 * lock and save, so the caller's kill lands in the part that matters. */
static pid_t spawn_saver(const char *run, unsigned gen)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                abort();
        pid_t pid = fork();
        if (pid == 0) {
                vp_ledger l;
                vp_error err;
                close(p[0]);
                big_ledger(&l, gen);
                if (write(p[1], "", 1) != 1)
                        _exit(4);
                int fd = vp_ledger_lock(run, &err);
                int r = fd < 0 ? fd : vp_ledger_save(run, &l, &err);
                vp_ledger_unlock(fd);
                vp_ledger_free(&l);
                _exit(r < 0 ? 3 : 0);
        }
        close(p[1]);
        char c;
        while (read(p[0], &c, 1) < 0 && errno == EINTR)
                ;
        close(p[0]);
        return pid;
}

static int count_tmp(const char *dir)
{
        DIR *d = opendir(dir);
        int n = 0;
        for (struct dirent *de; d && (de = readdir(d));)
                n += strstr(de->d_name, ".tmp.") != NULL;
        if (d)
                closedir(d);
        return n;
}

static void test_crash(void)
{
        char *run = mkrun();
        vp_error err = {0};
        const char *env = getenv("VMPLACE_LEDGER_CRASH_ITERS");
        unsigned iters = env ? (unsigned)atoi(env) : UNDER_VALGRIND() ? 15 : 200;
        unsigned seed = env && getenv("VMPLACE_TEST_SEED")
                            ? (unsigned)atoi(getenv("VMPLACE_TEST_SEED"))
                            : (unsigned)time(NULL) ^ (unsigned)getpid();
        srand(seed);
        printf("# crash test: %u iterations, seed %u\n", iters, seed);

        vp_ledger old;
        big_ledger(&old, 0);
        is_int(vp_ledger_save(run, &old, &err), 0, "initial big ledger saved");

        /* how long a whole saver run takes, to aim the kills across it */
        int st;
        pid_t pid = spawn_saver(run, 0);
        double t0 = now_s();
        waitpid(pid, &st, 0);
        double span = now_s() - t0;
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "an unkilled saver succeeds (%.1f ms to save)",
           span * 1e3);

        unsigned loads_ok = 0, consistent = 0, got_old = 0, got_new = 0, finished = 0;
        unsigned cur = 0;
        for (unsigned it = 1; it <= iters; it++) {
                unsigned gen = it;
                pid = spawn_saver(run, gen);
                useconds_t delay = (useconds_t)((double)rand() / RAND_MAX * span * 1.3 * 1e6);
                usleep(delay);
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                bool clean_exit = WIFEXITED(st) && WEXITSTATUS(st) == 0;
                finished += clean_exit;

                vp_ledger got = {0};
                if (vp_ledger_load(run, &got, &err) == 0) {
                        loads_ok++;
                        vp_ledger want_new = {0};
                        /* created carries the generation; build only when needed */
                        if (got.n > 0 && got.entries[0].created == (int64_t)gen)
                                big_ledger(&want_new, gen);
                        if (want_new.n > 0 && ledger_equal(&got, &want_new)) {
                                consistent++;
                                got_new++;
                                vp_ledger_free(&old);
                                old = want_new;
                                cur = gen;
                        } else {
                                vp_ledger_free(&want_new);
                                if (!clean_exit && ledger_equal(&got, &old)) {
                                        consistent++;
                                        got_old++;
                                } else {
                                        printf("# iteration %u: ledger is neither gen %u nor "
                                               "gen %u\n",
                                               it, cur, gen);
                                }
                        }
                } else {
                        printf("# iteration %u: load failed: %s\n", it, err.msg);
                }
                vp_ledger_free(&got);
        }
        printf("# %u old, %u new, %u savers finished before the kill\n", got_old, got_new,
               finished);
        is_int(loads_ok, iters, "the ledger loaded after every kill");
        is_int(consistent, iters, "it was always the old or the new content");
        vp_ledger_free(&old);

        int fd = vp_ledger_lock(run, &err);
        vp_ledger_unlock(fd);
        is_int(count_tmp(run), 0, "no tmp files left once the lock swept them");
}

static double elapsed_ms(const struct timespec *t0)
{
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A child that takes the ledger lock of run, says so on the returned
 * pipe's read end (*ready), and releases it when the parent writes to
 * *release (hold_ms == 0) or after hold_ms. */
static pid_t hold_lock(const char *run, unsigned hold_ms, int *ready, int *release)
{
        int up[2], down[2];
        if (pipe(up) < 0 || pipe(down) < 0) {
                perror("pipe");
                exit(1);
        }
        pid_t pid = fork();
        if (pid == 0) {
                close(up[0]);
                close(down[1]);
                vp_error e;
                int fd = vp_ledger_lock(run, &e);
                char c = fd >= 0 ? 'y' : 'n';
                if (write(up[1], &c, 1) != 1)
                        _exit(1);
                if (hold_ms)
                        usleep(hold_ms * 1000);
                else if (read(down[0], &c, 1) < 0)
                        _exit(1);
                vp_ledger_unlock(fd);
                _exit(0);
        }
        close(up[1]);
        close(down[0]);
        char c = 0;
        if (read(up[0], &c, 1) != 1 || c != 'y') {
                fprintf(stderr, "lock holder failed\n");
                exit(1);
        }
        *ready = up[0];
        *release = down[1];
        return pid;
}

static void test_lock_wait(void)
{
        char *run = mkrun();
        char *lk = vp_xasprintf("%s/ledger.lock", run);
        vp_error err = {0};
        vp_ledger l = {0};
        int ready, release, st;

        /* a holder that stays: -ETIMEDOUT after the bound, one line naming
         * the file */
        vp_ledger_set_lock_wait_ms(300);
        pid_t kid = hold_lock(run, 0, &ready, &release);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int fd = vp_ledger_lock(run, &err);
        double ms = elapsed_ms(&t0);
        is_int(fd, -ETIMEDOUT, "a lock held past the bound: -ETIMEDOUT");
        like(err.msg, lk, "... the message names the lock file: %s", err.msg);
        like(err.msg, "held by another vmplace process for over 300 ms (giving up)",
             "... and says how long it waited");
        ok(!strchr(err.msg, '\n'), "... on one line");
        ok(ms >= 300 && ms < 10000, "... after at least the bound (%.0f ms)", ms);

        /* once given up, the process does not wait again for that holder */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        fd = vp_ledger_lock_load(run, &l, &err);
        ms = elapsed_ms(&t0);
        is_int(fd, -ETIMEDOUT, "lock_load while still held: -ETIMEDOUT too");
        like(err.msg, "not waiting again", "... at once (%.0f ms)", ms);
        ok(l.n == 0 && !l.swept, "... l empty");

        /* released: the next lock takes it */
        char c = 'x';
        ok(write(release, &c, 1) == 1, "the holder lets go");
        waitpid(kid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "... and exits");
        close(ready);
        close(release);
        fd = vp_ledger_lock(run, &err);
        ok(fd >= 0, "after the release a lock succeeds: %s", fd < 0 ? err.msg : "");
        vp_ledger_unlock(fd);

        /* a holder that lets go within the bound is waited for (setting the
         * bound forgets the earlier timeout) */
        vp_ledger_set_lock_wait_ms(5000);
        kid = hold_lock(run, 100, &ready, &release);
        fd = vp_ledger_lock_load(run, &l, &err);
        ok(fd >= 0, "a holder for ~100 ms is waited for: %s", fd < 0 ? err.msg : "");
        vp_ledger_unlock_done(fd);
        vp_ledger_free(&l);
        waitpid(kid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "... the holder exited");
        close(ready);
        close(release);

        vp_ledger_set_lock_wait_ms(VP_LEDGER_LOCK_WAIT_MS);
        free(lk);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_lock_and_modes();
        test_concurrent();
        test_crash();
        test_lock_wait();
        rm_tmpdirs();
        return tap_done();
}
