/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config model (lib/model/config.c): defaults when nothing is
 * configured, the SPEC example, file names, enum names, vp_diag. */
#include "conftest.h"

/* ---- defaults, missing pieces, file names ---- */

static void test_defaults(void)
{
        tree t = {.dir = mktree()};
        char *missing = vp_xasprintf("%s/nonexistent", t.dir);
        vp_config *c = NULL;
        vp_diag d = {0};
        is_int(vp_config_load(missing, true, &c, &d), 0, "missing confdir = defaults");
        ok(c && c->host.path == NULL && c->n_profiles == 0, "no files, no profiles");
        ok(c && c->host.on_error == VP_ONERR_REFUSE && c->host.strategy == VP_STRAT_SPREAD &&
               !c->host.reserved_set && !c->host.dedicated_set && !c->host.shared_set &&
               c->host.reserved_memory_kib == 0 && c->host.default_profile == NULL,
           "host defaults");
        vp_config_free(c);
        free(missing);

        load(&t, false);
        ok(t.r == 0 && t.c->host.path == NULL && t.c->n_profiles == 0, "empty confdir = defaults");

        /* the SPEC's own example: empty values mean defaults */
        put(t.dir, "vmplace.ini",
            "\xEF\xBB\xBF[host]\r\n"
            "reserved_cpus = 0-1        ; never given to any VM\r\n"
            "dedicated_cpus =           ; pool for cpu_policy=dedicated\r\n"
            "shared_cpus =\n"
            "reserved_memory = 1GiB     ; kept free\n"
            "default_profile =          ; none\n"
            "on_error = refuse          ; refuse | warn\n"
            "strategy = spread          ; spread\n"
            "                           ; pack: a continued comment\n"
            "   # indented comment\n");
        put(t.dir, "profiles.d/ok.ini", "   [cputune]\n   shares = 3\n\tvcpu_quota = -5\n");
        put(t.dir, "profiles.d/empty.ini", "");
        put(t.dir, "profiles.d/ok.ini.dpkg-old", "garbage");
        put(t.dir, "profiles.d/ok.ini~", "garbage");
        put(t.dir, "profiles.d/ok.rpmnew", "garbage");
        put(t.dir, "profiles.d/.hidden.ini", "garbage");
        put(t.dir, "profiles.d/UPPER.INI", "garbage");
        put(t.dir, "profiles.d/has space.ini", "garbage");
        put(t.dir, "profiles.d/.ini", "garbage");
        load(&t, geteuid() == 0);
        is_int(t.r, 0, "SPEC example host + indented profile");
        is_int(t.d.n_errors, 0, "no errors");
        if (t.d.n_errors)
                dump(&t.d);
        if (t.c) {
                const vp_host_config *h = &t.c->host;
                ok(h->reserved_set && !h->dedicated_set && !h->shared_set,
                   "empty cpusets stay unset");
                ok(h->default_profile == NULL, "empty default_profile = none");
                ok(h->reserved_memory_kib == 1048576 && h->on_error == VP_ONERR_REFUSE &&
                       h->strategy == VP_STRAT_SPREAD,
                   "values after inline comments");
                is_int(t.c->n_profiles, 2, "only empty.ini and ok.ini are read");
                const vp_profile *p = vp_config_profile(t.c, "ok");
                ok(p && p->tune.q[VP_T_SHARES].v == 3, "indented keys are keys, not continuations");
                ok(p && p->tune.q[VP_T_VCPU_QUOTA].set && p->tune.q[VP_T_VCPU_QUOTA].v == -1,
                   "negative quota stored as -1");
        }
        has_warning_at(&t, "profiles.d/has space.ini:0: ignored: a profile name may only contain",
                       "odd profile file name warned");
        is_int(t.d.n_warnings, 1, "only that one warned");
        tree_done(&t);
}

static void test_names_and_diag(void)
{
        is_str(vp_on_error_name(VP_ONERR_REFUSE), "refuse", "on_error name");
        is_str(vp_on_error_name(VP_ONERR_WARN), "warn", "on_error name");
        ok(vp_on_error_name(VP_ONERR_UNSET) == NULL, "unset has no name");
        is_str(vp_strategy_name(VP_STRAT_SPREAD), "spread", "strategy name");
        is_str(vp_strategy_name(VP_STRAT_PACK), "pack", "strategy name");
        is_str(vp_cpu_policy_name(VP_CPU_NONE), "none", "cpu_policy name");
        is_str(vp_cpu_policy_name(VP_CPU_SHARED), "shared", "cpu_policy name");
        is_str(vp_cpu_policy_name(VP_CPU_DEDICATED), "dedicated", "cpu_policy name");
        is_str(vp_thread_policy_name(VP_THREAD_PREFER), "prefer", "thread_policy name");
        is_str(vp_thread_policy_name(VP_THREAD_ISOLATE), "isolate", "thread_policy name");
        is_str(vp_thread_policy_name(VP_THREAD_REQUIRE), "require", "thread_policy name");
        is_str(vp_emu_policy_name(VP_EMU_SHARE), "share", "emulator_policy name");
        is_str(vp_emu_policy_name(VP_EMU_ISOLATE), "isolate", "emulator_policy name");
        ok(vp_strategy_name((vp_strategy)99) == NULL, "out of range has no name");

        vp_diag d = {0};
        vp_diag_add(&d, -EINVAL, "f", 1, "%s", "e");
        vp_diag_add(&d, 0, "g", 0, "w%d", 2);
        ok(d.n_errors == 1 && d.n_warnings == 1, "diag add: an error and a warning");
        is_str(d.errors[0].msg, "f:1: e", "the error's message");
        is_str(WHERE(d.errors[0]), "f:1", "its location");
        is_int(d.errors[0].code, -EINVAL, "its errno");
        is_str(d.warnings[0].msg, "g:0: w2", "the warning's message, LINE 0 kept");
        is_int(d.warnings[0].code, 0, "a warning's code is 0");
        is_str(WHERE(d.warnings[0]), "g", "where for line 0: the file alone");
        vp_diag_free(&d);
        ok(d.n_errors == 0 && d.errors == NULL, "diag free resets");
        vp_diag_free(NULL);
        vp_config_free(NULL);

        vp_config *c = (vp_config *)1;
        is_int(vp_config_load("", false, &c, &d), -EINVAL, "empty confdir refused");
        ok(c == NULL && d.n_errors == 1, "with a message");
        vp_diag_free(&d);
        is_int(vp_config_load(NULL, false, &c, NULL), -EINVAL, "NULL confdir, NULL diag");
}

int main(void)
{
        umask(022);
        test_defaults();
        test_names_and_diag();
        return tap_done();
}
