/* test_indicator.c: indicators from summed data elements (never means of rates), "no data",
 * targets, and the roll-up of a merged province's history into its successor. */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"
#include "registry.h"
#include "unit_main.h"

#define DATA_DIR   TIENDO_SOURCE_DIR "/data"
#define MAX_VALUES 8

static td_registry_t *s_reg;
static td_sums_t *s_sums;

/* A report holding only a unit, a period and data values (what the sums read). */
typedef struct {
    Tiendo__Report report;
    Tiendo__DataValue values[MAX_VALUES];
    Tiendo__DataValue *value_ptrs[MAX_VALUES];
    char unit[TD_CODE_MAX];
    char period[TD_PERIOD_TEXT_MAX];
} s_report;

/* Fill r with (element, value) pairs ending with NULL. */
static void s_make(s_report *r, const char *unit, const char *period, ...)
{
    va_list ap;
    memset(r, 0, sizeof *r);
    tiendo__report__init(&r->report);
    strcpy(r->unit, unit);
    strcpy(r->period, period);
    r->report.unit = r->unit;
    r->report.period = r->period;
    r->report.values = r->value_ptrs;
    va_start(ap, period);
    for (const char *e = va_arg(ap, const char *); e != NULL; e = va_arg(ap, const char *)) {
        size_t i = r->report.n_values++;
        ck_assert_uint_lt(i, MAX_VALUES);
        tiendo__data_value__init(&r->values[i]);
        r->values[i].element = (char *) e;
        r->values[i].value = va_arg(ap, double);
        r->values[i].has_value = 1;
        r->value_ptrs[i] = &r->values[i];
    }
    va_end(ap);
}

static void s_setup(void)
{
    char err[512] = "";
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
    ck_assert_int_eq(td_indicator_sums_create(&s_sums, s_reg), TD_OK);
}

static void s_teardown(void)
{
    td_indicator_sums_destroy(&s_sums);
    td_registry_close(&s_reg);
}

static const td_indicator *s_ind(const char *id)
{
    const td_indicator *ind = td_indicator_find(s_reg, id);
    ck_assert_msg(ind != NULL, "no indicator %s in the catalogue", id);
    return ind;
}

static double s_eval(const char *id)
{
    double v = NAN;
    ck_assert_msg(td_indicator_eval(s_ind(id), s_sums, &v) == TD_OK, "%s has no data", id);
    return v;
}

static void s_add(const s_report *r)
{
    ck_assert_int_eq(td_indicator_sums_add(s_sums, &r->report), TD_OK);
}

START_TEST(test_ratio_of_sums_not_mean_of_rates)
{
    s_report a, b;
    /* Unequal populations: 50% of 8,000,000 and 20% of 1,500,000. */
    s_make(&a, "01", "2026-Q4", "urban_population", 4000000.0, "total_population", 8000000.0, NULL);
    s_make(&b, "04", "2026-Q4", "urban_population", 300000.0, "total_population", 1500000.0, NULL);
    s_add(&a);
    s_add(&b);
    double t01 = s_eval("T01");
    double want = (4000000.0 + 300000.0) * 100.0 / (8000000.0 + 1500000.0); /* 45.26...% */
    ck_assert_double_eq_tol(t01, want, 1e-9);
    double mean_of_rates = (50.0 + 20.0) / 2;
    ck_assert_double_gt(fabs(t01 - mean_of_rates), 10.0);
    ck_assert_uint_eq(td_indicator_coverage(s_ind("T01"), s_sums), 2);
    ck_assert_uint_eq(td_indicator_sums_reports(s_sums), 2);

    double total = 0;
    size_t given = 0;
    ck_assert_int_eq(td_indicator_sums_element(s_sums, "total_population", &total, &given), TD_OK);
    ck_assert_double_eq(total, 9500000.0);
    ck_assert_uint_eq(given, 2);
}
END_TEST

