/* test_store.c: the collector's store: revisions, delivery, growth, gaps, retention, backup. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bytes.h"
#include "clock.h"
#include "i18n.h"
#include "backup.h"
#include "retention.h"
#include "store.h"
#include "summary.h"
#include "verify.h"
#include "unit_main.h"

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
    uint64_t settled = 99;
    ck_assert_int_eq(store_delivery_read(&txn, agent, 5, &hw, &settled), TD_OK);
    ck_assert_uint_eq(hw, 0);
    ck_assert_uint_eq(settled, 0);
    ck_assert_int_eq(store_delivery_write(&txn, agent, 5, 17, 0), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, agent, 7, 30, 12), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, agent, 5, 12, "unit '99' is not known", NULL),
                     TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    store_close(&store);

    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_read(&txn, agent, 5, &hw, &settled), TD_OK);
    ck_assert_uint_eq(hw, 17);
    ck_assert_uint_eq(settled, 0);
    ck_assert_int_eq(store_delivery_read(&txn, agent, 7, &hw, &settled), TD_OK);
    ck_assert_uint_eq(hw, 30);
    ck_assert_uint_eq(settled, 12);
    ck_assert_int_eq(store_delivery_read(&txn, agent, 6, &hw, &settled), TD_OK); /* another epoch */
    ck_assert_uint_eq(hw, 0);
    ck_assert_int_eq(store_rejection_get(&txn, agent, 5, 12, reason, sizeof reason, NULL), TD_OK);
    ck_assert_str_eq(reason, "unit '99' is not known");
    ck_assert_int_eq(store_rejection_get(&txn, agent, 5, 13, reason, sizeof reason, NULL),
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

/* check opens read-only: it creates nothing and never waits behind a writer; prune opens
 * only a store that is there. */
START_TEST(read_only_open_never_blocks_and_never_creates)
{
    store_t *store = NULL, *ro = NULL;
    char err[256], missing[128];
    snprintf(missing, sizeof missing, "%s/not-a-store", s_dir);
    ck_assert_int_eq(store_open_read_only(&ro, missing, err, sizeof err), TD_ERR_NOTFOUND);
    ck_assert_int_eq(access(missing, F_OK), -1); /* nothing was created */
    /* prune opens for writing, but a mistyped folder must not become an empty store */
    ck_assert_int_eq(store_open_existing(&store, missing, 1 << 20, 1 << 30, err, sizeof err),
                     TD_ERR_NOTFOUND);
    ck_assert_ptr_null(store);
    ck_assert_int_eq(access(missing, F_OK), -1);

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
    /* and a store that is there opens for writing with what it holds */
    ck_assert_int_eq(store_open_existing(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    size_t n = 0;
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_count_revisions(&txn, &n), TD_OK);
    store_abort(&txn);
    ck_assert_uint_eq(n, 1);
    store_close(&store);
}
END_TEST

/* ---- restore gaps, retention, backup, schema ---- */

#define DAY_MS  86400000LL
#define T0_MS   1700000000000LL
#define AGENT_A 0xab /* s_origin's agent; s_origin's epoch is 42 */

static store_origin s_origin_at(uint64_t seq, int64_t received_at_ms)
{
    store_origin o = s_origin(seq);
    o.received_at_ms = received_at_ms;
    return o;
}

static store_gap s_gap(uint8_t agent, uint64_t epoch, uint64_t first, uint64_t last, int64_t at)
{
    store_gap g;
    memset(&g, 0, sizeof g);
    memset(g.agent, agent, sizeof g.agent);
    g.epoch = epoch;
    g.first_seq = first;
    g.last_seq = last;
    g.recorded_at_ms = at;
    return g;
}

typedef struct {
    int n;
    store_gap gaps[8];
} s_gaps_seen;

static int s_collect_gap(void *ctx, const store_gap *gap)
{
    s_gaps_seen *seen = ctx;
    ck_assert_int_lt(seen->n, 8);
    seen->gaps[seen->n++] = *gap;
    return 0;
}

static void s_scan_gaps(store_t *store, s_gaps_seen *seen)
{
    store_txn txn;
    memset(seen, 0, sizeof *seen);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_gaps(&txn, s_collect_gap, seen), TD_OK);
    store_abort(&txn);
}

static void s_assert_gap(const store_gap *g, uint8_t agent, uint64_t epoch, uint64_t first,
                         uint64_t last, int64_t at)
{
    uint8_t expect[STORE_KEY_BYTES];
    memset(expect, agent, sizeof expect);
    ck_assert_mem_eq(g->agent, expect, sizeof expect);
    ck_assert_uint_eq(g->epoch, epoch);
    ck_assert_uint_eq(g->first_seq, first);
    ck_assert_uint_eq(g->last_seq, last);
    ck_assert_int_eq(g->recorded_at_ms, at);
}

/* Stores `progress` for unit in 2026-Q3 with origin o; returns the revision. */
static uint32_t s_put(store_t *store, const char *unit, double progress, const store_origin *o)
{
    s_report r;
    s_make(&r, unit, "2026-Q3", progress);
    store_txn txn;
    uint32_t rev = 0;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, o, &r.report, NULL, 0, &rev), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    return rev;
}

static void s_put_gap(store_t *store, const store_gap *g, td_err expect)
{
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_gap_put(&txn, g), expect);
    if (expect == TD_OK)
        ck_assert_int_eq(store_commit(&txn), TD_OK);
    else
        store_abort(&txn);
}

static void s_set_high_water(store_t *store, uint8_t agent, uint64_t epoch, uint64_t high_water)
{
    uint8_t a[STORE_KEY_BYTES];
    memset(a, agent, sizeof a);
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, a, epoch, high_water, 0), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
}

/* A restore gap is kept as recorded, survives a reopen, is recorded only once, and
 * `check` counts what it lost without calling it a fault. */
START_TEST(gaps_round_trip_once_and_verify_counts_them)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_origin o1 = s_origin(1), o2 = s_origin(2), o10 = s_origin(10);
    s_put(store, "01", 10, &o1);
    s_put(store, "79", 20, &o2);
    s_put(store, "01", 30, &o10);
    s_set_high_water(store, AGENT_A, 42, 10);

    s_gaps_seen seen;
    s_scan_gaps(store, &seen);
    ck_assert_int_eq(seen.n, 0);

    /* seqs 3..9 were acknowledged by the store this one was restored from */
    store_gap g = s_gap(AGENT_A, 42, 3, 9, T0_MS + 123);
    s_put_gap(store, &g, TD_OK);
    /* the same gap again, even with another end or time, is refused; the first stays */
    store_gap again = s_gap(AGENT_A, 42, 3, 10, T0_MS + 999);
    s_put_gap(store, &again, TD_ERR_EXISTS);
    /* an inverted or empty range is refused: it would count as 2^64 reports lost */
    store_gap inverted = s_gap(AGENT_A, 42, 50, 40, T0_MS);
    s_put_gap(store, &inverted, TD_ERR_INVALID);
    store_gap from_zero = s_gap(AGENT_A, 43, 0, 5, T0_MS);
    s_put_gap(store, &from_zero, TD_ERR_INVALID);
    /* another agent's gap over the same seqs is its own record */
    store_gap other = s_gap(0x11, 42, 3, 4, T0_MS + 456);
    s_put_gap(store, &other, TD_OK);
    s_set_high_water(store, 0x11, 42, 4);
    store_close(&store);

    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_scan_gaps(store, &seen);
    ck_assert_int_eq(seen.n, 2); /* in key order: agent 0x11 before 0xab */
    s_assert_gap(&seen.gaps[0], 0x11, 42, 3, 4, T0_MS + 456);
    s_assert_gap(&seen.gaps[1], AGENT_A, 42, 3, 9, T0_MS + 123);

    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 3);
    ck_assert_uint_eq(r.gaps, 2);
    ck_assert_uint_eq(r.reports_lost, 7 + 2);
    ck_assert_uint_eq(r.gap_conflicts, 0); /* seqs 2 and 10 border the gap, not in it */
    ck_assert_uint_eq(r.order_violations, 0);
    ck_assert_uint_eq(r.ngaps, 2);
    s_assert_gap(&r.gap_list[1], AGENT_A, 42, 3, 9, T0_MS + 123);
    ck_assert_int_eq(verify_clean(&r), 1);
    verify_free(&r);
    store_close(&store);
}
END_TEST

