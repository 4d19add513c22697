/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A file in a fake tree that this process can read but not write, for the
 * tests of a kernel file that refuses a value (a managed IRQ's
 * smp_affinity_list): mode 0444, and, when the tests run as root, the
 * capability that lets root write it anyway (CAP_DAC_OVERRIDE) dropped
 * from this process's effective set, so that the write really fails, with
 * EACCES, as it does for any other user. It stays permitted: root's other
 * tests are unchanged once unwritable_end raises it again. */
#ifndef VMPLACE_TEST_UNWRITABLE_H
#define VMPLACE_TEST_UNWRITABLE_H

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Raise (on) or drop CAP_DAC_OVERRIDE in the effective set. Returns 0 or
 * -1 (errno). */
static inline int unwritable_dac(int on)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[2];
        if (syscall(SYS_capget, &h, d) < 0)
                return -1;
        if (on)
                d[0].effective |= 1u << CAP_DAC_OVERRIDE;
        else
                d[0].effective &= ~(1u << CAP_DAC_OVERRIDE);
        return (int)syscall(SYS_capset, &h, d);
}

/* Make path readable but not writable by this process, until
 * unwritable_end. Returns 0 or -1. */
static inline int unwritable_begin(const char *path)
{
        if (chmod(path, 0444) < 0)
                return -1;
        return geteuid() == 0 ? unwritable_dac(0) : 0;
}

static inline void unwritable_end(void)
{
        if (geteuid() == 0)
                unwritable_dac(1);
}

#endif
