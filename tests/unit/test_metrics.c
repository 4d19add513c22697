/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `status --prometheus`: label escaping, the exposition text for hand-made
 * status rows (parsed back line by line), and the drift counter's
 * transitions and persistence in a scratch RUNDIR. (UTF-8 checking is
 * util.c's: test_util.c.) */
#include <errno.h>
#include <sys/stat.h>

#include "metrics.h"
#include "tap.h"
#include "tree.h"

static void test_escape(void)
{
        struct {
                const char *in, *out;
        } cases[] = {
            {"plain-name_1.2", "plain-name_1.2"},
            {"", ""},
            {"a\"b", "a\\\"b"},
            {"a\\b", "a\\\\b"},
            {"a\nb", "a\\nb"},
            {"\\n", "\\\\n"}, /* a backslash then n is not a newline */
            {"\"\\\"", "\\\"\\\\\\\""},
            {"tab\there", "tab\there"}, /* the format escapes only those three */
            {"\xE6\x95\xB0", "\xE6\x95\xB0"},
            {"a\xFF"
             "b",
             "a\xEF\xBF\xBD"
             "b"},
            {"\xC3", "\xEF\xBF\xBD"},
            {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        };
        for (size_t i = 0; i < VP_ARRAY_SIZE(cases); i++) {
                is_str_free(vp_prom_escape(cases[i].in), cases[i].out, "escape case %zu", i);
        }
}

/* Rows as vp_status_collect makes them, owning their strings. */
static vp_status_row row(const char *name, const char *uuid, const char *profile, const char *state,
                         bool placed)
{
        vp_status_row r = {0};
        r.e.name = vp_xstrdup(name);
        r.e.uuid = uuid ? vp_xstrdup(uuid) : NULL;
        r.e.profile = profile ? vp_xstrdup(profile) : NULL;
        r.e.matched_by = profile ? vp_xasprintf("name:%s*", name) : NULL;
        r.placed = placed;
        r.state = state;
        return r;
}

static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);
        for (const char *p = text; (p = strstr(p, line)); p++)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

static size_t count_prefix(const char *text, const char *prefix)
{
        size_t n = 0;
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                n += strncmp(p, prefix, strlen(prefix)) == 0;
        return n;
}

static const char *U1 = "11111111-2222-3333-4444-555555555555";
static const char *U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

static void test_format(void)
{
        vp_status s = {0};
        s.rows = vp_xcalloc(3, sizeof(*s.rows));
        s.n = 3;
        s.config_valid = true;
        s.rows[0] = row("db-1", U1, "database", "drift", true);
        s.rows[0].e.kind = VP_KIND_DEDICATED;
        vp_cpuset set;
        vp_cpuset_parse(&set, "2-3", VP_MAX_CPUS, NULL);
        vp_cpumask_set(&s.rows[0].e.vcpu_cpus, &set);
        vp_cpumask_set(&s.rows[0].e.held, &set);
        vp_cpuset_parse(&set, "0-1,4", VP_MAX_CPUS, NULL);
        vp_cpumask_set(&s.rows[0].e.emulator_cpus, &set);
        s.rows[0].e.mem = vp_xcalloc(4, sizeof(vp_ledger_mem));
        s.rows[0].e.n_mem = 4;
        s.rows[0].e.mem[0] = (vp_ledger_mem){0, 1048576};
        s.rows[0].e.mem[1] = (vp_ledger_mem){1, 524288};
        /* the ledger's largest KiB figures: bytes that still fit in 64 bits, and ones that
         * do not (they wrapped to 18446744073709549568) */
        s.rows[0].e.mem[2] = (vp_ledger_mem){2, UINT64_MAX / 1024};
        s.rows[0].e.mem[3] = (vp_ledger_mem){3, (uint64_t)INT64_MAX - 1};
        vp_drifts_add(&s.rows[0].drift, "vcpu0/cpu.cfs_quota_us", "60000", "30000");
        vp_drifts_add(&s.rows[0].drift, "vcpu1/cpu.cfs_quota_us", "60000", "30000");
        s.rows[1] = row("we\"b\\1", NULL, "web", "unplaced", false);
        s.rows[2] = row("x", U2, NULL, "stale", true);
        s.rows[2].error = vp_xstrdup("gone");

        uint64_t total = 7;
        char *t = vp_metrics_format(&s, 1700000000, &total);
        ok(has_line(t, "vmplace_domain_info{domain=\"db-1\",uuid=\""
                       "11111111-2222-3333-4444-"
                       "555555555555\",profile=\"database\",matched_by=\"name:db-1*\","
                       "kind=\"dedicated\",state=\"drift\"} 1"),
           "info line with every label");
        ok(has_line(t, "vmplace_domain_info{domain=\"we\\\"b\\\\1\",uuid=\"\",profile=\"web\","
                       "matched_by=\"name:we\\\"b\\\\1*\",kind=\"\",state=\"unplaced\"} 1"),
           "unplaced: name escaped, no uuid or kind");
        ok(has_line(t, "vmplace_domain_info{domain=\"x\",uuid=\""
                       "aaaaaaaa-bbbb-cccc-dddd-"
                       "eeeeeeeeeeee\",profile=\"\",matched_by=\"\",kind=\"none\","
                       "state=\"stale\"} 1"),
           "stale entry without profile");
        ok(has_line(t, "vmplace_domain_state{domain=\"db-1\",state=\"drift\"} 1") &&
               has_line(t, "vmplace_domain_state{domain=\"db-1\",state=\"enforced\"} 0"),
           "state one-hot: drift 1, enforced 0");
        is_int(count_prefix(t, "vmplace_domain_state{"), 15, "five state samples per domain");
        is_int(count_prefix(t, "vmplace_domain_state{domain=\"x\",state=\"stale\"} 1"), 1,
               "x is stale");
        ok(has_line(t, "vmplace_domain_vcpu_cpus{domain=\"db-1\"} 2"), "vcpu_cpus 2");
        ok(has_line(t, "vmplace_domain_held_cpus{domain=\"db-1\"} 2"), "held_cpus 2");
        ok(has_line(t, "vmplace_domain_emulator_cpus{domain=\"db-1\"} 3"), "emulator_cpus 3");
        is_int(count_prefix(t, "vmplace_domain_vcpu_cpus{domain=\"we"), 0,
               "no CPU gauges for an unplaced domain");
        ok(has_line(t, "vmplace_domain_drift_files{domain=\"db-1\"} 2"), "drift_files 2");
        ok(has_line(t, "vmplace_domain_drift_files{domain=\"we\\\"b\\\\1\"} 0"),
           "unplaced: drift_files 0");
        ok(has_line(t, "vmplace_domain_check_failed{domain=\"x\"} 1") &&
               has_line(t, "vmplace_domain_check_failed{domain=\"db-1\"} 0"),
           "check_failed follows the row's error");
        ok(has_line(t, "vmplace_domain_memory_bytes{domain=\"db-1\",node=\"0\"} 1073741824") &&
               has_line(t, "vmplace_domain_memory_bytes{domain=\"db-1\",node=\"1\"} 536870912"),
           "memory bytes per node");
        ok(has_line(t, "vmplace_domain_memory_bytes{domain=\"db-1\",node=\"2\"} "
                       "18446744073709550592"),
           "memory bytes at 2^64 - 1024: exact");
        ok(has_line(t, "vmplace_domain_memory_bytes{domain=\"db-1\",node=\"3\"} "
                       "9.4447329657392904e+21"),
           "INT64_MAX - 1 KiB: the bytes as a float, not wrapped");
        ok(has_line(t, "# TYPE vmplace_drift_detections_total counter") &&
               has_line(t, "vmplace_drift_detections_total 7"),
           "the counter, typed counter");
        ok(has_line(t, "vmplace_config_valid 1"), "config_valid");
        ok(has_line(t, "vmplace_last_run_timestamp_seconds 1700000000"), "timestamp");
        /* each family's samples follow its own TYPE line, once */
        bool grouped = true;
        const char *fams[] = {"vmplace_domain_info",          "vmplace_domain_state",
                              "vmplace_domain_vcpu_cpus",     "vmplace_domain_held_cpus",
                              "vmplace_domain_emulator_cpus", "vmplace_domain_drift_files",
                              "vmplace_domain_check_failed",  "vmplace_domain_memory_bytes"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(fams); i++) {
                char *type = vp_xasprintf("# TYPE %s gauge", fams[i]);
                grouped &= count_prefix(t, type) == 1;
                free(type);
        }
        ok(grouped, "one TYPE line per family");
        ok(t[strlen(t) - 1] == '\n', "ends in a newline");
        free(t);

        s.config_valid = false;
        t = vp_metrics_format(&s, 5, NULL);
        is_int(count_prefix(t, "vmplace_drift_detections_total"), 0,
               "no counter when it could not be kept");
        ok(has_line(t, "vmplace_config_valid 0"), "config_valid 0");
        free(t);
        vp_status_free(&s);

        vp_status empty = {0};
        t = vp_metrics_format(&empty, 5, NULL);
        is_int(count_prefix(t, "vmplace_domain_info{"), 0, "no domains: no samples");
        ok(has_line(t, "vmplace_last_run_timestamp_seconds 5"), "but the timestamp");
        free(t);
}

static void test_counter(void)
{
        char *root = tree_new("metrics");
        char *run = vp_xasprintf("%s/run", root);
        char *state = vp_xasprintf("%s/metrics.state", run);
        vp_error err = {0};
        vp_status s = {0};
        s.rows = vp_xcalloc(2, sizeof(*s.rows));
        s.n = 2;
        s.rows[0] = row("a", U1, "p", "enforced", true);
        s.rows[1] = row("b", U2, "p", "enforced", true);
        uint64_t total = 99;

        is_int(vp_metrics_count_drift(run, &s, &total, &err), 0, "count: no file yet");
        is_int(total, 0, "starts at 0");
        struct stat st;
        ok(stat(state, &st) == 0 && (st.st_mode & 0777) == 0600, "metrics.state written 0600");

        s.rows[0].state = "drift";
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 1, "a goes into drift: 1");
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 1, "a still drifting: still 1");
        s.rows[1].state = "drift";
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 2, "b too: 2");
        s.rows[0].state = "enforced";
        s.rows[0].error = vp_xstrdup("cannot read");
        s.rows[1].error = vp_xstrdup("cannot read");
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 2, "unreadable rows: no change");
        free(s.rows[0].error);
        s.rows[0].error = NULL;
        s.rows[0].state = "drift";
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 2, "a read back as drift again after an unreadable run: not a new one");
        s.rows[0].state = "enforced";
        free(s.rows[1].error);
        s.rows[1].error = NULL;
        s.rows[1].state = "enforced";
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 2, "repaired: counter unchanged");
        s.rows[0].state = "drift";
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 3, "a drifts again after being clean: 3");

        FILE *f = fopen(state, "w");
        fputs("{\"version\": 1, \"drift_detections_total\": \"x\", \"drifting\": []}", f);
        fclose(f);
        total = 42;
        is_int(vp_metrics_count_drift(run, &s, &total, &err), -EBADMSG, "bad counter refused");
        like(err.msg, "metrics.state: drift_detections_total", "naming the file and key");
        is_int(total, 42, "total untouched on error");
        f = fopen(state, "w");
        fputs("{\"version\": 1, \"drift_detections_total\": 5, \"drifting\": [3]}", f);
        fclose(f);
        is_int(vp_metrics_count_drift(run, &s, &total, &err), -EBADMSG, "bad drifting refused");
        like(err.msg, "drifting[0] is not a string", "naming the element");
        f = fopen(state, "w");
        fputs("{\"version\": 2}", f);
        fclose(f);
        is_int(vp_metrics_count_drift(run, &s, &total, &err), -EBADMSG, "version 2 refused");
        f = fopen(state, "w");
        fputs("{\"version\": 1, \"drift_detections_total\": 5, \"drifting\": [\""
              "11111111-2222-3333-4444-555555555555\"], \"future\": 1}",
              f);
        fclose(f);
        is_int(vp_metrics_count_drift(run, &s, &total, &err), 0, "unknown keys ignored");
        is_int(total, 5, "a was recorded drifting: 5 stays");
        remove(state);
        vp_metrics_count_drift(run, &s, &total, &err);
        is_int(total, 1, "file removed: the count starts over");

        vp_status_free(&s);
        tree_rm(root);
        free(run);
        free(state);
}

int main(void)
{
        test_escape();
        test_format();
        test_counter();
        return tap_done();
}
