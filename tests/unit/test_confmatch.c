/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Matching a domain to a profile (lib/model/confmatch.c), and the
 * warnings about equal-priority ties (lib/model/confcheck.c). */
#include "conftest.h"

/* [match] keys inherit like every other key: a child that says nothing about
 * matching shares its parent's globs, and the lexical rule decides (warned). */
static void test_match_inherited(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "profiles.d/web.ini", "[match]\nnames = web-*\nmetadata = web\npriority = 5\n");
        put(t.dir, "profiles.d/web-big.ini", "[profile]\ninclude = web\n");
        put(t.dir, "profiles.d/web-own.ini",
            "[match]\nnames = big-*\nmetadata =\n[profile]\ninclude = web\n");
        load(&t, false);
        is_int(t.r, 0, "loads");
        const vp_profile *p = vp_config_profile(t.c, "web-big");
        ok(p && p->n_names == 1 && !strcmp(p->names[0], "web-*") && p->priority_set &&
               p->priority == 5 && p->metadata && !strcmp(p->metadata, "web"),
           "names, priority and metadata inherited");
        p = vp_config_profile(t.c, "web-own");
        ok(p && p->n_names == 1 && !strcmp(p->names[0], "big-*") && p->priority == 5 &&
               p->metadata == NULL,
           "own names, inherited priority, metadata reset by an empty value");
        is_int(t.d.n_warnings, 2, "two warnings");
        has_warning_at(&t,
                       "profiles.d/web.ini:2: names: profile 'web-big' never matches by "
                       "'web-*': profile 'web' has the same glob and priority 5",
                       "inherited glob tie warned, at the line it comes from");
        has_warning_at(&t,
                       "profiles.d/web.ini:3: metadata: profile 'web-big' never matches by "
                       "metadata 'web': profile 'web' has the same metadata and priority 5",
                       "inherited metadata tie warned");
        char *by = NULL;
        p = vp_config_match(t.c, "web-1", "web", &by);
        is_str(p ? p->name : NULL, "web", "the parent wins the tie");
        free(by);
        tree_done(&t);
}

/* ---- matching ---- */

static void test_match(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "vmplace.ini", "[host]\ndefault_profile = fallback\n");
        put(t.dir, "profiles.d/meta.ini",
            "[match]\nmetadata = database\nnames = zzz-*\npriority = -5\n");
        put(t.dir, "profiles.d/meta2.ini", "[match]\nmetadata = database\npriority = -5\n");
        put(t.dir, "profiles.d/metahi.ini", "[match]\nmetadata = web\npriority = 3\n");
        put(t.dir, "profiles.d/metalo.ini", "[match]\nmetadata = web\n");
        put(t.dir, "profiles.d/db.ini", "[match]\nnames = db-*, pg-??\npriority = 10\n");
        put(t.dir, "profiles.d/db2.ini", "[match]\nnames = x, db-*\npriority = 10\n");
        put(t.dir, "profiles.d/dbhigh.ini", "[match]\nnames = db-prod-*\npriority = 20\n");
        put(t.dir, "profiles.d/a-low.ini", "[match]\nnames = db-*\npriority = 9\n");
        put(t.dir, "profiles.d/fallback.ini", "[profile]\ndescription = default\n");
        load(&t, false);
        is_int(t.r, 0, "match tree loads");
        is_int(t.d.n_errors, 0, "no errors");
        is_int(t.d.n_warnings, 2, "two tie warnings");
        has_warning_at(&t,
                       "profiles.d/db2.ini:2: names: profile 'db2' never matches by 'db-*': "
                       "profile 'db' has the same glob and priority 10 and wins (lexically "
                       "first)",
                       "glob tie warned at the loser's names line");
        has_warning_at(
            &t,
            "profiles.d/meta2.ini:2: metadata: profile 'meta2' never matches by metadata "
            "'database': profile 'meta' has the same metadata and priority -5",
            "metadata tie warned");

        static const struct {
                const char *name, *meta, *profile, *by;
        } cases[] = {
            {"db-1", "database", "meta", "metadata"},
            {"zzz-1", NULL, "meta", "name:zzz-*"},
            {"web-1", "web", "metahi", "metadata"},
            {"db-1", "nomatch", "db", "name:db-*"},
            {"db-1", NULL, "db", "name:db-*"},
            {"db-1", "", "db", "name:db-*"},
            {"pg-12", NULL, "db", "name:pg-??"},
            {"pg-123", NULL, "fallback", "default"},
            {"x", NULL, "db2", "name:x"},
            {"db-prod-1", NULL, "dbhigh", "name:db-prod-*"},
            {"DB-1", NULL, "fallback", "default"},
            {"web-1", NULL, "fallback", "default"},
            {NULL, NULL, "fallback", "default"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                char *by = (char *)"garbage";
                const vp_profile *p = vp_config_match(t.c, cases[i].name, cases[i].meta, &by);
                is_str(p ? p->name : NULL, cases[i].profile, "match %s meta=%s -> %s",
                       cases[i].name ? cases[i].name : "(null)",
                       cases[i].meta ? cases[i].meta : "(null)", cases[i].profile);
                is_str(by, cases[i].by, "  matched_by %s", cases[i].by);
                free(by);
        }
        ok(vp_config_match(t.c, "db-1", NULL, NULL) != NULL, "matched_by may be NULL");
        ok(vp_config_match(NULL, "db-1", NULL, NULL) == NULL, "NULL config matches nothing");

        /* no default_profile: unmanaged */
        put(t.dir, "vmplace.ini", "[host]\n");
        load(&t, false);
        char *by = (char *)"garbage";
        ok(vp_config_match(t.c, "web-1", NULL, &by) == NULL, "unmanaged -> NULL");
        ok(by == NULL, "unmanaged: matched_by NULL");
        tree_done(&t);
}

int main(void)
{
        umask(022);
        test_match_inherited();
        test_match();
        return tap_done();
}