START_TEST(test_sum_and_units)
{
    s_report a, b, c;
    s_make(&a, "01", "2026", "urban_areas", 12.0, "urban_population", 400.0,
           "urban_public_green_m2", 2000.0, NULL);
    s_make(&b, "04", "2026", "urban_areas", 7.0, "urban_population", 100.0, "urban_public_green_m2",
           1000.0, NULL);
    s_make(&c, "11", "2026", "total_population", 5.0, NULL); /* no urban_areas */
    s_add(&a);
    s_add(&b);
    s_add(&c);
    ck_assert_double_eq(s_eval("T03"), 19.0); /* sum(urban_areas): the plain total */
    ck_assert_uint_eq(td_indicator_coverage(s_ind("T03"), s_sums), 2);
    /* m2/person is not a percentage: 3000 m2 over 500 people, not times 100. */
    ck_assert_double_eq_tol(s_eval("T08"), 6.0, 1e-12);
}
END_TEST

START_TEST(test_no_data)
{
    double v = 123;
    /* Nothing added: every indicator has no data. */
    const td_indicator *inds = NULL;
    size_t n = td_registry_indicators(s_reg, &inds);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(td_indicator_eval(&inds[i], s_sums, &v), TD_ERR_NOTFOUND);
    ck_assert_double_eq(v, 123); /* untouched */

    /* A zero denominator is "no data", never a division. */
    s_report z;
    s_make(&z, "01", "2026", "urban_population", 0.0, "total_population", 0.0, "urban_areas", 0.0,
           "urban_areas_with_plans", 0.0, NULL);
    s_add(&z);
    ck_assert_int_eq(td_indicator_eval(s_ind("T01"), s_sums, &v), TD_ERR_NOTFOUND);
    ck_assert_uint_eq(td_indicator_coverage(s_ind("T01"), s_sums), 0);
    ck_assert_int_eq(td_indicator_eval(s_ind("T05"), s_sums, &v), TD_ERR_NOTFOUND); /* 0 / 0 */
    /* A sum of zeros is a real zero, not "no data". */
    ck_assert_double_eq(s_eval("T03"), 0.0);
    /* An element no unit reported. */
    ck_assert_int_eq(td_indicator_eval(s_ind("T02"), s_sums, &v), TD_ERR_NOTFOUND);
    ck_assert_int_eq(td_indicator_sums_element(s_sums, "natural_land_ha", NULL, NULL),
                     TD_ERR_NOTFOUND);
    ck_assert_int_eq(td_indicator_sums_element(s_sums, "no_such_element", NULL, NULL),
                     TD_ERR_NOTFOUND);

    /* Numerator from one unit and denominator from another: no unit gave both. */
    s_report a, b;
    s_make(&a, "04", "2026", "urban_construction_land_ha", 50.0, NULL);
    s_make(&b, "11", "2026", "natural_land_ha", 1000.0, NULL);
    s_add(&a);
    s_add(&b);
    ck_assert_int_eq(td_indicator_eval(s_ind("T02"), s_sums, &v), TD_ERR_NOTFOUND);

    /* An indicator from another catalogue is refused, not misread. */
    td_indicator other = *s_ind("T01");
    strcpy(other.id, "X99");
    ck_assert_int_eq(td_indicator_eval(&other, s_sums, &v), TD_ERR_INVALID);
    ck_assert_int_eq(td_indicator_eval(NULL, s_sums, &v), TD_ERR_INVALID);
}
END_TEST

/* A unit that reports only the denominator does not drag the rate down. */
START_TEST(test_ratio_counts_units_giving_both)
{
    s_report a, b;
    s_make(&a, "01", "2026", "urban_population", 500.0, "total_population", 1000.0, NULL);
    s_make(&b, "04", "2026", "total_population", 9000.0, NULL);
    s_add(&a);
    s_add(&b);
    ck_assert_double_eq_tol(s_eval("T01"), 50.0, 1e-12);
    ck_assert_uint_eq(td_indicator_coverage(s_ind("T01"), s_sums), 1);
    double total = 0;
    ck_assert_int_eq(td_indicator_sums_element(s_sums, "total_population", &total, NULL), TD_OK);
    ck_assert_double_eq(total, 10000.0);
}
END_TEST

