/* test_store.c: the collector's LMDB layout: revisions, latest, delivery state, growth. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "summary.h"
#include "verify.h"

static char s_dir[64];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/tiendo-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A report with the fields the store reads; six task groups at `progress`. */
typedef struct {
    Tiendo__Report report;
    Tiendo__TaskGroupProgress groups[6];
    Tiendo__TaskGroupProgress *group_ptrs[6];
    char note[600];
} s_report;

static void s_make(s_report *r, const char *unit, const char *period, double progress)
{
    tiendo__report__init(&r->report);
    r->report.unit = (char *) unit;
    r->report.period = (char *) period;
    r->report.dataset = (char *) "nq06";
    r->report.prepared_by = (char *) "test";
    memset(r->note, 'x', sizeof r->note - 1);
    r->note[sizeof r->note - 1] = '\0';
    for (int g = 0; g < 6; g++) {
        tiendo__task_group_progress__init(&r->groups[g]);
        r->groups[g].has_group = r->groups[g].has_status = r->groups[g].has_progress_percent = 1;
        r->groups[g].group = (uint32_t) g + 1;
        r->groups[g].status = progress >= 100 ? TIENDO__TASK_STATUS__TASK_COMPLETED
                              : progress > 0  ? TIENDO__TASK_STATUS__TASK_IN_PROGRESS
                                              : TIENDO__TASK_STATUS__TASK_NOT_STARTED;
        r->groups[g].progress_percent = progress;
        r->groups[g].note = r->note;
        r->group_ptrs[g] = &r->groups[g];
    }
    r->report.n_task_groups = 6;
    r->report.task_groups = r->group_ptrs;
}

static store_origin s_origin(uint64_t seq)
{
    store_origin o;
    memset(&o, 0, sizeof o);
    memset(o.agent, 0xab, sizeof o.agent);
    o.epoch = 42;
    o.seq = seq;
    o.received_at_ms = 1700000000000 + (int64_t) seq;
    return o;
}

typedef struct {
    int n;
    char units[8][8];
    uint32_t revisions[8];
    uint64_t seqs[8];
    int64_t first_received[8];
} s_seen;

static int s_collect(void *ctx, const char *unit, uint32_t revision, const store_origin *o,
                     int64_t first_received_at_ms, const uint8_t *bytes, size_t len)
{
    /* revision 1 of every report in these tests came with seq 1..4 at base + seq */
    ck_assert_int_le(first_received_at_ms, o->received_at_ms);
    s_seen *seen = ctx;
    Tiendo__Report *r = tiendo__report__unpack(NULL, len, bytes);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->unit, unit);
    tiendo__report__free_unpacked(r, NULL);
    snprintf(seen->units[seen->n], sizeof seen->units[0], "%s", unit);
    seen->revisions[seen->n] = revision;
    seen->seqs[seen->n] = o->seq;
    seen->first_received[seen->n] = first_received_at_ms;
    seen->n++;
    return 0;
}

START_TEST(revisions_supersede_and_are_counted)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_report a, b, c;
    s_make(&a, "01", "2026-Q3", 10);
    s_make(&b, "79", "2026-Q3", 50);
    s_make(&c, "01", "2026-Q3", 100);
    store_txn txn;
    uint32_t rev = 0;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    store_origin o1 = s_origin(1), o2 = s_origin(2), o3 = s_origin(3);
    ck_assert_int_eq(store_report_put(&txn, &o1, &a.report, NULL, 0, &rev), TD_OK);
    ck_assert_uint_eq(rev, 1);
    ck_assert_int_eq(store_report_put(&txn, &o2, &b.report, NULL, 0, &rev), TD_OK);
    ck_assert_uint_eq(rev, 1);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o3, &c.report, NULL, 0, &rev), TD_OK);
    ck_assert_uint_eq(rev, 2);
    ck_assert_int_eq(store_commit(&txn), TD_OK);

    /* A different period is not seen by the scan. */
    s_report d;
    s_make(&d, "01", "2026-Q2", 5);
    store_origin o4 = s_origin(4);
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o4, &d.report, NULL, 0, &rev), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);

    s_seen seen = {0};
    td_period p;
    ck_assert_int_eq(td_period_parse("2026-Q3", &p), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_latest(&txn, "nq06", &p, s_collect, &seen), TD_OK);
    store_abort(&txn);
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.units[0], "01");
    ck_assert_uint_eq(seen.revisions[0], 2);
    ck_assert_uint_eq(seen.seqs[0], 3); /* the latest revision came with seq 3 */
    ck_assert_int_eq(seen.first_received[0], 1700000000000 + 1); /* revision 1: seq 1 */
    ck_assert_str_eq(seen.units[1], "79");
    ck_assert_uint_eq(seen.revisions[1], 1);
    store_close(&store);
    ck_assert_ptr_null(store);
}
END_TEST

