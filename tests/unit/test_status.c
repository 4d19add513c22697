/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status.c on a scratch host: a run dir with a ledger, a fake libvirt run
 * dir (NAME.pid, <domstatus> NAME.xml), a fake /proc and a fake cgroup v1
 * tree, no libvirtd. The rows vp_status_collect makes: stale exactly past
 * VP_LEDGER_STALE_SECONDS for entries whose QEMU is gone, a running entry
 * judged by reading its cgroup files and threads back (enforced, drift, or
 * its ledger state with an error when it cannot be read), unplaced rows for
 * running domains a profile matches by name or metadata and the ledger
 * lacks (by uuid or name), their sort order, and what happens when the
 * configuration, the libvirt run dir or the ledger cannot be read. */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"
#include "ledgerstore.h"
#include "status.h"
#include "tap.h"
#include "tree.h"

static char *dir;
static vp_paths paths;
static const int64_t NOW = 1700000000;

#define U_LIVE  "11111111-0000-4000-8000-000000000001"
#define U_YOUNG "11111111-0000-4000-8000-000000000002"
#define U_OLD   "11111111-0000-4000-8000-000000000003"
#define U_UPPER "11111111-0000-4000-8000-000000000004"
#define DOMCG   "machine/qemu-1-a-live.libvirt-qemu"

static void entry(vp_ledger *l, const char *name, const char *uuid, const char *state,
                  int64_t created, const char *cpus, uint64_t kib)
{
        vp_ledger_entry e;
        memset(&e, 0, sizeof(e));
        e.name = vp_xstrdup(name);
        e.uuid = vp_xstrdup(uuid);
        e.profile = vp_xstrdup("web");
        e.matched_by = vp_xstrdup("name:web-*");
        e.state = vp_xstrdup(state);
        e.kind = VP_KIND_SHARED;
        vp_cpuset s;
        vp_cpuset_parse(&s, cpus, VP_MAX_CPUS, NULL);
        vp_cpumask_set(&e.vcpu_cpus, &s);
        /* a shared VM's emulator floats with its vCPUs */
        vp_cpumask_set(&e.emulator_cpus, &s);
        e.mem = vp_xcalloc(2, sizeof(*e.mem));
        e.mem[0] = (vp_ledger_mem){0, kib / 2};
        e.mem[1] = (vp_ledger_mem){1, kib - kib / 2};
        e.n_mem = 2;
        e.created = created;
        vp_ledger_put(l, &e);
}

/* A domain libvirt runs: NAME.pid and a <domstatus> NAME.xml (its vCPU 0
 * thread pid + 1), and pid in the fake /proc (a dir is enough to be alive). */
static void running(const char *name, long pid, const char *uuid, unsigned mib, const char *meta)
{
        char *rel = vp_xasprintf("lvrun/%s.pid", name);
        char *text = vp_xasprintf("%ld", pid);
        tree_put(dir, rel, text, 0644);
        free(rel);
        free(text);
        char *md = meta ? vp_xasprintf("<metadata><vmplace:profile xmlns:vmplace='urn:vmplace:1'>%s"
                                       "</vmplace:profile></metadata>",
                                       meta)
                        : vp_xstrdup("");
        rel = vp_xasprintf("lvrun/%s.xml", name);
        text = vp_xasprintf("<domstatus state='running' pid='%ld'><vcpus><vcpu id='0' "
                            "pid='%ld'/></vcpus><domain type='qemu'><name>%s</name>"
                            "<uuid>%s</uuid><memory unit='MiB'>%u</memory><vcpu>1</vcpu>%s"
                            "</domain></domstatus>",
                            pid, pid + 1, name, uuid, mib, md);
        tree_put(dir, rel, text, 0644);
        free(rel);
        free(text);
        free(md);
        rel = vp_xasprintf("proc/%ld/task/%ld/comm", pid, pid);
        tree_put(dir, rel, "qemu-system-x86\n", 0644);
        free(rel);
        rel = vp_xasprintf("proc/%ld/task/%ld/comm", pid, pid + 1);
        tree_put(dir, rel, "CPU 0/TCG\n", 0644);
        free(rel);
}

static vp_status_row *row(vp_status *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (!strcmp(s->rows[i].e.name, name))
                        return &s->rows[i];
        return NULL;
}

static char *names(const vp_status *s)
{
        vp_buf b = {0};
        vp_buf_str(&b, "");
        for (size_t i = 0; i < s->n; i++) {
                if (i)
                        vp_buf_str(&b, " ");
                vp_buf_str(&b, s->rows[i].e.name);
                vp_buf_str(&b, "=");
                vp_buf_str(&b, s->rows[i].state);
        }
        return b.s;
}

