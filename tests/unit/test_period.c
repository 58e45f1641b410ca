/* test_period.c: period parsing, formatting, spans, Decree 09 cut-offs, deadlines and dates. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "period.h"
#include "unit_main.h"

static td_period s_parse(const char *text)
{
    td_period p;
    ck_assert_msg(td_period_parse(text, &p) == TD_OK, "'%s' should parse", text);
    return p;
}

static td_date s_date(const char *text)
{
    td_date d;
    ck_assert_msg(td_date_parse(text, &d) == TD_OK, "'%s' should be a date", text);
    return d;
}

static void s_assert_date(const td_date *d, const char *want)
{
    char buf[16];
    ck_assert_str_eq(td_date_format(d, buf, sizeof buf), want);
}

START_TEST(test_parse_format_round_trip)
{
    static const struct {
        const char *text;
        td_period_kind kind;
        int year, index;
    } cases[] = {
        {"2026-M07", TD_PERIOD_MONTH, 2026, 7},      {"2026-M01", TD_PERIOD_MONTH, 2026, 1},
        {"2026-M12", TD_PERIOD_MONTH, 2026, 12},     {"2026-Q1", TD_PERIOD_QUARTER, 2026, 1},
        {"2026-Q3", TD_PERIOD_QUARTER, 2026, 3},     {"2026-Q4", TD_PERIOD_QUARTER, 2026, 4},
        {"2026-H1", TD_PERIOD_HALF, 2026, 1},        {"2026-H2", TD_PERIOD_HALF, 2026, 2},
        {"2026-9M", TD_PERIOD_NINE_MONTHS, 2026, 0}, {"2026", TD_PERIOD_YEAR, 2026, 0},
        {"2000", TD_PERIOD_YEAR, 2000, 0},           {"2100-Q4", TD_PERIOD_QUARTER, 2100, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_period p = s_parse(cases[i].text);
        ck_assert_int_eq(p.kind, cases[i].kind);
        ck_assert_int_eq(p.year, cases[i].year);
        ck_assert_int_eq(p.index, cases[i].index);
        char buf[TD_PERIOD_TEXT_MAX];
        ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), cases[i].text);
    }
}
END_TEST

START_TEST(test_parse_rejects)
{
    static const char *const bad[] = {
        "2026-Q5", "2026-M7",  "2026-M13", "26-Q1",    "2026-Q1x", "",         "1999",
        "2101",    "2026-M00", "2026-Q0",  "2026-H3",  "2026-H0",  "2026-9m",  "2026-m07",
        " 2026",   "2026 ",    "2026-",    "2026-9M ", "2026-Q",   "2026-M1a", "2026Q1",
        "2026-Y",  "20a6",     "2026-9M9", "+2026",    "2026-M+7", "2026-Q-1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_period p = {2030, TD_PERIOD_MONTH, 5};
        ck_assert_msg(td_period_parse(bad[i], &p) == TD_ERR_INVALID, "'%s' must be rejected",
                      bad[i]);
        ck_assert_int_eq(p.year, 2030); /* untouched on failure */
    }
    td_period p;
    ck_assert_int_eq(td_period_parse(NULL, &p), TD_ERR_INVALID);
}
END_TEST

