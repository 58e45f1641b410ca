/* test_counting.c: the collector's answers by the counting rules of docs/data.md: figures
 * with communes (each person once, the check beside the own figure, partial coverage), the
 * merger rule in status (2025 reported through a part, 2025-Q2 on the old map), action-plan
 * tasks (filters, order, overdue counts). Every
 * expected value is worked out by hand here from the values the test stores. */
#include <check.h>
#include <lmdb.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "registry.h"
#include "store.h"
#include "summary.h"
#include "tasks_view.h"
#include "verify.h"
#include "views.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"
#define COMMUNES TIENDO_SOURCE_DIR "/tests/data/communes.csv"

/* Unix ms of a few days (date -u -d DAY +%s): 2025's deadline is 2025-12-25. */
#define MS_2025_12_20 INT64_C(1766188800000)
#define MS_2026_01_05 INT64_C(1767571200000)
#define MS_2025_06_20 INT64_C(1750377600000)
#define MS_2026_09_20 INT64_C(1789862400000)

static char s_dir[64];  /* the store */
static char s_data[64]; /* data/ with the commune layer */
static td_registry_t *s_reg;
static td_calendar_t *s_cal;
static store_t *s_store;
static uint64_t s_seq;

static void s_setup(void)
{
    char cmd[1024], err[512];
    snprintf(s_data, sizeof s_data, "/tmp/tiendo-counting-data-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_data));
    snprintf(cmd, sizeof cmd, "cp %s/*.csv %s/ && grep -v '^#' %s >> %s/units.csv", DATA_DIR,
             s_data, COMMUNES, s_data);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_msg(td_registry_open(&s_reg, s_data, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_msg(td_calendar_open(&s_cal, s_data, err, sizeof err) == TD_OK, "%s", err);
    snprintf(s_dir, sizeof s_dir, "/tmp/tiendo-counting-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    ck_assert_int_eq(store_open(&s_store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
    s_seq = 0;
}

static void s_teardown(void)
{
    store_close(&s_store);
    td_calendar_close(&s_cal);
    td_registry_close(&s_reg);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", s_dir, s_data);
    ck_assert_int_eq(system(cmd), 0);
}

/* Store a report of unit for period with T01's two elements (a negative value leaves
 * it empty) and n action-plan tasks, received at received_ms, from agent 0xab epoch 1. */
static void s_put_with(const char *unit, const char *period, double urban, double total,
                       int64_t received_ms, Tiendo__ActionTask *tasks, size_t n)
{
    Tiendo__Report r = TIENDO__REPORT__INIT;
    Tiendo__TaskGroupProgress groups[6], *gp[6];
    Tiendo__DataValue values[2], *vp[2];
    r.unit = (char *) unit;
    r.period = (char *) period;
    r.dataset = (char *) "nq06";
    for (int g = 0; g < 6; g++) {
        tiendo__task_group_progress__init(&groups[g]);
        groups[g].has_group = groups[g].has_status = groups[g].has_progress_percent = 1;
        groups[g].group = (uint32_t) g + 1;
        groups[g].status = TIENDO__TASK_STATUS__TASK_IN_PROGRESS;
        groups[g].progress_percent = 50;
        gp[g] = &groups[g];
    }
    r.n_task_groups = 6;
    r.task_groups = gp;
    const char *names[2] = {"urban_population", "total_population"};
    double v[2] = {urban, total};
    for (int i = 0; i < 2; i++) {
        tiendo__data_value__init(&values[i]);
        values[i].element = (char *) names[i];
        values[i].has_value = v[i] >= 0;
        values[i].value = v[i];
        vp[i] = &values[i];
    }
    r.n_values = 2;
    r.values = vp;
    Tiendo__ActionTask *tp[8];
    for (size_t i = 0; i < n && i < 8; i++)
        tp[i] = &tasks[i];
    r.n_action_plan = n;
    r.action_plan = tp;
    store_origin o;
    memset(&o, 0, sizeof o);
    memset(o.agent, 0xab, sizeof o.agent);
    o.epoch = 1;
    o.seq = ++s_seq;
    o.received_at_ms = received_ms;
    store_txn txn;
    ck_assert_int_eq(store_begin(s_store, 0, &txn), TD_OK);
    ck_assert_int_eq(store_report_put(&txn, &o, &r, NULL, 0, NULL), TD_OK);
    ck_assert_int_eq(store_commit(&txn), TD_OK);
}

static void s_put(const char *unit, const char *period, double urban, double total,
                  int64_t received_ms)
{
    s_put_with(unit, period, urban, total, received_ms, NULL, 0);
}

static Tiendo__StatusSummary *s_status(const char *period)
{
    Tiendo__StatusSummary *sum = NULL;
    char reason[512] = "";
    td_err rc =
        summary_status(s_store, s_reg, s_cal, NULL, "nq06", period, &sum, reason, sizeof reason);
    ck_assert_msg(rc == TD_OK, "status %s: %s", period, reason);
    return sum;
}

static const Tiendo__IndicatorValue *s_t01(Tiendo__IndicatorValue **values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(values[i]->id, "T01") == 0)
            return values[i];
    ck_abort_msg("no T01");
    return NULL;
}

static const Tiendo__IndicatorScope *s_scope(const Tiendo__IndicatorTable *t, const char *code)
{
    for (size_t i = 0; i < t->n_scopes; i++)
        if (strcmp(t->scopes[i]->scope, code) == 0)
            return t->scopes[i];
    ck_abort_msg("no scope %s", code);
    return NULL;
}

static const Tiendo__UnitReport *s_reported(const Tiendo__StatusSummary *sum, const char *unit)
{
    for (size_t i = 0; i < sum->n_reported; i++)
        if (strcmp(sum->reported[i]->unit, unit) == 0)
            return sum->reported[i];
    return NULL;
}

static int s_missing(const Tiendo__StatusSummary *sum, const char *unit)
{
    for (size_t i = 0; i < sum->n_missing; i++)
        if (strcmp(sum->missing[i], unit) == 0)
            return 1;
    return 0;
}

/* Hà Nội and 5 of its 6 communes report; Hồ Chí Minh City gives no figure of its own and 3
 * of its 4 wards give both elements (79004 no total). */
START_TEST(figures_count_each_person_once)
{
    s_put("01", "2026-Q3", 5000000, 8500000, MS_2026_09_20);
    const char *hn[] = {"01001", "01002", "01003", "01004", "01005"};
    double hn_u[] = {100000, 200000, 300000, 50000, 60000};
    double hn_t[] = {100000, 210000, 320000, 150000, 170000};
    for (int i = 0; i < 5; i++)
        s_put(hn[i], "2026-Q3", hn_u[i], hn_t[i], MS_2026_09_20);
    s_put("79001", "2026-Q3", 400000, 400000, MS_2026_09_20);
    s_put("79002", "2026-Q3", 300000, 310000, MS_2026_09_20);
    s_put("79003", "2026-Q3", 200000, 260000, MS_2026_09_20);
    s_put("79004", "2026-Q3", 150000, -1, MS_2026_09_20);

    /* the nation: Hà Nội's own figure (not its communes') + the city's three wards */
    Tiendo__StatusSummary *sum = s_status("2026-Q3");
    const Tiendo__IndicatorValue *n = s_t01(sum->indicators, sum->n_indicators);
    ck_assert_str_eq(n->source, "parts");
    ck_assert_double_eq(n->numerator, 5000000 + 400000 + 300000 + 200000);
    ck_assert_double_eq(n->denominator, 8500000 + 400000 + 310000 + 260000);
    ck_assert_double_eq_tol(n->value, 5900000 * 100.0 / 9470000, 1e-9);
    ck_assert_uint_eq(n->units_covered, 2);
    ck_assert_uint_eq(n->units_expected, 34);
    ck_assert(n->partial);
    ck_assert_uint_eq(n->units_counted, 4); /* 01, 79001, 79002, 79003 */
    ck_assert(!n->has_check_value && !n->has_check_numerator);
    /* only the expected units are reported or missing: communes are not listed */
    ck_assert_uint_eq(sum->units_reported, 1);
    ck_assert_uint_eq(sum->n_reported, 1);
    ck_assert_str_eq(sum->reported[0]->unit, "01");
    ck_assert(s_missing(sum, "79"));
    summary_free((ProtobufCMessage **) &sum);

    Tiendo__IndicatorTable *t = NULL;
    char reason[512] = "";
    ck_assert_int_eq(
        views_indicators(s_store, s_reg, "nq06", "2026-Q3", "province", &t, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(t->n_scopes, 35); /* the nation and today's 34 */
    ck_assert_str_eq(t->scopes[0]->scope, "VN");
    ck_assert_uint_eq(t->scopes[0]->reports, 10);
    const Tiendo__IndicatorScope *s01 = s_scope(t, "01");
    ck_assert_uint_eq(s01->reports, 6);
    const Tiendo__IndicatorValue *f = s_t01(s01->values, s01->n_values);
    ck_assert_str_eq(f->source, "own");
    ck_assert_double_eq(f->numerator, 5000000);
    ck_assert_double_eq(f->denominator, 8500000);
    ck_assert(!f->partial);
    ck_assert_uint_eq(f->units_covered, 1);
    ck_assert_uint_eq(f->units_expected, 1);
    /* the communes' sum beside it: 710,000 of 950,000, 5 of 6 communes */
    ck_assert(f->has_check_value);
    ck_assert_double_eq(f->check_numerator, 100000 + 200000 + 300000 + 50000 + 60000);
    ck_assert_double_eq(f->check_denominator, 100000 + 210000 + 320000 + 150000 + 170000);
    ck_assert_double_eq_tol(f->check_value, 710000 * 100.0 / 950000, 1e-9);
    ck_assert_uint_eq(f->check_covered, 5);
    ck_assert_uint_eq(f->check_expected, 6);
    const Tiendo__IndicatorScope *s79 = s_scope(t, "79");
    ck_assert_uint_eq(s79->reports, 4);
    f = s_t01(s79->values, s79->n_values);
    ck_assert_str_eq(f->source, "parts");
    ck_assert_double_eq(f->numerator, 900000);
    ck_assert_double_eq(f->denominator, 970000);
    ck_assert_double_eq_tol(f->value, 900000 * 100.0 / 970000, 1e-9);
    ck_assert_uint_eq(f->units_covered, 3);
    ck_assert_uint_eq(f->units_expected, 4);
    ck_assert(f->partial);
    ck_assert_uint_eq(f->units_counted, 3);
    ck_assert(!f->has_check_numerator);
    /* a province nobody reported for: no data, never 0 */
    f = s_t01(s_scope(t, "48")->values, s_scope(t, "48")->n_values);
    ck_assert_ptr_null(f->source);
    ck_assert(!f->has_value && !f->has_numerator && !f->has_denominator);
    ck_assert_str_eq(f->target_2025, "no_data");
    summary_free((ProtobufCMessage **) &t);
}
END_TEST

/* 2025 spans the merger: with only Bình Dương (74) reporting, Hồ Chí Minh City (79) is
 * reported through it (1 of its 2 merged provinces: partial) and timed by 74's receipt;
 * when the city reports too it counts once, by its own report and its own receipt. */
START_TEST(status_counts_a_merged_unit_once)
{
    s_put("74", "2025", 2000000, 2800000, MS_2025_12_20); /* before 2025-12-25 */
    Tiendo__StatusSummary *sum = s_status("2025");
    ck_assert_uint_eq(sum->units_expected, 34);
    ck_assert_uint_eq(sum->units_reported, 1);
    ck_assert_uint_eq(sum->units_partial, 1);
    ck_assert_uint_eq(sum->n_missing, 33);
    ck_assert(!s_missing(sum, "79"));
    const Tiendo__UnitReport *hcm = s_reported(sum, "79");
    ck_assert_ptr_nonnull(hcm);
    ck_assert_uint_eq(hcm->n_reported_by_parts, 1);
    ck_assert_str_eq(hcm->reported_by_parts[0], "74");
    ck_assert(hcm->has_partial && hcm->partial);
    ck_assert(!hcm->has_revision); /* no report of its own */
    ck_assert_int_eq(hcm->first_received_at_ms, MS_2025_12_20);
    ck_assert_str_eq(hcm->status, "on_time");
    ck_assert_uint_eq(sum->units_on_time, 1);
    ck_assert_ptr_null(s_reported(sum, "74")); /* a part is not an expected unit */
    const Tiendo__IndicatorValue *n = s_t01(sum->indicators, sum->n_indicators);
    ck_assert_double_eq(n->numerator, 2000000);
    ck_assert_double_eq(n->denominator, 2800000);
    ck_assert_uint_eq(n->units_covered, 1);
    ck_assert(n->partial);
    summary_free((ProtobufCMessage **) &sum);

    s_put("79", "2025", 9000000, 14000000, MS_2026_01_05); /* after the deadline */
    sum = s_status("2025");
    ck_assert_uint_eq(sum->units_reported, 1);
    ck_assert_uint_eq(sum->units_partial, 0);
    hcm = s_reported(sum, "79");
    ck_assert_ptr_nonnull(hcm);
    ck_assert(hcm->has_partial && !hcm->partial);
    ck_assert(hcm->has_revision);
    ck_assert_uint_eq(hcm->revision, 1);
    ck_assert_uint_eq(hcm->n_reported_by_parts, 1); /* 74 still reported for it */
    ck_assert_int_eq(hcm->first_received_at_ms, MS_2026_01_05);
    ck_assert_str_eq(hcm->status, "late"); /* its own receipt counts, not 74's */
    ck_assert_uint_eq(sum->units_late, 1);
    ck_assert_uint_eq(sum->units_on_time, 0);
    n = s_t01(sum->indicators, sum->n_indicators);
    ck_assert_double_eq(n->numerator, 9000000); /* 74 is not added a second time */
    ck_assert_double_eq(n->denominator, 14000000);
    ck_assert_uint_eq(n->units_counted, 1);
    summary_free((ProtobufCMessage **) &sum);

    /* the unit list says the same of 79 */
    Tiendo__UnitList *units = NULL;
    char reason[512] = "";
    ck_assert_int_eq(
        views_units(s_store, s_reg, s_cal, "nq06", "2025", NULL, 0, &units, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(units->n_units, 34);
    for (size_t i = 0; i < units->n_units; i++)
        if (strcmp(units->units[i]->unit, "79") == 0)
            ck_assert_str_eq(units->units[i]->status, "late");
    summary_free((ProtobufCMessage **) &units);

    /* its own figure with 74's as the check (6 parts: 74, 77 and the city's 4 wards) */
    Tiendo__IndicatorTable *t = NULL;
    ck_assert_int_eq(
        views_indicators(s_store, s_reg, "nq06", "2025", "province", &t, reason, sizeof reason),
        TD_OK);
    const Tiendo__IndicatorValue *f = s_t01(s_scope(t, "79")->values, s_scope(t, "79")->n_values);
    ck_assert_str_eq(f->source, "own");
    ck_assert_double_eq(f->numerator, 9000000);
    ck_assert_double_eq(f->check_numerator, 2000000);
    ck_assert_double_eq(f->check_denominator, 2800000);
    ck_assert_uint_eq(f->check_covered, 1);
    ck_assert_uint_eq(f->check_expected, 6);
    summary_free((ProtobufCMessage **) &t);
}
END_TEST

/* Before the merger a period is on the old map: 63 expected, Bắc Kạn (06) and the old Thái
 * Nguyên (19) two units, neither part of the other; on today's map they are one. */
START_TEST(a_period_before_the_merger_is_on_the_old_map)
{
    s_put("06", "2025-Q2", 60000, 310000, MS_2025_06_20);
    s_put("19", "2025-Q2", 400000, 1300000, MS_2025_06_20);
    Tiendo__StatusSummary *sum = s_status("2025-Q2");
    ck_assert_uint_eq(sum->units_expected, 63);
    ck_assert_uint_eq(sum->units_reported, 2);
    ck_assert_uint_eq(sum->units_partial, 0);
    ck_assert_uint_eq(sum->units_on_time, 2);
    for (int i = 0; i < 2; i++) {
        const Tiendo__UnitReport *ur = s_reported(sum, i == 0 ? "06" : "19");
        ck_assert_ptr_nonnull(ur);
        ck_assert_uint_eq(ur->n_reported_by_parts, 0);
        ck_assert(!ur->partial);
        ck_assert_uint_eq(ur->revision, 1);
    }
    const Tiendo__IndicatorValue *n = s_t01(sum->indicators, sum->n_indicators);
    ck_assert_double_eq(n->numerator, 60000 + 400000);
    ck_assert_double_eq(n->denominator, 310000 + 1300000);
    ck_assert_uint_eq(n->units_covered, 2);
    ck_assert_uint_eq(n->units_expected, 63);
    summary_free((ProtobufCMessage **) &sum);

    /* today's map: Thái Nguyên is the plain sum of the old 19 and 06, both whole then */
    Tiendo__IndicatorTable *t = NULL;
    char reason[512] = "";
    ck_assert_int_eq(
        views_indicators(s_store, s_reg, "nq06", "2025-Q2", "province", &t, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(t->n_scopes, 35);
    const Tiendo__IndicatorScope *tn = s_scope(t, "19");
    ck_assert_uint_eq(tn->reports, 2);
    const Tiendo__IndicatorValue *f = s_t01(tn->values, tn->n_values);
    ck_assert_str_eq(f->source, "parts");
    ck_assert_double_eq(f->numerator, 460000);
    ck_assert_double_eq(f->denominator, 1610000);
    ck_assert_uint_eq(f->units_covered, 2);
    ck_assert_uint_eq(f->units_expected, 2);
    ck_assert(!f->partial);
    f = s_t01(t->scopes[0]->values, t->scopes[0]->n_values);
    ck_assert_double_eq(f->numerator, 460000); /* the nation, the same on either map */
    ck_assert_uint_eq(f->units_expected, 63);
    summary_free((ProtobufCMessage **) &t);
}
END_TEST

/* ---- action-plan tasks ---- */

static Tiendo__ActionTask s_task(const char *id, uint32_t group, const char *owner,
                                 const char *co_owner, const char *deadline,
                                 Tiendo__TaskStatus status, const char *completed_on)
{
    static char *co[16];
    static int nco;
    Tiendo__ActionTask t = TIENDO__ACTION_TASK__INIT;
    t.id = (char *) id;
    t.title = (char *) "Nhiệm vụ";
    t.has_task_group = 1;
    t.task_group = group;
    t.owner = (char *) owner;
    if (co_owner != NULL) {
        co[nco % 16] = (char *) co_owner;
        t.co_owners = &co[nco++ % 16];
        t.n_co_owners = 1;
    }
    t.deadline = (char *) deadline;
    t.has_status = 1;
    t.status = status;
    t.completed_on = (char *) completed_on;
    return t;
}

#define IN_PROGRESS TIENDO__TASK_STATUS__TASK_IN_PROGRESS
#define NOT_STARTED TIENDO__TASK_STATUS__TASK_NOT_STARTED
#define COMPLETED   TIENDO__TASK_STATUS__TASK_COMPLETED

/* Hà Nội's plan over two quarters (the second completes KH-02 late and KH-03 on time), a
 * ward of Hồ Chí Minh City, and Bắc Kạn (06, now part of Thái Nguyên, 19) before the
 * merger. On 2026-10-01: KH-01 and P-1 overdue, KH-02 completed late, KH-03 and BK-1
 * completed on time, KH-04 in progress. */
static void s_put_plans(void)
{
    Tiendo__ActionTask q2[] = {
        s_task("KH-01", 2, "Sở Xây dựng", NULL, "2026-06-30", IN_PROGRESS, NULL),
        s_task("KH-02", 4, "Sở Tài chính", NULL, "2026-08-31", IN_PROGRESS, NULL),
        s_task("KH-03", 3, "Sở Xây dựng", "Sở Nội vụ", "2026-09-30", NOT_STARTED, NULL),
        s_task("KH-04", 5, "Sở Khoa học và Công nghệ", NULL, "2099-12-31", IN_PROGRESS, NULL)};
    Tiendo__ActionTask q3[] = {
        s_task("KH-01", 2, "Sở Xây dựng", NULL, "2026-06-30", IN_PROGRESS, NULL),
        s_task("KH-02", 4, "Sở Tài chính", NULL, "2026-08-31", COMPLETED, "2026-09-10"),
        s_task("KH-03", 3, "Sở Xây dựng", "Sở Nội vụ", "2026-09-30", COMPLETED, "2026-09-20"),
        s_task("KH-04", 5, "Sở Khoa học và Công nghệ", NULL, "2099-12-31", IN_PROGRESS, NULL)};
    Tiendo__ActionTask ward[] = {
        s_task("P-1", 1, "UBND PHƯỜNG BẾN THÀNH", NULL, "2026-03-31", NOT_STARTED, NULL)};
    Tiendo__ActionTask bk[] = {
        s_task("BK-1", 6, "Sở Nội vụ Bắc Kạn", NULL, "2025-06-30", COMPLETED, "2025-06-01")};
    s_put_with("01", "2026-Q2", 4900000, 8400000, MS_2026_09_20 - 86400000, q2, 4);
    s_put_with("01", "2026-Q3", 5000000, 8500000, MS_2026_09_20, q3, 4);
    s_put_with("79001", "2026-Q3", 400000, 400000, MS_2026_09_20, ward, 1);
    s_put_with("06", "2025-Q2", 60000, 310000, MS_2025_06_20, bk, 1);
}

static uint32_t s_limit; /* the next s_tasks' --limit (0: none) */

static Tiendo__TaskList *s_tasks(const char *state, const char *province, uint32_t group,
                                 const char *owner)
{
    Tiendo__TasksQuery q = TIENDO__TASKS_QUERY__INIT;
    q.has_limit = s_limit != 0;
    q.limit = s_limit;
    s_limit = 0;
    q.state = (char *) state;
    q.province = (char *) province;
    q.has_group = group != 0;
    q.group = group;
    q.owner = (char *) owner;
    q.as_of = (char *) "2026-10-01";
    Tiendo__TaskList *list = NULL;
    char reason[512] = "";
    td_err rc = tasks_view_list(s_store, s_reg, &q, MS_2026_09_20, &list, reason, sizeof reason);
    ck_assert_msg(rc == TD_OK, "tasks: %s", reason);
    ck_assert_str_eq(list->as_of, "2026-10-01");
    return list;
}

/* "unit/id" of every task listed, comma-separated. */
static const char *s_ids(const Tiendo__TaskList *list)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < list->n_tasks; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s%s/%s", i ? "," : "", list->tasks[i]->unit,
                 list->tasks[i]->task->id);
    }
    return buf;
}

START_TEST(tasks_list_filters_and_order)
{
    s_put_plans();
    Tiendo__TaskList *all = s_tasks(NULL, NULL, 0, NULL);
    /* by province on today's map (01, 19 for Bắc Kạn, 79 for the ward), unit, deadline */
    ck_assert_str_eq(s_ids(all), "01/KH-01,01/KH-02,01/KH-03,01/KH-04,06/BK-1,79001/P-1");
    ck_assert_str_eq(all->dataset, "nq06");
    const char *states[] = {"overdue",     "completed_late",    "completed_on_time",
                            "in_progress", "completed_on_time", "overdue"};
    const char *provinces[] = {"01", "01", "01", "01", "19", "79"};
    for (size_t i = 0; i < all->n_tasks; i++) {
        ck_assert_str_eq(all->tasks[i]->state, states[i]);
        ck_assert_str_eq(all->tasks[i]->province, provinces[i]);
    }
    ck_assert_str_eq(all->tasks[0]->unit_name, "Hà Nội");
    ck_assert_str_eq(all->tasks[4]->unit_name, "Bắc Kạn");
    ck_assert_uint_eq(all->completed_on_time, 2);
    ck_assert_uint_eq(all->completed_late, 1);
    ck_assert_uint_eq(all->in_progress, 1);
    ck_assert_uint_eq(all->overdue, 2);
    /* KH-02 as the latest quarter said it, and its history across the two */
    const Tiendo__TaskInfo *kh2 = all->tasks[1];
    ck_assert_str_eq(kh2->period, "2026-Q3");
    ck_assert_uint_eq(kh2->n_history, 2);
    ck_assert_int_eq(kh2->history[0]->status, IN_PROGRESS);
    ck_assert_str_eq(kh2->history[0]->period, "2026-Q2");
    ck_assert_int_eq(kh2->history[1]->status, COMPLETED);
    ck_assert_str_eq(kh2->task->completed_on, "2026-09-10");
    summary_free((ProtobufCMessage **) &all);

    Tiendo__TaskList *l = s_tasks("overdue", NULL, 0, NULL);
    ck_assert_str_eq(s_ids(l), "01/KH-01,79001/P-1");
    ck_assert_uint_eq(l->overdue, 2);
    ck_assert_uint_eq(l->completed_on_time + l->completed_late + l->in_progress, 0);
    summary_free((ProtobufCMessage **) &l);
    l = s_tasks(NULL, "79", 0, NULL); /* the city and its wards */
    ck_assert_str_eq(s_ids(l), "79001/P-1");
    summary_free((ProtobufCMessage **) &l);
    l = s_tasks(NULL, "19", 0, NULL); /* Bắc Kạn was merged into Thái Nguyên */
    ck_assert_str_eq(s_ids(l), "06/BK-1");
    summary_free((ProtobufCMessage **) &l);
    l = s_tasks(NULL, NULL, 5, NULL);
    ck_assert_str_eq(s_ids(l), "01/KH-04");
    summary_free((ProtobufCMessage **) &l);
    /* the owner in any case, Vietnamese capitals too: a co-owner, a lead owner */
    l = s_tasks(NULL, NULL, 0, "NỘI VỤ");
    ck_assert_str_eq(s_ids(l), "01/KH-03,06/BK-1");
    summary_free((ProtobufCMessage **) &l);
    l = s_tasks(NULL, NULL, 0, "phường bến");
    ck_assert_str_eq(s_ids(l), "79001/P-1");
    summary_free((ProtobufCMessage **) &l);
    l = s_tasks("completed_on_time", "01", 3, "xây");
    ck_assert_str_eq(s_ids(l), "01/KH-03");
    summary_free((ProtobufCMessage **) &l);
    l = s_tasks("overdue", "48", 0, NULL);
    ck_assert_uint_eq(l->n_tasks, 0);
    ck_assert_uint_eq(l->matched, 0);
    summary_free((ProtobufCMessage **) &l);
    /* a limit keeps the earliest deadlines (BK-1 2025-06-30, P-1 2026-03-31, KH-01
     * 2026-06-30), shown in the list's order; matched and the counts cover all six */
    s_limit = 3;
    l = s_tasks(NULL, NULL, 0, NULL);
    ck_assert_str_eq(s_ids(l), "01/KH-01,06/BK-1,79001/P-1");
    ck_assert_uint_eq(l->matched, 6);
    ck_assert_uint_eq(l->completed_on_time + l->completed_late + l->in_progress + l->overdue, 6);
    summary_free((ProtobufCMessage **) &l);
    s_limit = 1;
    l = s_tasks("overdue", NULL, 0, NULL); /* the most overdue of the two */
    ck_assert_str_eq(s_ids(l), "79001/P-1");
    ck_assert_uint_eq(l->matched, 2);
    ck_assert_uint_eq(l->overdue, 2);
    summary_free((ProtobufCMessage **) &l);
    s_limit = 10;
    l = s_tasks(NULL, NULL, 0, NULL); /* a limit above the count changes nothing */
    ck_assert_str_eq(s_ids(l), "01/KH-01,01/KH-02,01/KH-03,01/KH-04,06/BK-1,79001/P-1");
    ck_assert_uint_eq(l->matched, 6);
    summary_free((ProtobufCMessage **) &l);

    /* filters that are wrong are refused, saying which */
    struct {
        const char *state, *province, *as_of, *word;
        uint32_t group;
        int has_group;
    } bad[] = {{"late", NULL, NULL, "status", 0, 0},
               {NULL, "99", NULL, "province", 0, 0},
               {NULL, NULL, "2026-13-01", "as-of", 0, 0},
               {NULL, NULL, NULL, "group", 7, 1},
               {NULL, NULL, NULL, "group", 0, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Tiendo__TasksQuery q = TIENDO__TASKS_QUERY__INIT;
        q.state = (char *) bad[i].state;
        q.province = (char *) bad[i].province;
        q.as_of = (char *) bad[i].as_of;
        q.has_group = bad[i].has_group;
        q.group = bad[i].group;
        char reason[512] = "";
        Tiendo__TaskList *none = NULL;
        ck_assert_int_eq(
            tasks_view_list(s_store, s_reg, &q, MS_2026_09_20, &none, reason, sizeof reason),
            TD_ERR_INVALID);
        ck_assert_ptr_null(none);
        ck_assert_msg(strstr(reason, bad[i].word) != NULL, "%s", reason);
    }
}
END_TEST

/* Status counts every unit's tasks overdue today; a unit row, its own. The deadlines of
 * s_put_plans are long past (KH-01, P-1) or far ahead (KH-04), so this holds on any day
 * from 2026-10-01 to 2099. */
START_TEST(overdue_tasks_in_status_and_rows)
{
    s_put_plans();
    Tiendo__StatusSummary *sum = s_status("2026-Q3");
    ck_assert(sum->has_tasks_overdue);
    ck_assert_uint_eq(sum->tasks_overdue, 2);
    summary_free((ProtobufCMessage **) &sum);
    sum = s_status("2024"); /* any period: the count is today's, of the dataset */
    ck_assert_uint_eq(sum->tasks_overdue, 2);
    summary_free((ProtobufCMessage **) &sum);

    Tiendo__UnitList *units = NULL;
    char reason[512] = "";
    ck_assert_int_eq(views_units(s_store, s_reg, s_cal, "nq06", "2026-Q3", "79", 0, &units, reason,
                                 sizeof reason),
                     TD_OK);
    for (size_t i = 0; i < units->n_units; i++) {
        const Tiendo__UnitRow *row = units->units[i];
        ck_assert(row->has_tasks_overdue);
        ck_assert_uint_eq(row->tasks_overdue, strcmp(row->unit, "79001") == 0 ? 1 : 0);
    }
    summary_free((ProtobufCMessage **) &units);
    ck_assert_int_eq(views_units(s_store, s_reg, s_cal, "nq06", "2026-Q3", NULL, 0, &units, reason,
                                 sizeof reason),
                     TD_OK);
    for (size_t i = 0; i < units->n_units; i++)
        ck_assert_uint_eq(units->units[i]->tasks_overdue,
                          strcmp(units->units[i]->unit, "01") == 0 ? 1 : 0);
    summary_free((ProtobufCMessage **) &units);
    Tiendo__UnitDetail *d = NULL;
    ck_assert_int_eq(
        views_unit(s_store, s_reg, s_cal, "nq06", "2026-Q3", "01", &d, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(d->row->tasks_overdue, 1);
    summary_free((ProtobufCMessage **) &d);
}
END_TEST

/* Overwrite the record of task id of unit (dataset nq06) with bytes that are no protobuf,
 * through LMDB itself (the store is closed meanwhile). */
static void s_corrupt_task(const char *unit, const char *id)
{
    store_close(&s_store);
    uint8_t k[64];
    size_t n = 0;
    memcpy(k, "nq06", 5); /* docs/architecture.md: dataset \0 unit \0 task id */
    n = 5;
    memcpy(k + n, unit, strlen(unit) + 1);
    n += strlen(unit) + 1;
    memcpy(k + n, id, strlen(id));
    n += strlen(id);
    static const uint8_t garbage[8] = {0x22, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi tasks;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 16), 0);
    ck_assert_int_eq(mdb_env_open(env, s_dir, 0, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "tasks", 0, &tasks), 0);
    MDB_val key = {n, k}, val = {sizeof garbage, (void *) garbage}, old;
    ck_assert_int_eq(mdb_get(txn, tasks, &key, &old), 0);
    ck_assert_int_eq(mdb_put(txn, tasks, &key, &val, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    char err[256];
    ck_assert_int_eq(store_open(&s_store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
}

/* A task record that does not decode refuses the answers that need it (the list; not the
 * counts, which read the due entries), naming it; check counts it; the office's next
 * report starts the record again. */
START_TEST(a_damaged_task_record_is_named)
{
    s_put_plans();
    s_corrupt_task("01", "KH-01");
    Tiendo__TasksQuery q = TIENDO__TASKS_QUERY__INIT;
    Tiendo__TaskList *list = NULL;
    char reason[512] = "";
    ck_assert_int_eq(
        tasks_view_list(s_store, s_reg, &q, MS_2026_09_20, &list, reason, sizeof reason),
        TD_ERR_STORE);
    ck_assert_ptr_null(list);
    ck_assert_msg(strstr(reason, "task KH-01 of unit 01") != NULL, "%s", reason);
    ck_assert_msg(strstr(reason, "tiendo-collector check") != NULL, "%s", reason);
    /* status counts from the due entries, which are whole: it does not need the record */
    Tiendo__StatusSummary *sum = NULL;
    ck_assert_int_eq(
        summary_status(s_store, s_reg, s_cal, NULL, "nq06", "2026-Q3", &sum, reason, sizeof reason),
        TD_OK);
    ck_assert_uint_eq(sum->tasks_overdue, 2);
    summary_free((ProtobufCMessage **) &sum);
    verify_result r;
    ck_assert_int_eq(verify_store(s_store, &r), TD_OK);
    ck_assert_uint_eq(r.tasks, 6);
    ck_assert_uint_eq(r.tasks_undecodable, 1);
    ck_assert_uint_eq(r.tasks_index_errors, 0);
    ck_assert_int_eq(verify_clean(&r), 0);
    verify_free(&r);

    Tiendo__ActionTask again[] = {
        s_task("KH-01", 2, "Sở Xây dựng", NULL, "2026-06-30", COMPLETED, "2026-10-20")};
    s_put_with("01", "2026-Q4", 5000000, 8500000, MS_2026_09_20 + 86400000, again, 1);
    Tiendo__TaskList *l = s_tasks(NULL, "01", 2, NULL);
    ck_assert_str_eq(s_ids(l), "01/KH-01");
    ck_assert_uint_eq(l->tasks[0]->n_history, 1); /* what was lost stays lost */
    ck_assert_str_eq(l->tasks[0]->state, "completed_late");
    summary_free((ProtobufCMessage **) &l);
}
END_TEST

/* Delete the record of task id of unit through LMDB, leaving its due entry. */
static void s_drop_task_record(const char *unit, const char *id)
{
    store_close(&s_store);
    uint8_t k[64];
    size_t n = 5;
    memcpy(k, "nq06", 5);
    memcpy(k + n, unit, strlen(unit) + 1);
    n += strlen(unit) + 1;
    memcpy(k + n, id, strlen(id));
    n += strlen(id);
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi tasks;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 16), 0);
    ck_assert_int_eq(mdb_env_open(env, s_dir, 0, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "tasks", 0, &tasks), 0);
    MDB_val key = {n, k};
    ck_assert_int_eq(mdb_del(txn, tasks, &key, NULL), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    char err[256];
    ck_assert_int_eq(store_open(&s_store, s_dir, 1 << 20, 1 << 30, err, sizeof err), TD_OK);
}

/* A due entry whose record is gone: check counts it, the list that would show it refuses. */
START_TEST(a_due_entry_without_its_record_is_found)
{
    s_put_plans();
    s_drop_task_record("79001", "P-1");
    verify_result r;
    ck_assert_int_eq(verify_store(s_store, &r), TD_OK);
    ck_assert_uint_eq(r.tasks, 5);
    ck_assert_uint_eq(r.tasks_index_errors, 1);
    ck_assert_int_eq(verify_clean(&r), 0);
    verify_free(&r);
    Tiendo__TasksQuery q = TIENDO__TASKS_QUERY__INIT;
    q.state = (char *) "overdue";
    Tiendo__TaskList *list = NULL;
    char reason[512] = "";
    ck_assert_int_eq(
        tasks_view_list(s_store, s_reg, &q, MS_2026_09_20, &list, reason, sizeof reason),
        TD_ERR_STORE);
    ck_assert_msg(strstr(reason, "task P-1 of unit 79001") != NULL, "%s", reason);
    /* the ones it does not need still come */
    Tiendo__TaskList *l = s_tasks(NULL, "01", 0, NULL);
    ck_assert_uint_eq(l->n_tasks, 4);
    summary_free((ProtobufCMessage **) &l);
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("counting");
    TCase *tc = tcase_create("figures and status");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, figures_count_each_person_once);
    tcase_add_test(tc, status_counts_a_merged_unit_once);
    tcase_add_test(tc, a_period_before_the_merger_is_on_the_old_map);
    tcase_add_test(tc, tasks_list_filters_and_order);
    tcase_add_test(tc, overdue_tasks_in_status_and_rows);
    tcase_add_test(tc, a_damaged_task_record_is_named);
    tcase_add_test(tc, a_due_entry_without_its_record_is_found);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
