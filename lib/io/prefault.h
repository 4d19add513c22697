/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prefaulting a short-lived process's working set.
 *
 * The hook lives a few milliseconds and touches ~200 KiB of fresh heap and
 * ~30 KiB of stack: ~60 first-touch page faults. In a virtual machine a fault
 * exits to the hypervisor (shadow paging, nested or PVM guests): measured here
 * at ~11 us a page, against ~1 us a page for one MADV_POPULATE_WRITE over the
 * same range. On bare metal the saving is smaller but still a saving, as long
 * as the range is what the process would have touched anyway: each page
 * populated and never used costs its populate and its unmap at exit. */
#ifndef VMPLACE_PREFAULT_H
#define VMPLACE_PREFAULT_H

#include <stddef.h>

/* Make the next heap_bytes of malloc's heap and the stack_bytes of stack
 * below the caller's frame resident, one madvise(MADV_POPULATE_WRITE) each
 * (0 skips either). For the heap this keeps blocks below 1 MiB on the brk
 * heap and freed memory there until exit (mallopt M_MMAP_THRESHOLD and
 * M_TRIM_THRESHOLD), so the populated pages are the ones later mallocs get.
 * Returns 0, or the negative errno of the first madvise that failed:
 * -EINVAL before Linux 5.14, -ENOMEM when the stack is not mapped that far.
 * A failure loses nothing: the pages then fault in on first touch as usual.
 * Call it once, early, from a single-threaded program. */
int vp_prefault(size_t heap_bytes, size_t stack_bytes);

#endif
