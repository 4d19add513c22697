/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Domain XML reader: field values from real and hand-made corpus files, libvirt's
 * <domstatus> wrapper, hostile inputs (with the message the operator would see), libvirt's
 * memory units at the edges, and serialisation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rewrite.h"
#include "fileio.h"
#include "tap.h"

static const char *data_dir(void)
{
        const char *d = getenv("VMPLACE_TEST_DATA");
        return d && *d ? d : "tests/data";
}

static char *slurp(const char *rel, size_t *len)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/xml/%s", data_dir(), rel);
        char *buf = NULL;
        vp_error e;
        if (vp_read_file(path, 64u << 20, &buf, len, &e) < 0) {
                printf("# cannot read %s: %s\n", path, e.msg);
                return NULL;
        }
        return buf;
}

static vp_domain *load(const char *rel)
{
        size_t len;
        char *x = slurp(rel, &len);
        vp_domain *d = NULL;
        vp_error e = {0};
        int r = x ? vp_domain_parse(x, len, &d, &e) : -ENOENT;
        ok(r == 0, "parse %s%s%s", rel, r ? ": " : "", r ? e.msg : "");
        free(x);
        return r == 0 ? d : NULL;
}

static const char *fmt_set(const vp_cpuset *s)
{
        static char buf[4][256];
        static int i;
        i = (i + 1) % 4;
        return vp_cpuset_fmt(s, buf[i], sizeof(buf[i]));
}

static const char *pin(const vp_pin *pins, size_t n, unsigned id)
{
        const vp_pin *p = vp_pins_find(pins, n, id);
        return p ? fmt_set(&p->set) : "(none)";
}

static void test_full_tunables(void)
{
        vp_domain *d = load("corpus/hand-full-tunables.xml");
        if (!d)
                return;
        const vp_tune *t = &d->tune;
        is_str(d->name, "full-tunables", "name");
        is_str(d->uuid, "5e0a6f41-77d3-4f31-ae6c-802f3a0d2c05", "uuid");
        is_int(d->vcpus_max, 8, "vcpus max");
        is_int(d->vcpus_current, 8, "vcpus current defaults to max");
        is_int(d->memory_kib, 8388608, "memory");
        is_str(d->metadata_profile, "latency", "vmplace:profile (not the other namespace's)");
        is_int(d->n_iothreads, 2, "two iothreads");
        if (d->n_iothreads == 2) {
                is_int(d->iothread_ids[0], 1, "iothread id 1");
                is_int(d->iothread_ids[1], 4, "iothread id 4");
        }
        static const long long want_q[VP_T__COUNT] = {4096,   100000, 800000, 100000, -1,
                                                      100000, 50000,  100000, -1};
        for (int i = 0; i < VP_T__COUNT; i++) {
                ok(t->q[i].set, "%s set", vp_tune_scalar_names[i]);
                is_int(t->q[i].v, want_q[i], "%s value", vp_tune_scalar_names[i]);
        }
        ok(t->vcpu_cpuset_set, "vcpu cpuset set");
        is_str(fmt_set(&t->vcpu_cpuset), "0-15", "vcpu cpuset");
        is_int(t->n_vcpupin, 8, "8 vcpupins");
        for (unsigned i = 0; i < 8; i++) {
                char want[8];
                snprintf(want, sizeof(want), "%u", 8 + i);
                is_str(pin(t->vcpupin, t->n_vcpupin, i), want, "vcpupin %u", i);
        }
        ok(t->emulatorpin_set, "emulatorpin set");
        is_str(fmt_set(&t->emulatorpin), "0-1", "emulatorpin");
        is_int(t->n_iothreadpin, 2, "2 iothreadpins");
        is_str(pin(t->iothreadpin, t->n_iothreadpin, 1), "2", "iothreadpin 1");
        is_str(pin(t->iothreadpin, t->n_iothreadpin, 4), "3", "iothreadpin 4");
        is_int(t->mem_mode, VP_MEM_STRICT, "numatune mode");
        ok(t->nodeset_set, "numatune nodeset set");
        is_str(fmt_set(&t->nodeset), "0-1", "numatune nodeset");
        is_int(t->n_memnodes, 2, "2 memnodes");
        if (t->n_memnodes == 2) {
                is_int(t->memnodes[1].cellid, 1, "memnode 1 cellid");
                is_int(t->memnodes[1].mode, VP_MEM_INTERLEAVE, "memnode 1 mode");
                is_str(fmt_set(&t->memnodes[1].nodeset), "1", "memnode 1 nodeset");
        }
        is_int(t->n_cells, 2, "2 cells");
        if (t->n_cells == 2) {
                is_str(fmt_set(&t->cells[0].cpus), "0-3", "cell 0 cpus");
                is_str(fmt_set(&t->cells[1].cpus), "4-7", "cell 1 cpus");
                is_int(t->cells[1].memory_kib, 4194304, "cell 1 memory");
        }
        ok(!d->vcpu_placement_auto && !d->numatune_placement_auto, "static placement");
        is_int(d->pid, 0, "no pid outside domstatus");
        ok(!d->vcpu_tids && !d->n_vcpu_tids, "no vcpu tids outside domstatus");
        ok(!d->had_xml_decl, "no XML declaration");
        ok(d->root && !strcmp((const char *)d->root->name, "domain"), "root is <domain>");
        vp_domain_free(d);
}

