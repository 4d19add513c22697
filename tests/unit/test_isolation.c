/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolation.c: the kernel's hex CPU masks read and written back as the
 * kernel prints them (one group, several, widths that are no multiple of
 * 32, junk named in the message), what a mask becomes while CPUs are
 * isolated (the remainder, or the housekeeping set when nothing is left),
 * and the record of originals. */
#include <errno.h>

#include "cpusets.h"
#include "isolation.h"
#include "tap.h"

/* text for a check's name: a newline shown as \n, so that TAP sees one line
 * (in one of 4 buffers used in turn) */
static const char *esc(const char *text)
{
        static char buf[4][128];
        static int k;
        k = (k + 1) % 4;
        size_t n = 0;
        for (const char *p = text; *p && n + 3 < sizeof(buf[k]); p++) {
                if (*p == '\n') {
                        buf[k][n++] = '\\';
                        buf[k][n++] = 'n';
                } else {
                        buf[k][n++] = *p;
                }
        }
        buf[k][n] = '\0';
        return buf[k];
}

/* text parsed, as a CPU list, or "error: MESSAGE" */
static char *parse(const char *text, unsigned *nbits)
{
        vp_cpuset s;
        vp_error e = {0};
        if (vp_hexmask_parse(text, strlen(text), &s, nbits, &e) < 0)
                return vp_xasprintf("error %d: %s", e.code, e.msg);
        return vp_cpuset_format(&s);
}

static void test_parse(void)
{
        static const struct {
                const char *text, *cpus;
                unsigned nbits;
        } cases[] = {
            {"f\n", "0-3", 4},
            {"ff", "0-7", 8},
            {"3f\n", "0-5", 8},
            {"00000000,00000003\n", "0-1", 64},
            {"ffffffff,ffffffff\n", "0-63", 64},
            {"1,00000000", "32", 36},
            {"80000000,00000001", "0,63", 64},
            {"00000010,00000000,00000000", "68", 96},
            {" FF \n", "0-7", 8},
            {"0", "", 4},
            {"00000000,00000000", "", 64},
            /* the kernel reads a short inner group as its low bits */
            {"1,1", "0,32", 36},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                unsigned nb = 0;
                is_str_free(parse(cases[i].text, &nb), cases[i].cpus, "parse '%s'",
                            esc(cases[i].text));
                is_int(nb, cases[i].nbits, "'%s' is %u bits wide", esc(cases[i].text),
                       cases[i].nbits);
        }
        /* a kernel with NR_CPUS 8192 prints zero groups above ours */
        vp_buf b = {0};
        for (int g = 0; g < 255; g++)
                vp_buf_str(&b, "00000000,");
        vp_buf_str(&b, "00000005");
        char *wide = vp_buf_take(&b);
        is_str_free(parse(wide, NULL), "0,2", "8160 bits of which the high ones zero");
        wide[0] = '1';
        char *msg = parse(wide, NULL);
        like(msg, "error -34: ", "a CPU above 4095 is -ERANGE");
        free(msg);
        free(wide);
        /* the top of our range: CPU 4095 in the 128th group, 4096 in a 129th */
        for (int g = 0; g < 127; g++)
                vp_buf_str(&b, ",00000000");
        char *low = vp_buf_take(&b);
        char *top = vp_xasprintf("80000000%s", low);
        is_str_free(parse(top, NULL), "4095", "CPU 4095 is the highest");
        free(top);
        top = vp_xasprintf("1,00000000%s", low);
        msg = parse(top, NULL);
        like(msg, "a CPU above 4095", "CPU 4096 is out of range");
        free(msg);
        free(top);
        free(low);
}

