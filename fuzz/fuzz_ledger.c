/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON state under VMPLACE_RUNDIR that a crash or a full disk could
 * leave corrupted: ledger.json (lib/io/ledgerstore.c over
 * lib/model/ledgerjson.c and lib/model/jsontext.c) and the metrics drift state
 * (lib/ops/metrics.c). Input: the ledger, optionally followed
 * by a "\n%%\n" line and the metrics state. What loads must save, and load
 * back equal; the saved text (written by hand, not by json-c) must be
 * json-c's own printing of it, and the binary cache written with it must
 * load the same; the input is also parsed as a cache's payload; the planner's refloat and reclaim,
 * vmplace status and the Prometheus output then run on it. */
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "fileio.h"
#include "jsonfile.h"
#include "config.h"
#include "ledger.h"
#include "ledgercache.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "metrics.h"
#include "plan.h"
#include "status.h"
#include "topology.h"

static vp_topology *topo;
static vp_config *cfg;

static void setup(void)
{
        if (topo)
                return;
        fz_load_fixtures(&topo, &cfg);
        fz_mkdir("run/domains");
        fz_mkdir("copy/domains");
        fz_mkdir("conf");
        fz_mkdir("lvrun");
        fz_mkdir("proc");
}

static bool same_entry(const vp_ledger_entry *a, const vp_ledger_entry *b)
{
#define SAME_STR(f) ((!a->f && !b->f) || (a->f && b->f && !strcmp(a->f, b->f)))
        if (!SAME_STR(name) || !SAME_STR(uuid) || !SAME_STR(profile) || !SAME_STR(matched_by) ||
            !SAME_STR(state))
                return false;
#undef SAME_STR
        if (a->kind != b->kind || a->created != b->created || a->pid != b->pid ||
            a->n_mem != b->n_mem || !vp_cpumask_same(&a->held, &b->held) ||
            !vp_cpumask_same(&a->vcpu_cpus, &b->vcpu_cpus) ||
            !vp_cpumask_same(&a->emulator_cpus, &b->emulator_cpus) ||
            !vp_cpumask_same(&a->nodes, &b->nodes))
                return false;
        for (size_t i = 0; i < a->n_mem; i++)
                if (a->mem[i].node != b->mem[i].node || a->mem[i].kib != b->mem[i].kib)
                        return false;
        return true;
}

/* The ledger writer promises json-c's bytes (jsontext.h): reprinting the
 * saved file with json-c must give the file. */
static void check_text(const char *copy)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/ledger.json", copy);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (vp_read_file(path, 1 << 26, &text, &len, NULL) < 0)
                fz_fail("the saved ledger cannot be read back");
        _cleanup_json_ json_object *root = json_tokener_parse(text);
        const char *again = root ? json_object_to_json_string_ext(
                                       root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE)
                                 : "";
        if (len != strlen(again) + 1 || memcmp(text, again, len - 1) != 0 || text[len - 1] != '\n')
                fz_fail("the saved ledger is not json-c's text:\n%s\njson-c:\n%s", text, again);
}

static void same_ledger(const vp_ledger *l, const vp_ledger *back, const char *how)
{
        if (back->n != l->n || back->n_prev != l->n_prev)
                fz_fail("%s: %zu/%zu entries became %zu/%zu", how, l->n, l->n_prev, back->n,
                        back->n_prev);
        for (size_t i = 0; i < l->n; i++)
                if (!same_entry(&l->entries[i], &back->entries[i]))
                        fz_fail("%s changed entry %zu (%s)", how, i, l->entries[i].name);
        for (size_t i = 0; i < l->n_prev; i++)
                if (strcmp(l->prev[i].uuid, back->prev[i].uuid) ||
                    !vp_cpumask_same(&l->prev[i].held, &back->prev[i].held) ||
                    !vp_cpumask_same(&l->prev[i].emulator_cpus, &back->prev[i].emulator_cpus) ||
                    l->prev[i].released != back->prev[i].released)
                        fz_fail("%s changed previous %zu", how, i);
}

/* The input as a ledger cache's payload (lib/io/ledgercache.c): whatever
 * parses is a ledger the JSON loader could have given, so it saves and
 * loads back equal. */