START_TEST(delivery_and_rejections_persist)
{
    store_t *store = NULL;
    char err[256], reason[256];
    uint8_t agent[32];
    memset(agent, 7, sizeof agent);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_txn txn;
    uint64_t hw = 99;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_get(&txn, agent, 5, &hw), TD_OK);
    ck_assert_uint_eq(hw, 0);
    ck_assert_int_eq(store_delivery_put(&txn, agent, 5, 17), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, agent, 5, 12, "unit '99' is not known"), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    store_close(&store);

    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_get(&txn, agent, 5, &hw), TD_OK);
    ck_assert_uint_eq(hw, 17);
    ck_assert_int_eq(store_delivery_get(&txn, agent, 6, &hw), TD_OK); /* another epoch */
    ck_assert_uint_eq(hw, 0);
    ck_assert_int_eq(store_rejection_get(&txn, agent, 5, 12, reason, sizeof reason), TD_OK);
    ck_assert_str_eq(reason, "unit '99' is not known");
    ck_assert_int_eq(store_rejection_get(&txn, agent, 5, 13, reason, sizeof reason),
                     TD_ERR_NOTFOUND);
    store_abort(&txn);
    store_close(&store);
}
END_TEST

/* A 64 KiB map fills at once; growing and replaying the transaction stores it all. */
START_TEST(map_full_grows_and_retries)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 64 << 10, 64 << 20, err, sizeof err), TD_OK);
    int grown = 0;
    for (int batch = 0; batch < 20; batch++) {
        for (;;) {
            store_txn txn;
            ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
            td_err rc = TD_OK;
            for (int i = 0; i < 50 && rc == TD_OK; i++) {
                char period[16];
                snprintf(period, sizeof period, "20%02d-M%02d", 10 + batch, 1 + i % 12);
                s_report r;
                char unit[8];
                snprintf(unit, sizeof unit, "%02d", i);
                s_make(&r, unit, period, 30);
                store_origin o = s_origin((uint64_t) (batch * 50 + i + 1));
                rc = store_report_put(&txn, &o, &r.report, NULL, 0, NULL);
            }
            if (rc == TD_OK)
                rc = store_commit(&txn);
            else
                store_abort(&txn);
            if (rc != TD_ERR_MAPFULL) {
                ck_assert_int_eq(rc, TD_OK);
                break;
            }
            ck_assert_int_eq(store_grow(store), TD_OK);
            grown++;
        }
    }
    ck_assert_int_gt(grown, 3);
    size_t map, used;
    store_map_use(store, &map, &used);
    ck_assert_uint_gt(map, 64 << 10);
    ck_assert_uint_le(used, map);
    store_close(&store);
}
END_TEST

START_TEST(grow_stops_at_the_maximum)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 2 << 20, err, sizeof err), TD_OK);
    ck_assert_int_eq(store_grow(store), TD_OK);
    ck_assert_int_eq(store_grow(store), TD_ERR_DISKFULL);
    store_close(&store);
}
END_TEST

/* verify must see a report stored twice and a revision out of its agent's order. */
START_TEST(verify_finds_duplicates_and_disorder)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_report a;
    s_make(&a, "01", "2026-Q3", 10);
    store_txn txn;
    store_origin o1 = s_origin(1), o2 = s_origin(2);
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o1, &a.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o2, &a.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);

    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 2);
    ck_assert_uint_eq(r.latest, 1);
    ck_assert_uint_eq(r.duplicate_origins, 0);
    ck_assert_uint_eq(r.order_violations, 0);
    ck_assert_uint_eq(r.norigins, 1);
    ck_assert_uint_eq(r.origins[0].stored, 2);
    ck_assert_uint_eq(r.origins[0].first_seq, 1);
    ck_assert_uint_eq(r.origins[0].last_seq, 2);
    verify_free(&r);

    /* seq 2 stored again as revision 3, then seq 1 as revision 4 */
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o2, &a.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o1, &a.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 4);
    ck_assert_uint_eq(r.duplicate_origins, 2);
    ck_assert_uint_eq(r.origins[0].duplicates, 2);
    ck_assert_uint_ge(r.order_violations, 2);
    verify_free(&r);
    store_close(&store);
}
END_TEST

/* check opens read-only: it creates nothing and never waits behind a writer. */
START_TEST(read_only_open_never_blocks_and_never_creates)
{
    store_t *store = NULL, *ro = NULL;
    char err[256], missing[128];
    snprintf(missing, sizeof missing, "%s/not-a-store", s_dir);
    ck_assert_int_eq(store_open_read_only(&ro, missing, err, sizeof err), TD_ERR_NOTFOUND);
    ck_assert_int_eq(access(missing, F_OK), -1); /* nothing was created */

    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_report a;
    s_make(&a, "01", "2026-Q3", 10);
    store_origin o1 = s_origin(1);
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o1, &a.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    /* Hold the write lock, as a collector stopped mid-batch would. */
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(5); /* blocking on the writer would end the child by SIGALRM */
        verify_result r;
        int ok = store_open_read_only(&ro, s_dir, err, sizeof err) == TD_OK &&
                 verify_store(ro, &r) == TD_OK && r.revisions == 1;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    store_abort(&txn);
    store_close(&store);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, revisions_supersede_and_are_counted);
    tcase_add_test(tc, delivery_and_rejections_persist);
    tcase_add_test(tc, map_full_grows_and_retries);
    tcase_add_test(tc, grow_stops_at_the_maximum);
    tcase_add_test(tc, verify_finds_duplicates_and_disorder);
    tcase_add_test(tc, read_only_open_never_blocks_and_never_creates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
