/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt cpuset syntax (lib/model/cpuset.c): parse -> format -> parse must give
 * the same set and the same text, and the formatter must stay inside short
 * buffers. The parser reads profile values and XML attributes. */
#include <string.h>

#include "common.h"
#include "cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        /* the parser takes a C string: an embedded NUL just ends it */
        _cleanup_free_ char *text = vp_xmalloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';
        /* a tight limit as for node lists, and the full range as for CPUs */
        unsigned limit = size ? (unsigned)data[0] % 130 + 1 : 1;
        for (int pass = 0; pass < 2; pass++) {
                unsigned lim = pass ? VP_MAX_CPUS : limit;
                vp_cpuset a, b;
                vp_error err;
                err.msg[0] = '\0';
                if (vp_cpuset_parse(&a, text, lim, &err) < 0) {
                        fz_check_said("vp_cpuset_parse", err.msg);
                        continue;
                }
                if (vp_cpuset_empty(&a) || (unsigned)vp_cpuset_last(&a) >= lim)
                        fz_fail("'%s' parsed to an empty set or past the limit %u", text, lim);
                _cleanup_free_ char *f1 = vp_cpuset_format(&a);
                if (vp_cpuset_parse(&b, f1, lim, &err) < 0)
                        fz_fail("'%s' formatted as '%s', which does not parse: %s", text, f1,
                                err.msg);
                if (!vp_cpuset_equal(&a, &b))
                        fz_fail("'%s' -> '%s' -> another set", text, f1);
                _cleanup_free_ char *f2 = vp_cpuset_format(&b);
                if (strcmp(f1, f2) != 0)
                        fz_fail("'%s' -> '%s' -> '%s': not stable", text, f1, f2);
                /* truncation: every short buffer gets a terminated prefix */
                for (size_t len = 0; len < 12; len++) {
                        char *buf = vp_xmalloc(len ? len : 1);
                        vp_cpuset_fmt(&a, buf, len);
                        if (len && strnlen(buf, len) >= len)
                                fz_fail("vp_cpuset_fmt overran a %zu-byte buffer", len);
                        if (len && strlen(f1) < len && strcmp(buf, f1) != 0)
                                fz_fail("vp_cpuset_fmt in %zu bytes gave '%s', not '%s'", len, buf,
                                        f1);
                        free(buf);
                }
                /* the count and iteration agree with the text */
                unsigned n = 0;
                for (int c = vp_cpuset_next(&a, 0); c >= 0; c = vp_cpuset_next(&a, c + 1))
                        n++;
                if (n != vp_cpuset_count(&a))
                        fz_fail("'%s': next() visits %u CPUs, count() says %u", f1, n,
                                vp_cpuset_count(&a));
        }
        return 0;
}
