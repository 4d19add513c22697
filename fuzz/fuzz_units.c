/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Value conversions (lib/model/units.c; vp_parse_u64 and the UTF-8 check in
 * lib/model/util.c; libvirt memory units in lib/model/domain.c): sizes round-trip
 * through their formatter, integers stay inside the bounds asked for.
 * Profile values, XML text and file names reach these. */
#include <string.h>

#include "common.h"
#include "domain.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 256)
                return 0;
        _cleanup_free_ char *s = vp_xmalloc(size + 1);
        memcpy(s, data, size);
        s[size] = '\0';
        vp_error err;

        uint64_t kib;
        err.msg[0] = '\0';
        if (vp_parse_size_kib(s, &kib, &err) == 0) {
                char buf[64];
                uint64_t back;
                vp_size_fmt(kib, buf, sizeof(buf));
                if (vp_parse_size_kib(buf, &back, &err) < 0 || back != kib)
                        fz_fail(
                            "size '%s' = %llu KiB formats as '%s', which reads back differently", s,
                            (unsigned long long)kib, buf);
        } else {
                fz_check_said("vp_parse_size_kib", err.msg);
        }

        static const long long bounds[][2] = {
            {2, 262144}, {-1, 17592186044415LL}, {1000, 1000000}, {INT64_MIN, INT64_MAX}};
        for (size_t i = 0; i < VP_ARRAY_SIZE(bounds); i++) {
                long long v;
                err.msg[0] = '\0';
                if (vp_parse_ll(s, bounds[i][0], bounds[i][1], &v, &err) == 0) {
                        if (v < bounds[i][0] || v > bounds[i][1])
                                fz_fail("'%s' parsed to %lld outside %lld..%lld", s, v,
                                        bounds[i][0], bounds[i][1]);
                } else {
                        fz_check_said("vp_parse_ll", err.msg);
                }
        }
        unsigned u;
        err.msg[0] = '\0';
        if (vp_parse_uint(s, 1, 65535, &u, &err) == 0) {
                if (u < 1 || u > 65535)
                        fz_fail("'%s' parsed to %u outside 1..65535", s, u);
        } else {
                fz_check_said("vp_parse_uint", err.msg);
        }

        uint64_t v64;
        if (vp_parse_u64(s, &v64) == 0) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v64);
                /* only digits are accepted, so leading zeros are the only slack */
                const char *digits = s + strspn(s, "0");
                if (strcmp(buf, *digits ? digits : "0") != 0)
                        fz_fail("vp_parse_u64('%s') = %s", s, buf);
                /* the same number under every libvirt unit */
                static const char *units[] = {"b",   "bytes", "KB",  "k",   "KiB", "MB",  "M",
                                              "MiB", "GB",    "G",   "GiB", "TB",  "T",   "TiB",
                                              "PB",  "P",     "PiB", "EB",  "E",   "EiB", "x"};
                for (size_t i = 0; i < VP_ARRAY_SIZE(units); i++)
                        (void)vp_domain_scale_kib(v64, units[i], &kib);
        }
        /* UTF-8 check of domain names (lib/io/running.c): valid means the
         * sequence lengths add up to the whole string */
        size_t off = 0, n;
        while ((n = vp_utf8_len(s + off)) > 0)
                off += n;
        if (vp_utf8_valid(s) != (s[off] == '\0'))
                fz_fail("vp_utf8_valid disagrees with vp_utf8_len at byte %zu", off);
        /* the unit itself from the input */
        (void)vp_domain_scale_kib(1024, s, &kib);
        return 0;
}