/* A gap that claims a seq this store holds, or a seq above the delivery mark, is wrong:
 * `check` reports it and the store no longer passes. Another epoch is not a conflict. */
START_TEST(verify_reports_gaps_in_conflict)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_origin o1 = s_origin(1), o5 = s_origin(5);
    s_put(store, "01", 10, &o1);
    s_put(store, "79", 20, &o5);
    s_set_high_water(store, AGENT_A, 42, 8);
    s_set_high_water(store, AGENT_A, 41, 8);

    /* epoch 41 stored nothing: seqs 1..6 of it are a clean gap (epoch 42's are not its) */
    store_gap clean = s_gap(AGENT_A, 41, 1, 6, T0_MS);
    s_put_gap(store, &clean, TD_OK);
    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.gaps, 1);
    ck_assert_uint_eq(r.gap_conflicts, 0);
    ck_assert_int_eq(verify_clean(&r), 1);
    verify_free(&r);

    /* seqs 3..5 of epoch 42, but seq 5 is stored */
    store_gap overlap = s_gap(AGENT_A, 42, 3, 5, T0_MS);
    s_put_gap(store, &overlap, TD_OK);
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.gaps, 2);
    ck_assert_uint_eq(r.reports_lost, 6 + 3);
    ck_assert_uint_eq(r.gap_conflicts, 1);
    ck_assert_int_eq(verify_clean(&r), 0);
    verify_free(&r);

    /* seqs 7..12 of epoch 42: nothing stored in it, but the mark is 8 */
    store_gap above = s_gap(AGENT_A, 42, 7, 12, T0_MS);
    s_put_gap(store, &above, TD_OK);
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.gaps, 3);
    ck_assert_uint_eq(r.gap_conflicts, 2);
    ck_assert_int_eq(verify_clean(&r), 0);
    verify_free(&r);
    store_close(&store);
}
END_TEST

/* One revision as a scan sees it. */
typedef struct {
    uint32_t revision;
    store_origin origin;
    char unit[8];
    char period[16];
    char prepared_by[32];
    int has_prepared_at;
    int64_t prepared_at;
    size_t ngroups;
    size_t len;
    uint64_t hash; /* FNV-1a of the stored report bytes */
    int pruned;
} s_rev;

typedef struct {
    int n;
    s_rev revs[16];
} s_revs;

static uint64_t s_hash(const uint8_t *p, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int s_collect_rev(void *ctx, const store_revision *rev)
{
    s_revs *revs = ctx;
    ck_assert_int_lt(revs->n, 16);
    s_rev *v = &revs->revs[revs->n++];
    memset(v, 0, sizeof *v);
    v->revision = rev->revision;
    v->origin = rev->origin;
    v->pruned = rev->pruned;
    v->len = rev->report_len;
    v->hash = s_hash(rev->report, rev->report_len);
    Tiendo__Report *r = tiendo__report__unpack(NULL, rev->report_len, rev->report);
    ck_assert_ptr_nonnull(r);
    snprintf(v->unit, sizeof v->unit, "%s", r->unit ? r->unit : "");
    snprintf(v->period, sizeof v->period, "%s", r->period ? r->period : "");
    snprintf(v->prepared_by, sizeof v->prepared_by, "%s", r->prepared_by ? r->prepared_by : "");
    v->has_prepared_at = r->has_prepared_at;
    v->prepared_at = r->prepared_at;
    v->ngroups = r->n_task_groups;
    tiendo__report__free_unpacked(r, NULL);
    return 0;
}

static void s_unit_revisions(store_t *store, const char *unit, s_revs *revs)
{
    td_period p;
    store_txn txn;
    memset(revs, 0, sizeof *revs);
    ck_assert_int_eq(td_period_parse("2026-Q3", &p), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_unit_revisions(&txn, "nq06", &p, unit, s_collect_rev, revs), TD_OK);
    store_abort(&txn);
}

static void s_all_revisions(store_t *store, s_revs *revs)
{
    store_txn txn;
    memset(revs, 0, sizeof *revs);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_revisions(&txn, NULL, 0, s_collect_rev, revs, NULL), TD_OK);
    store_abort(&txn);
}

/* A report prepared by `by` at `at` (Unix seconds). */
static void s_put_prepared(store_t *store, const char *unit, const char *by, int64_t at,
                           const store_origin *o)
{
    s_report r;
    s_make(&r, unit, "2026-Q3", 40);
    r.report.prepared_by = (char *) by;
    r.report.has_prepared_at = 1;
    r.report.prepared_at = at;
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, o, &r.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
}

static td_err s_prune(store_t *store, const retention_config *config, retention_stats *stats)
{
    retention_t *pass = NULL;
    td_err rc = retention_open(&pass, config);
    ck_assert_int_eq(rc, TD_OK);
    int done = 0, steps = 0;
    while (!done && rc == TD_OK && steps++ < 1000)
        rc = retention_step(store, pass, &done);
    ck_assert_int_eq(done, 1);
    *stats = *retention_get_stats(pass);
    retention_close(&pass);
    ck_assert_ptr_null(pass);
    return rc;
}

/* Revisions a scan marks pruned; `check` counts the same. */
static uint64_t s_count_pruned(store_t *store)
{
    s_revs revs;
    verify_result r;
    uint64_t pruned = 0;
    s_all_revisions(store, &revs);
    for (int i = 0; i < revs.n; i++)
        pruned += revs.revs[i].pruned != 0;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.pruned, pruned);
    verify_free(&r);
    return pruned;
}

/* Retention: with "now" fixed at T0 + 60 days and 30 days kept, a revision superseded at
 * or before T0 + 30 days loses its body but keeps who sent it, when, and who prepared it;
 * the latest revision of a report is kept whole however old. */
