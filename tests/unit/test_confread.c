/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The line reader (lib/model/confread.c): syntax, sections and keys, each
 * bad line reported with its exact FILE:LINE message. */
#include "conftest.h"

/* ---- the error table: syntax, sections and keys ---- */

static const ecase ecases[] = {
    /* syntax */
    {"no '='", P("[cputune]\nshares 2048\n"),
     "profiles.d/p.ini:2: syntax error: expected 'key = value' or '[section]'", 0},
    {"every syntax error, not only the first", P("[cputune]\nshares\n\nvcpus\n"),
     "profiles.d/p.ini:4: syntax error: expected 'key = value'", 2},
    {"unclosed section", P("[cputune\nshares = 2\n"),
     "profiles.d/p.ini:1: syntax error: '[' without closing ']'", 0},
    {"comment inside a header", P("[cputune ;x]\n"),
     "profiles.d/p.ini:1: syntax error: '[' without closing ']'", 0},
    {"no key", P("[cputune]\n= 5\n"), "profiles.d/p.ini:2: syntax error: no key before '='", 0},
    {"text after ]", P("[cputune] shares = 2\nshares = 2\n"),
     "profiles.d/p.ini:1: syntax error: text after ']'", 0},
    {"key before any section", P("shares = 2\n"),
     "profiles.d/p.ini:1: shares: key outside any section", 0},
    {"long line: the value is kept, errors after it keep their line",
     P("[profile]\ndescription = "
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "\n[cputune]\nshares = 1\n"),
     "profiles.d/p.ini:4: shares: 1 out of range", 1},
    {"long line with a bad value is reported at its line",
     P("[cputune]\nvcpus = 0-3,"
       "1000000000000000000000000000000000000000000000000000000000000000000000000000"
       "1000000000000000000000000000000000000000000000000000000000000000000000000000"
       "1000000000000000000000000000000000000000000000000000000000000000000000000000\n"),
     "profiles.d/p.ini:2: vcpus:", 1},
    {"long section header",
     P("["
       "cputunecputunecputunecputunecputunecputunecputunecputune"
       "cputunecputunecputunecputunecputunecputunecputunecputunecputunecputunecputune"
       "cputunecputunecputunecputunecputunecputunecputunecputunecputunecputune]\n"),
     "profiles.d/p.ini:1: line too long for a section header", 1},
    {"long comment is a comment",
     P(";"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "\n[cputune]\nshares = 1\n"),
     "profiles.d/p.ini:3: shares: 1 out of range", 1},
    /* sections and keys */
    {"unknown section", P("[cpu]\nshares = 2\nfoo = 1\n"),
     "profiles.d/p.ini:1: unknown section [cpu]", 0},
    {"section names are case-sensitive", P("[CPUTUNE]\n"),
     "profiles.d/p.ini:1: unknown section [CPUTUNE]", 0},
    {"[host] in a profile", P("[host]\nreserved_cpus = 0\n"),
     "profiles.d/p.ini:1: section [host] belongs in vmplace.ini, not in a profile", 0},
    {"profile section in vmplace.ini", H("[host]\n[cputune]\nshares = 2\n"),
     "vmplace.ini:2: section [cputune] belongs in a profile (profiles.d/NAME.ini), not in "
     "vmplace.ini",
     0},
    {"unknown key", P("[cputune]\nshare = 2\n"),
     "profiles.d/p.ini:2: unknown key 'share' in [cputune]", 0},
    {"key under the wrong header", P("[placement]\nshares = 2\n"),
     "profiles.d/p.ini:2: unknown key 'shares' in [placement] (it belongs in [cputune])", 0},
    {"unknown host key", H("[host]\nreserved = 0-1\n"),
     "vmplace.ini:2: unknown key 'reserved' in [host]", 0},
    {"keys are case-sensitive", P("[cputune]\nShares = 2\n"),
     "profiles.d/p.ini:2: unknown key 'Shares' in [cputune]", 0},
    {"unknown per-id key", P("[numatune]\nmemnode.0.policy = strict\n"),
     "profiles.d/p.ini:2: unknown key 'memnode.0.policy' in [numatune]", 0},
    {"duplicate key", P("[cputune]\nshares = 2\n\nshares = 4\n"),
     "profiles.d/p.ini:4: shares: duplicate key (first set at line 2)", 0},
    {"duplicate key across a repeated section",
     P("[cputune]\nvcpupin.0 = 1\n[placement]\nnuma_nodes = 1\n[cputune]\nvcpupin.0 = 1\n"),
     "profiles.d/p.ini:6: vcpupin.0: duplicate key (first set at line 2)", 0},
    {"duplicate empty key", H("[host]\nshared_cpus =\nshared_cpus = 1\n"),
     "vmplace.ini:3: shared_cpus: duplicate key (first set at line 2)", 0},
};

int main(void)
{
        umask(022);
        run_ecases(ecases, VP_ARRAY_SIZE(ecases));
        return tap_done();
}
