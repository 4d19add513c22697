/* vmplace-hook: libvirt calls it as `vmplace-hook NAME OP SUBOP EXTRA` with
 * the domain XML on stdin (SPEC section 4). It never calls back into libvirt
 * (libvirt holds the domain's job while hooks run). Its only child is
 * systemctl set-property on systemd hosts (lib/sdunit.c), with its standard
 * streams on /dev/null and waited for, so none outlives it holding libvirt's
 * pipes. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "configfile.h"
#include "decide.h"
#include "fileio.h"
#include "enforce.h"
#include "planjson.h"
#include "paths.h"
#include "prefault.h"

static void usage(FILE *f)
{
        fprintf(f,
                "usage: vmplace-hook NAME OP SUBOP [EXTRA]   (domain XML on stdin)\n"
                "The libvirt qemu hook of vmplace; installed as "
                "/etc/libvirt/hooks/qemu.d/50-vmplace.\n"
                "prepare begin: plan and record the placement; migrate|restore begin: also print\n"
                "the rewritten XML; started begin: enforce it on the cgroups and threads;\n"
                "reconnect|attach begin: re-enforce (never fails); stopped|release end: free\n"
                "the domain's CPUs and memory. Every other operation is a no-op.\n");
}

/* Every line the hook writes quotes hostile input (a domain name may hold a
 * newline, messages quote XML and config values): libvirt shows stderr to
 * whoever started the domain and syslog keeps one record per line, so each
 * message is flattened to one line first. */
static char *flatten(const char *fmt, va_list ap)
{
        char *msg = NULL;
        return vasprintf(&msg, fmt, ap) < 0 ? NULL : vp_one_line(msg);
}

static void hook_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hook_log(int prio, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = flatten(fmt, ap);
        va_end(ap);
        if (msg)
                syslog(prio, "%s", msg);
}

static void hook_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hook_err(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = flatten(fmt, ap);
        va_end(ap);
        if (msg)
                fprintf(stderr, "%s\n", msg);
}

/* Write the rewritten XML for libvirt: true when all of it reached stdout
 * (a full device or a reader gone shows at the flush, with errno set). */
static bool print_xml(const char *xml)
{
        errno = 0;
        bool ok = fputs(xml, stdout) >= 0 && fflush(stdout) == 0 && !ferror(stdout);
        if (!ok && !errno)
                errno = EIO;
        return ok;
}

/* Decide for prepare (print = false) or migrate/restore (print = true). */
static int decide_op(const vp_paths *paths, const char *name, const char *xml, size_t len,
                     bool print, const char *op)
{
        vp_decision d;
        vp_error err = {{0}};
        unsigned flags = VP_DECIDE_COMMIT | (print ? VP_DECIDE_ABI_FIXED : 0);
        int r = vp_decide(paths, xml, len, flags, &d, &err);
        int rc = 0;
        if (r < 0) {
                /* Without a decision there is no placement guarantee: refuse,
                 * unless the host said warn (known only if the config loaded). */
                bool warn = d.cfg && d.cfg->host.on_error == VP_ONERR_WARN;
                hook_err("vmplace: %s: %s", name, err.msg);
                hook_log(warn ? LOG_WARNING : LOG_ERR, "%s %s: %s%s", name, op, err.msg,
                         warn ? " (on_error=warn: starting unplaced)" : "");
                rc = warn ? 0 : 1;
        } else if (!d.profile) {
                /* unmanaged: nothing to say, nothing to print */
        } else if (d.plan.refusal) {
                bool warn = d.on_error == VP_ONERR_WARN;
                hook_log(warn ? LOG_WARNING : LOG_ERR, "%s%s", d.plan.refusal + strlen("vmplace: "),
                         warn ? " (on_error=warn: starting unplaced)" : " (start refused)");
                if (!warn) {
                        hook_err("%s", d.plan.refusal);
                        rc = 1;
                }
        } else {
                hook_log(LOG_INFO, "%s %s: profile %s (%s): %s", d.plan.domain, op, d.plan.profile,
                         d.plan.matched_by, d.plan.reason);
                /* The VMs this commit narrowed (a dedicated VM took CPUs
                 * they floated over) move off those CPUs now, before its
                 * QEMU runs there: never two VMs on a dedicated CPU. */
                if (d.refloated && vp_enforce_floating(paths, d.plan.uuid) > 0)
                        hook_log(LOG_WARNING, "%s %s: some floating VMs could not be narrowed",
                                 name, op);
                if (print && d.xml_out && !print_xml(d.xml_out)) {
                        /* libvirt gets no usable XML and fails the
                         * migration: the committed placement goes too */
                        int e = errno;
                        vp_error rerr = {{0}};
                        bool freed = vp_release(paths, name, d.plan.uuid, &rerr) >= 0;
                        hook_err("vmplace: %s: cannot write the rewritten XML for libvirt: %s",
                                 name, strerror(e));
                        hook_log(LOG_ERR, "%s %s: cannot write the rewritten XML: %s (%s)", name,
                                 op, strerror(e),
                                 freed ? "placement released" : "placement NOT released");
                        rc = 1;
                }
        }
        vp_decision_free(&d);
        return rc;
}