START_TEST(prune_cuts_old_superseded_bodies_and_keeps_the_audit)
{
    const int64_t now = T0_MS + 60 * DAY_MS, cutoff = now - 30 * DAY_MS;
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_origin o1 = s_origin_at(1, T0_MS), o2 = s_origin_at(2, T0_MS + DAY_MS),
                 o3 = s_origin_at(3, T0_MS), o4 = s_origin_at(4, cutoff),
                 o5 = s_origin_at(5, cutoff + 1), o6 = s_origin_at(6, T0_MS);
    s_put_prepared(store, "01", "clerk 01 r1", 1699990001, &o1); /* superseded T0+1d */
    s_put_prepared(store, "48", "clerk 48 r1", 1699990003, &o3); /* superseded at cutoff */
    s_put_prepared(store, "01", "clerk 01 r2", 1699990002, &o2); /* superseded cutoff+1 */
    s_put_prepared(store, "48", "clerk 48 r2", 1699990004, &o4); /* latest */
    s_put_prepared(store, "01", "clerk 01 r3", 1699990005, &o5); /* latest */
    s_put_prepared(store, "79", "clerk 79 r1", 1699990006, &o6); /* latest, old */
    s_set_high_water(store, AGENT_A, 42, 6); /* as ingest leaves it: seqs 1..6 decided */
    s_revs before, after;
    s_all_revisions(store, &before);
    ck_assert_int_eq(before.n, 6);
    store_close(&store);

    /* A dry run (as `prune --dry-run` does it, on a read-only store) counts and writes
     * nothing. */
    retention_config config = {cutoff, INT64_MIN, 1, 0};
    retention_stats st;
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    ck_assert_int_eq(s_prune(store, &config, &st), TD_OK);
    ck_assert_uint_eq(st.revisions_seen, 6);
    ck_assert_uint_eq(st.revisions_pruned, 2);
    ck_assert_uint_gt(st.body_bytes_freed, 0);
    ck_assert_uint_eq(st.transactions, 0);
    ck_assert_uint_eq(s_count_pruned(store), 0);
    s_all_revisions(store, &after);
    ck_assert_int_eq(after.n, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(after.revs[i].len, before.revs[i].len);
        ck_assert_uint_eq(after.revs[i].hash, before.revs[i].hash);
    }
    store_close(&store);
    const uint64_t dry_freed = st.body_bytes_freed;

    /* The real run, one record per transaction so it resumes across steps. */
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    config.dry_run = 0;
    config.step_records = 1;
    ck_assert_int_eq(s_prune(store, &config, &st), TD_OK);
    ck_assert_uint_eq(st.revisions_seen, 6);
    ck_assert_uint_eq(st.revisions_pruned, 2);
    ck_assert_uint_eq(st.already_pruned, 0);
    ck_assert_uint_eq(st.body_bytes_freed, dry_freed);
    ck_assert_uint_gt(st.transactions, 1);
    ck_assert_uint_eq(s_count_pruned(store), 2);

    s_all_revisions(store, &after);
    ck_assert_int_eq(after.n, 6);
    uint64_t freed = 0;
    for (int i = 0; i < 6; i++) {
        const s_rev *b = &before.revs[i], *a = &after.revs[i];
        /* every revision keeps its audit record */
        ck_assert_uint_eq(a->revision, b->revision);
        ck_assert_mem_eq(a->origin.agent, b->origin.agent, STORE_KEY_BYTES);
        ck_assert_uint_eq(a->origin.epoch, b->origin.epoch);
        ck_assert_uint_eq(a->origin.seq, b->origin.seq);
        ck_assert_int_eq(a->origin.received_at_ms, b->origin.received_at_ms);
        ck_assert_str_eq(a->unit, b->unit);
        ck_assert_str_eq(a->period, "2026-Q3");
        ck_assert_str_eq(a->prepared_by, b->prepared_by);
        ck_assert_int_eq(a->has_prepared_at, 1);
        ck_assert_int_eq(a->prepared_at, b->prepared_at);
        int cut = a->origin.seq == 1 || a->origin.seq == 3;
        if (cut) {
            ck_assert_uint_eq(a->ngroups, 0);
            ck_assert_uint_lt(a->len, b->len);
            freed += b->len - a->len;
        } else {
            ck_assert_uint_eq(a->ngroups, 6);
            ck_assert_uint_eq(a->hash, b->hash);
        }
    }
    ck_assert_uint_eq(st.body_bytes_freed, freed);

    /* unit 01 still scans oldest first, revision 1 with its audit fields only */
    s_revs unit01;
    s_unit_revisions(store, "01", &unit01);
    ck_assert_int_eq(unit01.n, 3);
    ck_assert_uint_eq(unit01.revs[0].revision, 1);
    ck_assert_uint_eq(unit01.revs[0].origin.seq, 1);
    ck_assert_int_eq(unit01.revs[0].origin.received_at_ms, T0_MS);
    ck_assert_str_eq(unit01.revs[0].prepared_by, "clerk 01 r1");
    ck_assert_int_eq(unit01.revs[0].prepared_at, 1699990001);
    ck_assert_uint_eq(unit01.revs[0].ngroups, 0);
    ck_assert_uint_eq(unit01.revs[1].ngroups, 6);
    ck_assert_uint_eq(unit01.revs[2].revision, 3);

    /* timeliness still counts the first submission of 01 */
    s_seen latest = {0};
    td_period p;
    store_txn txn;
    ck_assert_int_eq(td_period_parse("2026-Q3", &p), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_latest(&txn, "nq06", &p, s_collect, &latest), TD_OK);
    store_abort(&txn);
    ck_assert_int_eq(latest.n, 3);
    ck_assert_str_eq(latest.units[0], "01");
    ck_assert_uint_eq(latest.revisions[0], 3);
    ck_assert_int_eq(latest.first_received[0], T0_MS);

    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 6);
    ck_assert_uint_eq(r.pruned, 2);
    ck_assert_uint_eq(r.undecodable, 0);
    ck_assert_int_eq(verify_clean(&r), 1);
    verify_free(&r);

    /* a second pass finds nothing more to cut */
    config.step_records = 0;
    ck_assert_int_eq(s_prune(store, &config, &st), TD_OK);
    ck_assert_uint_eq(st.revisions_seen, 6);
    ck_assert_uint_eq(st.revisions_pruned, 0);
    ck_assert_uint_eq(st.already_pruned, 2);
    ck_assert_uint_eq(st.body_bytes_freed, 0);
    ck_assert_uint_eq(s_count_pruned(store), 2);
    s_revs again;
    s_all_revisions(store, &again);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(again.revs[i].hash, after.revs[i].hash);
    store_close(&store);
}
END_TEST

/* A rejection reason is dropped only when old enough and the agent said it settled that
 * seq; otherwise a resend would find no reason and the report would be lost. */
/* The parts of "unit '99' is not in the registry" (common/report_rules.c's format). */
static const store_reason_parts s_unit_parts = {
    .format = "unit '%s' is not in the registry", .nargs = 1, .args = {"99"}};

/* A write transaction on the store at dir, opened with LMDB itself (*env to close after
 * the commit). */