/* The live domain's cgroup files as the plan wants them (v1, libvirt's
 * layout without systemd) and its threads' status files. */
static void live_kernel(const char *vcpu_cpus)
{
        tree_put(dir, "proc/4242/cgroup",
                 "4:memory:/" DOMCG "\n3:cpuset:/" DOMCG "/emulator\n"
                 "2:cpuacct:/" DOMCG "/emulator\n1:cpu:/" DOMCG "/emulator\n",
                 0644);
        tree_put(dir, "cg/cpu/" DOMCG "/cpu.shares", "1024\n", 0644);
        tree_put(dir, "cg/cpu/" DOMCG "/emulator/cpu.shares", "1024\n", 0644);
        tree_put(dir, "cg/cpu/" DOMCG "/vcpu0/cpu.shares", "1024\n", 0644);
        tree_put(dir, "cg/cpuacct/" DOMCG "/emulator/cpuacct.usage", "0\n", 0644);
        tree_put(dir, "cg/cpuset/" DOMCG "/cpuset.cpus", "0-3\n", 0644);
        tree_put(dir, "cg/cpuset/" DOMCG "/cpuset.mems", "0-1\n", 0644);
        tree_put(dir, "cg/cpuset/" DOMCG "/emulator/cpuset.cpus", "2-3\n", 0644);
        tree_put(dir, "cg/cpuset/" DOMCG "/emulator/cpuset.mems", "0-1\n", 0644);
        tree_put(dir, "cg/cpuset/" DOMCG "/vcpu0/cpuset.cpus", vcpu_cpus, 0644);
        tree_put(dir, "cg/cpuset/" DOMCG "/vcpu0/cpuset.mems", "0-1\n", 0644);
        tree_put(dir, "proc/4242/task/4242/status",
                 "Name:\tq\nCpus_allowed_list:\t2-3\nMems_allowed_list:\t0-1\n", 0644);
        tree_put(dir, "proc/4242/task/4243/status",
                 "Name:\tc\nCpus_allowed_list:\t2-3\nMems_allowed_list:\t0-1\n", 0644);
}

/* a-live's live definition in libvirt's status XML: told the placement
 * (what vmplace-agent makes it say), or not */
#define A_LIVE_TOLD                                                                                \
        "<vcpu placement='static' cpuset='2-3'>1</vcpu><cputune><shares>1024</shares></cputune>"
#define A_LIVE_BARE "<vcpu>1</vcpu>"
static void a_live_view(const char *tune)
{
        char *text = vp_xasprintf("<domstatus state='running' pid='4242'><vcpus><vcpu id='0' "
                                  "pid='4243'/></vcpus><domain type='qemu'><name>a-live</name>"
                                  "<uuid>" U_LIVE "</uuid><memory unit='MiB'>256</memory>%s"
                                  "</domain></domstatus>",
                                  tune);
        tree_put(dir, "lvrun/a-live.xml", text, 0644);
        free(text);
}