START_TEST(test_span)
{
    static const struct {
        const char *period, *first, *last;
    } cases[] = {
        {"2026-M07", "2026-07-01", "2026-07-31"}, {"2026-M02", "2026-02-01", "2026-02-28"},
        {"2028-M02", "2028-02-01", "2028-02-29"}, {"2026-Q1", "2026-01-01", "2026-03-31"},
        {"2026-Q3", "2026-07-01", "2026-09-30"},  {"2026-Q4", "2026-10-01", "2026-12-31"},
        {"2026-H1", "2026-01-01", "2026-06-30"},  {"2026-H2", "2026-07-01", "2026-12-31"},
        {"2026-9M", "2026-01-01", "2026-09-30"},  {"2026", "2026-01-01", "2026-12-31"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_period p = s_parse(cases[i].period);
        td_date first, last;
        td_period_span(&p, &first, &last);
        s_assert_date(&first, cases[i].first);
        s_assert_date(&last, cases[i].last);
    }
}
END_TEST

START_TEST(test_cutoff_windows)
{
    static const struct {
        const char *period, *from, *to;
    } cases[] = {
        /* month: 15th of the previous month to the 14th */
        {"2026-M07", "2026-06-15", "2026-07-14"},
        {"2026-M01", "2025-12-15", "2026-01-14"},
        {"2026-M12", "2026-11-15", "2026-12-14"},
        {"2026-M03", "2026-02-15", "2026-03-14"},
        /* quarter: 15th of the month before it to the 14th of its last month */
        {"2026-Q1", "2025-12-15", "2026-03-14"},
        {"2026-Q2", "2026-03-15", "2026-06-14"},
        {"2026-Q3", "2026-06-15", "2026-09-14"},
        {"2026-Q4", "2026-09-15", "2026-12-14"},
        /* halves, nine months and year */
        {"2026-H1", "2025-12-15", "2026-06-14"},
        {"2026-H2", "2026-06-15", "2026-12-14"},
        {"2026-9M", "2025-12-15", "2026-09-14"},
        {"2026", "2025-12-15", "2026-12-14"},
        {"2000-Q1", "1999-12-15", "2000-03-14"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_period p = s_parse(cases[i].period);
        td_date from, to;
        td_period_cutoff(&p, &from, &to);
        s_assert_date(&from, cases[i].from);
        s_assert_date(&to, cases[i].to);
    }
}
END_TEST

START_TEST(test_deadlines)
{
    static const struct {
        const char *period;
        int day;
        const char *want;
    } cases[] = {
        {"2026-M07", 25, "2026-07-25"}, {"2026-M01", 25, "2026-01-25"},
        {"2026-Q1", 25, "2026-03-25"},  {"2026-Q3", 20, "2026-09-20"},
        {"2026-H1", 25, "2026-06-25"},  {"2026-H2", 25, "2026-12-25"},
        {"2026-9M", 25, "2026-09-25"},  {"2026", 25, "2026-12-25"},
        {"2026-M02", 28, "2026-02-28"}, {"2026-Q4", 1, "2026-12-01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_period p = s_parse(cases[i].period);
        td_date d = td_period_deadline(&p, cases[i].day);
        s_assert_date(&d, cases[i].want);
    }
    /* The deadline never falls inside the cut-off window it closes. */
    td_period q = s_parse("2026-Q2");
    td_date from, to;
    td_period_cutoff(&q, &from, &to);
    td_date dl = td_period_deadline(&q, 25);
    ck_assert_int_gt(td_date_compare(&dl, &to), 0);
}
END_TEST

static time_t s_utc(int y, int mo, int d, int h, int mi, int s)
{
    td_date date = {y, mo, d};
    return (time_t) (td_date_to_unix(&date) + h * 3600 + mi * 60 + s);
}

START_TEST(test_containing)
{
    char buf[TD_PERIOD_TEXT_MAX];
    time_t t = s_utc(2026, 8, 20, 12, 0, 0);
    td_period p = td_period_containing(TD_PERIOD_MONTH, t);
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026-M08");
    p = td_period_containing(TD_PERIOD_QUARTER, t);
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026-Q3");
    p = td_period_containing(TD_PERIOD_HALF, t);
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026-H2");
    p = td_period_containing(TD_PERIOD_NINE_MONTHS, t);
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026-9M");
    p = td_period_containing(TD_PERIOD_YEAR, t);
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026");

    /* The last second of a year and the first of the next, in UTC. */
    p = td_period_containing(TD_PERIOD_QUARTER, s_utc(2025, 12, 31, 23, 59, 59));
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2025-Q4");
    p = td_period_containing(TD_PERIOD_QUARTER, s_utc(2026, 1, 1, 0, 0, 0));
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026-Q1");
    p = td_period_containing(TD_PERIOD_HALF, s_utc(2026, 6, 30, 23, 59, 59));
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2026-H1");
    p = td_period_containing(TD_PERIOD_MONTH, s_utc(2028, 2, 29, 10, 0, 0));
    ck_assert_str_eq(td_period_format(&p, buf, sizeof buf), "2028-M02");
}
END_TEST

START_TEST(test_date_parse)
{
    static const char *const good[] = {"2024-02-29", "2000-02-29", "2026-12-31", "2026-01-01",
                                       "2026-04-30"};
    static const char *const bad[] = {"2025-02-29",  "2100-02-29",  "2026-04-31", "2026-4-01",
                                      "2026-04-1",   "2026-04-01x", "2026/04/01", "2026-00-10",
                                      "2026-13-01",  "2026-01-00",  "",           "0000-01-01",
                                      " 2026-01-01", "2026-01-32"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        td_date d = s_date(good[i]);
        s_assert_date(&d, good[i]);
        ck_assert(td_date_is_set(&d));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_date d;
        ck_assert_msg(td_date_parse(bad[i], &d) == TD_ERR_INVALID, "'%s' must be rejected", bad[i]);
    }
    td_date unset = {0, 0, 0};
    ck_assert(!td_date_is_set(&unset));
}
END_TEST

START_TEST(test_date_compare)
{
    td_date a = s_date("2025-06-30"), b = s_date("2025-07-01"), c = s_date("2025-06-30");
    ck_assert_int_lt(td_date_compare(&a, &b), 0);
    ck_assert_int_gt(td_date_compare(&b, &a), 0);
    ck_assert_int_eq(td_date_compare(&a, &c), 0);
    td_date y1 = s_date("2024-12-31"), y2 = s_date("2025-01-01");
    ck_assert_int_lt(td_date_compare(&y1, &y2), 0);
}
END_TEST

START_TEST(test_date_unix)
{
    td_date epoch = {1970, 1, 1};
    ck_assert_int_eq(td_date_to_unix(&epoch), 0);
    td_date d = {2026, 1, 1};
    ck_assert_int_eq(td_date_to_unix(&d), INT64_C(1767225600));
    td_date leap = {2024, 2, 29};
    ck_assert_int_eq(td_date_to_unix(&leap), INT64_C(1709164800));
    td_date before = {1969, 12, 31};
    ck_assert_int_eq(td_date_to_unix(&before), -86400);

    /* Every day from 1990 to 2110 maps to midnight and back to itself, one day apart. */
    int64_t prev = td_date_to_unix(&(td_date){1989, 12, 31});
    for (int64_t t = prev + 86400; t < INT64_C(4449513600); t += 86400) {
        td_date day = td_date_from_time((time_t) t);
        ck_assert_int_eq(td_date_to_unix(&day), t);
        ck_assert_int_eq(td_date_to_unix(&day) - prev, 86400);
        prev = t;
    }
    /* from_time takes the UTC date, whatever the hour. */
    td_date late = td_date_from_time((time_t) (1767225600 - 1));
    s_assert_date(&late, "2025-12-31");
}
END_TEST

static Suite *s_suite(void)
{
    Suite *s = suite_create("period");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_format_round_trip);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_span);
    tcase_add_test(tc, test_cutoff_windows);
    tcase_add_test(tc, test_deadlines);
    tcase_add_test(tc, test_containing);
    tcase_add_test(tc, test_date_parse);
    tcase_add_test(tc, test_date_compare);
    tcase_add_test(tc, test_date_unix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return td_unit_run(s_suite());
}
