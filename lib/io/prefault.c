/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "prefault.h"
#include "fileio.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Linux 5.14; older glibc headers lack the name. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Populate the whole pages inside [lo, hi). */
static int populate(uintptr_t lo, uintptr_t hi)
{
        uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
        lo = (lo + pg - 1) & ~(pg - 1);
        hi &= ~(pg - 1);
        if (hi <= lo)
                return 0;
        return madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) < 0 ? -errno : 0;
}

int vp_prefault(size_t heap_bytes, size_t stack_bytes)
{
        int r = 0;
        if (stack_bytes) {
                /* The kernel maps 128 KiB of stack below the arguments at
                 * exec, so a range within that needs no stack growth. */
                uintptr_t here = (uintptr_t)__builtin_frame_address(0);
                if (here > stack_bytes)
                        r = populate(here - stack_bytes, here);
        }
        if (heap_bytes) {
                /* Without these a 256 KiB block would be mmapped (and
                 * unmapped by free), and freeing it at the top of the heap
                 * would give the pages back with brk: either way the
                 * populated pages would not be the ones later mallocs use. */
                mallopt(M_MMAP_THRESHOLD, 1 << 20);
                mallopt(M_TRIM_THRESHOLD, 2 << 20);
                void *p = malloc(heap_bytes);
                if (p) {
                        int h = populate((uintptr_t)p, (uintptr_t)p + heap_bytes);
                        r = r < 0 ? r : h;
                        free(p);
                }
        }
        return r;
}