static void test_tabs_comments(void)
{
        vp_domain *d = load("corpus/hand-tabs-comments.xml");
        if (!d)
                return;
        is_str(d->metadata_profile, "database", "profile under another prefix");
        is_int(d->memory_kib, 4u << 20, "4 GiB");
        is_int(d->tune.n_cells, 2, "2 cells");
        if (d->tune.n_cells == 2) {
                is_int(d->tune.cells[0].memory_kib, 2097152, "cell 0: 2 GiB");
                is_int(d->tune.cells[1].memory_kib, 2097152, "cell 1: 2048 MiB");
        }
        is_str(pin(d->tune.vcpupin, d->tune.n_vcpupin, 0), "2", "vcpupin 0");
        is_str(pin(d->tune.vcpupin, d->tune.n_vcpupin, 1), "(none)", "vcpu 1 unpinned");
        is_str(pin(d->tune.vcpupin, d->tune.n_vcpupin, 2), "4", "vcpupin 2");
        ok(d->tune.q[VP_T_SHARES].set && d->tune.q[VP_T_SHARES].v == 1024, "shares 1024");
        ok(!d->tune.q[VP_T_VCPU_PERIOD].set, "period unset");
        ok(d->had_xml_decl, "XML declaration seen");
        vp_domain_free(d);
}

static void test_misc_corpus(void)
{
        vp_domain *d = load("corpus/hand-4space-crlf.xml");
        if (d) {
                is_str(d->metadata_profile, "web", "profile in a default namespace, trimmed");
                vp_domain_free(d);
        }
        d = load("corpus/vi-all-placement.xml");
        if (d) {
                is_int(d->vcpus_current, 4, "virt-install current=4");
                is_int(d->vcpus_max, 8, "virt-install maxvcpus=8");
                is_int(d->n_iothreads, 2, "<iothreads>2 -> ids 1,2");
                ok(d->n_iothreads == 2 && d->iothread_ids[0] == 1 && d->iothread_ids[1] == 2,
                   "iothread ids 1,2");
                is_int(d->tune.n_cells, 2, "cells without id attribute");
                if (d->tune.n_cells == 2)
                        is_str(fmt_set(&d->tune.cells[1].cpus), "4-7", "cell 1 by position");
                is_int(d->tune.q[VP_T_VCPU_QUOTA].v, 50000, "<quota> is vcpu_quota");
                ok(d->metadata_profile == NULL, "no vmplace metadata");
                vp_domain_free(d);
        }
        d = load("corpus/hand-iothreads-mixed.xml");
        if (d) {
                is_int(d->n_iothreads, 4, "iothreads=4 with 2 ids listed");
                if (d->n_iothreads == 4) {
                        unsigned *i = d->iothread_ids;
                        ok(i[0] == 1 && i[1] == 2 && i[2] == 3 && i[3] == 7,
                           "ids 2,7 plus the lowest free: 1,2,3,7 (got %u,%u,%u,%u)", i[0], i[1],
                           i[2], i[3]);
                }
                vp_domain_free(d);
        }
        d = load("corpus/lv-placement-auto.xml");
        if (d) {
                ok(d->vcpu_placement_auto, "vcpu placement auto");
                ok(d->numatune_placement_auto, "numatune placement auto");
                ok(!d->tune.nodeset_set && !d->tune.vcpu_cpuset_set, "no static sets");
                vp_domain_free(d);
        }
        d = load("corpus/hand-placement-implicit.xml");
        if (d) {
                ok(d->vcpu_placement_auto, "vcpu placement auto inferred from numatune");
                ok(d->numatune_placement_auto, "numatune placement auto");
                is_int(d->tune.mem_mode, VP_MEM_INTERLEAVE, "interleave");
                vp_domain_free(d);
        }
        d = load("corpus/hand-units.xml");
        if (d) {
                is_int(d->memory_kib, 4096001, "4194305 KB rounds up to 4096001 KiB");
                is_str(fmt_set(&d->tune.vcpu_cpuset), "0-2,4-7", "cpuset with exclusion");
                if (d->tune.n_cells == 2) {
                        is_int(d->tune.cells[0].memory_kib, 1953125, "2000000 KB");
                        is_int(d->tune.cells[1].memory_kib, 2048005, "2097157 kb rounds up");
                        is_str(fmt_set(&d->tune.cells[0].cpus), "0-1", "cpus '0,1'");
                }
                vp_domain_free(d);
        }
        d = load("corpus/hand-odd-format.xml");
        if (d) {
                is_int(d->vcpus_max, 6, "vcpu split over lines");
                is_int(d->vcpus_current, 2, "current over lines");
                is_int(d->memory_kib, 3072 * 1024, "3072 MiB");
                vp_domain_free(d);
        }
        d = load("corpus/hand-compact.xml");
        if (d) {
                is_int(d->tune.q[VP_T_VCPU_PERIOD].v, 100000, "compact: period");
                is_str(pin(d->tune.vcpupin, d->tune.n_vcpupin, 3), "7", "compact: vcpupin 3");
                vp_domain_free(d);
        }
        d = load("hostile/nonascii-name.xml");
        if (d) {
                is_str(d->name, "wébserveur-東京-🚀", "non-ASCII name kept as UTF-8");
                vp_domain_free(d);
        }
}

