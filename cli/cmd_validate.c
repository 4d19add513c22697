/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "configfile.h"

static const char help[] =
    "usage: vmplace validate\n"
    "Parse and check VMPLACE_CONFDIR/vmplace.ini and profiles.d/*.ini; print every\n"
    "problem as FILE:LINE: message. Exit 0 when valid, 1 when not.\n";

int cmd_validate(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        if (argc > 1) {
                fprintf(stderr, "vmplace validate: unexpected argument '%s'\n", argv[1]);
                return EXIT_USAGE;
        }
        vp_config *cfg = NULL;
        vp_diag diag = {0};
        int r = vp_config_load(p->confdir, geteuid() == 0, &cfg, &diag);
        for (size_t i = 0; i < diag.n_errors; i++)
                fprintf(stderr, "%s\n", diag.errors[i].msg);
        for (size_t i = 0; i < diag.n_warnings; i++)
                fprintf(stderr, "warning: %s\n", diag.warnings[i].msg);
        if (r == 0)
                printf("%s: valid (%zu profile%s)\n", p->confdir, cfg->n_profiles,
                       cfg->n_profiles == 1 ? "" : "s");
        else if (diag.n_errors == 0)
                fprintf(stderr, "%s: cannot be read\n", p->confdir);
        vp_diag_free(&diag);
        vp_config_free(cfg);
        return r == 0 ? EXIT_OK : EXIT_UNMET;
}