START_TEST(test_bad_values_add_nothing)
{
    s_report good, bad;
    s_make(&good, "01", "2026", "urban_population", 10.0, "total_population", 40.0, NULL);
    s_add(&good);
    const double bad_values[] = {-1.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        /* The good value comes first: it must not be added either. */
        s_make(&bad, "04", "2026", "urban_population", 5.0, "total_population", bad_values[i],
               NULL);
        ck_assert_int_eq(td_indicator_sums_add(s_sums, &bad.report), TD_ERR_INVALID);
    }
    s_make(&bad, "04", "2026", "urban_population", 5.0, "urban_population", 6.0, NULL);
    ck_assert_int_eq(td_indicator_sums_add(s_sums, &bad.report), TD_ERR_INVALID);
    ck_assert_uint_eq(td_indicator_sums_reports(s_sums), 1);
    ck_assert_double_eq_tol(s_eval("T01"), 25.0, 1e-12);
    double total = 0;
    ck_assert_int_eq(td_indicator_sums_element(s_sums, "urban_population", &total, NULL), TD_OK);
    ck_assert_double_eq(total, 10.0);

    /* Elements outside the catalogue, and values without a number, are skipped. */
    s_make(&bad, "04", "2026", "urban_trams", 5.0, "urban_population", 30.0, "total_population",
           60.0, NULL);
    bad.values[1].has_value = 0;
    s_add(&bad);
    ck_assert_uint_eq(td_indicator_sums_reports(s_sums), 2);
    ck_assert_double_eq_tol(s_eval("T01"), 25.0, 1e-12); /* urban_population was not given */

    td_indicator_sums_reset(s_sums);
    ck_assert_uint_eq(td_indicator_sums_reports(s_sums), 0);
    double v;
    ck_assert_int_eq(td_indicator_eval(s_ind("T01"), s_sums, &v), TD_ERR_NOTFOUND);
    s_add(&good);
    ck_assert_double_eq_tol(s_eval("T01"), 25.0, 1e-12);
}
END_TEST

START_TEST(test_targets)
{
    const td_indicator *t01 = s_ind("T01"); /* 2025: at least 45; 2030: at least 50 */
    const td_indicator *t02 = s_ind("T02"); /* 2025: 1.5 to 1.9; 2030: 1.9 to 2.3 */
    const td_indicator *t04 = s_ind("T04"); /* 2025: 100; no 2030 target */
    ck_assert(isnan(t01->target_2025_max));
    ck_assert_int_eq(td_indicator_target_status(t01, 2025, 44.9), TD_TARGET_BELOW);
    ck_assert_int_eq(td_indicator_target_status(t01, 2025, 45.0), TD_TARGET_WITHIN);
    ck_assert_int_eq(td_indicator_target_status(t01, 2025, 99.0), TD_TARGET_WITHIN);
    ck_assert_int_eq(td_indicator_target_status(t01, 2030, 49.0), TD_TARGET_BELOW);
    ck_assert_int_eq(td_indicator_target_status(t01, 2030, 50.5), TD_TARGET_WITHIN);
    /* A rate on its target through rounding still meets it. */
    ck_assert_int_eq(td_indicator_target_status(t01, 2025, 45.0 * (1 - 1e-13)), TD_TARGET_WITHIN);

    ck_assert_int_eq(td_indicator_target_status(t02, 2025, 1.4), TD_TARGET_BELOW);
    ck_assert_int_eq(td_indicator_target_status(t02, 2025, 1.5), TD_TARGET_WITHIN);
    ck_assert_int_eq(td_indicator_target_status(t02, 2025, 1.9), TD_TARGET_WITHIN);
    ck_assert_int_eq(td_indicator_target_status(t02, 2025, 2.0), TD_TARGET_ABOVE);
    ck_assert_int_eq(td_indicator_target_status(t02, 2030, 2.0), TD_TARGET_WITHIN);
    ck_assert_int_eq(td_indicator_target_status(t02, 2030, 2.4), TD_TARGET_ABOVE);

    ck_assert_int_eq(td_indicator_target_status(t04, 2025, 99.0), TD_TARGET_BELOW);
    ck_assert_int_eq(td_indicator_target_status(t04, 2030, 99.0), TD_TARGET_NONE);
    ck_assert_int_eq(td_indicator_target_status(t01, 2026, 50.0), TD_TARGET_NONE);
    ck_assert_int_eq(td_indicator_target_status(t01, 2025, NAN), TD_TARGET_NONE);
    ck_assert_int_eq(td_indicator_target_status(NULL, 2025, 50.0), TD_TARGET_NONE);

    ck_assert_str_eq(td_indicator_target_name(TD_TARGET_NONE), "no_target");
    ck_assert_str_eq(td_indicator_target_name(TD_TARGET_BELOW), "below");
    ck_assert_str_eq(td_indicator_target_name(TD_TARGET_WITHIN), "within");
    ck_assert_str_eq(td_indicator_target_name(TD_TARGET_ABOVE), "above");
}
END_TEST

