/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU sets by text for the unit tests that build or check them: S("0-3")
 * as a set, fmt(&set) back as text. One copy here, not one per test. */
#ifndef VMPLACE_TEST_CPUSETS_H
#define VMPLACE_TEST_CPUSETS_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpuset.h"

/* The set text lists ("" and NULL: empty); a text that is no CPU list is a
 * mistake in the test, so it aborts saying which. */
static inline vp_cpuset S(const char *text)
{
        vp_cpuset s;
        vp_cpuset_zero(&s);
        vp_error err = {0};
        if (text && *text && vp_cpuset_parse(&s, text, VP_MAX_CPUS, &err) < 0) {
                fprintf(stderr, "bad test cpuset '%s': %s\n", text, err.msg);
                abort();
        }
        return s;
}

/* s as a CPU list, in one of 8 buffers used in turn, so that a check can
 * format several sets in one call. */
static inline const char *fmt(const vp_cpuset *s)
{
        static char buf[8][1024];
        static int i;
        i = (i + 1) % 8;
        return vp_cpuset_fmt(s, buf[i], sizeof(buf[i]));
}

/* The CPUs this process may run on (sched_getaffinity), as a set: "all"
 * for the tests that ask the kernel which threads are pinned. */
static inline vp_cpuset own_affinity(void)
{
        cpu_set_t all;
        vp_cpuset s;
        vp_cpuset_zero(&s);
        if (sched_getaffinity(0, sizeof(all), &all) < 0)
                abort();
        for (int c = 0; c < CPU_SETSIZE && c < VP_MAX_CPUS; c++)
                if (CPU_ISSET(c, &all))
                        vp_cpuset_set(&s, (unsigned)c);
        return s;
}

#endif
