/* test_indicator.c: the catalogue's formulas over summed elements (never means of rates),
 * "no data" for a zero denominator, lookups and targets. Which reports are summed is
 * rollup's rule (test_rollup.c). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"
#include "registry.h"
#include "unit_main.h"

#define DATA_DIR TIENDO_SOURCE_DIR "/data"

static td_registry_t *s_reg;

static void s_setup(void)
{
    char err[512] = "";
    ck_assert_msg(td_registry_open(&s_reg, DATA_DIR, err, sizeof err) == TD_OK, "%s", err);
}

static void s_teardown(void)
{
    td_registry_close(&s_reg);
}

static const td_indicator *s_ind(const char *id)
{
    const td_indicator *ind = td_indicator_find(s_reg, id);
    ck_assert_msg(ind != NULL, "no indicator %s in the catalogue", id);
    return ind;
}

static double s_apply(const char *id, double num, double den)
{
    double v = NAN;
    ck_assert_msg(td_indicator_apply(s_ind(id), num, den, &v) == TD_OK, "%s has no data", id);
    return v;
}

START_TEST(test_ratio_of_sums_not_mean_of_rates)
{
    /* Unequal populations: 50% of 8,000,000 and 20% of 1,500,000, summed first. */
    double t01 = s_apply("T01", 4000000.0 + 300000.0, 8000000.0 + 1500000.0);
    double want = (4000000.0 + 300000.0) * 100.0 / (8000000.0 + 1500000.0); /* 45.26...% */
    ck_assert_double_eq_tol(t01, want, 1e-9);
    double mean_of_rates = (50.0 + 20.0) / 2;
    ck_assert_double_gt(fabs(t01 - mean_of_rates), 10.0);
    /* scaled before dividing: 29 of 100 is exactly 29 */
    ck_assert_double_eq(s_apply("T01", 29, 100), 29.0);
}
END_TEST

START_TEST(test_sum_and_units)
{
    ck_assert_double_eq(s_apply("T03", 19.0, 0), 19.0); /* sum(urban_areas): the total */
    ck_assert_double_eq(s_apply("T03", 0, 0), 0.0);     /* a sum of zeros is a real zero */
    /* m2/person is not a percentage: 3000 m2 over 500 people, not times 100. */
    ck_assert_double_eq_tol(s_apply("T08", 3000.0, 500.0), 6.0, 1e-12);
}
END_TEST

START_TEST(test_no_data)
{
    /* A zero denominator is "no data", never a division. */
    double v = 123;
    ck_assert_int_eq(td_indicator_apply(s_ind("T01"), 0, 0, &v), TD_ERR_NOTFOUND);
    ck_assert_int_eq(td_indicator_apply(s_ind("T05"), 5, 0, &v), TD_ERR_NOTFOUND);
    ck_assert_double_eq(v, 123); /* untouched */
    ck_assert_ptr_null(td_indicator_find(s_reg, "X99"));
    ck_assert_ptr_null(td_indicator_find(s_reg, NULL));
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

static Suite *s_suite(void)
{
    Suite *s = suite_create("indicator");
    TCase *tc = tcase_create("indicator");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_ratio_of_sums_not_mean_of_rates);
    tcase_add_test(tc, test_sum_and_units);
    tcase_add_test(tc, test_no_data);
    tcase_add_test(tc, test_targets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
