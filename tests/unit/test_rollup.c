/* test_rollup.c: one count per element (common/rollup): provinces and their communes, partial
 * coverage, the 2025 merger in spanning and non-spanning periods, empty elements. Every
 * expected figure is worked out by hand in the test from the values it adds. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indicator.h"
#include "period.h"
#include "registry.h"
#include "rollup.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"
#define COMMUNES TIENDO_SOURCE_DIR "/tests/data/communes.csv"

static td_registry_t *s_reg;
static char s_dir[64];

/* data/ with the commune layer appended to units.csv, in a folder of our own. */
static void s_make_data(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/tiendo-rollup-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s/*.csv %s/ && grep -v '^#' %s >> %s/units.csv", DATA_DIR, s_dir,
             COMMUNES, s_dir);
    ck_assert_int_eq(system(cmd), 0);
    char err[512];
    ck_assert_msg(td_registry_open(&s_reg, s_dir, err, sizeof err) == TD_OK, "%s", err);
}

static void s_setup(void)
{
    s_make_data();
}

static void s_teardown(void)
{
    td_registry_close(&s_reg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

/* A report with the given elements; a negative value leaves the element empty. */
typedef struct {
    Tiendo__Report report;
    Tiendo__DataValue values[4];
    Tiendo__DataValue *ptrs[4];
} s_report;

static void s_fill(s_report *r, double urban, double total, double urban_areas)
{
    static const char *const names[] = {"urban_population", "total_population", "urban_areas"};
    double v[] = {urban, total, urban_areas};
    tiendo__report__init(&r->report);
    r->report.n_values = 0;
    r->report.values = r->ptrs;
    for (int i = 0; i < 3; i++) {
        tiendo__data_value__init(&r->values[i]);
        r->values[i].element = (char *) names[i];
        r->values[i].has_value = v[i] >= 0;
        r->values[i].value = v[i];
        r->ptrs[r->report.n_values++] = &r->values[i];
    }
}

static void s_add(td_rollup_t *r, const char *unit, double urban, double total, double areas)
{
    s_report rep;
    s_fill(&rep, urban, total, areas);
    ck_assert_msg(td_rollup_add(r, unit, &rep.report, 1000) == TD_OK, "add %s", unit);
}

static td_indicator_figure s_fig(td_rollup_t *r, const char *scope, const char *id)
{
    td_indicator_figure f;
    const td_indicator *ind = td_indicator_find(s_reg, id);
    ck_assert_ptr_nonnull(ind);
    ck_assert_int_eq(td_rollup_indicator(r, scope, ind, &f), TD_OK);
    return f;
}

static td_rollup_t *s_open(const char *period)
{
    td_period p;
    ck_assert_int_eq(td_period_parse(period, &p), TD_OK);
    td_rollup_t *r = NULL;
    ck_assert_int_eq(td_rollup_open(&r, s_reg, &p, NULL), TD_OK);
    return r;
}

/* Hà Nội reports its own figure and 5 of its 6 communes report theirs: the nation counts
 * Hà Nội's people once (its own figure), and the communes' sum is kept as a check. */
START_TEST(province_and_communes_count_once)
{
    td_rollup_t *r = s_open("2026-Q3");
    s_add(r, "01", 5000000, 8500000, 12);
    double cu[] = {100000, 200000, 300000, 50000, 60000};
    double ct[] = {100000, 210000, 320000, 150000, 170000};
    const char *codes[] = {"01001", "01002", "01003", "01004", "01005"};
    for (int i = 0; i < 5; i++)
        s_add(r, codes[i], cu[i], ct[i], 1);

    td_indicator_figure f = s_fig(r, "01", "T01");
    ck_assert_int_eq(f.source, TD_FIGURE_OWN);
    ck_assert_double_eq(f.numerator, 5000000);
    ck_assert_double_eq(f.denominator, 8500000);
    ck_assert_double_eq_tol(f.value, 5000000 * 100.0 / 8500000, 1e-9);
    ck_assert_int_eq(f.partial, 0);
    ck_assert_int_eq(f.has_check, 1);
    ck_assert_double_eq(f.check_numerator, 710000);
    ck_assert_double_eq(f.check_denominator, 950000);
    ck_assert_double_eq_tol(f.check_value, 710000 * 100.0 / 950000, 1e-9);
    ck_assert_uint_eq(f.check_covered, 5);
    ck_assert_uint_eq(f.check_expected, 6);

    td_indicator_figure n = s_fig(r, "VN", "T01");
    ck_assert_int_eq(n.source, TD_FIGURE_PARTS);
    ck_assert_double_eq(n.numerator, 5000000); /* not 5,710,000 */
    ck_assert_double_eq(n.denominator, 8500000);
    ck_assert_uint_eq(n.covered, 1);
    ck_assert_uint_eq(n.expected, 34);
    ck_assert_int_eq(n.partial, 1);
    ck_assert_uint_eq(n.reports, 1);
    ck_assert_uint_eq(td_rollup_reports(r, "VN"), 6);
    ck_assert_uint_eq(td_rollup_reports(r, "01"), 6);

    /* a sum indicator follows the same rule */
    td_indicator_figure areas = s_fig(r, "VN", "T03");
    ck_assert_double_eq(areas.value, 12);
    td_rollup_close(&r);
}
END_TEST

/* Hồ Chí Minh City gives no figure of its own: its communes' sum is its figure, partial
 * (3 of 4); the nation adds it to Hà Nội's, numerator and denominator from the same units. */
START_TEST(parts_stand_in_when_the_province_is_silent)
{
    td_rollup_t *r = s_open("2026-Q3");
    s_add(r, "01", 5000000, 8500000, -1);
    s_add(r, "79001", 400000, 400000, -1);
    s_add(r, "79002", 300000, 310000, -1);
    s_add(r, "79003", 200000, 260000, -1);
    s_add(r, "79004", 150000, -1, -1); /* no total: not counted for T01 */

    td_indicator_figure hcm = s_fig(r, "79", "T01");
    ck_assert_int_eq(hcm.source, TD_FIGURE_PARTS);
    ck_assert_double_eq(hcm.numerator, 900000);
    ck_assert_double_eq(hcm.denominator, 970000);
    ck_assert_uint_eq(hcm.covered, 3);
    ck_assert_uint_eq(hcm.expected, 4);
    ck_assert_int_eq(hcm.partial, 1);
    ck_assert_int_eq(hcm.has_check, 0);

    td_indicator_figure n = s_fig(r, "VN", "T01");
    ck_assert_double_eq(n.numerator, 5900000);
    ck_assert_double_eq(n.denominator, 9470000);
    ck_assert_double_eq_tol(n.value, 5900000 * 100.0 / 9470000, 1e-9);
    ck_assert_uint_eq(n.covered, 2);
    ck_assert_uint_eq(n.reports, 4);
    ck_assert_int_eq(n.partial, 1);

    /* nobody gave urban_areas: no data, never 0 */
    td_indicator_figure areas = s_fig(r, "VN", "T03");
    ck_assert_int_eq(areas.source, TD_FIGURE_NONE);
    ck_assert_int_eq(areas.has_value, 0);
    td_rollup_close(&r);
}
END_TEST

/* The value is always numerator / denominator of the same reports: a unit that gives
 * only one of the two elements is left out of both. */
START_TEST(value_is_numerator_over_denominator)
{
    td_rollup_t *r = s_open("2024-Q4");
    s_add(r, "01", 4000000, 8000000, -1);
    s_add(r, "06", -1, 300000, -1); /* Bắc Kạn: total only */
    s_add(r, "19", 400000, 1300000, -1);
    td_indicator_figure n = s_fig(r, "VN", "T01");
    ck_assert_double_eq(n.numerator, 4400000);
    ck_assert_double_eq(n.denominator, 9300000); /* not 9,600,000 */
    ck_assert_double_eq_tol(n.value, n.numerator * 100.0 / n.denominator, 1e-12);
    ck_assert_uint_eq(n.covered, 2);
    ck_assert_uint_eq(n.expected, 63); /* 2024: the 63 provinces */
    td_rollup_close(&r);
}
END_TEST

/* 2025 spans the merger: the 34 of its last day are expected; a code means the unit that
 * holds it then (19: the new Thái Nguyên), and the provinces merged into it are its parts. */
START_TEST(merger_spanning_period)
{
    td_rollup_t *r = s_open("2025");
    /* only Bình Dương (74), merged into Hồ Chí Minh City (79), reports */
    s_add(r, "74", 2000000, 2800000, 3);
    td_rollup_unit st;
    ck_assert_int_eq(td_rollup_unit_state(r, "79", &st), TD_OK);
    ck_assert_int_eq(st.own, 0);
    ck_assert_uint_eq(st.parts, 2); /* 74 and 77; the old 79 is the code 79 itself */
    ck_assert_uint_eq(st.parts_reported, 1);
    const char *by[4] = {NULL};
    ck_assert_uint_eq(td_rollup_parts_reported(r, "79", by, 4), 1);
    ck_assert_str_eq(by[0], "74");
    ck_assert_uint_eq(td_rollup_parts_reported(r, "74", by, 4), 0);        /* not expected */
    ck_assert_int_eq(td_rollup_unit_state(r, "74", &st), TD_ERR_NOTFOUND); /* not expected */
    td_indicator_figure hcm = s_fig(r, "79", "T01");
    ck_assert_int_eq(hcm.source, TD_FIGURE_PARTS);
    ck_assert_double_eq(hcm.numerator, 2000000);
    ck_assert_int_eq(hcm.partial, 1);
    td_indicator_figure n = s_fig(r, "VN", "T01");
    ck_assert_double_eq(n.numerator, 2000000);
    ck_assert_uint_eq(n.expected, 34);

    /* then 79 reports the whole city: its own figure wins, 74's is the check */
    s_add(r, "79", 9000000, 14000000, 10);
    ck_assert_int_eq(td_rollup_unit_state(r, "79", &st), TD_OK);
    ck_assert_int_eq(st.own, 1);
    hcm = s_fig(r, "79", "T01");
    ck_assert_int_eq(hcm.source, TD_FIGURE_OWN);
    ck_assert_double_eq(hcm.numerator, 9000000);
    ck_assert_int_eq(hcm.has_check, 1);
    ck_assert_double_eq(hcm.check_numerator, 2000000);
    ck_assert_uint_eq(hcm.check_covered, 1);
    ck_assert_uint_eq(hcm.check_expected, 6); /* 74, 77 and the city's four wards */
    n = s_fig(r, "VN", "T01");
    ck_assert_double_eq(n.numerator, 9000000); /* 74 is not added a second time */
    ck_assert_double_eq(n.denominator, 14000000);

    /* Thái Nguyên: 19 in 2025 is the new province; Bắc Kạn (06) and its communes are parts */
    s_add(r, "06001", 20000, 40000, -1);
    s_add(r, "06", 60000, 310000, -1);
    td_indicator_figure tn = s_fig(r, "19", "T01");
    ck_assert_int_eq(tn.source, TD_FIGURE_PARTS);
    ck_assert_double_eq(tn.numerator, 60000); /* 06's own figure, not 06 + 06001 */
    ck_assert_uint_eq(tn.covered, 1);
    ck_assert_uint_eq(tn.expected, 3); /* 06, 19001, 19002 */
    ck_assert_int_eq(td_rollup_unit_state(r, "19", &st), TD_OK);
    ck_assert_uint_eq(st.parts, 1);
    ck_assert_uint_eq(st.parts_reported, 1);
    ck_assert_int_eq(td_rollup_add(r, "06", NULL, 0), TD_ERR_EXISTS);
    td_rollup_close(&r);
}
END_TEST

/* Periods that do not span the merger: before it 06 and 19 are two expected units; after
 * it 06 does not exist (its report is counted nowhere). 9M spans it like the year. */
START_TEST(merger_other_periods)
{
    td_rollup_t *r = s_open("2025-Q2");
    s_add(r, "06", 60000, 310000, -1);
    s_add(r, "19", 400000, 1300000, -1);
    td_rollup_unit st;
    ck_assert_int_eq(td_rollup_unit_state(r, "06", &st), TD_OK);
    ck_assert_int_eq(st.own, 1);
    td_indicator_figure tn = s_fig(r, "19", "T01");
    ck_assert_double_eq(tn.numerator, 400000); /* 06 is not part of the old 19 */
    ck_assert_uint_eq(s_fig(r, "VN", "T01").expected, 63);
    td_rollup_close(&r);

    r = s_open("2025-Q3");
    s_report rep;
    s_fill(&rep, 1, 2, 3);
    ck_assert_int_eq(td_rollup_add(r, "06", &rep.report, 0), TD_ERR_NOTFOUND);
    ck_assert_uint_eq(td_rollup_outside(r), 1);
    ck_assert_uint_eq(s_fig(r, "VN", "T01").expected, 34);
    td_rollup_close(&r);

    r = s_open("2025-9M");
    s_add(r, "06", 60000, 310000, -1);
    ck_assert_int_eq(td_rollup_unit_state(r, "19", &st), TD_OK);
    ck_assert_uint_eq(st.parts_reported, 1);
    ck_assert_double_eq(s_fig(r, "19", "T01").numerator, 60000);
    td_rollup_close(&r);
}
END_TEST

/* 2024 shown on today's map: Thái Nguyên is the plain sum of the old 19 and Bắc Kạn, two
 * whole provinces then; on the period's own map they are two units. */
START_TEST(earlier_period_on_todays_map)
{
    td_period p;
    ck_assert_int_eq(td_period_parse("2024-Q4", &p), TD_OK);
    td_date today = {2026, 12, 3};
    td_rollup_t *r = NULL;
    ck_assert_int_eq(td_rollup_open(&r, s_reg, &p, &today), TD_OK);
    s_add(r, "19", 400000, 1300000, -1);
    s_add(r, "06", 60000, 310000, -1);
    s_add(r, "06001", 20000, 40000, -1); /* a commune of Bắc Kạn: 06's own figure wins */
    td_indicator_figure tn = s_fig(r, "19", "T01");
    ck_assert_int_eq(tn.source, TD_FIGURE_PARTS);
    ck_assert_double_eq(tn.numerator, 460000);
    ck_assert_double_eq(tn.denominator, 1610000);
    ck_assert_uint_eq(tn.covered, 2);
    ck_assert_uint_eq(tn.expected, 2);
    ck_assert_int_eq(tn.partial, 0);
    ck_assert_uint_eq(td_rollup_reports(r, "19"), 3);
    const td_unit *const *units = NULL;
    ck_assert_uint_eq(td_rollup_map_units(r, &units), 34);
    /* a unit of the period's tree is still there on its own */
    ck_assert_double_eq(s_fig(r, "06", "T01").numerator, 60000);
    td_indicator_figure n = s_fig(r, "VN", "T01");
    ck_assert_double_eq(n.numerator, 460000);
    ck_assert_uint_eq(n.expected, 63);
    /* Hà Nội is one province then and now: its own figure */
    s_add(r, "01", 5000000, 8500000, -1);
    td_indicator_figure hn = s_fig(r, "01", "T01");
    ck_assert_int_eq(hn.source, TD_FIGURE_OWN);
    ck_assert_double_eq(hn.numerator, 5000000);
    ck_assert_uint_eq(hn.covered, 1);
    ck_assert_uint_eq(hn.expected, 1);
    td_rollup_close(&r);

    /* so is Hồ Chí Minh City in 2025 (its code holds the merged city all year): its own
     * figure with Bình Dương's (merged into it) as the check, on today's map too */
    ck_assert_int_eq(td_period_parse("2025", &p), TD_OK);
    ck_assert_int_eq(td_rollup_open(&r, s_reg, &p, &today), TD_OK);
    s_add(r, "79", 9000000, 14000000, -1);
    s_add(r, "74", 2000000, 2800000, -1);
    td_indicator_figure hcm = s_fig(r, "79", "T01");
    ck_assert_int_eq(hcm.source, TD_FIGURE_OWN);
    ck_assert_double_eq(hcm.numerator, 9000000);
    ck_assert_int_eq(hcm.has_check, 1);
    ck_assert_double_eq(hcm.check_numerator, 2000000);
    td_rollup_close(&r);

    r = s_open("2024-Q4"); /* the period's own map */
    ck_assert_uint_eq(td_rollup_map_units(r, &units), 63);
    td_rollup_close(&r);
}
END_TEST

START_TEST(refusals)
{
    td_rollup_t *r = s_open("2026-Q3");
    s_report rep;
    s_fill(&rep, -5, 10, -1);
    rep.values[0].has_value = 1; /* negative */
    ck_assert_int_eq(td_rollup_add(r, "01", &rep.report, 0), TD_ERR_INVALID);
    s_fill(&rep, NAN, 10, -1);
    rep.values[0].has_value = 1;
    ck_assert_int_eq(td_rollup_add(r, "01", &rep.report, 0), TD_ERR_INVALID);
    ck_assert_int_eq(td_rollup_add(r, "99999", &rep.report, 0), TD_ERR_NOTFOUND);
    td_indicator_figure f;
    ck_assert_int_eq(td_rollup_indicator(r, "99999", td_indicator_find(s_reg, "T01"), &f),
                     TD_ERR_NOTFOUND);
    td_rollup_close(&r);
    td_rollup_close(&r); /* NULL is fine */
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("rollup");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, province_and_communes_count_once);
    tcase_add_test(tc, parts_stand_in_when_the_province_is_silent);
    tcase_add_test(tc, value_is_numerator_over_denominator);
    tcase_add_test(tc, merger_spanning_period);
    tcase_add_test(tc, merger_other_periods);
    tcase_add_test(tc, earlier_period_on_todays_map);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