static MDB_txn *s_raw_begin(const char *dir, MDB_env **env)
{
    MDB_txn *txn = NULL;
    ck_assert_int_eq(mdb_env_create(env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(*env, 8), 0);
    ck_assert_int_eq(mdb_env_open(*env, dir, 0, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(*env, NULL, 0, &txn), 0);
    return txn;
}

/* Put a raw value under (agent a, epoch 5, seq) of the rejections db, as an older
 * collector (or a damaged store) left it. */
static void s_raw_rejection(const char *dir, uint8_t a, uint64_t seq, const void *v, size_t len)
{
    MDB_env *env = NULL;
    MDB_txn *txn = s_raw_begin(dir, &env);
    MDB_dbi rejections;
    uint8_t k[48];
    memset(k, a, 32);
    td_put_be64(k + 32, 5);
    td_put_be64(k + 40, seq);
    MDB_val key = {sizeof k, k}, val = {len, (void *) v};
    ck_assert_int_eq(mdb_dbi_open(txn, "rejections", 0, &rejections), 0);
    ck_assert_int_eq(mdb_put(txn, rejections, &key, &val, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* A kept rejection keeps its parts (docs/protocol.md, "Reasons"), so a resend is answered
 * with the same ones; a value an older collector kept (text only, with or without its
 * time) reads as text without parts, and so does one whose parts are damaged. */
START_TEST(rejection_parts_round_trip_and_old_values_read)
{
    store_t *store = NULL;
    char err[256], reason[STORE_REASON_MAX];
    uint8_t a[STORE_KEY_BYTES];
    memset(a, 7, sizeof a);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_reason_parts full = {.format = "%s %s %s %s %s %s %s %s", .nargs = TD_REASON_ARGS};
    for (int i = 0; i < TD_REASON_ARGS; i++)
        memset(full.args[i], 'a' + i, sizeof full.args[i] - 1); /* every bound at once */
    store_reason_parts some = {
        .format = "unit '%s' (%s) does not exist during %s (valid until %s; successor %s)",
        .nargs = 5,
        .args = {"06", "Bắc Kạn", "2025-Q3", "2025-06-30", ""}};
    /* a text over the bound, cut where a character ends: 127 "ạ" (3 bytes) are 381 bytes */
    char long_text[400] = "";
    for (int i = 0; i < 127; i++)
        strcat(long_text, "\xe1\xba\xa1");
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(
        store_rejection_put(&txn, a, 5, 1, "unit '06' (Bắc Kạn) does not exist", &some), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, a, 5, 2, long_text, &full), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, a, 5, 3, "no parts", NULL), TD_OK);
    store_reason_parts none = {.format = "", .nargs = 2, .args = {"x", "y"}};
    ck_assert_int_eq(store_rejection_put(&txn, a, 5, 4, "empty format", &none), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, a, 5, 9, 0), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    store_close(&store);

    /* what older collectors kept: 0 | time | text (schema 2), the bare text (schema 1);
     * and parts that do not end where they should */
    uint8_t v2[9 + 11] = {0};
    td_put_be64(v2 + 1, (uint64_t) T0_MS);
    memcpy(v2 + 9, "old reason!", 11);
    s_raw_rejection(s_dir, 7, 5, v2, sizeof v2);
    s_raw_rejection(s_dir, 7, 6, "bare reason", 11);
    uint8_t bad[9 + 14] = {0};
    memcpy(bad + 9, "text\0fmt %s\0ar", 14); /* the last argument is not NUL-ended */
    s_raw_rejection(s_dir, 7, 7, bad, sizeof bad);

    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    store_reason_parts got;
    ck_assert_int_eq(store_rejection_get(&txn, a, 5, 1, reason, sizeof reason, &got), TD_OK);
    ck_assert_str_eq(reason, "unit '06' (Bắc Kạn) does not exist");
    ck_assert_str_eq(got.format, some.format);
    ck_assert_int_eq(got.nargs, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(got.args[i], some.args[i]);
    ck_assert_int_eq(store_rejection_get(&txn, a, 5, 2, reason, sizeof reason, &got), TD_OK);
    ck_assert_uint_eq(strlen(reason), 85 * 3); /* the last whole character within 255 bytes */
    ck_assert_str_eq(got.format, full.format);
    ck_assert_int_eq(got.nargs, TD_REASON_ARGS);
    for (int i = 0; i < TD_REASON_ARGS; i++)
        ck_assert_str_eq(got.args[i], full.args[i]);
    /* the parts are optional on reading too */
    ck_assert_int_eq(store_rejection_get(&txn, a, 5, 1, reason, sizeof reason, NULL), TD_OK);
    ck_assert_str_eq(reason, "unit '06' (Bắc Kạn) does not exist");
    const struct {
        uint64_t seq;
        const char *text;
    } plain[] = {
        {3, "no parts"}, {4, "empty format"}, {5, "old reason!"}, {6, "bare reason"}, {7, "text"}};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        memset(&got, 'z', sizeof got);
        ck_assert_int_eq(store_rejection_get(&txn, a, 5, plain[i].seq, reason, sizeof reason, &got),
                         TD_OK);
        ck_assert_str_eq(reason, plain[i].text);
        ck_assert_str_eq(got.format, "");
        ck_assert_int_eq(got.nargs, 0);
    }
    /* a small buffer gets the text cut, never the parts */
    char small[8];
    ck_assert_int_eq(store_rejection_get(&txn, a, 5, 1, small, sizeof small, &got), TD_OK);
    ck_assert_str_eq(small, "unit '0");
    store_abort(&txn);
    /* `check` counts every layout alike */
    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.rejected, 7);
    ck_assert_uint_eq(r.unaccounted, 2); /* seqs 8 and 9: neither stored nor rejected */
    verify_free(&r);
    store_close(&store);
}
END_TEST

START_TEST(prune_drops_only_settled_old_rejections)
{
    store_t *store = NULL;
    char err[256], reason[64];
    uint8_t a[STORE_KEY_BYTES], b[STORE_KEY_BYTES];
    memset(a, 7, sizeof a);
    memset(b, 8, sizeof b);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, a, 5, 10, 5), TD_OK); /* below 5 settled */
    /* with parts and without: retention ages both alike */
    ck_assert_int_eq(store_rejection_put(&txn, a, 5, 3, "unit '99' is not known", &s_unit_parts),
                     TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, a, 5, 8, "period is in the future", &s_unit_parts),
                     TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, b, 1, 1, "bad progress", NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    uint64_t hw = 0, settled = 0;
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_read(&txn, a, 5, &hw, &settled), TD_OK);
    store_abort(&txn);
    ck_assert_uint_eq(hw, 10);
    ck_assert_uint_eq(settled, 5);

    /* recorded just now: not older than an hour, all kept */
    retention_config recent = {INT64_MIN, td_now_ms() - 3600000, 0, 0};
    retention_stats st;
    ck_assert_int_eq(s_prune(store, &recent, &st), TD_OK);
    ck_assert_uint_eq(st.revisions_seen, 0);
    ck_assert_uint_eq(st.rejections_seen, 3);
    ck_assert_uint_eq(st.rejections_pruned, 0);

    retention_config all = {INT64_MIN, td_now_ms() + 60000, 0, 0};
    ck_assert_int_eq(s_prune(store, &all, &st), TD_OK);
    ck_assert_uint_eq(st.rejections_seen, 3);
    ck_assert_uint_eq(st.rejections_pruned, 1);
    ck_assert_uint_eq(st.rejections_kept_unsettled, 2);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_rejection_get(&txn, a, 5, 3, reason, sizeof reason, NULL),
                     TD_ERR_NOTFOUND);
    ck_assert_int_eq(store_rejection_get(&txn, a, 5, 8, reason, sizeof reason, NULL), TD_OK);
    ck_assert_str_eq(reason, "period is in the future");
    ck_assert_int_eq(store_rejection_get(&txn, b, 1, 1, reason, sizeof reason, NULL), TD_OK);
    ck_assert_str_eq(reason, "bad progress");
    store_abort(&txn);
    store_close(&store);
}
END_TEST

/* prune's line for people, in their language and numbers; the log's, English with plain
 * digits whatever the language (the daemon runs in English anyway). */
START_TEST(prune_result_reads_in_the_readers_language)
{
    retention_stats st = {0};
    st.revisions_seen = 12345;
    st.revisions_pruned = 1007;
    st.body_bytes_freed = 4500000;
    st.rejections_seen = 3;
    st.rejections_pruned = 1;
    st.rejections_kept_unsettled = 2;
    st.transactions = 2;
    char line[512];
    td_i18n_init(TD_LANG_VI);
    retention_describe(&st, 0, 1, line, sizeof line);
    ck_assert_str_eq(line, "đã dọn: 1.007 trên 12.345 phiên bản bị dọn nội dung báo cáo (4.500.000 "
                           "byte; 0 đã dọn từ trước), 1 trên 3 lý do từ chối bị xóa (2 được giữ "
                           "lại: trạm có thể còn gửi lại), 2 giao dịch ghi");
    retention_describe(&st, 1, 1, line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, "chạy thử, không thay đổi gì: 1.007 trên 12.345"));
    td_i18n_init(TD_LANG_EN);
    retention_describe(&st, 0, 1, line, sizeof line);
    ck_assert_str_eq(line, "pruned: 1,007 of 12,345 revisions lose their report body (4,500,000 "
                           "bytes; 0 pruned before), 1 of 3 rejection reasons dropped (2 kept: the "
                           "agent may still resend them), 2 write transactions");
    retention_describe(&st, 1, 0, line, sizeof line);
    ck_assert_str_eq(line, "dry run, nothing changed: 1007 of 12345 revisions lose their report "
                           "body (4500000 bytes; 0 pruned before), 1 of 3 rejection reasons "
                           "dropped (2 kept: the agent may still resend them), 2 write "
                           "transactions");
}
END_TEST

static verify_origin s_find_origin(const verify_result *r, uint8_t agent, uint64_t epoch)
{
    uint8_t key[STORE_KEY_BYTES];
    memset(key, agent, sizeof key);
    for (size_t i = 0; i < r->norigins; i++)
        if (memcmp(r->origins[i].agent, key, sizeof key) == 0 && r->origins[i].epoch == epoch)
            return r->origins[i];
    ck_abort_msg("no origin for agent %02x epoch %llu", agent, (unsigned long long) epoch);
    return r->origins[0];
}