static void cache_bytes(const uint8_t *data, size_t size, const char *copy)
{
        vp_ledger l;
        if (vp_ledger_cache_parse(data, size, &l) < 0) {
                if (l.n || l.n_prev)
                        fz_fail("a cache that failed to parse left entries");
                return;
        }
        vp_error err;
        if (!vp_ledger_normal(&l))
                fz_fail("a parsed cache is not a normal ledger");
        if (vp_ledger_save(copy, &l, &err) < 0)
                fz_fail("a parsed cache does not save: %s", err.msg);
        vp_ledger back;
        _cleanup_free_ char *cache = fz_path("copy/" VP_LEDGER_CACHE_FILE);
        unlink(cache);
        if (vp_ledger_load(copy, &back, &err) < 0)
                fz_fail("a parsed cache, saved, does not load: %s", err.msg);
        same_ledger(&l, &back, "cache -> JSON");
        vp_ledger_free(&back);
        vp_ledger_free(&l);
}

static void round_trip(const char *run, const char *copy)
{
        vp_ledger l = {0}, back = {0};
        vp_error err;
        err.msg[0] = '\0';
        if (vp_ledger_load(run, &l, &err) < 0) {
                fz_check_msg("vp_ledger_load", err.msg);
                if (l.n || l.n_prev)
                        fz_fail("a ledger that failed to load is not empty");
                return;
        }
        /* else a steady state would never get the cache */
        if (!vp_ledger_normal(&l))
                fz_fail("a loaded ledger is not normal");
        if (vp_ledger_save(copy, &l, &err) < 0)
                fz_fail("a ledger that loaded does not save: %s", err.msg);
        check_text(copy);
        _cleanup_free_ char *cache = fz_path("copy/" VP_LEDGER_CACHE_FILE);
        if (access(cache, F_OK) < 0)
                fz_fail("a normal ledger's save wrote no cache");
        /* once through the cache, once through the JSON */
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1)
                        unlink(cache);
                if (vp_ledger_load(copy, &back, &err) < 0)
                        fz_fail("a saved ledger does not load: %s", err.msg);
                same_ledger(&l, &back,
                            pass ? "round trip through the JSON" : "round trip through the cache");
                vp_ledger_free(&back);
        }

        /* what the hook does with a loaded ledger */
        vp_cpuset held;
        vp_ledger_held(&l, NULL, &held);
        for (unsigned n = 0; n < 3; n++)
                (void)vp_ledger_committed_kib(&l, n, l.n ? l.entries[0].uuid : NULL);
        (void)vp_plan_refloat(&l, &cfg->host, topo, NULL);
        _cleanup_free_ char *lv = fz_path("lvrun");
        _cleanup_free_ char *proc = fz_path("proc");
        char **names = NULL;
        /* no QEMU runs in the fake tree: entries created before 2100 go */
        size_t before = l.n;
        size_t dropped = vp_ledger_reclaim(&l, lv, proc, 4102444800, &names);
        for (size_t i = 0; i < dropped; i++)
                free(names[i]);
        free(names);
        if (dropped + l.n != before)
                fz_fail("reclaim dropped %zu of %zu entries but %zu remain", dropped, before, l.n);
        vp_ledger_free(&l);
}

static void status_and_metrics(const char *run)
{
        _cleanup_free_ char *conf = fz_path("conf");
        _cleanup_free_ char *lv = fz_path("lvrun");
        _cleanup_free_ char *proc = fz_path("proc");
        _cleanup_free_ char *cg = fz_path("cgroup");
        vp_paths p = {.confdir = conf,
                      .rundir = run,
                      .sysfs = FUZZ_DATA "/topo/2node-smt",
                      .cgroup_root = cg,
                      .proc = proc,
                      .libvirt_rundir = lv,
                      .libvirt_confdir = lv};
        vp_status st;
        vp_error err;
        if (vp_status_collect(&p, 1700000000, &st, &err) < 0) {
                fz_check_msg("vp_status_collect", err.msg);
                return;
        }
        uint64_t total = 0;
        if (vp_metrics_count_drift(run, &st, &total, &err) < 0)
                fz_check_msg("vp_metrics_count_drift", err.msg);
        free(vp_metrics_format(&st, 1700000000, &total));
        vp_status_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 20)
                return 0;
        setup();
        const uint8_t *parts[2];
        size_t lens[2];
        size_t n = fz_split(data, size, parts, lens, 2);
        fz_write("run/ledger.json", parts[0], lens[0]);
        if (n > 1)
                fz_write("run/metrics.state", parts[1], lens[1]);
        else
                fz_unlink("run/metrics.state");
        _cleanup_free_ char *run = fz_path("run");
        _cleanup_free_ char *copy = fz_path("copy");
        round_trip(run, copy);
        cache_bytes(data, size, copy);
        status_and_metrics(run);
        return 0;
}