static void setup(void)
{
        dir = tree_new("status");
        static char conf[256], run[256], lv[256], proc[256], cg[256];
        snprintf(conf, sizeof(conf), "%s/conf", dir);
        snprintf(run, sizeof(run), "%s/run", dir);
        snprintf(lv, sizeof(lv), "%s/lvrun", dir);
        snprintf(proc, sizeof(proc), "%s/proc", dir);
        snprintf(cg, sizeof(cg), "%s/cg", dir);
        paths = (vp_paths){
            .confdir = conf, .rundir = run, .libvirt_rundir = lv, .proc = proc, .cgroup_root = cg};
        tree_put(dir, "conf/vmplace.ini", "[host]\n", 0644);
        tree_put(dir, "conf/profiles.d/web.ini",
                 "[match]\nnames = web-*\nmetadata = web\n[placement]\ncpu_policy = shared\n",
                 0644);
        chmod(conf, 0755);
        char *pd = vp_xasprintf("%s/profiles.d", conf);
        chmod(pd, 0755);
        free(pd);
        vp_mkdir_p(run, 0700, NULL);
        vp_mkdir_p(lv, 0755, NULL);

        vp_ledger l = {0};
        entry(&l, "a-live", U_LIVE, "enforced", NOW - 1000, "2-3", 262144);
        entry(&l, "b-young-dead", U_YOUNG, "prepared", NOW - VP_LEDGER_STALE_SECONDS, "2-3", 1024);
        entry(&l, "zz-old-dead", U_OLD, "prepared", NOW - VP_LEDGER_STALE_SECONDS - 1, "2-3", 2048);
        entry(&l, "Zed", U_UPPER, "enforced", NOW - 1000, "2-3", 4096);
        vp_error e = {0};
        if (vp_ledger_save(run, &l, &e) < 0)
                ok(0, "ledger saved: %s", e.msg);
        vp_ledger_free(&l);

        /* a-live runs; its plan and XML recorded as the hook does */
        running("a-live", 4242, U_LIVE, 256, NULL);
        a_live_view(A_LIVE_TOLD);
        const char *xml = "<domain type='qemu'><name>a-live</name><uuid>" U_LIVE "</uuid>"
                          "<memory unit='MiB'>256</memory><vcpu placement='static' "
                          "cpuset='2-3'>1</vcpu><cputune><shares>1024</shares></cputune>"
                          "</domain>";
        if (vp_state_save(run, U_LIVE, "{}\n", xml, &e) < 0)
                ok(0, "state saved: %s", e.msg);
        live_kernel("2-3\n");

        /* running domains without entries */
        running("web-1", 5000, "22222222-0000-4000-8000-000000000001", 128, NULL);
        running("db-meta", 5010, "22222222-0000-4000-8000-000000000002", 64, "web");
        running("db-plain", 5020, "22222222-0000-4000-8000-000000000003", 64, NULL);
        running("web-renamed", 5030, U_UPPER, 64, NULL); /* Zed's uuid: in the ledger */
        running("web-gone", 5040, "22222222-0000-4000-8000-000000000004", 64, NULL);
        char *gone = vp_xasprintf("%s/5040", proc);
        tree_rm(gone); /* its QEMU is gone: no proc/5040 */
        tree_put(dir, "lvrun/web-2.pid", "5050", 0644);
        tree_put(dir, "lvrun/web-2.xml", "<domstatus state='running' pid='5050'><domain>", 0644);
        tree_put(dir, "proc/5050/stat", "x", 0644);
}

static void test_rows(void)
{
        vp_status s;
        vp_error e = {0};
        int r = vp_status_collect(&paths, NOW, &s, &e);
        is_int(r, 0, "collect (%s)", r ? e.msg : "");
        char *got = names(&s);
        is_str(got,
               "Zed=stale a-live=enforced b-young-dead=prepared db-meta=unplaced "
               "web-1=unplaced web-2=unplaced zz-old-dead=stale",
               "rows sorted by name in byte order, each in its state");
        free(got);
        ok(s.config_valid, "config valid");
        ok(s.unplaced_error == NULL, "no unplaced error");

        vp_status_row *x = row(&s, "a-live");
        if (x) {
                ok(x->placed, "a-live: placed");
                is_int(x->drift.n, 0, "a-live: no drift");
                ok(x->error == NULL, "a-live: no error (%s)", x->error ? x->error : "");
                is_int(x->memory_kib, 262144, "a-live: memory summed over its nodes");
                is_str(x->e.profile, "web", "a-live: the entry's profile");
                ok(!vp_status_row_bad(x), "enforced is not bad");
        }
        x = row(&s, "b-young-dead");
        if (x) {
                is_str(x->state, "prepared",
                       "exactly VP_LEDGER_STALE_SECONDS old without QEMU: still its own state");
                ok(!vp_status_row_bad(x), "prepared is not bad");
                ok(x->error == NULL, "not checked: no error");
        }
        x = row(&s, "zz-old-dead");
        if (x) {
                ok(x->placed, "a stale row is a placed one");
                is_int(x->memory_kib, 2048, "stale row memory");
                ok(vp_status_row_bad(x), "stale is bad");
        }
        x = row(&s, "Zed");
        if (x)
                is_str(x->state, "stale",
                       "Zed: no Zed.pid (another name runs with its uuid): stale by age");
        x = row(&s, "web-1");
        if (x) {
                ok(!x->placed, "web-1: unplaced");
                is_str(x->e.uuid, "22222222-0000-4000-8000-000000000001", "web-1: uuid");
                is_str(x->e.profile, "web", "web-1: profile by name");
                is_str(x->e.matched_by, "name:web-*", "web-1: matched_by");
                is_int(x->memory_kib, 131072, "web-1: the domain's <memory>");
                is_int(x->e.n_mem, 0, "web-1: no committed memory");
                ok(vp_cpumask_empty(&x->e.vcpu_cpus), "web-1: no CPU sets");
                ok(x->error == NULL, "web-1: no error");
                ok(vp_status_row_bad(x), "unplaced is bad");
        }
        x = row(&s, "db-meta");
        if (x) {
                is_str(x->e.profile, "web", "db-meta: profile from its metadata");
                is_str(x->e.matched_by, "metadata", "db-meta: matched_by metadata");
                is_int(x->memory_kib, 65536, "db-meta: memory");
        }
        x = row(&s, "web-2");
        if (x) {
                ok(x->e.uuid == NULL, "web-2: unreadable status XML: no uuid");
                is_int(x->memory_kib, 0, "web-2: memory unknown");
                is_str(x->e.profile, "web", "web-2: the name still matches");
                ok(x->error != NULL, "web-2: says why");
                like(x->error, "web-2.xml", "web-2: naming the status file");
        }
        ok(!row(&s, "db-plain"), "no profile matches db-plain: no row");
        ok(!row(&s, "web-renamed"), "a running domain whose uuid has an entry: no row");
        ok(!row(&s, "web-gone"), "a pid file whose QEMU is gone: no row");
        vp_status_free(&s);
        ok(s.rows == NULL && s.n == 0 && s.unplaced_error == NULL, "status_free empties");
}