/* check's invariant (docs/operations.md): for every (agent, epoch), stored + rejected +
 * lost in a restore gap = high water; retention's dropped reasons show as unaccounted;
 * a revision or reason above the mark fails the check. */
START_TEST(verify_accounts_for_every_seq_up_to_the_mark)
{
    store_t *store = NULL;
    char err[256];
    uint8_t a[STORE_KEY_BYTES], c[STORE_KEY_BYTES];
    memset(a, AGENT_A, sizeof a);
    memset(c, 0x22, sizeof c);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_origin o1 = s_origin(1), o3 = s_origin(3);
    s_put(store, "01", 10, &o1);
    s_put(store, "79", 20, &o3);
    store_gap g = s_gap(AGENT_A, 42, 4, 6, T0_MS);
    s_put_gap(store, &g, TD_OK);
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, a, 42, 2, "bad progress", &s_unit_parts), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, a, 42, 7, "unit 99 is not known", NULL), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, a, 42, 7, 8), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, a, 43, 0, 0), TD_OK); /* heartbeats only */
    ck_assert_int_eq(store_rejection_put(&txn, c, 1, 1, "outside this agent's scope", NULL), TD_OK);
    ck_assert_int_eq(store_delivery_write(&txn, c, 1, 1, 0), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);

    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.norigins, 3); /* every mark, those without a revision too */
    verify_origin o = s_find_origin(&r, AGENT_A, 42);
    ck_assert_uint_eq(o.stored, 2);
    ck_assert_uint_eq(o.rejected, 2);
    ck_assert_uint_eq(o.lost, 3);
    ck_assert_uint_eq(o.high_water, 7);
    ck_assert_uint_eq(o.unaccounted, 0);
    o = s_find_origin(&r, AGENT_A, 43);
    ck_assert_uint_eq(o.stored + o.rejected + o.lost + o.high_water, 0);
    o = s_find_origin(&r, 0x22, 1);
    ck_assert_uint_eq(o.stored, 0);
    ck_assert_uint_eq(o.first_seq, 0);
    ck_assert_uint_eq(o.rejected, 1);
    ck_assert_uint_eq(o.high_water, 1);
    ck_assert_uint_eq(r.rejected, 3);
    ck_assert_uint_eq(r.unaccounted, 0);
    ck_assert_uint_eq(r.above_high_water, 0);
    ck_assert_int_eq(verify_clean(&r), 1);
    verify_free(&r);

    /* retention drops the two settled reasons of A/42: they become unaccounted, which is
     * no fault */
    retention_config all = {INT64_MIN, td_now_ms() + 60000, 0, 0};
    retention_stats st;
    ck_assert_int_eq(s_prune(store, &all, &st), TD_OK);
    ck_assert_uint_eq(st.rejections_pruned, 2);
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    o = s_find_origin(&r, AGENT_A, 42);
    ck_assert_uint_eq(o.rejected, 0);
    ck_assert_uint_eq(o.unaccounted, 2);
    ck_assert_uint_eq(r.unaccounted, 2);
    ck_assert_int_eq(verify_clean(&r), 1);
    verify_free(&r);

    /* a revision and a reason above their marks: a resend would be decided again */
    store_origin o9 = s_origin(9);
    s_put(store, "48", 30, &o9);
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_rejection_put(&txn, c, 1, 5, "bad progress", NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.above_high_water, 2);
    ck_assert_int_eq(verify_clean(&r), 0);
    verify_free(&r);
    store_close(&store);
}
END_TEST

/* Files in dir whose name holds ".partial" (a temporary copy left behind). */
static int s_partial_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, ".partial") != NULL;
    closedir(d);
    return n;
}

static off_t s_file_size(const char *dir, const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The latest entries as `summary` would read them. */
static void s_latest(store_t *store, s_seen *seen, size_t *nrevisions, size_t *nlatest)
{
    td_period p;
    store_txn txn;
    memset(seen, 0, sizeof *seen);
    ck_assert_int_eq(td_period_parse("2026-Q3", &p), TD_OK);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_latest(&txn, "nq06", &p, s_collect, seen), TD_OK);
    ck_assert_int_eq(store_count_revisions(&txn, nrevisions), TD_OK);
    ck_assert_int_eq(store_count_latest(&txn, nlatest), TD_OK);
    store_abort(&txn);
}

/* A backup taken beside a collector in the middle of a write holds what was committed,
 * opens read-only, and is never written over. */
START_TEST(backup_copies_committed_state_and_refuses_a_store)
{
    store_t *store = NULL, *copy = NULL;
    char err[256], dest[128], dest2[128];
    snprintf(dest, sizeof dest, "%s/backup", s_dir);
    snprintf(dest2, sizeof dest2, "%s/backup2", s_dir);
    char src[128];
    snprintf(src, sizeof src, "%s/state", s_dir);
    ck_assert_int_eq(store_open(&store, src, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    const char *units[] = {"01", "79", "48", "01", "79"};
    for (int i = 0; i < 5; i++) {
        store_origin o = s_origin((uint64_t) i + 1);
        s_put(store, units[i], 10.0 * i, &o);
    }
    s_set_high_water(store, AGENT_A, 42, 9);
    store_gap g = s_gap(AGENT_A, 42, 6, 9, T0_MS + 5);
    s_put_gap(store, &g, TD_OK);
    s_seen orig;
    size_t orig_revisions, orig_latest;
    s_latest(store, &orig, &orig_revisions, &orig_latest);
    ck_assert_uint_eq(orig_revisions, 5);
    ck_assert_uint_eq(orig_latest, 3);
    s_revs orig_revs;
    s_all_revisions(store, &orig_revs);

    /* The collector holds the write lock with a report not yet committed. */
    store_txn txn;
    s_report extra;
    s_make(&extra, "48", "2026-Q3", 99);
    store_origin o6 = s_origin(6);
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o6, &extra.report, NULL, 0, NULL), TD_OK);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(5); /* waiting for the writer would end the child by SIGALRM */
        store_t *ro = NULL;
        size_t written = 0;
        int ok = store_open_read_only(&ro, src, err, sizeof err) == TD_OK &&
                 backup_copy(ro, dest, &written, err, sizeof err) == TD_OK &&
                 (off_t) written == s_file_size(dest, "data.mdb");
        store_close(&ro);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    store_abort(&txn);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_int_eq(s_partial_files(dest), 0); /* renamed, not left */

    ck_assert_int_eq(store_open_read_only(&copy, dest, err, sizeof err), TD_OK);
    s_seen got;
    size_t got_revisions, got_latest;
    s_latest(copy, &got, &got_revisions, &got_latest);
    ck_assert_uint_eq(got_revisions, orig_revisions); /* not the uncommitted sixth */
    ck_assert_uint_eq(got_latest, orig_latest);
    ck_assert_int_eq(got.n, orig.n);
    for (int i = 0; i < orig.n; i++) {
        ck_assert_str_eq(got.units[i], orig.units[i]);
        ck_assert_uint_eq(got.revisions[i], orig.revisions[i]);
        ck_assert_uint_eq(got.seqs[i], orig.seqs[i]);
        ck_assert_int_eq(got.first_received[i], orig.first_received[i]);
    }
    s_revs got_revs;
    s_all_revisions(copy, &got_revs);
    ck_assert_int_eq(got_revs.n, orig_revs.n);
    for (int i = 0; i < orig_revs.n; i++)
        ck_assert_uint_eq(got_revs.revs[i].hash, orig_revs.revs[i].hash);
    s_gaps_seen gaps;
    s_scan_gaps(copy, &gaps);
    ck_assert_int_eq(gaps.n, 1);
    s_assert_gap(&gaps.gaps[0], AGENT_A, 42, 6, 9, T0_MS + 5);
    uint64_t hw = 0, settled = 0;
    ck_assert_int_eq(store_begin(copy, 1, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_read(&txn, (const uint8_t *) g.agent, 42, &hw, &settled),
                     TD_OK);
    store_abort(&txn);
    ck_assert_uint_eq(hw, 9);
    verify_result r;
    ck_assert_int_eq(verify_store(copy, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 5);
    ck_assert_uint_eq(r.gaps, 1);
    ck_assert_int_eq(verify_clean(&r), 1);
    verify_free(&r);
    ck_assert_int_ne(store_begin(copy, 0, &txn), TD_OK); /* read-only */
    store_close(&copy);

    /* A folder that holds a store is refused and left as it was. */
    off_t size = s_file_size(dest, "data.mdb");
    size_t written = 1;
    err[0] = '\0';
    ck_assert_int_eq(backup_copy(store, dest, &written, err, sizeof err), TD_ERR_EXISTS);
    ck_assert_uint_eq(written, 0);
    ck_assert_int_ne(err[0], '\0');
    ck_assert_int_eq(s_file_size(dest, "data.mdb"), size);
    ck_assert_int_eq(s_partial_files(dest), 0);
    /* so is the live store's own folder */
    ck_assert_int_eq(backup_copy(store, src, &written, err, sizeof err), TD_ERR_EXISTS);

    /* From a writable store: a compacted copy, its size reported. */
    size_t map, used;
    store_map_use(store, &map, &used);
    ck_assert_int_eq(backup_copy(store, dest2, &written, err, sizeof err), TD_OK);
    ck_assert_uint_gt(written, 0);
    ck_assert_int_eq((off_t) written, s_file_size(dest2, "data.mdb"));
    ck_assert_uint_le(written, used);
    store_close(&store);
    ck_assert_int_eq(store_open_read_only(&copy, dest2, err, sizeof err), TD_OK);
    s_latest(copy, &got, &got_revisions, &got_latest);
    ck_assert_uint_eq(got_revisions, 5);
    ck_assert_uint_eq(got_latest, 3);
    store_close(&copy);
}
END_TEST

/* restore refuses a store that a collector, check or backup has open: store_in_use must
 * see another process's open (read-only too) and nothing once it is closed. */
START_TEST(in_use_sees_another_process)
{
    store_t *store = NULL;
    char err[256], missing[128];
    snprintf(missing, sizeof missing, "%s/none", s_dir);
    ck_assert_int_eq(backup_store_in_use(missing), 0);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_close(&store);
    ck_assert_int_eq(backup_store_in_use(s_dir), 0);
    for (int read_only = 0; read_only < 2; read_only++) {
        int ready[2], release[2];
        ck_assert_int_eq(pipe(ready), 0);
        ck_assert_int_eq(pipe(release), 0);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(10);
            td_err rc = read_only ? store_open_read_only(&store, s_dir, err, sizeof err)
                                  : store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err);
            char c = rc == TD_OK ? 'y' : 'n';
            if (write(ready[1], &c, 1) != 1 || read(release[0], &c, 1) != 1)
                _exit(2);
            store_close(&store);
            _exit(rc == TD_OK ? 0 : 1);
        }
        char c = 0;
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        ck_assert_int_eq(c, 'y');
        int in_use = backup_store_in_use(s_dir);
        ck_assert_int_eq(write(release[1], &c, 1), 1);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        close(ready[0]);
        close(ready[1]);
        close(release[0]);
        close(release[1]);
        ck_assert_int_eq(in_use, 1);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 0);
        ck_assert_int_eq(backup_store_in_use(s_dir), 0);
    }
}
END_TEST

