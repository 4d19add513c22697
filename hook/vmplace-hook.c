/* vmplace-hook: libvirt calls it as `vmplace-hook NAME OP SUBOP EXTRA` with
 * the domain XML on stdin (SPEC section 4). It never calls back into libvirt
 * (libvirt holds the domain's job while hooks run) and starts no children. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "decide.h"
#include "paths.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: vmplace-hook NAME OP SUBOP [EXTRA]   (domain XML on stdin)\n"
                   "The libvirt qemu hook of vmplace; installed as "
                   "/etc/libvirt/hooks/qemu.d/50-vmplace.\n"
                   "prepare begin: plan and record the placement; migrate|restore begin: also print\n"
                   "the rewritten XML; stopped|release end: free the domain's CPUs and memory.\n"
                   "Every other operation is a no-op. See vmplace-hook(8).\n");
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
                fprintf(stderr, "vmplace: %s: %s\n", name, err.msg);
                syslog(warn ? LOG_WARNING : LOG_ERR, "%s %s: %s%s", name, op, err.msg,
                       warn ? " (on_error=warn: starting unplaced)" : "");
                rc = warn ? 0 : 1;
        } else if (!d.profile) {
                /* unmanaged: nothing to say, nothing to print */
        } else if (d.plan.refusal) {
                bool warn = d.on_error == VP_ONERR_WARN;
                syslog(warn ? LOG_WARNING : LOG_ERR, "%s%s", d.plan.refusal + strlen("vmplace: "),
                       warn ? " (on_error=warn: starting unplaced)" : " (start refused)");
                if (!warn) {
                        fprintf(stderr, "%s\n", d.plan.refusal);
                        rc = 1;
                }
        } else {
                syslog(LOG_INFO, "%s %s: profile %s (%s): %s", d.plan.domain, op, d.plan.profile,
                       d.plan.matched_by, d.plan.reason);
                if (print && d.xml_out)
                        fputs(d.xml_out, stdout);
        }
        vp_decision_free(&d);
        return rc;
}

static int release_op(const vp_paths *paths, const char *name, const char *xml, size_t len)
{
        /* Prefer the UUID from the XML; fall back to the name libvirt gave. */
        vp_domain *dom = NULL;
        vp_error err = {{0}};
        const char *uuid = NULL;
        if (len && vp_domain_parse(xml, len, &dom, &err) == 0)
                uuid = dom->uuid;
        int r = vp_release(paths, name, uuid, &err);
        if (r < 0)
                syslog(LOG_ERR, "%s release: %s", name, err.msg);
        vp_domain_free(dom);
        return 0; /* a stopped VM is gone either way; never fail here */
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
        openlog("vmplace", LOG_PID, LOG_DAEMON);

        bool prepare = strcmp(op, "prepare") == 0 && strcmp(subop, "begin") == 0;
        bool migrate = (strcmp(op, "migrate") == 0 || strcmp(op, "restore") == 0) &&
                       strcmp(subop, "begin") == 0;
        bool release = (strcmp(op, "stopped") == 0 || strcmp(op, "release") == 0) &&
                       strcmp(subop, "end") == 0;

        /* Always drain stdin so libvirt's writer never meets a closed pipe. */
        char *xml = NULL;
        size_t len = 0;
        vp_error err = {{0}};
        int r = vp_read_stream(stdin, VP_DOMAIN_XML_MAX, &xml, &len, &err);
        if (r < 0 && (prepare || migrate)) {
                fprintf(stderr, "vmplace: %s: reading the domain XML: %s\n", name, err.msg);
                syslog(LOG_ERR, "%s %s: reading the domain XML: %s", name, op, err.msg);
                return 1;
        }
        int rc = 0;
        if (prepare || migrate)
                rc = decide_op(&paths, name, xml, len, migrate, op);
        else if (release)
                rc = release_op(&paths, name, xml, r < 0 ? 0 : len);
        free(xml);
        closelog();
        return rc;
}