/* one collect at now, the row states as names() prints them */
static char *states_at(int64_t now, vp_status *s)
{
        vp_error e = {0};
        int r = vp_status_collect(&paths, now, s, &e);
        if (r < 0)
                return vp_xasprintf("error %d: %s", r, e.msg);
        return names(s);
}

/* libvirt's live definition without the placement: drift rows named as
 * an admin asks libvirt, the kernel's rows unaffected */
static void test_libvirt_view(void)
{
        a_live_view(A_LIVE_BARE);
        vp_status s;
        char *got = states_at(NOW, &s);
        like(got, " a-live=drift ", "libvirt's live definition lacks the placement: drift");
        free(got);
        vp_status_row *x = row(&s, "a-live");
        if (x) {
                vp_buf b = {0};
                for (size_t i = 0; i < x->drift.n; i++)
                        vp_buf_printf(&b, "%s%s %s/%s", i ? "; " : "", x->drift.d[i].file,
                                      x->drift.d[i].want, x->drift.d[i].have);
                char *rows = vp_buf_take(&b);
                is_str(rows,
                       "libvirt vcpupin 0 2-3/unpinned; libvirt emulatorpin 2-3/unpinned; "
                       "libvirt schedinfo cpu_shares 1024/unset",
                       "one row per item libvirt lacks, want and have; no kernel row");
                free(rows);
                ok(vp_status_row_bad(x), "status --check fails on it");
        }
        vp_status_free(&s);
        a_live_view(A_LIVE_TOLD);
        got = states_at(NOW, &s);
        like(got, " a-live=enforced ", "told: enforced again");
        free(got);
        vp_status_free(&s);
}

static void test_drift(void)
{
        /* vcpu0 moved off its CPUs behind vmplace's back */
        tree_put(dir, "cg/cpuset/" DOMCG "/vcpu0/cpuset.cpus", "3\n", 0644);
        tree_put(dir, "proc/4242/task/4243/status",
                 "Name:\tc\nCpus_allowed_list:\t0\nMems_allowed_list:\t0-1\n", 0644);
        vp_status s;
        char *got = states_at(NOW, &s);
        like(got, " a-live=drift ", "read back from the kernel: drift");
        free(got);
        vp_status_row *x = row(&s, "a-live");
        if (x) {
                is_int(x->drift.n, 2, "two drifts: the cgroup file and the thread");
                if (x->drift.n == 2) {
                        is_str(x->drift.d[0].file, "vcpu0/cpuset.cpus", "the cgroup file first");
                        is_str(x->drift.d[0].want, "2-3", "want: the plan's");
                        is_str(x->drift.d[0].have, "3", "have: the kernel's");
                        is_str(x->drift.d[1].file, "vcpu0 tid 4243 Cpus_allowed_list",
                               "then the vCPU thread");
                        is_str(x->drift.d[1].have, "0", "its affinity as /proc says");
                }
                ok(x->error == NULL, "drift is no error");
                ok(vp_status_row_bad(x), "drift is bad");
                is_str(x->state, "drift", "state drift (the ledger says enforced)");
        }
        vp_status_free(&s);
        live_kernel("2-3\n");

        /* nothing of the plan can be read: the ledger's state, and why */
        char *plan = vp_xasprintf("%s/domains/%s.plan.json", paths.rundir, U_LIVE);
        char *keep = vp_xasprintf("%s.keep", plan);
        rename(plan, keep);
        got = states_at(NOW, &s);
        like(got, " a-live=enforced ", "plan.json missing: the ledger's state stays");
        free(got);
        x = row(&s, "a-live");
        if (x) {
                ok(x->error != NULL, "with an error");
                like(x->error, "plan.json", "naming the missing file (%s)", x->error);
                is_int(x->drift.n, 0, "and no drift");
        }
        vp_status_free(&s);
        rename(keep, plan);
        free(plan);
        free(keep);

        /* the QEMU is not in /proc any more: dead, and old enough to be stale */
        char *p = vp_xasprintf("%s/4242", paths.proc);
        char *moved = vp_xasprintf("%s/gone-4242", paths.proc);
        rename(p, moved);
        got = states_at(NOW, &s);
        like(got, " a-live=stale ", "QEMU gone: stale");
        x = row(&s, "a-live");
        ok(x && x->error == NULL && x->drift.n == 0, "a stale row is not checked");
        free(got);
        vp_status_free(&s);
        rename(moved, p);
        free(p);
        free(moved);
}

