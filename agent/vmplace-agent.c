/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace-agent: libvirt's own view of every running managed VM says the
 * placement vmplace enforced. The hook cannot tell libvirt (libvirt holds
 * the domain's job while the hook runs: a call back deadlocks), so this
 * process does it after libvirt's start job ends: on each lifecycle event,
 * on each change of the ledger (a start or stop narrowed or widened the
 * floating VMs) and every VP_AGENT_SWEEP_MS, it brings each running managed
 * domain's live definition into agreement through libvirt's API
 * (vp_virt_agree). It reconnects when libvirtd restarts. Nothing waits for
 * it: a VM starts the same with or without it. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "isolate.h"
#include "planjson.h"
#include "virtview.h"

/* A full pass however quiet the events: what a lost event or a missed
 * inotify leaves is repaired within this. */
#define VP_AGENT_SWEEP_MS 30000
/* A domain inside a libvirt job is tried again after this. */
#define VP_AGENT_BUSY_MS 1000
/* Commits come in bursts (a prepare, then its started): one pass after. */
#define VP_AGENT_SETTLE_MS      20
#define VP_AGENT_BACKOFF_MIN_MS 1000
#define VP_AGENT_BACKOFF_MAX_MS 10000

static const char usage_text[] =
    "usage: vmplace-agent [-c URI] [--once]\n"
    "Keep libvirt's live definition of every running VM vmplace manages in\n"
    "agreement with the placement vmplace enforced, so virsh vcpupin, emulatorpin,\n"
    "iothreadpin, numatune, schedinfo and dumpxml show it and libvirt's own later\n"
    "actions (a vCPU hot-plugged with virsh setvcpus --live) start from it. Runs in\n"
    "the foreground until SIGTERM, following libvirt's lifecycle events and the\n"
    "ledger in VMPLACE_RUNDIR; reconnects when libvirtd restarts.\n"
    "  -c URI   libvirt URI (default: libvirt's default, qemu:///system for root)\n"
    "  --once   bring every running managed VM into agreement, print what changed,\n"
    "           and exit\n"
    "Exit: 0; 1 (--once) some VM could not be brought into agreement; 2 usage\n"
    "error, or (--once) libvirt could not be reached.\n";

typedef struct agent {
        const char *uri;
        vp_paths paths;
        bool once, quit, to_syslog;
        virConnectPtr conn;
        int lifecycle_cb;              /* -1: none */
        int pass_timer, connect_timer; /* libvirt event loop timers */
        int pass_pending_ms;           /* -1: no pass scheduled */
        unsigned backoff_ms;
        bool said_down;        /* the outage was logged */
        int ino_fd, ino_watch; /* the run dir watch; -1: none */
        int watch_timer;       /* tries the watch again while it is missing */
        unsigned failed;       /* --once: domains left disagreeing */
        /* The last failure said per domain, so the sweep does not repeat
         * it every 30 s: "UUID message" lines */
        char **said_fail;
        size_t n_said_fail;
        /* isolation (docs/isolation.md): what the last pass said, so that a
         * sweep repeats nothing */
        char *said_isolation;
} agent;

static void say(agent *a, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(agent *a, int prio, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *line = NULL;
        if (vasprintf(&line, fmt, ap) < 0)
                line = NULL;
        va_end(ap);
        if (!line)
                return;
        /* under systemd, stderr is the journal already */
        if (a->to_syslog)
                syslog(prio, "%s", line);
        fprintf(stderr, "vmplace-agent: %s\n", line);
}

static void schedule_pass(agent *a, int ms)
{
        if (a->pass_timer < 0 || (a->pass_pending_ms >= 0 && a->pass_pending_ms <= ms))
                return;
        a->pass_pending_ms = ms;
        virEventUpdateTimeout(a->pass_timer, ms);
}

/* Whether this failure of domain uuid is new (and remember it), or with
 * msg NULL forget the domain's: it agrees now. */
static bool fail_is_new(agent *a, const char *uuid, const char *msg)
{
        _cleanup_free_ char *line = msg ? vp_xasprintf("%s %s", uuid, msg) : NULL;
        size_t ul = strlen(uuid);
        for (size_t i = 0; i < a->n_said_fail; i++) {
                char *l = a->said_fail[i];
                if (strncmp(l, uuid, ul) != 0 || l[ul] != ' ')
                        continue;
                if (line && !strcmp(l, line))
                        return false; /* said already */
                free(l);
                a->said_fail[i] = a->said_fail[--a->n_said_fail];
                break;
        }
        if (!line)
                return false;
        a->said_fail = vp_xrealloc(a->said_fail, (a->n_said_fail + 1) * sizeof(*a->said_fail));
        a->said_fail[a->n_said_fail++] = TAKE_PTR(line);
        return true;
}

/* One domain; returns true when it is inside a libvirt job (try later). */
static bool agree_one(agent *a, virDomainPtr dom)
{
        int state = 0, reason = 0;
        virDomainControlInfo ci;
        /* Our calls would wait for the job (libvirt gives up after 30 s):
         * the start, migration or stop holding it ends with an event. */
        if (virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED &&
            reason == VIR_DOMAIN_PAUSED_STARTING_UP)
                return true;
        if (virDomainGetControlInfo(dom, &ci, 0) == 0 && ci.state != VIR_DOMAIN_CONTROL_OK)
                return true;
        char uuid[VIR_UUID_STRING_BUFLEN];
        if (virDomainGetUUIDString(dom, uuid) < 0)
                return false;
        const char *name = virDomainGetName(dom);
        _cleanup_free_ char *said = NULL;
        vp_error err = {0};
        switch (vp_virt_agree(&a->paths, dom, uuid, &said, &err)) {
        case VP_AGREE_SET:
                /* --once reports on stdout; the service logs */
                if (a->once)
                        printf("%s: %s\n", name, said);
                else
                        say(a, LOG_INFO, "%s: libvirt's live definition now says %s", name, said);
                break;
        case VP_AGREE_FAILED:
                a->failed++;
                if (fail_is_new(a, uuid, err.msg))
                        say(a, LOG_WARNING,
                            "%s: libvirt's live definition disagrees with the placement: %s", name,
                            err.msg);
                return false;
        case VP_AGREE_SAME:
        case VP_AGREE_SKIPPED: /* unmanaged, or not placed (status says which) */
                break;
        }
        fail_is_new(a, uuid, NULL);
        return false;
}

static void pass(agent *a)
{
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(a->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        if (n < 0) {
                _cleanup_free_ char *m = vp_virt_error("listing the running domains");
                say(a, LOG_WARNING, "%s", m);
                a->failed++;
                return;
        }
        bool busy = false;
        for (int i = 0; i < n; i++) {
                if (agree_one(a, doms[i])) {
                        busy = true;
                        if (a->once) {
                                a->failed++;
                                say(a, LOG_WARNING, "%s: inside a libvirt job: try again",
                                    virDomainGetName(doms[i]));
                        }
                }
                virDomainFree(doms[i]);
        }
        free(doms);
        if (busy)
                schedule_pass(a, VP_AGENT_BUSY_MS);
}

/* Say line once: not again while it stays what the last pass said. */
static void say_isolation(agent *a, int prio, char *line)
{
        if (a->said_isolation && line && !strcmp(a->said_isolation, line)) {
                free(line);
                return;
        }
        free(a->said_isolation);
        a->said_isolation = line;
        if (line)
                say(a, prio, "%s", line);
}

/* Isolation follows the ledger, not libvirt: it runs with or without a
 * connection. Not with --once, which only tells libvirt. */
static void isolate(agent *a)
{
        vp_isolate_result res;
        vp_error err = {0};
        if (vp_isolate_pass(&a->paths, &res, &err) < 0) {
                say_isolation(a, LOG_WARNING, vp_xasprintf("isolation: %s", err.msg));
                vp_isolate_result_free(&res);
                return;
        }
        char set[256];
        vp_cpuset_fmt(&res.isolated, set, sizeof(set));
        char *line = NULL;
        if (!vp_cpuset_empty(&res.isolated)) {
                line = vp_xasprintf("isolation: CPUs %s taken from the host's IRQs and workqueues",
                                    set);
                for (size_t i = 0; i < res.report.n_refused; i++) {
                        const vp_irqiso_refusal *f = &res.report.refused[i];
                        char *l = vp_xasprintf(
                            "%s%s IRQ %u%s%s%s", line, i ? "," : "; the kernel keeps", f->irq,
                            *f->actions ? " (" : "", f->actions, *f->actions ? ")" : "");
                        free(line);
                        line = l;
                }
                if (res.report.n_refused) {
                        char *l = vp_xasprintf("%s where they were (managed or per-CPU)", line);
                        free(line);
                        line = l;
                }
        } else if (res.was_isolated) {
                line = vp_xstrdup("isolation: nothing isolated; IRQs and workqueues restored");
        }
        if (line)
                say_isolation(a, LOG_INFO, line);
        vp_isolate_result_free(&res);
}

static void on_pass_timer(int timer, void *opaque)
{
        agent *a = opaque;
        virEventUpdateTimeout(timer, -1);
        a->pass_pending_ms = -1;
        isolate(a);
        if (a->conn)
                pass(a);
}

static void on_sweep_timer(int timer, void *opaque)
{
        (void)timer;
        schedule_pass(opaque, 0);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
        (void)c;
        (void)d;
        (void)detail;
        /* a start ended; a stop widened the floating VMs (the ledger's
         * watch sees that too, this is for a missed inotify) */
        if (event == VIR_DOMAIN_EVENT_STARTED || event == VIR_DOMAIN_EVENT_RESUMED ||
            event == VIR_DOMAIN_EVENT_STOPPED)
                schedule_pass(opaque, 0);
        return 0;
}

static void on_close(virConnectPtr c, int reason, void *opaque)
{
        (void)c;
        (void)reason;
        agent *a = opaque;
        /* closing here would free what libvirt still uses: the timer does */
        virEventUpdateTimeout(a->connect_timer, 0);
}

static void disconnect(agent *a)
{
        if (!a->conn)
                return;
        if (a->lifecycle_cb >= 0)
                virConnectDomainEventDeregisterAny(a->conn, a->lifecycle_cb);
        a->lifecycle_cb = -1;
        virConnectUnregisterCloseCallback(a->conn, on_close);
        virConnectClose(a->conn);
        a->conn = NULL;
}

static void on_connect_timer(int timer, void *opaque)
{
        agent *a = opaque;
        virEventUpdateTimeout(timer, -1);
        if (a->conn && virConnectIsAlive(a->conn) == 1)
                return;
        disconnect(a);
        vp_error err = {0};
        a->conn = vp_virt_open(a->uri, &err);
        if (!a->conn) {
                if (!a->said_down)
                        say(a, LOG_WARNING, "%s; trying again every %u s at most", err.msg,
                            VP_AGENT_BACKOFF_MAX_MS / 1000);
                a->said_down = true;
                virEventUpdateTimeout(timer, (int)a->backoff_ms);
                a->backoff_ms = a->backoff_ms * 2 > VP_AGENT_BACKOFF_MAX_MS
                                    ? VP_AGENT_BACKOFF_MAX_MS
                                    : a->backoff_ms * 2;
                return;
        }
        a->backoff_ms = VP_AGENT_BACKOFF_MIN_MS;
        a->said_down = false;
        virConnectRegisterCloseCallback(a->conn, on_close, a, NULL);
        /* keepalive: a libvirtd that hangs or vanishes closes the connection */
        virConnectSetKeepAlive(a->conn, 5, 3);
        a->lifecycle_cb =
            virConnectDomainEventRegisterAny(a->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), a, NULL);
        if (a->lifecycle_cb < 0) {
                _cleanup_free_ char *m = vp_virt_error("subscribing to lifecycle events");
                say(a, LOG_WARNING, "%s; following the ledger only", m);
        }
        say(a, LOG_INFO, "connected to %s", a->uri ? a->uri : "libvirt's default URI");
        /* reconnected after a libvirtd restart: every VM, whatever happened */
        schedule_pass(a, 0);
}

/* Watch the run dir for ledger commits (rename into place). It may not
 * exist until the first managed start, and a removed one comes back with a
 * new inode: while the watch is missing, try again every
 * VP_AGENT_BUSY_MS, and pass once it is back (what changed meanwhile went
 * unseen). */
static void watch_rundir(agent *a)
{
        if (a->ino_fd < 0 || a->ino_watch >= 0)
                return;
        a->ino_watch = inotify_add_watch(a->ino_fd, a->paths.rundir, IN_MOVED_TO | IN_CLOSE_WRITE);
        if (a->ino_watch < 0) {
                virEventUpdateTimeout(a->watch_timer, VP_AGENT_BUSY_MS);
                return;
        }
        virEventUpdateTimeout(a->watch_timer, -1);
        schedule_pass(a, 0);
}

static void on_watch_timer(int timer, void *opaque)
{
        (void)timer;
        watch_rundir(opaque);
}

static void on_inotify(int watch, int fd, int events, void *opaque)
{
        (void)watch;
        (void)events;
        agent *a = opaque;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool ledger = false, gone = false;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        ledger |= ev->len && !strcmp(ev->name, "ledger.json");
                        gone |= (ev->mask & IN_IGNORED) != 0;
                        p += sizeof(*ev) + ev->len;
                }
        if (gone) { /* the run dir was removed */
                a->ino_watch = -1;
                watch_rundir(a);
        }
        if (ledger)
                schedule_pass(a, VP_AGENT_SETTLE_MS);
}

static void on_signal(int watch, int fd, int events, void *opaque)
{
        (void)watch;
        (void)events;
        agent *a = opaque;
        struct signalfd_siginfo si;
        while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP)
                        schedule_pass(a, 0);
                else
                        a->quit = true;
        }
}

