/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The doctor's rules about the hook: whether libvirt runs it (installed,
 * dispatched on a libvirt older than 6.5, loaded by the running daemon).
 * Pure, as doctor.c. */
#include <string.h>

#include "doctor.h"
#include "doctor_impl.h"

/* ---- the hook ----
 * libvirt runs LIBVIRT_HOOKS/qemu and every executable in qemu.d, listed
 * afresh at each call, but only when it found at least one executable qemu
 * hook when the daemon started or last reloaded (SIGHUP): that result is
 * cached. So a newly linked vmplace hook runs at once when another qemu
 * hook existed at daemon start, and not before a reload otherwise. */
static bool is_vmplace(const vp_hook_entry *e)
{
        return e->executable && e->target &&
               (strcmp(vp_doctor_base_name(e->target), "vmplace-hook") == 0 || e->wrapper);
}

static void describe_entry(char **s, const vp_hook_entry *e)
{
        vp_doctor_cat(s, "%s", vp_doctor_base_name(e->path));
        if (!e->target)
                vp_doctor_cat(s, " (dangling)");
        else if (strcmp(e->target, e->path) != 0)
                vp_doctor_cat(s, " -> %s", e->target);
        if (e->target && !e->executable)
                vp_doctor_cat(s, " (not executable)");
        else if (e->wrapper)
                vp_doctor_cat(s, " (a script running vmplace-hook)");
}

static size_t vmplace_hooks(const vp_doctor_facts *f, const vp_hook_entry **first)
{
        size_t n = 0;
        for (size_t i = 0; i < f->n_hooks; i++)
                if (is_vmplace(&f->hooks[i]) && !n++)
                        *first = &f->hooks[i];
        return n;
}

static void check_hook_installed(const vp_doctor_facts *f, vp_checks *o)
{
        const char *name = "hook-installed";
        const char *dir = f->hooks_dir ? f->hooks_dir : "/etc/libvirt/hooks/qemu.d";
        if (f->hooks_error) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xasprintf("cannot list %s: %s", dir, f->hooks_error), NULL);
                return;
        }
        const vp_hook_entry *first = NULL;
        size_t n = vmplace_hooks(f, &first);
        if (n == 1) {
                char *d = NULL;
                describe_entry(&d, first);
                vp_doctor_add(o, name, VP_CHECK_OK, d, NULL);
                return;
        }
        if (n > 1) {
                char *d = vp_xasprintf("%zu hooks run vmplace-hook, so libvirt runs it %zu times a "
                                       "call:",
                                       n, n);
                for (size_t i = 0; i < f->n_hooks; i++)
                        if (is_vmplace(&f->hooks[i])) {
                                vp_doctor_cat(&d, " ");
                                describe_entry(&d, &f->hooks[i]);
                        }
                vp_doctor_add(o, name, VP_CHECK_WARN, d, vp_xstrdup("remove all but one of them"));
                return;
        }
        char *fix = NULL;
        if (!f->hooks_dir_exists)
                vp_doctor_cat(&fix, "mkdir -p %s; ", dir);
        vp_doctor_cat(&fix,
                      "ln -s /usr/libexec/vmplace/vmplace-hook %s/50-vmplace, then reload libvirt "
                      "(systemctl reload libvirtd)",
                      dir);
        char *d = NULL;
        for (size_t i = 0; i < f->n_hooks; i++) {
                const vp_hook_entry *e = &f->hooks[i];
                if (e->target && !e->executable &&
                    strcmp(vp_doctor_base_name(e->target), "vmplace-hook") == 0) {
                        describe_entry(&d, e);
                        free(fix);
                        fix = vp_xasprintf("chmod 755 %s", e->target);
                        vp_doctor_add(o, name, VP_CHECK_FAIL, d, fix);
                        return;
                }
        }
        if (!f->hooks_dir_exists) {
                d = vp_xasprintf("%s does not exist: libvirt runs no vmplace hook", dir);
        } else {
                d = vp_xasprintf("no entry of %s runs vmplace-hook", dir);
                if (f->n_hooks) {
                        vp_doctor_cat(&d, " (found:");
                        for (size_t i = 0; i < f->n_hooks && i < 6; i++) {
                                vp_doctor_cat(&d, i ? ", " : " ");
                                describe_entry(&d, &f->hooks[i]);
                        }
                        vp_doctor_cat(&d, "%s)", f->n_hooks > 6 ? ", ..." : "");
                } else {
                        vp_doctor_cat(&d, " (it is empty)");
                }
        }
        vp_doctor_add(o, name, VP_CHECK_FAIL, d, fix);
}

/* ---- libvirt older than 6.5 ----
 * libvirt runs the entries of qemu.d only since 6.5; 6.2 (openEuler 20.03 to 23.03) runs
 * LIBVIRT_HOOKS/qemu alone. There the packages link that path to vmplace's
 * qemu-dispatcher (hook/qemu-dispatcher.sh), which runs qemu.d as 6.5 does,
 * unless another package's script is there: then it must chain to it. */
#define LIBVIRT_RUNS_QEMU_D 6005