/* The schema value under "schema" in the "meta" db, read with LMDB itself (0: none). */
static uint32_t s_raw_schema(const char *dir)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi meta;
    MDB_val key = {6, (void *) "schema"}, val;
    uint32_t schema = 0;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 8), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    if (mdb_get(txn, meta, &key, &val) == 0 && val.mv_size == 4)
        schema = td_get_be32(val.mv_data);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return schema;
}

/* Make the store at dir look as a schema `schema` collector left it; with drop_gaps, as
 * schema 1 did: no "gaps" db, 8-byte delivery marks, bare rejection reasons. */
static void s_raw_rewrite(const char *dir, uint32_t schema, int drop_gaps)
{
    MDB_env *env = NULL;
    MDB_txn *txn = s_raw_begin(dir, &env);
    MDB_dbi meta, gaps, delivery, rejections;
    uint8_t v[4], k[48], hw[8];
    td_put_be32(v, schema);
    MDB_val key = {6, (void *) "schema"}, val = {4, v};
    ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    ck_assert_int_eq(mdb_put(txn, meta, &key, &val, 0), 0);
    if (drop_gaps) {
        ck_assert_int_eq(mdb_dbi_open(txn, "gaps", 0, &gaps), 0);
        ck_assert_int_eq(mdb_drop(txn, gaps, 1), 0);
        ck_assert_int_eq(mdb_dbi_open(txn, "delivery", 0, &delivery), 0);
        ck_assert_int_eq(mdb_dbi_open(txn, "rejections", 0, &rejections), 0);
        memset(k, AGENT_A, 32);
        td_put_be64(k + 32, 42);
        td_put_be64(k + 40, 7);
        td_put_be64(hw, 3);
        MDB_val dk = {40, k}, dv = {8, hw}, rk = {48, k}, rv = {12, (void *) "unit unknown"};
        ck_assert_int_eq(mdb_put(txn, delivery, &dk, &dv, 0), 0);
        ck_assert_int_eq(mdb_put(txn, rejections, &rk, &rv, 0), 0);
    }
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* A new store carries STORE_SCHEMA; a schema 1 store is read as it is by `check` and
 * upgraded when a collector opens it; an unknown schema is refused. */
START_TEST(schema_is_written_read_and_upgraded)
{
    store_t *store = NULL;
    char err[256], reason[64];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_origin o1 = s_origin(1);
    s_put(store, "01", 10, &o1);
    store_close(&store);
    ck_assert_uint_eq(s_raw_schema(s_dir), STORE_SCHEMA);

    s_raw_rewrite(s_dir, 1, 1);
    ck_assert_uint_eq(s_raw_schema(s_dir), 1);
    uint8_t a[STORE_KEY_BYTES];
    memset(a, AGENT_A, sizeof a);

    /* read-only: read as it is, nothing written */
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    s_gaps_seen gaps;
    s_scan_gaps(store, &gaps);
    ck_assert_int_eq(gaps.n, 0);
    store_txn txn;
    uint64_t hw = 0, settled = 9;
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_read(&txn, a, 42, &hw, &settled), TD_OK);
    ck_assert_uint_eq(hw, 3);
    ck_assert_uint_eq(settled, 0);
    store_reason_parts parts;
    ck_assert_int_eq(store_rejection_get(&txn, a, 42, 7, reason, sizeof reason, &parts), TD_OK);
    ck_assert_str_eq(reason, "unit unknown");
    ck_assert_str_eq(parts.format, ""); /* kept before parts were */
    store_abort(&txn);
    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 1);
    ck_assert_uint_eq(r.gaps, 0);
    verify_free(&r);
    store_close(&store);
    ck_assert_uint_eq(s_raw_schema(s_dir), 1);

    /* a collector's open upgrades it, keeping what schema 1 stored */
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    store_gap g = s_gap(AGENT_A, 42, 4, 5, T0_MS);
    s_put_gap(store, &g, TD_OK);
    s_scan_gaps(store, &gaps);
    ck_assert_int_eq(gaps.n, 1);
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_delivery_read(&txn, a, 42, &hw, &settled), TD_OK);
    ck_assert_uint_eq(hw, 3);
    ck_assert_int_eq(store_rejection_get(&txn, a, 42, 7, reason, sizeof reason, NULL), TD_OK);
    ck_assert_str_eq(reason, "unit unknown");
    store_abort(&txn);
    s_revs revs;
    s_unit_revisions(store, "01", &revs);
    ck_assert_int_eq(revs.n, 1);
    store_close(&store);
    ck_assert_uint_eq(s_raw_schema(s_dir), STORE_SCHEMA);

    /* a schema from a newer collector is refused, by check and collector alike */
    s_raw_rewrite(s_dir, STORE_SCHEMA + 1, 0);
    err[0] = '\0';
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_ERR_STORE);
    ck_assert_ptr_null(store);
    ck_assert_ptr_nonnull(strstr(err, "schema"));
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_ERR_STORE);
    ck_assert_ptr_null(store);
    ck_assert_uint_eq(s_raw_schema(s_dir), STORE_SCHEMA + 1); /* left as it was */
}
END_TEST