/* The domain's UUID from the XML libvirt passed (NULL when it does not
 * parse): preferred over the name to find the ledger entry. */
static char *uuid_of(const char *xml, size_t len)
{
        vp_domain *dom = NULL;
        vp_error err;
        char *uuid = NULL;
        if (len && vp_domain_parse(xml, len, &dom, &err) == 0 && dom->uuid)
                uuid = vp_xstrdup(dom->uuid);
        vp_domain_free(dom);
        return uuid;
}

/* on_error of the domain's profile (else the host's); warn when the
 * configuration cannot be read: a running VM is not killed for that. */
static vp_on_error on_error_of(const vp_paths *paths, const char *profile)
{
        vp_config *cfg = NULL;
        vp_diag diag = {.errors_only = true};
        vp_on_error v = VP_ONERR_WARN;
        if (vp_config_load(paths->confdir, geteuid() == 0, &cfg, &diag) == 0) {
                const vp_profile *p = profile ? vp_config_profile(cfg, profile) : NULL;
                v = p && p->on_error != VP_ONERR_UNSET ? p->on_error : cfg->host.on_error;
        }
        vp_diag_free(&diag);
        vp_config_free(cfg);
        return v;
}

static int release_op(const vp_paths *paths, const char *name, const char *xml, size_t len)
{
        _cleanup_free_ char *uuid = uuid_of(xml, len);
        vp_error err = {{0}};
        int r = vp_release(paths, name, uuid, &err);
        if (r < 0)
                hook_log(LOG_ERR, "%s release: %s", name, err.msg);
        /* floating VMs widen onto the CPUs this one held */
        else if (r == 1 && vp_enforce_floating(paths, uuid) > 0)
                hook_log(LOG_WARNING, "%s release: some floating VMs could not be widened", name);
        return 0; /* a stopped VM is gone either way; never fail here */
}

/* started, and the ledger has no entry for the domain (its run dir lost
 * since prepare, a profile added since): plan it now, as prepare would have,
 * so that no VM runs unplaced without a word (I5). Returns 2 when it was
 * placed (enforce it), 0 when it is unmanaged, or left unplaced by
 * on_error=warn or an error that kept it from planning, 1 when its
 * profile's on_error=refuse stops it. Each outcome but the first is
 * said in syslog. */
