/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace sync: persist the placement into libvirt's persistent definition
 * through the libvirt API, so the parts that only act at QEMU launch (guest
 * NUMA cells, memnode binding, preferred/interleave) take effect at the next
 * boot. The hook cannot do this: libvirt holds the domain's job while hooks
 * run, and it ignores a prepare hook's output. */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "op.h"
#include "planjson.h"
#include "virtview.h"

static const char help[] =
    "usage: vmplace sync [--json] [--dry-run] [-c URI] (DOMAIN... | --all)\n"
    "Write each domain's placement into its persistent libvirt definition\n"
    "(virDomainDefineXML, validated against libvirt's schema), so guest NUMA cells,\n"
    "per-cell memnode binding and preferred/interleave policies apply at the next\n"
    "boot and virsh dumpxml shows the placement. Only <vcpu cpuset>, <cputune>,\n"
    "<numatune> and <cpu><numa> change. A running domain keeps its current CPUs\n"
    "when they still fit its profile; its running state is not touched (that is\n"
    "vmplace apply). Idempotent: a definition that already holds the placement is\n"
    "left alone. --dry-run prints the XML diff instead of defining.\n"
    "--all: every persistent domain that matches a profile. -c URI: libvirt URI\n"
    "(default: libvirt's default, qemu:///system for root).\n"
    "Exit 1 when a domain was not found, is transient, is refused, or libvirt\n"
    "rejected the new definition.\n";

static void sync_one(const vp_paths *p, virConnectPtr conn, virDomainPtr dom, bool dry_run,
                     vp_op_result *o)
{
        if (virDomainIsPersistent(dom) != 1) {
                o->result = "error";
                o->message = vp_xstrdup("transient domain: it has no persistent definition to "
                                        "write (virsh define it first)");
                return;
        }
        /* SECURE keeps passwords (graphics, secrets) in what we define back. */
        char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
        if (!xml) {
                o->result = "error";
                o->message = vp_virt_error("reading the definition");
                return;
        }
        vp_op_sync_plan(p, xml, o);
        free(xml);
        if (o->result)
                return; /* unmanaged, refused or an error */
        if (!o->differs) {
                o->result = "unchanged";
                free(TAKE_PTR(o->xml_diff)); /* nothing to show */
        } else if (dry_run) {
                o->result = "would-define";
        } else {
                virDomainPtr nd =
                    virDomainDefineXMLFlags(conn, o->xml_out, VIR_DOMAIN_DEFINE_VALIDATE);
                if (!nd) {
                        o->result = "error";
                        o->message = vp_virt_error("libvirt refused the new definition");
                        free(TAKE_PTR(o->xml_diff));
                } else {
                        o->result = "defined";
                        virDomainFree(nd);
                }
        }
}

static json_object *sync_json(const char *name, const vp_op_result *o)
{
        json_object *j = json_object_new_object();
        cli_json_str(j, "name", name);
        cli_json_str(j, "result", o->result);
        cli_json_str(j, "profile", o->profile);
        cli_json_str(j, "message", o->message);
        json_object_object_add(j, "launch_only", vp_json_launch_only(o->launch_only));
        cli_json_str(j, "diff", o->xml_diff);
        return j;
}

static void sync_print(const char *name, const vp_op_result *o, bool dry_run)
{
        printf("%s: %s", name, o->result);
        if (o->profile)
                printf(" (profile %s)", o->profile);
        putchar('\n');
        if (o->message) {
                fputs("  ", stdout);
                cli_wrap(o->message, 2);
        }
        if (strcmp(o->result, "defined") == 0 && o->launch_only)
                printf("  launch-only parts now in the definition act when the VM next starts\n");
        if (dry_run && o->xml_diff)
                fputs(o->xml_diff, stdout);
}

static bool sync_failed(const vp_op_result *o)
{
        return strcmp(o->result, "error") == 0 || strcmp(o->result, "refused") == 0;
}

int cmd_sync(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false, all = false, dry_run = false;
        const char *uri = NULL;
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--all") == 0)
                        all = true;
                else if (strcmp(argv[i], "--dry-run") == 0)
                        dry_run = true;
                else if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--connect") == 0) &&
                         i + 1 < argc)
                        uri = argv[++i];
                else if (argv[i][0] == '-') {
                        fprintf(stderr, "vmplace sync: unknown option '%s'\n", argv[i]);
                        return EXIT_USAGE;
                } else {
                        names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                        names[n++] = argv[i];
                }
        }
        if (all == (n > 0)) {
                fprintf(stderr, "vmplace sync: name domains or give --all (not both)\n");
                return EXIT_USAGE;
        }
        if (!cli_config_valid(p, "sync"))
                return EXIT_USAGE;

        vp_error err = {0};
        virConnectPtr conn = vp_virt_open(uri, &err);
        if (!conn) {
                fprintf(stderr, "vmplace sync: %s\n", err.msg);
                return EXIT_USAGE;
        }
        virDomainPtr *doms = NULL;
        int nd = 0;
        if (all) {
                nd = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
                if (nd < 0) {
                        _cleanup_free_ char *m = vp_virt_error("listing domains");
                        fprintf(stderr, "vmplace sync: %s\n", m);
                        virConnectClose(conn);
                        return EXIT_USAGE;
                }
        } else {
                doms = vp_xcalloc(n, sizeof(*doms));
                nd = (int)n;
        }
        int rc = EXIT_OK;
        json_object *arr = json ? json_object_new_array() : NULL;
        for (int i = 0; i < nd; i++) {
                vp_op_result o = {0};
                const char *name;
                if (!all) {
                        name = names[i];
                        doms[i] = virDomainLookupByName(conn, name);
                } else {
                        name = virDomainGetName(doms[i]);
                }
                if (!doms[i]) {
                        o.result = "error";
                        o.message = vp_xstrdup("no such domain");
                } else {
                        sync_one(p, conn, doms[i], dry_run, &o);
                }
                if (sync_failed(&o) || (!all && strcmp(o.result, "unmanaged") == 0))
                        rc = EXIT_UNMET;
                if (json)
                        json_object_array_add(arr, sync_json(name, &o));
                else if (!(all && strcmp(o.result, "unmanaged") == 0))
                        sync_print(name, &o, dry_run);
                vp_op_result_free(&o);
                if (doms[i])
                        virDomainFree(doms[i]);
        }
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "domains", arr);
                cli_print_json(o);
        }
        free(doms);
        virConnectClose(conn);
        return rc;
}