static void test_domstatus(void)
{
        vp_domain *d = load("status/running-2vcpu.xml");
        if (!d)
                return;
        is_str(d->name, "vpxml-tiny", "name from the inner <domain>");
        is_int(d->pid, 8092, "QEMU pid");
        is_int(d->n_vcpu_tids, 2, "one tid slot per vCPU");
        if (d->n_vcpu_tids == 2) {
                is_int(d->vcpu_tids[0], 8100, "vCPU 0 tid");
                is_int(d->vcpu_tids[1], 8101, "vCPU 1 tid");
        }
        is_int(d->n_iothreads, 2, "iothreads");
        is_int(d->tune.n_cells, 2, "cells of the live domain (not domstatus' own <cpu>)");
        is_str(pin(d->tune.vcpupin, d->tune.n_vcpupin, 1), "0", "vcpupin 1");
        ok(d->root && d->root->parent && d->root->parent->type == XML_ELEMENT_NODE &&
               !strcmp((const char *)d->root->parent->name, "domstatus"),
           "root points inside the status document");
        char *out = NULL;
        vp_error e;
        ok(vp_domain_format(d, &out, NULL, &e) == 0, "format a status domain");
        static const char start[] = "<domain type=\"qemu\" id=\"2\">\n  <name>";
        ok(out && !strncmp(out, start, strlen(start)),
           "only the <domain> is written, shifted back to column 0");
        ok(out && strlen(out) > 11 && !strcmp(out + strlen(out) - 11, "\n</domain>\n"),
           "closing tag at column 0");
        ok(out && !strstr(out, "domstatus") && !strstr(out, "qemuCaps"), "no status wrapper");
        free(out);
        vp_domain_free(d);

        /* A namespace declared on the wrapper must travel with the domain. */
        static const char xml[] =
            "<domstatus xmlns:q='urn:q' state='running' pid='77'>\n"
            "  <vcpus><vcpu id='1' pid='79'/></vcpus>\n"
            "  <domain type='qemu'>\n    <name>ns</name>\n    <memory>1024</memory>\n"
            "    <vcpu>3</vcpu>\n    <q:extra/>\n  </domain>\n</domstatus>\n";
        vp_error pe = {0};
        int r = vp_domain_parse(xml, sizeof(xml) - 1, &d, &pe);
        ok(r == 0, "parse inline domstatus %s", pe.msg);
        if (r == 0) {
                is_int(d->pid, 77, "pid");
                ok(d->n_vcpu_tids == 3 && d->vcpu_tids[0] == 0 && d->vcpu_tids[1] == 79,
                   "unknown tids are 0");
                ok(vp_domain_format(d, &out, NULL, &e) == 0, "format");
                like(out, "xmlns:q=\"urn:q\"", "borrowed namespace declared on <domain>");
                free(out);
                vp_domain_free(d);
        }
}

