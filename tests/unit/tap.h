/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for the unit tests: each check prints "ok N" or
 * "not ok N" with the values that differed; main returns tap_done(). */
#ifndef VMPLACE_TAP_H
#define VMPLACE_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
        do {                                                                                       \
                int _c = !!(cond);                                                                 \
                printf("%sok %d - ", _c ? "" : "not ", ++tap_n);                                   \
                printf(__VA_ARGS__);                                                               \
                printf("\n");                                                                      \
                if (!_c) {                                                                         \
                        tap_failed++;                                                              \
                        printf("#   at %s:%d\n", __FILE__, __LINE__);                              \
                }                                                                                  \
        } while (0)

#define is_int(got, want, ...)                                                                     \
        do {                                                                                       \
                long long _g = (long long)(got), _w = (long long)(want);                           \
                ok(_g == _w, __VA_ARGS__);                                                         \
                if (_g != _w)                                                                      \
                        printf("#   got %lld, want %lld\n", _g, _w);                               \
        } while (0)

#define is_str(got, want, ...)                                                                     \
        do {                                                                                       \
                const char *_g = (got), *_w = (want);                                              \
                int _e = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w;                              \
                ok(_e, __VA_ARGS__);                                                               \
                if (!_e)                                                                           \
                        printf("#   got  '%s'\n#   want '%s'\n", _g ? _g : "(null)",               \
                               _w ? _w : "(null)");                                                \
        } while (0)

/* is_str on a string the check owns (a helper's malloc'd result), freed
 * after: the tests' is_cg, is_state... are this on their own getter. */
#define is_str_free(got, want, ...)                                                                \
        do {                                                                                       \
                char *_f = (got);                                                                  \
                is_str(_f, want, __VA_ARGS__);                                                     \
                free(_f);                                                                          \
        } while (0)

/* substring check, for error messages */
#define like(got, needle, ...)                                                                     \
        do {                                                                                       \
                const char *_g = (got), *_n = (needle);                                            \
                int _e = _g && strstr(_g, _n);                                                     \
                ok(_e, __VA_ARGS__);                                                               \
                if (!_e)                                                                           \
                        printf("#   '%s'\n#   does not contain '%s'\n", _g ? _g : "(null)", _n);   \
        } while (0)

/* A vp_error's location as a string, for is_str (expands to util.h's
 * vp_error_where; the buffer lives to the end of the enclosing block) */
#define WHERE(e) vp_error_where(&(e), (char[1024]){0}, 1024)

static inline int tap_done(void)
{
        printf("1..%d\n", tap_n);
        if (tap_failed)
                printf("# %d of %d checks failed\n", tap_failed, tap_n);
        return tap_failed ? 1 : 0;
}

#endif