static void test_stale_edge(void)
{
        vp_status s;
        char *got = states_at(NOW + 1, &s);
        like(got, " b-young-dead=stale ", "one second later b-young-dead is stale");
        free(got);
        vp_status_free(&s);
        got = states_at(NOW - 10000, &s);
        like(got, "zz-old-dead=prepared", "with a clock before its creation: not stale");
        like(got, "Zed=enforced ", "Zed neither");
        free(got);
        vp_status_free(&s);
}

static void test_config_errors(void)
{
        tree_put(dir, "conf/profiles.d/web.ini",
                 "[match]\nnames = web-*\n[placement]\ncpu_policy = bogus\n", 0644);
        vp_status s;
        is_str_free(states_at(NOW, &s),
                    "Zed=stale a-live=enforced b-young-dead=prepared zz-old-dead=stale",
                    "invalid configuration: the ledger rows, no unplaced ones");
        ok(!s.config_valid, "config_valid false");
        like(s.unplaced_error, "configuration error: ", "unplaced_error says why");
        like(s.unplaced_error, "web.ini:4: ", "naming FILE:LINE");
        ok(s.unplaced_error && !strstr(s.unplaced_error, "and "), "one error: no count");
        vp_status_free(&s);

        tree_put(
            dir, "conf/profiles.d/web.ini",
            "[match]\nnames = web-*\n[placement]\ncpu_policy = bogus\nnuma_policy = x\nbogus_key = "
            "1\n",
            0644);
        char *got = states_at(NOW, &s);
        free(got);
        like(s.unplaced_error, " more; see vmplace validate)",
             "several errors: the first, and a count");
        like(s.unplaced_error, "configuration error: ", "... after the same prefix");
        vp_status_free(&s);

        tree_put(dir, "conf/profiles.d/web.ini",
                 "[match]\nnames = web-*\nmetadata = web\n[placement]\ncpu_policy = shared\n",
                 0644);
        got = states_at(NOW, &s);
        like(got, "web-1=unplaced", "valid again: unplaced rows back");
        free(got);
        vp_status_free(&s);
}

static void test_unreadable(void)
{
        /* the libvirt run dir is a file: no running domains can be listed */
        char *lv = vp_xasprintf("%s/lvfile", dir);
        tree_put(dir, "lvfile", "x", 0644);
        vp_paths keep = paths;
        paths.libvirt_rundir = lv;
        vp_status s;
        is_str_free(states_at(NOW, &s),
                    "Zed=stale a-live=stale b-young-dead=prepared zz-old-dead=stale",
                    "no libvirt run dir: nothing runs, no unplaced rows");
        ok(s.config_valid, "config still valid");
        like(s.unplaced_error, lv, "unplaced_error names the run dir");
        vp_status_free(&s);
        paths = keep;
        free(lv);

        /* a ledger that does not parse: an error, no rows */
        char *lp = vp_xasprintf("%s/ledger.json", paths.rundir);
        vp_write_file_atomic(lp, "{\"version\": 1, \"entries\": [", 28, 0600, NULL);
        vp_error e = {0};
        int r = vp_status_collect(&paths, NOW, &s, &e);
        is_int(r, -EBADMSG, "a damaged ledger: -EBADMSG");
        like(e.msg, lp, "err names the ledger");
        is_int(s.n, 0, "no rows");
        ok(s.unplaced_error == NULL, "and no unplaced error");
        vp_status_free(&s);
        free(lp);
}

int main(void)
{
        setup();
        test_rows();
        test_libvirt_view();
        test_drift();
        test_stale_edge();
        test_config_errors();
        test_unreadable();
        tree_rm(dir);
        return tap_done();
}
