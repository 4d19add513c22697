/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A unified line diff of two texts, for showing the XML rewrite. Pure. */
#ifndef VMPLACE_LINEDIFF_H
#define VMPLACE_LINEDIFF_H

/* Returns a malloc'd unified diff ("--- a_name", "+++ b_name", "@@ ... @@"
 * hunks with 2 lines of context); "" when equal. Texts longer than 20000
 * lines get a one-line note instead (the LCS table would be too big). */
char *vp_linediff(const char *a, const char *b, const char *a_name, const char *b_name);

#endif
