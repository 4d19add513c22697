/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger's binary cache (lib/io/ledgercache.c), written and read by the
 * store's save and load. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ledger.h"
#include "ledger_fixture.h"
#include "ledgercache.h"
#include "ledgerstore.h"
#include "tap.h"
#include "units.h"

/* ledger.cache (lib/io/ledgercache.h): written with every save of a normal
 * ledger, believed only for the ledger.json it was written for, and only
 * when it is intact and ours. */
static void test_cache(void)
{
        char *run = mkrun();
        vp_error err = {0};
        char *cache = vp_xasprintf("%s/ledger.cache", run);
        char *json = vp_xasprintf("%s/ledger.json", run);
        vp_ledger l = {0}, l2 = {0}, other = {0}, back = {0};
        vp_ledger_entry e = mk("a", U1, VP_KIND_DEDICATED, "2-3", NOW);
        add_mem(&e, 1, 4096);
        e.starter_pid = 4242; /* the cache keeps the starter too */
        e.isolated = true;    /* and isolation */
        e.starter_start = 99;
        vp_ledger_put(&l, &e);
        e = mk("b", U2, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        ok(vp_ledger_remove(&l, U2, NOW + 1), "a released domain in previous");
        e = mk("c", U3, VP_KIND_SHARED, "", NOW);
        vp_ledger_put(&l, &e);
        ok(vp_ledger_normal(&l), "a ledger made by put and remove is normal");
        is_int(vp_ledger_save(run, &l, &err), 0, "save: %s", err.msg);
        ok(exists(cache) && mode_of(cache) == 0600, "save writes ledger.cache, mode 0600");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&l, &back), "... gives the ledger saved");
        vp_ledger_free(&back);

        /* a cache made for the ledger.json there now is what load reads */
        e = mk("other", U1, VP_KIND_NONE, "", NOW);
        vp_ledger_put(&other, &e);
        struct stat st;
        stat(json, &st);
        is_int(vp_ledger_cache_write(cache, &st, &other), 0, "a cache of another ledger");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&other, &back), "... believes a cache whose key matches");
        vp_ledger_free(&back);

        /* ledger.json edited (its mtime and ctime move): the cache is not
         * of it any more */
        struct timespec ts[2] = {{0, UTIME_OMIT}, {12345, 0}};
        utimensat(AT_FDCWD, json, ts, 0);
        is_int(vp_ledger_load(run, &back, &err), 0, "after an edit of ledger.json");
        ok(ledger_equal(&l, &back), "... the JSON is read, not the cache");
        vp_ledger_free(&back);

        /* a writer killed between the ledger's rename and the cache's: the
         * cache left is of the file before */
        is_int(vp_ledger_save(run, &l, &err), 0, "save");
        char *old_text = NULL;
        size_t old_len = 0;
        vp_read_file(cache, 1 << 20, &old_text, &old_len, NULL);
        e = mk("d", "dddddddd-0000-4000-8000-000000000004", VP_KIND_SHARED, "", NOW);
        l2 = l;
        memset(&l, 0, sizeof(l));
        vp_ledger_put(&l2, &e);
        is_int(vp_ledger_save(run, &l2, &err), 0, "save with one more entry");
        is_int(vp_write_file_atomic(cache, old_text, old_len, 0600, NULL), 0,
               "put the cache of the ledger before back");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&l2, &back) && back.n == 3, "... a stale cache is not believed");
        vp_ledger_free(&back);

        /* damaged, group-readable, truncated, not a file: the JSON */
        stat(json, &st);
        const char *how[] = {"a byte flipped", "mode 0640", "truncated", "a directory"};
        for (int k = 0; k < 4; k++) {
                unlink(cache);
                rmdir(cache);
                vp_ledger_cache_write(cache, &st, &other);
                char *text = NULL;
                size_t len = 0;
                vp_read_file(cache, 1 << 20, &text, &len, NULL);
                if (k == 0)
                        text[len - 3] ^= 0x20;
                if (k == 2)
                        len -= 9;
                if (k != 1) {
                        unlink(cache);
                        if (k == 3)
                                mkdir(cache, 0700);
                        else
                                vp_write_file_atomic(cache, text, len, 0600, NULL);
                } else {
                        chmod(cache, 0640);
                }
                free(text);
                is_int(vp_ledger_load(run, &back, &err), 0, "%s cache: load", how[k]);
                ok(ledger_equal(&l2, &back), "... reads the JSON");
                vp_ledger_free(&back);
        }
        rmdir(cache);

        /* a cache whose entry holds more memory than a domain can have, each node within
         * int64: the JSON's load refuses that, so the cache is not believed either */
        vp_ledger big = {0};
        e = mk("big", U1, VP_KIND_NONE, "", NOW);
        add_mem(&e, 0, VP_MEMORY_MAX_KIB);
        add_mem(&e, 1, VP_MEMORY_MAX_KIB);
        vp_ledger_put(&big, &e);
        stat(json, &st);
        is_int(vp_ledger_cache_write(cache, &st, &big), 0, "a cache past a domain's memory");
        is_int(vp_ledger_load(run, &back, &err), 0, "load");
        ok(ledger_equal(&l2, &back), "... reads the JSON");
        vp_ledger_free(&back);
        vp_ledger_free(&big);
        unlink(cache);

        /* a ledger the JSON loader would give back otherwise (unsorted, an
         * upper-case uuid) gets no cache: load sorts it */
        vp_ledger_entry tmp = l2.entries[0];
        l2.entries[0] = l2.entries[2];
        l2.entries[2] = tmp;
        ok(!vp_ledger_normal(&l2), "an unsorted ledger is not normal");
        is_int(vp_ledger_save(run, &l2, &err), 0, "it saves");
        ok(!exists(cache), "... without a cache");
        l2.entries[2] = l2.entries[0];
        l2.entries[0] = tmp;
        l2.entries[1].uuid[0] = 'A';
        ok(!vp_ledger_normal(&l2), "an upper-case uuid is not normal");
        l2.entries[1].uuid[0] = 'd';
        ok(vp_ledger_normal(&l2), "... lower case again, it is");

        /* the parser alone: truncated payloads and an empty one */
        is_int(vp_ledger_save(run, &l2, &err), 0, "save");
        char *text = NULL;
        size_t len = 0;
        vp_read_file(cache, 1 << 20, &text, &len, NULL);
        const size_t head = 24 + 8 * 8; /* magic, key, checksum */
        bool all_refused = true;
        for (size_t cut = 0; cut < len - head; cut++) {
                all_refused &= vp_ledger_cache_parse(text + head, cut, &back) == -1 &&
                               back.n == 0 && back.entries == NULL;
        }
        ok(all_refused, "every truncation of the payload is refused, nothing left allocated");
        is_int(vp_ledger_cache_parse(text + head, len - head, &back), 0,
               "the whole payload parses");
        ok(ledger_equal(&l2, &back), "... to the ledger saved");
        vp_ledger_free(&back);
        free(text);
        free(old_text);
        free(cache);
        free(json);
        vp_ledger_free(&l2);
        vp_ledger_free(&other);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        test_cache();
        rm_tmpdirs();
        return tap_done();
}