/* ---- the tasks table ---- */

/* A report of unit for period with the given action-plan tasks (id, deadline, status,
 * completion date), stored as the next revision at received_at_ms. */
typedef struct {
    const char *id, *deadline;
    Tiendo__TaskStatus status;
    const char *completed_on;
} s_task_spec;

static void s_put_tasks(store_t *store, const char *unit, const char *period,
                        const s_task_spec *specs, size_t n, uint64_t seq, int64_t received_at_ms)
{
    s_report r;
    s_make(&r, unit, period, 40);
    Tiendo__ActionTask tasks[4], *ptrs[4];
    ck_assert_uint_le(n, 4);
    for (size_t i = 0; i < n; i++) {
        tiendo__action_task__init(&tasks[i]);
        tasks[i].id = (char *) specs[i].id;
        tasks[i].title = (char *) "Quy hoạch phân khu";
        tasks[i].has_task_group = 1;
        tasks[i].task_group = 2;
        tasks[i].owner = (char *) "Sở Xây dựng";
        tasks[i].deadline = (char *) specs[i].deadline;
        tasks[i].has_status = 1;
        tasks[i].status = specs[i].status;
        tasks[i].completed_on = (char *) specs[i].completed_on;
        ptrs[i] = &tasks[i];
    }
    r.report.n_action_plan = n;
    r.report.action_plan = ptrs;
    store_origin o = s_origin_at(seq, received_at_ms);
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o, &r.report, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
}

/* Every task record of a scan: its key and a copy of its bytes. */
typedef struct {
    int n;
    char unit[16][16];
    char id[16][32];
    uint8_t bytes[16][1024];
    size_t len[16];
} s_tasks_seen;

static int s_collect_task(void *ctx, const store_task *t)
{
    s_tasks_seen *seen = ctx;
    ck_assert_int_lt(seen->n, 16);
    ck_assert_uint_le(t->record_len, sizeof seen->bytes[0]);
    snprintf(seen->unit[seen->n], sizeof seen->unit[0], "%s", t->unit);
    snprintf(seen->id[seen->n], sizeof seen->id[0], "%s", t->task_id);
    memcpy(seen->bytes[seen->n], t->record, t->record_len);
    seen->len[seen->n++] = t->record_len;
    return 0;
}

static void s_scan_tasks(store_t *store, const char *dataset, const char *unit, s_tasks_seen *seen)
{
    memset(seen, 0, sizeof *seen);
    store_txn txn;
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_scan_tasks(&txn, dataset, unit, s_collect_task, seen), TD_OK);
    store_abort(&txn);
}

static Tiendo__TaskInfo *s_task_record(const s_tasks_seen *seen, int i)
{
    Tiendo__TaskInfo *rec = tiendo__task_info__unpack(NULL, seen->len[i], seen->bytes[i]);
    ck_assert_ptr_nonnull(rec);
    return rec;
}

/* The reports of one office over two quarters, in the order they are received: the 2026-Q3
 * report first, then a late first report of 2026-Q2, then revision 2 of 2026-Q3 (KH-02
 * completed); and another unit's task. */
static void s_put_task_history(store_t *store)
{
    s_task_spec q3[] = {{"KH-01", "2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL},
                        {"KH-02", "2026-08-31", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL}};
    s_task_spec q2[] = {{"KH-01", "2026-06-30", TIENDO__TASK_STATUS__TASK_NOT_STARTED, NULL}};
    s_task_spec q3b[] = {
        {"KH-01", "2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL},
        {"KH-02", "2026-08-31", TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-09-10"}};
    s_task_spec other[] = {{"P-1", "2026-03-31", TIENDO__TASK_STATUS__TASK_NOT_STARTED, NULL}};
    s_put_tasks(store, "01", "2026-Q3", q3, 2, 1, T0_MS + 3000);
    s_put_tasks(store, "01", "2026-Q2", q2, 1, 2, T0_MS + 4000);
    s_put_tasks(store, "01", "2026-Q3", q3b, 2, 3, T0_MS + 5000);
    s_put_tasks(store, "79001", "2026-Q3", other, 1, 4, T0_MS + 6000);
    store_origin o = s_origin_at(5, T0_MS + 7000);
    s_put(store, "79", 10, &o); /* no action plan: no record */
}

/* One record per (dataset, unit, task id), written with each revision: the current form
 * is the newest period's (the late 2026-Q2 report does not undo 2026-Q3), and the history
 * keeps each change in the order the reports came. */
START_TEST(tasks_follow_each_task_across_revisions)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_put_task_history(store);
    s_tasks_seen seen;
    s_scan_tasks(store, "nq06", NULL, &seen);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_str_eq(seen.unit[0], "01");
    ck_assert_str_eq(seen.id[0], "KH-01");
    ck_assert_str_eq(seen.id[1], "KH-02");
    ck_assert_str_eq(seen.unit[2], "79001");
    ck_assert_str_eq(seen.id[2], "P-1");

    Tiendo__TaskInfo *kh1 = s_task_record(&seen, 0);
    ck_assert_str_eq(kh1->unit, "01");
    ck_assert_str_eq(kh1->period, "2026-Q3"); /* not the later-received 2026-Q2 */
    ck_assert_uint_eq(kh1->revision, 2);
    ck_assert_int_eq(kh1->reported_at_ms, T0_MS + 5000);
    ck_assert_int_eq(kh1->task->status, TIENDO__TASK_STATUS__TASK_IN_PROGRESS);
    /* in progress (Q3), not started (the Q2 report), in progress again (Q3 revision 2) */
    ck_assert_uint_eq(kh1->n_history, 3);
    ck_assert_str_eq(kh1->history[0]->period, "2026-Q3");
    ck_assert_int_eq(kh1->history[1]->status, TIENDO__TASK_STATUS__TASK_NOT_STARTED);
    ck_assert_str_eq(kh1->history[1]->period, "2026-Q2");
    ck_assert_int_eq(kh1->history[2]->status, TIENDO__TASK_STATUS__TASK_IN_PROGRESS);
    tiendo__task_info__free_unpacked(kh1, NULL);
    Tiendo__TaskInfo *kh2 = s_task_record(&seen, 1);
    ck_assert_int_eq(kh2->task->status, TIENDO__TASK_STATUS__TASK_COMPLETED);
    ck_assert_str_eq(kh2->task->completed_on, "2026-09-10");
    ck_assert_uint_eq(kh2->n_history, 2);
    ck_assert_str_eq(kh2->history[1]->completed_on, "2026-09-10");
    tiendo__task_info__free_unpacked(kh2, NULL);

    /* one unit's records; another dataset has none */
    s_scan_tasks(store, "nq06", "01", &seen);
    ck_assert_int_eq(seen.n, 2);
    s_scan_tasks(store, "nq06", "0", &seen);
    ck_assert_int_eq(seen.n, 0);
    s_scan_tasks(store, "other", NULL, &seen);
    ck_assert_int_eq(seen.n, 0);
    store_txn txn;
    size_t count = 0;
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_count_tasks(&txn, &count), TD_OK);
    store_abort(&txn);
    ck_assert_uint_eq(count, 3);

    /* retention cuts superseded bodies, never a task record */
    s_tasks_seen before, after;
    s_scan_tasks(store, "nq06", NULL, &before);
    retention_config config = {T0_MS + 30 * 86400000LL, INT64_MIN, 0, 0};
    retention_stats stats;
    ck_assert_int_eq(s_prune(store, &config, &stats), TD_OK);
    ck_assert_uint_eq(s_count_pruned(store), 1); /* 01 2026-Q3 revision 1 */
    s_scan_tasks(store, "nq06", NULL, &after);
    ck_assert_int_eq(after.n, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(after.len[i], before.len[i]);
        ck_assert_mem_eq(after.bytes[i], before.bytes[i], before.len[i]);
    }
    store_close(&store);
}
END_TEST

/* Make the store at dir look as a schema 2 collector left it: no "tasks" and "tasks_due"
 * dbs. With full_map, also leave no free room: the freed pages go to a "filler" db and the
 * map is cut to what the file uses, so the next write needs a bigger map. */
static size_t s_raw_drop_tasks(const char *dir, int full_map)
{
    MDB_envinfo info;
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi tasks, due, filler;
    MDB_stat st;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 16), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, 0, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "tasks", 0, &tasks), 0);
    ck_assert_int_eq(mdb_stat(txn, tasks, &st), 0);
    size_t pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    ck_assert_int_eq(mdb_drop(txn, tasks, 1), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "tasks_due", 0, &due), 0);
    ck_assert_int_eq(mdb_stat(txn, due, &st), 0);
    pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    ck_assert_int_eq(mdb_drop(txn, due, 1), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    if (full_map) {
        uint8_t big[3000];
        memset(big, 0x77, sizeof big);
        ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
        ck_assert_int_eq(mdb_dbi_open(txn, "filler", MDB_CREATE, &filler), 0);
        for (uint32_t i = 0; i < 2 * pages + 64; i++) {
            uint8_t k[4];
            td_put_be32(k, i);
            MDB_val key = {4, k}, val = {sizeof big, big};
            ck_assert_int_eq(mdb_put(txn, filler, &key, &val, 0), 0);
        }
        ck_assert_int_eq(mdb_txn_commit(txn), 0);
        ck_assert_int_eq(mdb_env_set_mapsize(env, 1), 0); /* LMDB takes the used size */
        ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
        ck_assert_int_eq(mdb_txn_commit(txn), 0);
    }
    mdb_env_info(env, &info);
    mdb_env_close(env);
    return info.me_mapsize;
}

