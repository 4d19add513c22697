/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "fileio.h"
#include "cgwrites.h"
#include "cli.h"
#include "decide.h"
#include "planjson.h"

static const char help[] =
    "usage: vmplace plan [--json] (DOMAIN | --xml FILE|-)\n"
    "Dry run of the placement vmplace would decide for a domain now: the matched\n"
    "profile and why, the chosen nodes and CPUs and the reason, the XML diff and the\n"
    "cgroup writes. Commits nothing. DOMAIN's XML is read from libvirt's run dir\n"
    "(running domains) or its config dir; --xml reads a file (- for stdin) and needs\n"
    "no libvirtd. Exit 0 with a plan, 1 when the placement cannot be satisfied.\n";

/* A name that is safe to use as a file name under libvirt's dirs. */
static bool name_ok(const char *n)
{
        return *n && *n != '.' && !strchr(n, '/') && strlen(n) < 256;
}

static int read_domain_xml(const vp_paths *p, const char *name, char **xml, size_t *len,
                           vp_error *err)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.xml", p->libvirt_rundir, name);
        int r = vp_read_file(path, VP_DOMAIN_XML_MAX, xml, len, err);
        if (r != -ENOENT)
                return r;
        snprintf(path, sizeof(path), "%s/%s.xml", p->libvirt_confdir, name);
        r = vp_read_file(path, VP_DOMAIN_XML_MAX, xml, len, err);
        if (r == -ENOENT)
                vp_error_set(err, r, "domain '%s' not found in %s or %s", name, p->libvirt_rundir,
                             p->libvirt_confdir);
        return r;
}

static void print_human(const vp_decision *d, vp_cgroup_version v)
{
        const vp_plan *p = &d->plan;
        char a[512];
        printf("domain      %s%s%s%s\n", p->domain, p->uuid ? " (" : "", p->uuid ? p->uuid : "",
               p->uuid ? ")" : "");
        printf("size        %u vCPUs, %llu MiB\n", p->vcpus,
               (unsigned long long)(p->memory_kib / 1024));
        if (!p->profile) {
                printf("profile     none matches: vmplace leaves this domain alone\n");
                return;
        }
        printf("profile     %s (matched by %s)\n", p->profile, p->matched_by);
        if (p->refusal) {
                printf("refused     %s\n", p->refusal);
                return;
        }
        printf("decision    %s\n", p->reason);
        if (!vp_cpuset_empty(&p->host_nodes)) {
                printf("nodes       %s:", vp_cpuset_fmt(&p->host_nodes, a, sizeof(a)));
                for (size_t i = 0; i < p->n_node_mem; i++)
                        printf(" node%u %llu MiB", p->node_mem[i].node,
                               (unsigned long long)(p->node_mem[i].kib / 1024));
                printf("\n");
        }
        if (p->tune.n_vcpupin) {
                printf("vcpupin    ");
                for (size_t i = 0; i < p->tune.n_vcpupin; i++)
                        printf(" %u->%s", p->tune.vcpupin[i].id,
                               vp_cpuset_fmt(&p->tune.vcpupin[i].set, a, sizeof(a)));
                printf("\n");
        }
        if (p->tune.emulatorpin_set)
                printf("emulator    %s\n", vp_cpuset_fmt(&p->tune.emulatorpin, a, sizeof(a)));
        if (p->isolated)
                printf("isolation   host: CPUs %s to be taken from the host while it runs "
                       "(IRQs and workqueues; host tasks not yet)\n",
                       vp_cpuset_fmt(&p->held, a, sizeof(a)));
        if (p->launch_only) {
                printf("launch-only");
                for (unsigned i = 0; i < VP_ARRAY_SIZE(vp_launch_only_names); i++)
                        if (p->launch_only & (1u << i))
                                printf(" %s", vp_launch_only_names[i]);
                printf(" (act at QEMU launch: persist with `vmplace sync %s`)\n", p->domain);
        }
        vp_cgwrites w;
        vp_plan_cgwrites(p, d->dom, v, &w);
        printf("\ncgroup writes (v%d, relative to the domain's cgroup):\n", (int)v);
        if (!w.n)
                printf("  (none)\n");
        for (size_t i = 0; i < w.n; i++)
                printf("  %-28s %s\n", w.w[i].file, w.w[i].value);
        vp_cgwrites_free(&w);
        printf("\nXML changes:\n%s", d->xml_diff && *d->xml_diff ? d->xml_diff : "  (none)\n");
}

int cmd_plan(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false;
        const char *xml_file = NULL, *name = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--xml") == 0 && i + 1 < argc)
                        xml_file = argv[++i];
                else if (argv[i][0] == '-' && argv[i][1]) {
                        fprintf(stderr, "vmplace plan: unknown option '%s'\n", argv[i]);
                        return EXIT_USAGE;
                } else if (!name)
                        name = argv[i];
                else {
                        fprintf(stderr, "vmplace plan: one domain at a time\n");
                        return EXIT_USAGE;
                }
        }
        if (!!xml_file == !!name) {
                fprintf(stderr, "vmplace plan: give a DOMAIN or --xml FILE (see --help)\n");
                return EXIT_USAGE;
        }
        if (name && !name_ok(name)) {
                fprintf(stderr, "vmplace plan: invalid domain name '%s'\n", name);
                return EXIT_USAGE;
        }
        char *xml = NULL;
        size_t len = 0;
        vp_error err = {0};
        int r;
        if (xml_file && strcmp(xml_file, "-") == 0)
                r = vp_read_stream(stdin, VP_DOMAIN_XML_MAX, &xml, &len, &err);
        else if (xml_file)
                r = vp_read_file(xml_file, VP_DOMAIN_XML_MAX, &xml, &len, &err);
        else
                r = read_domain_xml(p, name, &xml, &len, &err);
        if (r < 0) {
                fprintf(stderr, "vmplace plan: %s\n", err.msg);
                return EXIT_USAGE;
        }
        vp_decision d;
        r = vp_decide(p, xml, len, VP_DECIDE_DIFF, &d, &err);
        free(xml);
        int rc = EXIT_OK;
        if (r < 0) {
                fprintf(stderr, "vmplace plan: %s\n", err.msg);
                rc = EXIT_USAGE;
        } else {
                vp_cgroup_version v = vp_cgroup_detect(p->cgroup_root);
                if (!d.profile) {
                        /* unmanaged: still a plan, with profile null */
                        vp_plan_input in = {.dom = d.dom};
                        vp_plan_compute(&in, &d.plan, &err);
                        d.planned = true;
                }
                if (json)
                        cli_print_json(vp_plan_to_json(&d.plan, d.dom, v, d.xml_diff));
                else
                        print_human(&d, v);
                if (d.plan.refusal) {
                        if (json)
                                fprintf(stderr, "%s\n", d.plan.refusal);
                        rc = EXIT_UNMET;
                }
        }
        vp_decision_free(&d);
        return rc;
}