static void test_format(void)
{
        /* virt-install's files come back byte for byte (it writes libxml2's quoting). */
        static const char *const files[] = {
            "corpus/vi-debian11-q35.xml",  "corpus/vi-win10.xml",
            "corpus/vi-all-placement.xml", "corpus/vi-qemu-commandline.xml",
            "corpus/hand-4space-crlf.xml", "corpus/hand-tabs-comments.xml"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(files); i++) {
                size_t len;
                char *x = slurp(files[i], &len);
                vp_domain *d = NULL;
                vp_error e = {0};
                char *out = NULL;
                size_t olen = 0;
                if (x && vp_domain_parse(x, len, &d, &e) == 0 &&
                    vp_domain_format(d, &out, &olen, &e) == 0) {
                        if (strstr(files[i], "crlf"))
                                ok(strchr(x, '\r') && !strchr(out, '\r'), "CRLF became LF");
                        /* Outside the root only the declaration survives; libxml2 writes
                         * namespace declarations before the other attributes, and CRLF
                         * line ends are normalised to LF by any XML parser. */
                        const char *body = x, *o = out;
                        if (strstr(files[i], "hand-tabs")) {
                                static const char decl[] =
                                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
                                static const char start[] =
                                    "<domain xmlns:qemu=\"http://libvirt.org/schemas/domain/"
                                    "qemu/1.0\" type=\"qemu\">";
                                ok(!strncmp(out, decl, strlen(decl)),
                                   "declaration kept, leading comment dropped");
                                ok(!strncmp(out + strlen(decl), start, strlen(start)),
                                   "xmlns first in the start tag");
                                body = strchr(strstr(x, "<domain"), '>') + 1;
                                o = out + strlen(decl) + strlen(start);
                                olen -= strlen(decl) + strlen(start);
                        }
                        _cleanup_free_ char *lf = vp_xstrdup(body);
                        size_t k = 0;
                        for (const char *p = body; *p; p++)
                                if (*p != '\r')
                                        lf[k++] =
                                            (*p == '\'' && strstr(files[i], "crlf")) ? '"' : *p;
                        lf[k] = '\0';
                        body = lf;
                        size_t blen = strlen(body);
                        while (blen > 1 && body[blen - 1] == '\n' && body[blen - 2] == '\n')
                                blen--;
                        ok(olen == blen && !memcmp(o, body, blen), "%s round-trips byte for byte",
                           files[i]);
                        ok(olen && o[olen - 1] == '\n', "ends in a newline");
                } else {
                        ok(0, "%s: %s", files[i], e.msg);
                }
                free(out);
                free(x);
                vp_domain_free(d);
        }

        size_t len;
        char *x = slurp("hostile/latin1-decl.xml", &len);
        vp_domain *d = NULL;
        vp_error e = {0};
        char *out = NULL;
        if (x && vp_domain_parse(x, len, &d, &e) == 0 && vp_domain_format(d, &out, NULL, &e) == 0) {
                ok(!strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39),
                   "Latin-1 input: declaration now says UTF-8");
                like(out, "Caf\xc3\xa9 cr\xc3\xa8me", "text converted to UTF-8");
        } else {
                ok(0, "latin1: %s", e.msg);
        }
        free(out);
        free(x);
        vp_domain_free(d);

        x = slurp("hostile/nonascii-name.xml", &len);
        if (x && vp_domain_parse(x, len, &d, &e) == 0 && vp_domain_format(d, &out, NULL, &e) == 0) {
                like(out, "<name>wébserveur-東京-🚀</name>",
                     "UTF-8 name written raw, not as &#...;");
                free(out);
                vp_domain_free(d);
        }
        free(x);

        static const struct {
                const char *in, *decl;
        } decls[] = {
            {"<?xml version=\"1.0\"?>\n<domain><name>a</name><vcpu>1</vcpu><memory>1</memory>"
             "</domain>",
             "<?xml version=\"1.0\"?>\n<domain>"},
            {"<?xml version='1.0' encoding='utf-8' standalone='yes'?><domain><name>a</name>"
             "<vcpu>1</vcpu><memory>1</memory></domain>",
             "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<domain>"},
            {"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<domain><name>a</name>"
             "<vcpu>1</vcpu><memory>1</memory></domain>",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<domain>"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(decls); i++) {
                if (vp_domain_parse(decls[i].in, strlen(decls[i].in), &d, &e) < 0) {
                        ok(0, "declaration case %zu: %s", i, e.msg);
                        continue;
                }
                ok(d->had_xml_decl, "declaration case %zu seen", i);
                vp_domain_format(d, &out, NULL, &e);
                ok(!strncmp(out, decls[i].decl, strlen(decls[i].decl)),
                   "declaration case %zu written back", i);
                free(out);
                vp_domain_free(d);
        }

        static const char nodecl[] =
            "<domain><name>a</name><memory>1</memory><vcpu>1</vcpu></domain>";
        if (vp_domain_parse(nodecl, sizeof(nodecl) - 1, &d, &e) == 0) {
                size_t olen;
                vp_domain_format(d, &out, &olen, &e);
                is_str(out, "<domain><name>a</name><memory>1</memory><vcpu>1</vcpu></domain>\n",
                       "no declaration added; newline appended");
                is_int(olen, strlen(out), "length reported");
                free(out);
                vp_domain_free(d);
        }
}