static void test_junk(void)
{
        static const struct {
                const char *text, *msg;
        } cases[] = {
            {"", "invalid CPU mask '': empty"},
            {" \n", "invalid CPU mask '': empty"},
            {"0-3", "invalid CPU mask '0-3': '-' is not a hex digit"},
            {"0x3", "invalid CPU mask '0x3': 'x' is not a hex digit"},
            {"fg", "invalid CPU mask 'fg': 'g' is not a hex digit"},
            {"ff,,ff", "invalid CPU mask 'ff,,ff': empty group"},
            {",ff", "invalid CPU mask ',ff': empty group"},
            {"ff,", "invalid CPU mask 'ff,': empty group"},
            {"123456789", "invalid CPU mask '123456789': a group has more than 8 digits"},
            {"f f", "invalid CPU mask 'f f': ' ' is not a hex digit"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                vp_cpuset s = S("7");
                vp_error e = {0};
                int r = vp_hexmask_parse(cases[i].text, strlen(cases[i].text), &s, NULL, &e);
                is_int(r, -EINVAL, "'%s' is refused", esc(cases[i].text));
                is_str(e.msg, cases[i].msg, "and the message quotes it");
                is_str(fmt(&s), "7", "the set is left alone");
        }
        /* the length bounds the text: no read past it */
        vp_cpuset s;
        is_int(vp_hexmask_parse("ffzz", 2, &s, NULL, NULL), 0, "len stops before junk");
        is_str(fmt(&s), "0-7", "and what is within it is read");
}

static void test_format(void)
{
        static const struct {
                const char *cpus;
                unsigned nbits;
                const char *text;
        } cases[] = {
            {"0-3", 4, "f"},
            {"0-1", 6, "03"},
            {"0-1", 64, "00000000,00000003"},
            {"0-63", 64, "ffffffff,ffffffff"},
            {"32", 36, "1,00000000"},
            {"", 4, "0"},
            {"", 0, "0"},
            {"5", 0, "20"},
            {"0-7", 4, "ff"},
            {"40", 0, "100,00000000"},
            {"0,2", 96, "00000000,00000000,00000005"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                vp_cpuset s = S(cases[i].cpus);
                is_str_free(vp_hexmask_format(&s, cases[i].nbits), cases[i].text, "'%s' in %u bits",
                            cases[i].cpus, cases[i].nbits);
        }
        /* what the kernel prints comes back byte for byte */
        static const char *const round[] = {"f",
                                            "03",
                                            "ff",
                                            "1,00000000",
                                            "00000000,00000003",
                                            "ffffffff,ffffffff",
                                            "0,00000000,80000001"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(round); i++) {
                vp_cpuset s;
                unsigned nb;
                int r = vp_hexmask_parse(round[i], strlen(round[i]), &s, &nb, NULL);
                is_int(r, 0, "'%s' parses", round[i]);
                is_str_free(vp_hexmask_format(&s, nb), round[i], "'%s' round trips", round[i]);
        }
        vp_cpuset all = S("0-4095");
        char *t = vp_hexmask_format(&all, 0);
        is_int(strlen(t), 128 * 9 - 1, "4096 CPUs: 128 groups");
        vp_cpuset back;
        is_int(vp_hexmask_parse(t, strlen(t), &back, NULL, NULL), 0, "and they parse");
        ok(vp_cpuset_equal(&back, &all), "back to all 4096");
        free(t);
}

static void test_narrow(void)
{
        static const struct {
                const char *orig, *isolated, *hk, *want;
                bool changed;
        } cases[] = {
            {"0-7", "2-3", "0-1,4-7", "0-1,4-7", true},
            {"0-7", "8-9", "0-7", "0-7", false},
            {"2-3", "2-3", "0-1,4-7", "0-1,4-7", true},      /* nothing left */
            {"3", "2-5", "0-1,6-7", "0-1,6-7", true},        /* nothing left */
            {"0,3", "3", "0-2", "0", true},                  /* the remainder, not H */
            {"0-1,4-7", "2-3", "0-1,4-7", "0-1,4-7", false}, /* already off */
            {"0-63", "1-62", "0,63", "0,63", true},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                vp_cpuset o = S(cases[i].orig), iso = S(cases[i].isolated), hk = S(cases[i].hk);
                vp_cpuset out = S("100");
                bool ch = vp_isolation_narrow(&o, &iso, &hk, &out);
                is_str(fmt(&out), cases[i].want, "%s minus %s (H %s)", cases[i].orig,
                       cases[i].isolated, cases[i].hk);
                is_int(ch, cases[i].changed, "changed: %d", cases[i].changed);
        }
}

static void test_record(void)
{
        vp_isolation_record r = {0};
        vp_cpuset a = S("0-3"), b = S("5,64");
        vp_isolation_record_add_irq(&r, 3, &a);
        vp_isolation_record_add_irq(&r, 17, &b);
        is_int(r.n_irqs, 2, "two IRQs recorded");
        is_int(r.irqs[1].irq, 17, "the second is 17");
        vp_cpuset back = vp_cpumask_get(&r.irqs[1].orig);
        is_str(fmt(&back), "5,64", "with its original");
        vp_isolation_record_free(&r);
        is_int(r.n_irqs, 0, "freed: empty");
        ok(r.irqs == NULL, "freed: no array");
}

int main(void)
{
        test_parse();
        test_junk();
        test_format();
        test_narrow();
        test_record();
        return tap_done();
}