static int replan_started(const vp_paths *paths, const char *name, const char *xml, size_t len)
{
        vp_decision d;
        vp_error err = {{0}};
        int r = vp_decide(paths, xml, len, VP_DECIDE_COMMIT | VP_DECIDE_RUNNING, &d, &err);
        int ret = 0;
        if (r == -ESRCH) {
                vp_decision_free(&d); /* no QEMU of that name runs: nothing to place */
                return 0;
        }
        if (r == 0 && !d.profile) {
                ret = 0; /* unmanaged: nothing to say */
        } else if (r == 0 && !d.plan.refusal) {
                hook_log(LOG_WARNING, "%s started: no plan was recorded: placed now: %s", name,
                         d.plan.reason);
                ret = 2;
        } else {
                const char *why = r < 0 ? err.msg : d.plan.refusal + strlen("vmplace: ");
                /* prepare passed (or never ran) and QEMU runs: only a
                 * refusal of the profile's stops it, never an error that
                 * kept it from planning (an unreadable config) */
                bool warn = r < 0 || d.on_error == VP_ONERR_WARN;
                hook_log(warn ? LOG_WARNING : LOG_ERR,
                         "%s started: no plan was recorded and placing it now failed: %s%s", name,
                         why,
                         warn ? " (on_error=warn: running unplaced)"
                              : " (on_error=refuse: libvirt stops the VM)");
                if (!warn)
                        hook_err("vmplace: %s: no plan was recorded and placing it now failed: %s",
                                 name, why);
                ret = warn ? 0 : 1;
        }
        vp_decision_free(&d);
        return ret;
}

/* started: enforce this domain, then (if dedicated) narrow floating VMs off
 * its CPUs.
 * reconnect/attach (never_fail): the same for a running VM libvirt found
 * again, first re-deciding its placement if the ledger lost it. */
static int enforce_op(const vp_paths *paths, const char *name, const char *op, const char *xml,
                      size_t len, bool never_fail)
{
        _cleanup_free_ char *uuid = uuid_of(xml, len);
        vp_enforce_result r;
        int rc = vp_enforce_domain(paths, name, uuid, 0, &r);
        /* No entry, or state files of an interrupted update (-ESTALE): plan
         * again, keeping the CPUs the entry holds when they still fit. */
        if ((rc == -ENOENT || rc == -ESTALE) && never_fail) {
                unsigned flags =
                    VP_DECIDE_COMMIT | VP_DECIDE_RUNNING | (rc == -ESTALE ? VP_DECIDE_REPLAN : 0);
                vp_enforce_result_free(&r);
                vp_decision d;
                vp_error err = {{0}};
                if (vp_decide(paths, xml, len, flags, &d, &err) < 0)
                        hook_log(LOG_WARNING, "%s %s: cannot re-plan: %s", name, op, err.msg);
                else if (d.profile && d.plan.refusal)
                        hook_log(LOG_WARNING, "%s %s: running unplaced: %s", name, op,
                                 d.plan.refusal + strlen("vmplace: "));
                vp_decision_free(&d);
                rc = vp_enforce_domain(paths, name, uuid, 0, &r);
        } else if (rc == -ENOENT && !r.uuid) {
                vp_enforce_result_free(&r);
                int x = replan_started(paths, name, xml, len);
                if (x != 2)
                        return x;
                rc = vp_enforce_domain(paths, name, uuid, 0, &r);
        }
        /* The lock stayed held (-ETIMEDOUT, nothing read under it): whether
         * the domain is managed at all comes from the ledger as last saved,
         * read without the lock (saves replace the file whole). A domain
         * without an entry is not stopped over vmplace's lock; one with an
         * entry fails as below, by its profile's on_error. */
        if (rc == -ETIMEDOUT && !r.uuid) {
                vp_ledger l = {0};
                vp_error lerr;
                vp_ledger_entry *e = NULL;
                bool loaded = vp_ledger_load(paths->rundir, &l, &lerr) == 0;
                if (loaded) {
                        e = uuid ? vp_ledger_find_uuid(&l, uuid) : NULL;
                        if (!e)
                                e = vp_ledger_find_name(&l, name);
                }
                bool unmanaged = loaded && !e;
                if (e && e->profile)
                        r.profile = vp_xstrdup(e->profile);
                vp_ledger_free(&l);
                if (unmanaged) {
                        hook_log(LOG_WARNING, "%s %s: %s (not in the ledger: left alone)", name, op,
                                 r.error);
                        vp_enforce_result_free(&r);
                        return 0;
                }
        }
        /* Unmanaged means no ledger entry (r.uuid unset). An entry whose QEMU,
         * cgroup or state file is missing fails with -ENOENT too: that is an
         * enforcement failure to report, not a domain to skip silently. */
        if (rc == -ENOENT && !r.uuid) {
                vp_enforce_result_free(&r);
                return 0;
        }
        int exit_code = 0;
        if (rc < 0 || rc == 1) {
                const char *why = rc < 0 ? r.error : "values did not read back as written";
                bool refuse = !never_fail && on_error_of(paths, r.profile) == VP_ONERR_REFUSE;
                hook_log(refuse ? LOG_ERR : LOG_WARNING, "%s %s: enforcement failed: %s%s", name,
                         op, why, refuse ? " (on_error=refuse: libvirt stops the VM)" : "");
                if (refuse) {
                        hook_err("vmplace: %s: enforcement failed: %s", name, why);
                        exit_code = 1;
                }
        } else {
                hook_log(LOG_INFO, "%s %s: enforced (%zu cgroup files, pid %ld, cgroup v%d)", name,
                         op, r.writes, r.pid, (int)r.version);
        }
        /* only CPUs a dedicated VM holds narrow the floating VMs */
        bool dedicated = r.kind == VP_KIND_DEDICATED;
        vp_enforce_result_free(&r);
        if (dedicated && vp_enforce_floating(paths, uuid) > 0)
                hook_log(LOG_WARNING, "%s %s: some floating VMs could not be narrowed", name, op);
        return exit_code;
}

