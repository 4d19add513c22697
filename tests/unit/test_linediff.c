/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The unified diff shown by `vmplace plan`. */
#include "linediff.h"
#include "tap.h"
#include "util.h"

int main(void)
{
        is_str_free(vp_linediff("a\nb\n", "a\nb\n", "x", "y"), "", "equal texts: empty diff");
        is_str_free(vp_linediff("1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nX\n5\n6\n7\n", "x", "y"),
                    "--- x\n+++ y\n@@ -2,5 +2,5 @@\n 2\n 3\n-4\n+X\n 5\n 6\n",
                    "one changed line, 2 lines of context");
        is_str_free(vp_linediff("a\nz\n", "a\nb\nc\nz\n", "x", "y"),
                    "--- x\n+++ y\n@@ -1,2 +1,4 @@\n a\n+b\n+c\n z\n", "insertion");
        is_str_free(vp_linediff("a\nb\n", "", "x", "y"), "--- x\n+++ y\n@@ -1,2 +1,0 @@\n-a\n-b\n",
                    "everything removed");
        is_str_free(vp_linediff("no newline", "no newline\nmore", "x", "y"),
                    "--- x\n+++ y\n@@ -1,1 +1,2 @@\n no newline\n+more\n",
                    "last line without newline");
        return tap_done();
}
