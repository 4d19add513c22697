/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace-hook: libvirt calls it as `vmplace-hook NAME OP SUBOP EXTRA` with
 * the domain XML on stdin (SPEC section 4). It never calls back into libvirt
 * (libvirt holds the domain's job while hooks run), and it starts no other
 * program, so no child can outlive it holding libvirt's pipes. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fileio.h"
#include "op.h"
#include "paths.h"
#include "planjson.h"
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

static void sink_log(void *ctx, int prio, const char *line)
{
        (void)ctx;
        hook_log(prio, "%s", line);
}

static void sink_say(void *ctx, const char *line)
{
        (void)ctx;
        hook_err("%s", line);
}

static const vp_op_sink sink = {sink_log, sink_say, NULL};

static int prepare(const vp_paths *p, const vp_hook_call *c)
{
        vp_op_result r;
        vp_op_prepare(p, c, false, &sink, &r);
        int status = r.status;
        vp_op_result_free(&r);
        return status;
}

static int migrate(const vp_paths *p, const vp_hook_call *c)
{
        /* a reader of the rewritten XML that went away is an error to
         * report (and the placement to release), not a death by SIGPIPE
         * after the commit */
        signal(SIGPIPE, SIG_IGN);
        vp_op_result r;
        vp_op_prepare(p, c, true, &sink, &r);
        if (r.xml_out && !print_xml(r.xml_out))
                vp_op_prepare_undo(p, c, errno, &sink, &r);
        int status = r.status;
        vp_op_result_free(&r);
        return status;
}

#define HOOK_OP(fn, op)                                                                            \
        static int fn(const vp_paths *p, const vp_hook_call *c)                                    \
        {                                                                                          \
                vp_op_result r;                                                                    \
                op(p, c, &sink, &r);                                                               \
                int status = r.status;                                                             \
                vp_op_result_free(&r);                                                             \
                return status;                                                                     \
        }
HOOK_OP(started, vp_op_started)
HOOK_OP(reconnect, vp_op_reconnect)
HOOK_OP(release, vp_op_release)

/* {op, subop} -> operation (SPEC section 4); every other call is a no-op.
 * needs_xml: an operation that cannot go on without the domain XML (it
 * plans), so a failed read refuses the start. heap: what it goes on to
 * touch on bench/lib.sh's realistic host (100 profiles, 50 VMs in the
 * ledger): ~190 KiB of heap to prepare, ~60 KiB to release, ~30 KiB of
 * stack; populated in one go rather than a fault a page (lib/io/prefault.h).
 * The no-ops do not pay for it. */
static const struct hook_op {
        const char *op, *subop;
        int (*run)(const vp_paths *p, const vp_hook_call *c);
        bool needs_xml;
        size_t heap;
} hook_ops[] = {
    {"prepare", "begin", prepare, true, 256 << 10},
    {"migrate", "begin", migrate, true, 256 << 10},
    {"restore", "begin", migrate, true, 256 << 10},
    {"started", "begin", started, false, 256 << 10},
    {"reconnect", "begin", reconnect, false, 256 << 10},
    {"attach", "begin", reconnect, false, 256 << 10},
    {"stopped", "end", release, false, 64 << 10},
    {"release", "end", release, false, 64 << 10},
};

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

        const struct hook_op *h = NULL;
        for (size_t i = 0; i < VP_ARRAY_SIZE(hook_ops) && !h; i++)
                if (strcmp(op, hook_ops[i].op) == 0 && strcmp(subop, hook_ops[i].subop) == 0)
                        h = &hook_ops[i];
        if (h)
                vp_prefault(h->heap, 32 << 10);

        /* Always drain stdin so libvirt's writer never meets a closed pipe. */
        char *xml = NULL;
        size_t len = 0;
        vp_error err = {0};
        /* read(2) on the descriptor: stdio would add an fstat, a buffer
         * and a read more for nothing */
        int r = vp_read_fd(STDIN_FILENO, -1, VP_DOMAIN_XML_MAX, &xml, &len, &err);
        if (r < 0 && h && h->needs_xml) {
                hook_err("vmplace: %s: reading the domain XML: %s", name, err.msg);
                hook_log(LOG_ERR, "%s %s: reading the domain XML: %s", name, op, err.msg);
                return 1;
        }
        vp_hook_call call = {name, op, r < 0 ? NULL : xml, r < 0 ? 0 : len};
        int rc = h ? h->run(&paths, &call) : 0;
        free(xml);
        closelog();
        return rc;
}