/* A 2024 report of Bắc Kạn (06) counts under Thái Nguyên (19) on today's map, and stays
 * visible under its own code for its own period. */
START_TEST(test_merger_roll_up)
{
    s_report r[3];
    s_make(&r[0], "06", "2024-Q4", "urban_population", 60000.0, "total_population", 320000.0, NULL);
    s_make(&r[1], "19", "2024-Q4", "urban_population", 450000.0, "total_population", 1350000.0,
           NULL);
    s_make(&r[2], "01", "2024-Q4", "urban_population", 4200000.0, "total_population", 8500000.0,
           NULL);
    td_period q4 = {2024, TD_PERIOD_QUARTER, 4};
    td_date today = {2026, 11, 29};

    const td_unit *own = td_registry_find_during(s_reg, "06", &q4);
    ck_assert_ptr_nonnull(own);
    ck_assert_str_eq(own->name, "Bắc Kạn");
    const td_unit *now19 = td_registry_current(s_reg, "06", &today);
    ck_assert_ptr_nonnull(now19);
    ck_assert_str_eq(now19->code, "19");

    /* Thái Nguyên today: every report whose unit maps to 19 on today's map. */
    for (size_t i = 0; i < 3; i++) {
        const td_unit *u = td_registry_current(s_reg, r[i].unit, &today);
        ck_assert_ptr_nonnull(u);
        if (strcmp(u->code, "19") == 0)
            s_add(&r[i]);
    }
    ck_assert_uint_eq(td_indicator_sums_reports(s_sums), 2);
    ck_assert_double_eq_tol(s_eval("T01"), (60000.0 + 450000.0) * 100.0 / (320000.0 + 1350000.0),
                            1e-9);

    /* On the map of the period itself, 06 is its own unit and 19 holds only its own data. */
    td_date end_2024 = {2024, 12, 31};
    td_indicator_sums_reset(s_sums);
    for (size_t i = 0; i < 3; i++) {
        const td_unit *u = td_registry_current(s_reg, r[i].unit, &end_2024);
        if (strcmp(u->code, "19") == 0)
            s_add(&r[i]);
    }
    ck_assert_double_eq_tol(s_eval("T01"), 450000.0 * 100.0 / 1350000.0, 1e-9);
    ck_assert_str_eq(td_registry_current(s_reg, "06", &end_2024)->code, "06");
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("indicator");
    TCase *tc = tcase_create("indicator");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_ratio_of_sums_not_mean_of_rates);
    tcase_add_test(tc, test_sum_and_units);
    tcase_add_test(tc, test_no_data);
    tcase_add_test(tc, test_ratio_counts_units_giving_both);
    tcase_add_test(tc, test_bad_values_add_nothing);
    tcase_add_test(tc, test_targets);
    tcase_add_test(tc, test_merger_roll_up);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
