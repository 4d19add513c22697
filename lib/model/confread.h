/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text of one config file read into entries (vp_conf_entry), with every
 * syntax problem reported as FILE:LINE. inih splits `key = value`; our line
 * reader in front of it counts lines, rejects over-long lines and bad syntax
 * itself (so every such line is reported, not only the first), and hands
 * inih a blank line in their place. Works on a buffer: pure. */
#ifndef VMPLACE_CONFREAD_H
#define VMPLACE_CONFREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "confload.h"
#include "conftable.h"

/* Read buf[0..len) (the bytes of f->path) into f->e, reporting problems to
 * L. is_host: the file is vmplace.ini (only [host]), else a profile. Keys are
 * looked up in the key table (conftable.h); values are not parsed here. */
void vp_confread(vp_confload *L, vp_conf_file *f, bool is_host, const char *buf, size_t len);

#endif
