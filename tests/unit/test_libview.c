/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's live view against the enforced placement (libview.h): each item
 * libvirt's tools show, with libvirt's defaults (a thread without its own
 * pin runs on <vcpu cpuset>, else anywhere), vCPUs up to the maximum, the
 * nodeset only for binding modes, the scheduler parameters by libvirt's
 * names. Both sides are parsed from domain XML, the form they come in. */
#include <string.h>

#include "domain.h"
#include "libview.h"
#include "tap.h"

static vp_domain *dom(const char *xml)
{
        vp_domain *d = NULL;
        vp_error err = {0};
        if (vp_domain_parse(xml, strlen(xml), &d, &err) < 0)
                ok(0, "parse: %s", err.msg);
        return d;
}

/* "name want/have; ..." of every item */
static char *items(const vp_tune *want, const vp_domain *live)
{
        vp_libview v;
        vp_libview_diff(want, live, &v);
        vp_buf b = {0};
        for (size_t i = 0; i < v.n; i++)
                vp_buf_printf(&b, "%s%s %s/%s", i ? "; " : "", v.i[i].name, v.i[i].want,
                              v.i[i].have);
        vp_libview_free(&v);
        char *s = vp_buf_take(&b);
        return s ? s : vp_xstrdup("");
}

#define HEAD "<domain type='qemu'><name>a</name><memory unit='MiB'>64</memory>"

static void check(const char *want_xml, const char *live_xml, const char *expect, const char *what)
{
        vp_domain *w = dom(want_xml), *l = dom(live_xml);
        if (w && l) {
                char *got = items(&w->tune, l);
                is_str(got, expect, "%s", what);
                free(got);
        }
        vp_domain_free(w);
        vp_domain_free(l);
}

int main(void)
{
        /* the table: pins crossed, emulator, strict nodeset, shares, quota */
        const char *placed =
            HEAD "<vcpu placement='static' current='2'>3</vcpu><iothreads>1</iothreads>"
                 "<cputune><shares>1234</shares><quota>45000</quota>"
                 "<vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='0'/>"
                 "<vcpupin vcpu='2' cpuset='1'/><emulatorpin cpuset='0'/></cputune>"
                 "<numatune><memory mode='strict' nodeset='0'/></numatune></domain>";
        check(placed,
              HEAD "<vcpu placement='static' current='2'>3</vcpu><iothreads>1</iothreads></domain>",
              "vcpupin 0 1/unpinned; vcpupin 1 0/unpinned; vcpupin 2 1/unpinned; "
              "emulatorpin 0/unpinned; numatune nodeset strict 0/strict "
              "unset; schedinfo cpu_shares 1234/unset; schedinfo vcpu_quota 45000/unset",
              "a bare live definition lacks every item, the offline vCPU 2 included; the "
              "iothread has no pin and no default in the placement: left open");
        check(placed, placed, "", "the same placement: nothing");

        /* libvirt's defaults count: <vcpu cpuset> stands for unpinned threads */
        check(HEAD "<vcpu placement='static'>2</vcpu><cputune><vcpupin vcpu='0' cpuset='2-3'/>"
                   "<vcpupin vcpu='1' cpuset='2,3'/><emulatorpin cpuset='2-3'/></cputune></domain>",
              HEAD "<vcpu placement='static' cpuset='2-3'>2</vcpu></domain>", "",
              "pins equal to live <vcpu cpuset> agree (sets compare by value)");
        check(HEAD "<vcpu placement='static' cpuset='0-1'>1</vcpu></domain>",
              HEAD "<vcpu placement='static' cpuset='0-3'>1</vcpu><cputune>"
                   "<emulatorpin cpuset='0-1'/></cputune></domain>",
              "vcpupin 0 0-1/0-3",
              "a floating set: the vCPU differs, the emulator's own pin agrees");
        check(HEAD
              "<vcpu placement='static'>1</vcpu><cputune><shares>100</shares></cputune></domain>",
              HEAD "<vcpu placement='static'>1</vcpu></domain>", "schedinfo cpu_shares 100/unset",
              "what the placement leaves open is not compared: only the shares");

        /* the nodeset: binding modes only; a mode libvirt cannot change is said */
        check(HEAD
              "<vcpu>1</vcpu><numatune><memory mode='preferred' nodeset='1'/></numatune></domain>",
              HEAD "<vcpu>1</vcpu></domain>", "", "preferred acts at launch only: not compared");
        check(
            HEAD
            "<vcpu>1</vcpu><numatune><memory mode='restrictive' nodeset='1'/></numatune></domain>",
            HEAD
            "<vcpu>1</vcpu><numatune><memory mode='restrictive' nodeset='0'/></numatune></domain>",
            "numatune nodeset restrictive 1/restrictive 0", "restrictive binds: compared");
        check(HEAD
              "<vcpu>1</vcpu><numatune><memory mode='strict' nodeset='1'/></numatune></domain>",
              HEAD
              "<vcpu>1</vcpu><numatune><memory mode='interleave' nodeset='1'/></numatune></domain>",
              "numatune nodeset strict 1/interleave 1",
              "the same nodes under another mode disagree (and say the mode)");

        /* every scheduler parameter by libvirt's name, values compared */
        check(HEAD "<vcpu>1</vcpu><cputune><period>100000</period><quota>-1</quota>"
                   "<global_period>200000</global_period><emulator_quota>25000</emulator_quota>"
                   "<iothread_period>50000</iothread_period></cputune></domain>",
              HEAD "<vcpu>1</vcpu><cputune><period>100000</period><quota>-1</quota>"
                   "<global_period>100000</global_period></cputune></domain>",
              "schedinfo global_period 200000/100000; schedinfo emulator_quota 25000/unset; "
              "schedinfo iothread_period 50000/unset",
              "global, emulator and iothread parameters named as virsh schedinfo names them");

        /* the item's set and value are what lib/virt hands libvirt */
        vp_domain *w = dom(placed), *l = dom(HEAD "<vcpu>3</vcpu></domain>");
        if (w && l) {
                vp_libview v;
                vp_libview_diff(&w->tune, l, &v);
                ok(v.n >= 1 && v.i[0].kind == VP_LV_VCPUPIN && v.i[0].id == 0 &&
                       vp_cpuset_test(&v.i[0].set, 1) && !vp_cpuset_test(&v.i[0].set, 0),
                   "vcpupin 0: kind, id and the set {1}");
                ok(v.n >= 1 && v.i[v.n - 1].kind == VP_LV_SCHED &&
                       v.i[v.n - 1].id == VP_T_VCPU_QUOTA && v.i[v.n - 1].value == 45000,
                   "vcpu_quota: the scalar and 45000");
                vp_libview_free(&v);
        }
        vp_domain_free(w);
        vp_domain_free(l);
        is_str(vp_libview_sched_name(VP_T_SHARES), "cpu_shares",
               "shares are cpu_shares to libvirt");
        is_str(vp_libview_sched_name(VP_T_VCPU_PERIOD), "vcpu_period", "the rest keep their name");
        return tap_done();
}