typedef struct hostile {
        const char *file;
        int code;
        const char *msg;
} hostile;

static const hostile hostiles[] = {
    {"doctype-external-entity.xml", -EINVAL, "domain XML has a DOCTYPE: refused"},
    {"doctype-internal-entity.xml", -EINVAL, "domain XML has a DOCTYPE: refused"},
    {"doctype-billion-laughs.xml", -EINVAL, "domain XML has a DOCTYPE: refused"},
    {"doctype-external-dtd.xml", -EINVAL, "domain XML has a DOCTYPE: refused"},
    {"truncated.xml", -EINVAL, "domain XML line 6: "},
    {"not-xml.txt", -EINVAL, "domain XML line 1: Start tag expected"},
    {"empty.xml", -EINVAL, "domain XML is empty"},
    {"undeclared-entity.xml", -EINVAL, "domain XML line 1: Entity 'nope' not defined"},
    {"invalid-utf8.xml", -EINVAL, "domain XML line 1: Input is not proper UTF-8"},
    {"wrong-root.xml", -EINVAL, "domain XML root is <network>, not <domain>"},
    {"domstatus-without-domain.xml", -EINVAL, "domain status XML has no <domain>"},
    {"missing-name.xml", -EINVAL, "domain XML has no <name>"},
    {"name-with-slash.xml", -EINVAL, "<name> value '../../etc/evil' is not a usable"},
    {"missing-vcpu.xml", -EINVAL, "domain XML has no <vcpu>"},
    {"bad-vcpu-0.xml", -ERANGE, "<vcpu> value '0' is out of range (1..16384)"},
    {"bad-vcpu-16385.xml", -ERANGE, "<vcpu> value '16385' is out of range"},
    {"bad-vcpu-huge.xml", -ERANGE, "<vcpu> value '99999999999999999999' is out of range"},
    {"bad-vcpu-neg.xml", -EINVAL, "<vcpu> value '-1' is not a number"},
    {"bad-vcpu-x.xml", -EINVAL, "<vcpu> value 'x' is not a number"},
    {"bad-vcpupin.xml", -EINVAL, "<vcpupin vcpu='0'> cpuset: invalid cpuset '0-'"},
    {"vcpupin-out-of-range.xml", -EINVAL, "<vcpupin vcpu='2'>: no such vCPU (the domain has 2)"},
    {"bad-period.xml", -ERANGE, "<cputune><period> value '999' is out of range (1000..1000000)"},
    {"bad-numatune-mode.xml", -EINVAL, "<numatune><memory> mode 'loose' is not strict"},
    {"bad-memory-unit.xml", -EINVAL, "<memory unit> value 'furlongs' is not a known unit"},
    {"memory-overflow.xml", -ERANGE, "<memory> value '16 EiB' is too large"},
    {"cells-out-of-order.xml", -EINVAL, "<cell id='1'>: guest NUMA cells must be numbered"},
    {"memnode-without-cell.xml", -EINVAL, "<memnode cellid='0'>: no such guest NUMA cell"},
    {"iothreadpin-unknown.xml", -EINVAL, "<iothreadpin iothread='3'>: no such IOThread"},
};