/* A schema 2 store has no tasks table: `check` and the other readers take it as it is; a
 * collector's open builds the table from the revisions, in the order they were received,
 * so every record is the one a live schema 3 collector wrote, byte for byte. */
START_TEST(tasks_table_is_built_when_a_schema_2_store_is_upgraded)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_put_task_history(store);
    s_tasks_seen live;
    s_scan_tasks(store, "nq06", NULL, &live);
    ck_assert_int_eq(live.n, 3);
    store_close(&store);

    s_raw_drop_tasks(s_dir, 0);
    s_raw_rewrite(s_dir, 2, 0);
    ck_assert_uint_eq(s_raw_schema(s_dir), 2);
    ck_assert_int_eq(store_open_read_only(&store, s_dir, err, sizeof err), TD_OK);
    s_tasks_seen seen;
    s_scan_tasks(store, "nq06", NULL, &seen);
    ck_assert_int_eq(seen.n, 0);
    verify_result r;
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.revisions, 5);
    ck_assert_uint_eq(r.undecodable, 0);
    verify_free(&r);
    store_close(&store);
    ck_assert_uint_eq(s_raw_schema(s_dir), 2);

    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    ck_assert_uint_eq(s_raw_schema(s_dir), STORE_SCHEMA);
    ck_assert_int_eq(verify_store(store, &r), TD_OK);
    ck_assert_uint_eq(r.tasks, 3);
    ck_assert_uint_eq(r.tasks_undecodable + r.tasks_index_errors, 0);
    verify_free(&r);
    s_scan_tasks(store, "nq06", NULL, &seen);
    ck_assert_int_eq(seen.n, live.n);
    for (int i = 0; i < live.n; i++) {
        ck_assert_str_eq(seen.unit[i], live.unit[i]);
        ck_assert_str_eq(seen.id[i], live.id[i]);
        ck_assert_uint_eq(seen.len[i], live.len[i]);
        ck_assert_mem_eq(seen.bytes[i], live.bytes[i], live.len[i]);
    }
    /* and new reports go on folding into the built records */
    s_task_spec done[] = {
        {"KH-01", "2026-06-30", TIENDO__TASK_STATUS__TASK_COMPLETED, "2026-10-02"}};
    s_put_tasks(store, "01", "2026-Q4", done, 1, 6, T0_MS + 8000);
    s_scan_tasks(store, "nq06", "01", &seen);
    Tiendo__TaskInfo *kh1 = s_task_record(&seen, 0);
    ck_assert_str_eq(kh1->period, "2026-Q4");
    ck_assert_uint_eq(kh1->n_history, 4);
    tiendo__task_info__free_unpacked(kh1, NULL);
    store_close(&store);

    /* a schema 1 store (no gaps, no tasks) goes to 3 in one open too */
    s_raw_drop_tasks(s_dir, 0);
    s_raw_rewrite(s_dir, 1, 1);
    ck_assert_int_eq(store_open(&store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_scan_tasks(store, "nq06", NULL, &seen);
    ck_assert_int_eq(seen.n, 3);
    store_close(&store);
    ck_assert_uint_eq(s_raw_schema(s_dir), STORE_SCHEMA);
}
END_TEST

/* An upgrade that does not fit the map grows it and starts again. */
START_TEST(tasks_rebuild_grows_a_full_map)
{
    store_t *store = NULL;
    char err[256];
    ck_assert_int_eq(store_open(&store, s_dir, 64 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_task_spec many[4] = {{"A", "2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL},
                           {"B", "2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL},
                           {"C", "2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL},
                           {"D", "2026-06-30", TIENDO__TASK_STATUS__TASK_IN_PROGRESS, NULL}};
    char unit[8];
    for (int i = 0; i < 100; i++) {
        snprintf(unit, sizeof unit, "U%03d", i);
        s_put_tasks(store, unit, "2026-Q3", many, 4, (uint64_t) i + 1, T0_MS + i);
    }
    store_close(&store);
    size_t full = s_raw_drop_tasks(s_dir, 1);
    s_raw_rewrite(s_dir, 2, 0);
    ck_assert_int_eq(store_open(&store, s_dir, 4096, 1 << 30, err, sizeof err), TD_OK);
    size_t map = 0, used = 0;
    store_map_use(store, &map, &used);
    ck_assert_uint_gt(map, full); /* grown during the upgrade */
    store_txn txn;
    size_t count = 0;
    ck_assert_int_eq(store_begin(store, 1, &txn), TD_OK);
    ck_assert_int_eq(store_count_tasks(&txn, &count), TD_OK);
    store_abort(&txn);
    ck_assert_uint_eq(count, 400);
    store_close(&store);
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
    tcase_add_test(tc, gaps_round_trip_once_and_verify_counts_them);
    tcase_add_test(tc, verify_reports_gaps_in_conflict);
    tcase_add_test(tc, prune_cuts_old_superseded_bodies_and_keeps_the_audit);
    tcase_add_test(tc, prune_drops_only_settled_old_rejections);
    tcase_add_test(tc, verify_accounts_for_every_seq_up_to_the_mark);
    tcase_add_test(tc, backup_copies_committed_state_and_refuses_a_store);
    tcase_add_test(tc, in_use_sees_another_process);
    tcase_add_test(tc, schema_is_written_read_and_upgraded);
    tcase_add_test(tc, rejection_parts_round_trip_and_old_values_read);
    tcase_add_test(tc, prune_result_reads_in_the_readers_language);
    tcase_add_test(tc, tasks_follow_each_task_across_revisions);
    tcase_add_test(tc, tasks_table_is_built_when_a_schema_2_store_is_upgraded);
    tcase_add_test(tc, tasks_rebuild_grows_a_full_map);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
