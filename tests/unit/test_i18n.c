/* test_i18n.c: the language chosen from options and the environment, and numbers and dates
 * for people in Vietnamese and English (common/i18n). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "unit_main.h"

static void s_clear_env(void)
{
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
}

START_TEST(language_from_option_and_environment)
{
    td_lang l;
    s_clear_env();
    ck_assert_int_eq(td_i18n_resolve(NULL, &l), 0);
    ck_assert_int_eq(l, TD_LANG_EN);
    setenv("LANG", "vi_VN.UTF-8", 1);
    ck_assert_int_eq(td_i18n_resolve(NULL, &l), 0);
    ck_assert_int_eq(l, TD_LANG_VI);
    ck_assert_int_eq(td_i18n_resolve("en", &l), 0); /* the option wins */
    ck_assert_int_eq(l, TD_LANG_EN);
    setenv("LC_MESSAGES", "en_US.UTF-8", 1); /* more specific than LANG */
    ck_assert_int_eq(td_i18n_resolve("", &l), 0);
    ck_assert_int_eq(l, TD_LANG_EN);
    setenv("LC_ALL", "vi_VN.UTF-8", 1); /* over LC_MESSAGES */
    ck_assert_int_eq(td_i18n_resolve(NULL, &l), 0);
    ck_assert_int_eq(l, TD_LANG_VI);
    setenv("LANGUAGE", "en:vi", 1); /* gettext's own list, first preferred */
    ck_assert_int_eq(td_i18n_resolve(NULL, &l), 0);
    ck_assert_int_eq(l, TD_LANG_EN);
    setenv("LANGUAGE", "", 1); /* empty: not set */
    ck_assert_int_eq(td_i18n_resolve(NULL, &l), 0);
    ck_assert_int_eq(l, TD_LANG_VI);
    ck_assert_int_eq(td_i18n_resolve("fr", &l), -1);
    ck_assert_int_eq(td_i18n_resolve("VI", &l), -1);
    s_clear_env();

    /* --lang on the command line, either form, the last one winning; not after "--" */
    char *a1[] = {"tiendo", "status", "--lang", "vi", NULL};
    ck_assert_str_eq(td_i18n_arg(4, a1), "vi");
    char *a2[] = {"tiendo", "--lang=en", "status", "--lang", "vi", "--lang=en", NULL};
    ck_assert_str_eq(td_i18n_arg(6, a2), "en");
    char *a3[] = {"tiendo", "status", "--", "--lang", "vi", NULL};
    ck_assert_ptr_null(td_i18n_arg(5, a3));
    char *a4[] = {"tiendo", "status", "--lang", NULL}; /* no value: parsing says so */
    ck_assert_ptr_null(td_i18n_arg(3, a4));
    /* a bad value: -1, and the environment's language */
    setenv("LANG", "vi_VN.UTF-8", 1);
    ck_assert_int_eq(td_i18n_start("fr"), -1);
    ck_assert_int_eq(td_i18n_lang(), TD_LANG_VI);
    ck_assert_int_eq(td_i18n_start("en"), 0);
    ck_assert_int_eq(td_i18n_lang(), TD_LANG_EN);
    s_clear_env();
}
END_TEST

START_TEST(numbers_for_people)
{
    char b[64];
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, 57.5, 1, b, sizeof b), "57,5");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, 57.5, 1, b, sizeof b), "57.5");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, 1007, 0, b, sizeof b), "1.007");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, 1007, 0, b, sizeof b), "1,007");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, 14054900, 0, b, sizeof b), "14.054.900");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, 1234567.891, 2, b, sizeof b), "1,234,567.89");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, -1234.5, 1, b, sizeof b), "-1.234,5");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, -0.04, 1, b, sizeof b), "0,0"); /* no -0 */
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, 999, 0, b, sizeof b), "999");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, 100000, 0, b, sizeof b), "100,000");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, NAN, 1, b, sizeof b), "—"); /* no data */
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, INFINITY, 1, b, sizeof b), "—");
    /* rounding to the digits asked, carrying into the thousands */
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, 2.346, 2, b, sizeof b), "2,35");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, 999.96, 1, b, sizeof b), "1,000.0");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_VI, 999999.5, 0, b, sizeof b), "1.000.000");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, -999999.96, 1, b, sizeof b), "-1,000,000.0");
    ck_assert_str_eq(td_fmt_number_in(TD_LANG_EN, -12, 0, b, sizeof b), "-12");
    char tiny[5];
    td_fmt_number_in(TD_LANG_EN, 1234567, 0, tiny, sizeof tiny); /* cut, still terminated */
    ck_assert_uint_eq(strlen(tiny), 4);

    td_i18n_init(TD_LANG_VI);
    ck_assert_int_eq(td_i18n_lang(), TD_LANG_VI);
    ck_assert_str_eq(td_fmt_percent(57.46, b, sizeof b), "57,5 %");
    ck_assert_str_eq(td_fmt_count(1007, b, sizeof b), "1.007");
    /* the C library's own formatting is untouched: JSON and CSV keep '.' */
    snprintf(b, sizeof b, "%.1f", 57.5);
    ck_assert_str_eq(b, "57.5");
    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(td_fmt_percent(57.46, b, sizeof b), "57.5 %");
    ck_assert_str_eq(td_fmt_count(1007, b, sizeof b), "1,007");
}
END_TEST

START_TEST(dates_for_people)
{
    char b[32];
    td_date d = {2026, 12, 25}, unset = {0, 0, 0};
    ck_assert_str_eq(td_fmt_date_in(TD_LANG_VI, &d, b, sizeof b), "25/12/2026");
    ck_assert_str_eq(td_fmt_date_in(TD_LANG_EN, &d, b, sizeof b), "2026-12-25");
    ck_assert_str_eq(td_fmt_date_in(TD_LANG_VI, &unset, b, sizeof b), "—");
    setenv("TZ", "Asia/Ho_Chi_Minh", 1);
    tzset();
    td_i18n_init(TD_LANG_VI);
    /* 2026-12-25T09:40:00Z is 16:40 in Hà Nội (UTC+7) */
    ck_assert_str_eq(td_fmt_time(1798191600000LL, b, sizeof b), "25/12/2026 16:40");
    td_i18n_init(TD_LANG_EN);
    ck_assert_str_eq(td_fmt_time(1798191600000LL, b, sizeof b), "2026-12-25 16:40");
    ck_assert_str_eq(td_fmt_time(0, b, sizeof b), "—");
    unsetenv("TZ");
    tzset();
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("i18n");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, language_from_option_and_environment);
    tcase_add_test(tc, numbers_for_people);
    tcase_add_test(tc, dates_for_people);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