static void test_hostile(void)
{
        /* Nothing may reach stderr: libvirt shows a hook's stderr to the user. */
        fflush(stderr);
        char tmpl[] = "/tmp/vp-test-domain-XXXXXX";
        int fd = mkstemp(tmpl);
        int saved = dup(2);
        if (fd >= 0)
                dup2(fd, 2);
        for (size_t i = 0; i < VP_ARRAY_SIZE(hostiles); i++) {
                char rel[256];
                snprintf(rel, sizeof(rel), "hostile/%s", hostiles[i].file);
                size_t len;
                char *x = slurp(rel, &len);
                vp_domain *d = NULL;
                vp_error e = {0};
                int r = vp_domain_parse(x ? x : "", x ? len : 0, &d, &e);
                is_int(r, hostiles[i].code, "%s refused with the right code", hostiles[i].file);
                like(e.msg, hostiles[i].msg, "%s message", hostiles[i].file);
                ok(!strchr(e.msg, '\n'), "%s message is one line", hostiles[i].file);
                ok(d == NULL, "%s: no domain returned", hostiles[i].file);
                vp_domain_free(d);
                free(x);
        }

        /* A value spanning lines is quoted on one line. */
        static const char multi[] =
            "<domain><name>m</name><memory>1</memory><vcpu>1\n2</vcpu></domain>";
        vp_domain *dm = NULL;
        vp_error em = {0};
        is_int(vp_domain_parse(multi, sizeof(multi) - 1, &dm, &em), -EINVAL, "multi-line vcpu");
        is_str(em.msg, "<vcpu> value '1 2' is not a number", "quoted on one line");

        /* Size limit, exactly at and just over. */
        size_t max = VP_DOMAIN_XML_MAX;
        char *big = vp_xmalloc(max + 2);
        static const char head[] = "<domain><name>big</name><memory>1024</memory><vcpu>1</vcpu>";
        static const char tail[] = "</domain>";
        size_t off = strlen(head);
        memcpy(big, head, off);
        while (off + 1100 < max - strlen(tail)) {
                off += (size_t)sprintf(big + off, "<!-- %01000d -->\n", 0);
        }
        while (off < max - strlen(tail))
                big[off++] = ' ';
        memcpy(big + off, tail, strlen(tail));
        big[max] = '\0';
        vp_domain *d = NULL;
        vp_error e = {0};
        int r = vp_domain_parse(big, max, &d, &e);
        ok(r == 0, "exactly %zu bytes accepted %s", max, e.msg);
        vp_domain_free(d);
        d = NULL;
        big[max] = ' ';
        r = vp_domain_parse(big, max + 1, &d, &e);
        is_int(r, -EFBIG, "one byte over the limit: -EFBIG");
        like(e.msg, "more than the 10485760 allowed", "size message");
        free(big);

        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        struct stat st;
        ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "nothing written to stderr");
        if (fd >= 0) {
                close(fd);
                unlink(tmpl);
        }

        /* A refused DOCTYPE must not have read the file it names. */
        static const char probe[] =
            "<!DOCTYPE d [<!ENTITY e SYSTEM \"/nonexistent/vmplace-probe\">]>"
            "<domain><name>&e;</name><vcpu>1</vcpu></domain>";
        r = vp_domain_parse(probe, sizeof(probe) - 1, &d, &e);
        is_int(r, -EINVAL, "entity probe refused");
}

typedef struct unit_case {
        uint64_t value;
        const char *unit;
        int rc;
        uint64_t kib;
} unit_case;

