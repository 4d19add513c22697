/* The unified diff shown by `vmplace plan`. */
#include "linediff.h"
#include "tap.h"
#include "util.h"

int main(void)
{
        char *d = vp_linediff("a\nb\n", "a\nb\n", "x", "y");
        is_str(d, "", "equal texts: empty diff");
        free(d);
        d = vp_linediff("1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nX\n5\n6\n7\n", "x", "y");
        is_str(d, "--- x\n+++ y\n@@ -2,5 +2,5 @@\n 2\n 3\n-4\n+X\n 5\n 6\n",
               "one changed line, 2 lines of context");
        free(d);
        d = vp_linediff("a\nz\n", "a\nb\nc\nz\n", "x", "y");
        is_str(d, "--- x\n+++ y\n@@ -1,2 +1,4 @@\n a\n+b\n+c\n z\n", "insertion");
        free(d);
        d = vp_linediff("a\nb\n", "", "x", "y");
        is_str(d, "--- x\n+++ y\n@@ -1,2 +1,0 @@\n-a\n-b\n", "everything removed");
        free(d);
        d = vp_linediff("no newline", "no newline\nmore", "x", "y");
        is_str(d, "--- x\n+++ y\n@@ -1,1 +1,2 @@\n no newline\n+more\n",
               "last line without newline");
        free(d);
        return tap_done();
}