int main(int argc, char **argv)
{
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                usage(stdout);
                return 0;
        }
        if (argc < 4) {
                usage(stderr);
                return 2;
        }
        const char *name = argv[1], *op = argv[2], *subop = argv[3];
        vp_paths paths;
        vp_paths_from_env(&paths);
        vp_json_init();
        openlog("vmplace", LOG_PID, LOG_DAEMON);

        bool prepare = strcmp(op, "prepare") == 0 && strcmp(subop, "begin") == 0;
        bool migrate = (strcmp(op, "migrate") == 0 || strcmp(op, "restore") == 0) &&
                       strcmp(subop, "begin") == 0;
        bool release =
            (strcmp(op, "stopped") == 0 || strcmp(op, "release") == 0) && strcmp(subop, "end") == 0;
        bool started = strcmp(op, "started") == 0 && strcmp(subop, "begin") == 0;
        bool reconnect = (strcmp(op, "reconnect") == 0 || strcmp(op, "attach") == 0) &&
                         strcmp(subop, "begin") == 0;
        /* The heap and stack each operation goes on to touch on bench/lib.sh's
         * realistic host (100 profiles, 50 VMs in the ledger): ~190 KiB of
         * heap to prepare, ~60 KiB to release, ~30 KiB of stack; populated in
         * one go rather than a fault a page (lib/prefault.h). The no-ops do
         * not pay for it. */
        if (prepare || migrate || started || reconnect)
                vp_prefault(256 << 10, 32 << 10);
        else if (release)
                vp_prefault(64 << 10, 32 << 10);

        /* Always drain stdin so libvirt's writer never meets a closed pipe. */
        char *xml = NULL;
        size_t len = 0;
        vp_error err = {{0}};
        /* read(2) on the descriptor: stdio would add an fstat, a buffer
         * and a read more for nothing */
        int r = vp_read_fd(STDIN_FILENO, -1, VP_DOMAIN_XML_MAX, &xml, &len, &err);
        if (r < 0 && (prepare || migrate)) {
                hook_err("vmplace: %s: reading the domain XML: %s", name, err.msg);
                hook_log(LOG_ERR, "%s %s: reading the domain XML: %s", name, op, err.msg);
                return 1;
        }
        int rc = 0;
        /* a reader of the rewritten XML that went away is an error to
         * report (and the placement to release), not a death by SIGPIPE
         * after the commit */
        if (migrate)
                signal(SIGPIPE, SIG_IGN);
        if (prepare || migrate)
                rc = decide_op(&paths, name, xml, len, migrate, op);
        else if (release)
                rc = release_op(&paths, name, xml, r < 0 ? 0 : len);
        else if (started || reconnect)
                rc = enforce_op(&paths, name, op, xml, r < 0 ? 0 : len, reconnect);
        free(xml);
        closelog();
        return rc;
}
