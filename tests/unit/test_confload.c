/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One configuration load's report: FILE:LINE messages in reading order, each
 * said once, handed to vp_diag as vp_errors with their errno and place. */
#include <errno.h>
#include <string.h>

#include "confload.h"
#include "tap.h"

static vp_conf_file file(const char *path, const char *name, size_t ord)
{
        return (vp_conf_file){
            .path = vp_xstrdup(path), .name = name ? vp_xstrdup(name) : NULL, .ord = ord};
}

static void test_order_and_once(void)
{
        vp_confload L = {0};
        L.host = file("/c/vmplace.ini", NULL, VP_ORD_HOST);
        L.pdir = file("/c/profiles.d", NULL, VP_ORD_PDIR);
        L.files = vp_xcalloc(2, sizeof(*L.files));
        L.files[0] = file("/c/profiles.d/a.ini", "a", VP_ORD_PROFILES);
        L.files[1] = file("/c/profiles.d/b.ini", "b", VP_ORD_PROFILES + 1);
        L.n_files = 2;

        /* said out of order, as the checks find them */
        vp_cl_err(&L, &L.files[1], 2, "b two");
        vp_cl_err(&L, &L.files[0], 5, "a five");
        vp_cl_err(&L, &L.host, 3, "host three");
        vp_cl_err(&L, &L.files[0], 1, "a one");
        vp_cl_err(&L, &L.files[0], 5, "a five"); /* again, through an include */
        vp_cl_err(&L, &L.files[0], 5, "a five, another");
        vp_cl_warn(&L, &L.pdir, 0, "odd name");
        ok(vp_cl_has_err_at(&L, VP_ORD_PROFILES, 5), "an error at a.ini:5 is known");
        ok(!vp_cl_has_err_at(&L, VP_ORD_PROFILES, 4), "none at a.ini:4");
        is_int(vp_cl_find_file(&L, "b"), 1, "find_file: b is the second");
        is_int(vp_cl_find_file(&L, "zz"), -1, "find_file: no such profile");

        vp_diag d = {0};
        is_int(vp_cl_finish(&L, &d), -EINVAL, "errors: the load is -EINVAL");
        is_int(d.n_errors, 5, "five errors: the repeated one said once");
        if (d.n_errors == 5) {
                is_str(d.errors[0].msg, "/c/vmplace.ini:3: host three", "vmplace.ini first");
                is_str(d.errors[1].msg, "/c/profiles.d/a.ini:1: a one", "then a.ini by line");
                is_str(d.errors[2].msg, "/c/profiles.d/a.ini:5: a five", "in the order said");
                is_str(d.errors[3].msg, "/c/profiles.d/a.ini:5: a five, another", "at one line");
                is_str(d.errors[4].msg, "/c/profiles.d/b.ini:2: b two", "then b.ini");
                is_str(WHERE(d.errors[4]), "/c/profiles.d/b.ini:2", "where: FILE:LINE");
                is_int(d.errors[4].code, -EINVAL, "code: -EINVAL");
        }
        is_int(d.n_warnings, 1, "one warning");
        if (d.n_warnings == 1) {
                is_str(d.warnings[0].msg, "/c/profiles.d:0: odd name", "LINE 0 kept in the text");
                is_str(WHERE(d.warnings[0]), "/c/profiles.d", "where: the file alone");
                is_int(d.warnings[0].code, 0, "a warning's code is 0");
        }
        ok(L.files == NULL && L.n_files == 0 && L.host.path == NULL, "finish frees the files");
        vp_diag_free(&d);
}

static void test_io_error(void)
{
        vp_confload L = {0};
        L.host = file("/c/vmplace.ini", NULL, VP_ORD_HOST);
        L.confdir = file("/c", NULL, VP_ORD_CONFDIR);
        vp_cl_err(&L, &L.host, 2, "a bad value");
        vp_cl_io_err(&L, &L.confdir, -EACCES, "cannot read: %s", strerror(EACCES));
        vp_cl_io_fail(&L, -EIO); /* a later failure does not replace the first */
        vp_diag d = {0};
        is_int(vp_cl_finish(&L, &d), -EACCES, "an I/O failure is what the load returns");
        is_int(d.n_errors, 2, "both said");
        if (d.n_errors == 2) {
                is_str(d.errors[0].msg, "/c:0: cannot read: Permission denied",
                       "the directory's first");
                is_int(d.errors[0].code, -EACCES, "with its errno");
                is_int(d.errors[1].code, -EINVAL, "the bad value's: -EINVAL");
        }
        vp_diag_free(&d);

        /* no diag: the messages are dropped, the result is the same */
        L = (vp_confload){0};
        L.host = file("/c/vmplace.ini", NULL, VP_ORD_HOST);
        vp_cl_warn(&L, &L.host, 1, "only a warning");
        is_int(vp_cl_finish(&L, NULL), 0, "warnings alone: the load is valid");
}

static void test_entry_messages(void)
{
        vp_confload L = {0};
        L.files = vp_xcalloc(2, sizeof(*L.files));
        L.files[0] = file("/c/profiles.d/base.ini", "base", VP_ORD_PROFILES);
        L.files[1] = file("/c/profiles.d/db.ini", "db", VP_ORD_PROFILES + 1);
        L.n_files = 2;
        vp_conf_entry e = {.key = "shares", .line = 4, .f = &L.files[0]};
        vp_cl_eerr(&L, &e, "must be %d..%d", 2, 262144);
        vp_cl_perr(&L, &L.files[0], &e, "own line");
        vp_cl_perr(&L, &L.files[1], &e, "inherited");
        vp_diag d = {0};
        vp_cl_finish(&L, &d);
        is_int(d.n_errors, 3, "three errors");
        if (d.n_errors == 3) {
                is_str(d.errors[0].msg, "/c/profiles.d/base.ini:4: shares: must be 2..262144",
                       "eerr: FILE:LINE: KEY: message");
                is_str(d.errors[1].msg, "/c/profiles.d/base.ini:4: shares: own line",
                       "perr on the profile's own line: no note");
                is_str(d.errors[2].msg,
                       "/c/profiles.d/base.ini:4: shares: inherited (in profile 'db', which "
                       "includes this one)",
                       "perr on an inherited line names the including profile");
        }
        vp_diag_free(&d);
}

int main(void)
{
        test_order_and_once();
        test_io_error();
        test_entry_messages();
        return tap_done();
}