static const unit_case units[] = {
    {1, NULL, 0, 1},
    {1, "", 0, 1},
    {0, "GiB", 0, 0},
    {1, "b", 0, 1},
    {1023, "bytes", 0, 1},
    {1024, "B", 0, 1},
    {1025, "byte", 0, 2},
    {1, "k", 0, 1},
    {1, "KiB", 0, 1},
    {1, "kib", 0, 1},
    {1, "KIB", 0, 1},
    {1, "KB", 0, 1},
    {1, "kb", 0, 1},
    {1, "Kb", 0, 1},
    {1, "MB", 0, 977},
    {1, "M", 0, 1024},
    {1, "MiB", 0, 1024},
    {1, "GB", 0, 976563},
    {1, "G", 0, 1048576},
    {1, "TB", 0, 976562500},
    {1, "T", 0, 1073741824ULL},
    {1, "PB", 0, 976562500000ULL},
    {1, "PiB", 0, 1ULL << 40},
    {1, "EB", 0, 976562500000000ULL},
    {7, "EiB", 0, 7ULL << 50},
    {8, "EiB", -ERANGE, 0},
    {9, "EB", 0, 8789062500000000ULL},
    {10, "EB", -ERANGE, 0},
    {9007199254740991ULL, NULL, 0, 9007199254740991ULL},
    {9007199254740992ULL, NULL, -ERANGE, 0},
    {(uint64_t)LLONG_MAX, "b", 0, 1ULL << 53},
    {(uint64_t)LLONG_MAX + 1, "bytes", -ERANGE, 0},
    {UINT64_MAX, "k", -ERANGE, 0},
    {1, "iB", -EINVAL, 0},
    {1, "KiBB", -EINVAL, 0},
    {1, "MiBs", -EINVAL, 0},
    {1, "x", -EINVAL, 0},
    {1, "Kx", -EINVAL, 0},
    {1, "kilobytes", -EINVAL, 0},
};

static void test_units(void)
{
        for (size_t i = 0; i < VP_ARRAY_SIZE(units); i++) {
                const unit_case *c = &units[i];
                uint64_t kib = 12345;
                int r = vp_domain_scale_kib(c->value, c->unit, &kib);
                is_int(r, c->rc, "scale %llu %s: rc", (unsigned long long)c->value,
                       c->unit ? c->unit : "(null)");
                if (c->rc == 0)
                        ok(kib == c->kib, "scale %llu %s = %llu KiB (got %llu)",
                           (unsigned long long)c->value, c->unit ? c->unit : "(null)",
                           (unsigned long long)c->kib, (unsigned long long)kib);
        }
}

/* <vcpus>: the vCPUs online at start need not be 0..current-1 */
static void test_vcpus_enabled(void)
{
        static const char xml[] =
            "<domain type='kvm'><name>h</name><memory>1024</memory>"
            "<vcpu placement='static' current='2'>3</vcpu>"
            "<vcpus><vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>"
            "<vcpu id='1' enabled='no' hotpluggable='yes'/>"
            "<vcpu id='2' enabled='yes' hotpluggable='yes' order='2'/></vcpus></domain>";
        vp_domain *d = NULL;
        vp_error e = {0};
        is_int(vp_domain_parse(xml, sizeof(xml) - 1, &d, &e), 0, "<vcpus> parses: %s", e.msg);
        if (d) {
                ok(vp_domain_vcpu_online(d, 0) && !vp_domain_vcpu_online(d, 1) &&
                       vp_domain_vcpu_online(d, 2) && !vp_domain_vcpu_online(d, 3),
                   "vCPUs 0 and 2 online, 1 not (current=2 is not 0-1 here)");
                vp_domain_free(d);
        }
        static const char plain[] = "<domain type='kvm'><name>h</name><memory>1024</memory>"
                                    "<vcpu current='2'>3</vcpu></domain>";
        d = NULL;
        is_int(vp_domain_parse(plain, sizeof(plain) - 1, &d, &e), 0, "without <vcpus>");
        if (d) {
                ok(vp_domain_vcpu_online(d, 1) && !vp_domain_vcpu_online(d, 2),
                   "... the first current vCPUs are online");
                vp_domain_free(d);
        }
        static const char bad[] = "<domain type='kvm'><name>h</name><memory>1024</memory>"
                                  "<vcpu current='2'>3</vcpu><vcpus><vcpu id='3' "
                                  "enabled='yes'/></vcpus></domain>";
        d = NULL;
        ok(vp_domain_parse(bad, sizeof(bad) - 1, &d, &e) < 0, "a <vcpus> id past <vcpu> fails");
        like(e.msg, "<vcpus><vcpu id> value '3' is out of range", "... saying so: %s", e.msg);
        vp_domain_free(d);
}

static int parse_str(const char *xml, vp_error *e)
{
        vp_domain *d = NULL;
        int r = vp_domain_parse(xml, strlen(xml), &d, e);
        vp_domain_free(d);
        return r;
}