static void check_hook_dispatcher(const vp_doctor_facts *f, vp_checks *o)
{
        const char *name = "hook-dispatcher";
        const vp_daemon *old = NULL, *known = NULL;
        for (size_t i = 0; i < f->n_daemons; i++) {
                const vp_daemon *d = &f->daemons[i];
                if (d->libvirt && !known)
                        known = d;
                if (d->libvirt && d->libvirt < LIBVIRT_RUNS_QEMU_D && !old)
                        old = d;
        }
        if (!known) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xstrdup(f->daemons_error
                                             ? f->daemons_error
                                             : "no running libvirtd or virtqemud with a "
                                               "known libvirt version"),
                              NULL);
                return;
        }
        if (!old) {
                vp_doctor_add(o, name, VP_CHECK_OK,
                              vp_xasprintf("libvirt %u.%u runs hooks/qemu.d itself",
                                           known->libvirt / 1000, known->libvirt % 1000),
                              NULL);
                return;
        }
        const char *dir = f->hooks_dir ? f->hooks_dir : "/etc/libvirt/hooks/qemu.d";
        /* LIBVIRT_HOOKS/qemu: the hooks dir without ".d" */
        _cleanup_free_ char *main = vp_xasprintf("%.*s", (int)(strlen(dir) - 2), dir);
        const vp_hook_entry *e = NULL;
        for (size_t i = 0; i < f->n_hooks; i++)
                if (!strcmp(f->hooks[i].path, main))
                        e = &f->hooks[i];
        char *d = vp_xasprintf("%s (pid %ld) runs libvirt %u.%u, which runs only %s, not qemu.d:",
                               old->name, old->pid, old->libvirt / 1000, old->libvirt % 1000, main);
        if (e && e->executable && e->dispatcher) {
                vp_doctor_cat(&d, " it is vmplace's qemu-dispatcher, which runs them");
                vp_doctor_add(o, name, VP_CHECK_OK, d, NULL);
        } else if (e && e->executable) {
                vp_doctor_cat(&d,
                              " it is another program (%s) and does not run qemu-dispatcher, so "
                              "qemu.d/50-vmplace never runs",
                              e->target);
                vp_doctor_add(
                    o, name, VP_CHECK_FAIL, d,
                    vp_xasprintf("add 'exec /usr/libexec/vmplace/qemu-dispatcher \"$@\"' as the "
                                 "last line of %s (its stdin is the domain XML)",
                                 e->target));
        } else {
                vp_doctor_cat(&d, " %s, so qemu.d/50-vmplace never runs",
                              e ? "it is not executable" : "there is none");
                vp_doctor_add(
                    o, name, VP_CHECK_FAIL, d,
                    vp_xasprintf("ln -sf /usr/libexec/vmplace/qemu-dispatcher %s, then reload "
                                 "libvirt (systemctl reload %s)",
                                 main, old->name));
        }
}

/* A daemon's start is known to the second at best (btime has whole
 * seconds), so an install within that second counts as before the start. */
#define START_SLACK 1.0

static void check_hook_loaded(const vp_doctor_facts *f, vp_checks *o)
{
        const char *name = "hook-loaded";
        const vp_hook_entry *ours = NULL;
        if (vmplace_hooks(f, &ours) == 0) {
                vp_doctor_add(o, name, VP_CHECK_SKIP, vp_xstrdup("the hook is not installed"),
                              NULL);
                return;
        }
        if (f->daemons_error) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xasprintf("cannot list processes: %s", f->daemons_error), NULL);
                return;
        }
        if (f->n_daemons == 0) {
                vp_doctor_add(o, name, VP_CHECK_SKIP,
                              vp_xstrdup("neither libvirtd nor virtqemud is running"), NULL);
                return;
        }
        /* The earliest executable qemu hook: from then on the daemon's
         * cached "qemu has hooks" is true. */
        const vp_hook_entry *earliest = ours; /* executable, like every vmplace hook */
        for (size_t i = 0; i < f->n_hooks; i++)
                if (f->hooks[i].executable && f->hooks[i].installed < earliest->installed)
                        earliest = &f->hooks[i];
        char *ok = NULL, *bad = NULL, *fix = NULL;
        for (size_t i = 0; i < f->n_daemons; i++) {
                const vp_daemon *dm = &f->daemons[i];
                if (earliest->installed <= dm->started + START_SLACK) {
                        vp_doctor_cat(&ok, "%s%s (pid %ld) started after ", ok ? "; " : "",
                                      dm->name, dm->pid);
                        if (earliest == ours)
                                vp_doctor_cat(&ok, "the hook was installed");
                        else
                                vp_doctor_cat(
                                    &ok, "qemu hook %s existed, so it runs qemu.d at every call",
                                    vp_doctor_base_name(earliest->path));
                } else {
                        vp_doctor_cat(
                            &bad,
                            "%s%s (pid %ld) started before the hook was installed; unless it "
                            "was reloaded since, it does not run it",
                            bad ? "; " : "", dm->name, dm->pid);
                        vp_doctor_cat(&fix, "%ssystemctl reload %s (or kill -HUP %ld)",
                                      fix ? "; " : "", dm->name, dm->pid);
                }
        }
        /* A SIGHUP does not change a daemon's start time; a VM that started
         * after the hook was installed and has a ledger entry shows the
         * daemon ran it (vmplace apply can place a running VM too, but only
         * one that the hook left unplaced, which an admin sees in status). */
        if (bad && f->newest_placed &&
            f->newest_placed_started > earliest->installed + START_SLACK) {
                free(bad);
                free(fix);
                free(ok);
                vp_doctor_add(
                    o, name, VP_CHECK_OK,
                    vp_xasprintf("the daemon started before the hook was installed, but %s, "
                                 "started since, was placed: it was reloaded",
                                 f->newest_placed),
                    NULL);
        } else if (bad) {
                free(ok);
                vp_doctor_add(o, name, VP_CHECK_WARN, bad, fix);
        } else {
                vp_doctor_add(o, name, VP_CHECK_OK, ok, NULL);
        }
}

void vp_doctor_check_hooks(const vp_doctor_facts *f, vp_checks *o)
{
        check_hook_installed(f, o);
        check_hook_dispatcher(f, o);
        check_hook_loaded(f, o);
}