static int run_once(agent *a)
{
        vp_error err = {0};
        a->conn = vp_virt_open(a->uri, &err);
        if (!a->conn) {
                fprintf(stderr, "vmplace-agent: %s\n", err.msg);
                return 2;
        }
        pass(a);
        virConnectClose(a->conn);
        return a->failed ? 1 : 0;
}

static int run(agent *a)
{
        sigset_t sigs;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGHUP);
        sigprocmask(SIG_BLOCK, &sigs, NULL);
        int sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
        if (sfd < 0 || virEventRegisterDefaultImpl() < 0) {
                fprintf(stderr, "vmplace-agent: cannot set up the event loop: %s\n",
                        strerror(errno));
                return 2;
        }
        virEventAddHandle(sfd, VIR_EVENT_HANDLE_READABLE, on_signal, a, NULL);
        a->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (a->ino_fd >= 0)
                virEventAddHandle(a->ino_fd, VIR_EVENT_HANDLE_READABLE, on_inotify, a, NULL);
        a->pass_timer = virEventAddTimeout(-1, on_pass_timer, a, NULL);
        a->watch_timer = virEventAddTimeout(-1, on_watch_timer, a, NULL);
        a->connect_timer = virEventAddTimeout(0, on_connect_timer, a, NULL);
        virEventAddTimeout(VP_AGENT_SWEEP_MS, on_sweep_timer, a, NULL);
        watch_rundir(a);
        say(a, LOG_INFO, "started: following libvirt's events and %s/ledger.json", a->paths.rundir);
        while (!a->quit)
                if (virEventRunDefaultImpl() < 0)
                        break;
        disconnect(a);
        for (size_t i = 0; i < a->n_said_fail; i++)
                free(a->said_fail[i]);
        free(a->said_fail);
        free(a->said_isolation);
        say(a, LOG_INFO, "stopped");
        return 0;
}

int main(int argc, char **argv)
{
        agent a = {.lifecycle_cb = -1,
                   .pass_timer = -1,
                   .connect_timer = -1,
                   .pass_pending_ms = -1,
                   .backoff_ms = VP_AGENT_BACKOFF_MIN_MS,
                   .ino_fd = -1,
                   .ino_watch = -1,
                   .watch_timer = -1};
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                        fputs(usage_text, stdout);
                        return 0;
                } else if (!strcmp(argv[i], "--version")) {
                        printf("vmplace-agent %s\n", VMPLACE_VERSION);
                        return 0;
                } else if (!strcmp(argv[i], "--once"))
                        a.once = true;
                else if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--connect")) && i + 1 < argc)
                        a.uri = argv[++i];
                else {
                        fprintf(stderr, "vmplace-agent: unknown argument '%s'\n%s", argv[i],
                                usage_text);
                        return 2;
                }
        }
        vp_paths_from_env(&a.paths);
        vp_json_init();
        a.to_syslog = !a.once && !getenv("JOURNAL_STREAM");
        if (a.to_syslog)
                openlog("vmplace-agent", LOG_PID, LOG_DAEMON);
        return a.once ? run_once(&a) : run(&a);
}