/* Numbers at the edges of their types in the domain XML. */
static void test_edges(void)
{
        vp_error e = {0};
        vp_buf b = {0};

        /* Without <memory> the domain's size is the cells' sum, each cell within libvirt's
         * limit but not their sum: 2048 cells of 2^53 - 1 KiB and one of 526336 KiB wrapped
         * past 2^64 to 512 MiB, which the plan committed (cells are now capped at 1024, so
         * the sum stays in 64 bits; two such cells still double libvirt's limit) */
        vp_buf_str(&b, "<domain><name>c</name><vcpu>2</vcpu><cpu><numa>");
        for (int i = 0; i < 2; i++)
                vp_buf_str(&b, "<cell memory='9007199254740991' unit='KiB'/>");
        vp_buf_str(&b, "</numa></cpu></domain>");
        is_int(parse_str(b.s, &e), -ERANGE, "cells summing past libvirt's limit refused");
        is_str(e.msg,
               "guest NUMA cells' memory adds up to more than libvirt's limit of "
               "9223372036854775807 bytes",
               "... naming the limit");
        free(vp_buf_take(&b));
        /* more cells than QEMU starts, by far: a 10 MiB XML held 500000 of them, each costing
         * the planner work that grows with their number */
        vp_buf_str(&b, "<domain><name>c</name><memory>1048576</memory><vcpu>2</vcpu><cpu><numa>");
        for (int i = 0; i < 1025; i++)
                vp_buf_str(&b, "<cell memory='1'/>");
        vp_buf_str(&b, "</numa></cpu></domain>");
        is_int(parse_str(b.s, &e), -ERANGE, "1025 guest NUMA cells refused");
        is_str(e.msg, "<cpu><numa> has more than 1024 cells", "... saying so");
        free(vp_buf_take(&b));

        /* at the limit exactly: accepted */
        vp_domain *d = NULL;
        static const char at[] = "<domain><name>c</name><vcpu>2</vcpu><cpu><numa>"
                                 "<cell memory='4503599627370496' unit='KiB'/>"
                                 "<cell memory='4503599627370496' unit='KiB'/>"
                                 "</numa></cpu></domain>";
        is_int(vp_domain_parse(at, sizeof(at) - 1, &d, &e), 0, "cells adding up to 2^53 KiB");
        is_int(d ? d->memory_kib : 0, 1ULL << 53, "... are the domain's memory");
        vp_domain_free(d);

        /* <iothreads> past 1024 made the planner's per-iothread work (quadratic) run for
         * hours in the hook; 2^32 once said a different range than 2^32 - 1 */
        static const char *const io_bad[] = {"1025", "65536", "4294967295", "4294967296",
                                             "18446744073709551616"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(io_bad); i++) {
                char x[256], want[128];
                snprintf(x, sizeof(x),
                         "<domain><name>i</name><memory>1</memory><vcpu>1</vcpu>"
                         "<iothreads>%s</iothreads></domain>",
                         io_bad[i]);
                snprintf(want, sizeof(want), "<iothreads> value '%s' is out of range (0..1024)",
                         io_bad[i]);
                is_int(parse_str(x, &e), -ERANGE, "<iothreads>%s refused", io_bad[i]);
                is_str(e.msg, want, "... with the range");
        }
        static const char io_max[] = "<domain><name>i</name><memory>1</memory><vcpu>1</vcpu>"
                                     "<iothreads>1024</iothreads></domain>";
        d = NULL;
        is_int(vp_domain_parse(io_max, sizeof(io_max) - 1, &d, &e), 0, "<iothreads>1024 parses");
        is_int(d ? d->n_iothreads : 0, 1024, "... 1024 iothreads");
        vp_domain_free(d);
        /* the same bound on ids listed one by one */
        vp_buf_str(&b, "<domain><name>i</name><memory>1</memory><vcpu>1</vcpu><iothreadids>");
        for (unsigned i = 1; i <= 1025; i++)
                vp_buf_printf(&b, "<iothread id='%u'/>", i * 4000000u);
        vp_buf_str(&b, "</iothreadids></domain>");
        is_int(parse_str(b.s, &e), -ERANGE, "1025 <iothreadids> entries refused");
        is_str(e.msg, "<iothreadids> lists more than 1024 IOThreads", "... saying so");
        free(vp_buf_take(&b));
}

int main(void)
{
        test_edges();
        test_full_tunables();
        test_tabs_comments();
        test_misc_corpus();
        test_domstatus();
        test_vcpus_enabled();
        test_format();
        test_hostile();
        test_units();
        return tap_done();
}
